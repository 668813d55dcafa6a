"""Scoring the validation split from probabilities the training loop already has."""

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import get_scorer, get_scorer_names


def scorer_names():
    """Every name ``scoring`` accepts: ``'loss'`` and scikit-learn's scorers."""
    return {"loss", *get_scorer_names()}


class _FrozenPredictions(ClassifierMixin, BaseEstimator):
    """A fitted-looking classifier that answers with precomputed probabilities.

    It lets any scikit-learn scorer (a name or a callable ``scorer(est, X, y)``)
    score the validation split without a second forward pass.
    """

    def __init__(self, classes, proba):
        self.classes = classes
        self.proba = proba
        self.classes_ = classes

    def predict_proba(self, X):
        return self.proba

    def predict(self, X):
        return self.classes[np.argmax(self.proba, axis=1)]


def validation_score(scoring, classes, proba, y):
    """Score probabilities ``proba`` against labels ``y`` (higher is better).

    Parameters
    ----------
    scoring : str or callable
        A scikit-learn scorer name or a callable ``scorer(estimator, X, y)``;
        not ``'loss'``, which the training loop computes itself.
    classes : ndarray of shape (n_classes,)
    proba : ndarray of shape (n_samples, n_classes)
    y : ndarray of shape (n_samples,)
        Labels, in the same space as ``classes``.
    """
    scorer = get_scorer(scoring) if isinstance(scoring, str) else scoring
    placeholder = np.zeros((len(y), 1))
    return float(scorer(_FrozenPredictions(classes, proba), placeholder, y))


def check_scoring_on(scoring, classes, y_encoded):
    """Raise a ``ValueError`` naming ``scoring`` when it cannot score a split
    with labels ``classes[y_encoded]``; tried on perfect predictions, before
    any training is spent."""
    proba = np.eye(len(classes))[y_encoded]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            validation_score(scoring, classes, proba, classes[y_encoded])
    except Exception as exc:
        raise ValueError(
            f"scoring={scoring!r} cannot score the validation split of "
            f"{len(classes)} classes: {exc}"
        ) from exc
