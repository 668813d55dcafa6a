"""Cross-validated imbalance benchmark: which cure stops an LSTM collapsing.

Every strategy runs on the same folds (``RepeatedStratifiedKFold``, seed 0);
per dataset and strategy the script reports mean ± std over folds of balanced
accuracy, macro-F1, minority-class recall, G-mean, accuracy and fit time, next
to the best published balanced accuracy from ``REFERENCES.md`` where there is
one. It writes a markdown table, a CSV and two PNG plots to ``--out``.

    python benchmarks/imbalance_benchmark.py --quick   # bundled data, < 10 min
    python benchmarks/imbalance_benchmark.py           # every series set in --data

Quick mode uses the datasets that ship inside sklstm (ECG200, Earthquakes);
the full mode every UCR/UEA dataset under ``--data`` (default
``../shared/data``), falling back to the bundled ones when it is absent.
"""

import argparse
import csv
import re
import time
import warnings
from pathlib import Path

import numpy as np
from imblearn.metrics import geometric_mean_score
from imblearn.pipeline import Pipeline, make_pipeline
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    recall_score,
)
from sklearn.model_selection import (
    GridSearchCV,
    RepeatedStratifiedKFold,
    StratifiedKFold,
    TunedThresholdClassifierCV,
)
from tqdm.auto import tqdm

from sklstm import LSTMSequenceClassifier
from sklstm.augmentation import ChainAugmenter, GaussianNoise, TimeWarp
from sklstm.datasets import load_earthquakes, load_ecg200, load_folder, load_wafer
from sklstm.exceptions import CollapseWarning
from sklstm.preprocessing import SequenceScaler
from sklstm.resampling import (
    AugmentationSampler,
    SequenceRandomOverSampler,
    SequenceSMOTE,
)

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared" / "data"

LSTM = dict(
    hidden_size=32, max_epochs=30, learning_rate=3e-3, batch_size=32, n_threads=1
)


def lstm(**extra):
    return LSTMSequenceClassifier(**LSTM, **extra)


def scaled(*steps):
    return make_pipeline(SequenceScaler(), *steps)


def nested_search():
    """GridSearchCV choosing among the cures by balanced accuracy (inner 2-fold)."""
    pipe = Pipeline(
        [("scale", SequenceScaler()), ("sampler", "passthrough"), ("lstm", lstm())]
    )
    grid = [
        {"sampler": ["passthrough"], "lstm__class_weight": [None, "balanced"]},
        {"sampler": [SequenceRandomOverSampler(random_state=0)]},
        {"sampler": ["passthrough"], "lstm__balanced_batches": [True]},
    ]
    return GridSearchCV(
        pipe,
        grid,
        scoring="balanced_accuracy",
        cv=StratifiedKFold(2),
        error_score="raise",
    )


# name -> (builder(binary, ragged) -> estimator, or a string saying why it is n/a)
STRATEGIES = {
    "plain": lambda b, r: scaled(lstm()),
    "class_weight='balanced'": lambda b, r: scaled(lstm(class_weight="balanced")),
    "focal (alpha-balanced)": lambda b, r: scaled(
        lstm(loss="focal", class_weight="balanced")
    ),
    "random oversampling": lambda b, r: scaled(
        SequenceRandomOverSampler(random_state=0), lstm()
    ),
    "SequenceSMOTE": lambda b, r: (
        "n/a: equal-length only" if r else scaled(SequenceSMOTE(random_state=0), lstm())
    ),
    "AugmentationSampler": lambda b, r: scaled(
        AugmentationSampler(
            ChainAugmenter([TimeWarp(), GaussianNoise()]), random_state=0
        ),
        lstm(),
    ),
    "balanced batches": lambda b, r: scaled(lstm(balanced_batches=True)),
    "threshold tuning": lambda b, r: (
        TunedThresholdClassifierCV(scaled(lstm()), scoring="balanced_accuracy", cv=3)
        if b
        else "n/a: binary only"
    ),
    "nested search": lambda b, r: nested_search(),
}


def take(X, rows):
    return X[rows] if isinstance(X, np.ndarray) else [X[i] for i in rows]


