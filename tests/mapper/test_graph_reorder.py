"""The local search over orders (`hwcodesign.mapper.graph.reorder`): hand calculations and invariants."""

from __future__ import annotations

import pytest
from test_graph_bound import budgets, random_problem

from hwcodesign.mapper.graph import GraphProblem, check_plan, plan_relaxed
from hwcodesign.mapper.graph.brute import all_orders
from hwcodesign.mapper.graph.reorder import improve_order, sizes_only_bytes, topological_orders, window_cost

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def fork() -> GraphProblem:
    """'a' (4) feeds a small branch b2 (4) and a big one b1 (8) -> c1 (1); the join reads c1 and b2."""
    return GraphProblem.from_edges("fork", [("a", 4, (), 0, 4), ("b2", 4, ("a",), 0, 0), ("b1", 8, ("a",), 0, 0),
                                            ("c1", 1, ("b1",), 0, 0), ("join", 1, ("c1", "b2"), 0, 0)])


def test_fork_by_hand():
    # budget 13. Workload order a, b2, b1: b1's step holds a 4 + b1 8 + b2 4 = 16, so b2 (4) is stored and
    # reloaded: 8 bytes. Order a, b1, c1, b2: steps hold 8 (a + input), 12, 13 (a, b1, c1), 9, 6: nothing moves.
    p = fork()
    assert sizes_only_bytes(p, p.order, 13) == 8
    assert window_cost(p, p.order, 1, p.order[1:4], 13) == 8
    assert window_cost(p, p.order, 1, ("b1", "c1", "b2"), 13) == 0
    better = improve_order(p, 13, p.order, time_limit_s=10)
    assert better == ("a", "b1", "c1", "b2", "join")
    assert sizes_only_bytes(p, better, 13) == 0


@pytest.mark.parametrize("seed", range(8))
def test_topological_orders_match_brute_force(seed):
    p = random_problem(seed, n=6)
    assert sorted(topological_orders(p.order, p.inputs, 10_000)) == sorted(all_orders(p))


@pytest.mark.parametrize("seed", range(12))
def test_improved_order_is_valid_never_worse_and_plannable(seed):
    p = random_problem(seed, n=8)
    for budget in budgets(p):
        start = p.min_peak().order
        better = improve_order(p, budget, start, window_ops=4, time_limit_s=10)
        assert p.is_order(better)
        assert sizes_only_bytes(p, better, budget) <= sizes_only_bytes(p, start, budget)
        plan = plan_relaxed(p, budget, order=better, time_limit_s=10)
        assert plan is not None and check_plan(p, plan).ok
        assert plan.non_compulsory_bytes >= sizes_only_bytes(p, better, budget)  # no layout beats sizes alone
