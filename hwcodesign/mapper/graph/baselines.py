"""Baseline memory plans: an operator order, an allocator and a replacement policy, step by step.

For each step of the order the tensors the operator needs (its inputs, weights, network
input) and its output are placed if not resident: an input that was spilled is
reloaded. When no free range of the scratchpad fits, a resident tensor the step does
not need is evicted (stored first if it is read later and not stored yet), chosen by
the replacement policy:

* ``belady``: the one read again farthest in the future (optimal for equal sizes and no
  fragmentation, Belady 1966);
* ``lru``: the least recently used.

When evicting every other tensor still leaves no room (fragmentation by the step's own
tensors), the whole scratchpad is cleared and the step's tensors are placed from offset
0. Allocators: ``linear`` takes the lowest free offset that fits (first fit, scanning the
address space linearly); ``best_fit`` the smallest free range that fits. Orders:
``topological`` (the workload's) or ``min_peak`` (`GraphProblem.min_peak`). After a
step, tensors that no later step reads are freed.

Examples
--------
>>> from hwcodesign.mapper.graph.problem import GraphProblem
>>> p = GraphProblem.from_edges("skip", [("a", 8, (), 0, 8), ("b", 8, ("a",), 0, 0), ("c", 8, ("b",), 0, 0),
...                                      ("d", 1, ("a", "c"), 0, 0)])
>>> plan = plan_baseline(p, 17, replacement="belady")
>>> plan.non_compulsory_bytes, [(s.tensor, s.step) for s in plan.spills]  # 'a' must make room for 'b', 'c'
(16, [('a', 1)])
>>> [m for m in BASELINES][:2]
['topological/linear/belady', 'topological/linear/lru']
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from itertools import product
from typing import Literal

from hwcodesign.core.errors import ConfigError
from hwcodesign.mapper.graph.plan import Placement, Plan, Spill, non_compulsory_bytes, unfit_plan
from hwcodesign.mapper.graph.problem import GraphProblem

__all__ = ["plan_baseline", "simulate", "BASELINES", "ORDERS", "ALLOCATORS", "REPLACEMENTS", "baseline_order"]

ORDERS = ("topological", "min_peak")
ALLOCATORS = ("linear", "best_fit")
REPLACEMENTS = ("belady", "lru")
#: Every baseline as ``'order/allocator/replacement'``.
BASELINES = tuple("/".join(c) for c in product(ORDERS, ALLOCATORS, REPLACEMENTS))


def _check(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"The {name!r} must be one of {', '.join(map(repr, allowed))}. Got {value!r}.")


def baseline_order(problem: GraphProblem, order: Literal["topological", "min_peak"]) -> tuple[str, ...]:
    """The ``topological`` (workload) or ``min_peak`` order."""
    _check("order", order, ORDERS)
    return problem.order if order == "topological" else problem.min_peak().order


def _free_ranges(used: list[tuple[int, int]], budget: int) -> list[tuple[int, int]]:
    out, at = [], 0
    for lo, hi in sorted(used):
        if lo > at:
            out.append((at, lo))
        at = max(at, hi)
    if at < budget:
        out.append((at, budget))
    return out


def simulate(problem: GraphProblem, seq: Sequence[str], budget: int, *, allocator: str, replacement: str,
             carry_in: Mapping[str, int | None] | None = None, stored: Iterable[str] = (),
             needed_after: Iterable[str] = ()) -> tuple[list[Placement], list[Spill], set[str]]:
    """Run the baseline over ``seq`` from a given state; return placements, spills and the carried tensors kept.

    ``carry_in`` maps tensors made before ``seq`` to their offset if resident (None if in
    DRAM), ``stored`` are already in DRAM, ``needed_after`` are read after ``seq`` (kept
    until evicted, stored when evicted). Steps count from 0 at ``seq[0]``; a tensor
    evicted before the first step is spilled at step -1 (before ``seq``). Also the warm
    start of each divide-and-conquer window (`hwcodesign.mapper.graph.ilp`).
    """
    carry_in = dict(carry_in or {})
    needed_after = set(needed_after)
    sizes = problem.sizes
    uses: dict[str, list[int]] = {}
    for i, op in enumerate(seq):
        for t in problem.needs(op):
            uses.setdefault(t, []).append(i)
    resident: dict[str, tuple[int, int]] = {t: (o, 0) for t, o in carry_in.items() if o is not None}
    kept_in = set(resident)  # carried-in tensors still in the residency they came with
    last_use: dict[str, int] = {}
    stored = set(stored)
    placements: list[Placement] = []
    spills: list[Spill] = []
    readers = problem.readers

    def next_use(tensor: str, t: int) -> int:
        return next((u for u in uses.get(tensor, ()) if u >= t), len(seq))

    def evict(tensor: str, t: int) -> None:
        offset, start = resident.pop(tensor)
        if start < t:  # resident before this step: its placement ends at the previous one
            placements.append(Placement(tensor, start, t - 1, offset))
        elif tensor in kept_in:
            kept_in.discard(tensor)
        if tensor not in stored and tensor in readers and (next_use(tensor, t) < len(seq) or tensor in needed_after):
            spills.append(Spill(tensor, t - 1))
            stored.add(tensor)

    def place(tensor: str, t: int) -> int | None:
        used = [(o, o + sizes[tensor_]) for tensor_, (o, _) in resident.items()]
        holes = [(lo, hi) for lo, hi in _free_ranges(used, budget) if hi - lo >= sizes[tensor]]
        if not holes:
            return None
        lo, _ = holes[0] if allocator == "linear" else min(holes, key=lambda h: (h[1] - h[0], h[0]))
        return lo

    for t, op in enumerate(seq):
        wanted = [x for x in problem.needs(op) if x not in resident] + [op]
        protected = set(problem.needs(op)) | {op}
        pending = list(wanted)
        while pending:
            tensor = pending[0]
            at = place(tensor, t)
            if at is not None:
                resident[tensor] = (at, t)
                pending.pop(0)
                continue
            victims = [v for v in resident if v not in protected]
            if victims:
                if replacement == "belady":
                    victim = max(victims, key=lambda v: (next_use(v, t), sizes[v]))
                else:
                    victim = min(victims, key=lambda v: (last_use.get(v, -1), -sizes[v]))
                evict(victim, t)
                continue
            for v in [v for v in resident if v in protected]:  # fragmented by the step's own tensors
                evict(v, t)
            pending = [x for x in problem.needs(op) + (op,) if x not in resident]
            for x in pending:
                resident[x] = (place(x, t), t)
            pending = []
        for x in protected:
            last_use[x] = t
        for x in protected:
            if next_use(x, t + 1) == len(seq) and x not in needed_after:
                offset, start = resident.pop(x)
                placements.append(Placement(x, start, t, offset))
    for x, (offset, start) in resident.items():  # read after ``seq``: resident at its end
        placements.append(Placement(x, start, len(seq) - 1, offset))
    return placements, spills, kept_in


def plan_baseline(problem: GraphProblem, budget_bytes: int, *, order: Literal["topological", "min_peak"] = "topological",
                  allocator: Literal["linear", "best_fit"] = "linear",
                  replacement: Literal["belady", "lru"] = "belady") -> Plan:
    """Plan ``problem`` in ``budget_bytes`` with a baseline (see the module docstring)."""
    _check("allocator", allocator, ALLOCATORS)
    _check("replacement", replacement, REPLACEMENTS)
    began = time.perf_counter()
    seq = baseline_order(problem, order)
    method = f"{order}/{allocator}/{replacement}"
    step_of = {op: i for i, op in enumerate(seq)}
    unfit = unfit_plan(problem, method, budget_bytes, seq, began)
    if unfit is not None:
        return unfit
    placements, spills, _ = simulate(problem, seq, budget_bytes, allocator=allocator, replacement=replacement)
    placements.sort(key=lambda p: (p.start, p.offset_bytes))
    extra = non_compulsory_bytes(problem.sizes, step_of, placements, spills)
    return Plan(workload=problem.name, method=method, budget_bytes=budget_bytes, order=seq,
                placements=tuple(placements), spills=tuple(spills), status="feasible",
                solve_s=time.perf_counter() - began, compulsory_bytes=problem.compulsory_bytes,
                non_compulsory_bytes=extra)
