"""Divide and conquer: the ILP over consecutive segments of an order, carrying the boundary tensors.

For graphs too large to solve whole. The algorithm:

1. Take an order (default: the minimum-peak order, `GraphProblem.min_peak`).
2. Solve windows of ``segment_ops + lookahead_ops`` operators in turn with
   `solve_window` and commit the first ``segment_ops`` steps of each (a rolling
   horizon: the lookahead keeps a segment from leaving a layout the next one pays
   for). A window keeps the order (``mode='fixed'``, default) or reorders its
   operators (``'free'``; much slower). Its boundary state comes from
   the segments before: every tensor made earlier and read in or after the segment is
   *carried in*, resident at the offset the previous segment left it (which it may keep
   at no cost, or drop and reload later) or only in DRAM; which tensors are already
   stored is carried too (storing again is free).
3. A tensor read after the segment must end it resident or stored; ending it in DRAM is
   charged one reload inside the segment (the future cost the segment causes), so a
   segment does not push its traffic onto the next.
4. The runs of residency of all segments are joined (a carried tensor kept across a
   boundary continues its run) and turned into one `Plan`; its traffic is recounted from
   the plan itself, not from the segment objectives.

The plan is a heuristic (status ``feasible``): each window is optimal for its boundary
state, not the whole (``extra['segments_optimal']`` counts the windows solved to
optimality within their share of ``time_limit_s``). A ``free`` window the solver cannot
finish is solved again in ``fixed`` mode, and once the time limit has passed the
remaining windows are solved in ``fixed`` mode only; if no plan is found the result is
``not_solved``.

Examples
--------
>>> from hwcodesign.mapper.graph.problem import GraphProblem
>>> p = GraphProblem.from_edges("skip", [("a", 8, (), 0, 8), ("b", 8, ("a",), 0, 0), ("c", 8, ("b",), 0, 0),
...                                      ("d", 1, ("a", "c"), 0, 0)])
>>> plan = plan_divide(p, 17, segment_ops=2, lookahead_ops=0, time_limit_s=10)
>>> plan.status, plan.non_compulsory_bytes, plan.extra["segments"]
('feasible', 16, 2)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Literal

from hwcodesign.core.checks import require_int
from hwcodesign.core.errors import ConfigError
from hwcodesign.mapper.graph.ilp import Solver, Window, plan_from_runs, solve_window
from hwcodesign.mapper.graph.plan import Plan, unfit_plan
from hwcodesign.mapper.graph.problem import GraphProblem

__all__ = ["plan_divide"]


def plan_divide(problem: GraphProblem, budget_bytes: int, *, segment_ops: int = 16, lookahead_ops: int = 8,
                mode: Literal["free", "fixed"] = "fixed", order: Sequence[str] | None = None,
                solver: Solver = "cbc", time_limit_s: float = 60.0) -> Plan:
    """Plan ``problem`` segment by segment (see the module docstring); ``time_limit_s`` is shared by all segments."""
    require_int("segment_ops", segment_ops, low=1)
    require_int("lookahead_ops", lookahead_ops, low=0)
    if mode not in ("free", "fixed"):
        raise ConfigError(f"The 'mode' of divide and conquer must be 'free' or 'fixed'. Got {mode!r}.")
    began = time.perf_counter()
    seq = problem.check_order(order) if order is not None else problem.min_peak().order
    method = f"divide/{mode}"
    unfit = unfit_plan(problem, method, budget_bytes, seq, began)
    if unfit is not None:
        return unfit
    readers = problem.readers
    runs: list[list] = []  # [tensor, first step, last step, offset] over the whole order
    open_run: dict[str, int] = {}  # tensor -> index in runs of its run resident at the end of the last segment
    stored: set[str] = set()
    order_out: list[str] = []
    remaining = list(seq)
    segments = optimal = 0
    while remaining:
        ops = tuple(remaining[:segment_ops + lookahead_ops])
        keep = min(segment_ops, len(ops))
        first = len(order_out)
        done = set(order_out)
        made_before = [t for t in order_out if t in readers and any(r not in done for r in readers[t])]
        carry = {t: (runs[open_run[t]][3] if t in open_run else None) for t in made_before}
        later = set(remaining[len(ops):])
        needed_after = frozenset(t for t in [*made_before, *ops] if any(r in later for r in readers.get(t, ())))
        share = max(1.0, (time_limit_s - (time.perf_counter() - began)) * len(ops) / (len(remaining) + lookahead_ops))
        res = None
        opened = time.perf_counter()
        late = time.perf_counter() - began > time_limit_s  # past the limit: the remaining windows keep their order
        for how in ((mode, "fixed") if mode == "free" and not late else ("fixed",)):
            # a fixed retry of a free window gets what is left of the window's share
            res = solve_window(problem, budget_bytes, Window(ops, fixed=how == "fixed", carry_in=carry,
                                                              stored=frozenset(stored), needed_after=needed_after),
                               mode=how, solver=solver,
                               time_limit_s=max(1.0, share - (time.perf_counter() - opened)))
            if res.status in ("optimal", "feasible"):
                break
        if res.status not in ("optimal", "feasible"):
            return Plan(workload=problem.name, method=method, budget_bytes=budget_bytes, order=seq, placements=(),
                        spills=(), status=res.status, solve_s=time.perf_counter() - began,
                        compulsory_bytes=problem.compulsory_bytes, non_compulsory_bytes=None,
                        reason=f"segment {segments} ({len(ops)} operators): {res.reason}")
        segments += 1
        optimal += res.status == "optimal"
        committed = res.order[:keep]
        order_out += committed
        remaining = [op for op in remaining if op not in set(committed)]
        step = {op: i for i, op in enumerate(res.order)}
        after = set(remaining)
        new_open: dict[str, int] = {}
        resident_at_end: set[str] = set()
        for tensor, s, e, offset in res.runs:
            if s >= keep:
                continue
            e = min(e, keep - 1)
            if s == 0 and tensor in res.kept_in:
                index = open_run[tensor]
                runs[index][2] = first + e
            else:
                index = len(runs)
                runs.append([tensor, first + s, first + e, offset])
                if tensor in res.spilled and (tensor in carry or s != step[tensor]):
                    stored.add(tensor)  # reloaded in the committed part, so stored before it
            if e == keep - 1 and any(r in after for r in readers.get(tensor, ())):
                new_open[tensor] = index
                resident_at_end.add(tensor)
        for tensor in res.spilled - resident_at_end:
            stored.add(tensor)  # needed later and left in DRAM, or stored for a reload in the committed part
        open_run = new_open
    plan = plan_from_runs(problem, budget_bytes, order_out, [tuple(r) for r in runs], method=method,
                          status="feasible", solve_s=time.perf_counter() - began, gap=None)
    return Plan(**{**plan.__dict__, "extra": {"segments": segments, "segment_ops": segment_ops,
                                              "lookahead_ops": lookahead_ops, "segments_optimal": optimal}})
