"""What a fitted model computes at prediction time, as ONNX nodes.

Each function reads a fitted sklstm object and adds to a
:class:`~sklstm.onnx._builder.GraphBuilder` the operators that compute what
its ``predict``/``predict_proba``/``transform`` computes, on a zero-padded
batch ``x`` of shape (batch, steps, channels) (token ids: (batch, steps)) and
the sequences' true ``lengths``. Padding never reaches an output: every
reduction over steps is masked, and the LSTM operator reads the lengths.
"""

import numpy as np
import torch
from onnx import helper

from sklstm._priors import prior_ratio
from sklstm.onnx._builder import ML_DOMAIN
from sklstm.preprocessing import SequenceImputer

FLOAT = np.float32
INT64 = np.int64
# ONNX's LSTM stacks its gates as (input, output, forget, cell); torch's as
# (input, forget, cell, output).
TORCH_TO_ONNX_GATES = (0, 3, 1, 2)


def full_lengths(g, x):
    """Lengths of a batch whose every row fills all its steps."""
    return g.op("Expand", g.dim(x, 1), g.dim(x, 0))


def token_sequences(g, ids):
    """Token ids (batch, steps) read as ``predict`` reads them, 0 being
    padding wherever it stands: each row's tokens moved to its front in their
    order, and their counts as the lengths."""
    steps = g.dim(ids, 1)
    zero = g.const(0, INT64, "zero")
    padding = g.op("Cast", g.op("Equal", ids, zero), to=_onnx_type(INT64))
    # Padding sorts after every token; the positions keep the tokens' order.
    keys = g.op(
        "Add", g.op("Mul", padding, steps), g.unsqueeze(step_indices(g, ids), 0)
    )
    _, order = g.op("TopK", keys, steps, axis=1, largest=0, sorted=1, outputs=2)
    compact = g.op("GatherElements", ids, order, axis=1)
    real = g.op("Sub", g.const(1, INT64, "one"), padding)
    return compact, g.sum(real, 1)


def step_indices(g, x, axis=1):
    """``0, 1, ..., steps - 1`` for the steps of ``x``, which lie on ``axis``."""
    steps = g.op("Squeeze", g.dim(x, axis))
    return g.op("Range", g.const(0, INT64, "zero"), steps, g.const(1, INT64, "one"))


def step_mask(g, lengths, x, axis=1, dtype=None):
    """(batch, steps) mask of the real steps of ``x``, whose steps lie on
    ``axis``: boolean, or cast to ``dtype``."""
    positions = step_indices(g, x, axis)
    mask = g.op("Less", g.unsqueeze(positions, 0), g.unsqueeze(lengths, 1))
    return mask if dtype is None else g.op("Cast", mask, to=_onnx_type(dtype))


def preprocess(g, step, x, lengths):
    """The transform of a fitted preprocessing step of a pipeline."""
    if isinstance(step, SequenceImputer):
        return impute(g, step, x, lengths)
    return scale(g, step, x)


def scale(g, scaler, x):
    """:class:`~sklstm.preprocessing.SequenceScaler`'s transform."""
    centred = g.op("Sub", x, g.const(scaler.mean_, FLOAT, "mean"))
    return g.op("Div", centred, g.const(scaler.scale_, FLOAT, "scale"))


def impute(g, imputer, x, lengths):
    """:class:`~sklstm.preprocessing.SequenceImputer`'s transform.

    ONNX has no running maximum, so the real steps of each sequence and
    channel are sorted to the front (TopK on ``missing * steps + step``, as
    :func:`token_sequences` does): the last real step at or before step
    ``t`` is the ``k``-th of them, ``k`` a running count of real steps.
    """
    steps = g.dim(x, 1)
    time = g.op("Reshape", step_indices(g, x), g.const([1, -1, 1], INT64, "shape"))
    real = g.unsqueeze(step_mask(g, lengths, x), 2)
    gap = g.op("IsNaN", x)
    known = g.op("And", g.op("Not", gap), real)
    if imputer.strategy == "zero":
        filled = g.op("Where", known, x, g.const(0, FLOAT, "zero"))
    else:
        filled = _fill_from_neighbours(g, imputer.strategy, x, known, steps, time)
    if imputer.add_indicator:
        missing = g.op("Cast", g.op("And", gap, real), to=_onnx_type(FLOAT))
        filled = g.op("Concat", filled, missing, axis=2)
    return filled


