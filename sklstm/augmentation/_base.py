"""BaseAugmenter: train-only sequence augmentation as a scikit-learn transformer."""

from dataclasses import replace

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from sklstm._atomic_fit import atomic_fit
from sklstm._sequences import FLOAT_DTYPES, Sequences, validate_sequences
from sklstm._set_output import SequenceFeatureNamesMixin, SequenceOutputMixin

# The fitted attributes every augmenter documents (imbalanced-learn's way of
# sharing docstring paragraphs: Substitution).
FITTED_ATTRIBUTES = """scale_ : ndarray of shape (n_channels,)
        Each channel's standard deviation over all real steps seen in ``fit``:
        the unit of the strengths that scale with the data.
    n_channels_ : int
        Features per time step."""


def channel_scale(values, lengths, chunk_size=2**16):
    """Standard deviation of each channel over every real time step (0 -> 1).

    Reads rows of about ``chunk_size`` values at a time (a memory-mapped
    ``values`` is never loaded whole) and merges the chunks' moments (Chan et
    al. 1979), in float64.
    """
    count, mean, m2 = 0, np.zeros(values.shape[2]), np.zeros(values.shape[2])
    chunk = max(1, chunk_size // max(1, values.shape[1] * values.shape[2]))
    for start in range(0, len(values), chunk):
        rows = slice(start, start + chunk)
        block = values[rows]
        if lengths is not None:
            block = block[Sequences(block, lengths[rows]).real]
        block = block.reshape(-1, values.shape[2]).astype(np.float64)
        n = len(block)
        if n == 0:
            continue
        block_mean = block.mean(axis=0)
        block_m2 = ((block - block_mean) ** 2).sum(axis=0)
        delta = block_mean - mean
        total = count + n
        mean = mean + delta * n / total
        m2 = m2 + block_m2 + delta**2 * count * n / total
        count = total
    scale = np.sqrt(m2 / max(count, 1))
    return np.where(scale > 0, scale, 1.0)


def check_augmented(augmenter, values, augmented):
    """Raise a ``ValueError`` naming ``augmenter`` unless ``augmented`` is an
    array of the shape and dtype of ``values`` holding finite numbers.

    What every caller of an augmenter (``LSTMSequenceClassifier(augment=...)``,
    :class:`~sklstm.resampling.AugmentationSampler`, :meth:`BaseAugmenter.augment`)
    runs on its output, so a faulty or duck-typed augmenter fails with a clear
    message instead of a torch error or silent training on NaN.
    """
    name = type(augmenter).__name__
    if not isinstance(augmented, np.ndarray):
        raise ValueError(
            f"{name}.augment_padded must return a numpy array; it returned a "
            f"{type(augmented).__name__}."
        )
    if augmented.shape != values.shape:
        raise ValueError(
            f"{name}.augment_padded must keep the shape of its input "
            f"{values.shape} (sequences keep their lengths); it returned shape "
            f"{augmented.shape}."
        )
    if augmented.dtype != values.dtype:
        raise ValueError(
            f"{name}.augment_padded must keep the dtype of its input "
            f"({values.dtype}); it returned {augmented.dtype}."
        )
    if not np.all(np.isfinite(augmented)):
        raise ValueError(
            f"{name} produced NaN or infinite values from finite input: "
            f"{augmenter!r} is too strong for data of this scale and dtype "
            f"({values.dtype})."
        )


class BaseAugmenter(SequenceFeatureNamesMixin, SequenceOutputMixin, BaseEstimator):
    """Base class of sklstm's augmenters.

    Augmenters act in training only, like Keras's augmentation layers:
    ``fit_transform(X)`` and ``augment(X)`` return augmented sequences, while
    ``transform(X)`` returns new data unchanged, so an augmenter inside a
    ``Pipeline`` never touches prediction data. Shapes, dtypes (float32 or
    float64) and variable lengths are preserved.

    Subclasses implement ``_augment_equal(x, rng)`` for a batch ``x`` of
    equal-length sequences ``(batch, steps, channels)``; strengths are relative
    to ``scale_``, each channel's standard deviation in the data seen by ``fit``.
    A subclass with parameters declares them in ``_parameter_constraints``
    (scikit-learn's validation, run by ``fit``); without it, none are checked.
    """

    _parameter_constraints: dict = {}

    @atomic_fit(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn each channel's scale from the training sequences.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of arrays
            Training sequences.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted augmenter.
        """
        sequences, _ = validate_sequences(self, X, reset=True, dtype=FLOAT_DTYPES)
        return self.fit_padded(sequences.values, sequences.lengths)

    def fit_padded(self, values, lengths):
        """:meth:`fit` on zero-padded sequences ``values`` with true ``lengths``.

        This is what ``LSTMSequenceClassifier(augment=...)`` calls on the
        training sequences of each ``fit``; it validates the parameters first.

        Parameters
        ----------
        values : ndarray of shape (n_samples, max_length, n_channels)
        lengths : ndarray of shape (n_samples,)
            True lengths.

        Returns
        -------
        self : object
            The fitted augmenter.
        """
        self._validate_params()
        return self._fit_padded(values, lengths)

    def _fit_padded(self, values, lengths):
        self.n_channels_ = values.shape[2]
        self.scale_ = channel_scale(values, lengths)
        return self

    def transform(self, X):
        """Return ``X`` unchanged: augmentation is for training data only.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, as in :meth:`fit`.

        Returns
        -------
        X : same layout as the input
            The validated sequences, values untouched.
        """
        check_is_fitted(self)
        sequences, _ = validate_sequences(self, X, reset=False, dtype=FLOAT_DTYPES)
        return self._as_output(sequences.layout.restore(sequences), X)

    def fit_transform(self, X, y=None):
        """Fit, then return augmented training sequences (see :meth:`augment`).

        Parameters
        ----------
        X : array-like or list of arrays
            Training sequences.
        y : None
            Ignored.

        Returns
        -------
        X_augmented : same layout and dtype as X
        """
        return self._as_output(self.fit(X).augment(X), X)

    def augment(self, X):
        """Augmented copies of the sequences, in their layout and dtype.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, as in :meth:`fit`.

        Returns
        -------
        X_augmented : same layout and dtype as X
            Each sequence keeps its length.
        """
        check_is_fitted(self)
        sequences, _ = validate_sequences(self, X, reset=False, dtype=FLOAT_DTYPES)
        rng = check_random_state(getattr(self, "random_state", None))
        values = self.augment_padded(sequences.values, sequences.lengths, rng)
        return sequences.layout.restore(replace(sequences, values=values))

    def augment_padded(self, values, lengths, rng):
        """Augment zero-padded sequences; the padding stays zero.

        This is what ``LSTMSequenceClassifier(augment=...)`` calls on every
        training batch.

        Parameters
        ----------
        values : ndarray of shape (n_samples, max_length, n_channels)
        lengths : ndarray of shape (n_samples,) or None
            True lengths; ``None`` when no sequence is padded.
        rng : numpy.random.RandomState

        Returns
        -------
        ndarray like ``values``

        Raises
        ------
        ValueError
            If the result is not finite (a strength too large for the data).
        """
        with np.errstate(over="ignore", invalid="ignore"):  # checked below
            augmented = self._augment_padded(values, lengths, rng)
        check_augmented(self, values, augmented)
        return augmented

    def _augment_padded(self, values, lengths, rng):
        out = np.zeros_like(values)
        if lengths is None:
            lengths = np.full(len(values), values.shape[1])
        for length in np.unique(lengths):
            rows = np.flatnonzero(lengths == length)
            out[rows, :length] = self._augment_equal(values[rows, :length], rng)
        return out

    def _augment_equal(self, x, rng):  # pragma: no cover - abstract
        raise NotImplementedError

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.non_deterministic = False
        return tags
