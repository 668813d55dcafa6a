"""Memory with memory-mapped X, and speed of length bucketing on ragged data.

Part 1 fits and predicts on ``.npy`` files opened with ``mmap_mode='r'`` of
growing size, each in a fresh process, and reports the peak of the process's
anonymous resident memory (heap: what a copy of X would show up in; file pages
of the map are the kernel's page cache and can always be dropped) next to the
same run with X loaded into memory.

Part 2 trains on variable-length sequences with a long-tailed length
distribution with and without ``bucket_by_length`` and reports fit time,
padded steps processed per epoch and held-out balanced accuracy.

    python benchmarks/scale_benchmark.py
"""

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from _common import Report, proc_status_mb
from sklearn.metrics import balanced_accuracy_score

from sklstm import LSTMSequenceClassifier
from sklstm._network import LSTMNetwork
from sklstm.exceptions import CollapseWarning

STEPS, CHANNELS = 50, 4
# The network and batch size of the recorded results (benchmarks/results/scale.md).
LSTM = dict(hidden_size=16, batch_size=32, fcn_width=None)


class PeakSampler(threading.Thread):
    """Samples RssAnon every 5 ms; ``peak`` is the largest value seen."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak, self.running = proc_status_mb("RssAnon"), True

    def run(self):
        while self.running:
            self.peak = max(self.peak, proc_status_mb("RssAnon"))
            time.sleep(0.005)

    def stop(self):
        self.running = False
        self.join()
        return self.peak


def one_memory_run(path, mmap):
    """In a fresh process: fit one epoch and predict; print the peak RSS."""
    torch.set_num_threads(1)
    rng = np.random.RandomState(0)
    warm = rng.normal(size=(64, STEPS, CHANNELS)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        LSTMSequenceClassifier(**LSTM, max_epochs=1).fit(warm, np.arange(64) % 2)
        baseline = proc_status_mb("RssAnon")
        sampler = PeakSampler()
        sampler.start()
        X = np.load(path, mmap_mode="r" if mmap else None)
        y = np.arange(len(X)) % 2
        start = time.perf_counter()
        clf = LSTMSequenceClassifier(**dict(LSTM, batch_size=256), max_epochs=1)
        clf.fit(X, y).predict_proba(X)
        elapsed = time.perf_counter() - start
    peak = sampler.stop()
    print(json.dumps({"peak_mb": peak - baseline, "seconds": elapsed}))


def memory_part(report, sizes, repeats):
    report(
        "\nPart 1: memory-mapped X (fit 1 epoch + predict_proba, fresh process "
        f"each, median of {repeats})"
    )
    report(
        "| n_samples | X on disk (MB) | peak anon RSS growth, memmap (MB) "
        "| peak anon RSS growth, loaded in memory (MB) | time, memmap (s) |"
    )
    report("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"X_{n}.npy"
            X = np.lib.format.open_memmap(
                path, mode="w+", dtype=np.float32, shape=(n, STEPS, CHANNELS)
            )
            rng = np.random.RandomState(0)
            for start in range(0, n, 10000):
                X[start : start + 10000] = rng.normal(
                    size=X[start : start + 10000].shape
                )
            X.flush()
            del X
            runs = {True: [], False: []}
            for _ in range(repeats):
                for mmap in (True, False):
                    command = [sys.executable, __file__, "--memory-run", str(path)]
                    if mmap:
                        command.append("--mmap")
                    out = subprocess.run(
                        command, capture_output=True, text=True, check=True
                    )
                    runs[mmap].append(json.loads(out.stdout.strip().splitlines()[-1]))
            peak = {
                mmap: f"{np.median([r['peak_mb'] for r in rows]):.0f} "
                f"(max {np.max([r['peak_mb'] for r in rows]):.0f})"
                for mmap, rows in runs.items()
            }
            seconds = np.median([r["seconds"] for r in runs[True]])
            size = path.stat().st_size / 2**20
            report(
                f"| {n} | {size:.0f} | {peak[True]} | {peak[False]} | {seconds:.1f} |"
            )


def long_tailed(n, seed):
    rng = np.random.RandomState(seed)
    lengths = np.minimum(2 + rng.pareto(1.2, size=n) * 5, 400).astype(int)
    X = [rng.normal(size=(t, 2)).astype(np.float32) for t in lengths]
    for x in X[: n // 2]:
        x[:, 0] += 0.3
    y = np.array([1] * (n // 2) + [0] * (n - n // 2))
    return X, y


def bucketing_part(report, n, epochs, repeats):
    torch.set_num_threads(1)
    X, y = long_tailed(n, 0)
    X_test, y_test = long_tailed(n // 2, 1)
    lengths = np.array([len(x) for x in X])
    report(
        f"\nPart 2: length bucketing, {n} ragged sequences, lengths "
        f"median {np.median(lengths):.0f} / p95 {np.percentile(lengths, 95):.0f} / "
        f"max {lengths.max()}, {epochs} epochs, batch 32"
    )
    padded = []
    original = LSTMNetwork.forward

    def counting(self, x, lengths=None, **kwargs):
        if self.training:
            padded[-1] += x.shape[0] * x.shape[1]
        return original(self, x, lengths, **kwargs)

    LSTMNetwork.forward = counting
    report(
        "| bucket_by_length | fit (s, median) | padded steps / real steps "
        "| held-out balanced accuracy |"
    )
    report("|---|---|---|---|")
    try:
        for bucket in (False, True):
            times, scores = [], []
            for repeat in range(repeats):
                padded.append(0)
                clf = LSTMSequenceClassifier(
                    **LSTM,
                    max_epochs=epochs,
                    bucket_by_length=bucket,
                    random_state=repeat,
                )
                start = time.perf_counter()
                clf.fit(X, y)
                times.append(time.perf_counter() - start)
                scores.append(balanced_accuracy_score(y_test, clf.predict(X_test)))
            ratio = padded[-1] / (epochs * lengths.sum())
            report(
                f"| {bucket} | {np.median(times):.2f} | {ratio:.2f} "
                f"| {np.mean(scores):.3f} ± {np.std(scores):.3f} |"
            )
    finally:
        LSTMNetwork.forward = original


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10000, 30000, 100000])
    parser.add_argument("--ragged", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, help="write DIR/scale.md too")
    parser.add_argument("--memory-run", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mmap", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_run:
        one_memory_run(args.memory_run, args.mmap)
        return
    report = Report()
    memory_part(report, args.sizes, args.repeats)
    bucketing_part(report, args.ragged, args.epochs, args.repeats)
    report.write(args.out, "scale")


if __name__ == "__main__":
    main()
