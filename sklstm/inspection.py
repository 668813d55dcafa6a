"""Seeing a fit: the training history, drawn.

:class:`TrainingHistoryDisplay` follows scikit-learn's display conventions
(``from_estimator``, ``plot``, ``ax_``, ``figure_``) and draws what
``history_`` records by epoch: the losses, the recall of each class and the
share of predictions going to the most-predicted class beside the level at
which sklstm calls that a collapse. Needs matplotlib, the ``plot`` extra:
``pip install "sklstm[plot]"``.
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from sklstm._classifier import LSTMSequenceClassifier
from sklstm._collapse import COLLAPSE_SHARE

__all__ = ["TrainingHistoryDisplay"]

# The recall panel names each class in its legend up to this many classes.
MAX_NAMED_CLASSES = 10


def _pyplot():
    """matplotlib's pyplot and ticker modules, or an ImportError naming the
    extra."""
    try:
        import matplotlib.pyplot as plt
        from matplotlib import ticker
    except ImportError as error:
        raise ImportError(
            'TrainingHistoryDisplay needs matplotlib: pip install "sklstm[plot]" '
            "(or pip install matplotlib)."
        ) from error
    return plt, ticker


class TrainingHistoryDisplay:
    """The training history of an :class:`~sklstm.LSTMSequenceClassifier`.

    Three panels, by epoch: the training and validation losses; the recall of
    each class (on the validation split when there is one, else on the
    training batches) and the validation score; the share of predictions that
    go to the most-predicted class, with the level above which sklstm calls
    it a collapse onto one class. A dashed vertical line marks the epoch whose
    weights the model holds, and a shaded span the epochs of an early-stopped
    fit's refit.

    Build it with :meth:`from_estimator`; the constructor takes the history
    itself.

    Parameters
    ----------
    history : list of dict
        One entry per epoch, as ``history_`` records them (``epoch``,
        ``train_loss``, ``train_recall``, ``train_majority_share``, and with a
        validation split ``valid_loss``, ``valid_recall``,
        ``valid_majority_share``, ``valid_score``; ``refit: True`` on the
        epochs of a refit).
    best_epoch : int or None, default=None
        The epoch whose weights the model holds (``best_epoch_``).
    collapse_share : float, default=0.99
        The share of predictions on one class that counts as a collapse.
    estimator_name : str or None, default=None
        Shown in the figure's title.

    Attributes
    ----------
    ax_ : ndarray of matplotlib Axes, shape (3,)
        The panels: losses, recall, majority share.
    figure_ : matplotlib Figure
        The figure holding them.

    See Also
    --------
    sklearn.metrics.RocCurveDisplay : The display conventions followed here.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklstm import LSTMSequenceClassifier
    >>> from sklstm.inspection import TrainingHistoryDisplay
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 12, 1)).astype(np.float32)
    >>> y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    >>> clf = LSTMSequenceClassifier(
    ...     max_epochs=8, early_stopping=True, random_state=0
    ... ).fit(X, y)
    >>> display = TrainingHistoryDisplay.from_estimator(clf)
    >>> display.ax_.shape
    (3,)
    """

    def __init__(
        self,
        *,
        history,
        best_epoch=None,
        collapse_share=COLLAPSE_SHARE,
        estimator_name=None,
    ):
        self.history = history
        self.best_epoch = best_epoch
        self.collapse_share = collapse_share
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None):
        """Draw the history of a fitted classifier, or of the classifier
        that ends a fitted pipeline.

        Parameters
        ----------
        estimator : LSTMSequenceClassifier or Pipeline
            Fitted.
        ax : array-like of 3 matplotlib Axes or None, default=None
            Where to draw the three panels; None: a new figure.
        name : str or None, default=None
            The title; None: the classifier's class name.

        Returns
        -------
        display : TrainingHistoryDisplay
            With ``ax_`` and ``figure_`` set.
        """
        clf = estimator[-1] if hasattr(estimator, "steps") else estimator
        if not isinstance(clf, LSTMSequenceClassifier):
            raise TypeError(
                "TrainingHistoryDisplay draws the history of an "
                "LSTMSequenceClassifier (or a pipeline ending in one); got "
                f"{type(clf).__name__}."
            )
        check_is_fitted(clf, "history_")
        display = cls(
            history=clf.history_,
            best_epoch=clf.best_epoch_,
            estimator_name=name or type(clf).__name__,
        )
        return display.plot(ax=ax)

    def plot(self, ax=None):
        """Draw the three panels.

        Parameters
        ----------
        ax : array-like of 3 matplotlib Axes or None, default=None
            Where to draw the losses, the recall and the majority share;
            None: a new figure with three panels side by side.

        Returns
        -------
        self : TrainingHistoryDisplay
        """
        plt, ticker = _pyplot()
        if not self.history:
            raise ValueError("The history is empty: the model trained no epoch.")
        if ax is None:
            figure, ax = plt.subplots(1, 3, figsize=(12, 3.5))
        ax = np.asarray(ax, dtype=object).ravel()
        if ax.shape != (3,):
            raise ValueError(f"ax must hold 3 Axes, one per panel; got {ax.size}.")
        figure = ax[0].figure
        epochs = [entry["epoch"] for entry in self.history]
        validated = any("valid_loss" in entry for entry in self.history)
        self._plot_losses(ax[0], epochs)
        self._plot_recall(ax[1], epochs, "valid" if validated else "train")
        self._plot_shares(ax[2], epochs)
        refit = [entry["epoch"] for entry in self.history if entry.get("refit")]
        for panel in ax:
            if refit:
                panel.axvspan(
                    min(refit) - 0.5, max(refit) + 0.5, color="0.9", label="refit"
                )
            if self.best_epoch:
                panel.axvline(
                    self.best_epoch, color="0.3", linestyle="--", label="kept epoch"
                )
            panel.set_xlabel("epoch")
            panel.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
            panel.legend(fontsize="small")
        if self.estimator_name:
            figure.suptitle(self.estimator_name)
        self.ax_, self.figure_ = ax, figure
        return self

    def _plot_recorded(self, ax, key, epochs, **style):
        """Draw ``key`` of each entry by epoch (NaN where an epoch lacks it),
        if any epoch records it."""
        if any(key in entry for entry in self.history):
            values = [entry.get(key, np.nan) for entry in self.history]
            ax.plot(epochs, np.asarray(values, dtype=float), **style)

    def _plot_losses(self, ax, epochs):
        self._plot_recorded(ax, "train_loss", epochs, label="training loss")
        self._plot_recorded(ax, "valid_loss", epochs, label="validation loss")
        ax.set_ylabel("loss")

    def _plot_recall(self, ax, epochs, split):
        labels = next(
            entry[f"{split}_recall"]
            for entry in self.history
            if f"{split}_recall" in entry
        )
        for label in labels:
            recall = [
                entry.get(f"{split}_recall", {}).get(label, np.nan)
                for entry in self.history
            ]
            # A legend of a few classes; beyond that, the lines alone.
            named = len(labels) <= MAX_NAMED_CLASSES
            ax.plot(epochs, recall, label=f"class {label!r}" if named else None)
        self._plot_recorded(
            ax, "valid_score", epochs, color="black", label="validation score"
        )
        where = "validation" if split == "valid" else "training"
        ax.set_ylabel(f"{where} recall")
        ax.set_ylim(-0.05, 1.05)

    def _plot_shares(self, ax, epochs):
        self._plot_recorded(ax, "train_majority_share", epochs, label="training")
        self._plot_recorded(ax, "valid_majority_share", epochs, label="validation")
        ax.axhline(
            self.collapse_share, color="tab:red", linestyle=":", label="collapse"
        )
        ax.set_ylabel("share of the most-predicted class")
        ax.set_ylim(0, 1.05)
