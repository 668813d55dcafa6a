"""The main job: which cure stops the collapse onto the majority class, at which
imbalance, beside MiniRocket.

Each task is one class against the rest of a UCR set at a controlled ratio of
negatives to positives (``controlled_imbalance.py``: the official split, the
positive class's training rows subsampled to ``max(2, round(n_neg / r))``,
the official TEST file as test set; the smallest and the largest training
class each in turn). Every cure fits the same tasks, seeds 0..K-1 (the seed
draws the positive rows and seeds the model), beside aeon's MiniRocket
untreated and with the cure a user of aeon would pick (class-weighted ridge).

It prints, per set, positive class, ratio and cure, the mean ± std over seeds
of balanced accuracy, positive recall, G-mean and average precision, the fits
that predicted one class and the fit time; then the same averaged over the
tasks of each ratio (the README's first table), and writes markdown, CSV, a
JSON line per fit and a plot per metric against the ratio (one line per cure)
to ``--out``.

    python benchmarks/imbalance_benchmark.py --quick
    python benchmarks/imbalance_benchmark.py --data DIR
    python benchmarks/imbalance_benchmark.py --data DIR --ratios 10 20 \
        --cures "class weights" "early stopping + class weights" minirocket

Quick mode runs the sets that ship inside sklstm (ECG200, Earthquakes), the
smallest class as positive, ratios 1 and 20, two seeds and four cures beside
MiniRocket. The full mode runs every set with an official TEST file under
``--data DIR`` (``sklstm.datasets.load_folder``'s layout) or named by
``--fetch NAME ...``, both positive classes, ratios 1, 10, 20 and 50 where
they can be built, three seeds and every cure.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from _common import provenance, write_results
from controlled_imbalance import RATIOS, n_positives, one_vs_rest, positive_classes
from controlled_imbalance import score as score_task
from imblearn.pipeline import make_pipeline
from joblib import Parallel, delayed
from protocol import (
    PadChannelsFirst,
    add_data_arguments,
    load_tasks,
    minirocket,
    take,
)
from sklearn.model_selection import TunedThresholdClassifierCV
from tqdm.auto import tqdm

from sklstm import LSTMSequenceClassifier
from sklstm.augmentation import ChainAugmenter, GaussianNoise, TimeWarp
from sklstm.preprocessing import SequenceScaler
from sklstm.resampling import (
    AugmentationSampler,
    SequenceADASYN,
    SequenceRandomOverSampler,
    SequenceSMOTE,
)

HERE = Path(__file__).resolve().parent
# The cure the README recommends; the others are measured against it.
RECOMMENDED = "class weights"
PLAIN = "plain"
METRICS = ("balanced_accuracy", "positive_recall", "g_mean", "average_precision")


def lstm(**params):
    """The one-liner's pipeline (one torch thread: fits run in parallel)."""
    return make_pipeline(
        SequenceScaler(), LSTMSequenceClassifier(n_threads=1, **params)
    )


def resampled(sampler):
    return make_pipeline(SequenceScaler(), sampler, LSTMSequenceClassifier(n_threads=1))


def minirocket_weighted():
    """MiniRocket with aeon's own cure: class-weighted ridge regression."""
    from aeon.classification.convolution_based import MiniRocketClassifier

    return make_pipeline(
        PadChannelsFirst(),
        MiniRocketClassifier(class_weight="balanced", n_jobs=1, random_state=0),
    )


# name -> builder of the estimator
CURES = {
    PLAIN: lambda: lstm(),
    RECOMMENDED: lambda: lstm(class_weight="balanced"),
    "early stopping + class weights": lambda: lstm(
        class_weight="balanced", early_stopping=True
    ),
    "focal loss + class weights": lambda: lstm(loss="focal", class_weight="balanced"),
    "class weights + weight decay": lambda: lstm(
        class_weight="balanced", weight_decay=1e-2
    ),
    "logit adjustment": lambda: lstm(logit_adjustment=1.0),
    "balanced batches": lambda: lstm(balanced_batches=True),
    "random oversampling": lambda: resampled(SequenceRandomOverSampler(random_state=0)),
    "SequenceSMOTE": lambda: resampled(SequenceSMOTE(random_state=0)),
    "SequenceSMOTE (DTW)": lambda: resampled(
        SequenceSMOTE(distance="dtw", random_state=0)
    ),
    "SequenceADASYN": lambda: resampled(SequenceADASYN(random_state=0)),
    "SequenceADASYN (DTW)": lambda: resampled(
        SequenceADASYN(distance="dtw", random_state=0)
    ),
    "augmentation oversampling": lambda: resampled(
        AugmentationSampler(
            ChainAugmenter([TimeWarp(), GaussianNoise()]), random_state=0
        )
    ),
    "threshold tuning": lambda: TunedThresholdClassifierCV(
        lstm(), scoring="balanced_accuracy", cv=3
    ),
    "minirocket": minirocket,
    "minirocket + class weights": minirocket_weighted,
}
QUICK_CURES = [
    PLAIN,
    RECOMMENDED,
    "random oversampling",
    "early stopping + class weights",
    "minirocket",
]


