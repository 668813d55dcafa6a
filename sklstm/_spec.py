"""The network a fit trains and every ``'auto'`` it resolves: one home.

:class:`NetworkSpec` is the frozen description of a trained architecture:
:class:`~sklstm._network.LSTMNetwork` builds it, :mod:`sklstm.persistence`
stores and checks it, the estimator reports it. :func:`resolve` turns the
estimator's parameters and one fit's data into a :class:`Resolved`: the spec,
the learning rate, the step budget and the device, each ``'auto'`` resolved
once.
"""

import dataclasses
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from sklstm._runtime import resolve_device

# What 'auto' means, by kind of input: (real values, token ids). Measured in
# benchmarks/results/tokens.md and benchmarks/results/defaults_search.md.
AUTO = {
    "fcn_width": (64, None),  # filters of the FCN branch's first block
    "bidirectional": (False, True),
    "pooling": ("last", "max"),
    "learning_rate": (1e-2, 1e-2),
    "max_steps": (700, 1000),
}
# Widest embedding of embedding_dim='auto' (measured in
# benchmarks/results/tokens.md).
EMBEDDING_DIM = 16
# learning_rate='auto' for real values without the FCN branch: at 1e-2 a plain
# LSTM fitted the noise of a faint shift (tests/test_classifier.py).
PLAIN_LSTM_LEARNING_RATE = 3e-3
# max_steps='auto' with the FCN branch: the budget grows with sqrt(classes / 4)
# and covers at least MIN_EPOCHS epochs (measured on the whole suite in
# benchmarks/results/wide_suite_budget.md and wide_suite_epochs.md).
BUDGET_CLASSES, MIN_EPOCHS = 4, 60
# token_dropout='auto' for variable-length token sequences (measured in
# benchmarks/results/tokens_search.md).
TOKEN_DROPOUT = 0.3
# downsample='auto': runs of (median length / DOWNSAMPLE_SHORT) steps, at
# most DOWNSAMPLE_MAX, or of (median length / DOWNSAMPLE_LONG) for longer
# series (measured in benchmarks/results/cost_search.md).
DOWNSAMPLE_SHORT, DOWNSAMPLE_MAX, DOWNSAMPLE_LONG = 64, 4, 128


def is_int(value, low):
    """An integer (not a bool) of at least ``low``."""
    return isinstance(value, Integral) and not isinstance(value, bool) and value >= low


def is_rate(value):
    """A dropout probability: a real number in [0, 1)."""
    return isinstance(value, Real) and 0 <= value < 1


def check_names(what, found, known, required):
    """Raise a ValueError naming the ``found`` entries that are not
    ``known``, else the ``required`` ones that are missing."""
    unknown, missing = sorted(found - known), sorted(required - found)
    if unknown:
        raise ValueError(f"unknown {what} {unknown}.")
    if missing:
        raise ValueError(f"missing {what} {missing}.")


def _optional_int(low):
    return lambda v: v is None or is_int(v, low)


def _widths(value):
    return value is None or (
        isinstance(value, (list, tuple))
        and len(value) == 3
        and all(is_int(w, 1) for w in value)
    )


# Each field's check, for specs read from a file (NetworkSpec.from_dict).
_CHECKS = {
    "n_channels": lambda v: is_int(v, 1),
    "n_classes": lambda v: is_int(v, 2),
    "hidden_size": lambda v: is_int(v, 1),
    "num_layers": lambda v: is_int(v, 1),
    "bidirectional": lambda v: isinstance(v, bool),
    "dropout": is_rate,
    "pooling": lambda v: v in ("last", "mean", "max", "attention"),
    "n_embeddings": _optional_int(2),
    "embedding_dim": _optional_int(1),
    "token_dropout": is_rate,
    "n_positions": _optional_int(1),
    "downsample": lambda v: is_int(v, 1),
    "conv_layers": lambda v: is_int(v, 0),
    "conv_channels": lambda v: is_int(v, 1),
    "conv_kernel_size": lambda v: is_int(v, 1),
    "conv_stride": lambda v: is_int(v, 1),
    "fcn_widths": _widths,
}


