"""Reliability: interruption, numerics, concurrency, failed fits."""

import numpy as np
import pytest
import torch
from conftest import FAST, mean_sign_task
from joblib import Parallel, delayed
from sklearn.model_selection import GridSearchCV

from sklstm import LSTMSequenceClassifier
from sklstm._network import LSTMNetwork
from sklstm.exceptions import FitInterrupted


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
    X, y = mean_sign_task()
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
    completed = clf.history_[:3]
    if early_stopping:  # the epoch of the lowest validation loss so far
        losses = [h["valid_loss"] for h in completed]
        assert completed[clf.best_epoch_ - 1]["valid_loss"] <= min(losses) + 1e-4
    else:  # the last completed epoch
        assert clf.best_epoch_ == 3
    assert clf.predict_proba(X).shape == (120, 2)
    clf.set_params(warm_start=True, max_epochs=2).fit(X, y)
    assert clf.n_epochs_ == 6


def test_interrupt_in_the_first_epoch():
    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(**FAST)
    with pytest.MonkeyPatch.context() as mp:
        interrupt_after(mp, 2)
        with pytest.raises(KeyboardInterrupt):
            clf.fit(X, y)
    assert clf.best_epoch_ == 0 and clf.history_ == [
        {"epoch": 1, "interrupted": True, "duration": clf.history_[0]["duration"]}
    ]
    assert np.all(np.isfinite(clf.predict_proba(X)))


def test_interrupt_keeps_the_last_completed_epoch_without_early_stopping():
    X, y = mean_sign_task()
    constant = dict(FAST, batch_size=32, lr_schedule="constant")
    # 4 batches per epoch: the 14th training batch is in the middle of epoch 4.
    with pytest.MonkeyPatch.context() as mp:
        interrupt_after(mp, 14)
        clf = LSTMSequenceClassifier(**constant)
        with pytest.raises(FitInterrupted, match="keeps the weights of epoch 3"):
            clf.fit(X, y)
    assert clf.best_epoch_ == 3
    three = LSTMSequenceClassifier(**dict(constant, max_epochs=3)).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), three.predict_proba(X))


@pytest.mark.parametrize("early_stopping", [False, True])
def test_interrupt_in_the_first_epoch_keeps_the_starting_weights(early_stopping):
    X, y = mean_sign_task()
    probas = []
    for n_calls in (1, 3):  # the first and the third of 4 batches
        clf = LSTMSequenceClassifier(
            **FAST, batch_size=32, early_stopping=early_stopping
        )
        with pytest.MonkeyPatch.context() as mp:
            interrupt_after(mp, n_calls)
            with pytest.raises(FitInterrupted):
                clf.fit(X, y)
        assert clf.best_epoch_ == 0
        probas.append(clf.predict_proba(X))
    np.testing.assert_array_equal(probas[0], probas[1])


def fitted_state(clf, X):
    """Everything a fitted model holds: attributes, weights, predictions."""
    attributes = {k: v for k, v in vars(clf).items() if k.endswith("_")}
    weights = {k: v.clone() for k, v in clf.module_.state_dict().items()}
    return attributes, weights, clf.predict_proba(X)


def assert_same_state(clf, X, state):
    attributes, weights, proba = state
    now = {k: v for k, v in vars(clf).items() if k.endswith("_")}
    assert set(now) == set(attributes)
    for name, value in attributes.items():
        assert now[name] is value, name
    for name, tensor in clf.module_.state_dict().items():
        assert torch.equal(tensor, weights[name]), name
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


class FailingAugmenter:
    """A duck-typed augmenter that breaks in the second epoch."""

    def __init__(self):
        self.calls = 0

    def fit_padded(self, values, lengths):
        return self

    def augment_padded(self, values, lengths, rng):
        self.calls += 1
        if self.calls > 4:
            raise RuntimeError("augmenter failed")
        return values

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self


