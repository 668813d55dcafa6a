"""Export fitted models to ONNX, for serving without Python or torch.

:func:`to_onnx` turns a fitted :class:`~sklstm.LSTMSequenceClassifier`, or a
scikit-learn / imbalanced-learn pipeline of sklstm preprocessing and the
classifier, into one ``onnx.ModelProto`` computing ``predict`` (output
``label``) and ``predict_proba`` (output ``probabilities``) from a zero-padded
batch ``X`` and its sequences' ``lengths``. :func:`onnx_inputs` builds that
feed from what ``predict`` accepts. Importing this module also registers
sklstm's converters with skl2onnx, when it is installed, so that
``skl2onnx.to_onnx(pipeline, X[:1])`` converts a scikit-learn pipeline too.

Needs the ``onnx`` extra: ``pip install "sklstm[onnx]"``.
"""

import numpy as np

try:
    import onnx
except ImportError as error:
    raise ImportError(
        'sklstm.onnx needs the onnx extra: pip install "sklstm[onnx]" '
        "(onnx, onnxruntime, skl2onnx)."
    ) from error
from onnx import TensorProto, helper, numpy_helper
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from sklstm._classifier import LSTMSequenceClassifier
from sklstm._sequences import is_ragged, nested_rows, pad, validate_tokens
from sklstm.augmentation._base import BaseAugmenter
from sklstm.onnx import _graph
from sklstm.onnx._builder import ML_DOMAIN, GraphBuilder
from sklstm.preprocessing import SequenceImputer, SequenceScaler

__all__ = ["onnx_inputs", "to_onnx"]

OPSET = 18
ML_OPSET = 3
IR_VERSION = 10


def to_onnx(model, *, lengths=True):
    """Export a fitted classifier or pipeline as one ONNX graph.

    Parameters
    ----------
    model : LSTMSequenceClassifier or Pipeline
        A fitted :class:`~sklstm.LSTMSequenceClassifier`, or a fitted
        :class:`sklearn.pipeline.Pipeline` / :class:`imblearn.pipeline.Pipeline`
        ending in one, whose other steps are
        :class:`~sklstm.preprocessing.SequenceImputer`,
        :class:`~sklstm.preprocessing.SequenceScaler`, samplers or augmenters
        (samplers and augmenters act in training only and drop out), or
        ``'passthrough'``.
    lengths : bool, default=True
        Whether the graph takes the sequences' true lengths. ``False``: a
        graph whose only input is ``X``, every sequence filling all its
        steps; for token ids, 0 is padding wherever it stands, as ``predict``
        reads a 2-D array of ids.

    Returns
    -------
    model_proto : onnx.ModelProto
        Inputs: ``X``, float32 of shape (batch, steps, channels) (for a model
        with ``embedding_dim``: int64 token ids of shape (batch, steps)),
        zero-padded after each sequence's end (what the padding holds never
        matters; NaN marks a gap where a ``SequenceImputer`` fills them);
        ``lengths``, int64 of shape (batch,), each sequence's true length
        (with ``lengths=True``). Outputs: ``label`` (batch,), as
        ``predict``; ``probabilities``, float32 (batch, n_classes), as
        ``predict_proba``, columns in the order of ``classes_``.

    Raises
    ------
    ValueError
        For a step, an option or labels that cannot be exported, naming it.

    Examples
    --------
    >>> import numpy as np, onnxruntime
    >>> from sklstm import LSTMSequenceClassifier
    >>> from sklstm.onnx import onnx_inputs, to_onnx
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 12, 2)).astype(np.float32)
    >>> y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    >>> clf = LSTMSequenceClassifier(max_epochs=2, random_state=0).fit(X, y)
    >>> session = onnxruntime.InferenceSession(to_onnx(clf).SerializeToString())
    >>> label, proba = session.run(None, onnx_inputs(clf, X))
    >>> bool(np.all(label == clf.predict(X)))
    True
    >>> bool(np.allclose(proba, clf.predict_proba(X), atol=1e-5))
    True
    """
    steps, clf = _exported_steps(model)
    g = GraphBuilder()
    tokens = clf.embedding_dim is not None
    x_type = TensorProto.INT64 if tokens else TensorProto.FLOAT
    channels = (steps[0] if steps else clf).n_channels_
    x_shape = ["batch", "steps"] if tokens else ["batch", "steps", channels]
    x, step_lengths = "X", "lengths"
    if not lengths and tokens:
        x, step_lengths = _graph.token_sequences(g, x)  # 0 is padding
    elif not lengths:
        step_lengths = _graph.full_lengths(g, x)
    for step in steps:
        x = _graph.preprocess(g, step, x, step_lengths)
    _graph.classifier(
        g, clf, x, step_lengths, label="label", probabilities="probabilities"
    )
    labels = _graph.label_values(clf.classes_)
    label_type = (
        TensorProto.STRING
        if labels.dtype == object
        else helper.np_dtype_to_tensor_dtype(labels.dtype)
    )
    constants = [numpy_helper.from_array(v, k) for k, v in g.constants.items()]
    graph = helper.make_graph(
        [
            helper.make_node(
                n.op_type, n.inputs, n.outputs, domain=n.domain, **n.attributes
            )
            for n in g.nodes
        ],
        "sklstm",
        [
            helper.make_tensor_value_info("X", x_type, x_shape),
            *(
                [helper.make_tensor_value_info("lengths", TensorProto.INT64, ["batch"])]
                if lengths
                else []
            ),
        ],
        [
            helper.make_tensor_value_info("label", label_type, ["batch"]),
            helper.make_tensor_value_info(
                "probabilities", TensorProto.FLOAT, ["batch", len(clf.classes_)]
            ),
        ],
        initializer=constants,
    )
    opsets = [helper.make_opsetid("", OPSET)]
    if any(n.domain == ML_DOMAIN for n in g.nodes):
        opsets.append(helper.make_opsetid(ML_DOMAIN, ML_OPSET))
    proto = helper.make_model(
        graph,
        opset_imports=opsets,
        producer_name="sklstm",
        ir_version=IR_VERSION,
        doc_string=f"{type(model).__name__} exported by sklstm.onnx.to_onnx",
    )
    onnx.checker.check_model(proto)
    return proto