def run_fold(name, strategy, X, y, train, test, fold, seed):
    """Fit one strategy on one fold; return its metrics."""
    estimator = clone(strategy)
    estimator.set_params(
        **{k: seed for k in estimator.get_params() if k.endswith("random_state")}
    )
    minority = np.unique(y)[np.argmin(np.unique(y, return_counts=True)[1])]
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        estimator.fit(take(X, train), y[train])
    fit_time = time.perf_counter() - start
    pred = estimator.predict(take(X, test))
    y_test = y[test]
    return {
        "dataset": name,
        "fold": fold,
        "balanced_accuracy": balanced_accuracy_score(y_test, pred),
        "f1_macro": f1_score(y_test, pred, average="macro"),
        "minority_recall": recall_score(
            y_test, pred, labels=[minority], average="macro", zero_division=0
        ),
        "g_mean": geometric_mean_score(y_test, pred, average="multiclass"),
        "accuracy": accuracy_score(y_test, pred),
        "fit_time_s": fit_time,
    }


def published_best(references):
    """Best published balanced accuracy per dataset from REFERENCES.md."""
    if not references.is_file():
        return {}
    lines = [l for l in references.read_text().splitlines() if l.startswith("|")]
    methods = [c.strip() for c in lines[0].strip("|").split("|")]
    best = {}
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        name = cells[0].split(" ")[0]
        scores = {
            method: float(m.group(1))
            for method, cell in zip(methods, cells, strict=False)
            if (m := re.search(r"\*\*([0-9.]+)\*\*", cell))
        }
        if scores:
            method = max(scores, key=scores.get)
            best[name] = (scores[method], method)
    return best


def load_datasets(quick, data):
    if quick:
        return {"ECG200": load_ecg200(), "Earthquakes": load_earthquakes()}
    if data.is_dir():
        found = load_folder(data)
        return {k: v for k, v in found.items() if not isinstance(v.X[0], str)}
    return {
        "ECG200": load_ecg200(),
        "Earthquakes": load_earthquakes(),
        "Wafer": load_wafer(),
    }


def summarise(results, strategy_names, datasets, best):
    table = []
    for name in datasets:
        for strategy in strategy_names:
            rows = [
                r for r in results if r["dataset"] == name and r["strategy"] == strategy
            ]
            if not rows:
                continue
            summary = {
                "dataset": name,
                "strategy": strategy,
                "note": rows[0].get("note", ""),
            }
            for key in (
                "balanced_accuracy",
                "f1_macro",
                "minority_recall",
                "g_mean",
                "accuracy",
                "fit_time_s",
            ):
                values = np.array([r[key] for r in rows if key in r], dtype=float)
                summary[key] = values.mean() if len(values) else np.nan
                summary[key + "_std"] = values.std() if len(values) else np.nan
            summary["published_best_ba"] = best.get(name, (np.nan, ""))[0]
            summary["published_best_method"] = best.get(name, (np.nan, ""))[1]
            table.append(summary)
    return table


