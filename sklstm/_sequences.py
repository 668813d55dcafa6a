"""Input handling: 2-D, 3-D and ragged sequences to one padded array + lengths.

Every public estimator of sklstm accepts three layouts:

* a 3-D array ``(n_samples, n_timesteps, n_features)`` (PyTorch ``batch_first``);
* a 2-D array ``(n_samples, n_timesteps)``, read as univariate sequences;
* a list (or 1-D object array) of arrays of different lengths, each of shape
  ``(t_i, n_features)`` or ``(t_i,)``: variable-length ("ragged") sequences.

They are all turned into :class:`Sequences`: one zero-padded float array of shape
``(n_samples, max_length, n_channels)`` plus the true length of each sequence.
"""

import sys
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from sklearn.utils import column_or_1d
from sklearn.utils.validation import check_array, check_consistent_length, validate_data

from sklstm._warnings import warn

# The dtypes real-valued sequences keep (others are converted to the first).
FLOAT_DTYPES = (np.float64, np.float32)


@dataclass(frozen=True)
class Sequences:
    """Sequences as one zero-padded array and the true length of each row.

    Parameters
    ----------
    values : ndarray of shape (n_samples, max_length, n_channels)
        The sequences, zero-padded after each one's true length.
    lengths : ndarray of shape (n_samples,), dtype int64
        The number of real time steps of each sequence (at least 1).
    layout : Layout or None
        How the input came in, when it came through :func:`validate_sequences`.
    """

    values: np.ndarray
    lengths: np.ndarray
    layout: "Layout | None" = None

    @property
    def n_samples(self):
        return self.values.shape[0]

    @property
    def n_channels(self):
        return self.values.shape[2]

    @cached_property
    def real(self):
        """Boolean mask (n_samples, max_length): True at each row's real steps."""
        return np.arange(self.values.shape[1])[None, :] < self.lengths[:, None]

    @cached_property
    def equal_length(self):
        """True when no sequence is padded."""
        return bool(np.all(self.lengths == self.values.shape[1]))

    def batch(self, indices):
        """Rows ``indices``, trimmed to their longest member.

        Returns the values (a new C-contiguous array) and the lengths, or ``None``
        for the lengths when every row of the batch has the same length (then no
        packing is needed downstream).
        """
        if self.equal_length:
            return np.ascontiguousarray(self.values[indices]), None
        lengths = self.lengths[indices]
        longest = int(lengths.max())
        values = np.ascontiguousarray(self.values[indices, :longest])
        if np.all(lengths == longest):
            return values, None
        return values, lengths


def nested_rows(X):
    """A pandas Series of sequences (sktime's nested column) as a 1-D object
    array of them, and a DataFrame of them (one column per channel, sequences
    of one length per row) as one ``(t_i, n_channels)`` array per row;
    anything else unchanged."""
    pd = sys.modules.get("pandas")
    if pd is None or not isinstance(X, (pd.Series, pd.DataFrame)):
        return X
    if isinstance(X, pd.Series):
        return X.to_numpy() if X.dtype.kind == "O" else X
    if len(X.columns) == 0 or any(dtype.kind != "O" for dtype in X.dtypes):
        return X
    rows = np.empty(len(X), dtype=object)
    for i, cells in enumerate(X.itertuples(index=False)):
        lengths = {np.size(cell) for cell in cells}
        if len(lengths) > 1:
            raise ValueError(
                f"Row {i} of the DataFrame holds sequences of lengths "
                f"{sorted(lengths)}; its channels (columns) must share one length."
            )
        rows[i] = np.column_stack([np.asarray(cell) for cell in cells])
    return rows


def is_ragged(X):
    """Whether ``X`` is a collection of sequences of different lengths.

    A list, tuple or 1-D object array whose members are array-likes of at least
    one dimension and do not all share one shape.
    """
    if isinstance(X, np.ndarray):
        if X.dtype != object or X.ndim != 1:
            return False
    elif not isinstance(X, (list, tuple)):
        return False
    if len(X) == 0:
        return False
    shapes = set()
    for x in X:
        if isinstance(x, (str, bytes)) or np.ndim(x) == 0:
            return False
        shapes.add(np.shape(x))
    return len(shapes) > 1 or isinstance(X, np.ndarray)


def _as_dtype(x, dtype):
    """``np.asarray(x)`` in ``dtype``: one dtype, a tuple to keep (else the
    first), or None to keep whatever ``x`` has."""
    if dtype is None:
        return np.asarray(x)
    if isinstance(dtype, (tuple, list)):
        x = np.asarray(x)
        return x if x.dtype in dtype else x.astype(dtype[0])
    return np.asarray(x, dtype=dtype)


