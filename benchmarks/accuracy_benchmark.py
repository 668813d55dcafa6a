"""Which defaults: candidate configurations of the recommended one-liner on the
published protocol, across the whole suite.

Every configuration is ``make_pipeline(SequenceScaler(),
LSTMSequenceClassifier(class_weight='balanced', **config))``; the first,
``defaults``, is the classifier as shipped. Each is scored on the official
split plus stratified resamples of the same sizes (see ``protocol.py``), model
seed = resample number. Prints, per dataset, the balanced accuracy (mean ± std
over resamples) of each configuration and its fit time, then the mean over the
suite beside published InceptionTime and MiniROCKET, and writes the table and
a CSV of every fit to ``--out``.

    python benchmarks/accuracy_benchmark.py --resamples 3
    python benchmarks/accuracy_benchmark.py --configs defaults max_steps=2000 \
        "fcn_width=None,max_epochs=30"
    python benchmarks/accuracy_benchmark.py --data DIR --configs defaults minirocket

``minirocket`` runs aeon's MiniRocket on the same splits. A second table
summarises the sets by group: few training series (< 50), many classes
(>= 10), long series (>= 500 steps), imbalanced (largest / smallest class >=
4), and the rest (a set can be in several groups).
"""

import argparse
import csv
import time
from pathlib import Path

import numpy as np
import torch
from _common import command, parse_config, provenance, write_results
from imblearn.pipeline import make_pipeline
from joblib import Parallel, delayed
from protocol import (
    REST,
    add_data_arguments,
    evaluate,
    groups,
    load_published,
    load_tasks,
    minirocket,
)
from tqdm.auto import tqdm

from sklstm import LSTMSequenceClassifier
from sklstm.augmentation import GaussianNoise, RandomScaling, TimeWarp, WindowSlice
from sklstm.model_selection import TunedClassOffsetsCV
from sklstm.preprocessing import SequenceScaler

HERE = Path(__file__).resolve().parent

# The configuration that runs aeon's MiniRocket instead of sklstm.
MINIROCKET = "minirocket"
# name -> parameters changed from the shipped defaults
BEFORE = dict(max_epochs=30, batch_size=32, fcn_width=None)  # sklstm 0.1.0.dev0
CONFIGS = {
    "defaults": {},
    "before": BEFORE,
    "before, class_weight=None": dict(BEFORE, class_weight=None),
    "defaults, class_weight=None": dict(class_weight=None),
    "fcn_width=32": dict(fcn_width=32),
    "fcn_width=32, max_steps=2000": dict(fcn_width=32, max_steps=2000),
    "noise 0.1": dict(augment=GaussianNoise(sigma=0.1)),
    "slice 0.9": dict(augment=WindowSlice(ratio=0.9)),
    "scaling 0.1": dict(augment=RandomScaling(sigma=0.1)),
    "timewarp 0.2": dict(augment=TimeWarp(sigma=0.2)),
}


# The one-liner (with and without class weights) inside TunedClassOffsetsCV
# (3 folds): what tuning the decision after training buys, for 4 fits' cost.
OFFSETS = {
    "defaults, TunedClassOffsetsCV(cv=3)": "defaults",
    "defaults, class_weight=None, TunedClassOffsetsCV(cv=3)": (
        "defaults, class_weight=None"
    ),
}


def build(config):
    if config == MINIROCKET:
        return minirocket()
    if config in OFFSETS:
        return TunedClassOffsetsCV(build(OFFSETS[config]), cv=3)
    params = {"class_weight": "balanced", "n_threads": 1}
    params.update(parse_config(config, CONFIGS))  # a config may override them
    return make_pipeline(SequenceScaler(), LSTMSequenceClassifier(**params))


