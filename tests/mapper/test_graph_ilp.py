"""The graph ILP against brute force and hand calculations; modes, statuses, solvers."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from hwcodesign.core.errors import ConfigError
from hwcodesign.mapper.graph import GraphProblem, check_plan, plan_baseline, plan_divide, plan_ilp
from hwcodesign.mapper.graph.brute import all_orders, brute_force

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def random_problem(seed: int, n: int = 5) -> GraphProblem:
    """A random DAG of ``n`` operators: sizes 1..8, up to two inputs, a few weights."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        k = min(i, int(rng.integers(1, 3)))
        inputs = tuple(f"o{j}" for j in sorted(rng.choice(i, size=k, replace=False))) if i else ()
        weights = int(rng.integers(1, 4)) if rng.random() < 0.3 else 0
        rows.append((f"o{i}", int(rng.integers(1, 9)), inputs, weights, int(rng.integers(1, 5)) if not i else 0))
    return GraphProblem.from_edges(f"rand{seed}", rows)


def budgets(p: GraphProblem) -> list[int]:
    tight = p.budget("tight")
    return sorted({tight, tight + 2, p.budget("mid"), p.budget("peak")})


@pytest.mark.parametrize("seed", range(8))
def test_free_ilp_equals_brute_force_over_all_orders_and_layouts(seed):
    p = random_problem(seed)
    for budget in budgets(p):
        plan = plan_ilp(p, budget, time_limit_s=30)
        assert plan.status == "optimal"
        assert check_plan(p, plan).ok, check_plan(p, plan).violations
        assert plan.non_compulsory_bytes == brute_force(p, budget), (seed, budget)


@pytest.mark.parametrize("seed", range(8, 12))
def test_fixed_ilp_equals_brute_force_for_that_order(seed):
    p = random_problem(seed, n=6)
    order = all_orders(p)[-1]
    budget = p.budget("tight")
    plan = plan_ilp(p, budget, mode="fixed", order=order, time_limit_s=30)
    assert plan.order == order and check_plan(p, plan).ok
    assert plan.non_compulsory_bytes == brute_force(p, budget, orders=[order])


def skip() -> GraphProblem:
    # a(8) feeds b and d; b(8) -> c(8) -> d(1). Network input of a: 8 bytes.
    return GraphProblem.from_edges("skip", [("a", 8, (), 0, 8), ("b", 8, ("a",), 0, 0), ("c", 8, ("b",), 0, 0),
                                            ("d", 1, ("a", "c"), 0, 0)])


def test_hand_calculation_on_a_skip_connection():
    p = skip()
    # footprints: a 16, b 16, c 16, d 17 -> tight 17. Running c with a kept needs a + b + c = 24 > 17,
    # and every order runs b, c between a and d: 'a' is stored (8) and reloaded (8) once.
    assert p.budget("tight") == 17
    assert plan_ilp(p, 17, time_limit_s=10).non_compulsory_bytes == 16
    assert plan_ilp(p, 24, time_limit_s=10).non_compulsory_bytes == 0
    # compulsory: a's network input 8 loaded, d's output 1 stored
    assert p.compulsory_bytes == 9


def test_min_peak_mode_finds_the_smallest_scratchpad():
    p = skip()
    plan = plan_ilp(p, mode="min_peak", time_limit_s=10)
    assert plan.budget_bytes == 24 == p.budget("peak")  # a + b + c at c's step, by hand
    assert plan.non_compulsory_bytes == 0 and check_plan(p, plan).ok


def test_fragmentation_costs_what_brute_force_says():
    # three equal tensors pairwise co-resident in a 2-slot budget: offsets alone cannot fit them
    p = GraphProblem.from_edges("tri", [("a", 4, (), 0, 4), ("b", 4, ("a",), 0, 0), ("c", 4, ("a", "b"), 0, 0),
                                        ("d", 4, ("b", "c"), 0, 0), ("e", 4, ("a", "d"), 0, 0)])
    for budget in (12, 16):
        assert plan_ilp(p, budget, time_limit_s=20).non_compulsory_bytes == brute_force(p, budget)


def test_budget_below_an_operator_is_infeasible_with_a_reason():
    plan = plan_ilp(skip(), 16, time_limit_s=5)
    assert plan.status == "infeasible" and not plan.feasible and "17 bytes" in plan.reason
    assert plan_baseline(skip(), 16).status == "infeasible"
    assert plan_divide(skip(), 16).status == "infeasible"


def test_bad_arguments_raise_config_errors():
    with pytest.raises(ConfigError, match="'mode'"):
        plan_ilp(skip(), 20, mode="fast")
    with pytest.raises(ConfigError, match="'order'"):
        plan_ilp(skip(), 20, mode="fixed")
    with pytest.raises(ConfigError, match="'order'"):
        plan_ilp(skip(), 20, mode="fixed", order=["b", "a", "c", "d"])
    with pytest.raises(ConfigError, match="'time_limit_s'"):
        plan_ilp(skip(), 20, time_limit_s=0)
    with pytest.raises(ConfigError, match="'solver'"):
        plan_ilp(skip(), 20, solver="gurobi")


def test_divide_and_conquer_matches_the_whole_ilp_on_a_small_graph():
    p = random_problem(3, n=6)
    budget = p.budget("tight")
    whole = plan_ilp(p, budget, mode="fixed", order=p.min_peak().order, time_limit_s=30)
    for seg in (1, 2, 3):
        plan = plan_divide(p, budget, segment_ops=seg, lookahead_ops=0, mode="fixed", time_limit_s=30)
        assert check_plan(p, plan).ok, check_plan(p, plan).violations
        assert plan.non_compulsory_bytes >= whole.non_compulsory_bytes  # a segment sees less than the whole
    one = plan_divide(p, budget, segment_ops=6, lookahead_ops=0, mode="fixed", time_limit_s=30)
    assert one.non_compulsory_bytes == whole.non_compulsory_bytes


@pytest.mark.skipif(importlib.util.find_spec("highspy") is None, reason="highspy not installed")
def test_highs_agrees_with_cbc():
    p = random_problem(5)
    budget = p.budget("tight")
    assert (plan_ilp(p, budget, solver="highs", time_limit_s=30).non_compulsory_bytes
            == plan_ilp(p, budget, solver="cbc", time_limit_s=30).non_compulsory_bytes)


def test_time_limit_returns_the_incumbent_with_its_gap():
    from hwcodesign.workloads import get_workload

    p = GraphProblem.from_workload(get_workload("resnet18"))
    plan = plan_ilp(p, p.budget("tight"), mode="fixed", order=p.min_peak().order, time_limit_s=1)
    assert plan.status in ("feasible", "optimal") and check_plan(p, plan).ok
    if plan.status == "feasible":
        assert plan.gap is None or 0 <= plan.gap <= 1
