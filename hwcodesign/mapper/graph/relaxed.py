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
TFLite's planner), longest first, largest size x steps first, earliest first, or
those living through the fullest steps first, each at the lowest offset clear of those
placed before. When the best of them needs more than the budget, `repair_layout` moves
the runs around the steps that overflow with an exact offset ILP (the rest stay put),
in a window of steps it widens until the layout fits or the window is the whole order.
If that fails too, the capacity of the eviction ILP is lowered by the overflow (at the
steps that overflow, or everywhere) and the two steps repeated, a few times; a repeated
layout may keep the arrangement of the last one (placing runs in order of their old
offsets) so that it changes little. The cheapest plan that fits is returned (None if
none did), its offsets compacted (`hwcodesign.mapper.graph.plan.compact`).

With nothing to evict (a budget at or above the order's peak) this is an offset
assignment for the whole order with no spill (dynamic storage allocation with fixed
lifetimes): the way a `peak` budget is met when the segment-by-segment ILP leaves
fragments.

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

__all__ = ["plan_relaxed", "evictions", "run_bytes", "layout", "repair_layout", "no_spill_layout_bytes", "LAYOUTS", "TIGHTENINGS"]

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

    from hwcodesign.mapper.lp import cbc, variable

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
            keep[key] = variable(prob, f"k_{i}", cat="Binary")
        spilled = {t: variable(prob, f"s_{i}", cat="Binary") for i, t in enumerate(dict.fromkeys(t for t, _ in keep))}
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
        prob.solve(cbc(timeLimit=max(1.0, time_limit_s), msg=False))
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


def run_bytes(problem: GraphProblem, runs: Sequence[Run]) -> int:
    """Non-compulsory bytes of residency ``runs``: an intermediate with ``k > 1`` runs is stored once, reloaded ``k - 1`` times.

    Examples
    --------
    >>> from hwcodesign.mapper.graph.problem import GraphProblem
    >>> p = GraphProblem.from_edges("skip", [("a", 8, (), 0, 8), ("b", 8, ("a",), 0, 0), ("c", 8, ("b",), 0, 0),
    ...                                      ("d", 1, ("a", "c"), 0, 0)])
    >>> run_bytes(p, [("a", 0, 1), ("a", 3, 3), ("b", 1, 2), ("c", 2, 3), ("d", 3, 3)])  # 'a' stored and reloaded
    16
    """
    count: dict[str, int] = {}
    readers = problem.readers
    for tensor, _, _ in runs:
        if tensor in readers:
            count[tensor] = count.get(tensor, 0) + 1
    return sum(problem.sizes[t] * (k - 1 + (k > 1)) for t, k in count.items())


#: How `plan_relaxed` lowers the capacity after a layout overflows: at the overflowing steps, keeping the layout's
#: arrangement (``stable``) or laying out afresh (``steps``), or at every step (``uniform``).
TIGHTENINGS = ("stable", "steps", "uniform")
#: Orders in which `layout` places runs: largest, longest, largest size x steps, earliest first, or first those
#: whose fullest step holds the most bytes (then earliest).
LAYOUTS = ("largest", "longest", "area", "earliest", "pressure")


def _loads(runs: Sequence[Run], sizes: Mapping[str, int]) -> list[int]:
    """Bytes resident at each step."""
    load = [0] * (1 + max((e for _, _, e in runs), default=-1))
    for tensor, s, e in runs:
        for i in range(s, e + 1):
            load[i] += sizes[tensor]
    return load


def _tops(runs: Sequence[Run], sizes: Mapping[str, int], offsets: Sequence[float]) -> list[float]:
    """The highest byte in use at each step."""
    high: list[float] = [0] * (1 + max((e for _, _, e in runs), default=-1))
    for (tensor, s, e), at in zip(runs, offsets):
        for i in range(s, e + 1):
            high[i] = max(high[i], at + sizes[tensor])
    return high


def layout(runs: Sequence[Run], sizes: Mapping[str, int], *, first: str = "largest",
           rank: Sequence[float] | None = None) -> tuple[list[int], int]:
    """Offsets for ``runs``, each at the lowest offset clear of the runs placed before it, and the bytes they span.

    ``first`` (one of `LAYOUTS`) sets the order the runs are placed in; ``rank``, when
    given, overrides it (lowest rank first).

    Examples
    --------
    >>> runs = [("a", 0, 3), ("b", 1, 2), ("c", 2, 2), ("d", 3, 4), ("e", 4, 4)]  # (tensor, first, last step)
    >>> sizes = {"a": 3, "b": 2, "c": 3, "d": 4, "e": 4}  # steps 2 and 4 hold 8 bytes
    >>> layout(runs, sizes)  # 'a' above 'd' at 4 leaves 'b' no room beside 'c' below 8
    ([4, 7, 0, 0, 4], 9)
    """
    fullest = _loads(runs, sizes)
    keys = {"largest": lambda i: (-sizes[runs[i][0]], runs[i][1], i),
            "longest": lambda i: (runs[i][1] - runs[i][2], -sizes[runs[i][0]], i),
            "area": lambda i: (-sizes[runs[i][0]] * (runs[i][2] - runs[i][1] + 1), runs[i][1], i),
            "earliest": lambda i: (runs[i][1], -sizes[runs[i][0]], i),
            "pressure": lambda i: (-max(fullest[runs[i][1]:runs[i][2] + 1]), runs[i][1], i)}
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


def repair_layout(runs: Sequence[Run], sizes: Mapping[str, int], offsets: Sequence[int], budget_bytes: int, *,
                  widths: Sequence[int | None] = (2, 8, 32, None), time_limit_s: float = 30.0) -> list[int] | None:
    """Offsets of ``runs`` within ``budget_bytes``, moving only runs near the steps where ``offsets`` overflow; or None.

    Around the first steps the layout overflows (neighbours at most 2 steps apart), the
    runs that live in a window of steps get free offsets in an ILP (CBC): within the
    budget, apart from each other where they share a step, and apart from the runs that
    stay put; every other run keeps its offset. The window grows (``widths`` steps on
    each side; None: the whole order) until the ILP is feasible, and the next overflow
    is repaired the same way. With the whole order in the window the ILP is exact: None
    then means no layout of these runs fits (or the time ran out); with narrower windows
    only, it may also mean that the runs left in place leave no room. After each window
    the layout is compacted by first fit in the order of the offsets (`layout` with
    ``rank``), which moves no run up.

    Examples
    --------
    >>> runs = [("a", 0, 3), ("b", 1, 2), ("c", 2, 2), ("d", 3, 4), ("e", 4, 4)]
    >>> sizes = {"a": 3, "b": 2, "c": 3, "d": 4, "e": 4}
    >>> offsets, top = layout(runs, sizes)
    >>> top, repair_layout(runs, sizes, offsets, 8)  # 'a' at the top, 'b' and 'c' below it, 'd' under 'e'
    (9, [5, 0, 2, 0, 4])
    >>> repair_layout(runs, sizes, offsets, 7) is None  # step 2 holds 8 bytes
    True
    """
    began = time.perf_counter()
    offsets = list(offsets)
    n = len(_loads(runs, sizes))
    while True:
        bad = [i for i, h in enumerate(_tops(runs, sizes, offsets)) if h > budget_bytes]
        if not bad:
            return offsets
        lo = hi = bad[0]
        for i in bad[1:]:
            if i > hi + 2:
                break
            hi = i
        placed = None
        for width in widths:
            left = time_limit_s - (time.perf_counter() - began)
            if left <= 0:
                return None
            width = n if width is None else width
            placed = _place_window(runs, sizes, offsets, budget_bytes, max(0, lo - width), hi + width, left)
            if placed is not None or width >= n:
                break
        if placed is None:
            return None
        offsets, _ = layout(runs, sizes, rank=placed)
        if any(h > budget_bytes for h in _tops(runs, sizes, offsets)[lo:hi + 1]):  # the solver's rounding
            return None


def _place_window(runs: Sequence[Run], sizes: Mapping[str, int], offsets: Sequence[int], budget_bytes: int,
                  lo: int, hi: int, time_limit_s: float) -> list[int] | None:
    """``offsets`` with the runs living in steps ``lo..hi`` placed afresh by an ILP (see `repair_layout`), or None."""
    import pulp

    from hwcodesign.mapper.lp import cbc, variable

    free = [i for i, (_, s, e) in enumerate(runs) if s <= hi and lo <= e]
    moved = set(free)
    if any(budget_bytes < sizes[runs[i][0]] for i in free):
        return None
    prob = pulp.LpProblem("layout", pulp.LpMinimize)
    at = {i: variable(prob, f"a_{i}", 0, budget_bytes - sizes[runs[i][0]], cat="Integer") for i in free}
    prob += pulp.lpSum([])
    big = budget_bytes
    for k, i in enumerate(free):
        _, s, e = runs[i]
        size = sizes[runs[i][0]]
        for j in free[k + 1:]:  # y = 1: i below j
            if runs[j][1] <= e and s <= runs[j][2]:
                y = variable(prob, f"y_{i}_{j}", cat="Binary")
                prob += at[i] + size <= at[j] + big * (1 - y)
                prob += at[j] + sizes[runs[j][0]] <= at[i] + big * y
        for j, (other, s2, e2) in enumerate(runs):
            if j in moved or e2 < s or e < s2:
                continue
            below, above = offsets[j] - size >= 0, offsets[j] + sizes[other] + size <= budget_bytes
            if below and above:
                y = variable(prob, f"z_{i}_{j}", cat="Binary")
                prob += at[i] + size <= offsets[j] + big * (1 - y)
                prob += at[i] >= offsets[j] + sizes[other] - big * y
            elif below or above:
                prob += at[i] + size <= offsets[j] if below else at[i] >= offsets[j] + sizes[other]
            else:
                return None
    prob.solve(cbc(timeLimit=max(1.0, time_limit_s), msg=False))
    if prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return None
    return [round(pulp.value(at[i]) or 0) if i in moved else o for i, o in enumerate(offsets)]


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


def _exact_layout(runs: Sequence[Run], sizes: Mapping[str, int], budget_bytes: int,
                  time_limit_s: float) -> list[int] | None:
    """Offsets of ``runs`` within ``budget_bytes``: the best greedy layout, else a repaired one (`repair_layout`).

    Each greedy layout, least overflow first, gets a quick repair (windows of 2 and 8
    steps, a share of half of ``time_limit_s``), then the best one a thorough one.
    """
    began = time.perf_counter()

    def overflow(laid: tuple[list[int], int]) -> tuple[int, float]:
        return laid[1], sum(max(0, h - budget_bytes) for h in _tops(runs, sizes, laid[0]))

    greedy = sorted((layout(runs, sizes, first=f) for f in LAYOUTS), key=overflow)
    if greedy[0][1] <= budget_bytes:
        return greedy[0][0]
    for offsets, _ in greedy:
        repaired = repair_layout(runs, sizes, offsets, budget_bytes, widths=(2, 8),
                                 time_limit_s=time_limit_s / (2 * len(greedy)))
        if repaired is not None:
            return repaired
    left = time_limit_s - (time.perf_counter() - began)
    return repair_layout(runs, sizes, greedy[0][0], budget_bytes, time_limit_s=left) if left > 0 else None


def plan_relaxed(problem: GraphProblem, budget_bytes: int, *, order: Sequence[str], rounds: int = 16,
                 time_limit_s: float = 60.0, stop_at: int = 0) -> Plan | None:
    """The cheapest plan over ``order`` that relax and lay out fits in ``budget_bytes`` (module docstring), or None.

    First the cheapest choice by sizes gets the best of the `LAYOUTS`, repaired by
    `repair_layout` (within a third of ``time_limit_s``) where it overflows; if that fits,
    no plan over ``order`` moves fewer bytes and it is returned. Otherwise each of the
    `LAYOUTS`, and the best of them at each round, is tried with each of the
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

    def laid_out(runs: Sequence[Run], offsets: Sequence[int]) -> Plan:
        placements = compact([Placement(t, s, e, o) for (t, s, e), o in zip(runs, offsets)], sizes)
        plan = plan_from_runs(problem, budget_bytes, order, [(p.tensor, p.start, p.end, p.offset_bytes)
                                                             for p in placements],
                              method="relaxed", status="feasible", solve_s=0.0, gap=None)
        return replace(plan, solve_s=time.perf_counter() - began)

    runs = evictions(problem, order, [budget_bytes] * len(order), time_limit_s=time_limit_s)
    if runs is not None:
        repaired = _exact_layout(runs, sizes, budget_bytes, (time_limit_s - (time.perf_counter() - began)) / 3)
        if repaired is not None:
            return laid_out(runs, repaired)
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
                plan = laid_out(runs, offsets)
                if best is None or plan.non_compulsory_bytes < best.non_compulsory_bytes:
                    best = plan
                break
            # lower the capacity by the overflow: of every step (uniform) or of the steps that overflow
            high = _tops(runs, sizes, offsets)
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
