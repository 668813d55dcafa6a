"""Any imbalanced-learn sampler on fixed-length sequences, via flattening."""

import numpy as np
from imblearn.base import BaseSampler
from sklearn.base import clone

from sklstm._compat import HasMethods, get_tags
from sklstm.resampling._base import SequenceSamplerMixin


class FlattenedSampler(SequenceSamplerMixin, BaseSampler):
    """Run an imbalanced-learn sampler on sequences flattened to 2-D.

    Fixed-length sequences ``(n_samples, n_timesteps, n_features)`` are
    reshaped to ``(n_samples, n_timesteps * n_features)``, resampled by
    ``sampler`` (SMOTE, ADASYN, BorderlineSMOTE, NearMiss, TomekLinks,
    EditedNearestNeighbours, ...) and reshaped back. The wrapped sampler's
    parameters stay reachable, e.g. ``flattenedsampler__sampler__k_neighbors``
    in a ``GridSearchCV``.

    Parameters
    ----------
    sampler : imbalanced-learn sampler
        Cloned and fitted on the flattened sequences; its
        ``sampling_strategy`` decides the class counts.

    Attributes
    ----------
    sampler_ : sampler
        The fitted clone of ``sampler``.
    sample_indices_ : ndarray of shape (n_new_samples,)
        Copied from ``sampler_`` when it has one; absent otherwise (also after
        a refit with a sampler that has none).
    n_features_in_ : int
        Time steps of the input.

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn.under_sampling import NearMiss
    >>> from sklstm.resampling import FlattenedSampler
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(30, 8, 2)), np.array([0] * 24 + [1] * 6)
    >>> X_res, y_res = FlattenedSampler(NearMiss()).fit_resample(X, y)
    >>> X_res.shape
    (12, 8, 2)
    """

    _sampling_type = "bypass"
    _accepts_ragged = False
    _parameter_constraints: dict = {"sampler": [HasMethods(["fit_resample"])]}

    def __init__(self, sampler):
        super().__init__()
        self.sampler = sampler

    @property
    def _dtype(self):
        return None if get_tags(self.sampler).input_tags.string else "numeric"

    @property
    def _ensure_all_finite(self):
        return not get_tags(self.sampler).input_tags.allow_nan

    def _fit_resample(self, X, y):
        self.sampler_ = clone(self.sampler)
        X_res, y_res = self.sampler_.fit_resample(X.reshape(len(X), -1), y)
        if hasattr(self.sampler_, "sample_indices_"):
            self.sample_indices_ = self.sampler_.sample_indices_
        elif hasattr(self, "sample_indices_"):
            del self.sample_indices_  # a previous fit's: not about this data
        return np.asarray(X_res).reshape(-1, *X.shape[1:]), y_res

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.sampler)
        tags.sampler_tags.sample_indices = inner.sampler_tags.sample_indices
        tags.input_tags.string = inner.input_tags.string
        return tags
