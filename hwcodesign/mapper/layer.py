"""The layer mapper: the best mapping of one operator on one accelerator for an objective.

`map_layer` searches the space of `hwcodesign.mapper.space` with a cost function (by
default the vectorised model `hwcodesign.mapper.cost.evaluate`; any callable with its
signature will do, which is how the mapper stays below the simulator):

``"exhaustive"``
    every tiling over the kept spatial choices (capacity-pruned by the cost model);
``"random"``
    ``budget`` mappings sampled uniformly (spatial choice, tilings, loop orders);
``"milp"``
    CoSA-style tile factors from a MILP (`hwcodesign.mapper.milp`), falling back to
    sampling when the solver finds nothing;
``"auto"``
    exhaustive when the space has at most ``budget`` tilings, else random.

The best ``refine`` feasible candidates, and the best one of every other spatial unrolling,
are then improved by a hill climb: each round tries every dominance-pruned loop order
(`order_variants`), every move of one prime factor of one loop to the adjacent level
(`neighbours`) or between a level and the PE array (`spatial_moves`) and, with
``placement=True``, every growth or shrink of one operand's tile at one level by one loop
(`placement_moves`: per-operand memory levels, ZigZag's per-operand cuts of the loop nest) of
the current pool, keeps the best ``refine`` of all plus the best of each unrolling, and stops
after ``climb_rounds`` rounds or when no unrolling's best score improves (``climb_rounds=0``:
loop orders only, once). With
``padding=True`` the space also holds padded spatial unrollings (`spatial_choices`),
as ZigZag's uneven mappings. When no candidate fits, the result is the one that
violates its constraint least, with ``feasible=False``, the constraint, demand and
bound in its record: an infeasible layer is data, not an exception.

Examples
--------
>>> from hwcodesign.accelerators import get_accelerator
>>> from hwcodesign.workloads.operators import Conv2d
>>> conv = Conv2d(in_channels=4, out_channels=8, in_h=8, in_w=8, kernel_h=3, kernel_w=3, pad_h=1, pad_w=1)
>>> result = map_layer(conv, get_accelerator("eyeriss_like"), objective="energy", seed=0, climb_rounds=2)
>>> result.feasible, result.record["macs"] == conv.macs, result.mapping.iterations == conv.macs
(True, True, True)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from hwcodesign.accelerators.specs import Accelerator
from hwcodesign.core.errors import ConfigError
from hwcodesign.core.seeds import Seed, as_generator
from hwcodesign.mapper.cost import BatchCost, MappingBatch, arch_view, evaluate, mapping_at
from hwcodesign.mapper.mapping import Mapping
from hwcodesign.mapper.milp import milp_tiling
from hwcodesign.mapper.problem import Problem, problem_of
from hwcodesign.mapper.space import (
    exhaustive_batch,
    neighbours,
    order_variants,
    placement_moves,
    random_batch,
    space_size,
    spatial_choices,
    spatial_moves,
)
from hwcodesign.workloads.operators import Operator

__all__ = ["map_layer", "LayerMapping", "Objective", "Search", "OBJECTIVES", "SEARCHES", "CostFunction"]

log = logging.getLogger(__name__)

Objective = Literal["latency", "energy", "edp"]
Search = Literal["auto", "exhaustive", "random", "milp"]
OBJECTIVES = ("latency", "energy", "edp")
SEARCHES = ("auto", "exhaustive", "random", "milp")
#: A cost function: (problem, accelerator, batch) -> BatchCost, as `evaluate`.
CostFunction = Callable[[Problem, Accelerator, MappingBatch], BatchCost]
_CHUNK = 50_000  # mappings per cost call, to bound memory


@dataclass(frozen=True)
class LayerMapping:
    """The mapper's answer for one operator: the mapping, its result record, and search statistics."""

    problem: Problem
    mapping: Mapping
    record: dict[str, Any]
    objective: str
    search: str
    evaluated: int
    seconds: float

    @property
    def feasible(self) -> bool:
        """Whether the mapping fits the accelerator."""
        return bool(self.record["feasible"])

    def __str__(self) -> str:
        return str(self.mapping)


def _check(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"The {name!r} argument must be one of {', '.join(map(repr, allowed))}. Got {value!r}.")


def _evaluate(cost: CostFunction, problem: Problem, acc: Accelerator, batch: MappingBatch) -> list[BatchCost]:
    return [cost(problem, acc, batch.take(slice(i, i + _CHUNK))) for i in range(0, len(batch), _CHUNK)]


def _rows(a: np.ndarray) -> np.ndarray:
    """The rows of 2-D ``a`` as one opaque value each (equal rows, equal values): ``np.unique`` on these
    sorts bytes, many times faster than ``np.unique(a, axis=0)``."""
    a = np.ascontiguousarray(a)
    return a.view(np.dtype((np.void, a.dtype.itemsize * a.shape[1]))).ravel()


def _spatial_keys(batch: MappingBatch) -> np.ndarray:
    """One integer per mapping naming its spatial unrolling (equal unrollings, equal keys)."""
    return np.unique(_rows(batch.spatial.reshape(len(batch), -1)), return_inverse=True)[1].ravel()


def _keep(batch: MappingBatch, scores: np.ndarray, refine: int) -> np.ndarray:
    """Indices of the hill climb's pool: the best ``refine`` finite scores, and the best mapping of every other
    spatial unrolling, so that a tiling that only pays off under another unrolling (more PEs, fewer buffer
    round trips) is still climbed when a random sample of it starts out behind."""
    order = np.argsort(scores, kind="stable")
    order = order[np.isfinite(scores[order])]
    keys = _spatial_keys(batch)[order]
    first = np.unique(keys, return_index=True)[1]  # the best of each unrolling (order is sorted by score)
    keep = np.union1d(order[:refine], order[first])
    return keep[np.argsort(scores[keep], kind="stable")]


