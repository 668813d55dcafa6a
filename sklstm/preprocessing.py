"""Preprocessing: gaps filled, per-channel standardisation, text to token ids."""

import re
from collections import Counter
from dataclasses import replace
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from sklstm._atomic_fit import atomic_fit
from sklstm._compat import Interval, StrOptions
from sklstm._sequences import FLOAT_DTYPES, validate_sequences
from sklstm._set_output import SequenceFeatureNamesMixin, SequenceOutputMixin

__all__ = ["SequenceImputer", "SequenceScaler", "TextSequencer"]


class SequenceImputer(SequenceFeatureNamesMixin, SequenceOutputMixin, BaseEstimator):
    """Fill the gaps (NaN steps) of each channel within each sequence.

    Each sequence and channel is filled from its own real values, never from
    other sequences:

    - ``"ffill"``: a gap takes the last value before it;
    - ``"linear"``: a gap lies on the straight line between the values on
      either side of it;
    - ``"zero"``: a gap becomes 0.

    With ``"ffill"`` and ``"linear"``, a gap at the start takes the first real
    value, and with ``"linear"`` a gap at the end the last one. A channel with
    no real value in a sequence becomes 0. Accepts 3-D arrays, 2-D arrays of
    univariate sequences and lists of variable-length sequences, and returns
    the same layout; float32 stays float32. Infinity is refused.

    Parameters
    ----------
    strategy : {"ffill", "linear", "zero"}, default="ffill"
        How a gap is filled.
    add_indicator : bool, default=False
        Append one 0/1 channel per channel, 1 where the value was missing, so
        that the network sees where the gaps were: ``c`` channels become
        ``2 c`` (the filled values, then the indicators), and 2-D input or
        1-D sequences become 3-D or 2-D.

    Attributes
    ----------
    n_channels_ : int
        Features per time step of the input.
    n_features_in_ : int
        Time steps of fixed-length input (not set for variable-length input).

    See Also
    --------
    sklearn.impute.SimpleImputer : Fills each column of 2-D data from the
        other rows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.preprocessing import SequenceImputer
    >>> X = [np.array([np.nan, 1.0, np.nan, np.nan, 4.0, np.nan]), np.array([2.0])]
    >>> SequenceImputer().fit_transform(X)[0]
    array([1., 1., 1., 1., 4., 4.])
    >>> SequenceImputer(strategy="linear").fit_transform(X)[0]
    array([1., 1., 2., 3., 4., 4.])
    >>> SequenceImputer(strategy="zero", add_indicator=True).fit_transform(X)[0]
    array([[0., 1.],
           [1., 0.],
           [0., 1.],
           [0., 1.],
           [4., 0.],
           [0., 1.]])
    """

    _parameter_constraints: dict = {
        "strategy": [StrOptions({"ffill", "linear", "zero"})],
        "add_indicator": ["boolean"],
    }

    def __init__(self, *, strategy="ffill", add_indicator=False):
        self.strategy = strategy
        self.add_indicator = add_indicator

    @atomic_fit(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the sequences and remember their channels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of arrays
            Sequences, NaN where a value is missing.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceImputer
            The fitted imputer.
        """
        sequences, _ = self._validate(X, reset=True)
        self.n_channels_ = sequences.n_channels
        return self

    def transform(self, X):
        """Fill the gaps.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, as in :meth:`fit`.

        Returns
        -------
        X_filled : same layout and dtype as X
            With ``add_indicator``, twice the channels (3-D, or 2-D sequences).
            A 2-D result in the container of ``set_output``.
        """
        check_is_fitted(self)
        sequences, _ = self._validate(X, reset=False)
        values = _fill_gaps(sequences, self.strategy)
        layout = sequences.layout
        if self.add_indicator:
            missing = np.isnan(sequences.values).astype(values.dtype)
            values = np.concatenate([values, missing], axis=2)
            layout = replace(layout, row_ndim=2 if layout.ragged else 3)
        return self._as_output(layout.restore(replace(sequences, values=values)), X)

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names, checked against those seen in ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            Without ``add_indicator``: as :class:`SequenceScaler`'s (one name
            per time step after a fit on series of one length, else one per
            channel). With it, one name per output channel: ``channel0``, ...,
            then ``missingindicator_channel0``, ...
        """
        if not self.add_indicator:
            return super().get_feature_names_out(input_features)
        check_is_fitted(self)
        channels = [f"channel{i}" for i in range(self.n_channels_)]
        indicators = [f"missingindicator_{name}" for name in channels]
        return np.asarray(channels + indicators, dtype=object)

    def _validate(self, X, *, reset):
        return validate_sequences(
            self, X, reset=reset, dtype=FLOAT_DTYPES, ensure_all_finite="allow-nan"
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = True
        return tags


def _fill_gaps(sequences, strategy):
    """The padded values of ``sequences`` with their NaN steps filled
    (:class:`SequenceImputer`'s strategies); padding stays 0."""
    values, real = sequences.values, sequences.real[:, :, np.newaxis]
    known = ~np.isnan(values) & real
    if strategy == "zero":
        return np.where(known, values, 0).astype(values.dtype)
    steps = values.shape[1]
    time = np.arange(steps)[np.newaxis, :, np.newaxis]
    # The last real step at or before each step (-1: none), and the first at
    # or after it (steps: none).
    before = np.maximum.accumulate(np.where(known, time, -1), axis=1)
    after = np.minimum.accumulate(np.where(known, time, steps)[:, ::-1], axis=1)
    after = after[:, ::-1]
    left = np.where(before >= 0, before, after)
    if strategy == "ffill":
        right = left
    else:
        right = np.where(after < steps, after, before)
    left, right = np.minimum(left, steps - 1), np.minimum(right, steps - 1)
    start = np.take_along_axis(values, left, axis=1)
    end = np.take_along_axis(values, right, axis=1)
    span = np.maximum(right - left, 1)
    weight = np.clip((time - left) / span, 0.0, 1.0)
    filled = start + weight * (end - start)
    empty = ~known.any(axis=1, keepdims=True)  # a channel without a real value
    return np.where(real & ~empty, filled, 0).astype(values.dtype)


class SequenceScaler(SequenceFeatureNamesMixin, SequenceOutputMixin, BaseEstimator):
    """Standardise each channel over all time steps of all training sequences.

    For channel ``c``: ``(x[..., c] - mean_[c]) / scale_[c]``, where the mean and
    standard deviation run over every real time step of every sequence seen in
    ``fit`` (padding never counts). Accepts 3-D arrays, 2-D arrays of univariate
    sequences and lists of variable-length sequences, and returns the same
    layout; float32 stays float32. Under ``set_output(transform="pandas")`` a
    2-D result becomes a DataFrame; 3-D arrays and lists stay as they are.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract each channel's mean.
    with_std : bool, default=True
        Divide by each channel's standard deviation. A channel with zero
        variance is divided by 1, so it never turns into NaN.

    Attributes
    ----------
    mean_ : ndarray of shape (n_channels,)
        Per-channel mean (zeros when ``with_mean=False``).
    scale_ : ndarray of shape (n_channels,)
        Per-channel standard deviation (ones when ``with_std=False``).
    n_channels_ : int
        Features per time step.
    n_features_in_ : int
        Time steps of fixed-length input (not set for variable-length input).

    See Also
    --------
    sklearn.preprocessing.StandardScaler : The same per column of 2-D data.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.preprocessing import SequenceScaler
    >>> X = [np.array([[0.0, 10.0], [2.0, 10.0]]), np.array([[4.0, 10.0]])]
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.mean_, scaler.scale_
    (array([ 2., 10.]), array([1.63299316, 1.        ]))
    >>> scaler.transform(X)[1]
    array([[1.22474487, 0.        ]])
    """

    _parameter_constraints: dict = {
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
    }

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    @atomic_fit(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Compute each channel's mean and standard deviation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of arrays
            Training sequences.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceScaler
            The fitted scaler.
        """
        sequences, _ = validate_sequences(self, X, reset=True, dtype=FLOAT_DTYPES)
        steps = sequences.values[sequences.real].astype(np.float64)
        channels = self.n_channels_ = sequences.n_channels
        self.mean_ = steps.mean(axis=0) if self.with_mean else np.zeros(channels)
        std = steps.std(axis=0)
        self.scale_ = (
            np.where(std > 0, std, 1.0) if self.with_std else np.ones(channels)
        )
        return self

    def transform(self, X):
        """Standardise the sequences.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, as in :meth:`fit`.

        Returns
        -------
        X_scaled : same layout and dtype as X
            A 2-D result in the container of ``set_output``.
        """
        return self._as_output(
            self._apply(X, lambda v: (v - self.mean_) / self.scale_), X
        )

    def inverse_transform(self, X):
        """Undo :meth:`transform`.

        Parameters
        ----------
        X : array-like or list of arrays
            Standardised sequences.

        Returns
        -------
        X_original : same layout and dtype as X
        """
        return self._apply(X, lambda v: v * self.scale_ + self.mean_)

    def _apply(self, X, func):
        check_is_fitted(self)
        sequences, _ = validate_sequences(self, X, reset=False, dtype=FLOAT_DTYPES)
        values = func(sequences.values).astype(sequences.values.dtype, copy=False)
        values[~sequences.real] = 0
        return sequences.layout.restore(replace(sequences, values=values))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


class TextSequencer(SequenceOutputMixin, BaseEstimator):
    """Turn raw text into sequences of token ids for an embedding LSTM.

    ``fit`` learns a vocabulary; ``transform`` maps each document to a 1-D int64
    array of ids. Id 1 stands for every word outside the vocabulary (unseen in
    ``fit``, or dropped by ``max_tokens``/``min_frequency``); known words get
    ids from 2 upwards, most frequent first; 0 is never produced (it means
    padding to :class:`~sklstm.LSTMSequenceClassifier`). A document without any
    token becomes ``[1]``, so it stays a valid sequence.

    Parameters
    ----------
    max_tokens : int or None, default=None
        Keep only the most frequent words (ties broken alphabetically).
    min_frequency : int, default=1
        Keep only words seen at least this often in ``fit``.
    lowercase : bool, default=True
        Lowercase before tokenising.
    token_pattern : str, default=r"(?u)\\b\\w+\\b"
        Regular expression whose matches are the tokens.
    max_length : int or None, default=None
        Keep only the first ``max_length`` tokens of each document.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Word to id (ids from 2).
    n_tokens_ : int
        Number of ids in use, unknown-word id included (``len(vocabulary_) + 1``).

    Examples
    --------
    >>> from sklstm.preprocessing import TextSequencer
    >>> seq = TextSequencer().fit(["free prize now", "call me now"])
    >>> seq.vocabulary_["now"]
    2
    >>> [x.tolist() for x in seq.transform(["Now free!", "hello"])]
    [[2, 4], [1]]
    """

    _parameter_constraints: dict = {
        "max_tokens": [Interval(Integral, 1, None, closed="left"), None],
        "min_frequency": [Interval(Integral, 1, None, closed="left")],
        "lowercase": ["boolean"],
        "token_pattern": [str],
        "max_length": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        max_tokens=None,
        min_frequency=1,
        lowercase=True,
        token_pattern=r"(?u)\b\w+\b",
        max_length=None,
    ):
        self.max_tokens = max_tokens
        self.min_frequency = min_frequency
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.max_length = max_length

    @atomic_fit(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the vocabulary of the documents ``X``.

        Parameters
        ----------
        X : iterable of str
            Raw documents.
        y : None
            Ignored.

        Returns
        -------
        self : TextSequencer
            The fitted sequencer.
        """
        counts = Counter(t for doc in self._tokenize(X) for t in doc)
        kept = sorted(
            (word for word, n in counts.items() if n >= self.min_frequency),
            key=lambda word: (-counts[word], word),
        )[: self.max_tokens]
        self.vocabulary_ = {word: i for i, word in enumerate(kept, start=2)}
        self.n_tokens_ = len(self.vocabulary_) + 1
        return self

    def transform(self, X):
        """Token ids of each document.

        Parameters
        ----------
        X : iterable of str
            Raw documents.

        Returns
        -------
        sequences : list of ndarray of int64
            One 1-D array per document, at least one id long.
        """
        check_is_fitted(self)
        vocabulary = self.vocabulary_
        return [
            np.array([vocabulary.get(t, 1) for t in doc] or [1], dtype=np.int64)
            for doc in self._tokenize(X)
        ]

    def _tokenize(self, X):
        if isinstance(X, (str, bytes)):
            raise ValueError(
                "Iterable over raw text documents expected, string object received."
            )
        try:
            pattern = re.compile(self.token_pattern)
        except re.error as exc:
            raise ValueError(
                f"token_pattern={self.token_pattern!r} is not a valid regular "
                f"expression: {exc}."
            ) from exc
        if pattern.groups > 1:
            raise ValueError(
                f"token_pattern={self.token_pattern!r} has {pattern.groups} "
                "capturing groups; it may have at most one (the token)."
            )
        documents = []
        for i, doc in enumerate(X):
            if not isinstance(doc, str):
                raise TypeError(
                    f"Document {i} is a {type(doc).__name__}, not a str; fill or "
                    "drop missing texts first."
                )
            tokens = pattern.findall(doc.lower() if self.lowercase else doc)
            documents.append(tokens[: self.max_length])
        return documents

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags
