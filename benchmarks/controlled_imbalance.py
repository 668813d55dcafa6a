"""The controlled-imbalance protocol: one class against the rest of a UCR set,
at a chosen ratio of negatives to positives.

For a set's official split, a positive class ``c`` and a ratio ``r``, the
training rows are every TRAIN row of the other classes (the negatives) and
``max(2, round(n_neg / r))`` of ``c``'s TRAIN rows, drawn without replacement
by ``numpy.random.RandomState(seed)``; ``r = 1`` keeps all of ``c``'s rows
(the natural split). A ratio is used only where it can be built: at least two
positives at that ratio (``round(n_neg / r) >= 2``) and no more than ``c`` has.
The test rows are the official TEST file, labelled 1 for ``c`` and 0 for the
rest. ``c`` is the smallest and the largest training class.

Protocols of this kind (e.g. one class against the rest of a UCR set at
controlled ratios) are where published deep models and MiniRocket, trained
plainly, score close to the majority class.
"""

import numpy as np
from imblearn.metrics import geometric_mean_score
from protocol import fit_timed, take
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    recall_score,
)

RATIOS = (1, 10, 20, 50)


def positive_classes(y_train):
    """The smallest and the largest training class (fewest rows first, ties
    by label; one label when the set has one class)."""
    labels, counts = np.unique(y_train, return_counts=True)
    order = np.lexsort((labels, counts))
    return list(dict.fromkeys([labels[order[0]].item(), labels[order[-1]].item()]))


def n_positives(y_train, positive, ratio):
    """Positive training rows at ``ratio``, or None where the ratio cannot be
    built (fewer than two positives at it, or more than the class has)."""
    y_train = np.asarray(y_train)
    n_pos = int(np.sum(y_train == positive))
    if ratio == 1:
        return n_pos
    size = round((len(y_train) - n_pos) / ratio)
    return size if 2 <= size <= n_pos else None


def one_vs_rest(y_train, y_test, positive, ratio, seed):
    """Rows and labels of one task of the protocol.

    Parameters
    ----------
    y_train, y_test : array-like
        Labels of the official TRAIN and TEST files.
    positive : label
        The class scored against the rest.
    ratio : int
        Negatives per positive in training; 1 keeps every positive row.
    seed : int
        Draws the positive training rows.

    Returns
    -------
    train, test : ndarray of int
        Indices into TRAIN + TEST pooled (TRAIN rows first), sorted.
    y : ndarray of int
        1 for ``positive``, 0 for the rest, over the pooled rows.
    """
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    size = n_positives(y_train, positive, ratio)
    if size is None:
        raise ValueError(f"Ratio {ratio} cannot be built for class {positive!r}.")
    positives = np.flatnonzero(y_train == positive)
    if ratio != 1:
        positives = np.random.RandomState(seed).choice(positives, size, replace=False)
    train = np.sort(np.concatenate([np.flatnonzero(y_train != positive), positives]))
    test = np.arange(len(y_train), len(y_train) + len(y_test))
    y = (np.concatenate([y_train, y_test]) == positive).astype(int)
    return train, test, y


def score(estimator, X, y, train, test, seed):
    """Fit a clone of ``estimator`` on rows ``train`` (seeded with ``seed``) and
    score it on rows ``test`` of the 0/1 labels ``y``: balanced accuracy,
    positive recall, G-mean, average precision (of ``predict_proba``'s
    positive column), whether it predicted one class, and the fit time."""
    estimator, fit_time = fit_timed(estimator, X, y, train, seed)
    X_test, y_test = take(X, test), y[test]
    pred = estimator.predict(X_test)
    positive = list(estimator.classes_).index(1)
    proba = estimator.predict_proba(X_test)[:, positive]
    return {
        "balanced_accuracy": balanced_accuracy_score(y_test, pred),
        "positive_recall": recall_score(y_test, pred, zero_division=0),
        "g_mean": geometric_mean_score(y_test, pred),
        "average_precision": average_precision_score(y_test, proba),
        "single_class": len(np.unique(pred)) == 1,
        "fit_time_s": fit_time,
        "estimator": estimator,
    }