def check_ragged_rows(X, dtype=np.float32, ensure_all_finite=True):
    """Validate variable-length sequences; return them as 2-D arrays.

    Each sequence becomes ``(t_i, n_features)``; a ``ValueError`` or
    ``TypeError`` names the first sequence that is empty, of the wrong shape,
    of another channel count, not numeric, or (with ``ensure_all_finite``) not
    finite (``"allow-nan"``: infinite).
    """
    rows = []
    for i, x in enumerate(X):
        if np.iscomplexobj(x):
            raise ValueError(
                f"Complex data not supported: sequence {i} of X holds complex "
                "values; pass their real and imaginary parts as two channels."
            )
        try:
            x = _as_dtype(x, dtype)
            if ensure_all_finite:
                finite = np.isfinite(x).all()
        except (TypeError, ValueError) as exc:
            raise type(exc)(
                f"Sequence {i} of X could not be converted to numbers: {exc}"
            ) from exc
        if x.ndim == 1:
            x = x[:, np.newaxis]
        if x.ndim != 2:
            raise ValueError(
                f"Each sequence of a ragged X must have shape (n_timesteps,) or "
                f"(n_timesteps, n_features); sequence {i} has shape {x.shape}."
            )
        if x.shape[0] == 0:
            raise ValueError(
                f"Sequence {i} of X has length 0; every sequence needs at least "
                "one time step."
            )
        if x.shape[1] == 0:
            raise ValueError(
                f"Sequence {i} of X has 0 features (channels) per time step; "
                "every sequence needs at least one."
            )
        if rows and x.shape[1] != rows[0].shape[1]:
            raise ValueError(
                f"All sequences must have the same number of features (channels): "
                f"sequence 0 has {rows[0].shape[1]}, sequence {i} has {x.shape[1]}."
            )
        if ensure_all_finite and not finite:
            check_finite(x, i, allow_nan=ensure_all_finite == "allow-nan")
        rows.append(x)
    return rows


