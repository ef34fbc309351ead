"""Exhaustive search for tiny graphs: every order, every keep-or-reload choice, every layout.

Independent of the ILP, for cross-checking it. For each topological order, each
intermediate tensor either stays resident between two consecutive steps that need it
(its creation and its reads) or is freed and reloaded at the next one (then it is stored
once); keeping it longer or reloading it earlier only takes more memory. A choice is
feasible when its placements can be laid out in the budget with each placement at one
offset: placing them by first fit in every permutation is exact, since any valid layout
is reproduced, or bettered, by first fit in the order of its offsets (see
`hwcodesign.mapper.graph.plan.compact`). Exponential: meant for about 6 operators.

Examples
--------
>>> from hwcodesign.mapper.graph.problem import GraphProblem
>>> p = GraphProblem.from_edges("skip", [("a", 8, (), 0, 8), ("b", 8, ("a",), 0, 0), ("c", 8, ("b",), 0, 0),
...                                      ("d", 1, ("a", "c"), 0, 0)])
>>> brute_force(p, 17), brute_force(p, 24)
(16, 0)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import product

from hwcodesign.mapper.graph.problem import GraphProblem

__all__ = ["brute_force", "all_orders"]


def all_orders(problem: GraphProblem) -> list[tuple[str, ...]]:
    """Every topological order of ``problem``."""
    out: list[tuple[str, ...]] = []

    def extend(prefix: list[str], left: set[str]) -> None:
        if not left:
            out.append(tuple(prefix))
            return
        for op in [o for o in problem.order if o in left]:
            if all(s not in left for s in problem.inputs[op]):
                extend(prefix + [op], left - {op})

    extend([], set(problem.order))
    return out


def _fits(boxes: list[tuple[int, int, int]], budget: int) -> bool:
    """Whether ``(first step, last step, size)`` boxes can be laid out in ``budget`` (first fit, all permutations)."""
    def place(done: list[tuple[int, int, int, int]], left: list[int]) -> bool:
        if not left:
            return True
        for k in left:
            s, e, size = boxes[k]
            busy = sorted((at, at + sz) for (s2, e2, sz, at) in done if s2 <= e and s <= e2)
            at = 0
            for lo, hi in busy:
                if at + size <= lo:
                    break
                at = max(at, hi)
            if at + size <= budget and place(done + [(s, e, size, at)], [j for j in left if j != k]):
                return True
        return False

    return place([], list(range(len(boxes))))


def brute_force(problem: GraphProblem, budget_bytes: int, *,
                orders: Iterable[Sequence[str]] | None = None) -> int | None:
    """The least non-compulsory bytes over every order (or ``orders``), keep-or-reload choice and layout.

    None if nothing fits.
    """
    readers = problem.readers
    best: int | None = None
    for order in (all_orders(problem) if orders is None else orders):
        step = {op: i for i, op in enumerate(order)}
        fixed = [(step[op], step[op], problem.sizes[t]) for op in order for t in problem.transient_of[op]]
        fixed += [(step[op], step[op], problem.sizes[op]) for op in order if op not in readers]
        points = {t: [step[t]] + sorted(step[r] for r in readers[t]) for t in readers}
        gaps = [(t, j) for t in readers for j in range(1, len(points[t]))]
        for choice in product((True, False), repeat=len(gaps)):
            keep = dict(zip(gaps, choice))
            cost = 0
            boxes = list(fixed)
            for t, pts in points.items():
                begin = pts[0]
                reloads = 0
                for j in range(1, len(pts)):
                    if not keep[t, j]:
                        boxes.append((begin, pts[j - 1], problem.sizes[t]))
                        begin = pts[j]
                        reloads += 1
                boxes.append((begin, pts[-1], problem.sizes[t]))
                cost += problem.sizes[t] * (reloads + (reloads > 0))
            if best is not None and cost >= best:
                continue
            if any(sum(sz for s, e, sz in boxes if s <= t <= e) > budget_bytes for t in range(len(order))):
                continue
            if _fits(boxes, budget_bytes):
                best = cost
    return best
