"""A MAC operator as the mapper sees it: loop dimensions, bounds, and each operand's projection.

Every operand axis is an affine sum of loop dimensions: a conv's ifmap rows are
``P * stride_h + R * dilation_h``. A tile's footprint is the product over axes of the
number of distinct indices its loops reach on that axis (`axis_extent`): for a window
axis, the union of the tile's windows. A tile spanning ``p`` output rows and ``r`` filter
rows at stride 1 touches ``p + r - 1`` input rows (the halo); at a stride larger than the
window (a 1x1 conv at stride 2) the rows between windows are never read, and it touches
``p * r``. Operands are ordered ifmap, filter, ofmap (the accelerator's operand names).

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
>>> pointwise = problem_of(Conv2d(in_channels=3, out_channels=8, in_h=8, in_w=8, kernel_h=1, kernel_w=1,
...                               stride_h=2, stride_w=2), "int8")
>>> pointwise.footprint("ifmap", dict(zip(pointwise.dims, pointwise.bounds)))  # 3 channels x 4 rows x 4 columns
48
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from hwcodesign.core.errors import ConfigError
from hwcodesign.workloads.operators import Conv2d, Gemm, Operator
from hwcodesign.workloads.precision import bytes_per_element

__all__ = ["OperandView", "Problem", "axis_extent", "problem_of"]

#: One operand axis: ((dimension index, coefficient), ...).
Axis = tuple[tuple[int, int], ...]


def axis_extent(axis: Axis, extents: np.ndarray) -> np.ndarray:
    """Distinct indices ``sum(coef * i_d)`` that ``0 <= i_d < extents[..., d]`` reach on one operand axis.

    The one place for the size of a tile along an axis. A plain axis (one dimension) has
    its extent. A window axis ``P * s + R * t`` (output rows at stride ``s``, filter rows at
    dilation ``t``) has the size of the union of the ``P`` windows: with ``g = gcd(s, t)``,
    ``s' = s / g``, ``t' = t / g``, the windows fall into ``c = min(t', P)`` residue classes
    mod ``t'``, disjoint from each other; in each, consecutive windows are intervals of
    ``R`` (in units of ``t``) ``s'`` apart, so the union is ``(P - c) * min(s', R) + c * R``.
    For dilation 1 that is ``min((P - 1) * s + R, P * R)``. An axis of three or more terms
    (none of our operators has one) takes its bounding box, an upper bound. Vectorised over
    the leading dimensions of ``extents`` (``(..., dims)``, floats or ints).

    Examples
    --------
    >>> import numpy as np
    >>> rows = ((0, 2), (1, 1))  # P * 2 + R: stride 2, dilation 1
    >>> axis_extent(rows, np.array([[4, 3], [4, 1], [4, 2]])).tolist()  # 4 output rows, R = 3, 1, 2
    [9, 4, 8]
    """
    e = np.asarray(extents)
    if len(axis) == 1:
        return e[..., axis[0][0]]
    if len(axis) == 2:
        (d1, s), (d2, t) = axis
        g = math.gcd(s, t)
        s, t = s // g, t // g
        p, r = e[..., d1], e[..., d2]
        classes = np.minimum(t, p)
        return (p - classes) * np.minimum(s, r) + classes * r
    return 1 + sum(c * (e[..., d] - 1) for d, c in axis)


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

    def axis_sizes(self, operand: str, extents: np.ndarray) -> np.ndarray:
        """Per axis of ``operand``, the distinct indices a tile of ``extents`` (``(..., dims)``) touches:
        an array ``(..., axes)`` (see `axis_extent`)."""
        e = np.asarray(extents)
        return np.stack([axis_extent(axis, e) for axis in self.operand(operand).axes], axis=-1)

    def footprint(self, operand: str, extents: Mapping[str, int]) -> int:
        """Elements of ``operand`` touched by a tile of the given per-dimension extents."""
        ext = np.array([extents.get(d, 1) for d in self.dims], dtype=np.int64)
        return int(np.prod(self.axis_sizes(operand, ext)))


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
