"""sklstm's converters, registered with skl2onnx, so that
``skl2onnx.to_onnx(pipeline, X[:1])`` converts a scikit-learn pipeline of
:class:`~sklstm.preprocessing.SequenceImputer`,
:class:`~sklstm.preprocessing.SequenceScaler` and
:class:`~sklstm.LSTMSequenceClassifier` (fixed-length batches: skl2onnx gives
each model a single input). Outputs ``label`` and ``probabilities``, no ZipMap.
"""

from onnx import TensorProto, numpy_helper
from skl2onnx import get_model_alias, update_registered_converter
from skl2onnx.common.data_types import (
    BooleanTensorType,
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
)

from sklstm._classifier import LSTMSequenceClassifier
from sklstm.onnx import _graph
from sklstm.onnx._builder import ML_DOMAIN, GraphBuilder
from sklstm.preprocessing import SequenceImputer, SequenceScaler

MIN_OPSET = 18  # reductions take their axes as an input
LABEL_TYPES = {
    "b": BooleanTensorType,
    "i": Int64TensorType,
    "f": DoubleTensorType,
    "O": StringTensorType,
}


def register():
    update_registered_converter(
        SequenceImputer,
        "SklstmSequenceImputer",
        _imputed_shape,
        _convert_preprocessing,
    )
    update_registered_converter(
        SequenceScaler,
        "SklstmSequenceScaler",
        _scaled_shape,
        _convert_preprocessing,
    )
    update_registered_converter(
        LSTMSequenceClassifier,
        "SklstmLSTMSequenceClassifier",
        _classifier_shapes,
        _convert_classifier,
        parser=_parse_classifier,
    )


def _parse_classifier(scope, model, inputs, custom_parsers=None):
    operator = scope.declare_local_operator(get_model_alias(type(model)), model)
    operator.inputs = inputs
    for name, type_ in zip(("label", "probabilities"), _output_types(model)):
        operator.outputs.append(scope.declare_local_variable(name, type_))
    return operator.outputs


def _scaled_shape(operator):
    """The scaler's output: float32 (batch, steps, channels)."""
    shape = list(operator.inputs[0].type.shape)
    operator.outputs[0].type = FloatTensorType(
        [*shape, 1] if len(shape) == 2 else shape
    )


def _imputed_shape(operator):
    """The imputer's output: float32 (batch, steps, channels), the channels
    doubled by ``add_indicator``."""
    imputer = operator.raw_operator
    batch, steps = operator.inputs[0].type.shape[:2]
    channels = imputer.n_channels_ * (2 if imputer.add_indicator else 1)
    operator.outputs[0].type = FloatTensorType([batch, steps, channels])


def _output_types(clf):
    kind = _graph.label_values(clf.classes_).dtype.kind
    return LABEL_TYPES[kind]([None]), FloatTensorType([None, len(clf.classes_)])


def _classifier_shapes(operator):
    for variable, type_ in zip(operator.outputs, _output_types(operator.raw_operator)):
        variable.type = type_


def _convert_preprocessing(scope, operator, container):
    g = _builder(scope, container)
    x = _series(g, operator.inputs[0])
    lengths = _graph.full_lengths(g, x)
    x = _graph.preprocess(g, operator.raw_operator, x, lengths)
    g.op("Identity", x, out=operator.outputs[0].full_name)
    _write(g, scope, container)


def _convert_classifier(scope, operator, container):
    g = _builder(scope, container)
    label, proba = (v.full_name for v in operator.outputs)
    clf = operator.raw_operator
    if clf.embedding_dim is not None:
        x, lengths = _graph.token_sequences(g, _token_ids(g, operator.inputs[0]))
    else:
        x = _series(g, operator.inputs[0])
        lengths = _graph.full_lengths(g, x)
    _graph.classifier(g, clf, x, lengths, label=label, probabilities=proba)
    _write(g, scope, container)


def _series(g, variable):
    """A converter's input as float32 (batch, steps, channels), whatever
    skl2onnx was given: 2-D (univariate) series, float64 or integers."""
    x = variable.full_name
    if not isinstance(variable.type, FloatTensorType):
        x = g.op("Cast", x, to=TensorProto.FLOAT)
    return g.unsqueeze(x, 2) if len(variable.type.shape) == 2 else x


def _token_ids(g, variable):
    """A converter's input as int64 token ids (batch, steps): (batch, steps,
    1) and whole-number floats, as predict takes them, included."""
    x = variable.full_name
    if len(variable.type.shape) == 3:
        x = g.op("Squeeze", x, g.axes(2))
    if not isinstance(variable.type, Int64TensorType):
        x = g.op("Cast", x, to=TensorProto.INT64)
    return x


def _builder(scope, container):
    if container.target_opset < MIN_OPSET:
        raise ValueError(
            f"sklstm's converters need target_opset >= {MIN_OPSET}, not "
            f"{container.target_opset}."
        )
    return GraphBuilder(prefix=scope.get_unique_variable_name("sklstm") + "_")


def _write(g, scope, container):
    for name, value in g.constants.items():
        if value.dtype == object:
            container.add_initializer(
                name, TensorProto.STRING, list(value.shape), value.tolist()
            )
        else:
            tensor = numpy_helper.from_array(value, name)
            container.add_initializer(name, tensor.data_type, value.shape, tensor)
    for node in g.nodes:
        container.add_node(
            node.op_type,
            list(node.inputs),
            list(node.outputs),
            op_domain=node.domain,
            op_version=2 if node.domain == ML_DOMAIN else None,
            name=scope.get_unique_operator_name(node.op_type),
            **node.attributes,
        )
