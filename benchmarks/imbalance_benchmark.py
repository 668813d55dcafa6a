"""Cross-validated imbalance benchmark: which cure stops an LSTM collapsing.

Runs each strategy on the same stratified folds of real imbalanced UCR data and
prints a markdown table (mean ± std over folds) of balanced accuracy, minority
recall, accuracy and fit time; also writes it as CSV under
``benchmarks/results/``.

    python benchmarks/imbalance_benchmark.py --quick

Data: the UCR archive folders under ``../shared/data/ucr`` (TRAIN and TEST
files pooled, as the stratified resamples in REFERENCES.md are).
"""

import argparse
import csv
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import accuracy_score, balanced_accuracy_score, recall_score
from sklearn.model_selection import StratifiedKFold

from sklstm import LSTMSequenceClassifier
from sklstm.exceptions import CollapseWarning

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ucr"
RESULTS = Path(__file__).resolve().parent / "results"

QUICK_DATASETS = ["ECG200", "Earthquakes"]
FULL_DATASETS = [
    "ECG200",
    "Earthquakes",
    "Wafer",
    "DistalPhalanxOutlineAgeGroup",
    "MedicalImages",
]

BASE = dict(hidden_size=32, max_epochs=30, learning_rate=3e-3, batch_size=32)
STRATEGIES = {
    "plain": {},
    "class_weight='balanced'": dict(class_weight="balanced"),
    "balanced + early stopping": dict(
        class_weight="balanced",
        early_stopping=True,
        scoring="balanced_accuracy",
        n_iter_no_change=8,
        max_epochs=60,
    ),
}


def load_ucr(name):
    """Pooled TRAIN (+ TEST when present) of a UCR dataset, z-normalised rows."""
    parts = sorted((DATA / name).glob(f"{name}_*.tsv"))
    data = np.vstack([np.loadtxt(p, delimiter="\t") for p in parts])
    X, y = data[:, 1:].astype(np.float32), data[:, 0].astype(int)
    std = X.std(axis=1, keepdims=True)
    X = (X - X.mean(axis=1, keepdims=True)) / np.where(std > 0, std, 1)
    return X, y


def evaluate(X, y, params, folds):
    """Fold-wise metrics of one strategy."""
    minority = np.argmin(np.bincount(np.searchsorted(np.unique(y), y)))
    minority = np.unique(y)[minority]
    rows = []
    for train, test in folds:
        clf = LSTMSequenceClassifier(**params)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CollapseWarning)
            clf.fit(X[train], y[train])
        fit_time = time.perf_counter() - start
        pred = clf.predict(X[test])
        rows.append(
            {
                "balanced_accuracy": balanced_accuracy_score(y[test], pred),
                "minority_recall": recall_score(
                    y[test], pred, labels=[minority], average="macro"
                ),
                "accuracy": accuracy_score(y[test], pred),
                "fit_time_s": fit_time,
                "collapse_warnings": sum(
                    issubclass(w.category, CollapseWarning) for w in caught
                ),
            }
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="ECG200, Earthquakes")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    datasets = QUICK_DATASETS if args.quick else FULL_DATASETS

    table = []
    for name in datasets:
        X, y = load_ucr(name)
        folds = list(
            StratifiedKFold(args.folds, shuffle=True, random_state=0).split(X, y)
        )
        print(f"{name}: {X.shape}, class counts {np.unique(y, return_counts=True)[1]}")
        for strategy, extra in STRATEGIES.items():
            params = dict(BASE, **extra)
            rows = evaluate(X, y, dict(params, random_state=0), folds)
            summary = {"dataset": name, "strategy": strategy}
            for key in rows[0]:
                values = np.array([r[key] for r in rows], dtype=float)
                summary[key] = values.mean()
                summary[key + "_std"] = values.std()
            table.append(summary)
            print(
                f"  {strategy:28s} balanced accuracy "
                f"{summary['balanced_accuracy']:.3f} ± "
                f"{summary['balanced_accuracy_std']:.3f}",
                flush=True,
            )

    print()
    print(
        "| dataset | strategy | balanced accuracy | minority recall | accuracy "
        "| fit time (s) | folds collapsed |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in table:
        print(
            f"| {r['dataset']} | {r['strategy']} "
            f"| {r['balanced_accuracy']:.3f} ± {r['balanced_accuracy_std']:.3f} "
            f"| {r['minority_recall']:.3f} ± {r['minority_recall_std']:.3f} "
            f"| {r['accuracy']:.3f} ± {r['accuracy_std']:.3f} "
            f"| {r['fit_time_s']:.1f} "
            f"| {int(r['collapse_warnings'] * args.folds)}/{args.folds} |"
        )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("imbalance_quick.csv" if args.quick else "imbalance_full.csv")
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