def tasks_of(sets, ratios, both_classes):
    """``(set, positive class, ratio)`` of every task that can be built."""
    out = []
    for name, task in sets.items():
        if not task.official:
            continue  # the protocol needs an official TEST file
        positives = positive_classes(task.y_train)
        for positive in positives if both_classes else positives[:1]:
            for ratio in ratios:
                if n_positives(task.y_train, positive, ratio) is not None:
                    out.append((name, positive, ratio))
    return out


def run(cure, task, name, positive, ratio, seed):
    """One fit; a failure becomes a note in the table instead of ending the run."""
    torch.set_num_threads(1)
    train, test, y = one_vs_rest(task.y_train, task.y_test, positive, ratio, seed)
    row = dict(
        dataset=name,
        positive=positive,
        ratio=ratio,
        cure=cure,
        seed=seed,
        n_pos=int(y[train].sum()),
        n_neg=int(len(train) - y[train].sum()),
    )
    try:
        if cure.startswith("minirocket"):
            # Compile numba's kernels outside the timed fit: two rows per class.
            rows = np.concatenate([train[y[train] == label][:2] for label in (0, 1)])
            CURES[cure]().fit(take(task.X, rows), y[rows])
        out = score_task(CURES[cure](), task.X, y, train, test, seed)
    except Exception as error:
        return dict(row, note=f"failed: {error!r}")
    out.pop("estimator")
    return dict(row, **out)


def _cell(values):
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.3f} ± {values.std():.3f}" if len(values) else "-"


