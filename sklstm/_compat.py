"""Every private scikit-learn name sklstm uses, imported in one place.

Private names move between scikit-learn releases; when one breaks, this is the
only module to mend.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "HasMethods",
    "Interval",
    "StrOptions",
    "_check_sample_weight",
    "_fit_context",
]