def check_all_finite(X, *, allow_nan=False, block=1024):
    """:func:`check_finite` on each sequence of an array ``X``, without a
    copy of it: a finite sum (the common case) clears it at once, else the
    sequences are looked at ``block`` at a time."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(X.sum()):
            return
    for start in range(0, len(X), block):
        flat = X[start : start + block].reshape(min(block, len(X) - start), -1)
        offending = (np.isinf(flat) if allow_nan else ~np.isfinite(flat)).any(axis=1)
        if offending.any():
            first = start + int(np.argmax(offending))
            check_finite(X[first], first, allow_nan=allow_nan)


def check_finite(x, sequence, *, allow_nan=False):
    """Refuse infinity in ``x`` (sequence number ``sequence`` of X), and NaN
    unless ``allow_nan``, with a ``ValueError`` that says what to do."""
    if np.isfinite(x).all():
        return
    if np.isinf(x).any():
        raise ValueError(
            f"Input X contains infinity (in sequence {sequence}); replace or drop "
            "those values first."
        )
    if not allow_nan:
        raise ValueError(
            f"Input X contains NaN (in sequence {sequence}): gaps in the series. "
            "Fill them with sklstm.preprocessing.SequenceImputer (forward fill, "
            "linear or zero) in the pipeline, or drop those sequences first."
        )


# pad warns when the padded array is this many times the real values, and
# at least PADDING_WARN_BYTES.
PADDING_WARN_RATIO, PADDING_WARN_BYTES = 10, 2**26


def pad(rows):
    """Zero-pad 2-D rows ``(t_i, n_features)`` into :class:`Sequences`.

    The array holds every row at the longest row's length: ``n_samples x
    max_length x n_features`` values. A warning names the cost when that is
    :data:`PADDING_WARN_RATIO` times the real values and over 64 MiB (a few
    outlier lengths).
    """
    lengths = np.array([len(x) for x in rows], dtype=np.int64)
    dtype = np.result_type(*{x.dtype for x in rows})  # few dtypes, many rows
    shape = (len(rows), int(lengths.max()), rows[0].shape[1])
    padded = np.prod(shape) * dtype.itemsize
    real = int(lengths.sum()) * shape[2] * dtype.itemsize
    if padded >= PADDING_WARN_BYTES and padded > PADDING_WARN_RATIO * real:
        warn(
            f"The {shape[0]} sequences are padded to the longest, {shape[1]} "
            f"steps: {padded / 2**20:.0f} MiB for {real / 2**20:.1f} MiB of "
            f"values (median length {int(np.median(lengths))}). Truncate or "
            "split the longest sequences to save the memory.",
            UserWarning,
        )
    values = np.zeros(shape, dtype=dtype)
    for i, x in enumerate(rows):
        values[i, : len(x)] = x
    return Sequences(values, lengths)


@dataclass(frozen=True)
class Layout:
    """How X came in, so that a transformed X can go back in the same form.

    Parameters
    ----------
    ragged : bool
        A list or object array of variable-length sequences.
    container : type
        ``list``, ``tuple`` or ``numpy.ndarray``.
    row_ndim : int
        Fixed-length arrays: 2 (univariate) or 3. Ragged: 1 or 2, the
        dimensions of the first sequence.
    """

    ragged: bool
    container: type
    row_ndim: int

    def restore(self, sequences):
        """``sequences`` in this layout."""
        values = sequences.values
        if not self.ragged:
            return values if self.row_ndim == 3 else values[:, :, 0]
        rows = [
            values[i, :length] if self.row_ndim == 2 else values[i, :length, 0]
            for i, length in enumerate(sequences.lengths)
        ]
        if self.container is np.ndarray:
            out = np.empty(len(rows), dtype=object)
            out[:] = rows
            return out
        return rows


def check_axes_not_empty(X):
    """Raise a ``ValueError`` naming the axis when a 3-D ``X`` has no time
    steps or no channels (a 2-D ``X`` without columns is refused by
    scikit-learn's own validation)."""
    if X.ndim == 3 and X.shape[1] == 0:
        raise ValueError(
            f"X of shape {X.shape} has 0 time steps; every sequence needs at least one."
        )
    if X.ndim == 3 and X.shape[2] == 0:
        raise ValueError(
            f"X of shape {X.shape} has 0 features (channels) per time step; "
            "sequences need at least one."
        )


def as_3d(X):
    """Return ``X`` as ``(n_samples, n_timesteps, n_features)``; 2-D is univariate."""
    if X.ndim == 2:
        return X[:, :, np.newaxis]
    if X.ndim == 3:
        return X
    raise ValueError(
        f"X must be 2-D (n_samples, n_timesteps), 3-D (n_samples, n_timesteps, "
        f"n_features) or a list of variable-length sequences; got a {X.ndim}-D "
        f"array of shape {X.shape}."
    )


def validate_sequences(
    estimator, X, y=None, *, reset, dtype=np.float32, ensure_all_finite=True
):
    """Validate ``X`` (and ``y``) the scikit-learn way and return :class:`Sequences`.

    Fixed-length arrays go through :func:`sklearn.utils.validation.validate_data`,
    so ``n_features_in_`` is the number of time steps, as scikit-learn's checks
    expect. Ragged input has no fixed number of time steps: ``n_features_in_`` is
    removed on ``reset`` and not checked otherwise. Without ``reset`` the
    number of channels is checked against ``estimator.n_channels_``, which the
    estimator stores itself when its fit succeeds.

    Returns
    -------
    sequences : Sequences
        With ``layout`` set to how ``X`` came in.
    y : ndarray or None
        The validated targets, when ``y`` was given.
    """
    X = nested_rows(X)
    # At prediction a list of arrays may have any lengths, equal or not.
    listed = (
        not reset
        and isinstance(X, (list, tuple))
        and len(X) > 0
        and all(isinstance(x, np.ndarray) for x in X)
    )
    check = dict(reset=reset, dtype=dtype, ensure_all_finite=ensure_all_finite)
    if listed or is_ragged(X):
        sequences, y = _validate_ragged(estimator, X, y, **check)
    else:
        sequences, y = _validate_fixed(estimator, X, y, **check)
    if not reset and sequences.n_channels != estimator.n_channels_:
        raise ValueError(
            f"X has {sequences.n_channels} features (channels) per time step, but "
            f"{type(estimator).__name__} was fitted with {estimator.n_channels_}."
        )
    return sequences, y


def _validate_ragged(estimator, X, y, *, reset, dtype, ensure_all_finite):
    rows = check_ragged_rows(X, dtype, ensure_all_finite)
    sequences = replace(pad(rows), layout=Layout(True, type(X), np.ndim(X[0])))
    if y is None and reset and estimator.__sklearn_tags__().target_tags.required:
        raise ValueError(
            f"This {type(estimator).__name__} estimator requires y to be passed, "
            "but the target y is None."
        )
    if y is not None:
        y = column_or_1d(y, warn=True)
        check_consistent_length(sequences.values, y)
    if reset and hasattr(estimator, "n_features_in_"):
        del estimator.n_features_in_
    return sequences, y


def _validate_fixed(estimator, X, y, *, reset, dtype, ensure_all_finite):
    if not reset:
        _check_fixed_length(estimator, X)
    # Non-finite values are refused below, with sklstm's advice.
    check = dict(reset=reset, allow_nd=True, dtype=dtype, ensure_all_finite=False)
    if y is None:
        X = validate_data(estimator, X, **check)
    else:
        X, y = validate_data(estimator, X, y, **check)
    layout = Layout(False, np.ndarray, X.ndim)
    check_axes_not_empty(X)
    if ensure_all_finite:
        check_all_finite(X, allow_nan=ensure_all_finite == "allow-nan")
    X = as_3d(X)
    lengths = np.full(X.shape[0], X.shape[1], dtype=np.int64)
    return Sequences(X, lengths, layout), y


def _check_fixed_length(estimator, X):
    """Refuse an array whose sequences are not as long as those of ``fit``."""
    expected = getattr(estimator, "n_features_in_", None)
    shape = getattr(X, "shape", None)
    if shape is None and isinstance(X, (list, tuple)):  # lists of equal length
        try:
            shape = np.shape(X)
        except ValueError:
            return
    if shape is None or len(shape) not in (2, 3) or expected in (None, shape[1]):
        return
    name = type(estimator).__name__
    # A 2-D X's columns are time steps; scikit-learn's contract (and its
    # checks) name them features, so that sentence comes first.
    opening = (
        f"X has {shape[1]} features, but {name} is expecting {expected} "
        "features as input: "
        if len(shape) == 2
        else ""
    )
    raise ValueError(
        f"{opening}X has sequences of {shape[1]} time steps, but {name} was "
        f"fitted on fixed-length sequences of {expected} steps. Pass a list of "
        "arrays to predict on sequences of any length."
    )


def are_int64_values(x):
    """Whether every float in ``x`` is a whole number that int64 holds (no
    NaN, infinity or fraction)."""
    return bool(np.all((x == np.round(x)) & (np.abs(x) < 2.0**63)))


def _token_row(x, i):
    """One sequence of token ids as 1-D int64, padding (0) dropped."""
    x = np.asarray(x)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(
            f"Token sequences must be 1-D arrays of ids; sequence {i} has shape "
            f"{x.shape}."
        )
    if x.dtype.kind not in "iuf" or (
        # Whole numbers that int64 holds: no NaN, infinity or fraction.
        x.dtype.kind == "f" and not are_int64_values(x)
    ):
        raise ValueError(
            f"Token ids must be integers; sequence {i} holds {x.dtype} values "
            "that are NaN, infinite, fractional or beyond int64."
        )
    if np.any(x < 0):
        raise ValueError(
            f"Token ids must be >= 1 (0 is padding); sequence {i} has {x.min()}."
        )
    x = x[x != 0].astype(np.int64)
    if len(x) == 0:
        raise ValueError(
            f"Sequence {i} of X has no tokens (only padding); every sequence needs "
            "at least one token id >= 1."
        )
    return x


def validate_tokens(estimator, X, y=None, *, reset):
    """Validate token-id sequences; return :class:`Sequences` of raw ids.

    ``X`` is a list of 1-D integer arrays (variable lengths) or a 2-D integer
    array padded with 0 anywhere (pre- or post-padding). Zeros are dropped, so
    the padded length does not matter and ``n_features_in_`` is not set.
    ``values`` holds the ids as int64 with shape ``(n_samples, max_length, 1)``.
    """
    name = type(estimator).__name__
    X = nested_rows(X)
    if not is_ragged(X):
        X = check_array(X, dtype=None, allow_nd=True, ensure_all_finite=True)
        if X.ndim == 3 and X.shape[2] == 1:
            X = X[:, :, 0]
        if X.ndim != 2:
            raise ValueError(
                f"{name} with embedding_dim reads token ids: X must be a 2-D array "
                f"(n_samples, n_tokens) padded with 0, or a list of 1-D arrays; got "
                f"shape {X.shape}."
            )
    rows = [_token_row(x, i)[:, np.newaxis] for i, x in enumerate(X)]
    if y is None and reset:
        raise ValueError(
            f"This {name} estimator requires y to be passed, but the target y is None."
        )
    if y is not None:
        y = column_or_1d(y, warn=True)
        check_consistent_length(rows, y)
    if reset and hasattr(estimator, "n_features_in_"):
        del estimator.n_features_in_
    return pad(rows), y
