"""Every planning method for one budget: the ILP (whole or divided) and each baseline.

Examples
--------
>>> from hwcodesign.mapper.graph.problem import GraphProblem
>>> p = GraphProblem.from_edges("chain", [("a", 8, (), 0, 4), ("b", 8, ("a",), 0, 0)])
>>> sorted(plan_methods(p, 16, time_limit_s=5))[:3]
['ilp', 'min_peak/best_fit/belady', 'min_peak/best_fit/lru']
"""

from __future__ import annotations

import time
from dataclasses import replace

from hwcodesign.core.errors import ConfigError
from hwcodesign.mapper.graph.baselines import BASELINES, plan_baseline
from hwcodesign.mapper.graph.divide import plan_divide
from hwcodesign.mapper.graph.ilp import Solver, plan_ilp
from hwcodesign.mapper.graph.plan import Plan
from hwcodesign.mapper.graph.problem import GraphProblem

__all__ = ["plan_methods", "plan_best_ilp", "WHOLE_ILP_OPS"]

#: Graphs with at most this many operators are solved as one ILP (free order); larger ones by `plan_divide`.
WHOLE_ILP_OPS = 16


def plan_best_ilp(problem: GraphProblem, budget_bytes: int, *, solver: Solver = "cbc", time_limit_s: float = 60.0,
                  segment_ops: int = 16) -> Plan:
    """The plan named ``'ilp'``: one free-order ILP up to `WHOLE_ILP_OPS` operators, else divide and conquer.

    Divide and conquer fixes an order: it runs on the minimum-peak order and, when the
    best baseline uses another one, also on that order (each with half the time); the
    better plan is returned, with the total solve time. Like a warm-started MIP, the
    search keeps the best baseline's whole plan as its incumbent: when no divided plan
    beats it, that plan is returned (``extra['incumbent'] == 'baseline'``, and ``reason``
    names it), so the ILP is never worse than the best baseline.
    """
    if len(problem.order) <= WHOLE_ILP_OPS:
        return plan_ilp(problem, budget_bytes, mode="free", solver=solver, time_limit_s=time_limit_s).with_method("ilp")
    began = time.perf_counter()
    orders = [problem.min_peak().order]
    baselines = [plan_baseline(problem, budget_bytes, order=o, allocator=a, replacement=r)  # type: ignore[arg-type]
                 for o, a, r in (m.split("/") for m in BASELINES)]
    feasible = [p for p in baselines if p.feasible]
    best = None
    if feasible:
        best = min(feasible, key=lambda p: p.non_compulsory_bytes)
        if best.order != orders[0]:
            orders.append(best.order)
    plans = []
    for i, order in enumerate(orders):
        share = (time_limit_s - (time.perf_counter() - began)) / (len(orders) - i)
        plans.append(plan_divide(problem, budget_bytes, segment_ops=segment_ops, order=order, solver=solver,
                                 time_limit_s=max(1.0, share)))
    good = [p for p in plans if p.feasible]
    plan = min(good, key=lambda p: p.non_compulsory_bytes) if good else plans[0]
    if best is not None and (not plan.feasible or best.non_compulsory_bytes < plan.non_compulsory_bytes):
        plan = replace(best, status="feasible", reason=f"divide and conquer found no plan better than its incumbent, "
                                                       f"the {best.method} baseline",
                       extra={**best.extra, "incumbent": "baseline"})
    return replace(plan, method="ilp", solve_s=time.perf_counter() - began)


def plan_methods(problem: GraphProblem, budget_bytes: int, *, solver: Solver = "cbc", time_limit_s: float = 60.0,
                 segment_ops: int = 16) -> dict[str, Plan]:
    """``{'ilp': plan_best_ilp(...), '<order>/<allocator>/<replacement>': plan_baseline(...), ...}``."""
    if isinstance(budget_bytes, bool) or not isinstance(budget_bytes, int) or budget_bytes < 1:
        raise ConfigError(f"The 'budget_bytes' must be an int >= 1. Got {budget_bytes!r}.")
    out = {"ilp": plan_best_ilp(problem, budget_bytes, solver=solver, time_limit_s=time_limit_s,
                                segment_ops=segment_ops)}
    for name in BASELINES:
        order, allocator, replacement = name.split("/")
        out[name] = plan_baseline(problem, budget_bytes, order=order, allocator=allocator,  # type: ignore[arg-type]
                                  replacement=replacement)  # type: ignore[arg-type]
    return out
