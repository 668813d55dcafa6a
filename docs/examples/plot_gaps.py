"""
Gaps in series: SequenceImputer
===============================

Sensor streams miss steps. :class:`~sklstm.preprocessing.SequenceImputer`
fills each gap (NaN) of each channel from that sequence's own values: forward
fill, a straight line between the values on either side, or zero; with
``add_indicator=True`` the network also sees where the gaps were. In a pipeline
it runs before the scaler and the classifier, on fixed-length and
variable-length sequences alike, and exports to ONNX with them.
"""

import matplotlib.pyplot as plt
import numpy as np
from imblearn.pipeline import make_pipeline
from sklearn.metrics import balanced_accuracy_score

from sklstm import LSTMSequenceClassifier
from sklstm.datasets import load_ecg200
from sklstm.preprocessing import SequenceImputer, SequenceScaler

X_train, y_train = load_ecg200(subset="train", return_X_y=True)
X_test, y_test = load_ecg200(subset="test", return_X_y=True)
rng = np.random.RandomState(0)


def with_gaps(X, rate=0.3):
    """Gaps of 1-8 steps covering about ``rate`` of each series."""
    X = X.copy()
    for x in X:
        while np.isnan(x).mean() < rate:
            start = rng.randint(len(x))
            x[start : start + rng.randint(1, 9)] = np.nan
    return X


gappy_train, gappy_test = with_gaps(X_train), with_gaps(X_test)

# %%
# One heartbeat, its gaps, and the three fills.
fig, ax = plt.subplots(figsize=(9, 3.5))
ax.plot(X_train[0], color="lightgray", lw=4, label="complete series")
for strategy in ("ffill", "linear", "zero"):
    filled = SequenceImputer(strategy=strategy).fit_transform(gappy_train[:1])
    ax.plot(filled[0], label=strategy)
ax.plot(gappy_train[0], "k.", label="what is left")
ax.set(xlabel="step", title="ECG200: 30% of the steps missing")
ax.legend(ncol=5, fontsize="small")
fig.tight_layout()

# %%
# The one-liner (on a short budget) with the imputer in front, trained and
# tested on the gappy series, beside the same model on the complete ones. One
# split and one seed: a few points either way are noise.
for strategy in ("ffill", "linear", None):
    steps = [SequenceImputer(strategy=strategy, add_indicator=True)] if strategy else []
    train, test = (gappy_train, gappy_test) if strategy else (X_train, X_test)
    model = make_pipeline(
        *steps,
        SequenceScaler(),
        LSTMSequenceClassifier(class_weight="balanced", max_steps=200, random_state=0),
    ).fit(train, y_train)
    score = balanced_accuracy_score(y_test, model.predict(test))
    print(f"{strategy or 'complete series'}: balanced accuracy {score:.3f}")
