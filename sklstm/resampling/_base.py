"""What every sklstm sampler shares: sequence validation and container handling.

imbalanced-learn's ``BaseSampler._check_X_y`` rejects 3-D arrays and ragged
lists. The mixin below validates sequences instead and hands results back in
the container they came in: an array stays an array of the same dimensions, a
list becomes a list of per-sequence arrays, an object array stays one.
"""

import numpy as np
from imblearn.utils import check_sampling_strategy, check_target_type
from scipy.sparse import csr_matrix, issparse
from sklearn.preprocessing import label_binarize
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, validate_data

from sklstm._atomic_fit import atomic_fit
from sklstm._compat import ArraysTransformer
from sklstm._sequences import (
    Sequences,
    as_3d,
    check_all_finite,
    check_axes_not_empty,
    check_ragged_rows,
    is_ragged,
    nested_rows,
    pad,
)


def as_object_rows(rows):
    """A 1-D object array holding ``rows`` (arrays of any shapes)."""
    out = np.empty(len(rows), dtype=object)
    out[:] = list(rows)
    return out


class SequenceSamplerMixin:
    """Sequence-aware ``_check_X_y`` and ``fit_resample`` for imblearn samplers.

    Mix in left of an imbalanced-learn base sampler. ``_fit_resample`` then
    receives either a 2-D/3-D array (fixed-length sequences) or a 1-D object
    array of ``(t_i, n_features)`` arrays (variable-length sequences); rows can
    be picked from both with ``X[indices]``.

    Class attributes
    ----------------
    _accepts_ragged : bool
        Whether variable-length sequences are supported.
    _dtype : dtype, tuple of dtypes or None
        Passed to validation: None keeps any dtype (rows are only copied),
        a tuple keeps those dtypes and converts others to the first.
    _ensure_all_finite : bool
        Whether NaN and infinity are rejected.
    _accept_sparse : bool
        Whether ``_fit_resample`` takes 2-D sparse matrices (univariate
        sequences) as they are; otherwise it gets them dense and the result is
        made sparse again.
    _ragged_hint : str
        What the error on variable-length input suggests instead.
    """

    _accepts_ragged = True
    _ragged_hint = (
        "Pad or resample them to one length first, or use SequenceRandomOverSampler."
    )
    _dtype = None
    _ensure_all_finite = False
    _accept_sparse = False

    def _check_X_y(self, X, y, accept_sparse=None):
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        X = nested_rows(X)
        if is_ragged(X):
            if not self._accepts_ragged:
                raise ValueError(
                    f"{type(self).__name__} needs sequences of equal length; got "
                    f"variable-length sequences. {self._ragged_hint}"
                )
            X = as_object_rows(
                check_ragged_rows(X, self._dtype, self._ensure_all_finite)
            )
            check_consistent_length(X, y)
            if hasattr(self, "n_features_in_"):
                del self.n_features_in_
            return X, y, binarize_y
        X, y = validate_data(
            self,
            X,
            y,
            reset=True,
            allow_nd=True,
            accept_sparse=["csr", "csc"],
            dtype=self._dtype,
            # Sparse matrices hold no NaN gaps to name: scikit-learn checks them.
            ensure_all_finite=self._ensure_all_finite and issparse(X),
        )
        if X.ndim > 3:
            raise ValueError(
                f"X must be 2-D (n_samples, n_timesteps), 3-D (n_samples, "
                f"n_timesteps, n_features) or a list of sequences; got {X.ndim}-D."
            )
        check_axes_not_empty(X)
        if self._ensure_all_finite and not issparse(X):
            check_all_finite(X)
        return X, y, binarize_y

    @atomic_fit(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y, **params):
        """Resample the sequences.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of arrays
            Sequences; a list of ``(t_i, n_features)`` or ``(t_i,)`` arrays for
            variable lengths (where the sampler supports them).
        y : array-like of shape (n_samples,)
            Class labels.
        **params : dict
            Passed to the resampling.

        Returns
        -------
        X_resampled : same container as X
            An array stays an array, a list becomes a list of arrays (one per
            sequence), an object array stays an object array.
        y_resampled : array-like of shape (n_samples_new,)
            The labels of ``X_resampled``.
        """
        check_classification_targets(y)
        arrays = ArraysTransformer(X, y)
        X_checked, y_checked, binarize_y = self._check_X_y(X, y)
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y_checked, self._sampling_type
        )
        sparse_format = X_checked.format if issparse(X_checked) else None
        if sparse_format and not self._accept_sparse:
            X_res, y_res = self._fit_resample(X_checked.toarray(), y_checked, **params)
            X_res = csr_matrix(X_res).asformat(sparse_format)
        else:
            X_res, y_res = self._fit_resample(X_checked, y_checked, **params)
        if binarize_y:
            y_res = label_binarize(y_res, classes=np.unique(y_checked))
        if X_checked.dtype == object and X_checked.ndim == 1:
            # Fresh arrays: a repeated sequence must alias neither its copies
            # nor the caller's input. Ragged rows are 2-D; give 1-D sequences
            # back as they came.
            rows = [np.array(x) for x in X_res]
            if np.ndim(X[0]) == 1:
                rows = [x[:, 0] for x in rows]
            X_res = as_object_rows(rows)
        elif isinstance(X, (list, tuple)):
            X_res = as_object_rows(X_res)
        X_res, y_res = arrays.transform(X_res, y_res)
        return X_res, y_res

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = not self._ensure_all_finite
        return tags


def to_sequences(X):
    """What ``_fit_resample`` receives, as :class:`~sklstm._sequences.Sequences`."""
    if X.dtype == object and X.ndim == 1:
        return pad(list(X))
    X = as_3d(X)
    return Sequences(X, np.full(len(X), X.shape[1], dtype=np.int64))


def like_input(sequences, X):
    """``sequences`` in the form of ``_fit_resample``'s input ``X``."""
    if X.dtype == object and X.ndim == 1:
        return as_object_rows(
            [sequences.values[i, :n] for i, n in enumerate(sequences.lengths)]
        )
    return sequences.values if X.ndim == 3 else sequences.values[:, :, 0]
