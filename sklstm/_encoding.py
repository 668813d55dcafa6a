"""What the network reads: one input encoder, for ``predict`` and ``to_onnx``.

:class:`InputEncoder` turns validated sequences into the network's input:
real values as they are, or z-normalised per sequence
(``normalize='sequence'``); token ids as rows of the embedding table
(``vocabulary[k]`` -> ``k + 1``, any other id -> the last row, padding -> 0).
``fit``, ``predict`` and ``predict_proba`` run :meth:`InputEncoder.encode`;
:func:`sklstm.onnx.to_onnx` builds the same steps as ONNX nodes from the same
encoder (``sklstm/onnx/_graph.py``, ``encode_input``), so what the two read
is decided in one place.
"""

from dataclasses import dataclass, replace

import numpy as np

from sklstm._warnings import warn


@dataclass(frozen=True)
class InputEncoder:
    """How validated sequences become the network's input.

    Attributes
    ----------
    normalize : {None, 'sequence'}
        For real values: ``'sequence'`` z-normalises each sequence per
        channel over its real steps.
    vocabulary : ndarray of shape (n_tokens,) or None
        For token ids: the sorted ids with an embedding row of their own;
        None for real values.
    """

    normalize: str | None = None
    vocabulary: np.ndarray | None = None

    @classmethod
    def fit(cls, sequences, *, tokens, normalize, min_token_count):
        """The encoder of training ``sequences``: for ``tokens``, the ids
        that occur at least ``min_token_count`` times form the vocabulary."""
        if not tokens:
            return cls(normalize=normalize)
        ids, counts = np.unique(
            sequences.values[:, :, 0][sequences.real], return_counts=True
        )
        vocabulary = ids[counts >= min_token_count]
        if not len(vocabulary):
            warn(
                f"No token id occurs min_token_count={min_token_count} "
                "times in the training sequences, so every token reads as "
                "unknown and only sequence lengths can be learned; lower "
                "min_token_count.",
                UserWarning,
            )
        return cls(vocabulary=vocabulary)

    def encode(self, sequences):
        """``sequences`` as the network reads them (a copy where changed)."""
        if self.vocabulary is not None:
            return encode_tokens(sequences, self.vocabulary)
        if self.normalize == "sequence":
            return normalize_each(sequences)
        return sequences


def normalize_each(sequences):
    """Z-normalise each sequence per channel over its real steps (a copy).

    A channel that is constant within a sequence becomes zeros; padding stays 0.
    """
    values = sequences.values.astype(
        np.result_type(sequences.values.dtype, np.float32), copy=True
    )
    real = sequences.real[:, :, None]
    counts = sequences.lengths[:, None, None]
    mean = np.where(real, values, 0).sum(axis=1, keepdims=True) / counts
    centred = np.where(real, values - mean, 0)
    std = np.sqrt((centred**2).sum(axis=1, keepdims=True) / counts)
    values = centred / np.where(std > 0, std, 1).astype(values.dtype)
    return replace(sequences, values=values.astype(sequences.values.dtype))


def encode_tokens(sequences, vocabulary):
    """Map raw ids to embedding rows: ``vocabulary[k]`` -> ``k + 1``, others to
    the out-of-vocabulary row ``len(vocabulary) + 1``; padding stays 0."""
    ids = sequences.values[:, :, 0]
    known = np.isin(ids, vocabulary)  # an empty vocabulary knows no id
    encoded = np.where(known, np.searchsorted(vocabulary, ids) + 1, len(vocabulary) + 1)
    encoded[~sequences.real] = 0
    return replace(sequences, values=encoded[:, :, np.newaxis].astype(np.int64))
