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

from hwcodesign.core.checks import require_int
from hwcodesign.mapper.graph.baselines import BASELINES, plan_baseline
from hwcodesign.mapper.graph.bound import traffic_lower_bound
from hwcodesign.mapper.graph.divide import plan_divide
from hwcodesign.mapper.graph.ilp import Solver, plan_ilp
from hwcodesign.mapper.graph.plan import Plan
from hwcodesign.mapper.graph.problem import GraphProblem
from hwcodesign.mapper.graph.relaxed import plan_relaxed
from hwcodesign.mapper.graph.reorder import improve_order

__all__ = ["plan_methods", "plan_best_ilp", "WHOLE_ILP_OPS", "REORDER_SHARE"]

#: Graphs with at most this many operators are solved as one ILP (free order); larger ones by `plan_divide`.
WHOLE_ILP_OPS = 16
#: The share of the time limit the local search over orders (`improve_order`) may take before the other searches.
REORDER_SHARE = 0.4


def _unique_order(problem: GraphProblem) -> bool:
    """Whether ``problem`` has one topological order (each operator reads the one before it)."""
    order = problem.order
    return all(order[i - 1] in problem.inputs[order[i]] for i in range(1, len(order)))


def plan_best_ilp(problem: GraphProblem, budget_bytes: int, *, solver: Solver = "cbc", time_limit_s: float = 60.0,
                  segment_ops: int = 16) -> Plan:
    """The plan named ``'ilp'``: one free-order ILP up to `WHOLE_ILP_OPS` operators, else the best of several searches.

    For larger graphs, each within a share of ``time_limit_s``: relax and lay out
    (`plan_relaxed`) on the minimum-peak order, then, if that falls short of the bound,
    on that order improved by `improve_order` (within `REORDER_SHARE` of the time left),
    the best baseline's order and the workload's; divide and conquer with fixed windows on the minimum-peak order, then,
    when the order is not unique, with windows that reorder their operators (``free``),
    then with fixed windows on the best baseline's order. Divide and conquer is
    skipped when the time left is under a second per window (then relax and lay out has
    all the time). The search stops once a
    plan meets the lower bound of `traffic_lower_bound` (then it is proven optimal:
    ``status='optimal'``). Like a warm-started MIP, it keeps the best baseline's whole
    plan as its incumbent, so the result is never worse than the best baseline.
    ``extra['source']`` names the search that found the plan, ``extra['bound_bytes']``
    holds the lower bound.
    """
    if len(problem.order) <= WHOLE_ILP_OPS:
        return plan_ilp(problem, budget_bytes, mode="free", solver=solver, time_limit_s=time_limit_s).with_method("ilp")
    began = time.perf_counter()

    def left(fraction: float = 1.0) -> float:
        return max(1.0, fraction * (time_limit_s - (time.perf_counter() - began)))

    def out_of_time() -> bool:
        return time.perf_counter() - began >= time_limit_s

    baselines = [plan_baseline(problem, budget_bytes, order=o, allocator=a, replacement=r)  # type: ignore[arg-type]
                 for o, a, r in (m.split("/") for m in BASELINES)]
    feasible = [p for p in baselines if p.feasible]
    if not feasible:  # an operator alone exceeds the budget
        return replace(baselines[0], method="ilp", solve_s=time.perf_counter() - began)
    best = min(feasible, key=lambda p: p.non_compulsory_bytes)
    found: list[tuple[Plan, str]] = [(best, "baseline")]
    bound = traffic_lower_bound(problem, budget_bytes, time_limit_s=left(0.1)).bound_bytes
    orders = list(dict.fromkeys([problem.min_peak().order, best.order, problem.order]))

    def done() -> bool:
        return min(p.non_compulsory_bytes for p, _ in found) <= bound

    unique = _unique_order(problem)
    # divide and conquer gives each window at least a second: skip it when the limit cannot pay for its windows
    windows = -(-len(problem.order) // segment_ops)
    runs = [(orders[0], "fixed")] + ([] if unique else [(orders[0], "free")]) + [(o, "fixed") for o in orders[1:2]]
    if left() < 2 * windows:
        runs = []
    for i, order in enumerate(orders):
        if done() or out_of_time():
            break
        plan = plan_relaxed(problem, budget_bytes, order=order, stop_at=bound,
                            time_limit_s=left((0.35 if runs else 1.0) / (len(orders) - i)))
        if plan is not None:
            found.append((plan, "relaxed"))
        if i == 0 and not unique and not done() and not out_of_time():  # the minimum-peak order falls short: search near it
            better = improve_order(problem, budget_bytes, order, stop_at=bound, time_limit_s=left(REORDER_SHARE))
            if better != order:
                plan = plan_relaxed(problem, budget_bytes, order=better, stop_at=bound,
                                    time_limit_s=left((0.35 if runs else 1.0) / (len(orders) - i)))
                if plan is not None:
                    found.append((plan, "relaxed/reordered"))
                    runs[:1] = [(better, "fixed")] if runs else []
    for i, (order, mode) in enumerate(runs):
        if done() or left() < windows:
            break
        # CBC overruns short limits, by up to a second a window and more in free windows: keep a margin
        margin = 0.75 if mode == "free" else 1.0
        plan = plan_divide(problem, budget_bytes, segment_ops=segment_ops, order=order, mode=mode,  # type: ignore
                           solver=solver, time_limit_s=left(margin / (len(runs) - i)))
        if plan.feasible:
            found.append((plan, f"divide/{mode}"))
    plan, source = min(found, key=lambda f: f[0].non_compulsory_bytes)  # the first of equals: the incumbent
    if source == "baseline":
        plan = replace(plan, reason=f"no search found a plan better than its incumbent, the {best.method} baseline")
    status = "optimal" if plan.non_compulsory_bytes <= bound else "feasible"
    return replace(plan, method="ilp", status=status, solve_s=time.perf_counter() - began,
                   extra={**plan.extra, "source": source, "bound_bytes": bound})


def plan_methods(problem: GraphProblem, budget_bytes: int, *, solver: Solver = "cbc", time_limit_s: float = 60.0,
                 segment_ops: int = 16) -> dict[str, Plan]:
    """``{'ilp': plan_best_ilp(...), '<order>/<allocator>/<replacement>': plan_baseline(...), ...}``."""
    require_int("budget_bytes", budget_bytes, low=1)
    out = {"ilp": plan_best_ilp(problem, budget_bytes, solver=solver, time_limit_s=time_limit_s,
                                segment_ops=segment_ops)}
    for name in BASELINES:
        order, allocator, replacement = name.split("/")
        out[name] = plan_baseline(problem, budget_bytes, order=order, allocator=allocator,  # type: ignore[arg-type]
                                  replacement=replacement)  # type: ignore[arg-type]
    return out
