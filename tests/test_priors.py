"""prior_correction: probabilities under the class frequencies, not the cure's."""

import numpy as np
import pytest
from conftest import FAST, rare_shift_task
from imblearn.pipeline import make_pipeline

from sklstm import LSTMSequenceClassifier
from sklstm._priors import fitted_prior
from sklstm.resampling import SequenceRandomOverSampler

TASK = dict(n=400, seed=0, shift=0.6, rate=0.15, steps=15)


def fitted_pair(**params):
    """The same seeded fit without and with the correction."""
    X, y = rare_shift_task(**TASK)
    raw = LSTMSequenceClassifier(**FAST, **params).fit(X, y)
    fixed = LSTMSequenceClassifier(**FAST, **params, prior_correction=True).fit(X, y)
    return X, y, raw, fixed


def test_the_correction_is_bayes_rule_and_keeps_the_decisions():
    X, y, raw, fixed = fitted_pair(class_weight="balanced")
    frequency = np.bincount(y) / len(y)
    np.testing.assert_allclose(fixed.target_prior_, frequency)
    # The effective prior (balanced, refined on the training rows) makes the
    # mean corrected probability over those rows the class frequencies.
    np.testing.assert_allclose(
        fixed.predict_proba(X).mean(axis=0), frequency, atol=1e-3
    )
    p = raw.predict_proba(X) * fixed.target_prior_ / fixed.effective_prior_
    np.testing.assert_allclose(
        fixed.predict_proba(X), p / p.sum(1, keepdims=True), rtol=1e-12
    )
    # predict keeps the rule the cure chose: balanced accuracy is unchanged.
    np.testing.assert_array_equal(fixed.predict(X), raw.predict(X))
    assert raw.target_prior_ is None


def test_corrected_probabilities_match_the_class_frequencies():
    _, _, raw, fixed = fitted_pair(class_weight="balanced")
    X_test, y_test = rare_shift_task(**dict(TASK, seed=1))
    frequency = np.mean(y_test == 1)
    assert raw.predict_proba(X_test)[:, 1].mean() > frequency + 0.1  # the shift
    assert abs(fixed.predict_proba(X_test)[:, 1].mean() - frequency) < 0.05


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (dict(), lambda counts: counts / counts.sum()),
        (dict(balanced_batches=True), lambda counts: np.full(2, 0.5)),
        (
            dict(class_weight={0: 1.0, 1: 3.0}),
            lambda counts: counts * [1, 3] / (counts * [1, 3]).sum(),
        ),
        (
            dict(logit_adjustment=1.0),
            lambda counts: np.full(2, 0.5),  # frequency / frequency ** 1
        ),
    ],
    ids=["plain", "balanced-batches", "class-weights", "logit-adjustment"],
)
def test_the_effective_prior_follows_the_cure(params, expected):
    X, y = rare_shift_task(**TASK)
    clf = LSTMSequenceClassifier(**dict(FAST, max_epochs=1), **params).fit(X, y)
    np.testing.assert_allclose(clf.effective_prior_, expected(np.bincount(y)))


def test_sample_weights_enter_the_effective_prior():
    X, y = rare_shift_task(**TASK)
    weights = np.where(y == 1, 2.0, 1.0)
    clf = LSTMSequenceClassifier(**dict(FAST, max_epochs=1)).fit(X, y, weights)
    mass = np.bincount(y, weights=weights)
    np.testing.assert_allclose(clf.effective_prior_, mass / mass.sum())


def test_a_deployment_prior_after_a_sampler():
    X, y = rare_shift_task(**TASK)
    frequency = {0: float(np.mean(y == 0)), 1: float(np.mean(y == 1))}
    pipe = make_pipeline(
        SequenceRandomOverSampler(random_state=0),
        LSTMSequenceClassifier(**FAST, prior_correction=frequency),
    ).fit(X, y)
    clf = pipe[-1]
    # The classifier saw balanced labels; the dict restores the real prior.
    np.testing.assert_allclose(clf.target_prior_, [frequency[0], frequency[1]])
    X_test, y_test = rare_shift_task(**dict(TASK, seed=1))
    assert abs(pipe.predict_proba(X_test)[:, 1].mean() - np.mean(y_test)) < 0.05


