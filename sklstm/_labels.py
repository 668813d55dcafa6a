"""Class labels as plain Python values, for messages and history keys."""

import numpy as np


def plain(value):
    """A numpy scalar as the matching Python scalar, an array as a list of
    them (``1``, not ``np.int64(1)``); anything else unchanged."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    return value