def _fill_from_neighbours(g, strategy, x, known, steps, time):
    """Gaps forward filled (``"ffill"``) or on the line between their real
    neighbours (``"linear"``); a leading gap takes the first real value, a
    channel without one 0, as ``_fill_gaps`` does."""
    zero, one = g.const(0, INT64, "zero"), g.const(1, INT64, "one")
    counted = g.op("Cast", known, to=_onnx_type(INT64))
    keys = g.op("Add", g.op("Mul", g.op("Sub", one, counted), steps), time)
    _, order = g.op("TopK", keys, steps, axis=1, largest=0, sorted=1, outputs=2)
    seen = g.op("CumSum", counted, g.const(1, INT64, "axis"))
    total = g.sum(counted, 1, keepdims=1)
    left = g.op(
        "GatherElements", order, g.op("Max", g.op("Sub", seen, one), zero), axis=1
    )
    if strategy == "ffill":
        right = left
    else:
        # The first real step at or after t, or the last one before it.
        rank = g.op("Min", g.op("Sub", seen, counted), g.op("Sub", total, one))
        right = g.op("GatherElements", order, g.op("Max", rank, zero), axis=1)
    start = g.op("GatherElements", x, left, axis=1)
    end = g.op("GatherElements", x, right, axis=1)
    span = g.op(
        "Cast", g.op("Max", g.op("Sub", right, left), one), to=_onnx_type(FLOAT)
    )
    offset = g.op("Cast", g.op("Sub", time, left), to=_onnx_type(FLOAT))
    weight = g.op(
        "Clip",
        g.op("Div", offset, span),
        g.const(0, FLOAT, "lo"),
        g.const(1, FLOAT, "hi"),
    )
    filled = g.op("Add", start, g.op("Mul", weight, g.op("Sub", end, start)))
    any_real = g.op("Greater", total, zero)
    return g.op("Where", any_real, filled, g.const(0, FLOAT, "zero"))


def classifier(g, clf, x, lengths, *, label, probabilities):
    """``predict`` into ``label`` and ``predict_proba`` into
    ``probabilities`` (both graph outputs, named)."""
    network = clf.module_
    x = encode_input(g, clf._input_encoder(), network, x, lengths)
    if network.positions is not None:
        x = _add_positions(g, network.positions, x)
    branch = None if network.fcn is None else _fcn(g, network.fcn, x, lengths)
    if network.spec.downsample > 1:
        x, lengths = _average_steps(g, x, lengths, network.spec.downsample)
    if network.frontend is not None:
        x, lengths = _frontend(g, network.frontend, x, lengths)
    summary = _lstm(g, network, x, lengths)
    if branch is not None:
        summary = g.op("Concat", summary, branch, axis=1)
    logits = _linear(g, network.head, summary)
    proba = g.op("Softmax", logits, axis=1)
    if getattr(clf, "target_prior_", None) is not None:
        ratio = prior_ratio(clf.effective_prior_, clf.target_prior_)
        proba = g.op("Mul", proba, g.const(ratio[None, :], FLOAT, "prior_ratio"))
        g.op("Div", proba, g.sum(proba, 1, keepdims=1), out=probabilities)
    else:
        g.op("Identity", proba, out=probabilities)
    # predict: the argmax of the uncorrected probabilities, i.e. of the logits.
    best = g.op("ArgMax", logits, axis=1, keepdims=0)
    g.op("Gather", g.const(label_values(clf.classes_), hint="classes"), best, out=label)


