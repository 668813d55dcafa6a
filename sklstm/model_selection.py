"""Tuning the decision after training.

:class:`TunedClassOffsetsCV` is the multiclass counterpart of scikit-learn's
:class:`~sklearn.model_selection.TunedThresholdClassifierCV`: it moves the
decision toward the classes a score rewards (the rare ones, for balanced
accuracy) by adding one offset per class to the log-probabilities, tuned on
out-of-fold predictions.
"""

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import check_cv, cross_val_predict
from sklearn.utils import column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from sklstm._compat import HasMethods, Interval, StrOptions, _fit_context

__all__ = ["TunedClassOffsetsCV"]

# Coordinate-ascent passes over the classes at most (a pass that improves
# nothing ends the search earlier).
MAX_PASSES = 5


class _Decided(ClassifierMixin, BaseEstimator):
    """Predicts labels fixed in advance: lets a scikit-learn scorer score
    decisions that were computed elsewhere."""

    def __init__(self, classes, labels):
        self.classes = classes
        self.labels = labels

    def __sklearn_is_fitted__(self):
        return True

    @property
    def classes_(self):
        return self.classes

    def predict(self, X):
        return self.labels


def _log_proba(proba):
    # A zero probability stays far below any other, not -inf.
    return np.log(np.clip(proba, 1e-15, None))


