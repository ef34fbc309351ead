"""`Mapping`: how one operator's loop nest is laid on an accelerator.

A mapping gives, for every memory level (innermost first, DRAM last), a temporal
factor per loop dimension and the order of those loops, and for every spatial
dimension of the PE array a factor per loop dimension. The product of a dimension's
factors over all levels and spatial dimensions must cover its bound (equal it, or
exceed it when the last tiles are padded). Level ``l``'s temporal loops iterate over
tiles of level ``l``; the spatial dimensions that fan out from level ``l`` sit inside
its temporal loops. ``str(mapping)`` prints the nest Timeloop-style, outermost first.

By default every operand's tile at level ``l`` spans the loops of levels ``0..l``: one cut
per level boundary, shared by all operands. ``placement`` cuts the one loop nest per
operand instead (ZigZag's per-operand memory levels): for each operand (ifmap, filter,
ofmap) and each level but DRAM, the position in the nest where that operand's tile at
that level ends. Positions count loops innermost first: level ``l``'s loops (its
``orders``, innermost last there) fill positions ``l * D .. l * D + D - 1`` for ``D``
dimensions, so the shared cut of level ``l`` is position ``(l + 1) * D``. An operand's
tile at a level it is not stored in is ignored; where a cut may lie (not across a
spatial fan-out, not below the operand's tile at an inner level) is the cost model's
feasibility check. ``str`` marks the cuts that differ from the shared ones.

Examples
--------
>>> m = Mapping(dims=("M", "N", "K"), bounds=(8, 4, 16), levels=("sram", "dram"),
...             temporal=((8, 1, 4), (1, 1, 1)), orders=(("K", "N", "M"), ("M", "N", "K")),
...             spatial_dims=("rows", "cols"), spatial=((1, 1, 4), (1, 4, 1)), spatial_above=("sram", "sram"))
>>> print(m)
dram
sram
  for K in [0:4)
    for M in [0:8)
      spatial_for K in [0:4) (rows)
      spatial_for N in [0:4) (cols)
        MAC
>>> m.iterations, m.temporal_iterations
(512, 32)
>>> Mapping(dims=("M",), bounds=(8,), levels=("dram",), temporal=((4,),), orders=(("M",),))
Traceback (most recent call last):
...
hwcodesign.core.errors.ConfigError: The 'temporal' field of Mapping must be factors whose product covers each bound (M: 4 < 8). Got ((4,),).

The filter's SRAM tile below extends over the DRAM level's ``M`` loop (position 3 of 6 ends
the SRAM level's loops; 4 takes in one more), so the filter is fetched from DRAM once:

>>> p = Mapping(dims=("M", "N", "K"), bounds=(8, 4, 16), levels=("sram", "dram"),
...             temporal=((1, 1, 4), (8, 1, 1)), orders=(("K", "N", "M"), ("N", "K", "M")),
...             spatial_dims=("rows", "cols"), spatial=((1, 1, 4), (1, 4, 1)), spatial_above=("sram", "sram"),
...             placement=((3,), (4,), (3,)))
>>> print(p)
dram
  -- filter tile at sram
  for M in [0:8)
sram
    for K in [0:4)
      spatial_for K in [0:4) (rows)
      spatial_for N in [0:4) (cols)
        MAC
>>> p.cuts("filter"), p.cuts("ifmap")
((4,), (3,))
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hwcodesign.core.spec import Spec, spec_field

__all__ = ["Mapping", "PLACED_OPERANDS"]

#: The operands a `Mapping.placement` row stands for, in order (the accelerator's operand names).
PLACED_OPERANDS = ("ifmap", "filter", "ofmap")


@dataclass(frozen=True, kw_only=True)
class Mapping(Spec):
    """Tile factors and loop orders per memory level, and spatial unrolling per PE-array dimension."""

    dims: tuple[str, ...] = spec_field(doc="Loop dimension names (as the operator names them).")
    bounds: tuple[int, ...] = spec_field(doc="Loop bounds, one per dimension.")
    levels: tuple[str, ...] = spec_field(doc="Memory level names, innermost first, DRAM last.")
    temporal: tuple[tuple[int, ...], ...] = spec_field(doc="Per level, the temporal factor of each dimension.")
    orders: tuple[tuple[str, ...], ...] = spec_field(doc="Per level, the dimensions outermost loop first.")
    spatial_dims: tuple[str, ...] = spec_field(default=(), doc="PE-array dimension names.")
    spatial: tuple[tuple[int, ...], ...] = spec_field(default=(), doc="Per spatial dim, the factor of each dimension.")
    spatial_above: tuple[str, ...] = spec_field(default=(), doc="Per spatial dim, the level it fans out from.")
    placement: tuple[tuple[int, ...], ...] = spec_field(
        default=(), doc="Per operand (ifmap, filter, ofmap), per level but DRAM, the loop-nest position where its "
                        "tile ends; () = the level boundaries for all operands.")

    def _check(self) -> None:
        nd = len(self.dims)
        if len(set(self.dims)) != nd or not nd:
            self._error("dims", "a non-empty tuple of unique names", self.dims)
        if len(self.bounds) != nd or min(self.bounds) < 1:
            self._error("bounds", f"{nd} ints >= 1", self.bounds)
        if len(self.temporal) != len(self.levels) or any(len(t) != nd or min(t) < 1 for t in self.temporal):
            self._error("temporal", f"{len(self.levels)} tuples (one per level) of {nd} ints >= 1", self.temporal)
        if len(self.orders) != len(self.levels) or any(sorted(o) != sorted(self.dims) for o in self.orders):
            self._error("orders", f"one permutation of {self.dims} per level", self.orders)
        ns = len(self.spatial_dims)
        if len(self.spatial) != ns or any(len(s) != nd or min(s) < 1 for s in self.spatial):
            self._error("spatial", f"{ns} tuples (one per spatial dim) of {nd} ints >= 1", self.spatial)
        if len(self.spatial_above) != ns or any(a not in self.levels for a in self.spatial_above):
            self._error("spatial_above", f"{ns} level names from {self.levels}", self.spatial_above)
        positions = len(self.levels) * nd
        if self.placement and (len(self.placement) != len(PLACED_OPERANDS) or any(
                len(c) != len(self.levels) - 1 or min(c, default=0) < 0 or max(c, default=0) > positions
                for c in self.placement)):
            self._error("placement", f"() or {len(PLACED_OPERANDS)} tuples (ifmap, filter, ofmap) of "
                        f"{len(self.levels) - 1} positions in 0..{positions}", self.placement)
        short = [f"{d}: {f} < {b}" for d, f, b in zip(self.dims, self.factor_products, self.bounds, strict=True)
                 if f < b]
        if short:
            self._error("temporal", f"factors whose product covers each bound ({', '.join(short)})", self.temporal)

    @property
    def factor_products(self) -> tuple[int, ...]:
        """Per dimension, the product of its temporal and spatial factors."""
        rows = (*self.temporal, *self.spatial)
        return tuple(math.prod(r[d] for r in rows) for d in range(len(self.dims)))

    @property
    def iterations(self) -> int:
        """Loop iterations the mapping runs: the MACs, plus any padding of the last tiles."""
        return math.prod(self.factor_products)

    @property
    def temporal_iterations(self) -> int:
        """Temporal iterations (cycles of the PE array, before fill, drain and stalls)."""
        return math.prod(math.prod(t) for t in self.temporal)

    def cuts(self, operand: str) -> tuple[int, ...]:
        """Per level but DRAM, the loop-nest position where ``operand``'s tile ends (see the module docstring)."""
        if self.placement:
            return self.placement[PLACED_OPERANDS.index(operand)]
        return tuple((lv + 1) * len(self.dims) for lv in range(len(self.levels) - 1))

    def spatial_factor(self, name: str) -> int:
        """PEs used along spatial dimension ``name``."""
        return math.prod(self.spatial[self.spatial_dims.index(name)])

    def __str__(self) -> str:
        lines: list[str] = []
        depth = 0
        nd = len(self.dims)
        marks: dict[int, list[str]] = {}  # cuts off the shared level boundaries, by position
        for o, cuts in zip(PLACED_OPERANDS, self.placement, strict=False):
            for lv, q in enumerate(cuts):
                if q != (lv + 1) * nd:
                    marks.setdefault(q, []).append(f"{o} tile at {self.levels[lv]}")
        for li in range(len(self.levels) - 1, -1, -1):
            lines.append(self.levels[li])  # a level's name heads the loops that iterate over its tiles
            index = {d: i for i, d in enumerate(self.dims)}
            for j, d in enumerate(self.orders[li]):
                position = li * nd + nd - 1 - j
                factor = self.temporal[li][index[d]]
                lines.extend("  " * (depth + 1) + f"-- {m}" for m in marks.get(position + 1, ()))
                if factor > 1:
                    depth += 1
                    lines.append("  " * depth + f"for {d} in [0:{factor})")
            spatial_rows = [j for j, a in enumerate(self.spatial_above) if a == self.levels[li]]
            if any(f > 1 for j in spatial_rows for f in self.spatial[j]):
                depth += 1
            for j in spatial_rows:
                for d, factor in zip(self.dims, self.spatial[j], strict=True):
                    if factor > 1:
                        lines.append("  " * depth + f"spatial_for {d} in [0:{factor}) ({self.spatial_dims[j]})")
        lines.extend("  " * (depth + 1) + f"-- {m}" for m in marks.get(0, ()))
        lines.append("  " * (depth + 1) + "MAC")
        return "\n".join(lines)