def encode_input(g, encoder, network, x, lengths):
    """:meth:`InputEncoder.encode <sklstm._encoding.InputEncoder.encode>` as
    nodes: token ids to ``network``'s embedding rows, or real values as they
    are or z-normalised per sequence."""
    if encoder.vocabulary is not None:
        return _embed(g, network.embedding, encoder.vocabulary, x, lengths)
    if encoder.normalize == "sequence":
        return _normalize_each(g, x, lengths)
    return x


def label_values(classes):
    """``classes_`` as an ONNX-storable array (bool, int64, double or strings)."""
    kind = classes.dtype.kind
    if kind == "b":
        return classes
    if kind in "iu":
        return classes.astype(INT64)
    if kind == "f":
        return classes.astype(np.float64)
    if kind == "U" or (kind == "O" and all(isinstance(c, str) for c in classes)):
        return np.array([str(c) for c in classes], dtype=object)
    raise ValueError(
        f"Class labels of dtype {classes.dtype} ({classes[:3]!r}...) cannot be "
        "exported to ONNX; use boolean, integer, float or string labels."
    )


def _onnx_type(dtype):
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def _weights(tensor):
    return tensor.detach().to("cpu", torch.float32).numpy()


def _linear(g, linear, x):
    """``linear`` on the last axis of ``x``."""
    weight = g.const(_weights(linear.weight).T, FLOAT, "weight")
    bias = g.const(_weights(linear.bias), FLOAT, "bias")
    return g.op("Add", g.op("MatMul", x, weight), bias)


def _normalize_each(g, x, lengths):
    """``normalize='sequence'``: z-normalise each channel over real steps."""
    real = g.unsqueeze(step_mask(g, lengths, x, dtype=FLOAT), 2)
    counts = g.unsqueeze(g.op("Cast", lengths, to=_onnx_type(FLOAT)), 1, 2)
    mean = g.op("Div", g.sum(g.op("Mul", x, real), 1, keepdims=1), counts)
    centred = g.op("Mul", g.op("Sub", x, mean), real)
    variance = g.op("Div", g.sum(g.op("Mul", centred, centred), 1, keepdims=1), counts)
    std = g.op("Sqrt", variance)
    zero, one = g.const(0, FLOAT, "zero"), g.const(1, FLOAT, "one")
    return g.op("Div", centred, g.op("Where", g.op("Greater", std, zero), std, one))


def _average_steps(g, x, lengths, size):
    """``downsample``: each run of ``size`` steps averaged over its real
    steps, and the new lengths (``ceil(lengths / size)``)."""
    x = g.op("Mul", x, g.unsqueeze(step_mask(g, lengths, x, dtype=FLOAT), 2))
    size_1d = g.const([size], INT64, "size")
    short = g.op(
        "Mod", g.op("Sub", size_1d, g.op("Mod", g.dim(x, 1), size_1d)), size_1d
    )
    pads = g.op(
        "Concat",
        g.const([0, 0, 0, 0], INT64, "pads"),
        short,
        g.const([0], INT64),
        axis=0,
    )
    shape = g.op("Concat", g.const([0, -1, size], INT64, "shape"), g.dim(x, 2), axis=0)
    runs = g.op("Reshape", g.op("Pad", x, pads), shape)
    total = g.sum(runs, 2)
    starts = g.op("Mul", step_indices(g, total), g.const(size, INT64, "size"))
    counts = g.op(
        "Clip",
        g.op("Sub", g.unsqueeze(lengths, 1), g.unsqueeze(starts, 0)),
        g.const(1, INT64, "one"),
        g.const(size, INT64, "size"),
    )
    counts = g.unsqueeze(g.op("Cast", counts, to=_onnx_type(FLOAT)), 2)
    return g.op("Div", total, counts), _ceil_div(g, lengths, size)


