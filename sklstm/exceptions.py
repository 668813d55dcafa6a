"""Warnings and errors that sklstm raises."""


class CollapseWarning(UserWarning):
    """The fitted model predicts one class for (nearly) every sequence.

    Raised at the end of ``fit`` when several classes are present but at least
    99% of the predictions on the monitored data go to one class (see
    :class:`sklstm.LSTMSequenceClassifier`).
    """


class TrainingDivergedError(ValueError):
    """The training loss became NaN or infinite; the fit was stopped."""