def _failures(X, y):
    """(name, parameters to set, X, y) of fits that raise."""
    rng = np.random.RandomState(1)
    other = rng.normal(size=(40, 7, 3)).astype(np.float32)
    other_y = np.arange(40) % 2
    nan_X = other.copy()
    nan_X[5, 2, 1] = np.nan
    return [
        ("one class", {}, other, np.zeros(40)),
        ("4-D X", {}, other[:, :, :, None], other_y),
        ("NaN in X", {}, nan_X, other_y),
        (
            "bad scoring",
            dict(early_stopping=True, scoring="roc_auc"),
            other,
            rng.randint(0, 3, 40),
        ),
        ("augmenter fails", dict(augment=FailingAugmenter()), other, other_y),
        (
            "diverges",
            dict(
                learning_rate=1000.0,
                lr_schedule="constant",
                optimizer="sgd",
                weight_decay=1.0,
            ),
            X,
            y,
        ),
    ]


@pytest.mark.parametrize("warm_start", [False, True])
@pytest.mark.parametrize(
    "case", range(6), ids=[c[0] for c in _failures(*mean_sign_task(4))]
)
def test_a_failed_fit_leaves_a_fitted_model_exactly_as_it_was(case, warm_start):
    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(**FAST, batch_size=32, warm_start=warm_start)
    clf.fit(X, y)
    state = fitted_state(clf, X)
    name, params, X_bad, y_bad = _failures(X, y)[case]
    clf.set_params(**params)
    with pytest.raises((ValueError, RuntimeError)):
        clf.fit(X_bad, y_bad)
    assert_same_state(clf, X, state)
    if name != "diverges":  # one epoch is too short to diverge
        with pytest.raises((ValueError, RuntimeError)):
            clf.partial_fit(X_bad, y_bad)
        assert_same_state(clf, X, state)


def test_a_failed_fit_keeps_a_token_model_and_its_vocabulary():
    rng = np.random.RandomState(0)
    X = [rng.randint(1, 20, size=rng.randint(2, 9)) for _ in range(60)]
    y = np.array([int(7 in x) for x in X])
    clf = LSTMSequenceClassifier(**FAST, embedding_dim=4).fit(X, y)
    state = fitted_state(clf, X)
    new_words = [rng.randint(50, 90, size=5) for _ in range(60)]
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(new_words, np.zeros(60))
    assert_same_state(clf, X, state)


def _other_estimators():
    from imblearn.over_sampling import RandomOverSampler

    from sklstm import augmentation, resampling
    from sklstm.preprocessing import SequenceScaler

    noise = augmentation.GaussianNoise()
    made = {
        "ChainAugmenter": augmentation.ChainAugmenter([noise]),
        "RandomChoiceAugmenter": augmentation.RandomChoiceAugmenter([noise]),
        "AugmentationSampler": resampling.AugmentationSampler(noise),
        "FlattenedSampler": resampling.FlattenedSampler(RandomOverSampler()),
    }
    estimators = [SequenceScaler()]
    for module in (augmentation, resampling):
        for name in module.__all__:
            if name != "BaseAugmenter":
                estimators.append(made.get(name) or getattr(module, name)())
    return estimators


@pytest.mark.parametrize(
    "estimator", _other_estimators(), ids=lambda e: type(e).__name__
)
def test_failed_fits_of_the_other_estimators_keep_their_state(estimator):
    X, y = mean_sign_task()
    y = (np.arange(len(X)) % 4 == 0).astype(int)  # imbalanced: samplers act
    if hasattr(estimator, "fit_resample"):
        estimator.fit_resample(X, y)
        refit = estimator.fit_resample
    else:
        estimator.fit(X)
        refit = estimator.fit
    before = dict(vars(estimator))
    assert any(k.endswith("_") for k in before)
    for bad in (X[:, :0], X[:, :, :0], X.astype(complex), X[:, :, :, None]):
        with pytest.raises(ValueError):
            refit(bad, y)
        assert vars(estimator).keys() == before.keys()
        assert all(vars(estimator)[k] is v for k, v in before.items())


@pytest.mark.parametrize("scale", [1e-6, 1e-3, 1e3, 1e6])
def test_extreme_magnitudes_train_without_nan(scale):
    X, y = mean_sign_task(scale=scale)
    clf = LSTMSequenceClassifier(**FAST).fit(X, y)
    assert all(np.isfinite(h["train_loss"]) for h in clf.history_)
    assert np.all(np.isfinite(clf.predict_proba(X)))


