"""Collapse onto one class: when it counts as one, and what the user is told."""

import numpy as np

from sklstm._labels import plain
from sklstm._warnings import warn
from sklstm.exceptions import CollapseWarning

# At least this share of the predictions on one class counts as a collapse ...
COLLAPSE_SHARE = 0.99
# ... when at least this share of the data belongs to the other classes.
COLLAPSE_MIN_OTHERS = 0.02


def is_collapsed(confusion):
    """Whether predictions went to one class although other classes are present.

    True when at least ``COLLAPSE_SHARE`` of the predictions are one class while
    at least ``COLLAPSE_MIN_OTHERS`` of the samples belong to other classes.
    """
    total = confusion.sum()
    if total == 0:
        return False
    predicted = confusion.sum(axis=0)
    top = int(np.argmax(predicted))
    others = 1.0 - confusion[top].sum() / total
    return predicted[top] / total >= COLLAPSE_SHARE and others >= COLLAPSE_MIN_OTHERS


def warn_if_collapsed(name, classes, confusion, validated):
    """Emit a :class:`CollapseWarning` with the cures when ``confusion`` (true x
    predicted counts, on the validation split if ``validated``) is collapsed."""
    if confusion is None or not is_collapsed(confusion):
        return
    predicted = confusion.sum(axis=0)
    top = int(np.argmax(predicted))
    where = "validation" if validated else "training"
    label = plain(classes[top])
    warn(
        f"{name} predicts class {label!r} for "
        f"{predicted[top] / predicted.sum():.0%} of the {where} sequences "
        f"although {1 - confusion[top].sum() / confusion.sum():.0%} of them "
        "belong to other classes: the model has collapsed onto one class. "
        "Cures: class_weight='balanced', resampling the training data (e.g. "
        "sklstm.resampling.SequenceRandomOverSampler in an imblearn "
        "Pipeline), or early_stopping=True.",
        CollapseWarning,
    )
