"""Reliability: interruption, numerics, concurrency, safe persistence."""

import warnings

import numpy as np
import pytest
import torch
from joblib import Parallel, delayed
from sklearn.model_selection import GridSearchCV

from sklstm import LSTMSequenceClassifier
from sklstm._network import LSTMNetwork
from sklstm.exceptions import CollapseWarning

FAST = dict(hidden_size=8, max_epochs=6, learning_rate=2e-2, random_state=0)


def task(n=120, seed=0, scale=1.0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 12, 2)).astype(np.float32)
    y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    return X * np.float32(scale), y


@pytest.fixture(autouse=True)
def _quiet_collapse():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        yield


def interrupt_after(monkeypatch, n_calls):
    calls = []
    original = LSTMNetwork.forward

    def forward(self, *args, **kwargs):
        if self.training:
            calls.append(1)
            if len(calls) == n_calls:
                raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(LSTMNetwork, "forward", forward)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_keyboard_interrupt_keeps_a_usable_model(monkeypatch, early_stopping):
    X, y = task()
    # 120 rows (108 with a split) in batches of 32: 4 batches per epoch; stop in
    # the middle of epoch 4.
    interrupt_after(monkeypatch, 14)
    clf = LSTMSequenceClassifier(**FAST, batch_size=32, early_stopping=early_stopping)
    with pytest.raises(KeyboardInterrupt, match="interrupted in epoch 4"):
        clf.fit(X, y)
    monkeypatch.undo()
    assert clf.history_[-1]["interrupted"] is True
    assert clf.history_[-1]["epoch"] == 4 and clf.n_epochs_ == 4
    assert [h.get("interrupted", False) for h in clf.history_[:3]] == [False] * 3
    assert 1 <= clf.best_epoch_ <= 3
    assert clf.predict_proba(X).shape == (120, 2)
    clf.set_params(warm_start=True, max_epochs=2).fit(X, y)
    assert clf.n_epochs_ == 6


def test_interrupt_in_the_first_epoch():
    X, y = task()
    clf = LSTMSequenceClassifier(**FAST)
    with pytest.MonkeyPatch.context() as mp:
        interrupt_after(mp, 2)
        with pytest.raises(KeyboardInterrupt):
            clf.fit(X, y)
    assert clf.best_epoch_ == 0 and clf.history_ == [
        {"epoch": 1, "interrupted": True, "duration": clf.history_[0]["duration"]}
    ]
    assert np.all(np.isfinite(clf.predict_proba(X)))


@pytest.mark.parametrize("scale", [1e-6, 1e-3, 1e3, 1e6])
def test_extreme_magnitudes_train_without_nan(scale):
    X, y = task(scale=scale)
    clf = LSTMSequenceClassifier(**FAST).fit(X, y)
    assert all(np.isfinite(h["train_loss"]) for h in clf.history_)
    assert np.all(np.isfinite(clf.predict_proba(X)))


def test_float32_and_float64_inputs_agree():
    X, y = task()
    a = LSTMSequenceClassifier(**FAST).fit(X, y)
    b = LSTMSequenceClassifier(**FAST).fit(X.astype(np.float64), y)
    np.testing.assert_allclose(
        a.predict_proba(X), b.predict_proba(X.astype(np.float64)), atol=1e-6
    )


def fit_proba(seed, X, y):
    torch.set_num_threads(1)
    params = dict(FAST, random_state=seed, dropout=0.3, num_layers=2)
    return LSTMSequenceClassifier(**params).fit(X, y).predict_proba(X)


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_parallel_fits_match_sequential_fits(backend):
    X, y = task()
    sequential = [fit_proba(seed, X, y) for seed in range(4)]
    parallel = Parallel(n_jobs=2, backend=backend)(
        delayed(fit_proba)(seed, X, y) for seed in range(4)
    )
    for a, b in zip(sequential, parallel, strict=True):
        np.testing.assert_array_equal(a, b)


# -- safe persistence ----------------------------------------------------------------


def test_save_and_load_round_trip(tmp_path):
    from sklstm.augmentation import ChainAugmenter, GaussianNoise, TimeWarp
    from sklstm.persistence import load_model, save_model

    X, y = task()
    labels = np.array(["no", "yes"])[y]
    clf = LSTMSequenceClassifier(
        **FAST,
        class_weight={"no": 1.0, "yes": 2.0},
        augment=ChainAugmenter([TimeWarp(sigma=0.1), GaussianNoise()]),
        early_stopping=True,
        bidirectional=True,
        num_layers=2,
    ).fit(X, labels)
    save_model(clf, tmp_path / "model.sklstm")
    restored = load_model(tmp_path / "model.sklstm")
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(restored.classes_, clf.classes_)
    assert restored.history_ == clf.history_
    assert restored.get_params()["class_weight"] == {"no": 1.0, "yes": 2.0}
    assert isinstance(restored.augment, ChainAugmenter)
    assert restored.best_epoch_ == clf.best_epoch_
    restored.set_params(warm_start=True, max_epochs=1).fit(X, labels)
    assert restored.n_epochs_ == clf.n_epochs_ + 1