def test_float32_and_float64_inputs_agree():
    X, y = mean_sign_task()
    a = LSTMSequenceClassifier(**FAST).fit(X, y)
    b = LSTMSequenceClassifier(**FAST).fit(X.astype(np.float64), y)
    np.testing.assert_allclose(
        a.predict_proba(X), b.predict_proba(X.astype(np.float64)), atol=1e-6
    )


def fit_proba(seed, X, y):
    torch.set_num_threads(1)
    params = dict(FAST, random_state=seed, dropout=0.3, num_layers=2)
    return LSTMSequenceClassifier(**params).fit(X, y).predict_proba(X)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_parallel_fits_match_sequential_fits(backend):
    X, y = mean_sign_task()
    sequential = [fit_proba(seed, X, y) for seed in range(4)]
    parallel = Parallel(n_jobs=2, backend=backend)(
        delayed(fit_proba)(seed, X, y) for seed in range(4)
    )
    for a, b in zip(sequential, parallel, strict=True):
        np.testing.assert_array_equal(a, b)


def test_zero_weight_validation_rows_do_not_look_like_divergence():
    # Found by hypothesis: a validation split of zero-weight rows made the
    # weighted validation loss 0/0 = NaN and stopped the fit as "diverged".
    X = np.array([[[1.76, 0.40]], [[0.98, 2.24]], [[1.87, -0.98]]], dtype=np.float32)
    clf = LSTMSequenceClassifier(**FAST, early_stopping=True)
    clf.fit(X, [0, 1, 0], sample_weight=[1.0, 0.0, 0.0])
    validated = [h for h in clf.history_ if not h.get("refit")]
    assert validated and all(np.isfinite(h["valid_loss"]) for h in validated)


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
    X, y = mean_sign_task(n=30)
    numpy_params = {k: kind(v) for k, v in params.items()}
    a = LSTMSequenceClassifier(**{**FAST, **numpy_params}).fit(X, y)
    b = LSTMSequenceClassifier(**{**FAST, **params}).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_numpy_embedding_dim_and_grid_search_over_an_array():
    tokens = [np.arange(1, 2 + i % 5) for i in range(30)]
    labels = np.arange(30) % 2
    LSTMSequenceClassifier(**FAST, embedding_dim=np.int64(4)).fit(tokens, labels)
    X, y = mean_sign_task(n=30)
    search = GridSearchCV(
        LSTMSequenceClassifier(**dict(FAST, max_epochs=1)),
        {"hidden_size": np.array([4, 8])},
        cv=2,
    ).fit(X, y)
    assert search.best_params_["hidden_size"] in (4, 8)


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf, "heavy"])
def test_bad_class_weight_values_name_the_class(bad):
    X, y = mean_sign_task(n=30)
    clf = LSTMSequenceClassifier(**FAST, class_weight={0: 1.0, 1: bad})
    with pytest.raises(ValueError, match=r"class_weight\[1\]"):
        clf.fit(X, y)


def test_learning_rate_has_a_finite_upper_bound():
    X, y = mean_sign_task(n=30)
    with pytest.raises(ValueError, match="learning_rate"):
        LSTMSequenceClassifier(**dict(FAST, learning_rate=1e38)).fit(X, y)


@pytest.mark.parametrize(
    "classes", [[0, 1, np.nan], [0, 1, "a"], np.array([0, "a"], dtype=object)]
)
def test_partial_fit_rejects_nan_or_mixed_classes(classes):
    X, y = mean_sign_task(n=30)
    with pytest.raises(ValueError, match="classes"):
        LSTMSequenceClassifier(**FAST).partial_fit(X, y, classes=classes)


def test_partial_fit_accepts_string_classes_in_any_container():
    X, _ = mean_sign_task(n=30)
    y = np.array(["a", "b"])[np.arange(30) % 2]
    classes = np.array(["a", "b", "c"], dtype=object)
    clf = LSTMSequenceClassifier(**FAST).partial_fit(X, y, classes=classes)
    assert list(clf.classes_) == ["a", "b", "c"]


