"""Scoring the validation split from probabilities the training loop already has."""

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
