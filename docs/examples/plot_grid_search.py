"""
Searching over class weights and samplers
=========================================

The cures are parameters, so scikit-learn's tools choose between them. Here a
:class:`~sklearn.model_selection.GridSearchCV` over an imbalanced-learn
pipeline tries class weights and random oversampling of whole sequences (on
the training folds only) on ECG200, a real set of heartbeats (31 abnormal and
69 normal in its official training file), scored by balanced accuracy on the
official test file.
"""

import matplotlib.pyplot as plt
import numpy as np
from imblearn.pipeline import Pipeline
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from sklstm import LSTMSequenceClassifier
from sklstm.datasets import load_ecg200
from sklstm.preprocessing import SequenceScaler
from sklstm.resampling import SequenceRandomOverSampler

X_train, y_train = load_ecg200(subset="train", return_X_y=True)
X_test, y_test = load_ecg200(subset="test", return_X_y=True)
labels, counts = np.unique(y_train, return_counts=True)
print("training class counts:", dict(zip(labels.tolist(), counts.tolist())))

pipe = Pipeline(
    [
        ("scale", SequenceScaler()),
        ("sample", "passthrough"),
        # A short budget and no FCN branch keep this example fast.
        ("lstm", LSTMSequenceClassifier(max_steps=100, fcn_width=None, random_state=0)),
    ]
)
grid = {
    "sample": ["passthrough", SequenceRandomOverSampler(random_state=0)],
    "lstm__class_weight": [None, "balanced"],
}
search = GridSearchCV(
    pipe, grid, scoring="balanced_accuracy", cv=StratifiedKFold(3)
).fit(X_train, y_train)
print("best:", search.best_params_)
print(
    "test balanced accuracy:",
    round(balanced_accuracy_score(y_test, search.predict(X_test)), 3),
)

# %%
# Cross-validated balanced accuracy of each combination.
names = [
    f"{'oversampled' if p['sample'] != 'passthrough' else 'as is'}\n"
    f"class_weight={p['lstm__class_weight']}"
    for p in search.cv_results_["params"]
]
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.bar(
    names,
    search.cv_results_["mean_test_score"],
    yerr=search.cv_results_["std_test_score"],
)
ax.set(ylabel="balanced accuracy (3-fold CV)", ylim=(0.5, 1))
fig.tight_layout()
plt.show()
