"""sklstm.model_selection: per-class offsets tuned by cross-validation."""

import numpy as np
import pytest
from conftest import FAST, ragged_task
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import TunedThresholdClassifierCV, train_test_split
from sklearn.pipeline import make_pipeline

from sklstm import LSTMSequenceClassifier
from sklstm.model_selection import TunedClassOffsetsCV
from sklstm.preprocessing import SequenceScaler


def three_imbalanced_classes(n=1200, seed=0):
    """80 / 15 / 5, each class shifted further along both features."""
    rng = np.random.default_rng(seed)
    y = rng.choice(3, size=n, p=[0.8, 0.15, 0.05])
    return rng.normal(size=(n, 2)) + 0.8 * y[:, None], y


def test_offsets_move_multiclass_decisions_toward_rare_classes():
    X, y = three_imbalanced_classes()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=0
    )
    plain = LogisticRegression().fit(X_train, y_train)
    tuned = TunedClassOffsetsCV(LogisticRegression()).fit(X_train, y_train)
    assert tuned.best_score_ > tuned.score_without_offsets_ + 0.1
    assert abs(tuned.offsets_.sum()) < 1e-9
    assert tuned.offsets_[2] > tuned.offsets_[0]  # toward the rarest class
    before = balanced_accuracy_score(y_test, plain.predict(X_test))
    after = balanced_accuracy_score(y_test, tuned.predict(X_test))
    assert after > before + 0.1  # 0.468 -> 0.609 when written
    np.testing.assert_array_equal(
        tuned.predict_proba(X_test), tuned.estimator_.predict_proba(X_test)
    )


def test_with_two_classes_an_offset_is_a_tuned_threshold():
    X, y = three_imbalanced_classes()
    y = (y == 2).astype(int)
    X_train, X_test, y_train, _ = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=0
    )
    tuned = TunedClassOffsetsCV(LogisticRegression()).fit(X_train, y_train)
    threshold = 1 / (1 + np.exp(tuned.offsets_[1] - tuned.offsets_[0]))
    proba = tuned.predict_proba(X_test)[:, 1]
    np.testing.assert_array_equal(tuned.predict(X_test), proba > threshold)
    reference = TunedThresholdClassifierCV(
        LogisticRegression(), scoring="balanced_accuracy", cv=5
    ).fit(X_train, y_train)
    assert threshold == pytest.approx(reference.best_threshold_, abs=0.01)
    agree = np.mean(tuned.predict(X_test) == reference.predict(X_test))
    assert agree > 0.95  # 0.99 when written


def test_it_tunes_an_lstm_pipeline_on_sequences():
    rng = np.random.RandomState(0)
    y = rng.choice(3, size=150, p=[0.7, 0.2, 0.1])
    X = rng.normal(size=(150, 10, 1)).astype(np.float32)
    X += y[:, None, None].astype(np.float32)
    pipeline = make_pipeline(SequenceScaler(), LSTMSequenceClassifier(**FAST))
    tuned = TunedClassOffsetsCV(pipeline, cv=3, n_offsets=20).fit(X, y)
    assert tuned.predict(X).shape == (150,)
    assert set(tuned.predict(X)) <= {0, 1, 2}
    assert tuned.best_score_ >= tuned.score_without_offsets_
    list_X, list_y = ragged_task(n=60)
    ragged = TunedClassOffsetsCV(LSTMSequenceClassifier(**FAST), cv=3, n_offsets=10)
    assert ragged.fit(list_X, list_y).predict(list_X).shape == (60,)


def test_sample_weights_reach_the_folds_and_the_score():
    X, y = three_imbalanced_classes(n=300)
    weights = np.where(y == 0, 1.0, 5.0)
    tuned = TunedClassOffsetsCV(LogisticRegression(), cv=3, n_offsets=10)
    tuned.fit(X, y, sample_weight=weights)
    refit = LogisticRegression().fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(tuned.estimator_.coef_, refit.coef_)


def test_a_scorer_of_probabilities_is_refused_by_name():
    X, y = three_imbalanced_classes(n=300)
    tuned = TunedClassOffsetsCV(LogisticRegression(), scoring="roc_auc_ovr", cv=3)
    with pytest.raises(ValueError, match="roc_auc_ovr"):
        tuned.fit(X, y)
