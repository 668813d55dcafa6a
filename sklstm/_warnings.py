"""Warnings that point at the user's line, however deep sklstm called them."""

import sys
import warnings
from pathlib import Path

import sklearn.base

# Frames in these files are skipped: sklstm itself, and scikit-learn's
# ``_fit_context`` wrapper around every fit.
_INTERNAL = (str(Path(__file__).resolve().parent), sklearn.base.__file__)


def warn(message, category):
    """``warnings.warn`` attributed to the first caller outside sklstm."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_INTERNAL):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
