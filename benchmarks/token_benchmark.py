"""Token sequences: the sklstm one-liner beside TF-IDF + logistic regression.

Per dataset, stratified K-fold CV (shuffled), balanced accuracy and fit time
(mean ± std over folds and seeds) of

* ``TextSequencer -> LSTMSequenceClassifier(embedding_dim=16,
  class_weight="balanced")`` (the one-liner, untuned) and the same without
  class weights;
* ``TfidfVectorizer -> LogisticRegression(C=10, class_weight="balanced")``,
  what a scikit-learn user would pick instead.

Datasets: ``keyword``, 300 short messages of 4-12 words from a 20-word
vocabulary where one of 5 spam words, anywhere, marks the minority (15%;
3-fold CV, data and model seeds 0 and 1); ``sms_spam``, the SMS Spam
Collection (5-fold CV), when ``--data DIR`` holds
``text/sms_spam/SMSSpamCollection``.

    python benchmarks/token_benchmark.py [--data DIR] [--out benchmarks/results]
"""

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from _common import Report
from imblearn.pipeline import make_pipeline
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate

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
        TfidfVectorizer(),
        LogisticRegression(C=10, class_weight="balanced", max_iter=1000),
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


def tasks(data):
    """``{name: [(X, y, folds, seed), ...]}``: one entry per data/model seed."""
    found = {"keyword": [(*keyword_task(seed), 3, seed) for seed in (0, 1)]}
    sms = None if data is None else data / "text" / "sms_spam" / "SMSSpamCollection"
    if sms is not None and sms.exists():
        X, y = load_labelled_text(sms)
        found["sms_spam"] = [(X, (y == "spam").astype(int), 5, 0)]
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="holds text/sms_spam/...")
    parser.add_argument("--out", type=Path, help="write DIR/tokens.md too")
    parser.add_argument("--methods", nargs="*", default=list(METHODS))
    args = parser.parse_args()
    torch.set_num_threads(1)
    report = Report()
    report(
        "| dataset | method | balanced accuracy | fit time (s) |",
        "|---|---|---|---|",
    )
    start = time.perf_counter()
    for name, runs in tasks(args.data).items():
        for method in args.methods:
            scores, times = [], []
            for X, y, folds, seed in runs:
                cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
                result = cross_validate(
                    METHODS[method](seed), X, y, cv=cv, scoring="balanced_accuracy"
                )
                scores += list(result["test_score"])
                times += list(result["fit_time"])
            report(
                f"| {name} | {method} | {np.mean(scores):.3f} ± {np.std(scores):.3f} "
                f"| {np.mean(times):.1f} |"
            )
    report(
        "",
        f"Mean ± std over folds (and seeds); {time.perf_counter() - start:.0f} s in "
        "all, 1 torch thread.",
    )
    report.write(args.out, "tokens")


if __name__ == "__main__":
    main()