def per_task_table(results, cures):
    """Mean ± std over seeds per set, positive class, ratio and cure."""
    keys = list(
        dict.fromkeys((r["dataset"], r["positive"], r["ratio"]) for r in results)
    )
    out = [
        "| set | positive (train pos / neg) | ratio | cure | balanced accuracy "
        "| positive recall | G-mean | average precision | one-class fits | fit (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, positive, ratio in sorted(keys, key=lambda k: (k[0], str(k[1]), k[2])):
        for cure in cures:
            rows = [
                r
                for r in results
                if (r["dataset"], r["positive"], r["ratio"], r["cure"])
                == (name, positive, ratio, cure)
            ]
            if not rows:
                continue
            done = [r for r in rows if "note" not in r]
            head = f"| {name} | {positive} ({rows[0]['n_pos']} / {rows[0]['n_neg']}) "
            if not done:
                out.append(
                    head + f"| {ratio} | {cure} | {rows[0]['note']} |" + " |" * 5
                )
                continue
            cells = [_cell([r[m] for r in done]) for m in METRICS]
            out.append(
                head + f"| {ratio} | {cure} | {' | '.join(cells)} "
                f"| {sum(r['single_class'] for r in done)}/{len(rows)} "
                f"| {np.mean([r['fit_time_s'] for r in done]):.1f} |"
            )
    return "\n".join(out)


def by_ratio(results, cures):
    """Per ratio and cure: each metric averaged over tasks (a task's value is
    its mean over seeds), one-class and failed fits, and the mean fit time."""
    summary = []
    for ratio in sorted({r["ratio"] for r in results}):
        for cure in cures:
            rows = [r for r in results if r["ratio"] == ratio and r["cure"] == cure]
            if not rows:
                continue
            done = [r for r in rows if "note" not in r]
            by_task = {}
            for r in done:
                by_task.setdefault((r["dataset"], r["positive"]), []).append(r)
            entry = dict(ratio=ratio, cure=cure, fits=len(rows))
            entry["failed_fits"] = len(rows) - len(done)
            entry["one_class_fits"] = sum(r["single_class"] for r in done)
            entry["tasks"] = len(by_task)
            for metric in METRICS:
                means = [np.mean([r[metric] for r in t]) for t in by_task.values()]
                entry[metric] = np.mean(means) if means else np.nan
            entry["fit_time_s"] = (
                np.mean([r["fit_time_s"] for r in done]) if done else np.nan
            )
            summary.append(entry)
    return summary


def without_failed_tasks(results):
    """The fits of the tasks (set, positive class, ratio) where no fit failed:
    every cure averaged over the same tasks."""
    failed = {(r["dataset"], r["positive"], r["ratio"]) for r in results if "note" in r}
    return [
        r for r in results if (r["dataset"], r["positive"], r["ratio"]) not in failed
    ]


def summary_markdown(summary):
    out = [
        "| ratio | cure | tasks | balanced accuracy | vs plain | vs minirocket "
        "| positive recall | G-mean | average precision | one-class fits "
        "| failed fits | fit (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for entry in summary:
        same = {e["cure"]: e for e in summary if e["ratio"] == entry["ratio"]}

        def versus(other):
            if other not in same or entry["cure"] == other:
                return "-"
            return (
                f"{entry['balanced_accuracy'] - same[other]['balanced_accuracy']:+.3f}"
            )

        metrics = " | ".join(f"{entry[m]:.3f}" for m in METRICS[1:])
        out.append(
            f"| {entry['ratio']} | {entry['cure']} | {entry['tasks']} "
            f"| {entry['balanced_accuracy']:.3f} | {versus(PLAIN)} "
            f"| {versus('minirocket')} | {metrics} "
            f"| {entry['one_class_fits']}/{entry['fits']} | {entry['failed_fits']} "
            f"| {entry['fit_time_s']:.1f} |"
        )
    return "\n".join(out)


def plot(summary, path):
    """One panel per metric: its mean over tasks against the ratio, a line per cure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(METRICS), figsize=(4.2 * len(METRICS), 4))
    cures = list(dict.fromkeys(e["cure"] for e in summary))
    ratios = sorted({e["ratio"] for e in summary})
    for i, cure in enumerate(cures):
        entries = [e for e in summary if e["cure"] == cure]
        style = "--" if cure.startswith("minirocket") else "-"
        for ax, metric in zip(axes, METRICS, strict=True):
            ax.plot(
                [e["ratio"] for e in entries],
                [e[metric] for e in entries],
                style,
                color=plt.cm.tab20(i % 20),
                marker="o",
                label=cure,
            )
    for ax, metric in zip(axes, METRICS, strict=True):
        ax.set_xscale("log")
        ax.set_xticks(ratios, [str(r) for r in ratios])
        ax.minorticks_off()
        ax.set_xlabel("negatives per positive in training")
        ax.set_title(metric.replace("_", " "))
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="bundled data only")
    add_data_arguments(parser)
    parser.add_argument("--datasets", nargs="*", help="only these datasets")
    parser.add_argument("--ratios", nargs="*", type=int)
    parser.add_argument("--seeds", type=int)
    parser.add_argument("--cures", nargs="*", choices=CURES)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument(
        "--name", help="file name of the results (default: imbalance_quick or _full)"
    )
    args = parser.parse_args()
    mode = "quick" if args.quick else "full"
    stem = args.name or f"imbalance_{mode}"
    ratios = args.ratios or ((1, 20) if args.quick else RATIOS)
    n_seeds = args.seeds or (2 if args.quick else 3)
    cures = args.cures or (QUICK_CURES if args.quick else list(CURES))
    sets = load_tasks(args.quick, args.data, args.fetch)
    if args.datasets:
        sets = {k: v for k, v in sets.items() if k in args.datasets}
    tasks = tasks_of(sets, ratios, both_classes=not args.quick)

    # Longest series first, so that the processes finish together.
    jobs = sorted(
        (
            (name, positive, ratio, cure, seed)
            for name, positive, ratio in tasks
            for cure in cures
            for seed in range(n_seeds)
        ),
        key=lambda job: -sets[job[0]].median_length * len(sets[job[0]].y_train),
    )
    print(
        f"{len(tasks)} tasks x {len(cures)} cures x {n_seeds} seeds: {len(jobs)} fits"
    )
    start = time.perf_counter()
    outputs = Parallel(n_jobs=args.jobs, return_as="generator_unordered")(
        delayed(run)(cure, sets[name], name, positive, ratio, seed)
        for name, positive, ratio, cure, seed in jobs
    )
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    with (args.out / f"{stem}_fits.jsonl").open("w") as log:
        for out in tqdm(outputs, total=len(jobs)):
            results.append(out)
            log.write(json.dumps(out, default=str) + "\n")
            log.flush()
    elapsed = time.perf_counter() - start

    summary = by_ratio(results, cures)
    text = "\n\n".join(
        [
            provenance(len(jobs), elapsed, args.jobs),
            "### Averaged over the tasks of each ratio\n\n"
            + summary_markdown(summary)
            + "\n\nA task is a set and its positive class at one ratio; its value"
            " is the mean over seeds. vs plain, vs minirocket: balanced accuracy"
            " minus theirs at the same ratio.",
            *(
                [
                    "### On the tasks where no fit failed\n\n"
                    + summary_markdown(by_ratio(without_failed_tasks(results), cures))
                    + "\n\nThe same, averaged over the tasks every cure completed"
                    " (like with like when a cure fails on some sets)."
                ]
                if any("note" in r for r in results)
                else []
            ),
            "### Per set, positive class and ratio (mean ± std over seeds)\n\n"
            + per_task_table(results, cures),
        ]
    )
    print()
    print(text)
    write_results(args.out, stem, text, summary)
    plot(summary, args.out / f"{stem}.png")
    print(f"\nwritten to {args.out}/{stem}.*")


if __name__ == "__main__":
    main()
