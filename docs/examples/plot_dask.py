"""
A search spread over a Dask cluster
===================================

sklstm estimators are plain picklable scikit-learn estimators, so joblib's
Dask backend spreads a search over a cluster unchanged. A local cluster stands
in for a real one here; the results equal a sequential run with the same
seeds.
"""

import dask
import joblib
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from sklstm import LSTMSequenceClassifier

rng = np.random.RandomState(0)
y = (rng.rand(300) < 0.1).astype(int)
X = rng.normal(size=(300, 20, 1)).astype(np.float32)
X[y == 1] += 0.5

search = GridSearchCV(
    LSTMSequenceClassifier(max_steps=100, n_threads=1, random_state=0),
    {"class_weight": [None, "balanced"], "hidden_size": [16, 32]},
    scoring="balanced_accuracy",
    cv=StratifiedKFold(3),
    n_jobs=-1,
)
# Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers, which can
# make each torch fit several times slower; unset it before the cluster starts.
settings = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
with dask.config.set(settings):
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    )
with cluster, Client(cluster), joblib.parallel_backend("dask"):
    search.fit(X, y)
print("best:", search.best_params_, round(search.best_score_, 3))

# %%
# Fit time of each candidate, as the workers measured it.
labels = [
    f"{p['class_weight']}, {p['hidden_size']}" for p in search.cv_results_["params"]
]
fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(labels, search.cv_results_["mean_fit_time"])
ax.set(xlabel="mean fit time (s)", ylabel="class_weight, hidden_size")
fig.tight_layout()
plt.show()
