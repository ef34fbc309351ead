"""Import an ONNX model into a `Workload` (optional extra ``onnx``).

Shapes come from ONNX shape inference (``onnx.shape_inference.infer_shapes`` with data
propagation), so the model needs static shapes: a symbolic first axis of a graph input
is taken as the batch and set to 1; other symbolic axes must be given in
``input_shapes``. Each node becomes operators through the shared `GraphBuilder`:
Conv (grouped, depthwise, 1-D), Gemm, MatMul (with a following bias ``Add`` folded
in, as exporters write ``nn.Linear`` on 3-D inputs), BatchNormalization,
LayerNormalization, Softmax, Max/Average/Global pooling, ReduceMean/ReduceMax over
trailing axes, Gather from a weight table (an embedding) and the elementwise ops.
Reshape, Transpose, Concat, Slice, Split, Cast, Expand, Identity, Dropout and friends
cost nothing and only pass their inputs on; Shape and Constant nodes, and anything
computed from weights alone, are constants.

A BatchNormalization that an exporter folded into the preceding Conv is gone from the
file, and so are its parameters: export with constant folding off to keep it (see
docs/importers.md).

Examples
--------
>>> import onnx
>>> from onnx import TensorProto, helper
>>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, 8, 8])
>>> y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
>>> w = helper.make_tensor("w", TensorProto.FLOAT, [4, 3, 3, 3], [0.0] * 108)
>>> graph = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
...                            helper.make_node("Relu", ["c"], ["y"], name="relu")], "g", [x], [y], [w])
>>> wl = from_onnx(helper.make_model(graph), batch=2)
>>> [(op.name, op.kind) for op in wl], wl.batch, wl.macs
([('conv', 'conv2d'), ('relu', 'elementwise')], 2, 13824)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hwcodesign.core.errors import ConfigError
from hwcodesign.workloads.importers._builder import GraphBuilder, OnUnsupported, check_on_unsupported
from hwcodesign.workloads.workload import Workload

__all__ = ["from_onnx"]

_UNARY = {"Relu": "relu", "LeakyRelu": "leaky_relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Gelu": "gelu",
          "Exp": "exp", "Sqrt": "sqrt", "HardSwish": "hardswish", "HardSigmoid": "hardsigmoid"}
_NARY = {"Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div", "Max": "max", "Min": "min", "Sum": "add"}
#: Ops that move data without arithmetic; the value is which inputs carry the data ("all" or the first).
_ZERO_COST = {"Reshape": 1, "Flatten": 1, "Transpose": 1, "Squeeze": 1, "Unsqueeze": 1, "Slice": 1, "Split": 1,
              "Identity": 1, "Dropout": 1, "Cast": 1, "CastLike": 1, "Expand": 1, "Tile": 1, "Pad": 1,
              "DepthToSpace": 1, "SpaceToDepth": 1, "Concat": 0}
_CONSTANT = {"Shape", "Size", "Constant", "ConstantOfShape", "Range"}


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ConfigError("Importing an ONNX model needs the onnx package: pip install 'hwcodesign[onnx]'.") from None
    return onnx


def from_onnx(model: Any, *, name: str | None = None, batch: int | None = None, precision: str = "int8",
              input_shapes: Mapping[str, Sequence[int]] | None = None,
              on_unsupported: OnUnsupported = "error") -> Workload:
    """Return the ONNX ``model`` (a path or an ``onnx.ModelProto``) as a `Workload`.

    Parameters
    ----------
    model
        Path to a ``.onnx`` file, or a loaded ``onnx.ModelProto``.
    name
        The workload's name (default: the file's stem, else the graph's name).
    batch
        Samples per inference. The model is read at its own batch (the first axis of its
        first input; 1 where that axis is symbolic) and rescaled with
        `Workload.with_batch` if ``batch`` differs.
    precision
        Element type of every tensor in the workload.
    input_shapes
        Full shapes for graph inputs with symbolic axes, by input name.
    on_unsupported
        ``'error'`` (default): a node no operator describes raises `ConfigError` naming
        it and its op type. ``'warn'``: such nodes pass their inputs on at zero cost and
        one `UserWarning` lists them.
    """
    onnx = _onnx()
    on_unsupported = check_on_unsupported(on_unsupported)
    proto = _load(onnx, model)
    default_name = Path(model).stem if isinstance(model, (str, Path)) else (proto.graph.name or "onnx_model")
    proto = _with_static_inputs(onnx, proto, dict(input_shapes or {}))
    try:
        proto = onnx.shape_inference.infer_shapes(proto, data_prop=True)
    except Exception as exc:  # onnx raises InferenceError and others
        raise ConfigError(f"ONNX shape inference failed: {exc}") from None
    graph = proto.graph
    shapes = _shapes(graph)
    first = next(i for i in graph.input if i.name not in shapes["__initializers__"])
    b = GraphBuilder(name or default_name, batch=shapes[first.name][0] if shapes[first.name] else 1,
                     precision=precision, on_unsupported=on_unsupported)
    _Walker(onnx, graph, shapes, b).run()
    workload = b.finish()
    if batch is not None and batch != workload.batch:
        workload = workload.with_batch(batch)
    return workload


def _load(onnx: Any, model: Any) -> Any:
    if isinstance(model, onnx.ModelProto):
        return model
    if not isinstance(model, (str, Path)):
        raise ConfigError(f"from_onnx takes a path or an onnx.ModelProto. Got {type(model).__name__}.")
    path = Path(model)
    if not path.is_file():
        raise ConfigError(f"The ONNX file {str(path)!r} does not exist.")
    try:
        return onnx.load(str(path))
    except Exception as exc:  # protobuf DecodeError and friends
        raise ConfigError(f"Cannot read ONNX file {str(path)!r}: {exc}") from None


def _with_static_inputs(onnx: Any, proto: Any, given: dict[str, Sequence[int]]) -> Any:
    """A copy of ``proto`` whose graph inputs have static shapes (symbolic batch -> 1)."""
    copy = onnx.ModelProto()
    copy.CopyFrom(proto)
    initializers = {i.name for i in copy.graph.initializer}
    inputs = [i for i in copy.graph.input if i.name not in initializers]
    if not inputs:
        raise ConfigError("The ONNX graph has no inputs (every input is an initializer).")
    known = [i.name for i in inputs]
    for key in given:
        if key not in known:
            raise ConfigError(f"input_shapes names {key!r}, which is not an input of the ONNX graph; "
                              f"its inputs are {', '.join(known)}.")
    for value in inputs:
        dims = value.type.tensor_type.shape.dim
        if value.name in given:
            shape = [int(d) for d in given[value.name]]
            if len(shape) != len(dims) or min(shape, default=1) < 1:
                raise ConfigError(f"input_shapes[{value.name!r}] must be {len(dims)} ints >= 1. Got {shape!r}.")
            for dim, size in zip(dims, shape):
                dim.Clear()
                dim.dim_value = size
            continue
        for axis, dim in enumerate(dims):
            if dim.HasField("dim_value") and dim.dim_value > 0:
                continue
            if axis == 0:
                dim.Clear()
                dim.dim_value = 1
                continue
            raise ConfigError(f"Axis {axis} ({dim.dim_param or '?'}) of ONNX input {value.name!r} is symbolic; "
                              f"give its shape, e.g. input_shapes={{{value.name!r}: (1, ...)}}.")
    return copy


def _shapes(graph: Any) -> dict[str, Any]:
    shapes: dict[str, Any] = {"__initializers__": {i.name for i in graph.initializer}}
    for init in graph.initializer:
        shapes[init.name] = tuple(int(d) for d in init.dims)
    for value in (*graph.input, *graph.value_info, *graph.output):
        t = value.type.tensor_type
        if t.HasField("shape") and all(d.HasField("dim_value") for d in t.shape.dim):
            shapes[value.name] = tuple(int(d.dim_value) for d in t.shape.dim)
    return shapes


class _Walker:
    """One pass over the ONNX graph, feeding `GraphBuilder`."""

    def __init__(self, onnx: Any, graph: Any, shapes: dict[str, Any], b: GraphBuilder) -> None:
        self.onnx, self.graph, self.shapes, self.b = onnx, graph, shapes, b
        self.consumers: dict[str, list[Any]] = defaultdict(list)
        for node in graph.node:
            for value in node.input:
                self.consumers[value].append(node)
        self.outputs = {o.name for o in graph.output}
        self.constants: dict[str, Any] = {i.name: i for i in graph.initializer}
        self.parameters = set(self.constants)  # initializers, and copies of them (Identity, Cast)
        self.folded: dict[int, str] = {}  # id(Add node) -> label of the MatMul it was folded into

    def shape(self, value: str, node: str) -> tuple[int, ...]:
        if value not in self.shapes:
            raise ConfigError(f"ONNX shape inference left the shape of {value!r} (used by node {node!r}) unknown; "
                              "export the model with static shapes.")
        return self.shapes[value]

    def attrs(self, node: Any) -> dict[str, Any]:
        return {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}

    def is_bias(self, node: Any, index: int) -> bool:
        """True if input ``index`` of ``node`` is given and is a parameter (not a computed constant)."""
        return len(node.input) > index and node.input[index] in self.parameters

    def value(self, name: str) -> Any:
        """The numpy value of a constant input, or None."""
        if name in self.constants:
            return self.onnx.numpy_helper.to_array(self.constants[name])
        return None

    def run(self) -> None:
        b = self.b
        for node in self.graph.input:
            if node.name not in self.shapes["__initializers__"]:
                b.graph_input(node.name)
        for index, node in enumerate(self.graph.node):
            label = (node.name or f"{node.op_type}_{index}").lstrip("/") or f"{node.op_type}_{index}"
            if node.op_type == "Constant":
                attrs = self.attrs(node)
                if "value" in attrs:
                    self.constants[node.output[0]] = attrs["value"]
                continue
            if node.op_type in _CONSTANT or not any(b.is_computed(v) for v in node.input if v):
                if node.op_type in ("Identity", "Cast") and node.input[0] in self.parameters:
                    self.parameters.add(node.output[0])
                continue
            if id(node) in self.folded:
                b.zero_cost(node.output[0], [self.folded[id(node)]])
                continue
            self.convert(node, label)
            for out in node.output:
                if out and out != label:
                    b.zero_cost(out, [label])

    def convert(self, node: Any, label: str) -> None:
        b, op, ins = self.b, node.op_type, list(node.input)
        x = ins[0]
        a = self.attrs(node)
        if op in _ZERO_COST:
            b.zero_cost(label, ins if _ZERO_COST[op] == 0 else ins[:1])
        elif op in _UNARY:
            b.elementwise(label, [x], op=_UNARY[op], out_shape=self.shape(node.output[0], label))
        elif op == "Clip":
            self.clip(node, label, a)
        elif op in _NARY:
            b.elementwise(label, [v for v in ins if v], op=_NARY[op], out_shape=self.shape(node.output[0], label))
        elif op == "Conv":
            self.conv(node, label, a)
        elif op == "Gemm":
            a_shape, b_shape = self.shape(x, label), self.shape(ins[1], label)
            a_shape = a_shape[::-1] if a.get("transA", 0) else a_shape
            b_shape = b_shape[::-1] if a.get("transB", 0) else b_shape
            b.matmul(label, x, ins[1], a_shape=a_shape, b_shape=b_shape, b_weight=not b.is_computed(ins[1]),
                     bias=self.is_bias(node, 2))
        elif op == "MatMul":
            self.matmul(node, label)
        elif op == "BatchNormalization":
            b.batchnorm(label, x, shape=self.shape(x, label))
        elif op == "LayerNormalization":
            shape = self.shape(x, label)
            b.layernorm(label, x, shape=shape, features=math.prod(shape[a.get("axis", -1):]))
        elif op == "Softmax":
            b.softmax(label, x, shape=self.shape(x, label), axis=a.get("axis", -1))
        elif op in ("MaxPool", "AveragePool"):
            self.pool(node, label, a)
        elif op in ("GlobalAveragePool", "GlobalMaxPool"):
            shape = self.shape(x, label)
            b.global_pool(label, x, mode="avg" if "Average" in op else "max", in_shape=shape,
                          axes=range(2, len(shape)))
        elif op in ("ReduceMean", "ReduceMax"):
            self.reduce(node, label, a)
        elif op == "Gather":
            self.gather(node, label, a)
        else:
            b.unsupported(label, op, [v for v in ins if v])

    def clip(self, node: Any, label: str, a: dict[str, Any]) -> None:
        bounds = [a.get("min"), a.get("max")]
        for i in (1, 2):
            if len(node.input) > i and node.input[i]:
                value = self.value(node.input[i])
                bounds[i - 1] = None if value is None else float(value)
                if value is None:
                    self.b.unsupported(label, "Clip", node.input[:1], "bounds computed at run time")
                    return
        act = {(0.0, 6.0): "relu6", (0.0, None): "relu"}.get((bounds[0], bounds[1]))
        if act is None:
            self.b.unsupported(label, "Clip", node.input[:1], f"bounds {bounds} are neither ReLU nor ReLU6")
            return
        self.b.elementwise(label, node.input[:1], op=act, out_shape=self.shape(node.output[0], label))

    def conv(self, node: Any, label: str, a: dict[str, Any]) -> None:
        x, w = node.input[0], node.input[1]
        in_shape, out_shape, w_shape = self.shape(x, label), self.shape(node.output[0], label), self.shape(w, label)
        nd = len(in_shape) - 2
        kernel = list(a.get("kernel_shape", w_shape[2:]))
        stride, dilation = list(a.get("strides", [1] * nd)), list(a.get("dilations", [1] * nd))
        pads = list(a.get("pads", [0] * 2 * nd))
        hint = [p if p == q else None for p, q in zip(pads[:nd], pads[nd:])] if a.get("auto_pad", b"NOTSET") in (
            b"NOTSET", "NOTSET") else [None] * nd
        if nd == 1:
            kernel, stride, dilation, hint = [1, *kernel], [1, *stride], [1, *dilation], [0, *hint]
        if nd not in (1, 2):
            self.b.unsupported(label, "Conv", [x], f"{nd}-D convolution")
            return
        self.b.conv(label, x, in_shape=in_shape, out_shape=out_shape, kernel=tuple(kernel), stride=tuple(stride),
                    dilation=tuple(dilation), groups=a.get("group", 1), pad_hint=tuple(hint), bias=self.is_bias(node, 2))

    def matmul(self, node: Any, label: str) -> None:
        x, w = node.input
        b_weight = not self.b.is_computed(w)
        bias = False
        uses = self.consumers[node.output[0]]
        if b_weight and len(uses) == 1 and uses[0].op_type == "Add" and node.output[0] not in self.outputs:
            add = uses[0]
            other = add.input[1] if add.input[0] == node.output[0] else add.input[0]
            n = self.shape(w, label)[-1]
            if other in self.parameters and math.prod(self.shape(other, label)) == n:
                bias = True
                self.folded[id(add)] = label
        self.b.matmul(label, x, w, a_shape=self.shape(x, label), b_shape=self.shape(w, label), b_weight=b_weight,
                      bias=bias)

    def pool(self, node: Any, label: str, a: dict[str, Any]) -> None:
        x = node.input[0]
        in_shape, out_shape = self.shape(x, label), self.shape(node.output[0], label)
        nd = len(in_shape) - 2
        if nd not in (1, 2) or any(d != 1 for d in a.get("dilations", [1] * nd)):
            self.b.unsupported(label, node.op_type, [x], "only undilated 1-D and 2-D pooling is supported")
            return
        kernel, stride = list(a["kernel_shape"]), list(a.get("strides", [1] * nd))
        pads = list(a.get("pads", [0] * 2 * nd))
        hint = [p if p == q else None for p, q in zip(pads[:nd], pads[nd:])]
        if nd == 1:
            kernel, stride, hint = [1, *kernel], [1, *stride], [0, *hint]
        self.b.pool(label, x, mode="max" if node.op_type == "MaxPool" else "avg", in_shape=in_shape,
                    out_shape=out_shape, kernel=tuple(kernel), stride=tuple(stride), pad_hint=tuple(hint))

    def reduce(self, node: Any, label: str, a: dict[str, Any]) -> None:
        """ReduceMean/ReduceMax: global pooling over the reduced axes (attribute, constant input or shapes)."""
        x = node.input[0]
        ins = self.shape(x, label)
        axes = a.get("axes")
        if axes is None and len(node.input) > 1 and node.input[1]:
            value = self.value(node.input[1])
            axes = None if value is None else [int(v) for v in value.reshape(-1)]
        if axes is None and len(node.input) > 1 and node.input[1]:
            if not a.get("keepdims", 1):
                self.b.unsupported(label, node.op_type, [x], "axes computed at run time and keepdims=0")
                return
            outs = self.shape(node.output[0], label)
            axes = [i for i, (p, q) in enumerate(zip(ins, outs)) if p != q]
        if axes is None:
            axes = [] if a.get("noop_with_empty_axes", 0) else range(len(ins))
        if not axes or all(ins[i] == 1 for i in axes):
            self.b.zero_cost(label, [x])
            return
        mode = "avg" if node.op_type == "ReduceMean" else "max"
        self.b.global_pool(label, x, mode=mode, in_shape=ins, axes=axes)

    def gather(self, node: Any, label: str, a: dict[str, Any]) -> None:
        data, ids = node.input
        if self.b.is_computed(data):
            self.b.zero_cost(label, [data])
            return
        table = self.shape(data, label)
        if a.get("axis", 0) != 0 or len(table) < 2:
            self.b.unsupported(label, "Gather", [ids], "a lookup that is not row gathering from a table")
            return
        self.b.embedding(label, ids, ids_shape=self.shape(ids, label), vocab=table[0], dim=math.prod(table[1:]))