def _best_per_spatial(batch: MappingBatch, scores: np.ndarray, index: np.ndarray) -> dict[bytes, float]:
    """The best score of each spatial unrolling among ``index``."""
    best: dict[bytes, float] = {}
    for i in index:
        key = batch.spatial[i].tobytes()
        best[key] = min(best.get(key, np.inf), float(scores[i]))
    return best


def map_layer(op: Operator, acc: Accelerator, *, objective: Objective = "edp", search: Search = "auto",
              precision: str = "int8", budget: int = 20_000, refine: int = 16, max_spatial: int = 24,
              seed: Seed = 0, time_limit_s: float = 10.0, cost: CostFunction = evaluate,
              climb_rounds: int = 8, padding: bool = False, placement: bool = True) -> LayerMapping:
    """Return the best mapping of ``op`` on ``acc`` for ``objective``.

    Parameters
    ----------
    op
        A MAC operator (`Conv2d` or `Gemm`).
    acc
        Any accelerator; its levels and spatial array define the space.
    objective
        ``"latency"`` (cycles), ``"energy"`` (pJ) or ``"edp"`` (their product).
    search
        ``"auto"``, ``"exhaustive"``, ``"random"`` or ``"milp"`` (module docstring).
    precision
        Operand precision (bytes per word in traffic and capacities).
    budget
        Tilings sampled (random) or the largest space enumerated (auto).
    refine
        Best candidates whose loop orders are then searched.
    max_spatial
        Spatial unrollings kept (most PEs used first).
    seed
        Random seed (`numpy.random.Generator` or int).
    time_limit_s
        The MILP solver's time limit.
    cost
        The cost function evaluating a batch of mappings.
    climb_rounds
        Rounds of the hill climb on the best candidates (0: one pass of loop orders).
    padding
        Also try spatial unrollings that pad the last step (module docstring).
    placement
        Let the hill climb place each operand's tiles on their own loop-nest cuts (`Mapping.placement`);
        ``False`` keeps one cut per level boundary for all operands.
    """
    _check("objective", objective, OBJECTIVES)
    _check("search", search, SEARCHES)
    start = time.perf_counter()
    problem = problem_of(op, precision)
    av = arch_view(acc)
    rng = as_generator(seed)
    spatial = spatial_choices(problem, av, max_spatial=max_spatial, padding=padding)
    chosen = search
    if search == "auto":
        chosen = "exhaustive" if space_size(problem, av, spatial) <= budget else "random"
    batch = None
    if chosen == "milp":
        batch = milp_tiling(problem, av, time_limit_s=time_limit_s)
        if batch is None:
            log.info("MILP found no tiling for %s; sampling instead", problem.name)
    if batch is None:
        batch = exhaustive_batch(problem, av, spatial) if chosen == "exhaustive" else random_batch(
            problem, av, spatial, budget, rng)
    costs = _evaluate(cost, problem, acc, batch)
    scores = np.concatenate([c.objective(objective) for c in costs])
    evaluated = len(batch)
    top = _keep(batch, scores, refine)
    candidates: list[tuple[MappingBatch, list[BatchCost]]] = [(batch, costs)]
    pool, pool_scores = batch.take(top), scores[top]
    for round_ in range(max(climb_rounds, 1)):
        if not len(pool):
            break
        moves = order_variants(pool) if climb_rounds == 0 else MappingBatch.concat(
            [order_variants(pool), neighbours(pool), spatial_moves(pool, problem, av),
             *([placement_moves(pool, av)] if placement else [])])
        move_costs = _evaluate(cost, problem, acc, moves)
        candidates.append((moves, move_costs))
        evaluated += len(moves)
        move_scores = np.concatenate([c.objective(objective) for c in move_costs])
        merged = MappingBatch.concat([pool, moves])
        merged_scores = np.concatenate([pool_scores, move_scores])
        flat = np.concatenate([a.reshape(len(merged), -1) for a in (merged.temporal, merged.spatial, merged.orders,
                                                                    merged.placement())], axis=1)
        unique = np.sort(np.unique(_rows(flat), return_index=True)[1])  # one copy of each mapping
        merged, merged_scores = merged.take(unique), merged_scores[unique]
        keep = _keep(merged, merged_scores, refine)
        improved = bool(len(keep)) and _best_per_spatial(merged, merged_scores, keep) != _best_per_spatial(
            pool, pool_scores, np.arange(len(pool)))
        pool, pool_scores = merged.take(keep), merged_scores[keep]
        if not improved:
            break
        log.debug("%s: climb round %d, best %g", problem.name, round_, pool_scores.min())
    best: tuple[float, MappingBatch, BatchCost, int] | None = None
    for cand, cand_costs in candidates:
        offset = 0
        for c in cand_costs:
            score = c.objective(objective)
            if not np.isfinite(score).any():  # nothing fits: prefer the least violation
                score = 1e300 * (c.demand / c.bound)
            i = int(np.argmin(score))
            if best is None or score[i] < best[0]:
                best = (float(score[i]), cand, c, offset + i)
            offset += len(c)
    assert best is not None  # at least one candidate was evaluated
    _, cand, c, i = best
    mapping = mapping_at(problem, acc, cand, i)
    record = c.record(i - (i // _CHUNK) * _CHUNK)
    return LayerMapping(problem=problem, mapping=mapping, record=record, objective=objective, search=chosen,
                        evaluated=evaluated, seconds=time.perf_counter() - start)
