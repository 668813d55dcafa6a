"""Serving speed of an exported model: onnxruntime against ``predict_proba``.

The one-liner ``make_pipeline(SequenceScaler(), LSTMSequenceClassifier(
class_weight="balanced"))`` fitted on the bundled Wafer sequences (1000 x 152
steps), exported with :func:`sklstm.onnx.to_onnx`. Measured in one process on
the same machine, at 1 thread and at every core (torch's intra-op threads for
``predict_proba``, onnxruntime's for the session):

* latency: one sequence per call (median and 95th percentile of 300 calls);
* throughput: 1024 sequences per call (median of 7 calls), fixed-length and
  ragged (the same sequences cut to random lengths of 40-152 steps).

onnxruntime is fed what a service would hold, ready arrays; ``predict_proba``
takes the same data and validates it, as it does in use.

    python benchmarks/serving_benchmark.py [--out benchmarks/results]
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from _common import Report
from imblearn.pipeline import make_pipeline

from sklstm import LSTMSequenceClassifier
from sklstm.datasets import load_wafer
from sklstm.onnx import onnx_inputs, to_onnx
from sklstm.preprocessing import SequenceScaler


def timings(call, repeats):
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return np.array(out)


def session(proto, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(
        proto.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write DIR/serving.md too")
    args = parser.parse_args()

    X, y = load_wafer(return_X_y=True)
    X = X.astype(np.float32)
    start = time.perf_counter()
    pipe = make_pipeline(
        SequenceScaler(),
        LSTMSequenceClassifier(class_weight="balanced", random_state=0),
    ).fit(X, y)
    fit_seconds = time.perf_counter() - start
    proto = to_onnx(pipe)

    rng = np.random.default_rng(0)
    batch = X[rng.integers(0, len(X), 1024)]
    ragged = [x[: rng.integers(40, X.shape[1] + 1)] for x in batch]
    one = batch[:1]
    feeds = {
        "one": onnx_inputs(pipe, one),
        "fixed": onnx_inputs(pipe, batch),
        "ragged": onnx_inputs(pipe, ragged),
    }
    data = {"one": one, "fixed": batch, "ragged": ragged}

    report = Report()
    report(
        f"Wafer pipeline fitted in {fit_seconds:.0f} s; ONNX graph "
        f"{len(proto.SerializeToString()) / 1024:.0f} KiB, "
        f"{len(proto.graph.node)} nodes; onnxruntime {ort.__version__}.",
        "",
        "| threads | measure | `predict_proba` | onnxruntime | speed-up |",
        "|---|---|---|---|---|",
    )
    for threads in sorted({1, os.cpu_count()}):
        torch.set_num_threads(threads)
        sess = session(proto, threads)
        for kind, label in (
            ("one", "latency, 1 sequence"),
            ("fixed", "throughput, 1024 x 152 steps"),
            ("ragged", "throughput, 1024 ragged (40-152 steps)"),
        ):
            repeats = 300 if kind == "one" else 7
            # Same answers first, then warm both up before timing.
            _, proba = sess.run(None, feeds[kind])
            np.testing.assert_allclose(
                proba, pipe.predict_proba(data[kind]), rtol=0, atol=1e-5
            )
            torch_t = timings(lambda k=kind: pipe.predict_proba(data[k]), repeats)
            onnx_t = timings(lambda k=kind: sess.run(None, feeds[k]), repeats)
            if kind == "one":
                cells = [
                    f"{np.median(t) * 1e3:.2f} ms "
                    f"(p95 {np.percentile(t, 95) * 1e3:.2f})"
                    for t in (torch_t, onnx_t)
                ]
            else:
                cells = [f"{1024 / np.median(t):,.0f} seq/s" for t in (torch_t, onnx_t)]
            speedup = np.median(torch_t) / np.median(onnx_t)
            report(
                f"| {threads} | {label} | {cells[0]} | {cells[1]} | {speedup:.2f}x |"
            )
    report(
        "",
        "Medians; `predict_proba` includes its input validation, onnxruntime "
        "reads ready arrays. Both give the same probabilities within 1e-5 "
        "(checked in the run).",
    )
    report.write(args.out, "serving")


if __name__ == "__main__":
    main()
