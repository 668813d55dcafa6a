"""Imbalance-aware objectives of LSTMSequenceClassifier."""

import functools

import conftest
import numpy as np
import pytest
from conftest import rare_shift_task

from sklstm import LSTMSequenceClassifier
from sklstm._batching import balanced_order

FAST = dict(conftest.FAST, max_epochs=8)
# Short series, a clearer shift and more of the minority than the default task.
rare_shift = functools.partial(rare_shift_task, n=300, rate=0.1, shift=0.5, steps=15)


def test_focal_with_gamma_zero_is_weighted_cross_entropy():
    X, y = rare_shift()
    weights = np.linspace(0.5, 2.0, len(y))
    common = dict(FAST, class_weight="balanced")
    ce = LSTMSequenceClassifier(**common).fit(X, y, sample_weight=weights)
    focal = LSTMSequenceClassifier(**common, loss="focal", focal_gamma=0.0)
    focal.fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(focal.predict_proba(X), ce.predict_proba(X), atol=1e-6)
    np.testing.assert_allclose(
        [h["train_loss"] for h in focal.history_],
        [h["train_loss"] for h in ce.history_],
        rtol=1e-5,
    )


def test_focal_loss_down_weights_easy_samples():
    X, y = rare_shift()
    ce = LSTMSequenceClassifier(**dict(FAST, max_epochs=1)).fit(X, y)
    focal = LSTMSequenceClassifier(
        **dict(FAST, max_epochs=1), loss="focal", focal_gamma=2.0
    ).fit(X, y)
    # Same first epoch start; (1 - p)^2 < 1 shrinks every sample's loss.
    assert focal.history_[0]["train_loss"] < 0.5 * ce.history_[0]["train_loss"]


def test_logit_adjustment_moves_predictions_toward_rare_classes():
    X, y = rare_shift(n=400, rate=0.1, shift=0.4)
    X_test, _ = rare_shift(n=400, rate=0.1, shift=0.4, seed=1)
    plain = LSTMSequenceClassifier(**FAST).fit(X, y)
    adjusted = LSTMSequenceClassifier(**FAST, logit_adjustment=1.0).fit(X, y)
    assert adjusted.predict(X_test).mean() > plain.predict(X_test).mean()
    assert adjusted.predict_proba(X_test)[:, 1].mean() > (
        plain.predict_proba(X_test)[:, 1].mean() + 0.1
    )


def test_label_smoothing_softens_probabilities():
    X, y = rare_shift(shift=2.0, rate=0.5)
    sharp = LSTMSequenceClassifier(**FAST).fit(X, y)
    smooth = LSTMSequenceClassifier(**FAST, label_smoothing=0.3).fit(X, y)
    assert smooth.predict_proba(X).max(axis=1).mean() < (
        sharp.predict_proba(X).max(axis=1).mean()
    )
    assert smooth.predict_proba(X).max() <= 0.95


def test_balanced_batches_give_near_equal_class_counts_per_epoch():
    X, y = rare_shift(n=300, rate=0.1)
    clf = LSTMSequenceClassifier(**FAST, balanced_batches=True).fit(X, y)
    for entry in clf.history_:
        counts = entry["train_class_counts"]
        assert abs(counts[0] - counts[1]) <= 1
        assert 300 <= counts[0] + counts[1] <= 301
    again = LSTMSequenceClassifier(**FAST, balanced_batches=True).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), again.predict_proba(X))
    plain = LSTMSequenceClassifier(**FAST).fit(X, y)
    assert plain.history_[0]["train_class_counts"] == {
        0: int(np.sum(y == 0)),
        1: int(np.sum(y == 1)),
    }


def test_balanced_order_is_fresh_each_epoch_and_balanced_per_batch():
    rng = np.random.RandomState(0)
    rows = np.arange(100, 400)
    y = np.array([0] * 250 + [1] * 30 + [2] * 20)
    first, second = balanced_order(rows, y, rng), balanced_order(rows, y, rng)
    assert not np.array_equal(first, second)
    label_of = dict(zip(rows, y, strict=True))
    for order in (first, second):
        for start in range(0, len(order), 32):
            batch = [label_of[r] for r in order[start : start + 32]]
            counts = np.bincount(batch, minlength=3)
            assert counts.max() - counts.min() <= 2
    assert set(first) <= set(rows)


@pytest.mark.parametrize(
    ("scoring", "n_classes"),
    [
        ("balanced_accuracy", 3),
        ("f1_macro", 3),
        ("roc_auc_ovr", 3),
        ("average_precision", 2),
        ("roc_auc", 2),
    ],
)
def test_early_stopping_on_minority_aware_metrics(scoring, n_classes):
    rng = np.random.RandomState(0)
    shares = np.array([0.7, 0.2, 0.1])[:n_classes]
    y = rng.choice(n_classes, size=240, p=shares / shares.sum())
    X = rng.normal(size=(240, 10, 1)).astype(np.float32) + y[:, None, None]
    clf = LSTMSequenceClassifier(
        **FAST, early_stopping=True, refit=False, scoring=scoring, n_iter_no_change=3
    ).fit(X, y)
    scores = [h["valid_score"] for h in clf.history_]
    assert clf.best_epoch_ == 1 + int(np.argmax(scores))
    assert max(scores) > 0.5
