"""Accuracy levers on real series: which architecture closes the gap to the
published state of the art.

Same folds and metrics as ``imbalance_benchmark.py`` (5-fold stratified,
seed 0); every configuration uses ``class_weight='balanced'`` and a
per-channel ``SequenceScaler``; "before" is the plain LSTM the imbalance
benchmark starts from; "defaults" is ``LSTMSequenceClassifier()``'s own
architecture and schedule (hidden 32, one-cycle, learning rate 3e-3, 30
epochs). Prints a markdown table (balanced accuracy mean ± std,
fit time) per dataset beside the best published balanced accuracy, and writes
it with a CSV to ``--out``.

    python benchmarks/accuracy_benchmark.py
"""

import argparse
import csv
import time
from pathlib import Path

import numpy as np
from imbalance_benchmark import (
    LSTM,
    SHARED,
    load_datasets,
    published_best,
    run_fold,
    scaled,
)
from joblib import Parallel, delayed
from sklearn.model_selection import RepeatedStratifiedKFold
from tqdm.auto import tqdm

from sklstm import LSTMSequenceClassifier

HERE = Path(__file__).resolve().parent

CONSTANT = dict(lr_schedule="constant")
CONFIGS = {
    "before: LSTM, constant lr": CONSTANT,
    "+ per-sequence norm": dict(CONSTANT, normalize="sequence"),
    "+ conv front end": dict(CONSTANT, conv_layers=2),
    "+ attention, one-cycle": dict(pooling="attention", lr_schedule="onecycle"),
    "defaults: LSTM, one-cycle": {},
    "LSTM-FCN (fcn_width=32)": dict(CONSTANT, fcn_width=32),
    "LSTM-FCN + one-cycle": dict(fcn_width=32, lr_schedule="onecycle"),
}


def build(extra):
    return scaled(LSTMSequenceClassifier(**LSTM, class_weight="balanced", **extra))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--configs", nargs="*", default=list(CONFIGS))
    parser.add_argument("--datasets", nargs="*")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--name", default="accuracy")
    args = parser.parse_args()
    datasets = load_datasets(False, args.data)
    if args.datasets:
        datasets = {k: v for k, v in datasets.items() if k in args.datasets}
    best = published_best(args.data / "REFERENCES.md")
    cv = RepeatedStratifiedKFold(n_splits=args.folds, n_repeats=1, random_state=0)
    tasks = []
    for name, dataset in datasets.items():
        splits = list(cv.split(np.zeros(len(dataset.y)), dataset.y))
        for config in args.configs:
            for fold, (train, test) in enumerate(splits):
                tasks.append(
                    (
                        config,
                        delayed(run_fold)(
                            name,
                            build(CONFIGS[config]),
                            dataset.X,
                            dataset.y,
                            train,
                            test,
                            fold,
                            fold,
                        ),
                    )
                )
    print(f"{len(tasks)} fits on {args.jobs} processes")
    start = time.perf_counter()
    outputs = Parallel(n_jobs=args.jobs, return_as="generator")(t for _, t in tasks)
    results = [
        dict(out, config=config)
        for (config, _), out in tqdm(zip(tasks, outputs, strict=True), total=len(tasks))
    ]
    elapsed = time.perf_counter() - start

    rows = []
    for name in datasets:
        for config in args.configs:
            mine = [
                r for r in results if r["dataset"] == name and r["config"] == config
            ]
            ba = np.array([r["balanced_accuracy"] for r in mine])
            fit = np.array([r["fit_time_s"] for r in mine])
            ref = best.get(name, (np.nan, ""))
            rows.append(
                {
                    "dataset": name,
                    "config": config,
                    "balanced_accuracy": ba.mean(),
                    "balanced_accuracy_std": ba.std(),
                    "minority_recall": np.mean([r["minority_recall"] for r in mine]),
                    "fit_time_s": fit.mean(),
                    "published_best_ba": ref[0],
                    "published_best_method": ref[1],
                }
            )
    lines = [
        "| dataset | configuration | balanced accuracy | minority recall "
        "| fit time (s) | best published BA |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        ref = r["published_best_ba"]
        published = f"{ref:.3f} ({r['published_best_method']})" if ref == ref else "-"
        lines.append(
            f"| {r['dataset']} | {r['config']} "
            f"| {r['balanced_accuracy']:.3f} ± {r['balanced_accuracy_std']:.3f} "
            f"| {r['minority_recall']:.3f} | {r['fit_time_s']:.1f} | {published} |"
        )
    text = "\n".join(lines)
    print()
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.name}.md").write_text(text + "\n")
    with (args.out / f"{args.name}.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(
        f"\n{len(tasks)} fits in {elapsed:.0f} s; written to {args.out}/{args.name}.*"
    )


if __name__ == "__main__":
    main()
