"""Probabilities after an imbalance cure, with and without ``prior_correction``.

The one-liner ``make_pipeline(SequenceScaler(), LSTMSequenceClassifier(
class_weight="balanced", prior_correction=True))`` on the published protocol
(official split + stratified resamples; sets without a TEST file: stratified
CV). Per dataset and kind of probabilities: the largest absolute offset of the
mean predicted probability of a class from its frequency, in the test set and
in the training labels (the prior ``True`` corrects to), the Brier score and
the log-loss. Three kinds, from the same fits: uncorrected (``p *
effective_prior_ / target_prior_``, renormalised, undoes the correction
exactly), corrected to the training frequencies (``True``), and corrected to
the test set's frequencies, as ``prior_correction={label: frequency}`` would
give them when the deployment prior is known (the dict only changes the
target of Bayes' rule, not the fit).

    python benchmarks/calibration_benchmark.py [--data DIR | --fetch NAME ...] \\
        [--datasets Earthquakes MedicalImages Wafer] [--out benchmarks/results]
"""

import argparse
import time
from pathlib import Path

import numpy as np
from _common import Report, provenance
from imblearn.pipeline import make_pipeline
from joblib import Parallel, delayed
from protocol import add_data_arguments, evaluate, load_tasks, take
from sklearn.metrics import log_loss

from sklstm import LSTMSequenceClassifier
from sklstm._priors import correct
from sklstm.preprocessing import SequenceScaler


def one_fit(name, X, y, train, test, resample):
    pipe = make_pipeline(
        SequenceScaler(),
        LSTMSequenceClassifier(class_weight="balanced", prior_correction=True),
    )
    out = evaluate(pipe, X, y, train, test, resample)
    model = out["estimator"]
    clf = model[-1]
    corrected = model.predict_proba(take(X, test))
    onehot = (y[test][:, None] == clf.classes_[None, :]).astype(float)
    frequency = onehot.mean(axis=0)
    kinds = {
        "raw": correct(corrected, clf.target_prior_, clf.effective_prior_),
        "corrected": corrected,
        "deployment": correct(corrected, clf.target_prior_, frequency),
    }
    row = {"dataset": name, "resample": resample, "ba": out["balanced_accuracy"]}
    for kind, proba in kinds.items():
        mean = proba.mean(axis=0)
        row[f"{kind}_offset"] = float(np.max(np.abs(mean - frequency)))
        row[f"{kind}_train_offset"] = float(np.max(np.abs(mean - clf.target_prior_)))
        row[f"{kind}_brier"] = float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))
        row[f"{kind}_log_loss"] = log_loss(y[test], proba, labels=clf.classes_)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_arguments(parser)
    parser.add_argument(
        "--datasets", nargs="*", default=["Earthquakes", "MedicalImages", "Wafer"]
    )
    parser.add_argument("--resamples", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, help="write DIR/calibration.md too")
    args = parser.parse_args()
    tasks = {
        k: v
        for k, v in load_tasks(False, args.data, args.fetch).items()
        if k in args.datasets
    }
    jobs = [
        delayed(one_fit)(name, task.X, task.y, train, test, k)
        for name, task in tasks.items()
        for k, (train, test) in enumerate(task.splits(args.resamples))
    ]
    start = time.perf_counter()
    rows = Parallel(n_jobs=args.jobs)(jobs)
    elapsed = time.perf_counter() - start
    report = Report()
    report(
        "| dataset | balanced accuracy | probabilities | max offset from test "
        "frequency | max offset from training frequency | Brier | log-loss |",
        "|---|---|---|---|---|---|---|",
    )

    def cell(values):
        return f"{np.mean(values):.3f} ± {np.std(values):.3f}"

    kinds = {
        "raw": "uncorrected",
        "corrected": "`prior_correction=True`",
        "deployment": "corrected to the test frequencies (dict)",
    }
    for name, task in tasks.items():
        mine = [r for r in rows if r["dataset"] == name]
        label = name if task.official else f"{name} (cv)"
        ba = cell([r["ba"] for r in mine])
        for kind, title in kinds.items():
            cells = [
                cell([r[f"{kind}_{metric}"] for r in mine])
                for metric in ("offset", "train_offset", "brier", "log_loss")
            ]
            report(f"| {label} | {ba} | {title} | " + " | ".join(cells) + " |")
            label = ba = ""
    report(
        "",
        f"{provenance(len(jobs), elapsed, args.jobs)} Mean ± std over "
        f"{args.resamples} resamples; predict (and so balanced accuracy) is the "
        "same with and without the correction.",
    )
    report.write(args.out, "calibration")


if __name__ == "__main__":
    main()
