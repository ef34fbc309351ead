"""What the ONNX and torch.fx importers share: turning one graph node's shapes into operators.

An importer walks its graph in order and, for each node, calls one method of
`GraphBuilder` with the node's name, its tensor inputs (as value names) and the
shapes it has found. The builder owns the `Workload` being built, the map from each
graph value to the operators that produced it, and the policy for nodes no operator
describes. All sizes given to it are whole tensors, batch included; it divides by
the workload's batch (the first axis of the first graph input) to get the
per-sample sizes operators hold.

Values that are not computed from a graph input (weights, constants, shapes) have no
producer: edges run only between operators. Zero-cost nodes (reshape, transpose,
concat, ...) produce no operator; their output stands for the union of their inputs'
producers, so the consumer is joined to the real producers.

Examples
--------
>>> b = GraphBuilder("toy", batch=1, precision="int8", on_unsupported="error")
>>> b.graph_input("x")
>>> b.conv("c1", "x", in_shape=(1, 3, 8, 8), out_shape=(1, 4, 8, 8), kernel=(3, 3), stride=(1, 1),
...        dilation=(1, 1), groups=1, pad_hint=(1, 1), bias=False)
>>> b.elementwise("r1", ["c1"], op="relu", out_shape=(1, 4, 8, 8))
>>> b.zero_cost("flat", ["r1"])
>>> b.matmul("fc", "flat", "w", a_shape=(1, 256), b_shape=(256, 10), b_weight=True, bias=True)
>>> w = b.finish()
>>> [(op.name, op.kind) for op in w], w.inputs("fc"), w.params
([('c1', 'conv2d'), ('r1', 'elementwise'), ('fc', 'gemm')], ('r1',), 2678)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Literal

from hwcodesign.core.errors import ConfigError
from hwcodesign.workloads.operators import _UNARY as UNARY_OPS
from hwcodesign.workloads.operators import (
    BatchNorm,
    Conv2d,
    Elementwise,
    Embedding,
    Gemm,
    LayerNorm,
    Operator,
    Pool,
    Softmax,
)
from hwcodesign.workloads.workload import Workload

__all__ = ["GraphBuilder", "OnUnsupported", "UNSUPPORTED_CHOICES", "check_on_unsupported"]

#: What an importer does with a node no operator describes.
OnUnsupported = Literal["error", "warn"]
UNSUPPORTED_CHOICES: tuple[str, ...] = ("error", "warn")

Shape = Sequence[int]


def check_on_unsupported(value: object) -> OnUnsupported:
    """Return ``value`` if it is ``'error'`` or ``'warn'``; raise `ConfigError` otherwise."""
    if value not in UNSUPPORTED_CHOICES:
        raise ConfigError(f"The 'on_unsupported' option must be one of 'error', 'warn'. Got {value!r}.")
    return value  # type: ignore[return-value]


def _fit_pad(size: int, out: int, kernel: int, stride: int, dilation: int, hint: int | None) -> tuple[int, bool]:
    """The symmetric padding (and ceil mode) that gives ``out`` from ``size``; ``hint`` is tried first.

    Frameworks allow asymmetric or "same" padding; the MAC count depends only on the
    output size, so any padding that reproduces it describes the same loop nest.
    """
    span = dilation * (kernel - 1) + 1
    candidates = ([hint] if hint is not None else []) + list(range(0, span + 1))
    for ceil_mode in (False, True):
        for pad in candidates:
            top = size + 2 * pad - span
            if top >= 0 and (-(-top // stride) if ceil_mode else top // stride) + 1 == out:
                return pad, ceil_mode
    raise ConfigError(f"No padding of a {kernel}-wide window (stride {stride}, dilation {dilation}) turns "
                      f"{size} input positions into {out}.")


class GraphBuilder:
    """Builds a `Workload` node by node for an importer (see the module docstring).

    Parameters
    ----------
    name, batch, precision
        Those of the workload.
    on_unsupported
        ``'error'``: `unsupported` raises `ConfigError` naming the node and its op.
        ``'warn'``: the node is passed through at zero cost and `finish` warns, listing
        every such node.
    """

    def __init__(self, name: str, *, batch: int, precision: str, on_unsupported: OnUnsupported) -> None:
        self.w = Workload(name, batch=batch, precision=precision)
        self.batch = batch
        self.on_unsupported = check_on_unsupported(on_unsupported)
        self._producers: dict[str, tuple[str, ...]] = {}
        self._skipped: list[str] = []

    # -- values -------------------------------------------------------------------
    def graph_input(self, value: str) -> None:
        """Declare a graph input: read by operators, produced by none."""
        self._producers[value] = ()

    def producers(self, values: Iterable[str]) -> tuple[str, ...]:
        """The operators whose outputs ``values`` stand for, in order, without repeats."""
        seen: dict[str, None] = {}
        for value in values:
            for src in self._producers.get(value, ()):
                seen[src] = None
        return tuple(seen)

    def is_computed(self, value: str) -> bool:
        """True if ``value`` depends on a graph input (False for weights and constants)."""
        return value in self._producers

    def per_sample(self, elements: int, node: str) -> int:
        """``elements / batch``, checked to divide evenly."""
        if elements % self.batch:
            raise ConfigError(f"Node {node!r} has a tensor of {elements} elements, which the batch of "
                              f"{self.batch} does not divide; the first axis of the first input must be the batch.")
        return elements // self.batch

    def _add(self, node: str, op: Operator, inputs: Iterable[str]) -> None:
        label = node
        i = 1
        while label in self.w:
            label, i = f"{node}_{i}", i + 1
        self._producers[node] = (self.w.add(op, self.producers(inputs), name=label),)

    # -- zero cost ------------------------------------------------------------------
    def zero_cost(self, node: str, inputs: Iterable[str]) -> None:
        """A node that moves or relabels data (reshape, transpose, concat...): no operator."""
        inputs = [v for v in inputs if self.is_computed(v)]
        if inputs:
            self._producers[node] = self.producers(inputs)

    def unsupported(self, node: str, op: str, inputs: Iterable[str], why: str = "") -> None:
        """A node no operator describes: raise, or pass it through at zero cost and remember it."""
        if self.on_unsupported == "error":
            detail = f" ({why})" if why else ""
            raise ConfigError(f"Node {node!r} has op {op!r}, which the importer does not support{detail}. "
                              "Pass on_unsupported='warn' to record it at zero cost instead.")
        self._skipped.append(f"{node} ({op})")
        self.zero_cost(node, inputs)

    # -- operators ------------------------------------------------------------------
    def conv(self, node: str, x: str, *, in_shape: Shape, out_shape: Shape, kernel: tuple[int, int],
             stride: tuple[int, int], dilation: tuple[int, int], groups: int, pad_hint: tuple[int | None, int | None],
             bias: bool) -> None:
        """A 1-D or 2-D convolution (a 1-D one is a 2-D one of height 1); padding is fitted to the output."""
        if len(in_shape) == 3:
            in_shape, out_shape = (*in_shape[:2], 1, in_shape[2]), (*out_shape[:2], 1, out_shape[2])
        if len(in_shape) != 4:
            raise ConfigError(f"Node {node!r} is a {len(in_shape) - 2}-D convolution; only 1-D and 2-D are supported.")
        (_, c, h, w), (_, k, p, q) = in_shape, out_shape
        pad_h, ceil_h = _fit_pad(h, p, kernel[0], stride[0], dilation[0], pad_hint[0])
        pad_w, ceil_w = _fit_pad(w, q, kernel[1], stride[1], dilation[1], pad_hint[1])
        op = Conv2d(in_channels=c, out_channels=k, in_h=h, in_w=w, kernel_h=kernel[0], kernel_w=kernel[1],
                    stride_h=stride[0], stride_w=stride[1], pad_h=pad_h, pad_w=pad_w, dilation_h=dilation[0],
                    dilation_w=dilation[1], groups=groups, bias=bias, ceil_mode=ceil_h or ceil_w)
        self._add(node, op, [x])

    def matmul(self, node: str, a: str, b: str, *, a_shape: Shape, b_shape: Shape, b_weight: bool,
               bias: bool = False) -> None:
        """``a @ b`` with numpy's broadcasting rules; ``b_weight``: ``b`` is a parameter (a linear layer).

        A 2-D weight folds every leading axis of ``a`` into ``m`` (per sample); otherwise
        the leading axes of the output are independent products (``groups`` per sample).
        """
        k, n = b_shape[-2], b_shape[-1]
        if b_weight and len(b_shape) == 2:
            m = self.per_sample(math.prod(a_shape) // k, node)
            self._add(node, Gemm(m=m, n=n, k=k, bias=bias), [a])
            return
        if len(a_shape) == 1:
            a_shape = (1, *a_shape)
        lead = [max(x, y) for x, y in zip(_pad_left(a_shape[:-2], len(b_shape) - 2),
                                          _pad_left(b_shape[:-2], len(a_shape) - 2))]
        groups = self.per_sample(math.prod(lead), node) if lead else 1
        m = a_shape[-2] if lead else self.per_sample(a_shape[-2], node)
        if b_weight:
            self._add(node, Gemm(m=m, n=n, k=k, groups=groups, bias=bias), [a])
        else:
            if bias:
                raise ConfigError(f"Node {node!r} adds a bias to a product of two activations; not supported.")
            self._add(node, Gemm(m=m, n=n, k=k, groups=groups, b_operand="activation"), [a, b])

    def attention(self, node: str, q: str, k: str, v: str, *, q_shape: Shape, k_shape: Shape,
                  v_shape: Shape) -> None:
        """Scaled dot-product attention on (..., tokens, d) tensors: scores, softmax, context."""
        tokens, kv, d_head, d_v = q_shape[-2], k_shape[-2], q_shape[-1], v_shape[-1]
        groups = self.per_sample(math.prod(q_shape[:-2]), node)
        self._add(f"{node}_scores", Gemm(m=tokens, n=kv, k=d_head, groups=groups, b_operand="activation"), [q, k])
        self._add(f"{node}_softmax", Softmax(rows=groups * tokens, length=kv), [f"{node}_scores"])
        self._add(f"{node}_context", Gemm(m=tokens, n=d_v, k=kv, groups=groups, b_operand="activation"),
                  [f"{node}_softmax", v])
        self._producers[node] = self._producers[f"{node}_context"]

    def multihead_attention(self, node: str, q: str, k: str, v: str, *, q_shape: Shape, kv_shape: Shape,
                            d_model: int, heads: int, kdim: int, vdim: int, bias: bool) -> None:
        """``torch.nn.MultiheadAttention``: projections, per-head attention, output projection.

        Self-attention (one input for query, key and value, equal widths) gets one fused
        QKV projection, as `hwcodesign.workloads.attention_block` builds it; otherwise the
        query, key and value projections are separate operators.
        """
        tokens = self.per_sample(math.prod(q_shape) // d_model, node)
        kv_tokens = self.per_sample(math.prod(kv_shape) // kdim, node)
        d_head = d_model // heads
        if q == k == v and kdim == vdim == d_model:
            self._add(f"{node}_qkv", Gemm(m=tokens, n=3 * d_model, k=d_model, bias=bias), [q])
            q = k = v = f"{node}_qkv"
        else:
            self._add(f"{node}_q", Gemm(m=tokens, n=d_model, k=d_model, bias=bias), [q])
            self._add(f"{node}_k", Gemm(m=kv_tokens, n=d_model, k=kdim, bias=bias), [k])
            self._add(f"{node}_v", Gemm(m=kv_tokens, n=d_model, k=vdim, bias=bias), [v])
            q, k, v = f"{node}_q", f"{node}_k", f"{node}_v"
        self._add(f"{node}_scores", Gemm(m=tokens, n=kv_tokens, k=d_head, groups=heads, b_operand="activation"), [q, k])
        self._add(f"{node}_softmax", Softmax(rows=heads * tokens, length=kv_tokens), [f"{node}_scores"])
        self._add(f"{node}_context", Gemm(m=tokens, n=d_head, k=kv_tokens, groups=heads, b_operand="activation"),
                  [f"{node}_softmax", v])
        self._add(f"{node}_out", Gemm(m=tokens, n=d_model, k=d_model, bias=bias), [f"{node}_context"])
        self._producers[node] = self._producers[f"{node}_out"]

    def pool(self, node: str, x: str, *, mode: Literal["max", "avg"], in_shape: Shape, out_shape: Shape,
             kernel: tuple[int, int], stride: tuple[int, int], pad_hint: tuple[int | None, int | None]) -> None:
        """A 1-D or 2-D max/avg pool; a 1 x 1 output from a whole-map window is a global pool."""
        if len(in_shape) == 3:
            in_shape, out_shape = (*in_shape[:2], 1, in_shape[2]), (*out_shape[:2], 1, out_shape[2])
        (_, c, h, w), (_, _, p, q) = in_shape, out_shape
        if (p, q) == (1, 1) and tuple(kernel) == (h, w):
            self.global_pool(node, x, mode=mode, in_shape=in_shape, axes=(2, 3))
            return
        pad_h, ceil_h = _fit_pad(h, p, kernel[0], stride[0], 1, pad_hint[0])
        pad_w, ceil_w = _fit_pad(w, q, kernel[1], stride[1], 1, pad_hint[1])
        same = ceil_h or ceil_w or 2 * max(pad_h, pad_w) > min(kernel)
        if same and (-(-h // stride[0]), -(-w // stride[1])) != (p, q):
            # Pool has floor mode and "same" padding; a ceil-mode window count that neither gives is not supported.
            self.unsupported(node, f"{mode}_pool", [x], f"no floor-mode or 'same' padding gives a {p} x {q} output")
            return
        op = Pool(channels=c, in_h=h, in_w=w, kernel_h=kernel[0], kernel_w=kernel[1], stride_h=stride[0],
                  stride_w=stride[1], pad_h=0 if same else pad_h, pad_w=0 if same else pad_w, mode=mode,
                  pad_same=same)
        self._add(node, op, [x])

    def global_pool(self, node: str, x: str, *, mode: Literal["max", "avg"], in_shape: Shape,
                    axes: Sequence[int]) -> None:
        """Reduce ``x`` over ``axes`` (global pooling over H and W, a mean over tokens...).

        The kept non-batch axes become ``channels`` and the reduced ones the window
        (the first reduced axis its height, the rest its width), so reducing an
        (N, C, H, W) tensor over (2, 3) is the zoo's global pool exactly.
        """
        axes = sorted(a % len(in_shape) for a in axes)
        if not axes or axes[0] == 0:
            self.unsupported(node, f"reduce_{mode}", [x], f"a reduction over axes {axes}, which include the batch")
            return
        reduced = [in_shape[a] for a in axes]
        kept = math.prod(in_shape) // math.prod(reduced)
        op = Pool(channels=self.per_sample(kept, node), in_h=reduced[0], in_w=math.prod(reduced[1:]), mode=mode,
                  global_pool=True)
        self._add(node, op, [x])

    def adaptive_pool(self, node: str, x: str, *, mode: Literal["max", "avg"], in_shape: Shape,
                      out_shape: Shape) -> None:
        """An adaptive pool: global for a 1 x 1 output, else a plain pool where the sizes divide evenly."""
        if all(o == 1 for o in out_shape[2:]):
            self.global_pool(node, x, mode=mode, in_shape=in_shape, axes=range(2, len(in_shape)))
            return
        if any(i % o for i, o in zip(in_shape[2:], out_shape[2:])):
            self.unsupported(node, f"adaptive_{mode}_pool", [x],
                             f"output {tuple(out_shape[2:])} does not divide input {tuple(in_shape[2:])}")
            return
        windows = tuple(i // o for i, o in zip(in_shape[2:], out_shape[2:]))
        kernel = (windows[0], windows[1]) if len(windows) == 2 else (1, windows[0])
        self.pool(node, x, mode=mode, in_shape=in_shape, out_shape=out_shape, kernel=kernel, stride=kernel,
                  pad_hint=(0, 0))

    def elementwise(self, node: str, inputs: Sequence[str], *, op: str, out_shape: Shape) -> None:
        """An elementwise op; constant operands count as inputs (``x * 0.5`` reads two values)."""
        computed = [v for v in inputs if self.is_computed(v)]
        if not computed:
            return
        elements = self.per_sample(math.prod(out_shape), node)
        num_inputs = 1 if op in UNARY_OPS else max(2, len(inputs))
        self._add(node, Elementwise(op=op, elements=elements, num_inputs=num_inputs), computed)

    def batchnorm(self, node: str, x: str, *, shape: Shape, affine: bool = True) -> None:
        """Batch normalisation over axis 1 of an (N, C, ...) tensor."""
        c, spatial = shape[1], list(shape[2:]) or [1]
        h, w = spatial[0], math.prod(spatial[1:])
        self._add(node, BatchNorm(channels=c, h=h, w=w, affine=affine), [x])

    def layernorm(self, node: str, x: str, *, shape: Shape, features: int, affine: bool = True) -> None:
        """Layer normalisation of vectors of ``features`` values."""
        rows = self.per_sample(math.prod(shape) // features, node)
        self._add(node, LayerNorm(rows=rows, features=features, affine=affine), [x])

    def softmax(self, node: str, x: str, *, shape: Shape, axis: int) -> None:
        """Softmax along ``axis``."""
        length = shape[axis]
        self._add(node, Softmax(rows=self.per_sample(math.prod(shape) // length, node), length=length), [x])

    def embedding(self, node: str, ids: str, *, ids_shape: Shape, vocab: int, dim: int) -> None:
        """Rows of a (``vocab`` x ``dim``) table gathered by integer ``ids``."""
        tokens = self.per_sample(math.prod(ids_shape), node)
        self._add(node, Embedding(tokens=tokens, vocab=vocab, dim=dim), [ids])

    # -- done -----------------------------------------------------------------------
    def finish(self) -> Workload:
        """Return the workload; warn (one `UserWarning`) listing the nodes passed through in warn mode."""
        if self._skipped:
            warnings.warn(f"{len(self._skipped)} unsupported node(s) of {self.w.name!r} were recorded at zero cost: "
                          + ", ".join(self._skipped), UserWarning, stacklevel=3)
        return self.w


def _pad_left(shape: Shape, ndim: int) -> list[int]:
    return [1] * (ndim - len(shape)) + list(shape)
