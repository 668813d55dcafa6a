"""Warnings and errors that sklstm raises."""

from sklstm._atomic_fit import KeepFittedState

__all__ = ["CollapseWarning", "FitInterrupted", "TrainingDivergedError"]


class CollapseWarning(UserWarning):
    """The fitted model predicts one class for (nearly) every sequence.

    Raised at the end of ``fit`` when several classes are present but at least
    99% of the predictions on the monitored data go to one class (see
    :class:`sklstm.LSTMSequenceClassifier`).
    """


class TrainingDivergedError(ValueError):
    """The training loss became NaN or infinite; the fit was stopped."""


class FitInterrupted(KeepFittedState, KeyboardInterrupt):
    """``fit`` was interrupted (Ctrl-C); the estimator kept what it had learnt.

    A :class:`KeyboardInterrupt`, so scripts and searches stop as usual. The
    estimator holds the weights of the epoch its ``best_epoch_`` names and can
    predict or continue training.
    """
