"""Import a PyTorch ``nn.Module`` into a `Workload` through ``torch.fx`` (optional extra ``torch``).

The module is traced symbolically (``torch.fx.symbolic_trace``) and run once on the
example inputs (``ShapeProp``, under ``torch.no_grad`` and in eval mode, the module's
modes restored afterwards) to learn every tensor's shape. Each node then becomes
operators through the shared `GraphBuilder`: modules of ``torch.nn`` (convolutions,
linear, batch/layer norm, activations, pooling, ``MultiheadAttention``, embedding,
softmax) and the matching ``torch`` / ``torch.nn.functional`` / tensor-method calls
(``+``, ``*``, ``matmul``, ``softmax``, ``scaled_dot_product_attention``, ``mean``,
...). Views and copies (``view``, ``flatten``, ``transpose``, ``cat``, dropout, ...) cost
nothing and only pass their inputs on. The first axis of the first example input is
the batch.

Examples
--------
>>> import torch
>>> from torch import nn
>>> net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
...                     nn.Linear(8, 10))
>>> w = from_torch(net, torch.zeros(2, 3, 16, 16), name="toy")
>>> [op.kind for op in w], w.batch
(['conv2d', 'elementwise', 'pool', 'gemm'], 2)
>>> w.params == sum(p.numel() for p in net.parameters())
True
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

from hwcodesign.core.errors import ConfigError
from hwcodesign.workloads.importers._builder import GraphBuilder, OnUnsupported, check_on_unsupported
from hwcodesign.workloads.workload import Workload

__all__ = ["from_torch"]


def _torch() -> Any:
    try:
        import torch
        import torch.fx  # noqa: F401
    except ImportError:
        raise ConfigError("Importing a PyTorch module needs PyTorch: pip install 'hwcodesign[torch]'.") from None
    return torch


def from_torch(module: Any, example_inputs: Any, *, name: str | None = None, precision: str = "int8",
               on_unsupported: OnUnsupported = "error") -> Workload:
    """Trace ``module`` with ``torch.fx`` and return it as a `Workload`.

    Parameters
    ----------
    module
        A ``torch.nn.Module`` (or an already traced ``torch.fx.GraphModule``).
    example_inputs
        A tensor or a tuple of tensors to run the module on; only their shapes matter.
        The first axis of the first one is the workload's batch.
    name
        The workload's name (default: the module's class name).
    precision
        Element type of every tensor in the workload.
    on_unsupported
        ``'error'`` (default): a node no operator describes raises `ConfigError` naming
        it and its op. ``'warn'``: such nodes pass their inputs on at zero cost and one
        `UserWarning` lists them.
    """
    torch = _torch()
    on_unsupported = check_on_unsupported(on_unsupported)
    if not isinstance(module, torch.nn.Module):
        raise ConfigError(f"from_torch takes a torch.nn.Module. Got {type(module).__name__}.")
    inputs = tuple(example_inputs) if isinstance(example_inputs, (tuple, list)) else (example_inputs,)
    if not inputs or not all(isinstance(x, torch.Tensor) for x in inputs) or inputs[0].dim() == 0:
        raise ConfigError("The 'example_inputs' of from_torch must be a tensor (with a batch axis) or a tuple of "
                          "tensors.")
    gm = _trace(torch, module)
    from torch.fx.passes.shape_prop import ShapeProp

    modes = {m: m.training for m in gm.modules()}
    try:
        gm.eval()
        with torch.no_grad():
            ShapeProp(gm).propagate(*inputs)
    finally:
        for m, training in modes.items():
            m.training = training
    b = GraphBuilder(name or type(module).__name__, batch=int(inputs[0].shape[0]), precision=precision,
                     on_unsupported=on_unsupported)
    for node in gm.graph.nodes:
        _convert(torch, gm, b, node)
    return b.finish()


def _trace(torch: Any, module: Any) -> Any:
    if isinstance(module, torch.fx.GraphModule):
        return module
    try:
        return torch.fx.symbolic_trace(module)
    except Exception as exc:  # torch raises many types (TraceError, TypeError, ...) for untraceable code
        raise ConfigError(f"torch.fx cannot trace {type(module).__name__}: {exc}. Data-dependent control flow "
                          "must be removed, or the module exported to ONNX and imported with from_onnx.") from exc


# -- reading fx nodes ---------------------------------------------------------------
def _shape(node: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in node.meta["tensor_meta"].shape)


def _arg(node: Any, index: int, keyword: str, default: Any = None) -> Any:
    return node.args[index] if len(node.args) > index else node.kwargs.get(keyword, default)


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[-1]))


def _hint(padding: Any) -> tuple[int | None, int | None]:
    """Padding as given (a hint for `GraphBuilder`); ``'same'``/``'valid'`` leave it to the output shape."""
    return (None, None) if isinstance(padding, str) else _pair(padding)


def _names(nodes: Sequence[Any]) -> list[str]:
    return [n.name for n in nodes if hasattr(n, "name")]


# -- the tables ---------------------------------------------------------------------
def _tables(torch: Any) -> dict[str, dict[Any, str]]:
    F = torch.nn.functional
    nn = torch.nn
    return {
        "unary_fn": {F.relu: "relu", torch.relu: "relu", F.relu6: "relu6", F.gelu: "gelu", torch.sigmoid: "sigmoid",
                     F.sigmoid: "sigmoid", torch.tanh: "tanh", F.tanh: "tanh", F.silu: "silu", F.hardswish: "hardswish",
                     F.hardsigmoid: "hardsigmoid", F.leaky_relu: "leaky_relu", torch.exp: "exp", torch.sqrt: "sqrt"},
        "unary_method": {"relu": "relu", "relu_": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "exp": "exp",
                         "sqrt": "sqrt"},
        "unary_module": {nn.ReLU: "relu", nn.ReLU6: "relu6", nn.LeakyReLU: "leaky_relu", nn.Sigmoid: "sigmoid",
                         nn.Tanh: "tanh", nn.GELU: "gelu", nn.SiLU: "silu", nn.Hardswish: "hardswish",
                         nn.Hardsigmoid: "hardsigmoid"},
        "binary_fn": {operator.add: "add", operator.iadd: "add", torch.add: "add", operator.sub: "sub",
                      torch.sub: "sub", operator.mul: "mul", operator.imul: "mul", torch.mul: "mul",
                      operator.truediv: "div", torch.div: "div", torch.maximum: "max", torch.minimum: "min"},
        "binary_method": {"add": "add", "add_": "add", "sub": "sub", "mul": "mul", "mul_": "mul", "div": "div"},
        "zero_fn": {f: f.__name__ for f in (torch.flatten, torch.reshape, torch.transpose, torch.permute,
                                            torch.squeeze, torch.unsqueeze, torch.cat, torch.concat, torch.stack,
                                            torch.chunk, torch.split, torch.unbind, torch.narrow, operator.getitem,
                                            getattr, F.dropout, torch.t)},
        "zero_method": {m: m for m in ("view", "reshape", "flatten", "unflatten", "permute", "transpose",
                                       "contiguous", "squeeze", "unsqueeze", "expand", "expand_as", "chunk",
                                       "split", "unbind", "t", "to", "type", "float", "half", "bfloat16", "detach",
                                       "clone", "narrow", "view_as", "reshape_as")},
        "zero_module": {nn.Flatten: "Flatten", nn.Unflatten: "Unflatten", nn.Dropout: "Dropout",
                        nn.Identity: "Identity"},
        "matmul": {torch.matmul: "matmul", operator.matmul: "matmul", torch.bmm: "bmm", torch.mm: "mm",
                   "matmul": "matmul", "bmm": "bmm", "mm": "mm", "__matmul__": "matmul"},
        "softmax": {F.softmax: "softmax", torch.softmax: "softmax", "softmax": "softmax"},
    }


_TABLES: dict[str, dict[Any, str]] = {}


def _table(torch: Any, key: str) -> dict[Any, str]:
    if not _TABLES:
        _TABLES.update(_tables(torch))
    return _TABLES[key]


def _convert(torch: Any, gm: Any, b: GraphBuilder, node: Any) -> None:
    if node.op == "placeholder":
        b.graph_input(node.name)
        return
    if node.op in ("get_attr", "output"):
        return
    ins = list(node.all_input_nodes)
    # Non-tensor results (sizes, shapes) and values computed from weights alone are constants.
    if "tensor_meta" not in node.meta or not any(b.is_computed(n.name) for n in ins):
        return
    if node.op == "call_module":
        mod = gm.get_submodule(node.target)
        _MODULE_HANDLERS.get(_module_kind(torch, mod), _unsupported_module)(torch, b, node, mod)
        return
    _call(torch, b, node, node.target)


def _unsupported_module(torch: Any, b: GraphBuilder, node: Any, mod: Any) -> None:
    b.unsupported(node.name, type(mod).__name__, _names(node.all_input_nodes))


def _module_kind(torch: Any, mod: Any) -> str:
    nn = torch.nn
    for kind, classes in (("conv", (nn.Conv1d, nn.Conv2d)), ("linear", (nn.Linear,)),
                          ("batchnorm", (nn.BatchNorm1d, nn.BatchNorm2d)), ("layernorm", (nn.LayerNorm,)),
                          ("pool", (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d)),
                          ("adaptive_pool", (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool1d,
                                             nn.AdaptiveMaxPool2d)),
                          ("softmax", (nn.Softmax,)), ("embedding", (nn.Embedding,)),
                          ("mha", (nn.MultiheadAttention,))):
        if isinstance(mod, classes):
            return kind
    if type(mod) in _table(torch, "unary_module"):
        return "unary"
    if type(mod) in _table(torch, "zero_module"):
        return "zero"
    return ""


# -- modules ------------------------------------------------------------------------
def _m_conv(torch: Any, b: GraphBuilder, node: Any, mod: Any) -> None:
    x = node.args[0]
    if isinstance(mod, torch.nn.Conv1d):
        kernel, stride, dilation = (1, mod.kernel_size[0]), (1, mod.stride[0]), (1, mod.dilation[0])
        pad_hint = (0, None if isinstance(mod.padding, str) else mod.padding[0])
    else:
        kernel, stride, dilation, pad_hint = mod.kernel_size, mod.stride, mod.dilation, _hint(mod.padding)
    b.conv(node.name, x.name, in_shape=_shape(x), out_shape=_shape(node), kernel=tuple(kernel), stride=tuple(stride),
           dilation=tuple(dilation), groups=mod.groups, pad_hint=pad_hint, bias=mod.bias is not None)


def _m_linear(torch: Any, b: GraphBuilder, node: Any, mod: Any) -> None:
    x = node.args[0]
    b.matmul(node.name, x.name, "", a_shape=_shape(x), b_shape=(mod.in_features, mod.out_features), b_weight=True,
             bias=mod.bias is not None)


def _m_batchnorm(torch: Any, b: GraphBuilder, node: Any, mod: Any) -> None:
    b.batchnorm(node.name, node.args[0].name, shape=_shape(node), affine=mod.affine)


def _m_layernorm(torch: Any, b: GraphBuilder, node: Any, mod: Any) -> None:
    b.layernorm(node.name, node.args[0].name, shape=_shape(node), features=math.prod(mod.normalized_shape),
                affine=mod.elementwise_affine)


def _m_pool(torch: Any, b: GraphBuilder, node: Any, mod: Any) -> None:
    x = node.args[0]
    mode = "max" if "Max" in type(mod).__name__ else "avg"
    _pool(b, node, x, mode, mod.kernel_size, mod.stride, mod.padding, getattr(mod, "dilation", 1),
          mod.ceil_mode, one_d=type(mod).__name__.endswith("1d"))


def _pool(b: GraphBuilder, node: Any, x: Any, mode: str, kernel: Any, stride: Any, padding: Any, dilation: Any,
          ceil_mode: bool, *, one_d: bool) -> None:
    if dilation not in (1, (1, 1), [1, 1]):
        b.unsupported(node.name, f"{mode}_pool", [x.name], "dilated pooling")
        return
    stride = stride or kernel
    if one_d:
        k, s, p = (1, _pair(kernel)[0]), (1, _pair(stride)[0]), (0, _pair(padding)[0])
    else:
        k, s, p = _pair(kernel), _pair(stride), _pair(padding)
    b.pool(node.name, x.name, mode=mode, in_shape=_shape(x), out_shape=_shape(node), kernel=k, stride=s, pad_hint=p)


def _m_adaptive_pool(torch: Any, b: GraphBuilder, node: Any, mod: Any) -> None:
    x = node.args[0]
    mode = "max" if "Max" in type(mod).__name__ else "avg"
    b.adaptive_pool(node.name, x.name, mode=mode, in_shape=_shape(x), out_shape=_shape(node))


def _m_softmax(torch: Any, b: GraphBuilder, node: Any, mod: Any) -> None:
    shape = _shape(node)
    b.softmax(node.name, node.args[0].name, shape=shape, axis=mod.dim if mod.dim is not None else -1)


def _m_embedding(torch: Any, b: GraphBuilder, node: Any, mod: Any) -> None:
    ids = node.args[0]
    b.embedding(node.name, ids.name, ids_shape=_shape(ids), vocab=mod.num_embeddings, dim=mod.embedding_dim)


def _m_mha(torch: Any, b: GraphBuilder, node: Any, mod: Any) -> None:
    q, k, v = (_arg(node, i, kw) for i, kw in enumerate(("query", "key", "value")))
    if mod.bias_k is not None or mod.add_zero_attn:
        b.unsupported(node.name, "MultiheadAttention", _names([q, k, v]), "add_bias_kv / add_zero_attn")
        return
    b.multihead_attention(node.name, q.name, k.name, v.name, q_shape=_shape(q), kv_shape=_shape(k),
                          d_model=mod.embed_dim, heads=mod.num_heads, kdim=mod.kdim, vdim=mod.vdim,
                          bias=mod.in_proj_bias is not None)


def _m_unary(torch: Any, b: GraphBuilder, node: Any, mod: Any) -> None:
    b.elementwise(node.name, [node.args[0].name], op=_table(torch, "unary_module")[type(mod)], out_shape=_shape(node))


def _m_zero(torch: Any, b: GraphBuilder, node: Any, mod: Any) -> None:
    b.zero_cost(node.name, _names(node.all_input_nodes))


_MODULE_HANDLERS: dict[str, Callable[[Any, GraphBuilder, Any, Any], None]] = {
    "conv": _m_conv, "linear": _m_linear, "batchnorm": _m_batchnorm, "layernorm": _m_layernorm, "pool": _m_pool,
    "adaptive_pool": _m_adaptive_pool, "softmax": _m_softmax, "embedding": _m_embedding, "mha": _m_mha,
    "unary": _m_unary, "zero": _m_zero,
}


# -- functions and methods ----------------------------------------------------------
def _call(torch: Any, b: GraphBuilder, node: Any, target: Any) -> None:
    F = torch.nn.functional
    key = target if node.op == "call_function" else str(target)
    kind = "method" if node.op == "call_method" else "fn"
    ins = _names(node.all_input_nodes)
    shape = _shape(node) if hasattr(node.meta["tensor_meta"], "shape") else None
    x = node.args[0] if node.args else None

    if key in _table(torch, f"unary_{kind}"):
        b.elementwise(node.name, [x.name], op=_table(torch, f"unary_{kind}")[key], out_shape=shape)
    elif key in _table(torch, f"binary_{kind}"):
        operands = [a for a in node.args[:2] if isinstance(a, (torch.fx.Node, int, float))]
        b.elementwise(node.name, [a.name if isinstance(a, torch.fx.Node) else str(a) for a in operands],
                      op=_table(torch, f"binary_{kind}")[key], out_shape=shape)
    elif key in _table(torch, f"zero_{kind}"):
        b.zero_cost(node.name, ins)
    elif key in _table(torch, "matmul"):
        a, other = node.args[0], node.args[1]
        b.matmul(node.name, a.name, other.name, a_shape=_shape(a), b_shape=_shape(other),
                 b_weight=not b.is_computed(other.name))
    elif key in _table(torch, "softmax"):
        b.softmax(node.name, x.name, shape=shape, axis=_arg(node, 1, "dim", -1))
    elif key is F.scaled_dot_product_attention:
        q, k, v = node.args[:3]
        b.attention(node.name, q.name, k.name, v.name, q_shape=_shape(q), k_shape=_shape(k), v_shape=_shape(v))
    elif key is F.linear:
        w, bias = node.args[1], _arg(node, 2, "bias")
        n, k = _shape(w)
        b.matmul(node.name, x.name, w.name, a_shape=_shape(x), b_shape=(k, n), b_weight=not b.is_computed(w.name),
                 bias=bias is not None)
    elif key in (F.conv1d, F.conv2d):
        w = node.args[1]
        ws = _shape(w)
        one_d = key is F.conv1d
        pair = (lambda v: (1, _pair(v)[0])) if one_d else _pair
        padding = _arg(node, 4, "padding", 0)
        pad_hint = (None, None) if isinstance(padding, str) else ((0, _pair(padding)[0]) if one_d else _pair(padding))
        b.conv(node.name, x.name, in_shape=_shape(x), out_shape=shape, kernel=(1, ws[2]) if one_d else ws[2:],
               stride=pair(_arg(node, 3, "stride", 1)), dilation=pair(_arg(node, 5, "dilation", 1)),
               groups=_arg(node, 6, "groups", 1), pad_hint=pad_hint, bias=_arg(node, 2, "bias") is not None)
    elif key is F.layer_norm:
        b.layernorm(node.name, x.name, shape=shape, features=math.prod(_arg(node, 1, "normalized_shape")),
                    affine=_arg(node, 2, "weight") is not None)
    elif key is F.batch_norm:
        b.batchnorm(node.name, x.name, shape=shape, affine=_arg(node, 3, "weight") is not None)
    elif key in (F.max_pool2d, F.avg_pool2d, F.max_pool1d, F.avg_pool1d):
        kernel = _arg(node, 1, "kernel_size")
        _pool(b, node, x, "max" if "max" in key.__name__ else "avg", kernel, _arg(node, 2, "stride"),
              _arg(node, 3, "padding", 0), 1, False, one_d=key.__name__.endswith("1d"))
    elif key in (F.adaptive_avg_pool2d, F.adaptive_avg_pool1d, F.adaptive_max_pool2d, F.adaptive_max_pool1d):
        b.adaptive_pool(node.name, x.name, mode="max" if "max" in key.__name__ else "avg", in_shape=_shape(x),
                        out_shape=shape)
    elif key in (torch.mean, "mean", torch.amax, "amax"):
        _reduce(b, node, x, "avg" if "mean" in str(getattr(key, "__name__", key)) else "max")
    elif key is F.embedding:
        w = node.args[1]
        vocab, dim = _shape(w)
        b.embedding(node.name, x.name, ids_shape=_shape(x), vocab=vocab, dim=dim)
    else:
        b.unsupported(node.name, getattr(target, "__name__", str(target)), ins)


def _reduce(b: GraphBuilder, node: Any, x: Any, mode: str) -> None:
    """``mean``/``amax`` over non-batch axes is global pooling over them."""
    shape = _shape(x)
    dims = _arg(node, 1, "dim")
    dims = (dims,) if isinstance(dims, int) else tuple(dims) if dims else tuple(range(len(shape)))
    b.global_pool(node.name, x.name, mode=mode, in_shape=shape, axes=dims)
