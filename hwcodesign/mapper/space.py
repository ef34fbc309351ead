"""The mapping space of one operator on one accelerator: spatial choices, tilings, loop orders.

Candidates are built as `MappingBatch` arrays. Tile factors are exact divisors of the
loop bounds (no padding), so every candidate conserves the operator's MACs. Pruning:

- **spatial**: each PE-array dimension unrolls at most two loop dimensions it allows,
  by factors that divide their bounds and fit its size; of the joint choices the
  `max_spatial` that use the most PEs are kept (an unrolling that leaves PEs idle while
  a larger one exists rarely wins, and symmetric duplicates collapse to one vector);
- **capacity**: tilings whose tiles do not fit are dropped before loop orders are tried
  (capacity does not depend on the order);
- **dominated orders**: only loops with a factor above 1 matter, and within a level
  the reuse of each operand depends on which loop is innermost, so `order_variants`
  tries each level's innermost loop among its non-trivial ones, the rest kept in order.

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

from hwcodesign.mapper.cost import ArchView, MappingBatch, allowed_mask
from hwcodesign.mapper.problem import Problem

__all__ = ["divisors", "ordered_factorizations", "spatial_choices", "random_batch", "exhaustive_batch",
           "order_variants", "space_size"]


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


def spatial_choices(problem: Problem, av: ArchView, *, max_spatial: int = 24) -> np.ndarray:
    """Joint spatial unrollings (choices, spatial dims, loop dims), most PEs used first."""
    allowed = allowed_mask(problem, av)
    bounds = problem.bounds
    per_dim = []
    for j, size in enumerate(av.spatial_sizes):
        dims = [d for d in range(len(bounds)) if allowed[j, d] and bounds[d] > 1]
        options = {tuple([1] * len(bounds))}
        for d in dims:
            for f in divisors(bounds[d]):
                if 1 < f <= size:
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
        per_dim.append(sorted(options, key=lambda v: -math.prod(v))[:12])
    joint = []
    for combo in itertools.product(*per_dim):
        arr = np.array(combo, dtype=np.int64)
        total = arr.prod(axis=0)
        if all(bounds[d] % total[d] == 0 for d in range(len(bounds))):
            joint.append(arr)
    joint.sort(key=lambda a: -a.prod())
    unique, seen = [], set()
    for arr in joint:
        key = arr.tobytes()
        if key not in seen:
            seen.add(key)
            unique.append(arr)
    return np.array(unique[:max_spatial], dtype=np.int64)


def _canonical_orders(n: int, levels: int, dims: int) -> np.ndarray:
    return np.broadcast_to(np.arange(dims)[::-1], (n, levels, dims)).copy()


def _tables(problem: Problem, spatial: np.ndarray, levels: int) -> list[np.ndarray]:
    quotients = np.array(problem.bounds) // spatial.prod(axis=0)
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
        out.append(MappingBatch(np.broadcast_to(temporal, orders.shape).copy(),
                                np.broadcast_to(batch.spatial[i], (len(combos), *batch.spatial[i].shape)).copy(),
                                orders))
    return MappingBatch.concat(out)