@pytest.mark.parametrize(
    "prior", [{0: 0.9}, {0: 0.5, 1: 0.5, 2: 0.1}, {0: -1, 1: 2}, {0: 0, 1: 0}]
)
def test_bad_deployment_priors_are_named(prior):
    X, y = rare_shift_task(**TASK)
    with pytest.raises(ValueError, match="prior_correction"):
        LSTMSequenceClassifier(**FAST, prior_correction=prior).fit(X, y)


def test_string_labels_and_persistence(tmp_path):
    from sklstm.persistence import load_model, save_model

    X, y = rare_shift_task(**TASK)
    labels = np.array(["ok", "rare"])[y]
    clf = LSTMSequenceClassifier(
        **FAST, class_weight="balanced", prior_correction={"ok": 0.8, "rare": 0.2}
    ).fit(X, labels)
    np.testing.assert_allclose(clf.target_prior_, [0.8, 0.2])
    save_model(clf, tmp_path / "model.sklstm")
    restored = load_model(tmp_path / "model.sklstm")
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def posteriors_under(prior, y, rng):
    """Calibrated probabilities of two overlapping Gaussian classes, as a model
    trained under ``prior`` would give them."""
    score = rng.normal(loc=np.where(y == 1, 1.0, -1.0))
    log_odds = 2.0 * score + np.log(prior[1] / prior[0])
    p1 = 1.0 / (1.0 + np.exp(-log_odds))
    return np.column_stack([1.0 - p1, p1])


@pytest.mark.parametrize("start", [[0.5, 0.5], [0.2, 0.8], [0.7, 0.3]])
def test_the_fitted_prior_is_the_one_the_probabilities_assume(start):
    rng = np.random.default_rng(0)
    y = (rng.random(20_000) < 0.2).astype(int)
    proba = posteriors_under(np.array([0.5, 0.5]), y, rng)
    np.testing.assert_allclose(fitted_prior(proba, y, np.array(start)), 0.5, atol=0.02)


def test_a_model_that_fits_its_rows_exactly_keeps_the_objectives_prior():
    y = np.array([0, 0, 0, 1])
    proba = np.eye(2)[y]
    np.testing.assert_allclose(fitted_prior(proba, y, np.array([0.5, 0.5])), 0.5)


def test_classes_without_rows_keep_a_zero_prior():
    rng = np.random.default_rng(1)
    y = (rng.random(2000) < 0.3).astype(int)
    proba = np.column_stack([posteriors_under(np.array([0.5, 0.5]), y, rng), 0 * y])
    prior = fitted_prior(proba, y, np.array([0.5, 0.5, 0.0]))
    assert prior[2] == 0
    np.testing.assert_allclose(prior[:2], 0.5, atol=0.05)


def test_a_declared_class_without_rows_gets_no_probability():
    X, y = rare_shift_task(**TASK)
    clf = LSTMSequenceClassifier(**FAST, class_weight="balanced", prior_correction=True)
    clf.partial_fit(X, y, classes=[0, 1, 2])
    proba = clf.predict_proba(X)
    assert clf.target_prior_[2] == 0 and np.all(proba[:, 2] == 0)
    np.testing.assert_allclose(proba.mean(axis=0), clf.target_prior_, atol=1e-3)


def test_an_interrupt_while_fitting_the_priors_keeps_the_trained_network(
    monkeypatch,
):
    import sklstm._classifier
    from sklstm.exceptions import FitInterrupted

    X, y = rare_shift_task(**TASK)
    trained = LSTMSequenceClassifier(**FAST).fit(X, y)

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(sklstm._classifier, "fitted_prior", interrupted)
    clf = LSTMSequenceClassifier(**FAST, prior_correction=True)
    with pytest.raises(FitInterrupted, match="without the correction"):
        clf.fit(X, y)
    assert clf.target_prior_ is None
    # The same seeded training, uncorrected.
    np.testing.assert_array_equal(clf.predict_proba(X), trained.predict_proba(X))
