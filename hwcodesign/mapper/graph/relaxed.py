"""Relax and lay out: choose evictions by sizes alone over a fixed order, then assign offsets, tightening until it fits.

For a fixed order the traffic-optimal plan without fragmentation is a small ILP: each
intermediate tensor, between two consecutive uses (its creation and its reads), is
either kept or evicted and reloaded at the next use (keeping it longer or reloading
earlier only takes more memory); evicting in any gap stores it once. The resident
sizes at every step must fit the capacity. This is the model of
`hwcodesign.mapper.graph.brute` without the layout, solved by CBC in seconds even for
a thousand operators, because only gaps that span an over-full step get a variable.

Its residency runs are then laid out: each run gets one offset, no two runs that share
a step overlap. Greedy layouts place the runs largest first (the "greedy by size" of
TFLite's planner), longest first, largest size x steps first or earliest first, each at
the lowest offset clear of those placed before. If the layout needs more than the
budget, the capacity of the ILP is lowered by the overflow (at the steps that overflow,
or everywhere) and the two steps repeated, a few times; a repeated layout may keep the
arrangement of the last one (placing runs in order of their old offsets) so that it
changes little. The cheapest plan that fits is returned (None if none did), its offsets
compacted (`hwcodesign.mapper.graph.plan.compact`).

With nothing to evict (a budget at or above the order's peak) this is an offset
assignment for the whole order with no spill: the way a `peak` budget is met when the
segment-by-segment ILP leaves fragments.

Examples
--------
>>> from hwcodesign.mapper.graph.problem import GraphProblem
>>> p = GraphProblem.from_edges("skip", [("a", 8, (), 0, 8), ("b", 8, ("a",), 0, 0), ("c", 8, ("b",), 0, 0),
...                                      ("d", 1, ("a", "c"), 0, 0)])
>>> plan = plan_relaxed(p, 17, order=p.order)
>>> plan.non_compulsory_bytes, [(s.tensor, s.step) for s in plan.spills]
(16, [('a', 1)])
>>> plan_relaxed(p, 24, order=p.order).non_compulsory_bytes
0
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from itertools import product

from hwcodesign.core.errors import ConfigError
from hwcodesign.mapper.graph.plan import Placement, Plan, compact, unfit_plan
from hwcodesign.mapper.graph.problem import GraphProblem

__all__ = ["plan_relaxed", "evictions", "layout", "no_spill_layout_bytes", "LAYOUTS", "TIGHTENINGS"]

Run = tuple[str, int, int]  # tensor, first step, last step


def evictions(problem: GraphProblem, order: Sequence[str], capacity: Sequence[int], *, prefer: str = "late",
              proven: bool = False, time_limit_s: float = 30.0) -> list[Run] | None:
    """Residency runs of the cheapest keep-or-evict choice over ``order`` when sizes must fit ``capacity[step]``.

    Among choices of equal traffic it prefers evicting in ``'early'`` or ``'late'`` gaps
    (a tie-break worth less than one byte in all). None when the solver finds no choice
    in time, or with ``proven`` no proven optimum (or none exists: an operator alone
    exceeds its step's capacity).
    """
    import pulp

    sizes = problem.sizes
    step = {op: i for i, op in enumerate(order)}
    n = len(order)
    readers = problem.readers
    fixed = [problem.footprint(op) for op in order]
    if any(f > c for f, c in zip(fixed, capacity)):
        return None
    points = {t: sorted({step[t], *(step[r] for r in readers[t])}) for t in readers}
    over = problem.resident_without_spills(order)
    squeezed = [over[i] > capacity[i] for i in range(n)]
    prefix = [0]
    for s in squeezed:
        prefix.append(prefix[-1] + s)
    keep: dict[tuple[str, int], object] = {}  # (tensor, gap) -> variable, for gaps over a squeezed step
    load = [0] * n  # bytes kept for sure at each step, beyond the footprints
    for t, pts in points.items():
        for j in range(1, len(pts)):
            lo, hi = pts[j - 1] + 1, pts[j]  # interior steps lo..hi-1
            if lo >= hi:
                continue
            if prefix[hi] - prefix[lo]:
                keep[t, j] = None
            else:
                for i in range(lo, hi):
                    load[i] += sizes[t]
    if not keep:
        runs_keep: dict[tuple[str, int], bool] = {}
    else:
        prob = pulp.LpProblem("evictions", pulp.LpMinimize)
        for i, key in enumerate(keep):
            keep[key] = pulp.LpVariable(f"k_{i}", cat="Binary")
        spilled = {t: pulp.LpVariable(f"s_{i}", cat="Binary") for i, t in enumerate(dict.fromkeys(t for t, _ in keep))}
        at_step: list[list] = [[] for _ in range(n)]
        for (t, j), var in keep.items():
            prob += spilled[t] >= 1 - var
            for i in range(points[t][j - 1] + 1, points[t][j]):
                if squeezed[i]:
                    at_step[i].append(sizes[t] * var)
        for i in range(n):
            if squeezed[i]:
                prob += pulp.lpSum(at_step[i]) + fixed[i] + load[i] <= capacity[i]
        rank = {key: points[key[0]][key[1]] for key in keep}
        tie = 1 / (2 * len(keep) * len(order))
        prob += (pulp.lpSum(sizes[t] * (1 - var) for (t, _), var in keep.items())
                 + pulp.lpSum(sizes[t] * var for t, var in spilled.items())
                 + pulp.lpSum(tie * (rank[key] if prefer == "early" else len(order) - rank[key]) * var
                              for key, var in keep.items()))
        prob.solve(pulp.PULP_CBC_CMD(timeLimit=max(1.0, time_limit_s), msg=False))
        if prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible) \
                or proven and prob.sol_status != pulp.LpSolutionOptimal:
            return None
        runs_keep = {key: (pulp.value(var) or 0) > 0.5 for key, var in keep.items()}
    runs: list[Run] = []
    for t, pts in points.items():
        begin = pts[0]
        for j in range(1, len(pts)):
            if not runs_keep.get((t, j), True):
                runs.append((t, begin, pts[j - 1]))
                begin = pts[j]
        runs.append((t, begin, pts[-1]))
    for op in order:
        runs += [(t, step[op], step[op]) for t in problem.transient_of[op]]
        if op not in readers:
            runs.append((op, step[op], step[op]))
    return runs


#: How `plan_relaxed` lowers the capacity after a layout overflows: at the overflowing steps, keeping the layout's
#: arrangement (``stable``) or laying out afresh (``steps``), or at every step (``uniform``).
TIGHTENINGS = ("stable", "steps", "uniform")
#: Orders in which `layout` places runs: largest, longest, largest size x steps, or earliest first.
LAYOUTS = ("largest", "longest", "area", "earliest")


def layout(runs: Sequence[Run], sizes: Mapping[str, int], *, first: str = "largest",
           rank: Sequence[float] | None = None) -> tuple[list[int], int]:
    """Offsets for ``runs``, each at the lowest offset clear of the runs placed before it, and the bytes they span.

    ``first`` (one of `LAYOUTS`) sets the order the runs are placed in; ``rank``, when
    given, overrides it (lowest rank first).
    """
    keys = {"largest": lambda i: (-sizes[runs[i][0]], runs[i][1], i),
            "longest": lambda i: (runs[i][1] - runs[i][2], -sizes[runs[i][0]], i),
            "area": lambda i: (-sizes[runs[i][0]] * (runs[i][2] - runs[i][1] + 1), runs[i][1], i),
            "earliest": lambda i: (runs[i][1], -sizes[runs[i][0]], i)}
    offsets = [0] * len(runs)
    placed: list[int] = []
    top = 0
    for i in sorted(range(len(runs)), key=keys[first] if rank is None else lambda i: (rank[i], runs[i][1], i)):
        tensor, s, e = runs[i]
        size = sizes[tensor]
        busy = sorted((offsets[j], offsets[j] + sizes[runs[j][0]]) for j in placed
                      if runs[j][1] <= e and s <= runs[j][2])
        at = 0
        for lo, hi in busy:
            if at + size <= lo:
                break
            at = max(at, hi)
        offsets[i] = at
        placed.append(i)
        top = max(top, at + size)
    return offsets, top


def no_spill_layout_bytes(problem: GraphProblem, order: Sequence[str]) -> int:
    """Bytes the best greedy layout of ``order`` needs with nothing evicted (its peak by sizes is a lower bound).

    Examples
    --------
    >>> from hwcodesign.mapper.graph.problem import GraphProblem
    >>> p = GraphProblem.from_edges("skip", [("a", 8, (), 0, 8), ("b", 8, ("a",), 0, 0), ("c", 8, ("b",), 0, 0),
    ...                                      ("d", 1, ("a", "c"), 0, 0)])
    >>> no_spill_layout_bytes(p, p.order), max(p.resident_without_spills(p.order))
    (24, 24)
    """
    runs = evictions(problem, order, [max(problem.resident_without_spills(order))] * len(order))
    return min(layout(runs, problem.sizes, first=f)[1] for f in LAYOUTS)


def plan_relaxed(problem: GraphProblem, budget_bytes: int, *, order: Sequence[str], rounds: int = 16,
                 time_limit_s: float = 60.0, stop_at: int = 0) -> Plan | None:
    """The cheapest plan over ``order`` that relax and lay out fits in ``budget_bytes`` (module docstring), or None.

    Each of the `LAYOUTS`, and the best of them at each round, is tried with each of the
    `TIGHTENINGS`, at most ``rounds`` times; ``time_limit_s`` is shared. The search stops
    at the first plan of at most ``stop_at`` bytes (a known lower bound).
    """
    from hwcodesign.mapper.graph.ilp import plan_from_runs

    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ConfigError(f"The 'rounds' must be an int >= 1. Got {rounds!r}.")
    began = time.perf_counter()
    order = problem.check_order(order)
    if unfit_plan(problem, "relaxed", budget_bytes, order, began) is not None:
        return None
    sizes = problem.sizes
    floor = [problem.footprint(op) for op in order]
    best: Plan | None = None
    for prefer, tighten, first in product(("late", "early"), TIGHTENINGS, (*LAYOUTS, None)):  # None: the best one
        capacity = [budget_bytes] * len(order)
        previous: dict[str, list[tuple[int, int, int]]] = {}  # tensor -> (start, end, offset) of the last layout
        for _ in range(rounds):
            left = time_limit_s - (time.perf_counter() - began)
            if left <= 0:
                break
            runs = evictions(problem, order, capacity, prefer=prefer, time_limit_s=left)
            if runs is None:
                break
            if previous:  # keep the last layout's arrangement: place runs in order of their old offsets
                rank = [next((o for s0, e0, o in previous[t] if s0 <= s <= e0), previous[t][0][2])
                        for t, s, _ in runs]
                offsets, top = layout(runs, sizes, rank=rank)
            else:
                offsets, top = min((layout(runs, sizes, first=f) for f in ([first] if first else LAYOUTS)),
                                   key=lambda r: r[1])
            if top <= budget_bytes:
                placements = compact([Placement(t, s, e, o) for (t, s, e), o in zip(runs, offsets)], sizes)
                plan = plan_from_runs(problem, budget_bytes, order,
                                      [(p.tensor, p.start, p.end, p.offset_bytes) for p in placements],
                                      method="relaxed", status="feasible", solve_s=0.0, gap=None)
                if best is None or plan.non_compulsory_bytes < best.non_compulsory_bytes:
                    best = plan
                break
            # lower the capacity by the overflow: of every step (uniform) or of the steps that overflow
            high = [0] * len(order)
            for (tensor, s, e), at in zip(runs, offsets):
                for i in range(s, e + 1):
                    high[i] = max(high[i], at + sizes[tensor])
            cut = [top - budget_bytes if tighten == "uniform" else max(0, h - budget_bytes) for h in high]
            lowered = [max(floor[i], c - cut[i]) for i, c in enumerate(capacity)]
            if lowered == capacity:
                break
            capacity = lowered
            if tighten == "stable":
                previous = {}
                for (tensor, s, e), at in zip(runs, offsets):
                    previous.setdefault(tensor, []).append((s, e, at))
        if best is not None and best.non_compulsory_bytes <= stop_at:
            break
    return None if best is None else replace(best, solve_s=time.perf_counter() - began)
