"""The published protocol of the UCR/UEA "bake off" results, and their figures.

Resample 0 is the archive's official TRAIN/TEST split. Resample ``k > 0``
pools TRAIN then TEST, takes one ``numpy.random.RandomState(k)`` and, for each
class in sorted label order, shuffles that class's pooled indices and takes
the official train count of that class as training rows; the rest are test
rows. This is ``stratified_resample_data`` of ``tsml-eval``, which produced
the 30 resamples behind the published figures (Middlehurst, Schäfer & Bagnall
2024, "Bake off redux"), so a score over resamples 0..K-1 compares like with
like with ``published_balanced_accuracy.csv``.
"""

import csv
import time
import warnings
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np
from imblearn.metrics import geometric_mean_score
from imblearn.pipeline import make_pipeline
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    recall_score,
)
from sklearn.model_selection import StratifiedKFold

from sklstm.datasets import (
    fetch_ucr,
    load_earthquakes,
    load_ecg200,
    load_folder,
    load_wafer,
)
from sklstm.datasets._base import _concat  # the loaders' own TRAIN+TEST pooling
from sklstm.exceptions import CollapseWarning

HERE = Path(__file__).resolve().parent
PUBLISHED = HERE / "published_balanced_accuracy.csv"


def published_resample(y_train, y_test, k):
    """Row indices ``(train, test)`` of resample ``k`` into TRAIN + TEST pooled.

    Parameters
    ----------
    y_train, y_test : array-like of shape (n_train,), (n_test,)
        Labels of the official TRAIN and TEST files.
    k : int
        Resample number; 0 is the official split.

    Returns
    -------
    train, test : ndarray of int
        Indices into the pooled data (TRAIN rows first). Every class keeps its
        official number of training rows.
    """
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    n_train = len(y_train)
    if k == 0:
        return np.arange(n_train), np.arange(n_train, n_train + len(y_test))
    pooled = np.concatenate([y_train, y_test])
    rng = np.random.RandomState(k)
    labels, counts = np.unique(y_train, return_counts=True)
    missing = np.setdiff1d(np.unique(y_test), labels)
    if len(missing):
        raise ValueError(f"Test labels {missing.tolist()} have no training rows.")
    train, test = [], []
    for label, count in zip(labels, counts, strict=True):
        rows = np.flatnonzero(pooled == label)
        rng.shuffle(rows)
        train.append(rows[:count])
        test.append(rows[count:])
    return np.concatenate(train), np.concatenate(test)


def load_published(path=PUBLISHED):
    """``{dataset: {classifier: (resample-0 figure, 30-resample mean)}}``.

    The ``best:<name>`` rows are stored under ``"best"`` as
    ``(resample-0 figure, 30-resample mean, name)``.
    """
    table = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            scores = (
                float(row["balanced_accuracy_resample0"]),
                float(row["balanced_accuracy_mean30"]),
            )
            method = row["classifier"]
            if method.startswith("best:"):
                table.setdefault(row["dataset"], {})["best"] = (
                    *scores,
                    method.removeprefix("best:"),
                )
            else:
                table.setdefault(row["dataset"], {})[method] = scores
    return table


class Task(NamedTuple):
    """One dataset as the protocol sees it.

    ``X`` pools TRAIN then TEST; ``y_train``/``y_test`` are the official
    files' labels. ``y_test`` is None where no official TEST file exists (the
    bundled Wafer TRAIN file): such a set is split by stratified K-fold CV of
    the pool instead, which is not the published protocol.
    """

    X: object
    y_train: np.ndarray
    y_test: np.ndarray | None

    @property
    def y(self):
        if self.y_test is None:
            return self.y_train
        return np.concatenate([self.y_train, self.y_test])

    @property
    def median_length(self):
        """Median steps of the training series."""
        return float(
            np.median([len(x) for x in take(self.X, range(len(self.y_train)))])
        )

    @property
    def imbalance(self):
        """Largest over smallest class of the training labels."""
        _, counts = np.unique(self.y_train, return_counts=True)
        return counts.max() / counts.min()

    @property
    def official(self):
        return self.y_test is not None

    def splits(self, n_resamples):
        """``n_resamples`` pairs of (train, test) row indices into ``X``."""
        if self.official:
            return [
                published_resample(self.y_train, self.y_test, k)
                for k in range(n_resamples)
            ]
        cv = StratifiedKFold(max(n_resamples, 2), shuffle=True, random_state=0)
        return list(cv.split(np.zeros(len(self.y)), self.y))[:n_resamples]


