"""A MAC operator as the mapper sees it: loop dimensions, bounds, and each operand's projection.

Every operand axis is an affine sum of loop dimensions: a conv's ifmap rows are
``P * stride_h + R * dilation_h``, so a tile spanning ``p`` output rows and ``r`` filter
rows touches ``(p - 1) * stride_h + (r - 1) * dilation_h + 1`` input rows (the halo).
A tile's footprint is the product over axes of ``1 + sum(coef * (extent - 1))``.
Operands are ordered ifmap, filter, ofmap (the accelerator's operand names).

Examples
--------
>>> from hwcodesign.workloads.operators import Conv2d
>>> conv = Conv2d(in_channels=3, out_channels=8, in_h=8, in_w=8, kernel_h=3, kernel_w=3, stride_h=2)
>>> problem = problem_of(conv, "int8")
>>> problem.dims, problem.bounds
(('N', 'G', 'K', 'C', 'P', 'Q', 'R', 'S'), (1, 1, 8, 3, 3, 6, 3, 3))
>>> [o.name for o in problem.operands], problem.roles
(['ifmap', 'filter', 'ofmap'], ('m', 'g', 'n', 'k', 'm', 'm', 'k', 'k'))
>>> problem.footprint("ifmap", dict(zip(problem.dims, problem.bounds)))  # 3 channels x 7 rows x 8 columns
168
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from hwcodesign.core.errors import ConfigError
from hwcodesign.workloads.operators import Conv2d, Gemm, Operator
from hwcodesign.workloads.precision import bytes_per_element

__all__ = ["OperandView", "Problem", "problem_of"]

#: One operand axis: ((dimension index, coefficient), ...).
Axis = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class OperandView:
    """One operand: its accelerator name, its axes and whether it is the (accumulated) output."""

    name: str
    axes: tuple[Axis, ...]
    is_output: bool

    def relevant(self, num_dims: int) -> np.ndarray:
        """Boolean mask of the loop dimensions that index this operand."""
        mask = np.zeros(num_dims, dtype=bool)
        for axis in self.axes:
            for d, _ in axis:
                mask[d] = True
        return mask


@dataclass(frozen=True)
class Problem:
    """The loop nest of one MAC operator: dimension names, bounds, roles, operand projections."""

    name: str
    kind: str
    dims: tuple[str, ...]
    bounds: tuple[int, ...]
    roles: tuple[str, ...]
    operands: tuple[OperandView, ...]
    macs: int
    elem_bytes: float

    def operand(self, name: str) -> OperandView:
        """The operand called ``name`` ('ifmap', 'filter', 'ofmap')."""
        return next(o for o in self.operands if o.name == name)

    def footprint(self, operand: str, extents: Mapping[str, int]) -> int:
        """Elements of ``operand`` touched by a tile of the given per-dimension extents."""
        ext = [extents.get(d, 1) for d in self.dims]
        return math.prod(1 + sum(c * (ext[d] - 1) for d, c in axis) for axis in self.operand(operand).axes)


def problem_of(op: Operator, precision: str = "int8") -> Problem:
    """Return the `Problem` of a MAC operator (`Conv2d` or `Gemm`); `ConfigError` for others."""
    elem = bytes_per_element(precision)
    if isinstance(op, Conv2d):
        dims = ("N", "G", "K", "C", "P", "Q", "R", "S")
        i = {d: n for n, d in enumerate(dims)}
        one = lambda d: ((i[d], 1),)  # noqa: E731
        operands = (
            OperandView("ifmap", (one("N"), one("G"), one("C"), ((i["P"], op.stride_h), (i["R"], op.dilation_h)),
                                  ((i["Q"], op.stride_w), (i["S"], op.dilation_w))), False),
            OperandView("filter", (one("G"), one("K"), one("C"), one("R"), one("S")), False),
            OperandView("ofmap", (one("N"), one("G"), one("K"), one("P"), one("Q")), True),
        )
        roles = ("m", "g", "n", "k", "m", "m", "k", "k")
    elif isinstance(op, Gemm):
        dims = ("B", "G", "M", "N", "K")
        i = {d: n for n, d in enumerate(dims)}
        one = lambda d: ((i[d], 1),)  # noqa: E731
        b_axes = (one("B"), one("G"), one("K"), one("N")) if op.b_operand == "activation" else (
            one("G"), one("K"), one("N"))
        operands = (OperandView("ifmap", (one("B"), one("G"), one("M"), one("K")), False),
                    OperandView("filter", b_axes, False),
                    OperandView("ofmap", (one("B"), one("G"), one("M"), one("N")), True))
        roles = ("m", "g", "m", "n", "k")
    else:
        raise ConfigError(f"Only MAC operators (conv2d, gemm) can be mapped on a PE array; "
                          f"{op.name or op.kind!r} is a {op.kind!r}.")
    bounds = tuple(op.dims[d] for d in dims)
    if math.prod(bounds) != op.macs:  # the operator owns its MAC count; the nest must agree
        raise ConfigError(f"{op.name!r}: loop bounds {dict(zip(dims, bounds, strict=True))} do not give its "
                          f"{op.macs} MACs.")
    return Problem(name=op.name, kind=op.kind, dims=dims, bounds=bounds, roles=roles, operands=operands,
                   macs=op.macs, elem_bytes=elem)