def _ceil_div(g, lengths, size):
    """``ceil(lengths / size)`` of positive int64 lengths."""
    total = g.op("Add", lengths, g.const(size - 1, INT64, "size_minus_one"))
    return g.op("Div", total, g.const(size, INT64, "size"))


def _embed(g, embedding, vocabulary, ids, lengths):
    """Raw token ids -> embedding rows: ``vocabulary[k]`` -> ``k + 1``, any
    other id -> the out-of-vocabulary row, padding -> row 0."""
    # LabelEncoder needs a key: an empty vocabulary maps the padding id 0
    # (never a token; the Where below sets padding rows anyway).
    keys = [int(v) for v in vocabulary] or [0]
    rows = g.op(
        "LabelEncoder",
        ids,
        domain=ML_DOMAIN,
        keys_int64s=keys,
        values_int64s=list(range(1, len(vocabulary) + 1)) or [0],
        default_int64=len(vocabulary) + 1,
    )
    real = step_mask(g, lengths, ids)
    rows = g.op("Where", real, rows, g.const(0, INT64, "padding"))
    table = g.const(_weights(embedding.weight), FLOAT, "embedding")
    return g.op("Gather", table, rows, axis=0)


def _add_positions(g, positions, x):
    """The position embedding: step ``t`` adds row ``min(t, rows - 1)``."""
    rows = g.op(
        "Min",
        step_indices(g, x),
        g.const(positions.num_embeddings - 1, INT64, "last_position"),
    )
    table = g.const(_weights(positions.weight), FLOAT, "positions")
    return g.op("Add", x, g.op("Gather", table, rows, axis=0))


def _channels_first(g, x, lengths):
    """(batch, steps, channels) -> masked (batch, channels, steps)."""
    x = g.op("Transpose", x, perm=[0, 2, 1])
    return g.op("Mul", x, g.unsqueeze(step_mask(g, lengths, x, 2, FLOAT), 1))


def _conv(g, conv, x, *, pads, stride=1):
    weight = g.const(_weights(conv.weight), FLOAT, "conv_weight")
    bias = g.const(_weights(conv.bias), FLOAT, "conv_bias")
    kernel = conv.weight.shape[2]
    return g.op(
        "Conv", x, weight, bias, kernel_shape=[kernel], pads=pads, strides=[stride]
    )


def _frontend(g, frontend, x, lengths):
    """The strided convolutions before the LSTM, and the new lengths."""
    x = _channels_first(g, x, lengths)
    shift = g.const(2 * frontend.padding - frontend.kernel_size, INT64, "shift")
    stride = g.const(frontend.stride, INT64, "stride")
    one = g.const(1, INT64, "one")
    for conv in frontend.convs:
        x = g.op(
            "Relu",
            _conv(
                g,
                conv,
                x,
                pads=[frontend.padding, frontend.padding],
                stride=frontend.stride,
            ),
        )
        lengths = g.op("Add", g.op("Div", g.op("Add", lengths, shift), stride), one)
        x = g.op("Mul", x, g.unsqueeze(step_mask(g, lengths, x, 2, FLOAT), 1))
    return g.op("Transpose", x, perm=[0, 2, 1]), lengths