def run(name, config, estimator, X, y, train, test, resample):
    torch.set_num_threads(1)
    out = evaluate(estimator, X, y, train, test, seed=resample)
    out.pop("estimator")
    return dict(out, dataset=name, config=config, resample=resample)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    parser.add_argument("--datasets", nargs="*")
    parser.add_argument("--resamples", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--configs", nargs="*", default=list(CONFIGS))
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--name", default="accuracy")
    parser.add_argument(
        "--summarize",
        nargs="+",
        metavar="CSV[:LABEL[:CANDIDATE]]",
        help="fit nothing: the tables of earlier runs' CSVs (a config renamed "
        "LABEL; of a CSV with a 'candidate' column, the rows of CANDIDATE "
        "only), side by side",
    )
    args = parser.parse_args()
    tasks = {
        k: v
        for k, v in load_tasks(False, args.data, args.fetch).items()
        if v.official and (not args.datasets or k in args.datasets)
    }
    published = load_published()
    if args.summarize:
        summarize(tasks, args.summarize, published)
        return
    jobs = [
        delayed(run)(name, config, build(config), task.X, task.y, *split, k)
        for name, task in tasks.items()
        for config in args.configs
        for k, split in enumerate(task.splits(args.resamples))
    ]
    print(f"{len(jobs)} fits on {args.jobs} processes")
    start = time.perf_counter()
    results = list(
        tqdm(
            Parallel(n_jobs=args.jobs, return_as="generator_unordered")(jobs),
            total=len(jobs),
        )
    )
    elapsed = time.perf_counter() - start

    lines = tables(tasks, args.configs, results, published)
    text = "\n".join(lines) + (
        f"\n\n{provenance(len(jobs), elapsed, args.jobs)} {args.resamples} "
        "resamples of the published protocol; cells: balanced accuracy mean ± std "
        "over resamples (mean fit time)."
    )
    print()
    print(text)
    write_results(args.out, args.name, text, results)


def summarize(tasks, sources, published):
    """Print the tables of earlier runs' CSVs, side by side."""
    results, configs = [], []
    for source in sources:
        path, _, label = source.partition(":")
        label, _, candidate = label.partition(":")
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                if candidate and row.get("candidate") != candidate:
                    continue
                row["config"] = label or row["config"]
                row["balanced_accuracy"] = float(row["balanced_accuracy"])
                row["fit_time_s"] = float(row["fit_time_s"])
                row["single_class"] = row["single_class"] == "True"
                results.append(row)
                if row["config"] not in configs:
                    configs.append(row["config"])
    ran = {r["dataset"] for r in results}
    tasks = {name: task for name, task in tasks.items() if name in ran}
    lines = tables(tasks, configs, results, published)
    print("\n".join(lines))
    print(f"\n`{command()}`: the fits of {', '.join(sources)}.")


def tables(tasks, configs, results, published):
    """Lines of the per-set table (balanced accuracy mean ± std, mean fit
    time, beside the published 30-resample means) and of the group summary."""

    def mine(name, config):
        return [r for r in results if r["dataset"] == name and r["config"] == config]

    head = ["dataset", *configs, "InceptionTime mean30", "MiniROCKET mean30"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    means = {config: [] for config in configs}
    for name in tasks:
        cells = [name]
        for config in configs:
            rows = mine(name, config)
            if not rows:  # a configuration run on some of the sets only
                means[config].append(np.nan)
                cells.append("-")
                continue
            ba = np.array([r["balanced_accuracy"] for r in rows])
            fit = np.mean([r["fit_time_s"] for r in rows])
            single = sum(r["single_class"] for r in rows)
            means[config].append(ba.mean())
            cells.append(
                f"{ba.mean():.3f} ± {ba.std():.3f} ({fit:.0f} s"
                + (f", {single} single-class" if single else "")
                + ")"
            )
        figures = published.get(name, {})
        for method in ("InceptionTime", "MiniROCKET"):
            cells.append(f"{figures[method][1]:.3f}" if method in figures else "-")
        lines.append("| " + " | ".join(cells) + " |")
    with_figures = [n for n in tasks if "InceptionTime" in published.get(n, {})]
    index = [list(tasks).index(n) for n in with_figures]
    cells = [f"**mean of {len(with_figures)} sets with published figures**"]
    cells += [_mean([means[c][i] for i in index], "**{:.3f}**") for c in configs]
    cells += [
        f"{np.mean([published[n][m][1] for n in with_figures]):.3f}"
        for m in ("InceptionTime", "MiniROCKET")
    ]
    lines.append("| " + " | ".join(cells) + " |")
    lines += group_summary(tasks, configs, means, published)
    return lines


def group_summary(tasks, configs, means, published):
    """Lines of the table of mean balanced accuracy by group of sets."""
    names = list(tasks)
    members = {}
    for name, task in tasks.items():
        for group in groups(task):
            members.setdefault(group, []).append(name)
    head = ["group", "sets", *configs, "InceptionTime mean30", "MiniROCKET mean30"]
    lines = ["", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for group in [*sorted(set(members) - {REST}), REST]:
        if group not in members:
            continue
        sets = members[group]
        cells = [group, str(len(sets))]
        cells += [_mean([means[c][names.index(n)] for n in sets]) for c in configs]
        for method in ("InceptionTime", "MiniROCKET"):
            known = [
                published[n][method][1] for n in sets if method in published.get(n, {})
            ]
            cells.append(f"{np.mean(known):.3f} ({len(known)} sets)" if known else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _mean(values, style="{:.3f}"):
    """The mean, or "-" where a configuration missed one of the sets."""
    return "-" if np.isnan(values).any() else style.format(np.mean(values))


if __name__ == "__main__":
    main()