def test_a_list_of_arrays_may_have_any_length_at_prediction():
    X, y = mean_sign_task(n=30)
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


# -- early-stopping scores ---------------------------------------------------------


def test_a_scorer_that_cannot_score_the_split_fails_before_training(monkeypatch):
    X, _ = mean_sign_task()
    y = np.arange(len(X)) % 3
    calls = []
    original = LSTMNetwork.forward
    monkeypatch.setattr(
        LSTMNetwork,
        "forward",
        lambda self, *a, **k: calls.append(1) or original(self, *a, **k),
    )
    clf = LSTMSequenceClassifier(**FAST, early_stopping=True, scoring="roc_auc")
    with pytest.raises(ValueError, match="scoring='roc_auc' cannot score"):
        clf.fit(X, y)
    assert calls == [] and not hasattr(clf, "module_")


def test_nan_scores_are_never_the_best_epoch():
    X, y = mean_sign_task()
    settings = dict(FAST, lr_schedule="constant", early_stopping=True, refit=False)
    clf = LSTMSequenceClassifier(**settings, scoring=lambda est, X, y: np.nan)
    with pytest.warns(UserWarning, match="NaN on the validation split at every"):
        clf.fit(X, y)
    assert clf.best_epoch_ == 1 and clf.n_epochs_ == 6
    first = LSTMSequenceClassifier(**dict(settings, max_epochs=1)).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), first.predict_proba(X))

    # The first score answers the check before training; then one per epoch.
    scores = iter([1.0, 0.5, np.nan, 0.7, np.nan, np.nan, np.nan])
    clf.set_params(scoring=lambda est, X, y: next(scores)).fit(X, y)
    assert clf.best_epoch_ == 3


def test_a_callable_scorer_gets_what_the_docstring_says():
    X, y = mean_sign_task()
    seen = []

    def scorer(estimator, X_given, y_given):
        seen.append((estimator, X_given, y_given))
        return float(np.mean(estimator.predict(X_given) == y_given))

    clf = LSTMSequenceClassifier(**FAST, early_stopping=True, scoring=scorer)
    clf.fit(X, y)
    estimator, X_given, y_given = seen[-1]
    n_valid = sum(int(np.ceil(0.1 * n)) for n in np.bincount(y))
    assert X_given.shape == (n_valid, 1) and not X_given.any()
    np.testing.assert_array_equal(estimator.classes_, clf.classes_)
    proba = estimator.predict_proba(X_given)
    assert proba.shape == (n_valid, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert sorted(set(y_given)) == [0, 1] and len(y_given) == n_valid


# -- the same promises on a GPU ------------------------------------------------------


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_rollback_interruption_and_persistence_on_cuda(monkeypatch, tmp_path):
    from sklstm.persistence import load_model, save_model

    X, y = mean_sign_task()
    cuda = dict(FAST, batch_size=32, device="cuda", lr_schedule="constant")
    clf = LSTMSequenceClassifier(**cuda, warm_start=True).fit(X, y)
    state = fitted_state(clf, X)
    clf.set_params(learning_rate=1000.0, optimizer="sgd", weight_decay=1.0)
    with pytest.raises(ValueError, match="lower learning_rate"):
        clf.fit(X, y)
    assert_same_state(clf, X, state)

    interrupt_after(monkeypatch, 14)
    stopped = LSTMSequenceClassifier(**cuda)
    with pytest.raises(FitInterrupted, match="weights of epoch 3"):
        stopped.fit(X, y)
    monkeypatch.undo()
    three = LSTMSequenceClassifier(**dict(cuda, max_epochs=3)).fit(X, y)
    np.testing.assert_allclose(
        stopped.predict_proba(X), three.predict_proba(X), atol=1e-5
    )

    clf.set_params(hidden_size=16, max_epochs=1, learning_rate=1e-2)
    clf.set_params(optimizer="adam", weight_decay=0.0).fit(X, y)
    save_model(clf, tmp_path / "model.sklstm")
    restored = load_model(tmp_path / "model.sklstm")
    assert restored.device_ == "cpu"
    np.testing.assert_allclose(
        restored.predict_proba(X), clf.predict_proba(X), atol=1e-5
    )
