"""Every private scikit-learn and imbalanced-learn name sklstm uses, in one place.

Private names move between releases; when one breaks, this is the only module
to mend.
"""

from imblearn.utils._docstring import Substitution
from imblearn.utils._tags import get_tags
from imblearn.utils._validation import ArraysTransformer
from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "ArraysTransformer",
    "HasMethods",
    "Interval",
    "StrOptions",
    "Substitution",
    "_check_sample_weight",
    "_fit_context",
    "get_tags",
]
