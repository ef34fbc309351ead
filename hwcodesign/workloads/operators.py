"""Operators as loop nests: the one place where MACs, parameters and tensor sizes are computed.

Every operator is a frozen, keyword-only `Spec` validated on construction. Each knows
its canonical loop dimensions (`dims`), its multiply-accumulates (`macs`), the other
arithmetic it does (`vector_ops`: comparisons, exponentials, adds that are not part of
a MAC), its parameter count (`params`), its operand tensors (`operands`), their sizes
in bytes at a precision (`bytes`), and, for MAC operators, the im2col GEMM view a
systolic array sees (`gemm_view`).

Every operator carries ``batch``, the number of samples; all other sizes are per sample.
A `Workload` sets ``batch`` on every operator it holds.

Examples
--------
>>> conv = Conv2d(in_channels=3, out_channels=8, in_h=32, in_w=32, kernel_h=3, kernel_w=3, pad_h=1, pad_w=1)
>>> conv.out_h, conv.out_w, conv.macs, conv.params
(32, 32, 221184, 216)
>>> conv.gemm_view()
GemmView(m=1024, n=8, k=27, groups=1)
>>> [(t.role, t.shape) for t in conv.operands()]
[('input', (1, 3, 32, 32)), ('weight', (8, 3, 3, 3)), ('output', (1, 8, 32, 32))]
>>> conv.bytes("fp16")
22960
>>> Conv2d(in_channels=3, out_channels=8, in_h=2, in_w=2, kernel_h=3, kernel_w=3)
Traceback (most recent call last):
...
hwcodesign.core.errors.ConfigError: The 'kernel_h' field of Conv2d(name='') must be an int <= the padded input height in_h + 2*pad_h = 2 (with dilation_h=1 the kernel spans 3 rows). Got 3.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

from hwcodesign.core.errors import ConfigError
from hwcodesign.core.registry import Registry
from hwcodesign.core.spec import Spec, spec_field
from hwcodesign.workloads.precision import tensor_bytes

__all__ = [
    "OPERATORS", "Tensor", "GemmView", "ScaleSimConvRow", "Operator",
    "Conv2d", "Gemm", "Pool", "Elementwise", "Softmax", "LayerNorm", "BatchNorm", "Embedding", "Upsample",
    "Role",
]

#: Operator kind name -> class; `Workload.from_dict` looks kinds up here.
OPERATORS: Registry[type[Operator]] = Registry("operator kind")

Role = Literal["input", "weight", "output"]


@dataclass(frozen=True)
class Tensor:
    """One operand of an operator: its name, role and shape (elements are the product)."""

    name: str
    role: Role
    shape: tuple[int, ...]

    @property
    def elements(self) -> int:
        """Number of elements (product of `shape`)."""
        return math.prod(self.shape)

    def bytes(self, precision: str) -> int:
        """Size in bytes at ``precision`` (see `hwcodesign.workloads.precision.tensor_bytes`)."""
        return tensor_bytes(self.elements, precision)


@dataclass(frozen=True)
class GemmView:
    """The GEMM a systolic array runs: ``groups`` independent (m x k) @ (k x n) products.

    ``m`` is the number of output rows (output pixels for a conv), ``n`` the output
    columns (filters per group), ``k`` the reduction length (window size per group).
    """

    m: int
    n: int
    k: int
    groups: int = 1

    @property
    def macs(self) -> int:
        """``m * n * k * groups``."""
        return self.m * self.n * self.k * self.groups


@dataclass(frozen=True)
class ScaleSimConvRow:
    """One row of a SCALE-Sim conv topology, run ``repeat`` times (once per conv group).

    SCALE-Sim has no padding, groups or dilation: ``ifmap_h``/``ifmap_w`` are the padded
    input, and (topology_utils.py, SCALE-Sim 3.0.0) its output height is
    ``ceil((ifmap_h - filter_h + stride_h) / stride_h)``, i.e. rounded up.
    """

    name: str
    ifmap_h: int
    ifmap_w: int
    filter_h: int
    filter_w: int
    channels: int
    num_filters: int
    stride_h: int
    stride_w: int
    repeat: int = 1

    @property
    def macs(self) -> int:
        """The MACs SCALE-Sim counts for this row times ``repeat``."""
        oh = -(-(self.ifmap_h - self.filter_h) // self.stride_h) + 1
        ow = -(-(self.ifmap_w - self.filter_w) // self.stride_w) + 1
        return oh * ow * self.filter_h * self.filter_w * self.channels * self.num_filters * self.repeat


def _register(cls: type[Operator]) -> type[Operator]:
    OPERATORS.register(cls.kind)(cls)
    return cls


@dataclass(frozen=True, kw_only=True)
class Operator(Spec):
    """Base of all operators: a name and the batch (number of samples)."""

    kind: ClassVar[str] = "operator"

    name: str = spec_field(default="", doc="operator name, unique within a workload")
    batch: int = spec_field(default=1, ge=1, doc="number of samples (the N loop)")

    # -- facts every operator defines ---------------------------------------------
    @property
    def dims(self) -> dict[str, int]:
        """Canonical loop dimensions (upper-case names) -> size."""
        raise NotImplementedError

    @property
    def macs(self) -> int:
        """Multiply-accumulate operations (0 for operators that do none)."""
        return 0

    @property
    def vector_ops(self) -> int:
        """Elementary arithmetic outside MACs (adds, compares, exponentials...)."""
        return 0

    @property
    def params(self) -> int:
        """Trainable parameters (weights and biases) held by this operator."""
        return 0

    def operands(self) -> tuple[Tensor, ...]:
        """The operand tensors: inputs, weights, then the output."""
        raise NotImplementedError

    def gemm_view(self) -> GemmView | None:
        """The im2col GEMM for MAC operators; ``None`` for the others."""
        return None

    # -- derived ------------------------------------------------------------------
    def bytes(self, precision: str, role: Role | None = None) -> int:
        """Total bytes of the operands (of one ``role`` if given) at ``precision``."""
        return sum(t.bytes(precision) for t in self.operands() if role is None or t.role == role)

    @property
    def output(self) -> Tensor:
        """The output tensor."""
        return next(t for t in self.operands() if t.role == "output")

    def with_batch(self, batch: int) -> Operator:
        """Return a copy with ``batch`` samples."""
        return replace(self, batch=batch)

    def to_dict(self) -> dict[str, Any]:
        """Fields as plain data, with ``kind`` first (for `Workload.from_dict`)."""
        return {"kind": self.kind, **super().to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """Build from :meth:`to_dict` output; ``Operator.from_dict`` picks the class by ``kind``."""
        if isinstance(data, Mapping) and "kind" in data:
            fields = dict(data)
            target = OPERATORS.get(fields.pop("kind"))
            if cls is not Operator and target is not cls:
                raise ConfigError(f"{cls.__name__}.from_dict was given kind={target.kind!r}; expected {cls.kind!r}.")
            return target.from_dict(fields)
        if cls is Operator:
            raise ConfigError(f"An operator must be given as a mapping with a 'kind' key. Got {data!r}.")
        return super().from_dict(data)


def _out_size(size: int, pad: int, kernel: int, stride: int, dilation: int = 1, ceil_mode: bool = False) -> int:
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    return (-(-span // stride) if ceil_mode else span // stride) + 1


@_register
@dataclass(frozen=True, kw_only=True)
class Conv2d(Operator):
    """2-D convolution, grouped or depthwise: loop nest N, G, K, C, P, Q, R, S.

    ``dims`` gives K and C per group, so ``prod(dims) == macs``. Depthwise is
    ``groups == in_channels`` (see :meth:`depthwise`).
    """

    kind: ClassVar[str] = "conv2d"

    in_channels: int = spec_field(ge=1, doc="input channels C")
    out_channels: int = spec_field(ge=1, doc="output channels (filters) K")
    in_h: int = spec_field(ge=1, doc="input height H")
    in_w: int = spec_field(ge=1, doc="input width W")
    kernel_h: int = spec_field(default=1, ge=1, doc="filter height R")
    kernel_w: int = spec_field(default=1, ge=1, doc="filter width S")
    stride_h: int = spec_field(default=1, ge=1)
    stride_w: int = spec_field(default=1, ge=1)
    pad_h: int = spec_field(default=0, ge=0, doc="zero padding on each of top and bottom")
    pad_w: int = spec_field(default=0, ge=0, doc="zero padding on each of left and right")
    dilation_h: int = spec_field(default=1, ge=1)
    dilation_w: int = spec_field(default=1, ge=1)
    groups: int = spec_field(default=1, ge=1)
    bias: bool = spec_field(default=False, doc="whether a per-filter bias is added")
    ceil_mode: bool = spec_field(default=False, doc="round the output size up (SCALE-Sim's rule; the last "
                                 "window may overhang the padded input) instead of down")

    def _check(self) -> None:
        for field in ("in_channels", "out_channels"):
            if getattr(self, field) % self.groups:
                self._error(field, f"a multiple of groups={self.groups}", getattr(self, field))
        for axis, size in (("h", self.in_h), ("w", self.in_w)):
            kernel, pad, dil = (getattr(self, f"{p}_{axis}") for p in ("kernel", "pad", "dilation"))
            span = dil * (kernel - 1) + 1
            if span > size + 2 * pad:
                what = "height" if axis == "h" else "width"
                unit = "rows" if axis == "h" else "columns"
                self._error(f"kernel_{axis}", f"an int <= the padded input {what} in_{axis} + 2*pad_{axis} = "
                            f"{size + 2 * pad} (with dilation_{axis}={dil} the kernel spans {span} {unit})", kernel)

    @classmethod
    def depthwise(cls, channels: int, in_h: int, in_w: int, kernel: int = 3, *, stride: int = 1,
                  pad: int | None = None, multiplier: int = 1, **kwargs: Any) -> Conv2d:
        """A depthwise conv: one ``kernel x kernel`` filter (or ``multiplier`` of them) per channel.

        ``pad`` defaults to ``kernel // 2`` ("same" for odd kernels at stride 1).

        Examples
        --------
        >>> dw = Conv2d.depthwise(32, 16, 16, 3)
        >>> dw.groups, dw.macs, dw.params, dw.gemm_view()
        (32, 73728, 288, GemmView(m=256, n=1, k=9, groups=32))
        """
        pad = kernel // 2 if pad is None else pad
        return cls(in_channels=channels, out_channels=channels * multiplier, in_h=in_h, in_w=in_w,
                   kernel_h=kernel, kernel_w=kernel, stride_h=stride, stride_w=stride, pad_h=pad, pad_w=pad,
                   groups=channels, **kwargs)

    @property
    def is_depthwise(self) -> bool:
        """True when every group has exactly one input channel (``groups == in_channels``) and groups > 1."""
        return self.groups == self.in_channels and self.groups > 1

    @property
    def out_h(self) -> int:
        """Output height P."""
        return _out_size(self.in_h, self.pad_h, self.kernel_h, self.stride_h, self.dilation_h, self.ceil_mode)

    @property
    def out_w(self) -> int:
        """Output width Q."""
        return _out_size(self.in_w, self.pad_w, self.kernel_w, self.stride_w, self.dilation_w, self.ceil_mode)

    @property
    def dims(self) -> dict[str, int]:
        return {"N": self.batch, "G": self.groups, "K": self.out_channels // self.groups,
                "C": self.in_channels // self.groups, "P": self.out_h, "Q": self.out_w,
                "R": self.kernel_h, "S": self.kernel_w}

    @property
    def macs(self) -> int:
        return math.prod(self.dims.values())

    @property
    def vector_ops(self) -> int:
        return self.batch * self.out_channels * self.out_h * self.out_w if self.bias else 0

    @property
    def params(self) -> int:
        weights = self.out_channels * (self.in_channels // self.groups) * self.kernel_h * self.kernel_w
        return weights + (self.out_channels if self.bias else 0)

    def operands(self) -> tuple[Tensor, ...]:
        ops = [Tensor("ifmap", "input", (self.batch, self.in_channels, self.in_h, self.in_w)),
               Tensor("filter", "weight",
                      (self.out_channels, self.in_channels // self.groups, self.kernel_h, self.kernel_w))]
        if self.bias:
            ops.append(Tensor("bias", "weight", (self.out_channels,)))
        ops.append(Tensor("ofmap", "output", (self.batch, self.out_channels, self.out_h, self.out_w)))
        return tuple(ops)

    def gemm_view(self) -> GemmView:
        d = self.dims
        return GemmView(m=d["N"] * d["P"] * d["Q"], n=d["K"], k=d["C"] * d["R"] * d["S"], groups=d["G"])

    def scalesim_form(self) -> ScaleSimConvRow:
        """This conv as a SCALE-Sim conv-topology row (for one sample).

        Padding is folded into the ifmap size (SCALE-Sim has none). SCALE-Sim rounds
        the output size up (``ceil((H - R) / stride) + 1``), so when a floor-mode conv
        leaves trailing input rows unread the ifmap is cropped to the rows read,
        ``(P - 1) * stride + R``; either way SCALE-Sim computes the same P, Q and MACs. Groups become ``repeat``: SCALE-Sim runs one
        row per group with ``channels = in_channels / groups`` (for a depthwise conv
        this is what SCALE-Sim itself does with rows whose name contains ``'DP'``).
        Dilation has no SCALE-Sim equivalent with the same MACs and is rejected.

        Examples
        --------
        >>> Conv2d(in_channels=3, out_channels=8, in_h=32, in_w=32, kernel_h=3, kernel_w=3,
        ...        pad_h=1, pad_w=1, name="c1").scalesim_form()
        ScaleSimConvRow(name='c1', ifmap_h=34, ifmap_w=34, filter_h=3, filter_w=3, channels=3, num_filters=8, stride_h=1, stride_w=1, repeat=1)
        """
        if self.dilation_h != 1 or self.dilation_w != 1:
            raise ConfigError(
                f"{self._where()} has dilation ({self.dilation_h}, {self.dilation_w}); SCALE-Sim topologies "
                "allow only dilation 1 (an enlarged filter would change the MAC count).")
        ifmap_h = self.in_h + 2 * self.pad_h if self.ceil_mode else (self.out_h - 1) * self.stride_h + self.kernel_h
        ifmap_w = self.in_w + 2 * self.pad_w if self.ceil_mode else (self.out_w - 1) * self.stride_w + self.kernel_w
        return ScaleSimConvRow(
            name=self.name, ifmap_h=ifmap_h, ifmap_w=ifmap_w,
            filter_h=self.kernel_h, filter_w=self.kernel_w, channels=self.in_channels // self.groups,
            num_filters=self.out_channels // self.groups, stride_h=self.stride_h, stride_w=self.stride_w,
            repeat=self.groups)


@_register
@dataclass(frozen=True, kw_only=True)
class Gemm(Operator):
    """Matrix multiply ``A (m x k) @ B (k x n)``, ``groups`` independent ones per sample.

    ``b_operand='weight'``: B is a parameter shared by all samples (a linear layer);
    the GEMM view folds the batch into ``m``. ``b_operand='activation'``: B is computed
    per sample (attention's ``Q @ K^T``, ``P @ V``); each sample's products are separate
    groups. ``weight_shared=True`` marks a weight owned by another operator (GPT-2's
    LM head reuses the token embedding), so it is not counted again in `params`.

    Examples
    --------
    >>> fc = Gemm(m=1, n=10, k=64, bias=True)
    >>> fc.macs, fc.params, fc.gemm_view()
    (640, 650, GemmView(m=1, n=10, k=64, groups=1))
    >>> qk = Gemm(m=128, n=128, k=64, groups=12, b_operand="activation", batch=2)
    >>> qk.macs, qk.params, qk.gemm_view().groups
    (25165824, 0, 24)
    """

    kind: ClassVar[str] = "gemm"

    m: int = spec_field(ge=1, doc="rows of A and of the output, per sample")
    n: int = spec_field(ge=1, doc="columns of B and of the output")
    k: int = spec_field(ge=1, doc="reduction length")
    groups: int = spec_field(default=1, ge=1, doc="independent products per sample (e.g. attention heads)")
    b_operand: Literal["weight", "activation"] = spec_field(default="weight")
    bias: bool = spec_field(default=False)
    weight_shared: bool = spec_field(default=False, doc="weight owned (and counted) by another operator")

    def _check(self) -> None:
        if self.b_operand == "activation":
            for field in ("bias", "weight_shared"):
                if getattr(self, field):
                    self._error(field, "False when b_operand='activation' (there is no weight)", True)

    @property
    def dims(self) -> dict[str, int]:
        return {"B": self.batch, "G": self.groups, "M": self.m, "N": self.n, "K": self.k}

    @property
    def macs(self) -> int:
        return self.batch * self.groups * self.m * self.n * self.k

    @property
    def vector_ops(self) -> int:
        return self.batch * self.groups * self.m * self.n if self.bias else 0

    @property
    def params(self) -> int:
        if self.b_operand != "weight" or self.weight_shared:
            return 0
        return self.groups * self.n * (self.k + (1 if self.bias else 0))

    def operands(self) -> tuple[Tensor, ...]:
        a = Tensor("a", "input", (self.batch, self.groups, self.m, self.k))
        out = Tensor("out", "output", (self.batch, self.groups, self.m, self.n))
        if self.b_operand == "activation":
            return (a, Tensor("b", "input", (self.batch, self.groups, self.k, self.n)), out)
        ops = [a, Tensor("b", "weight", (self.groups, self.k, self.n))]
        if self.bias:
            ops.append(Tensor("bias", "weight", (self.groups, self.n)))
        return (*ops, out)

    def gemm_view(self) -> GemmView:
        if self.b_operand == "weight":
            return GemmView(m=self.batch * self.m, n=self.n, k=self.k, groups=self.groups)
        return GemmView(m=self.m, n=self.n, k=self.k, groups=self.batch * self.groups)


@_register
@dataclass(frozen=True, kw_only=True)
class Pool(Operator):
    """Max or average pooling over ``kernel_h x kernel_w`` windows; ``global_pool`` pools the whole map.

    With ``global_pool=True`` the window is the input (``kernel``, ``stride`` and ``pad``
    must stay at their defaults) and the output is 1 x 1.

    Examples
    --------
    >>> p = Pool(channels=8, in_h=32, in_w=32, kernel_h=2, kernel_w=2, stride_h=2, stride_w=2)
    >>> p.out_h, p.vector_ops, p.macs
    (16, 8192, 0)
    >>> Pool(channels=8, in_h=7, in_w=7, mode="avg", global_pool=True).out_h
    1
    """

    kind: ClassVar[str] = "pool"

    channels: int = spec_field(ge=1)
    in_h: int = spec_field(ge=1)
    in_w: int = spec_field(ge=1)
    kernel_h: int = spec_field(default=1, ge=1)
    kernel_w: int = spec_field(default=1, ge=1)
    stride_h: int = spec_field(default=1, ge=1)
    stride_w: int = spec_field(default=1, ge=1)
    pad_h: int = spec_field(default=0, ge=0)
    pad_w: int = spec_field(default=0, ge=0)
    mode: Literal["max", "avg"] = spec_field(default="max")
    global_pool: bool = spec_field(default=False)
    pad_same: bool = spec_field(default=False, doc="TF/darknet 'SAME' padding: output = ceil(in / stride), "
                                "extra padding at the end; pad_h/pad_w must be 0")

    def _check(self) -> None:
        if self.global_pool:
            for field in ("kernel_h", "kernel_w", "stride_h", "stride_w", "pad_h", "pad_w"):
                default = 0 if field.startswith("pad") else 1
                if getattr(self, field) != default:
                    self._error(field, f"{default} (its default) when global_pool=True", getattr(self, field))
            return
        if self.pad_same:
            for field in ("pad_h", "pad_w"):
                if getattr(self, field):
                    self._error(field, "0 when pad_same=True (the padding is implied)", getattr(self, field))
            return
        for axis, size in (("h", self.in_h), ("w", self.in_w)):
            kernel, pad = getattr(self, f"kernel_{axis}"), getattr(self, f"pad_{axis}")
            if kernel > size + 2 * pad:
                self._error(f"kernel_{axis}", f"an int <= in_{axis} + 2*pad_{axis} = {size + 2 * pad}", kernel)
            if 2 * pad > kernel:
                self._error(f"pad_{axis}", f"an int <= kernel_{axis} / 2 = {kernel / 2:g}", pad)

    @property
    def window(self) -> tuple[int, int]:
        """The effective (height, width) of the pooling window."""
        return (self.in_h, self.in_w) if self.global_pool else (self.kernel_h, self.kernel_w)

    def _out(self, size: int, pad: int, kernel: int, stride: int) -> int:
        if self.global_pool:
            return 1
        if self.pad_same:
            return -(-size // stride)
        return _out_size(size, pad, kernel, stride)

    @property
    def out_h(self) -> int:
        """Output height P."""
        return self._out(self.in_h, self.pad_h, self.kernel_h, self.stride_h)

    @property
    def out_w(self) -> int:
        """Output width Q."""
        return self._out(self.in_w, self.pad_w, self.kernel_w, self.stride_w)

    @property
    def dims(self) -> dict[str, int]:
        r, s = self.window
        return {"N": self.batch, "C": self.channels, "P": self.out_h, "Q": self.out_w, "R": r, "S": s}

    @property
    def vector_ops(self) -> int:
        return math.prod(self.dims.values())

    def operands(self) -> tuple[Tensor, ...]:
        return (Tensor("ifmap", "input", (self.batch, self.channels, self.in_h, self.in_w)),
                Tensor("ofmap", "output", (self.batch, self.channels, self.out_h, self.out_w)))


_NARY = ("add", "mul", "sub", "div", "max", "min")
_UNARY = ("relu", "relu6", "leaky_relu", "sigmoid", "tanh", "gelu", "silu", "hardswish", "hardsigmoid",
          "copy", "exp", "sqrt", "scale")


@_register
@dataclass(frozen=True, kw_only=True)
class Elementwise(Operator):
    """An elementwise operation on ``num_inputs`` tensors of ``elements`` values each (per sample).

    Unary functions (``relu``, ``gelu``, ...) take one input; ``add``, ``mul``, ... take
    two or more. ``vector_ops`` counts one operation per output element per input
    combined (``num_inputs - 1`` for n-ary operations).

    Examples
    --------
    >>> Elementwise(op="add", elements=100, num_inputs=3).vector_ops
    200
    >>> Elementwise(op="relu", elements=100, num_inputs=2)
    Traceback (most recent call last):
    ...
    hwcodesign.core.errors.ConfigError: The 'num_inputs' field of Elementwise(name='') must be 1 for op='relu'. Got 2.
    """

    kind: ClassVar[str] = "elementwise"

    op: str = spec_field(choices=_NARY + _UNARY)
    elements: int = spec_field(ge=1, doc="elements of each input and of the output, per sample")
    num_inputs: int = spec_field(default=1, ge=1)

    def _check(self) -> None:
        if self.op in _UNARY and self.num_inputs != 1:
            self._error("num_inputs", f"1 for op={self.op!r}", self.num_inputs)
        if self.op in _NARY and self.num_inputs < 2:
            self._error("num_inputs", f"an int >= 2 for op={self.op!r}", self.num_inputs)

    @property
    def dims(self) -> dict[str, int]:
        return {"N": self.batch, "E": self.elements}

    @property
    def vector_ops(self) -> int:
        return self.batch * self.elements * max(1, self.num_inputs - 1)

    def operands(self) -> tuple[Tensor, ...]:
        ins = tuple(Tensor(f"x{i}", "input", (self.batch, self.elements)) for i in range(self.num_inputs))
        return (*ins, Tensor("y", "output", (self.batch, self.elements)))


@_register
@dataclass(frozen=True, kw_only=True)
class Softmax(Operator):
    """Softmax over the last axis of a (``rows`` x ``length``) tensor per sample.

    ``vector_ops`` counts 5 per element: max, subtract, exp, sum, divide.

    Examples
    --------
    >>> Softmax(rows=12 * 128, length=128).vector_ops
    983040
    """

    kind: ClassVar[str] = "softmax"

    rows: int = spec_field(ge=1)
    length: int = spec_field(ge=1)

    @property
    def dims(self) -> dict[str, int]:
        return {"N": self.batch, "M": self.rows, "L": self.length}

    @property
    def vector_ops(self) -> int:
        return 5 * math.prod(self.dims.values())

    def operands(self) -> tuple[Tensor, ...]:
        shape = (self.batch, self.rows, self.length)
        return Tensor("x", "input", shape), Tensor("y", "output", shape)


@_register
@dataclass(frozen=True, kw_only=True)
class LayerNorm(Operator):
    """Layer normalisation of ``rows`` vectors of ``features`` (per sample); affine adds 2 x features params.

    ``vector_ops`` counts 7 per element (mean, centre, square, variance, normalise, scale, shift).

    Examples
    --------
    >>> LayerNorm(rows=128, features=768).params
    1536
    """

    kind: ClassVar[str] = "layernorm"

    rows: int = spec_field(ge=1)
    features: int = spec_field(ge=1)
    affine: bool = spec_field(default=True)

    @property
    def dims(self) -> dict[str, int]:
        return {"N": self.batch, "M": self.rows, "F": self.features}

    @property
    def vector_ops(self) -> int:
        return 7 * math.prod(self.dims.values())

    @property
    def params(self) -> int:
        return 2 * self.features if self.affine else 0

    def operands(self) -> tuple[Tensor, ...]:
        shape = (self.batch, self.rows, self.features)
        ops = [Tensor("x", "input", shape)]
        if self.affine:
            ops += [Tensor("gamma", "weight", (self.features,)), Tensor("beta", "weight", (self.features,))]
        return (*ops, Tensor("y", "output", shape))


@_register
@dataclass(frozen=True, kw_only=True)
class BatchNorm(Operator):
    """Inference batch normalisation: a per-channel scale and shift (2 x channels params when affine).

    Kept as its own operator so parameter counts match frameworks that list BN weights;
    an engine may fold it into the preceding conv. ``vector_ops``: 2 per element.

    Examples
    --------
    >>> BatchNorm(channels=64, h=56, w=56).params
    128
    """

    kind: ClassVar[str] = "batchnorm"

    channels: int = spec_field(ge=1)
    h: int = spec_field(default=1, ge=1)
    w: int = spec_field(default=1, ge=1)
    affine: bool = spec_field(default=True)

    @property
    def dims(self) -> dict[str, int]:
        return {"N": self.batch, "C": self.channels, "P": self.h, "Q": self.w}

    @property
    def vector_ops(self) -> int:
        return 2 * math.prod(self.dims.values())

    @property
    def params(self) -> int:
        return 2 * self.channels if self.affine else 0

    def operands(self) -> tuple[Tensor, ...]:
        shape = (self.batch, self.channels, self.h, self.w)
        ops = [Tensor("x", "input", shape)]
        if self.affine:
            ops += [Tensor("gamma", "weight", (self.channels,)), Tensor("beta", "weight", (self.channels,))]
        return (*ops, Tensor("y", "output", shape))


@_register
@dataclass(frozen=True, kw_only=True)
class Embedding(Operator):
    """Table lookup: ``tokens`` rows gathered from a (``vocab`` x ``dim``) table per sample.

    Also used for learned position embeddings and ViT's class token (``vocab`` = number
    of positions). The weight operand is the whole table, but a lookup reads only
    ``tokens x dim`` of it; `read_elements` says so.

    Examples
    --------
    >>> e = Embedding(tokens=128, vocab=30522, dim=768)
    >>> e.params, e.read_elements, e.macs
    (23440896, 98304, 0)
    """

    kind: ClassVar[str] = "embedding"

    tokens: int = spec_field(ge=1)
    vocab: int = spec_field(ge=1)
    dim: int = spec_field(ge=1)

    @property
    def dims(self) -> dict[str, int]:
        return {"N": self.batch, "T": self.tokens, "D": self.dim}

    @property
    def params(self) -> int:
        return self.vocab * self.dim

    @property
    def read_elements(self) -> int:
        """Table elements actually read by the lookup."""
        return self.batch * self.tokens * self.dim

    def operands(self) -> tuple[Tensor, ...]:
        return (Tensor("ids", "input", (self.batch, self.tokens)),
                Tensor("table", "weight", (self.vocab, self.dim)),
                Tensor("y", "output", (self.batch, self.tokens, self.dim)))


@_register
@dataclass(frozen=True, kw_only=True)
class Upsample(Operator):
    """Nearest-neighbour upsampling by an integer ``scale`` (YOLO's route/upsample).

    Examples
    --------
    >>> Upsample(channels=128, in_h=13, in_w=13, scale=2).output.shape
    (1, 128, 26, 26)
    """

    kind: ClassVar[str] = "upsample"

    channels: int = spec_field(ge=1)
    in_h: int = spec_field(ge=1)
    in_w: int = spec_field(ge=1)
    scale: int = spec_field(default=2, ge=1)

    @property
    def dims(self) -> dict[str, int]:
        return {"N": self.batch, "C": self.channels, "P": self.in_h * self.scale, "Q": self.in_w * self.scale}

    def operands(self) -> tuple[Tensor, ...]:
        return (Tensor("x", "input", (self.batch, self.channels, self.in_h, self.in_w)),
                Tensor("y", "output", (self.batch, self.channels, self.in_h * self.scale, self.in_w * self.scale)))