@dataclass(frozen=True)
class NetworkSpec:
    """The shape of one trained network, as plain Python values.

    Attributes
    ----------
    n_channels : int
        Features per time step.
    n_classes : int
        Number of output logits.
    hidden_size, num_layers, bidirectional : int, int, bool
        As in :class:`torch.nn.LSTM`.
    dropout : float
        Dropout between LSTM layers and before the linear head.
    pooling : {'last', 'mean', 'max', 'attention'}
        How a sequence is summarised for the head.
    n_embeddings : int or None
        Rows of the token embedding table (0 = padding, the last row =
        unknown token); ``None`` for real-valued input.
    embedding_dim : int or None
        Width of the token embeddings.
    token_dropout : float
        In training, the probability that a token reads as padding.
    n_positions : int or None
        Rows of a learned position embedding; ``None``: none.
    downsample : int
        Steps averaged into one before the LSTM (and max-pooled in the FCN
        branch's first block); 1: none.
    conv_layers, conv_channels, conv_kernel_size, conv_stride : int
        The convolutional front end (``conv_layers=0``: none).
    fcn_widths : tuple of 3 ints or None
        Filters of the FCN branch's blocks; ``None``: no branch.
    """

    n_channels: int
    n_classes: int
    hidden_size: int
    num_layers: int
    bidirectional: bool
    dropout: float
    pooling: str
    n_embeddings: int | None = None
    embedding_dim: int | None = None
    token_dropout: float = 0.0
    n_positions: int | None = None
    downsample: int = 1
    conv_layers: int = 0
    conv_channels: int = 32
    conv_kernel_size: int = 5
    conv_stride: int = 2
    fcn_widths: tuple | None = None

    def to_dict(self):
        """The spec as JSON-able values (``fcn_widths`` as a list)."""
        values = dataclasses.asdict(self)
        if self.fcn_widths is not None:
            values["fcn_widths"] = list(self.fcn_widths)
        return values

    @classmethod
    def from_dict(cls, values):
        """The spec ``values`` (as :meth:`to_dict` writes it) describe,
        checked entry by entry: a ValueError names the first wrong one."""
        if not isinstance(values, dict):
            raise ValueError("the architecture is not a mapping.")
        check_names("architecture entries", set(values), set(_CHECKS), set(_CHECKS))
        for name, check in _CHECKS.items():
            if not check(values[name]):
                raise ValueError(f"architecture {name} = {values[name]!r}.")
        if values["n_embeddings"] is None and (
            values["embedding_dim"] is not None or values["n_positions"] is not None
        ):
            raise ValueError("the architecture embeds tokens without a vocabulary.")
        widths = values["fcn_widths"]
        return cls(
            **{**values, "fcn_widths": None if widths is None else tuple(widths)}
        )


@dataclass(frozen=True)
class Resolved:
    """What one fit trains, and where: the network, the learning rate, the
    budget and the device."""

    network: NetworkSpec
    learning_rate: float
    max_steps: int
    device: str

    def auto_values(self, params):
        """Each of ``params`` set to ``'auto'``, with the value this fit
        used (the estimator's ``resolved_params_``)."""
        spec = self.network
        used = {
            "bidirectional": spec.bidirectional,
            "pooling": spec.pooling,
            "downsample": spec.downsample,
            "fcn_width": None if spec.fcn_widths is None else spec.fcn_widths[0],
            "embedding_dim": spec.embedding_dim,
            "position_embedding": spec.n_positions is not None,
            "token_dropout": spec.token_dropout,
            "learning_rate": self.learning_rate,
            "max_steps": self.max_steps,
            "device": self.device,
        }
        return {name: value for name, value in used.items() if _is_auto(params[name])}


def _is_auto(value):
    return isinstance(value, str) and value == "auto"


