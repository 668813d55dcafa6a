"""Scaling out: memory-mapped data, length bucketing, compact pickles, Dask."""

import os
import pickle
import tracemalloc

import conftest
import numpy as np
import pytest
import torch

from sklstm import LSTMSequenceClassifier
from sklstm._network import LSTMNetwork
from sklstm.augmentation import GaussianNoise

FAST = dict(
    conftest.FAST, hidden_size=4, max_epochs=1, batch_size=256, learning_rate=3e-3
)


@pytest.mark.parametrize(
    ("augment", "n", "share"),
    [(None, 20000, 1 / 4), (GaussianNoise(), 8000, 1 / 2)],
    ids=["plain", "augment"],
)
def test_memmap_is_read_batch_by_batch(tmp_path, augment, n, share):
    shape = (n, 50, 4)  # 16 MB of float32 for 20000 sequences
    X = np.lib.format.open_memmap(
        tmp_path / "X.npy", mode="w+", dtype=np.float32, shape=shape
    )
    rng = np.random.RandomState(0)
    for start in range(0, n, 2000):
        X[start : start + 2000] = rng.normal(size=(2000, *shape[1:]))
    y = (np.asarray(X[:, :, 0]).mean(axis=1) > 0).astype(int)
    X.flush()
    del X
    X = np.load(tmp_path / "X.npy", mmap_mode="r")
    clf = LSTMSequenceClassifier(**FAST, augment=augment)
    # The first torch optimizer of a process imports torch._dynamo (tens of MB
    # of Python objects): do that before measuring.
    LSTMSequenceClassifier(**FAST).fit(np.asarray(X[:20]), np.arange(20) % 2)
    tracemalloc.start()
    clf.fit(X, y)
    proba = clf.predict_proba(X)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert proba.shape == (n, 2)
    # NumPy never holds a copy of X: a few batches and per-row arrays at most
    # (augmenting a batch of 256 takes about 1.3 MB).
    assert peak < X.nbytes * share, (
        f"peak {peak / 1e6:.1f} MB for {X.nbytes / 1e6:.0f} MB"
    )


def long_tailed(n=600, seed=0):
    rng = np.random.RandomState(seed)
    lengths = np.minimum(2 + rng.pareto(1.2, size=n) * 5, 200).astype(int)
    X = [rng.normal(size=(t, 2)).astype(np.float32) for t in lengths]
    y = np.array([int(x[:, 0].mean() > 0) for x in X])
    return X, y


def padded_steps(monkeypatch, **params):
    seen = []
    original = LSTMNetwork.forward

    def spy(self, x, lengths=None, **kwargs):
        if self.training:
            seen.append(x.shape[0] * x.shape[1])
        return original(self, x, lengths, **kwargs)

    monkeypatch.setattr(LSTMNetwork, "forward", spy)
    X, y = long_tailed()
    clf = LSTMSequenceClassifier(**dict(FAST, batch_size=16), **params).fit(X, y)
    return sum(seen), clf, sum(len(x) for x in X)


def test_length_bucketing_cuts_padding(monkeypatch):
    bucketed, clf_b, real = padded_steps(monkeypatch, bucket_by_length=True)
    plain, clf_p, _ = padded_steps(monkeypatch, bucket_by_length=False)
    assert bucketed < 0.5 * plain
    assert bucketed < 1.5 * real
    # Every row still trains once per epoch.
    assert sum(clf_b.history_[0]["train_class_counts"].values()) == 600
    # Bucketing changes which rows share a batch, not what a row's output is:
    # the same weights predict the same with or without it.
    X, _ = long_tailed(seed=1)
    clf_p.module_.load_state_dict(clf_b.module_.state_dict())
    np.testing.assert_allclose(
        clf_b.predict_proba(X), clf_p.predict_proba(X), rtol=0, atol=1e-6
    )


def test_pickles_carry_optimizer_state_only_for_warm_start():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 10, 2)).astype(np.float32)
    y = (X[:, :, 0].mean(1) > 0).astype(int)
    cold = LSTMSequenceClassifier(hidden_size=32, max_epochs=2, random_state=0).fit(
        X, y
    )
    warm = LSTMSequenceClassifier(
        hidden_size=32, max_epochs=2, warm_start=True, random_state=0
    ).fit(X, y)
    cold_bytes, warm_bytes = pickle.dumps(cold), pickle.dumps(warm)
    assert len(cold_bytes) < 0.6 * len(warm_bytes)
    restored = pickle.loads(cold_bytes)
    assert not hasattr(restored, "optimizer_")
    np.testing.assert_array_equal(restored.predict_proba(X), cold.predict_proba(X))
    restored.partial_fit(X, y)  # continues with a fresh optimizer
    assert restored.n_epochs_ == 3
    assert hasattr(pickle.loads(warm_bytes), "optimizer_")


def fit_and_report_threads(X, y, n_threads):
    """Run in a Dask worker: torch's threads during and after a fit."""
    seen = []
    original = torch.nn.LSTM.forward

    def spy(self, *args, **kwargs):
        seen.append(torch.get_num_threads())
        return original(self, *args, **kwargs)

    torch.nn.LSTM.forward = spy
    try:
        before = torch.get_num_threads()
        LSTMSequenceClassifier(hidden_size=4, max_epochs=1, n_threads=n_threads).fit(
            X, y
        )
        return before, sorted(set(seen)), torch.get_num_threads()
    finally:
        torch.nn.LSTM.forward = original


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_dask_grid_search_matches_sequential():
    distributed = pytest.importorskip("distributed")
    import dask
    import joblib
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 10, 2)).astype(np.float32)
    y = (X[:, :, 0].mean(1) > 0.2).astype(int)
    grid = {"class_weight": [None, "balanced"], "hidden_size": [4, 8]}

    def search():
        return GridSearchCV(
            LSTMSequenceClassifier(max_epochs=3, n_threads=1, random_state=0),
            grid,
            cv=StratifiedKFold(3),
            scoring="balanced_accuracy",
            n_jobs=-1,
        )

    sequential = search().fit(X, y)
    settings = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
    with (
        dask.config.set(settings),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        with joblib.parallel_backend("dask"):
            parallel = search().fit(X, y)
        before, during, after = client.submit(
            fit_and_report_threads, X, y, 2, pure=False
        ).result()
        trim = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    np.testing.assert_array_equal(
        parallel.cv_results_["mean_test_score"],
        sequential.cv_results_["mean_test_score"],
    )
    np.testing.assert_array_equal(
        parallel.predict_proba(X), sequential.predict_proba(X)
    )
    assert during == [2] and after == before
    # The documented setting keeps Dask's slow malloc trimming out of the workers.
    assert set(trim.values()) == {None}
