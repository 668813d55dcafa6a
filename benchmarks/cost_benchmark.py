"""What a fit costs, and where the time goes.

Four reports (``--parts``, all by default), for the recommended one-liner
``make_pipeline(SequenceScaler(), LSTMSequenceClassifier(class_weight="balanced"))``:

* ``suite``: per dataset (official split), its fit time, optimizer steps,
  milliseconds per step and balanced accuracy, beside aeon's MiniRocket fitted
  on the same split (fit time and the ratio of the two). ``--configs`` adds
  configurations to compare, e.g. ``before`` (the defaults for real values
  before the cost cut: ``downsample=1, learning_rate=3e-3, max_steps=1000``).
* ``profile``: for each shape (short and long univariate series, ragged
  multichannel series, token ids) one fit per configuration, split into its
  parts: per optimizer step the LSTM (forward + backward), the FCN branch
  (forward + backward) and the rest of the step (head, loss, clipping, Adam),
  and the time spent outside the training epochs (validating the data,
  building the network, priors).
* ``hand``: the one-liner's fit against a minimal hand-written PyTorch loop
  doing the work of the old defaults (LSTM 32 + FCN branch 64/128/64, batches
  of 16, 1000 Adam steps on a one-cycle schedule) on two shapes, interleaved
  in one process.
* ``parallel``: ``GridSearchCV`` over ``class_weight`` (2 candidates x 2
  folds) run serially and with ``n_jobs=2``.

Run it alone: two torch jobs on the same cores distort each other many-fold.

    python benchmarks/cost_benchmark.py --out benchmarks/results
    python benchmarks/cost_benchmark.py --parts suite --data DIR \\
        --configs before defaults
"""

import argparse
import itertools
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from _common import Report, parse_config
from imblearn.pipeline import make_pipeline
from joblib import Parallel, delayed, parallel_backend
from protocol import add_data_arguments, evaluate, load_tasks, minirocket, take
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from torch import nn

from sklstm import LSTMSequenceClassifier
from sklstm._network import average_steps
from sklstm._optim import make_optimizer
from sklstm.preprocessing import SequenceScaler

# The defaults for real values before the cost cut (token ids: unchanged).
BEFORE = dict(downsample=1, learning_rate=3e-3, max_steps=1000)
# name -> parameters changed from the shipped defaults
CONFIGS = {"defaults": {}, "before": BEFORE}
# The two shapes of the hand-loop comparison: (n, steps, classes).
HAND_SHAPES = {"long": (322, 512, 2), "short": (500, 140, 5)}


def one_liner(**params):
    return make_pipeline(
        SequenceScaler(),
        LSTMSequenceClassifier(**{"class_weight": "balanced", **params}),
    )


def optimizer_steps(clf):
    """Optimizer steps of a fit: one per batch of every epoch."""
    return sum(
        math.ceil(sum(entry["train_class_counts"].values()) / clf.batch_size)
        for entry in clf.history_
        if "train_class_counts" in entry
    )


def shaped_data(n, steps, n_classes, channels=1, seed=0):
    """Series of one length whose class sets a bump's position (a learnable
    signal, so that a fit does the work it does on real data)."""
    rng = np.random.RandomState(seed)
    y = np.arange(n) % n_classes
    X = rng.normal(scale=0.5, size=(n, steps, channels)).astype(np.float32)
    t = np.arange(steps)
    for label in range(n_classes):
        centre = (label + 1) * steps / (n_classes + 1)
        bump = np.exp(-(((t - centre) / (steps / 20)) ** 2)).astype(np.float32)
        X[y == label] += bump[None, :, None]
    return X, y


def ragged_data(n=270, channels=12, n_classes=9, seed=0):
    """JapaneseVowels' shape: 7 to 29 steps of 12 channels."""
    rng = np.random.RandomState(seed)
    y = np.arange(n) % n_classes
    X = [
        (rng.normal(size=(rng.randint(7, 30), channels)) + label / n_classes).astype(
            np.float32
        )
        for label in y
    ]
    return X, y


def token_data(n=1000, vocabulary=2000, seed=0):
    """Messages of 5 to 60 token ids; class 1 uses the first 50 ids more often."""
    rng = np.random.RandomState(seed)
    y = (rng.rand(n) < 0.15).astype(int)
    X = []
    for label in y:
        ids = rng.randint(1, vocabulary, size=rng.randint(5, 61))
        if label:
            ids[rng.rand(len(ids)) < 0.3] = rng.randint(1, 51)
        X.append(ids)
    return X, y


