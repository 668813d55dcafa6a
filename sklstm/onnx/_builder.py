"""An ONNX graph under construction: named nodes and constants, nothing else.

The same nodes become a standalone ``ModelProto`` (:func:`sklstm.onnx.to_onnx`)
or part of a graph skl2onnx is building (its converters add them to its
container), so they are kept as plain records until one of the two writes
them.
"""

from dataclasses import dataclass, field

import numpy as np

ML_DOMAIN = "ai.onnx.ml"


@dataclass(frozen=True)
class Node:
    op_type: str
    inputs: tuple
    outputs: tuple
    attributes: dict
    domain: str = ""


@dataclass
class GraphBuilder:
    """Nodes and constants, with unique names under ``prefix``."""

    prefix: str = ""
    nodes: list = field(default_factory=list)
    constants: dict = field(default_factory=dict)  # name -> ndarray
    _count: int = 0

    def name(self, hint):
        self._count += 1
        return f"{self.prefix}{hint}_{self._count}"

    def const(self, value, dtype=None, hint="c"):
        """A constant tensor; returns its name."""
        array = np.asarray(value, dtype=dtype)
        name = self.name(hint)
        self.constants[name] = array
        return name

    def op(self, op_type, *inputs, outputs=1, domain="", out=None, **attributes):
        """Add a node; returns its output name (a tuple for ``outputs > 1``).

        ``out`` names the (single) output, for the graph's own outputs.
        """
        names = (
            (out,)
            if out is not None
            else tuple(self.name(op_type.lower()) for _ in range(outputs))
        )
        self.nodes.append(
            Node(op_type, tuple(inputs), names, attributes, domain=domain)
        )
        return names[0] if outputs == 1 else names

    # A few compound steps used throughout ----------------------------------

    def axes(self, *axes):
        return self.const(axes, np.int64, "axes")

    def sum(self, x, *axes, keepdims=0):
        return self.op("ReduceSum", x, self.axes(*axes), keepdims=keepdims)

    def unsqueeze(self, x, *axes):
        return self.op("Unsqueeze", x, self.axes(*axes))

    def dim(self, x, axis):
        """Length of ``x`` along ``axis``, as a 1-element int64 tensor."""
        return self.op("Shape", x, start=axis, end=axis + 1)