def markdown(table):
    out = [
        "| dataset | strategy | balanced accuracy | macro-F1 | minority recall "
        "| G-mean | accuracy | fit time (s) | best published BA |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table:
        published = (
            f"{r['published_best_ba']:.3f} ({r['published_best_method']})"
            if r["published_best_ba"] == r["published_best_ba"]
            else "-"
        )
        if r["note"]:
            row = [r["dataset"], r["strategy"], r["note"], *[""] * 5, published]
            out.append("| " + " | ".join(row) + " |")
            continue
        cells = [
            f"{r[k]:.3f} ± {r[k + '_std']:.3f}"
            for k in (
                "balanced_accuracy",
                "f1_macro",
                "minority_recall",
                "g_mean",
                "accuracy",
            )
        ]
        out.append(
            f"| {r['dataset']} | {r['strategy']} | {' | '.join(cells)} "
            f"| {r['fit_time_s']:.1f} | {published} |"
        )
    return "\n".join(out)


def plot_scores(table, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(r["dataset"] for r in table))
    strategies = list(dict.fromkeys(r["strategy"] for r in table))
    fig, ax = plt.subplots(figsize=(max(6, 2.2 * len(datasets)), 5.5))
    width = 0.8 / len(strategies)
    for i, strategy in enumerate(strategies):
        means, stds, xs = [], [], []
        for j, name in enumerate(datasets):
            row = next(
                (
                    r
                    for r in table
                    if r["dataset"] == name and r["strategy"] == strategy
                ),
                None,
            )
            if row is not None and not row["note"]:
                xs.append(j + (i - len(strategies) / 2 + 0.5) * width)
                means.append(row["balanced_accuracy"])
                stds.append(row["balanced_accuracy_std"])
        ax.bar(xs, means, width, yerr=stds, label=strategy, capsize=2)
    for j, name in enumerate(datasets):
        ref = next(r["published_best_ba"] for r in table if r["dataset"] == name)
        if ref == ref:
            ax.hlines(ref, j - 0.45, j + 0.45, colors="k", linestyles="--")
    ax.set_xticks(range(len(datasets)), datasets)
    lowest = min(r["balanced_accuracy"] for r in table if not r["note"])
    ax.set_ylim(min(0.4, np.floor(lowest * 10) / 10), 1.0)
    ax.axhline(0.5, color="grey", lw=0.5)
    ax.set_ylabel("balanced accuracy (mean ± std over folds)")
    ax.set_title("sklstm strategies; dashed: best published balanced accuracy")
    ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.08))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_history(dataset, name, path, seed=0):
    """Per-epoch history of plain vs class-weighted training on one fold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = dataset.X, dataset.y
    train, _ = next(StratifiedKFold(3, shuffle=True, random_state=seed).split(X, y))
    X_train = SequenceScaler().fit_transform(take(X, train))
    minority = np.unique(y)[np.argmin(np.unique(y, return_counts=True)[1])]
    minority = minority.item() if hasattr(minority, "item") else minority
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for label, extra in (
        ("plain", {}),
        ("class_weight='balanced'", {"class_weight": "balanced"}),
    ):
        clf = LSTMSequenceClassifier(
            **dict(LSTM, n_threads=None),
            early_stopping=True,
            n_iter_no_change=LSTM["max_epochs"],
            random_state=seed,
            **extra,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CollapseWarning)
            clf.fit(X_train, y[train])
        epochs = [h["epoch"] for h in clf.history_]
        axes[0].plot(
            epochs, [h["valid_recall"][minority] for h in clf.history_], label=label
        )
        axes[1].plot(
            epochs, [h["valid_majority_share"] for h in clf.history_], label=label
        )
    axes[0].set_title(f"{name}: validation recall of minority class {minority!r}")
    axes[1].set_title("share of predictions on the most-predicted class")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.set_ylim(-0.02, 1.02)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="bundled data, 3 folds")
    parser.add_argument("--data", type=Path, default=SHARED)
    parser.add_argument("--folds", type=int)
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--strategies", nargs="*", default=list(STRATEGIES))
    args = parser.parse_args()
    folds = args.folds or (3 if args.quick else 5)
    repeats = args.repeats or 1
    mode = "quick" if args.quick else "full"
    datasets = load_datasets(args.quick, args.data)
    best = published_best(args.data / "REFERENCES.md")

    tasks, results = [], []
    cv = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=0)
    for name, dataset in datasets.items():
        X, y = dataset.X, dataset.y
        binary, ragged = len(np.unique(y)) == 2, not isinstance(X, np.ndarray)
        counts = np.unique(y, return_counts=True)[1]
        print(f"{name}: {len(y)} sequences, class counts {counts.tolist()}")
        splits = list(cv.split(np.zeros(len(y)), y))
        for strategy in args.strategies:
            built = STRATEGIES[strategy](binary, ragged)
            if isinstance(built, str):
                results.append({"dataset": name, "strategy": strategy, "note": built})
                continue
            for fold, (train, test) in enumerate(splits):
                tasks.append(
                    (
                        strategy,
                        delayed(run_fold)(name, built, X, y, train, test, fold, fold),
                    )
                )
    print(f"{len(tasks)} fits ({folds}-fold x {repeats}) on {args.jobs} processes")
    start = time.perf_counter()
    strategies_of = [s for s, _ in tasks]
    outputs = Parallel(n_jobs=args.jobs, return_as="generator")(t for _, t in tasks)
    for strategy, out in tqdm(
        zip(strategies_of, outputs, strict=True), total=len(tasks)
    ):
        results.append(dict(out, strategy=strategy))
    elapsed = time.perf_counter() - start

    table = summarise(results, args.strategies, datasets, best)
    text = markdown(table)
    print()
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"imbalance_{mode}.md").write_text(text + "\n")
    with (args.out / f"imbalance_{mode}.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    plot_scores(table, args.out / f"imbalance_{mode}_balanced_accuracy.png")
    history_set = "Earthquakes" if "Earthquakes" in datasets else next(iter(datasets))
    plot_history(
        datasets[history_set], history_set, args.out / f"imbalance_{mode}_history.png"
    )
    print(
        f"\n{len(tasks)} fits in {elapsed:.0f} s; "
        f"written to {args.out}/imbalance_{mode}.*"
    )


if __name__ == "__main__":
    main()
