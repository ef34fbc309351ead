"""The mapping space of one operator on one accelerator: spatial choices, tilings, loop orders.

Candidates are built as `MappingBatch` arrays. Tile factors are exact divisors of the
loop bounds (no padding), so every candidate conserves the operator's MACs; with
``padding=True`` a PE-array dimension may also unroll a loop by its full size when that
does not divide the bound (ZigZag's "uneven" mapping: a bound of 7 on 4 PEs runs 2 padded
steps), and the temporal factors then cover the rounded-up quotient. Pruning:

- **spatial**: each PE-array dimension unrolls at most two loop dimensions it allows,
  by factors that divide their bounds and fit its size; of the joint choices the
  `max_spatial` that use the most PEs are kept (an unrolling that leaves PEs idle while
  a larger one exists rarely wins, and symmetric duplicates collapse to one vector);
- **capacity**: tilings whose tiles do not fit are dropped before loop orders are tried
  (capacity does not depend on the order);
- **dominated orders**: only loops with a factor above 1 matter, and within a level
  the reuse of each operand depends on which loop is innermost, so `order_variants`
  tries each level's innermost loop among its non-trivial ones, the rest kept in order.

`neighbours` gives the local moves of the mapper's hill climb (`hwcodesign.mapper.layer`):
one prime factor of one loop moved to the adjacent level; `placement_moves` the per-operand
ones: one operand's tile at one level grown by the next non-trivial loop of the nest or
shrunk by its last one (`Mapping.placement`), within its spatial fan-outs and nested in
the operand's tiles at the other levels that store it; `spatial_moves` one prime factor of
one loop moved between a temporal level and a PE-array dimension (the unrolling changes).

Examples
--------
>>> ordered_factorizations(12, 2).tolist()
[[1, 12], [2, 6], [3, 4], [4, 3], [6, 2], [12, 1]]
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np

from hwcodesign.accelerators.specs import OPERANDS
from hwcodesign.mapper.cost import ArchView, MappingBatch, allowed_mask
from hwcodesign.mapper.problem import Problem

__all__ = ["divisors", "ordered_factorizations", "spatial_choices", "random_batch", "exhaustive_batch",
           "order_variants", "neighbours", "spatial_moves", "placement_moves", "space_size"]


@functools.cache
def divisors(n: int) -> tuple[int, ...]:
    """The divisors of ``n``, ascending."""
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return tuple(sorted(set(small) | {n // d for d in small}))


@functools.cache
def ordered_factorizations(n: int, parts: int) -> np.ndarray:
    """Every way to write ``n`` as an ordered product of ``parts`` factors, one row each."""
    if parts == 1:
        return np.array([[n]], dtype=np.int64)
    rows = [np.concatenate([np.full((len(rest), 1), d), rest], axis=1)
            for d in divisors(n) for rest in [ordered_factorizations(n // d, parts - 1)]]
    return np.concatenate(rows).astype(np.int64)


def spatial_choices(problem: Problem, av: ArchView, *, max_spatial: int = 24, padding: bool = False) -> np.ndarray:
    """Joint spatial unrollings (choices, spatial dims, loop dims), most useful PEs first.

    With ``padding``, a dimension of ``size`` PEs may also unroll a loop whose bound it does
    not divide by ``size`` (the last step padded). Choices are ranked by the PEs doing
    useful work on average, ``prod(bound / ceil(bound / factor))``, exact ones first on ties.
    """
    allowed = allowed_mask(problem, av)
    bounds = problem.bounds
    per_dim = []
    for j, size in enumerate(av.spatial_sizes):
        dims = [d for d in range(len(bounds)) if allowed[j, d] and bounds[d] > 1]
        options = {tuple([1] * len(bounds))}
        for d in dims:
            factors = [f for f in divisors(bounds[d]) if 1 < f <= size]
            if padding and bounds[d] > size and bounds[d] % size:
                factors.append(int(size))
            for f in factors:
                v = [1] * len(bounds)
                v[d] = f
                options.add(tuple(v))
        for d1, d2 in itertools.combinations(dims, 2):
            for f1 in divisors(bounds[d1]):
                for f2 in divisors(bounds[d2]):
                    if f1 > 1 and f2 > 1 and f1 * f2 <= size:
                        v = [1] * len(bounds)
                        v[d1], v[d2] = f1, f2
                        options.add(tuple(v))
        per_dim.append(sorted(options, key=lambda v: (-_useful(bounds, np.array(v)), _padded(bounds, v)))[:12])
    joint = []
    for combo in itertools.product(*per_dim):
        arr = np.array(combo, dtype=np.int64)
        total = arr.prod(axis=0)
        exact = all(bounds[d] % total[d] == 0 for d in range(len(bounds)))
        if exact or (padding and all(total[d] <= bounds[d] for d in range(len(bounds)))
                     and any(_padded(bounds, v) for v in combo)):
            joint.append(arr)
    joint.sort(key=lambda a: (-_useful(bounds, a.prod(axis=0)), _padded(bounds, a.prod(axis=0))))
    unique, seen = [], set()
    for arr in joint:
        key = arr.tobytes()
        if key not in seen:
            seen.add(key)
            unique.append(arr)
    return np.array(unique[:max_spatial], dtype=np.int64)


def _useful(bounds: tuple[int, ...], factors: np.ndarray) -> float:
    """PEs doing useful work on average: ``prod(bound / ceil(bound / factor))``."""
    b = np.array(bounds)
    return float(np.prod(b / -(-b // np.asarray(factors))))


def _padded(bounds: tuple[int, ...], factors) -> bool:
    return any(b % int(f) for b, f in zip(bounds, factors, strict=True))


def _canonical_orders(n: int, levels: int, dims: int) -> np.ndarray:
    return np.broadcast_to(np.arange(dims)[::-1], (n, levels, dims)).copy()


def _tables(problem: Problem, spatial: np.ndarray, levels: int) -> list[np.ndarray]:
    quotients = -(-np.array(problem.bounds) // spatial.prod(axis=0))  # rounded up: padded spatial steps
    return [ordered_factorizations(int(q), levels) for q in quotients]


def space_size(problem: Problem, av: ArchView, spatial: np.ndarray) -> int:
    """The number of tilings (before loop orders) over the given spatial choices."""
    levels = len(av.level_names)
    return sum(math.prod(len(t) for t in _tables(problem, s, levels)) for s in spatial)


def random_batch(problem: Problem, av: ArchView, spatial: np.ndarray, count: int,
                 rng: np.random.Generator) -> MappingBatch:
    """``count`` random mappings: a spatial choice, per-dimension tilings and loop orders, uniformly."""
    levels, dims = len(av.level_names), len(problem.dims)
    pick = rng.integers(0, len(spatial), size=count)
    temporal = np.empty((count, levels, dims), dtype=np.int64)
    for s in np.unique(pick):
        rows = np.flatnonzero(pick == s)
        for d, table in enumerate(_tables(problem, spatial[s], levels)):
            temporal[rows, :, d] = table[rng.integers(0, len(table), size=len(rows))]
    orders = np.argsort(rng.random((count, levels, dims)), axis=2)
    return MappingBatch(temporal, spatial[pick], orders)


def exhaustive_batch(problem: Problem, av: ArchView, spatial: np.ndarray) -> MappingBatch:
    """Every tiling over the spatial choices, with a canonical loop order (see `order_variants`)."""
    levels, dims = len(av.level_names), len(problem.dims)
    parts = []
    for s in spatial:
        tables = _tables(problem, s, levels)
        grids = np.meshgrid(*[np.arange(len(t)) for t in tables], indexing="ij")
        index = [g.ravel() for g in grids]
        temporal = np.stack([t[i] for t, i in zip(tables, index, strict=True)], axis=2)  # (n, levels, dims)
        n = temporal.shape[0]
        parts.append(MappingBatch(temporal, np.broadcast_to(s, (n, *s.shape)).copy(),
                                  _canonical_orders(n, levels, dims)))
    return MappingBatch.concat(parts)


def order_variants(batch: MappingBatch, *, max_per_mapping: int = 256) -> MappingBatch:
    """Each mapping with every choice of innermost non-trivial loop per level (dominance-pruned orders)."""
    out = []
    for i in range(len(batch)):
        temporal = batch.temporal[i]
        levels, dims = temporal.shape
        choices = [[d for d in range(dims) if temporal[lv, d] > 1] or [None] for lv in range(levels)]
        combos = list(itertools.islice(itertools.product(*choices), max_per_mapping))
        orders = np.empty((len(combos), levels, dims), dtype=np.int64)
        base = batch.orders[i]
        for k, combo in enumerate(combos):
            for lv, inner in enumerate(combo):
                rest = [d for d in base[lv] if d != inner]
                orders[k, lv] = rest if inner is None else [inner, *rest]
        cuts = None if batch.cuts is None else np.broadcast_to(batch.cuts[i], (len(combos), *batch.cuts[i].shape))
        out.append(MappingBatch(np.broadcast_to(temporal, orders.shape).copy(),
                                np.broadcast_to(batch.spatial[i], (len(combos), *batch.spatial[i].shape)).copy(),
                                orders, cuts))
    return MappingBatch.concat(out)


@functools.cache
def _smallest_prime(n: int) -> int:
    return next((p for p in range(2, math.isqrt(n) + 1) if n % p == 0), n)


def neighbours(batch: MappingBatch) -> MappingBatch:
    """Each mapping with one prime factor of one loop, or the loop's whole factor, moved to the level above
    or below.

    Loop orders and spatial factors are kept; factor products per dimension are unchanged. The whole-loop
    move crosses in one step what prime steps cross only through worse intermediate mappings (e.g. a
    reduction loop of 32 moving from the register level to the buffer above it).
    """
    n, levels, dims = batch.temporal.shape
    spf = np.vectorize(_smallest_prime, otypes=[np.int64])
    out = []
    for lv in range(levels - 1):
        for src, dst in ((lv, lv + 1), (lv + 1, lv)):
            for d in range(dims):
                rows = np.flatnonzero(batch.temporal[:, src, d] > 1)
                if not len(rows):
                    continue
                moved = batch.take(rows)
                whole = moved.temporal[:, src, d]
                prime = spf(whole)
                for factor, keep in ((prime, np.ones(len(moved), dtype=bool)), (whole, whole != prime)):
                    part = moved.take(np.flatnonzero(keep))
                    temporal = part.temporal.copy()
                    temporal[:, src, d] //= factor[keep]
                    temporal[:, dst, d] *= factor[keep]
                    out.append(MappingBatch(temporal, part.spatial, part.orders, part.cuts))
    return MappingBatch.concat(out) if out else batch.take(slice(0, 0))


def spatial_moves(batch: MappingBatch, problem: Problem, av: ArchView) -> MappingBatch:
    """Each mapping with one prime factor of one loop moved between a temporal level and a PE-array dimension.

    Into the array: from any level, onto a dimension that allows the loop and has the PEs left;
    out of it: to the level the dimension fans out from. Only loops whose factors multiply to
    their bound exactly move (a padded unrolling keeps its padding). Factor products per
    dimension, loop orders and cuts are unchanged. A tiling that pays off only under another
    unrolling is reached this way from a climb that started under the first one.

    Examples
    --------
    >>> from hwcodesign.accelerators import get_accelerator
    >>> from hwcodesign.mapper.cost import arch_view
    >>> from hwcodesign.mapper.problem import problem_of
    >>> from hwcodesign.workloads.operators import Gemm
    >>> av = arch_view(get_accelerator("systolic", rows=4, cols=4, dataflow="os"))
    >>> problem = problem_of(Gemm(m=8, n=4, k=2))
    >>> problem.dims, problem.bounds, av.spatial_sizes.tolist()
    (('B', 'G', 'M', 'N', 'K'), (1, 1, 8, 4, 2), [4, 4])
    >>> b = MappingBatch(temporal=np.array([[[1, 1, 2, 1, 2], [1, 1, 2, 1, 1]]]),
    ...                  spatial=np.array([[[1, 1, 2, 1, 1], [1, 1, 1, 4, 1]]]),
    ...                  orders=np.array([[[4, 3, 2, 1, 0], [4, 3, 2, 1, 0]]]))
    >>> moves = spatial_moves(b, problem, av)  # M 2 -> 4 on the rows (from either level), 2 -> 1, N 4 -> 2
    >>> [m.prod(axis=1).tolist() for m in moves.spatial], [t[:, 2].tolist() for t in moves.temporal]
    ([[4, 4], [4, 4], [1, 4], [2, 2]], [[1, 2], [2, 1], [4, 2], [2, 2]])
    """
    n, levels, dims = batch.temporal.shape
    allowed = allowed_mask(problem, av)
    spf = np.vectorize(_smallest_prime, otypes=[np.int64])
    exact = batch.temporal.prod(axis=1) * batch.spatial.prod(axis=1) == np.array(problem.bounds)  # (n, dims)
    used = batch.spatial.prod(axis=2)  # PEs used per array dimension, (n, spatial dims)
    out = []
    for j, size in enumerate(av.spatial_sizes):
        for d in range(dims):
            if not allowed[j, d]:
                continue
            for lv in range(levels):  # into the array
                rows = np.flatnonzero(exact[:, d] & (batch.temporal[:, lv, d] > 1))
                p = spf(batch.temporal[rows, lv, d]) if len(rows) else rows
                rows, p = rows[used[rows, j] * p <= size], p[used[rows, j] * p <= size]
                if len(rows):
                    moved = batch.take(rows)
                    temporal, spatial = moved.temporal.copy(), moved.spatial.copy()
                    temporal[:, lv, d] //= p
                    spatial[:, j, d] *= p
                    out.append(MappingBatch(temporal, spatial, moved.orders, moved.cuts))
            rows = np.flatnonzero(exact[:, d] & (batch.spatial[:, j, d] > 1))  # out of it
            if len(rows):
                moved = batch.take(rows)
                temporal, spatial = moved.temporal.copy(), moved.spatial.copy()
                p = spf(spatial[:, j, d])
                spatial[:, j, d] //= p
                temporal[:, av.spatial_above[j], d] *= p
                out.append(MappingBatch(temporal, spatial, moved.orders, moved.cuts))
    return MappingBatch.concat(out) if out else batch.take(slice(0, 0))


def placement_moves(batch: MappingBatch, av: ArchView) -> MappingBatch:
    """Each mapping with one operand's tile at one on-chip level that stores it grown or shrunk by one loop.

    Growing takes in the next loop above the tile with a factor above 1, shrinking gives up
    the tile's outermost such loop; the new end must stay inside the spatial fan-outs that
    sit above the level, outside those at or below it, and between the operand's tiles at
    its inner and outer levels. Factors, orders and spatial factors are kept.

    Examples
    --------
    >>> from hwcodesign.accelerators import get_accelerator
    >>> from hwcodesign.mapper.cost import arch_view
    >>> av = arch_view(get_accelerator("systolic", rows=4, cols=4, dataflow="os"))
    >>> b = MappingBatch(temporal=np.array([[[1, 1, 2, 1, 16], [1, 1, 1, 1, 3]]]),
    ...                  spatial=np.array([[[1, 1, 4, 1, 1], [1, 1, 1, 4, 1]]]),
    ...                  orders=np.array([[[4, 3, 2, 1, 0], [4, 3, 2, 1, 0]]]))
    >>> placement_moves(b, av).cuts[:, :, 0].tolist()  # per operand: its SRAM tile takes in K3, or gives up M2
    [[6, 5, 5], [2, 5, 5], [5, 6, 5], [5, 2, 5], [5, 5, 6], [5, 5, 2]]
    """
    n, levels, dims = batch.temporal.shape
    cuts = batch.placement()
    factors = np.take_along_axis(batch.temporal, batch.orders, axis=2).reshape(n, levels * dims)
    position = np.arange(levels * dims)
    nontrivial = factors > 1
    out = []
    for k, operand in enumerate(OPERANDS):
        held = [lv for lv in range(levels - 1) if (operand, lv) in av.holder]
        for i, lv in enumerate(held):
            lo = np.full(n, max([a * dims for a in av.spatial_above if a <= lv], default=0))
            hi = np.full(n, min([a * dims for a in av.spatial_above if a > lv], default=levels * dims))
            if i:
                lo = np.maximum(lo, cuts[:, k, held[i - 1]])
            if i + 1 < len(held):
                hi = np.minimum(hi, cuts[:, k, held[i + 1]])
            cut = cuts[:, k, lv]
            grow = nontrivial & (position >= cut[:, None])
            up = grow.argmax(axis=1) + 1
            shrink = nontrivial & (position < cut[:, None])
            down = levels * dims - 1 - shrink[:, ::-1].argmax(axis=1)
            for new, ok in ((up, grow.any(axis=1) & (up <= hi)), (down, shrink.any(axis=1) & (down >= lo))):
                rows = np.flatnonzero(ok)
                if len(rows):
                    moved = batch.take(rows)
                    moved_cuts = cuts[rows].copy()
                    moved_cuts[:, k, lv] = new[rows]
                    out.append(MappingBatch(moved.temporal, moved.spatial, moved.orders, moved_cuts))
    return MappingBatch.concat(out) if out else batch.take(slice(0, 0))
