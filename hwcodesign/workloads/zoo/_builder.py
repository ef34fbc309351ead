"""A small helper that tracks feature-map shapes while a zoo network is built."""

from __future__ import annotations

from typing import Any, NamedTuple

from hwcodesign.workloads.operators import BatchNorm, Conv2d, Elementwise, Gemm, Pool, Upsample
from hwcodesign.workloads.workload import Workload

__all__ = ["Feature", "Net", "make_divisible"]


class Feature(NamedTuple):
    """The output of an operator (``name``; ``None`` for the network input) and its C x H x W shape.

    A channel concatenation is not an operator: it is a ``Feature`` whose ``sources`` name
    the operators concatenated, and every consumer reads all of them (see `Net.concat`).
    """

    name: str | None
    c: int
    h: int
    w: int
    sources: tuple[str, ...] = ()

    @property
    def elements(self) -> int:
        return self.c * self.h * self.w


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round channels as the MobileNet reference code does (never down by more than 10%)."""
    min_value = divisor if min_value is None else min_value
    new = max(min_value, int(value + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * value else new


def _ins(*xs: Feature) -> tuple[str, ...]:
    names: list[str] = []
    for x in xs:
        names += x.sources if x.sources else [x.name] if x.name is not None else []
    return tuple(names)


def _pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else v


class Net:
    """Wraps a `Workload` with shape-tracking layer helpers (conv, bn, act, pool, linear...)."""

    def __init__(self, name: str, *, batch: int, precision: str) -> None:
        self.w = Workload(name, batch=batch, precision=precision)

    def input(self, c: int, h: int, w: int) -> Feature:
        return Feature(None, c, h, w)

    def conv(self, x: Feature, out: int, k: int | tuple[int, int], *, stride: int | tuple[int, int] = 1,
             pad: int | None = None, dilation: int = 1, groups: int = 1, bias: bool = False,
             name: str | None = None) -> Feature:
        """A conv; ``pad`` defaults to "same" (``dilation * (k // 2)``, output ``ceil(in / stride)``)."""
        (kh, kw), (sh, sw) = _pair(k), _pair(stride)
        ph, pw = (dilation * (kh // 2), dilation * (kw // 2)) if pad is None else (pad, pad)
        op = Conv2d(in_channels=x.c, out_channels=out, in_h=x.h, in_w=x.w, kernel_h=kh, kernel_w=kw,
                    stride_h=sh, stride_w=sw, pad_h=ph, pad_w=pw, dilation_h=dilation, dilation_w=dilation,
                    groups=groups, bias=bias)
        label = self.w.add(op, _ins(x), name=name)
        return Feature(label, out, op.out_h, op.out_w)

    def separable(self, x: Feature, out: int, k: int, *, stride: int = 1, dilation: int = 1,
                  name: str | None = None) -> Feature:
        """Depthwise ``k x k`` conv (``stride``, ``dilation``) then a 1x1 conv to ``out``; no bias, no BN."""
        y = self.conv(x, x.c, k, stride=stride, dilation=dilation, groups=x.c,
                      name=None if name is None else f"{name}_dw")
        return self.conv(y, out, 1, name=None if name is None else f"{name}_pw")

    def concat(self, *xs: Feature) -> Feature:
        """Channel concatenation of same-sized maps (no operator: consumers read every part).

        Examples
        --------
        >>> net = Net("toy", batch=1, precision="int8")
        >>> x = net.input(3, 8, 8)
        >>> y = net.bn(net.concat(net.conv(x, 4, 3, name="a"), net.conv(x, 4, 1, name="b")))
        >>> net.w.inputs(y.name), net.w[y.name].channels
        (('a', 'b'), 8)
        """
        return Feature(None, sum(x.c for x in xs), xs[0].h, xs[0].w, _ins(*xs))

    def bn(self, x: Feature, name: str | None = None) -> Feature:
        label = self.w.add(BatchNorm(channels=x.c, h=x.h, w=x.w), _ins(x), name=name)
        return Feature(label, x.c, x.h, x.w)

    def act(self, x: Feature, kind: str, name: str | None = None) -> Feature:
        label = self.w.add(Elementwise(op=kind, elements=x.elements), _ins(x), name=name)
        return Feature(label, x.c, x.h, x.w)

    def conv_bn(self, x: Feature, out: int, k: int, *, act: str | None = "relu", **kwargs: Any) -> Feature:
        """conv (no bias) -> batch norm -> activation (if ``act``)."""
        y = self.bn(self.conv(x, out, k, **kwargs))
        return self.act(y, act) if act else y

    def pool(self, x: Feature, mode: str, k: int, stride: int, pad: int = 0, name: str | None = None) -> Feature:
        op = Pool(channels=x.c, in_h=x.h, in_w=x.w, kernel_h=k, kernel_w=k, stride_h=stride, stride_w=stride,
                  pad_h=pad, pad_w=pad, mode=mode)
        return Feature(self.w.add(op, _ins(x), name=name), x.c, op.out_h, op.out_w)

    def global_pool(self, x: Feature, mode: str = "avg") -> Feature:
        op = Pool(channels=x.c, in_h=x.h, in_w=x.w, mode=mode, global_pool=True)
        return Feature(self.w.add(op, _ins(x)), x.c, 1, 1)

    def add(self, *xs: Feature, name: str | None = None) -> Feature:
        x = xs[0]
        label = self.w.add(Elementwise(op="add", elements=x.elements, num_inputs=len(xs)), _ins(*xs), name=name)
        return Feature(label, x.c, x.h, x.w)

    def scale(self, x: Feature, gate: Feature) -> Feature:
        """``x * gate`` with ``gate`` broadcast over H x W (squeeze-and-excitation)."""
        label = self.w.add(Elementwise(op="mul", elements=x.elements, num_inputs=2), _ins(x, gate))
        return Feature(label, x.c, x.h, x.w)

    def linear(self, x: Feature, out: int, *, bias: bool = True, name: str | None = None) -> Feature:
        label = self.w.add(Gemm(m=1, n=out, k=x.elements, bias=bias), _ins(x), name=name)
        return Feature(label, out, 1, 1)

    def upsample(self, x: Feature, scale: int = 2, name: str | None = None) -> Feature:
        label = self.w.add(Upsample(channels=x.c, in_h=x.h, in_w=x.w, scale=scale), _ins(x), name=name)
        return Feature(label, x.c, x.h * scale, x.w * scale)

    def squeeze_excite(self, x: Feature, squeeze: int, *, act: str = "relu", gate: str = "sigmoid") -> Feature:
        """Global avg pool -> 1x1 conv (bias) -> act -> 1x1 conv (bias) -> gate -> scale ``x``."""
        s = self.global_pool(x)
        s = self.act(self.conv(s, squeeze, 1, bias=True), act)
        s = self.act(self.conv(s, x.c, 1, bias=True), gate)
        return self.scale(x, s)

    def done(self, factory: str, **kwargs: Any) -> Workload:
        self.w._origin = (factory, {**kwargs, "batch": self.w.batch, "precision": self.w.precision})
        return self.w