def test_save_and_load_token_model(tmp_path):
    from sklstm.persistence import load_model, save_model

    rng = np.random.RandomState(0)
    X = [rng.randint(1, 20, size=rng.randint(2, 9)) for _ in range(60)]
    y = np.array([int(7 in x) for x in X])
    clf = LSTMSequenceClassifier(**FAST, embedding_dim=4).fit(X, y)
    save_model(clf, tmp_path / "tokens.sklstm")
    restored = load_model(tmp_path / "tokens.sklstm")
    np.testing.assert_array_equal(restored.vocabulary_, clf.vocabulary_)
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_load_rejects_foreign_and_future_files(tmp_path):
    import json

    from sklstm.persistence import load_model, save_model

    X, y = task()
    clf = LSTMSequenceClassifier(**FAST).fit(X, y)
    path = tmp_path / "model.sklstm"
    save_model(clf, path)
    content = torch.load(path, weights_only=True)
    document = json.loads(content["sklstm"])
    document["format_version"] = 99
    content["sklstm"] = json.dumps(document)
    torch.save(content, tmp_path / "future.sklstm")
    with pytest.raises(ValueError, match=r"format version 99.*reads version 1"):
        load_model(tmp_path / "future.sklstm")
    (tmp_path / "junk.sklstm").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not an sklstm model file"):
        load_model(tmp_path / "junk.sklstm")
    torch.save({"weights": {}}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not an sklstm model file"):
        load_model(tmp_path / "other.pt")


def test_load_runs_no_code(tmp_path):
    """A pickle that would run code on load is refused by weights_only."""
    import pickle

    from sklstm.persistence import load_model

    class Exploit:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "evil.sklstm"
    with path.open("wb") as f:
        pickle.dump({"sklstm": Exploit()}, f)
    with pytest.raises(ValueError, match="not an sklstm model file"):
        load_model(path)


def test_unsafe_parameters_cannot_be_saved(tmp_path):
    from sklstm.persistence import save_model

    X, y = task()
    clf = LSTMSequenceClassifier(
        **dict(FAST, random_state=np.random.RandomState(0))
    ).fit(X, y)
    with pytest.raises(ValueError, match=r"random_state.*cannot be stored safely"):
        save_model(clf, tmp_path / "model.sklstm")
    with pytest.raises(ValueError, match="not fitted"):
        save_model(LSTMSequenceClassifier(), tmp_path / "model.sklstm")


def test_zero_weight_validation_rows_do_not_look_like_divergence():
    # Found by hypothesis: a validation split of zero-weight rows made the
    # weighted validation loss 0/0 = NaN and stopped the fit as "diverged".
    X = np.array([[[1.76, 0.40]], [[0.98, 2.24]], [[1.87, -0.98]]], dtype=np.float32)
    clf = LSTMSequenceClassifier(**FAST, early_stopping=True)
    clf.fit(X, [0, 1, 0], sample_weight=[1.0, 0.0, 0.0])
    assert all(np.isfinite(h["valid_loss"]) for h in clf.history_)


@pytest.mark.parametrize("kind", [np.int64, np.int32])
@pytest.mark.parametrize(
    "params",
    [
        {"hidden_size": 8},
        {"conv_layers": 1, "conv_channels": 4},
        {"fcn_width": 4, "num_layers": 2},
    ],
)
def test_numpy_integers_are_accepted_as_the_ints_they_are(kind, params):
    X, y = task(n=30)
    numpy_params = {k: kind(v) for k, v in params.items()}
    a = LSTMSequenceClassifier(**{**FAST, **numpy_params}).fit(X, y)
    b = LSTMSequenceClassifier(**{**FAST, **params}).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_numpy_embedding_dim_and_grid_search_over_an_array():
    tokens = [np.arange(1, 2 + i % 5) for i in range(30)]
    labels = np.arange(30) % 2
    LSTMSequenceClassifier(**FAST, embedding_dim=np.int64(4)).fit(tokens, labels)
    X, y = task(n=30)
    search = GridSearchCV(
        LSTMSequenceClassifier(**dict(FAST, max_epochs=1)),
        {"hidden_size": np.array([4, 8])},
        cv=2,
    ).fit(X, y)
    assert search.best_params_["hidden_size"] in (4, 8)


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf, "heavy"])
def test_bad_class_weight_values_name_the_class(bad):
    X, y = task(n=30)
    clf = LSTMSequenceClassifier(**FAST, class_weight={0: 1.0, 1: bad})
    with pytest.raises(ValueError, match=r"class_weight\[1\]"):
        clf.fit(X, y)


def test_learning_rate_has_a_finite_upper_bound():
    X, y = task(n=30)
    with pytest.raises(ValueError, match="learning_rate"):
        LSTMSequenceClassifier(**dict(FAST, learning_rate=1e38)).fit(X, y)


@pytest.mark.parametrize(
    "classes", [[0, 1, np.nan], [0, 1, "a"], np.array([0, "a"], dtype=object)]
)
def test_partial_fit_rejects_nan_or_mixed_classes(classes):
    X, y = task(n=30)
    with pytest.raises(ValueError, match="classes"):
        LSTMSequenceClassifier(**FAST).partial_fit(X, y, classes=classes)


def test_partial_fit_accepts_string_classes_in_any_container():
    X, _ = task(n=30)
    y = np.array(["a", "b"])[np.arange(30) % 2]
    classes = np.array(["a", "b", "c"], dtype=object)
    clf = LSTMSequenceClassifier(**FAST).partial_fit(X, y, classes=classes)
    assert list(clf.classes_) == ["a", "b", "c"]


def test_a_list_of_arrays_may_have_any_length_at_prediction():
    X, y = task(n=30)
    clf = LSTMSequenceClassifier(**FAST).fit(X, y)
    steps = X.shape[1]
    assert clf.predict_proba([np.zeros((steps + 3, X.shape[2]))] * 2).shape == (2, 2)
    together = clf.predict_proba(list(X[:5]))
    np.testing.assert_allclose(together, clf.predict_proba(X[:5]), atol=1e-6)
    with pytest.raises(ValueError, match="time steps"):
        clf.predict(X[:, :-1])
    univariate = LSTMSequenceClassifier(**FAST).fit(X[:, :, 0], y)
    with pytest.raises(ValueError, match="time steps"):
        univariate.predict(X[:, :-1, 0])
