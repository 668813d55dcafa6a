"""Imbalance benchmark on the published protocol: sklstm's cures against the
published state of the art and MiniRocket run side by side.

Each UCR/UEA set is scored as the published figures were made (see
``protocol.py``): train on the official TRAIN file and score the official TEST
file (resample 0), plus stratified resamples 1..K-1 that keep the official
per-class train counts; model seed = resample number. A set without an
official TEST file (the bundled Wafer TRAIN file) gets stratified K-fold CV of
its pool instead, marked ``cv`` and left out of the published comparison.

Per dataset and strategy the script reports mean ± std over resamples of
balanced accuracy, macro-F1, minority recall, G-mean, accuracy, fit time and
the number of fits that predicted a single class; then sklstm beside the
published balanced accuracy (resample 0 / 30-resample mean) of InceptionTime,
ResNet, MiniROCKET, ROCKET, HC2 and the best published method, and beside
aeon's ``MiniRocketClassifier`` fitted here on the same resamples
(``--baseline minirocket``, with the ratio of balanced accuracy and of fit
time). It writes markdown, CSV and PNG files to ``--out``.

    python benchmarks/imbalance_benchmark.py --quick --baseline minirocket
    python benchmarks/imbalance_benchmark.py --baseline minirocket --data DIR
    python benchmarks/imbalance_benchmark.py --fetch Wafer Strawberry
    python benchmarks/imbalance_benchmark.py --strategies defaults \
        "class_weight='balanced'" "random oversampling" "balanced batches"

By default only the recommended one-liner, ``class_weight='balanced'``, runs
(``results/imbalance_{quick,full}.md`` record the time of a run); each
strategy named in ``--strategies`` costs about as much again.

Quick mode uses the datasets that ship inside sklstm (ECG200, Earthquakes);
the full mode every series set under ``--data DIR`` (a folder in
``sklstm.datasets.load_folder``'s layout, e.g. a download of the UCR and UEA
archives), the archive sets named by ``--fetch NAME ...`` (downloaded once
with ``sklstm.datasets.fetch_ucr``), or the bundled ones (with Wafer)
without either. The text set is
``sms_spam.py``'s.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from _common import provenance, write_results
from imblearn.pipeline import Pipeline, make_pipeline
from joblib import Parallel, delayed
from protocol import (
    add_data_arguments,
    evaluate,
    load_published,
    load_tasks,
    minirocket,
    take,
)
from sklearn.base import clone
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
)
from tqdm.auto import tqdm

from sklstm import LSTMSequenceClassifier
from sklstm.augmentation import ChainAugmenter, GaussianNoise, TimeWarp
from sklstm.preprocessing import SequenceScaler
from sklstm.resampling import (
    AugmentationSampler,
    SequenceRandomOverSampler,
    SequenceSMOTE,
)

HERE = Path(__file__).resolve().parent
PUBLISHED_METHODS = ("InceptionTime", "ResNet", "MiniROCKET", "ROCKET", "HC2")
# The recommended one-liner; every other strategy is measured against it.
ONE_LINER = "class_weight='balanced'"


def lstm(**extra):
    """The classifier at its defaults (one torch thread: fits run in parallel)."""
    return LSTMSequenceClassifier(n_threads=1, **extra)


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
    "defaults": lambda b, r: scaled(lstm()),
    ONE_LINER: lambda b, r: scaled(lstm(class_weight="balanced")),
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
DEFAULT_STRATEGIES = [ONE_LINER]


BASELINES = {"minirocket": minirocket}

METRICS = (
    "balanced_accuracy",
    "f1_macro",
    "minority_recall",
    "g_mean",
    "accuracy",
    "fit_time_s",
)


def summarize(results, strategies, tasks):
    """Mean ± std over resamples per dataset and strategy."""
    table = []
    for name in tasks:
        for strategy in strategies:
            rows = [
                r for r in results if r["dataset"] == name and r["strategy"] == strategy
            ]
            if not rows:
                continue
            notes = [r["note"] for r in rows if "note" in r]
            summary = {
                "dataset": name,
                "strategy": strategy,
                "protocol": "official" if tasks[name].official else "cv",
                "note": notes[0] if len(notes) == len(rows) else "",
                "n_fits": len(rows) - len(notes),
                "failed_fits": len(notes),
                "single_class_fits": sum(r.get("single_class", 0) for r in rows),
            }
            for key in METRICS:
                values = np.array([r[key] for r in rows if key in r], dtype=float)
                summary[key] = values.mean() if len(values) else np.nan
                summary[key + "_std"] = values.std() if len(values) else np.nan
            table.append(summary)
    return table


def _cell(mean, std):
    return "-" if mean != mean else f"{mean:.3f} ± {std:.3f}"


def strategy_markdown(table):
    out = [
        "| dataset | strategy | balanced accuracy | macro-F1 | minority recall "
        "| G-mean | accuracy | fit time (s) | single-class fits |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table:
        name = r["dataset"] + (" (cv)" if r["protocol"] == "cv" else "")
        if r["note"]:
            out.append(f"| {name} | {r['strategy']} | {r['note']} |" + " |" * 6)
            continue
        cells = [_cell(r[k], r[k + "_std"]) for k in METRICS[:-1]]
        out.append(
            f"| {name} | {r['strategy']} | {' | '.join(cells)} "
            f"| {r['fit_time_s']:.1f} | {r['single_class_fits']}/{r['n_fits']} |"
        )
    return "\n".join(out)


def comparison(table, published, strategy, baseline):
    """Rows of sklstm ``strategy`` beside the baseline and published figures."""
    rows = []
    for r in table:
        if r["strategy"] != strategy or r["note"]:
            continue
        row = {
            "dataset": r["dataset"],
            "protocol": r["protocol"],
            "sklstm": r["balanced_accuracy"],
            "sklstm_std": r["balanced_accuracy_std"],
            "sklstm_fit_s": r["fit_time_s"],
        }
        base = next(
            (
                b
                for b in table
                if b["dataset"] == r["dataset"] and b["strategy"] == baseline
            ),
            None,
        )
        if base is not None:
            row["baseline"] = base["balanced_accuracy"]
            row["baseline_std"] = base["balanced_accuracy_std"]
            row["ba_ratio"] = r["balanced_accuracy"] / base["balanced_accuracy"]
            row["fit_ratio"] = r["fit_time_s"] / base["fit_time_s"]
        figures = published.get(r["dataset"], {}) if r["protocol"] == "official" else {}
        for method in (*PUBLISHED_METHODS, "best"):
            if method in figures:
                row[f"{method}_r0"], row[f"{method}_mean30"] = figures[method][:2]
        if "best" in figures:
            row["best_method"] = figures["best"][2]
        rows.append(row)
    return rows


def comparison_markdown(rows, strategy, baseline, n_resamples):
    head = ["dataset", f"sklstm {strategy}"]
    if baseline:
        head += [f"{baseline} (this run)", "BA ratio", "fit-time ratio"]
    head += [f"{m} r0 / mean30" for m in PUBLISHED_METHODS] + ["best published"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def pub(row, method):
        if f"{method}_r0" not in row:
            return "-"
        return f"{row[f'{method}_r0']:.3f} / {row[f'{method}_mean30']:.3f}"

    for row in rows:
        name = row["dataset"] + (" (cv)" if row["protocol"] == "cv" else "")
        cells = [name, _cell(row["sklstm"], row["sklstm_std"])]
        if baseline:
            cells += [
                _cell(row.get("baseline", np.nan), row.get("baseline_std", np.nan)),
                f"{row['ba_ratio']:.3f}" if "ba_ratio" in row else "-",
                f"{row['fit_ratio']:.1f}" if "fit_ratio" in row else "-",
            ]
        cells += [pub(row, m) for m in PUBLISHED_METHODS]
        best = pub(row, "best")
        cells.append(best if best == "-" else f"{best} ({row['best_method']})")
        out.append("| " + " | ".join(cells) + " |")

    compared = [r for r in rows if "InceptionTime_mean30" in r]
    if compared:
        cells = [
            f"**mean of {len(compared)} official-split sets**",
            f"**{np.mean([r['sklstm'] for r in compared]):.3f}**",
        ]
        if baseline:
            have = [r for r in compared if "baseline" in r]
            cells += [
                f"{np.mean([r['baseline'] for r in have]):.3f}" if have else "-",
                "-",
                "-",
            ]
        for method in (*PUBLISHED_METHODS, "best"):
            cells.append(
                f"{np.mean([r[f'{method}_r0'] for r in compared]):.3f} / "
                f"{np.mean([r[f'{method}_mean30'] for r in compared]):.3f}"
            )
        out.append("| " + " | ".join(cells) + " |")
    out.append(
        f"\nsklstm and {baseline or 'the baseline'}: mean ± std over "
        f"{n_resamples} resamples of the published protocol (resample 0 = official "
        "split). Published: balanced accuracy on resample 0 / mean over 30 "
        "resamples (Middlehurst, Schäfer & Bagnall 2024). (cv): no official test "
        "file here, stratified CV of the train file; not comparable with the "
        "published figures and left out of the mean."
    )
    return "\n".join(out)


def plot_scores(table, published, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(r["dataset"] for r in table))
    strategies = list(dict.fromkeys(r["strategy"] for r in table if not r["note"]))
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(datasets)), 5.5))
    width = 0.8 / len(strategies)
    for i, strategy in enumerate(strategies):
        xs, means, stds = [], [], []
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
        official = next(r["protocol"] for r in table if r["dataset"] == name)
        figures = published.get(name, {}) if official == "official" else {}
        for method, style in (("InceptionTime", "--"), ("MiniROCKET", ":")):
            if method in figures:
                ax.hlines(figures[method][1], j - 0.45, j + 0.45, "k", style)
    ax.plot([], [], "k--", label="published InceptionTime (mean30)")
    ax.plot([], [], "k:", label="published MiniROCKET (mean30)")
    ax.set_xticks(range(len(datasets)), datasets, rotation=30, ha="right")
    lowest = min(r["balanced_accuracy"] for r in table if not r["note"])
    ax.set_ylim(min(0.4, np.floor(lowest * 10) / 10), 1.0)
    ax.set_ylabel("balanced accuracy (mean ± std over resamples)")
    ax.set_title("Published protocol: official split + stratified resamples")
    ax.legend(fontsize=7, ncol=3, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_history(histories, name, path):
    """Per-epoch training history of the first resample: minority recall and
    the share of predictions on one class, for each strategy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for strategy, (history, minority) in histories.items():
        epochs = [h["epoch"] for h in history]
        axes[0].plot(
            epochs, [h["train_recall"][minority] for h in history], label=strategy
        )
        axes[1].plot(
            epochs, [h["train_majority_share"] for h in history], label=strategy
        )
    axes[0].set_title(f"{name}: training recall of the minority class")
    axes[1].set_title("share of predictions on the most-predicted class")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.set_ylim(-0.02, 1.02)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(name, strategy, estimator, X, y, train, test, resample, keep_history):
    """One fit; a failure becomes a note in the table instead of ending the run."""
    torch.set_num_threads(1)
    try:
        if strategy in BASELINES:
            # Compile numba's kernels outside the timed fit: two rows per class.
            rows = np.concatenate([train[y[train] == c][:2] for c in np.unique(y)])
            clone(estimator).fit(take(X, rows), y[rows])
        out = evaluate(estimator, X, y, train, test, seed=resample)
    except Exception as error:
        return dict(dataset=name, strategy=strategy, note=f"failed: {error!r}")
    out.update(dataset=name, strategy=strategy, resample=resample)
    fitted = out.pop("estimator")
    # A pipeline's classifier keeps a history; a search or a tuned threshold
    # wraps it in another estimator and is left out of the plot.
    model = fitted[-1] if hasattr(fitted, "steps") else fitted
    if keep_history and hasattr(model, "history_"):
        labels, counts = np.unique(y[train], return_counts=True)
        minority = labels[np.argmin(counts)].item()
        out["history"] = (model.history_, minority)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="bundled data only")
    add_data_arguments(parser)
    parser.add_argument("--datasets", nargs="*", help="only these datasets")
    parser.add_argument("--resamples", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument(
        "--strategies", nargs="*", default=DEFAULT_STRATEGIES, choices=STRATEGIES
    )
    parser.add_argument("--baseline", choices=BASELINES)
    args = parser.parse_args()
    mode = "quick" if args.quick else "full"
    tasks = load_tasks(args.quick, args.data, args.fetch)
    if args.datasets:
        tasks = {k: v for k, v in tasks.items() if k in args.datasets}
    published = load_published()
    history_set = "Earthquakes" if "Earthquakes" in tasks else next(iter(tasks))

    jobs, results = [], []
    strategies = list(args.strategies) + ([args.baseline] if args.baseline else [])
    for name, task in tasks.items():
        X, y = task.X, task.y
        binary, ragged = len(np.unique(y)) == 2, not isinstance(X, np.ndarray)
        counts = np.unique(task.y_train, return_counts=True)[1]
        print(
            f"{name}: {len(y)} sequences, train class counts {counts.tolist()}"
            + ("" if task.official else " (no official test file: stratified CV)")
        )
        for strategy in strategies:
            if strategy in BASELINES:
                built = BASELINES[strategy]()
            else:
                built = STRATEGIES[strategy](binary, ragged)
            if isinstance(built, str):
                results.append({"dataset": name, "strategy": strategy, "note": built})
                continue
            for k, (train, test) in enumerate(task.splits(args.resamples)):
                keep = name == history_set and k == 0 and strategy in STRATEGIES
                # A fit's cost: max_steps batches of the sequence length;
                # the baseline's is small.
                cost = 0 if strategy in BASELINES else (30 if ragged else X.shape[1])
                jobs.append(
                    (
                        cost,
                        delayed(run)(name, strategy, built, X, y, train, test, k, keep),
                    )
                )
    # Longest fits first, so that the processes finish together.
    jobs = [job for _, job in sorted(jobs, key=lambda job: -job[0])]
    print(f"{len(jobs)} fits ({args.resamples} resamples) on {args.jobs} processes")
    start = time.perf_counter()
    histories = {}
    outputs = Parallel(n_jobs=args.jobs, return_as="generator_unordered")(jobs)
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / f"imbalance_{mode}_fits.jsonl").open("w") as log:
        for out in tqdm(outputs, total=len(jobs)):
            if "history" in out:
                histories[out["strategy"]] = out.pop("history")
            results.append(out)
            log.write(json.dumps(out, default=float) + "\n")
            log.flush()
    elapsed = time.perf_counter() - start

    table = summarize(results, strategies, tasks)
    rows = comparison(table, published, ONE_LINER, args.baseline)
    text = "\n\n".join(
        [
            provenance(len(jobs), elapsed, args.jobs),
            strategy_markdown(table),
            comparison_markdown(rows, ONE_LINER, args.baseline, args.resamples),
        ]
    )
    print()
    print(text)
    write_results(args.out, f"imbalance_{mode}", text, table)
    plot_scores(table, published, args.out / f"imbalance_{mode}_balanced_accuracy.png")
    if histories:
        plot_history(histories, history_set, args.out / f"imbalance_{mode}_history.png")
    print(f"\nwritten to {args.out}/imbalance_{mode}.*")


if __name__ == "__main__":
    main()
