"""
Serving a fitted pipeline with ONNX
===================================

:func:`sklstm.onnx.to_onnx` turns a fitted pipeline of
:class:`~sklstm.preprocessing.SequenceScaler` and the classifier into one ONNX
graph that onnxruntime runs without Python's sklstm or torch. Its labels equal
``predict`` and its probabilities ``predict_proba`` (within 1e-5), on
fixed-length and variable-length batches alike.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime
from imblearn.pipeline import make_pipeline

from sklstm import LSTMSequenceClassifier
from sklstm.datasets import load_ecg200
from sklstm.onnx import onnx_inputs, to_onnx
from sklstm.preprocessing import SequenceScaler

X_train, y_train = load_ecg200(subset="train", return_X_y=True)
X_test, y_test = load_ecg200(subset="test", return_X_y=True)
pipe = make_pipeline(
    SequenceScaler(),
    LSTMSequenceClassifier(class_weight="balanced", max_steps=200, random_state=0),
).fit(X_train, y_train)

proto = to_onnx(pipe)
session = onnxruntime.InferenceSession(proto.SerializeToString())
print([i.name for i in session.get_inputs()], [o.name for o in session.get_outputs()])

# %%
# Variable-length sequences: each test heartbeat cut at a random point.
rng = np.random.default_rng(0)
ragged = [x[: rng.integers(48, len(x) + 1)] for x in X_test]
label, proba = session.run(None, onnx_inputs(pipe, ragged))
print("labels equal:", bool(np.all(label == pipe.predict(ragged))))
gap = np.abs(proba - pipe.predict_proba(ragged)).max()
print(f"largest probability difference: {gap:.1e}")

# %%
# One sequence at a time, as a service would see it.
one = onnx_inputs(pipe, X_test[:1])
start = time.perf_counter()
for _ in range(100):
    session.run(None, one)
print(f"onnxruntime: {(time.perf_counter() - start) * 10:.2f} ms a sequence")
start = time.perf_counter()
for _ in range(100):
    pipe.predict_proba(X_test[:1])
print(f"predict_proba: {(time.perf_counter() - start) * 10:.2f} ms a sequence")

# %%
fig, ax = plt.subplots(figsize=(4, 4))
ax.scatter(pipe.predict_proba(ragged)[:, 1], proba[:, 1], s=10)
ax.set(xlabel="predict_proba", ylabel="onnxruntime", title="P(class 1)")
fig.tight_layout()
plt.show()