def auto_downsample(lengths):
    """``downsample='auto'`` for real-valued series of these lengths."""
    median = int(np.median(lengths))
    short = min(-(-median // DOWNSAMPLE_SHORT), DOWNSAMPLE_MAX)
    return max(1, short, -(-median // DOWNSAMPLE_LONG))


def _by_input(params, name):
    """Parameter ``name`` with ``'auto'`` resolved for the kind of input
    (token ids with ``embedding_dim``, else real values)."""
    value = params[name]
    if not _is_auto(value):
        return value
    tokens = params["embedding_dim"] is not None
    if (
        name == "learning_rate"
        and not tokens
        and _by_input(params, "fcn_width") is None
    ):
        return PLAIN_LSTM_LEARNING_RATE
    return AUTO[name][tokens]


def _network_spec(params, n_classes, sequences, vocabulary):
    """The :class:`NetworkSpec` of a fresh network for this data."""
    # Parameters may be numpy scalars (GridSearchCV over an array passes
    # np.int64); the spec holds plain Python values.
    width = _by_input(params, "fcn_width")
    embedding_dim = params["embedding_dim"]
    if _is_auto(embedding_dim):
        embedding_dim = max(min(EMBEDDING_DIM, len(vocabulary)), 1)
    tokens = embedding_dim is not None
    positions = params["position_embedding"]
    if _is_auto(positions):
        positions = tokens and sequences.equal_length
    downsample = params["downsample"]
    if _is_auto(downsample):
        downsample = 1 if tokens else auto_downsample(sequences.lengths)
    token_dropout = params["token_dropout"] if tokens else 0.0
    if _is_auto(token_dropout):
        token_dropout = 0.0 if sequences.equal_length else TOKEN_DROPOUT
    return NetworkSpec(
        n_channels=int(sequences.n_channels),
        n_classes=int(n_classes),
        hidden_size=int(params["hidden_size"]),
        num_layers=int(params["num_layers"]),
        bidirectional=bool(_by_input(params, "bidirectional")),
        dropout=float(params["dropout"]),
        pooling=str(_by_input(params, "pooling")),
        n_embeddings=None if vocabulary is None else len(vocabulary) + 2,
        embedding_dim=None if embedding_dim is None else int(embedding_dim),
        token_dropout=float(token_dropout),
        n_positions=int(sequences.values.shape[1]) if positions else None,
        downsample=int(downsample),
        conv_layers=int(params["conv_layers"]),
        conv_channels=int(params["conv_channels"]),
        conv_kernel_size=int(params["conv_kernel_size"]),
        conv_stride=int(params["conv_stride"]),
        fcn_widths=None if width is None else (int(width), 2 * int(width), int(width)),
    )


def resolve(params, *, n_classes, sequences, vocabulary, steps_per_epoch, network=None):
    """What a fit with estimator parameters ``params`` trains on this data,
    and on which device (``'auto'``: a GPU when torch finds one).

    ``network``: the spec of the network a warm start continues (None: a
    fresh one, built from ``params``). ``max_steps='auto'`` with the FCN
    branch is 700 steps times ``sqrt(n_classes / 4)`` (at least once) and
    at least :data:`MIN_EPOCHS` epochs of ``steps_per_epoch`` (measured for
    that network only).
    """
    if network is None:
        network = _network_spec(params, n_classes, sequences, vocabulary)
    budget = _by_input(params, "max_steps")
    if (
        _is_auto(params["max_steps"])
        and params["embedding_dim"] is None
        and _by_input(params, "fcn_width") is not None
    ):
        classes = max(1.0, (n_classes / BUDGET_CLASSES) ** 0.5)
        budget = max(int(budget * classes), MIN_EPOCHS * steps_per_epoch)
    return Resolved(
        network=network,
        learning_rate=float(_by_input(params, "learning_rate")),
        max_steps=int(budget),
        device=resolve_device(params["device"]),
    )
