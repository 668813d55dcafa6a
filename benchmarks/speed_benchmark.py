"""Fit and predict speed of LSTMSequenceClassifier against a minimal PyTorch loop.

Identical data, network (one LSTM layer + linear head on the last state),
optimiser (Adam), learning rate, batch size and epochs; no gradient clipping.
Compared, interleaved in one process (warm) and each in a fresh process:

* ``hand loop``: the shortest honest PyTorch training loop;
* ``sklstm``: ``LSTMSequenceClassifier(...).fit`` / ``predict_proba``;
* ``skorch``: ``NeuralNetClassifier`` on the same module, when installed.

Prints median times, ratios to the hand loop and peak RSS growth.

    python benchmarks/speed_benchmark.py
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from _common import Report, proc_status_mb, reset_peak
from torch import nn

from sklstm import LSTMSequenceClassifier

SETTINGS = dict(hidden=32, batch=64, epochs=5, lr=1e-3)


def make_data(n, steps, channels, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, steps, channels)).astype(np.float32)
    y = (X[:, :, 0].mean(axis=1) > 0).astype(np.int64)
    return X, y


class HandNet(nn.Module):
    def __init__(self, channels=3, hidden=32, classes=2):
        super().__init__()
        self.lstm = nn.LSTM(channels, hidden, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        return self.head(h_n[-1])


def hand_loop(X, y):
    # Timed like fit: building the network and optimiser included (the first
    # torch.optim optimiser of a process imports torch._dynamo, ~1.4 s here).
    start = time.perf_counter()
    torch.manual_seed(0)
    rng = np.random.RandomState(0)
    net = HandNet(X.shape[2], SETTINGS["hidden"])
    optimizer = torch.optim.Adam(net.parameters(), lr=SETTINGS["lr"])
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    for _ in range(SETTINGS["epochs"]):
        net.train()
        order = torch.from_numpy(rng.permutation(len(X)))
        for i in range(0, len(X), SETTINGS["batch"]):
            rows = order[i : i + SETTINGS["batch"]]
            loss = nn.functional.cross_entropy(net(X_t[rows]), y_t[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    fit = time.perf_counter() - start
    start = time.perf_counter()
    net.eval()
    with torch.inference_mode():
        proba = torch.cat(
            [
                torch.softmax(net(X_t[i : i + SETTINGS["batch"]]), dim=1)
                for i in range(0, len(X), SETTINGS["batch"])
            ]
        )
    return fit, time.perf_counter() - start, proba


def sklstm_run(X, y):
    clf = LSTMSequenceClassifier(
        hidden_size=SETTINGS["hidden"],
        batch_size=SETTINGS["batch"],
        max_epochs=SETTINGS["epochs"],
        learning_rate=SETTINGS["lr"],
        lr_schedule="constant",
        clip_grad_norm=None,
        fcn_width=None,  # the hand-written loop's network: the LSTM alone
        convergence_loss=None,  # every epoch, as the hand-written loop runs
        random_state=0,
    )
    start = time.perf_counter()
    clf.fit(X, y)
    fit = time.perf_counter() - start
    start = time.perf_counter()
    proba = clf.predict_proba(X)
    return fit, time.perf_counter() - start, proba


def skorch_run(X, y):
    from skorch import NeuralNetClassifier

    torch.manual_seed(0)
    net = NeuralNetClassifier(
        HandNet,
        module__channels=X.shape[2],
        module__hidden=SETTINGS["hidden"],
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=SETTINGS["lr"],
        batch_size=SETTINGS["batch"],
        max_epochs=SETTINGS["epochs"],
        train_split=None,
        iterator_train__shuffle=True,
        verbose=0,
    )
    start = time.perf_counter()
    net.fit(X, y)
    fit = time.perf_counter() - start
    start = time.perf_counter()
    proba = net.forward(X)  # logits -> same softmax work as the others
    torch.softmax(proba, dim=1)
    return fit, time.perf_counter() - start, proba


RUNNERS = {"hand loop": hand_loop, "sklstm": sklstm_run}
try:
    import skorch  # noqa: F401

    RUNNERS["skorch"] = skorch_run
except ImportError:
    pass


def measure(name, X, y):
    reset_peak()
    before = proc_status_mb("VmRSS")
    fit, predict, _ = RUNNERS[name](X, y)
    peak = proc_status_mb("VmHWM") - before
    return {"fit": fit, "predict": predict, "peak_mb": peak}


def fresh(name, args):
    """One measurement in a new Python process (imports excluded from timing)."""
    command = [sys.executable, __file__, "--single", name, "--n", str(args.n)]
    command += ["--steps", str(args.steps), "--channels", str(args.channels)]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(report, title, results, names):
    hand = {
        k: np.median([r[k] for r in results["hand loop"]]) for k in ("fit", "predict")
    }
    report(f"\n{title}")
    report(
        "| implementation | fit (s) | fit / hand | predict_proba (s) "
        "| predict / hand | peak RSS growth (MB) |"
    )
    report("|---|---|---|---|---|---|")
    for name in names:
        rows = results[name]
        fit = np.median([r["fit"] for r in rows])
        predict = np.median([r["predict"] for r in rows])
        peak = np.median([r["peak_mb"] for r in rows])
        report(
            f"| {name} | {fit:.3f} | {fit / hand['fit']:.3f} | {predict:.4f} "
            f"| {predict / hand['predict']:.3f} | {peak:.1f} |"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2048)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--fresh-repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, help="write DIR/speed.md too")
    parser.add_argument("--single", help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    X, y = make_data(args.n, args.steps, args.channels)
    if args.single:
        print(json.dumps(measure(args.single, X, y)))
        return

    names = list(RUNNERS)
    report = Report()
    report(
        f"data {X.shape}, hidden {SETTINGS['hidden']}, batch {SETTINGS['batch']}, "
        f"{SETTINGS['epochs']} epochs, Adam lr {SETTINGS['lr']}, "
        f"{args.threads} torch thread(s); implementations: {', '.join(names)}"
    )
    warm = {name: [] for name in names}
    for repeat in range(args.repeats):
        order = names[repeat % len(names) :] + names[: repeat % len(names)]
        for name in order:
            warm[name].append(measure(name, X, y))
    table(report, f"warm, interleaved, median of {args.repeats}", warm, names)
    cold = {name: [] for name in names}
    for _ in range(args.fresh_repeats):
        for name in names:
            cold[name].append(fresh(name, args))
    table(report, f"fresh process each, median of {args.fresh_repeats}", cold, names)
    report.write(args.out, "speed")


if __name__ == "__main__":
    main()
