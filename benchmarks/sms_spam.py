"""Spam detection on the SMS Spam Collection with a token LSTM, with and without cures.

Stratified 5-fold CV (shuffled, seed 0) of
``TextSequencer -> [sampler] -> LSTMSequenceClassifier(embedding_dim=32)``;
prints a markdown table of spam recall, balanced accuracy, accuracy and fit
time (mean ± std over folds).

    python benchmarks/sms_spam.py --data DIR [--out benchmarks/results]

Data: the SMS Spam Collection (UCI; ham 4827 / spam 747) as
``DIR/text/sms_spam/SMSSpamCollection``, ``label<TAB>text`` lines (the
``text/`` part of :func:`sklstm.datasets.load_folder`'s layout).
"""

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from _common import Report
from imblearn.pipeline import make_pipeline
from sklearn.model_selection import StratifiedKFold, cross_validate

from sklstm import LSTMSequenceClassifier
from sklstm.datasets import load_labelled_text
from sklstm.preprocessing import TextSequencer
from sklstm.resampling import SequenceRandomOverSampler

LSTM = dict(
    embedding_dim=32, hidden_size=32, max_epochs=6, batch_size=32, learning_rate=3e-3
)
STRATEGIES = {
    "plain": lambda: [LSTMSequenceClassifier(**LSTM, random_state=0)],
    "class_weight='balanced'": lambda: [
        LSTMSequenceClassifier(**LSTM, class_weight="balanced", random_state=0)
    ],
    "random oversampling": lambda: [
        SequenceRandomOverSampler(random_state=0),
        LSTMSequenceClassifier(**LSTM, random_state=0),
    ],
    "focal + balanced": lambda: [
        LSTMSequenceClassifier(
            **LSTM, loss="focal", class_weight="balanced", random_state=0
        )
    ],
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, required=True, help="holds text/sms_spam/SMSSpamCollection"
    )
    parser.add_argument("--out", type=Path, help="write DIR/sms_spam.md too")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    X, y = load_labelled_text(args.data / "text" / "sms_spam" / "SMSSpamCollection")
    report = Report()
    report(f"SMS Spam Collection: {len(y)} messages, spam {np.mean(y == 'spam'):.3f}")
    cv = StratifiedKFold(args.folds, shuffle=True, random_state=0)
    scoring = {
        "spam_recall": "recall",
        "balanced_accuracy": "balanced_accuracy",
        "accuracy": "accuracy",
    }
    rows = []
    for name, steps in STRATEGIES.items():
        pipe = make_pipeline(TextSequencer(max_tokens=5000, max_length=60), *steps())
        start = time.perf_counter()
        result = cross_validate(
            pipe, X, (y == "spam").astype(int), cv=cv, scoring=scoring
        )
        rows.append((name, result))
        print(f"  {name}: {time.perf_counter() - start:.0f} s", flush=True)
    report(
        "",
        "| strategy | spam recall | balanced accuracy | accuracy | fit time (s) |",
        "|---|---|---|---|---|",
    )
    for name, r in rows:
        cells = [
            f"{r['test_' + key].mean():.3f} ± {r['test_' + key].std():.3f}"
            for key in scoring
        ]
        report(f"| {name} | {' | '.join(cells)} | {r['fit_time'].mean():.1f} |")
    report.write(args.out, "sms_spam")


if __name__ == "__main__":
    main()
