"""Whole-network memory planning (COSMA-style): operator order, scratchpad offsets, spills and reloads.

`GraphProblem` holds the tensors of a workload; `plan_ilp` solves the ILP of Li, Gupta
and Malik (COSMA, 2023) on open solvers, `plan_divide` solves it segment by segment for
large graphs, `plan_relaxed` chooses evictions by sizes over a fixed order and then lays
them out, `plan_baseline` gives the order x allocator x replacement baselines,
`traffic_lower_bound` bounds what any plan must move, and `check_plan` checks any
`Plan` independently. `plan_methods` runs them all for one
budget. See ``docs/graph_mapper.md``.

Examples
--------
>>> p = GraphProblem.from_edges("skip", [("a", 8, (), 0, 8), ("b", 8, ("a",), 0, 0), ("c", 8, ("b",), 0, 0),
...                                      ("d", 1, ("a", "c"), 0, 0)])
>>> plans = plan_methods(p, 17, time_limit_s=10)
>>> plans["ilp"].non_compulsory_bytes, min(q.non_compulsory_bytes for m, q in plans.items() if m != "ilp")
(16, 16)
>>> all(check_plan(p, q).ok for q in plans.values())
True
"""

from hwcodesign.mapper.graph.baselines import ALLOCATORS, BASELINES, ORDERS, REPLACEMENTS, plan_baseline
from hwcodesign.mapper.graph.bound import TrafficBound, traffic_lower_bound
from hwcodesign.mapper.graph.checker import CheckReport, check_plan
from hwcodesign.mapper.graph.divide import plan_divide
from hwcodesign.mapper.graph.ilp import MODES, SOLVERS, plan_ilp
from hwcodesign.mapper.graph.methods import plan_best_ilp, plan_methods
from hwcodesign.mapper.graph.plan import STATUSES, Placement, Plan, Spill
from hwcodesign.mapper.graph.problem import BUDGETS, GraphProblem, PeakOrder, min_peak_order, resolve_budget
from hwcodesign.mapper.graph.relaxed import plan_relaxed

__all__ = [
    "GraphProblem", "PeakOrder", "min_peak_order", "resolve_budget", "BUDGETS", "Plan", "Placement", "Spill",
    "STATUSES", "plan_ilp", "plan_divide", "plan_baseline", "plan_methods", "plan_best_ilp", "check_plan",
    "CheckReport", "MODES", "SOLVERS", "BASELINES", "ORDERS", "ALLOCATORS", "REPLACEMENTS", "plan_relaxed",
    "traffic_lower_bound", "TrafficBound",
]