def onnx_inputs(model, X, *, lengths=True):
    """The feed of :func:`to_onnx`'s graph for ``X``.

    Parameters
    ----------
    model : LSTMSequenceClassifier or Pipeline
        The exported model (only whether it reads token ids matters).
    X : array-like or list of arrays
        Sequences, as ``predict`` takes them: 3-D, 2-D (univariate, or token
        ids), or a list of arrays of different lengths.
    lengths : bool, default=True
        As given to :func:`to_onnx`.

    Returns
    -------
    inputs : dict
        ``{"X": padded, "lengths": lengths}``, float32 (token ids: int64)
        zero-padded values and int64 lengths; without ``"lengths"`` for
        ``lengths=False``.
    """
    clf = model[-1] if isinstance(model, Pipeline) else model
    X = nested_rows(X)
    if getattr(clf, "embedding_dim", None) is not None:
        # Token ids are read as predict reads them: 0 is padding, anywhere.
        sequences, _ = validate_tokens(clf, X, reset=False)
        padded, steps = sequences.values[:, :, 0], sequences.lengths
    elif is_ragged(X):
        sequences = pad(
            [np.asarray(x, dtype=np.float32).reshape(len(x), -1) for x in X]
        )
        padded, steps = sequences.values, sequences.lengths
    else:
        padded = np.asarray(X, dtype=np.float32)
        if padded.ndim == 2:  # univariate
            padded = padded[:, :, np.newaxis]
        steps = np.full(len(padded), padded.shape[1], dtype=np.int64)
    if not lengths:
        return {"X": padded}
    return {"X": padded, "lengths": steps}


def _exported_steps(model):
    """The fitted preprocessing steps that act at prediction time, and the
    classifier; a ValueError names anything else."""
    if isinstance(model, LSTMSequenceClassifier):
        check_is_fitted(model)
        return [], model
    if not isinstance(model, Pipeline):
        raise ValueError(
            "to_onnx exports an LSTMSequenceClassifier or a Pipeline ending in "
            f"one, not {type(model).__name__}."
        )
    *steps, (last_name, clf) = model.steps
    if not isinstance(clf, LSTMSequenceClassifier):
        raise ValueError(
            f"The pipeline's last step {last_name!r} is a {type(clf).__name__}; "
            "to_onnx exports pipelines ending in an LSTMSequenceClassifier."
        )
    check_is_fitted(clf)
    kept = []
    for name, step in steps:
        if step is None or step == "passthrough":
            continue
        if hasattr(step, "fit_resample") or isinstance(step, BaseAugmenter):
            continue  # training only: prediction data passes untouched
        if not isinstance(step, (SequenceImputer, SequenceScaler)):
            raise ValueError(
                f"Pipeline step {name!r} ({type(step).__name__}) cannot be "
                "exported to ONNX: only SequenceImputer, SequenceScaler, samplers "
                "and augmenters may precede the classifier. Apply it before the "
                "exported model, or export the classifier alone."
            )
        check_is_fitted(step)
        kept.append(step)
    return kept, clf


try:
    from sklstm.onnx._skl2onnx import register
except ImportError:  # skl2onnx is not installed
    pass
else:
    register()