def _fcn(g, fcn, x, lengths):
    """The FCN branch: three conv + batch norm + ReLU blocks (the first one's
    output max-pooled in runs of ``fcn.pool`` steps), then the mean over real
    steps."""
    x = _channels_first(g, x, lengths)
    mask = g.unsqueeze(step_mask(g, lengths, x, 2, FLOAT), 1)
    for i, block in enumerate(fcn.blocks):
        if i == 1 and fcn.pool > 1:
            x = g.op(
                "MaxPool", x, kernel_shape=[fcn.pool], strides=[fcn.pool], ceil_mode=1
            )
            lengths = _ceil_div(g, lengths, fcn.pool)
            mask = g.unsqueeze(step_mask(g, lengths, x, 2, FLOAT), 1)
        left, right = block["pad"].padding
        x = _conv(g, block["conv"], x, pads=[left, right])
        norm = block["norm"]
        x = g.op(
            "BatchNormalization",
            x,
            g.const(_weights(norm.weight), FLOAT, "bn_scale"),
            g.const(_weights(norm.bias), FLOAT, "bn_bias"),
            g.const(_weights(norm.running_mean), FLOAT, "bn_mean"),
            g.const(_weights(norm.running_var), FLOAT, "bn_var"),
            epsilon=float(norm.eps),
        )
        x = g.op("Mul", g.op("Relu", x), mask)
    counts = g.unsqueeze(g.op("Cast", lengths, to=_onnx_type(FLOAT)), 1)
    return g.op("Div", g.sum(x, 2), counts)


def _lstm_weights(layer, suffix):
    """ONNX W, R and B of one direction of a torch LSTM layer."""

    def gates(tensor):
        blocks = np.split(_weights(tensor), 4, axis=0)
        return np.concatenate([blocks[i] for i in TORCH_TO_ONNX_GATES], axis=0)

    w = gates(getattr(layer, f"weight_ih_l0{suffix}"))
    r = gates(getattr(layer, f"weight_hh_l0{suffix}"))
    b = np.concatenate(
        [
            gates(getattr(layer, f"bias_ih_l0{suffix}")),
            gates(getattr(layer, f"bias_hh_l0{suffix}")),
        ]
    )
    return w, r, b


def _lstm(g, network, x, lengths):
    """The LSTM layers and the pooling: the summary of each sequence."""
    data = g.op("Transpose", x, perm=[1, 0, 2])  # ONNX's LSTM is time-major
    sequence_lens = g.op("Cast", lengths, to=_onnx_type(np.int32))
    for layer in network.layers:
        suffixes = ("", "_reverse") if layer.bidirectional else ("",)
        w, r, b = (
            np.stack(parts)
            for parts in zip(*(_lstm_weights(layer, s) for s in suffixes), strict=True)
        )
        output, last = g.op(
            "LSTM",
            data,
            g.const(w, FLOAT, "lstm_w"),
            g.const(r, FLOAT, "lstm_r"),
            g.const(b, FLOAT, "lstm_b"),
            sequence_lens,
            outputs=2,
            hidden_size=layer.hidden_size,
            direction="bidirectional" if layer.bidirectional else "forward",
        )
        # (steps, directions, batch, hidden) -> (steps, batch, directions * hidden)
        data = g.op(
            "Reshape",
            g.op("Transpose", output, perm=[0, 2, 1, 3]),
            g.const([0, 0, -1], INT64, "shape"),
        )
    if network.spec.pooling == "last":
        # (directions, batch, hidden) -> (batch, directions * hidden)
        return g.op(
            "Reshape",
            g.op("Transpose", last, perm=[1, 0, 2]),
            g.const([0, -1], INT64, "shape"),
        )
    output = g.op("Transpose", data, perm=[1, 0, 2])  # (batch, steps, features)
    real = g.unsqueeze(step_mask(g, lengths, output), 2)
    if network.spec.pooling == "mean":
        total = g.sum(g.op("Mul", output, g.op("Cast", real, to=_onnx_type(FLOAT))), 1)
        counts = g.unsqueeze(g.op("Cast", lengths, to=_onnx_type(FLOAT)), 1)
        return g.op("Div", total, counts)
    minus_inf = g.const(-np.inf, FLOAT, "minus_inf")
    if network.spec.pooling == "max":
        return g.op(
            "ReduceMax",
            g.op("Where", real, output, minus_inf),
            g.axes(1),
            keepdims=0,
        )
    scores = g.op("Where", real, _linear(g, network.attention, output), minus_inf)
    weights = g.op("Softmax", scores, axis=1)
    return g.sum(g.op("Mul", weights, output), 1)