PROFILE_SHAPES = {
    "short (500 x 140 x 1, 5 classes)": (lambda: shaped_data(500, 140, 5), {}),
    "long (322 x 512 x 1, 2 classes)": (lambda: shaped_data(322, 512, 2), {}),
    "ragged multichannel (270 x 7-29 x 12, 9 classes)": (ragged_data, {}),
    "token ids (1000 x 5-60, 2 classes)": (token_data, {"embedding_dim": "auto"}),
}


def describe(config):
    """A network configuration in a few words."""
    text = f"LSTM {config['hidden_size']}"
    if config["fcn_widths"] is not None:
        text += " + FCN " + "/".join(map(str, config["fcn_widths"]))
    if config["downsample"] > 1:
        text += f", runs of {config['downsample']} steps"
    return text


def median_ms(step, repeats):
    for _ in range(3):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def part_costs(clf, X, repeats=30):
    """Milliseconds per optimizer step of the fitted network's parts, on one
    training batch: the LSTM and the FCN branch (forward + backward each) and
    the whole step (forward, loss, backward, clipping, Adam)."""
    from sklstm._batching import iter_batches

    module = clf.module_
    module.train()
    sequences, _, _ = clf._validate_X(X, np.zeros(len(X)), reset=False)
    rows = np.arange(min(clf.batch_size, sequences.n_samples))
    _, x, lengths = next(iter_batches(sequences, [rows], "cpu"))
    target = torch.zeros(len(rows), dtype=torch.long)
    # The optimizer fit builds (fused where torch has the kernels).
    optimizer = make_optimizer(
        module, clf.optimizer, lr=1e-6, weight_decay=0.0, momentum=0.9
    )

    def step():
        loss = F.cross_entropy(module(x, lengths), target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(module.parameters(), 5.0)
        optimizer.step()

    inputs = x if module.embedding is None else module.embedding(x[:, :, 0]).detach()
    # What the LSTM reads: runs of ``downsample`` steps averaged.
    averaged, steps = average_steps(inputs, lengths, module.spec.downsample)

    def lstm():
        data = averaged
        if steps is not None:
            data = nn.utils.rnn.pack_padded_sequence(
                averaged, steps, batch_first=True, enforce_sorted=False
            )
        for layer in module.layers:
            data, (h_n, _) = layer(data)
        h_n.sum().backward()

    costs = {"step": median_ms(step, repeats), "LSTM": median_ms(lstm, repeats)}
    costs["FCN branch"], costs["FCN GFLOP/s"] = 0.0, None
    if module.fcn is not None:
        costs["FCN branch"] = median_ms(
            lambda: module.fcn(inputs, lengths).sum().backward(), repeats
        )
        flops = fcn_flops(module.fcn, len(rows), inputs.shape[1])
        costs["FCN GFLOP/s"] = flops / costs["FCN branch"] / 1e6
    module.eval()
    return costs


def fcn_flops(fcn, batch, steps):
    """Floating-point operations of the FCN branch's convolutions, forward and
    backward, on ``batch`` series of ``steps`` steps: each product of the
    forward pass once more for the weights' gradient and, past the first
    block (whose input needs none), once more for the input's."""
    total = 0
    for i, block in enumerate(fcn.blocks):
        if i == 1:
            steps = -(-steps // fcn.pool)
        out_channels, in_channels, kernel = block["conv"].weight.shape
        products = batch * steps * out_channels * in_channels * kernel
        total += 2 * products * (2 if i == 0 else 3)
    return total


def matmul_gflops(size=1024, repeats=20):
    """What the cores compute in a float32 matrix product, GFLOP/s."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    return 2 * size**3 / median_ms(lambda: a @ b, repeats) / 1e6


def profile(report, args):
    report(
        "\n## Where a fit's time goes\n\n"
        "| shape | config | fit (s) | steps | ms / step | LSTM | FCN branch "
        "| FCN convolutions, GFLOP/s | rest of step | outside the epochs (s) "
        "| network |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    )
    for (name, (make, params)), config in itertools.product(
        PROFILE_SHAPES.items(), args.configs
    ):
        if "embedding_dim" in params and config == "before":
            continue  # the token defaults did not change
        X, y = make()
        model = one_liner(random_state=0, **{**parse_config(config, CONFIGS), **params})
        if "embedding_dim" in params:  # token ids: nothing to scale
            model = model[-1]
        start = time.perf_counter()
        model.fit(X, y)
        fit = time.perf_counter() - start
        clf = model[-1] if hasattr(model, "steps") else model
        steps = optimizer_steps(clf)
        X_net = model[0].transform(X) if hasattr(model, "steps") else X
        parts = part_costs(clf, X_net)
        other = parts["step"] - parts["LSTM"] - parts["FCN branch"]
        epochs = sum(entry["duration"] for entry in clf.history_)
        rest = fit - epochs
        network = describe(clf.module_.config)
        rate = parts["FCN GFLOP/s"]
        rate = "-" if rate is None else f"{rate:.0f}"
        report(
            f"| {name} | {config} | {fit:.1f} | {steps} | {1e3 * epochs / steps:.1f} "
            f"| {parts['LSTM']:.1f} ({parts['LSTM'] / parts['step']:.0%}) "
            f"| {parts['FCN branch']:.1f} ({parts['FCN branch'] / parts['step']:.0%}) "
            f"| {rate} "
            f"| {other:.1f} ({other / parts['step']:.0%}) "
            f"| {rest:.1f} ({rest / fit:.0%}) | {network} |"
        )
    report(
        "\nms / step: the training epochs' time over their optimizer steps (an "
        "epoch's bookkeeping included). LSTM, FCN branch, rest of step (head, "
        "loss, clipping, Adam): milliseconds (share of a whole step) timed alone "
        "on one training batch, median of 30. FCN convolutions: their "
        "floating-point operations (forward and backward) over the FCN branch's "
        f"time; a float32 matrix product of 1024 x 1024 runs at "
        f"{matmul_gflops():.0f} GFLOP/s on the same threads. Outside the epochs: "
        "validating the data, building the network, priors."
    )


class OldDefaultNet(nn.Module):
    """The network of the old defaults, written out plainly: LSTM 32 beside
    an FCN branch of 64/128/64 filters, their summaries concatenated."""

    def __init__(self, channels, n_classes):
        super().__init__()
        self.lstm = nn.LSTM(channels, 32, batch_first=True)
        layers, previous = [], channels
        for width, kernel in ((64, 8), (128, 5), (64, 3)):
            layers += [
                nn.ConstantPad1d(((kernel - 1) // 2, kernel // 2), 0.0),  # "same"
                nn.Conv1d(previous, width, kernel),
                nn.BatchNorm1d(width),
                nn.ReLU(),
            ]
            previous = width
        self.fcn = nn.Sequential(*layers)
        self.head = nn.Linear(32 + 64, n_classes)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        branch = self.fcn(x.transpose(1, 2)).mean(dim=2)
        return self.head(torch.cat([h_n[-1], branch], dim=1))


def hand_loop(X, y, steps=1000, batch=16, lr=3e-3):
    """The old defaults' work, timed like fit (building included)."""
    start = time.perf_counter()
    torch.manual_seed(0)
    rng = np.random.RandomState(0)
    net = OldDefaultNet(X.shape[2], int(y.max()) + 1)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, total_steps=steps, cycle_momentum=False
    )
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    net.train()
    done = 0
    while done < steps:
        order = torch.from_numpy(rng.permutation(len(X)))
        for i in range(0, len(X), batch):
            rows = order[i : i + batch]
            loss = F.cross_entropy(net(X_t[rows]), y_t[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            done += 1
            if done == steps:
                break
    return time.perf_counter() - start


def hand(report, args):
    report(
        "\n## The one-liner against a hand-written loop of the old defaults' work"
        f"\n\n{args.repeats} triples, run in turn in one process: median times, "
        "and the median (min-max) of each triple's ratio, which holds when the "
        "machine's speed drifts between triples. 'Whole budget': the one-liner "
        "with `convergence_loss=None`, which trains every step of its budget "
        "even once the training data are fitted\n",
        "| shape | hand loop, old work (s) | one-liner fit (s) | one-liner / hand "
        "| one-liner steps | whole budget (s) | whole budget / hand "
        "| whole budget steps |",
        "|---|---|---|---|---|---|---|---|",
    )
    variants = {"one-liner": {}, "whole budget": {"convergence_loss": None}}
    for name, (n, steps, n_classes) in HAND_SHAPES.items():
        X, y = shaped_data(n, steps, n_classes)
        y = y.astype(np.int64)
        times = {"hand": [], **{variant: [] for variant in variants}}
        fitted = {}
        for _ in range(args.repeats):
            times["hand"].append(hand_loop(X, y))
            for variant, params in variants.items():
                fitted[variant] = one_liner(random_state=0, **params)
                start = time.perf_counter()
                fitted[variant].fit(X, y)
                times[variant].append(time.perf_counter() - start)
        cells = [f"{name}: {n} x {steps} x 1, {n_classes} classes"]
        cells.append(f"{np.median(times['hand']):.1f}")
        for variant in variants:
            ratios = np.array(times[variant]) / np.array(times["hand"])
            cells += [
                f"{np.median(times[variant]):.2f}",
                f"{np.median(ratios):.3f} ({ratios.min():.3f}-{ratios.max():.3f})",
                str(optimizer_steps(fitted[variant][-1])),
            ]
        report("| " + " | ".join(cells) + " |")


def ratio(a, b):
    """``a / b`` as ``12x`` or, under 10, ``2.5x``."""
    return f"{a / b:.{0 if a > 10 * b else 1}f}x"


def suite(report, args):
    tasks = load_tasks(False, args.data, args.fetch)
    if args.datasets:
        tasks = {k: v for k, v in tasks.items() if k in args.datasets}
    head = ["dataset", "shape"]
    for config in args.configs:
        head += [f"{config}: fit (s)", "steps", "ms / step", "BA", "/ MiniRocket"]
    head += ["MiniRocket fit (s)", "MiniRocket BA"]
    report(
        "\n## Fit cost per dataset (official split)\n",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    )
    totals = dict.fromkeys([*args.configs, "minirocket"], 0.0)
    for name, task in tasks.items():
        train, test = task.splits(1)[0]
        X_train = take(task.X, train)
        lengths = {len(x) for x in X_train}
        channels = np.asarray(X_train[0]).reshape(len(X_train[0]), -1).shape[1]
        steps_text = "-".join(map(str, sorted({min(lengths), max(lengths)})))
        cells = [name, f"{len(train)} x {steps_text} x {channels}"]
        # numba compiles MiniRocket once per kind of input: not timed.
        minirocket().fit(take(task.X, train), task.y[train])
        rocket = evaluate(minirocket(), task.X, task.y, train, test, seed=0)
        totals["minirocket"] += rocket["fit_time_s"]
        for config in args.configs:
            model = one_liner(**parse_config(config, CONFIGS))
            out = evaluate(model, task.X, task.y, train, test, seed=0)
            steps = optimizer_steps(out["estimator"][-1])
            fit = out["fit_time_s"]
            totals[config] += fit
            cells += [
                f"{fit:.1f}",
                str(steps),
                f"{1e3 * fit / steps:.1f}",
                f"{out['balanced_accuracy']:.3f}",
                ratio(fit, rocket["fit_time_s"]),
            ]
        cells += [f"{rocket['fit_time_s']:.2f}", f"{rocket['balanced_accuracy']:.3f}"]
        report("| " + " | ".join(cells) + " |")
    report(
        "\nTotal fit time: "
        + ", ".join(f"{config} {seconds:.0f} s" for config, seconds in totals.items())
        + f". One split per set (resample 0), seed 0, {torch.get_num_threads()} "
        "torch thread(s); BA: balanced accuracy on the official test file."
    )


# (n_jobs, joblib backend, the classifier's n_threads) of each search
SEARCHES = [(1, "loky", None), (2, "loky", None), (2, "threading", None)]
SEARCHES += [(2, "threading", 1)]


def parallel(report, args):
    X, y = shaped_data(192, 140, 2)
    grid = {"lstmsequenceclassifier__class_weight": [None, "balanced"]}
    report(
        "\n## GridSearchCV over class_weight: 2 candidates x 2 folds, 192 x 140 x 1\n",
        "| n_jobs | joblib backend | n_threads | torch threads per fit x fits "
        "| wall (s) | speed-up |",
        "|---|---|---|---|---|---|",
    )
    serial = None
    for n_jobs, backend, n_threads in SEARCHES:
        search = GridSearchCV(
            one_liner(random_state=0, n_threads=n_threads),
            grid,
            cv=StratifiedKFold(2),
            scoring="balanced_accuracy",
            n_jobs=n_jobs,
        )
        with parallel_backend(backend):
            start = time.perf_counter()
            search.fit(X, y)
            wall = time.perf_counter() - start
            threads = (
                n_threads
                or Parallel(n_jobs=n_jobs)(
                    delayed(torch.get_num_threads)() for _ in range(n_jobs)
                )[0]
            )
        serial = serial or wall
        report(
            f"| {n_jobs} | {backend} | {n_threads} | {threads} x {n_jobs} "
            f"| {wall:.1f} | {serial / wall:.2f} |"
        )
    report(
        f"\n{os.cpu_count()} cores. Torch threads per fit: ``n_threads``, or "
        "what `torch.get_num_threads()` returns in that backend's workers."
    )


PARTS = {"profile": profile, "hand": hand, "suite": suite, "parallel": parallel}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="*", default=list(PARTS), choices=PARTS)
    add_data_arguments(parser)
    parser.add_argument("--datasets", nargs="*")
    parser.add_argument("--configs", nargs="*", default=["defaults"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's)")
    parser.add_argument("--out", help="write DIR/cost.md too")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    # A process's first torch optimizer imports torch._dynamo (over a second):
    # paid here, so that no measured fit or loop pays it.
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    report = Report()
    report(f"{torch.get_num_threads()} torch thread(s)")
    for part in args.parts:
        PARTS[part](report, args)
    report.write(args.out, "cost")


if __name__ == "__main__":
    main()