def add_data_arguments(parser):
    """``--data DIR`` or ``--fetch NAME ...``: where a script's series come from."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--data",
        type=Path,
        help="a folder in load_folder's layout (ucr/<Name>/<Name>_TRAIN.tsv ...); "
        "default: the datasets bundled with sklstm",
    )
    source.add_argument(
        "--fetch",
        nargs="+",
        metavar="NAME",
        help="UCR/UEA archive sets by name, downloaded once by "
        "sklstm.datasets.fetch_ucr (cached under $SKLSTM_DATA_HOME or "
        "~/sklstm_data)",
    )


# The groups of the suite's summary: (name, test on a Task).
GROUPS = (
    ("few training series (< 50)", lambda task: len(task.y_train) < 50),
    ("many classes (>= 10)", lambda task: len(np.unique(task.y_train)) >= 10),
    ("long series (>= 500 steps)", lambda task: task.median_length >= 500),
    ("imbalanced (largest / smallest class >= 4)", lambda task: task.imbalance >= 4),
)
REST = "the rest"


def groups(task):
    """The summary groups ``task`` belongs to (a set can be in several), or
    ``[REST]``."""
    return [name for name, test in GROUPS if test(task)] or [REST]


def official_task(load):
    """The :class:`Task` of a loader of the official TRAIN and TEST files
    (``load(subset=..., return_X_y=True)``)."""
    train = load(subset="train", return_X_y=True)
    test = load(subset="test", return_X_y=True)
    return Task(_concat([train, test])[0], train[1], test[1])


def load_tasks(quick, data, fetch=None):
    """Series datasets by name: the archive sets named in ``fetch``
    (:func:`sklstm.datasets.fetch_ucr`), else every series set under ``data``
    (a folder in :func:`sklstm.datasets.load_folder`'s layout), else the
    bundled ones (ECG200 and Earthquakes; Wafer too outside ``quick`` mode)."""
    if fetch:
        return {name: official_task(partial(fetch_ucr, name)) for name in fetch}
    if data is not None and not Path(data).is_dir():
        raise SystemExit(f"--data {data}: no such folder.")
    if quick or data is None:
        found = {
            "ECG200": load_ecg200,
            "Earthquakes": load_earthquakes,
        }
        tasks = {name: official_task(load) for name, load in found.items()}
        if not quick:
            X, y = load_wafer(return_X_y=True)
            tasks["Wafer"] = Task(X, y, None)
        return tasks
    train = load_folder(data, subset="train")
    test = load_folder(data, subset="test")
    tasks = {}
    for name, dataset in train.items():
        if isinstance(dataset.X[0], str):
            continue  # text: benchmarks/sms_spam.py
        if name in test:
            X, _ = _concat([dataset[:2], test[name][:2]])
            tasks[name] = Task(X, dataset.y, test[name].y)
        else:
            tasks[name] = Task(dataset.X, dataset.y, None)
    return tasks


def take(X, rows):
    return X[rows] if isinstance(X, np.ndarray) else [X[i] for i in rows]


def fit_timed(estimator, X, y, train, seed):
    """A clone of ``estimator`` (every ``random_state`` set to ``seed``) fitted
    on rows ``train``, and the seconds its fit took."""
    estimator = clone(estimator)
    estimator.set_params(
        **{k: seed for k in estimator.get_params() if k.endswith("random_state")}
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        estimator.fit(take(X, train), y[train])
    return estimator, time.perf_counter() - start


def evaluate(estimator, X, y, train, test, seed):
    """Fit a clone of ``estimator`` (every ``random_state`` set to ``seed``) on
    rows ``train``, score rows ``test``; return the metrics, the fit time and
    the fitted estimator."""
    labels, counts = np.unique(y[train], return_counts=True)
    minority = labels[np.argmin(counts)]
    estimator, fit_time = fit_timed(estimator, X, y, train, seed)
    pred = estimator.predict(take(X, test))
    y_test = y[test]
    return {
        "balanced_accuracy": balanced_accuracy_score(y_test, pred),
        "f1_macro": f1_score(y_test, pred, average="macro"),
        "minority_recall": recall_score(
            y_test, pred, labels=[minority], average="macro", zero_division=0
        ),
        "g_mean": geometric_mean_score(y_test, pred, average="multiclass"),
        "accuracy": accuracy_score(y_test, pred),
        "single_class": len(np.unique(pred)) == 1,
        "fit_time_s": fit_time,
        "estimator": estimator,
    }


class PadChannelsFirst(TransformerMixin, BaseEstimator):
    """Sequences as the 3-D ``(n, channels, steps)`` array aeon expects:
    zero-padded at the end (or cut) to the longest training length."""

    def fit(self, X, y=None):
        self.length_ = max(len(x) for x in X)
        return self

    def transform(self, X):
        rows = [np.asarray(x, dtype=np.float32) for x in X]
        rows = [x[:, None] if x.ndim == 1 else x for x in rows]
        values = np.zeros((len(rows), self.length_, rows[0].shape[1]), np.float32)
        for i, x in enumerate(rows):
            values[i, : min(len(x), self.length_)] = x[: self.length_]
        return values.transpose(0, 2, 1).copy()


def minirocket():
    """aeon's MiniRocketClassifier on the same sequences."""
    from aeon.classification.convolution_based import MiniRocketClassifier

    return make_pipeline(
        PadChannelsFirst(), MiniRocketClassifier(n_jobs=1, random_state=0)
    )