class TunedClassOffsetsCV(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Per-class offsets to the log-probabilities, tuned by cross-validation.

    A classifier trained on imbalanced data often decides for the majority
    where a rare class is nearly as likely. This meta-estimator predicts
    ``classes_[argmax(log(predict_proba(X)) + offsets_)]``: ``offsets_``
    maximise ``scoring`` on out-of-fold probabilities of ``estimator``
    (``cv`` folds), by coordinate ascent over the classes; then
    ``estimator`` is refitted on every row. Probabilities stay the
    estimator's own; only the decisions move. With two classes an offset is
    a threshold on the positive class's probability
    (``1 / (1 + exp(offsets_[1] - offsets_[0]))``), as
    :class:`~sklearn.model_selection.TunedThresholdClassifierCV` tunes it.

    Parameters
    ----------
    estimator : estimator object
        A classifier with ``predict_proba``, e.g. an
        :class:`~sklstm.LSTMSequenceClassifier` or a pipeline ending in one.
    scoring : str or callable, default='balanced_accuracy'
        A scikit-learn scorer computed from predicted labels (its name, or a
        callable ``scorer(estimator, X, y)``), maximised.
    cv : int, cross-validation generator or iterable, default=5
        The folds of the out-of-fold probabilities (an int: stratified
        K-fold).
    n_offsets : int, default=100
        Candidate offsets tried per class and pass: the values at which a
        quantile of the rows changes its decision.
    n_jobs : int or None, default=None
        Folds fitted in parallel, as in
        :func:`~sklearn.model_selection.cross_val_predict`.

    Attributes
    ----------
    estimator_ : estimator object
        ``estimator`` fitted on every row.
    offsets_ : ndarray of shape (n_classes,)
        Added to the log-probabilities before the argmax (centred on 0).
    best_score_ : float
        ``scoring`` of the out-of-fold decisions with ``offsets_``.
    score_without_offsets_ : float
        ``scoring`` of the out-of-fold decisions without them.
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    See Also
    --------
    sklearn.model_selection.TunedThresholdClassifierCV : The binary counterpart.
    sklstm.LSTMSequenceClassifier : ``logit_adjustment`` and
        ``prior_correction`` move decisions by the class prior, without tuning.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklstm.model_selection import TunedClassOffsetsCV
    >>> rng = np.random.default_rng(0)
    >>> y = rng.choice(3, size=300, p=[0.8, 0.15, 0.05])
    >>> X = rng.normal(size=(300, 2)) + 0.8 * y[:, None]
    >>> tuned = TunedClassOffsetsCV(LogisticRegression()).fit(X, y)
    >>> bool(tuned.best_score_ >= tuned.score_without_offsets_)
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "scoring": [StrOptions(set(get_scorer_names())), callable],
        "cv": ["cv_object"],
        "n_offsets": [Interval(Integral, 2, None, closed="left")],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        estimator,
        *,
        scoring="balanced_accuracy",
        cv=5,
        n_offsets=100,
        n_jobs=None,
    ):
        self.estimator = estimator
        self.scoring = scoring
        self.cv = cv
        self.n_offsets = n_offsets
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Tune the offsets on out-of-fold probabilities, then refit.

        Parameters
        ----------
        X : array-like or list of sequences
            Whatever ``estimator`` takes.
        y : array-like of shape (n_samples,)
            Class labels.
        **fit_params : dict
            Passed to ``estimator.fit``, in every fold and in the refit.

        Returns
        -------
        self : TunedClassOffsetsCV
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        cv = check_cv(self.cv, y, classifier=True)
        proba = cross_val_predict(
            clone(self.estimator),
            X,
            y,
            cv=cv,
            method="predict_proba",
            n_jobs=self.n_jobs,
            params=fit_params,
        )
        classes = np.unique(y)
        scorer = check_scoring(self, scoring=self.scoring)
        # The decisions are scored as the estimator is fitted: weighted.
        weights = {k: v for k, v in fit_params.items() if k == "sample_weight"}
        decided = _Decided(classes, None)
        log_proba = _log_proba(proba)

        def score(offsets):
            decided.labels = classes[np.argmax(log_proba + offsets, axis=1)]
            try:
                with warnings.catch_warnings():
                    # Trial decisions: a metric's warning about one of them
                    # (a class never predicted) says nothing about the fit.
                    warnings.simplefilter("ignore", UserWarning)
                    return scorer(decided, X, y, **weights)
            except AttributeError as error:
                raise ValueError(
                    f"scoring={self.scoring!r} needs more than predicted labels; "
                    "TunedClassOffsetsCV tunes decisions, so it takes a scorer of "
                    "labels (e.g. 'balanced_accuracy', 'f1_macro')."
                ) from error

        without = score(np.zeros(len(classes)))
        offsets, best = self._search(log_proba, score, without)
        estimator = clone(self.estimator).fit(X, y, **fit_params)
        # Nothing is set before every step has succeeded.
        self.estimator_, self.classes_ = estimator, estimator.classes_
        self.offsets_ = offsets - offsets.mean()
        self.best_score_, self.score_without_offsets_ = float(best), float(without)
        if hasattr(estimator, "n_features_in_"):
            self.n_features_in_ = estimator.n_features_in_
        return self

    def _search(self, log_proba, score, best):
        """Coordinate ascent from offsets of 0 (scoring ``best``): each class
        in turn takes the candidate offset that raises ``score`` most, until a
        pass over the classes raises it no more. Returns the offsets and their
        score."""
        offsets = np.zeros(log_proba.shape[1])
        for _ in range(MAX_PASSES):
            improved = False
            for k in range(len(offsets)):
                for candidate in self._candidates(log_proba, offsets, k):
                    trial = offsets.copy()
                    trial[k] = candidate
                    value = score(trial)
                    if value > best:
                        best, offsets, improved = value, trial, True
            if not improved:
                break
        return offsets, best

    def _candidates(self, log_proba, offsets, k):
        """Offsets of class ``k`` at which a quantile of the rows turns to or
        from ``k``: row ``i`` decides for ``k`` once the offset exceeds
        ``max_j(log_proba[i, j] + offsets[j]) - log_proba[i, k]`` (j != k)."""
        others = np.delete(log_proba + offsets, k, axis=1).max(axis=1)
        turning = others - log_proba[:, k]
        levels = np.quantile(
            turning, np.linspace(0, 1, self.n_offsets), method="nearest"
        )
        return np.concatenate([[levels[0] - 1.0], np.nextafter(levels, np.inf)])

    def predict(self, X):
        """The class with the largest offset log-probability.

        Parameters
        ----------
        X : array-like or list of sequences

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        proba = self.estimator_.predict_proba(X)
        return self.classes_[np.argmax(_log_proba(proba) + self.offsets_, axis=1)]

    def predict_proba(self, X):
        """The fitted estimator's probabilities (the offsets move decisions,
        not probabilities).

        Parameters
        ----------
        X : array-like or list of sequences

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self.estimator.__sklearn_tags__()
        tags.input_tags = inner.input_tags
        return tags
