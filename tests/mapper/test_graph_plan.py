"""Problems, budgets, plans, baselines and the independent checker."""

from __future__ import annotations

import json

import pytest

from hwcodesign.core.errors import ConfigError
from hwcodesign.mapper.graph import (
    BASELINES,
    GraphProblem,
    Placement,
    Plan,
    Spill,
    check_plan,
    min_peak_order,
    plan_baseline,
    plan_methods,
    resolve_budget,
)
from hwcodesign.mapper.graph.brute import all_orders
from hwcodesign.workloads import get_workload

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def skip() -> GraphProblem:
    return GraphProblem.from_edges("skip", [("a", 8, (), 0, 8), ("b", 8, ("a",), 0, 0), ("c", 8, ("b",), 0, 0),
                                            ("d", 1, ("a", "c"), 0, 0)])


def test_tensors_follow_the_event_engine_names_and_sizes():
    w = get_workload("resnet18")
    p = GraphProblem.from_workload(w)
    first = w.operators()[0]
    assert p.sizes[f"{first.name}.input"] == 3 * 224 * 224  # int8 image
    assert p.sizes[f"{first.name}.weights"] == 64 * 3 * 7 * 7
    assert p.sizes[first.name] == 64 * 112 * 112
    assert p.compulsory_bytes == sum(op.bytes("int8", "weight") for op in w.operators()) + 3 * 224 * 224 + 1000


def test_min_peak_order_is_exact_against_all_orders():
    p = GraphProblem.from_edges("w", [("a", 4, (), 0, 1), ("b", 9, ("a",), 0, 0), ("c", 2, ("a",), 0, 0),
                                      ("d", 3, ("c",), 0, 0), ("e", 1, ("b", "d"), 0, 0)])
    best = min(max(p.resident_without_spills(o)) for o in all_orders(p))
    r = min_peak_order(p)
    assert r.exact and r.peak_bytes == best == max(p.resident_without_spills(r.order)) == r.bound_bytes
    capped = min_peak_order(p, max_states=1)
    assert not capped.exact and capped.bound_bytes <= best <= capped.peak_bytes


def test_budgets():
    p = skip()
    assert (p.budget("tight"), p.budget("peak"), p.budget("mid")) == (17, 24, 20)
    assert resolve_budget(p, "2 KiB") == 2048
    with pytest.raises(ConfigError, match="'budget'"):
        p.budget("loose")
    with pytest.raises(ConfigError):
        GraphProblem.from_edges("x", [("a", 1, ("zz",), 0, 0)])


def good_plan() -> tuple[GraphProblem, Plan]:
    p = skip()
    return p, plan_baseline(p, 17, replacement="belady")


def test_baseline_plan_by_hand():
    p, plan = good_plan()
    # a, b fit (16 of 17); c needs 8 more: Belady evicts a (read at step 3), stores it after step 1, reloads at 3
    assert plan.spills == (Spill("a", 1),)
    assert [(q.tensor, q.start, q.end) for q in plan.placements if q.tensor == "a"] == [("a", 0, 1), ("a", 3, 3)]
    report = check_plan(p, plan)
    assert report.ok and report.non_compulsory_bytes == 16
    assert report.dram_read_bytes == 8 + 8 and report.dram_write_bytes == 8 + 1


@pytest.mark.parametrize("mutate, message", [
    (lambda pl: {"order": ("b", "a", "c", "d")}, "before or with its input"),
    (lambda pl: {"placements": pl.placements[1:]}, "not resident"),
    (lambda pl: {"spills": ()}, "without being stored"),
    (lambda pl: {"budget_bytes": 16}, "budget"),
    (lambda pl: {"non_compulsory_bytes": 0}, "non-compulsory"),
    (lambda pl: {"placements": tuple(Placement(q.tensor, q.start, q.end, 0) for q in pl.placements)}, "overlaps"),
    (lambda pl: {"spills": (Spill("a", 2),)}, "not resident"),
])
def test_checker_finds_each_kind_of_violation(mutate, message):
    p, plan = good_plan()
    bad = Plan(**{**plan.__dict__, **mutate(plan)})
    report = check_plan(p, bad)
    assert not report.ok and any(message in v for v in report.violations), report.violations


def test_plan_round_trips_through_json():
    _, plan = good_plan()
    assert Plan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan
    with pytest.raises(ConfigError, match="Unknown keys"):
        Plan.from_dict({**plan.to_dict(), "colour": 1})
    with pytest.raises(ConfigError, match="'status'"):
        Plan(**{**plan.__dict__, "status": "great"})


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2", "nb201", "vit_b16"])
def test_every_baseline_passes_the_checker(name):
    p = GraphProblem.from_workload(get_workload(name))
    for budget in ("tight", "mid", "peak"):
        for method in BASELINES:
            order, allocator, replacement = method.split("/")
            plan = plan_baseline(p, p.budget(budget), order=order, allocator=allocator, replacement=replacement)
            assert check_plan(p, plan).ok, (method, budget, check_plan(p, plan).violations[:3])


def test_bad_baseline_options():
    with pytest.raises(ConfigError, match="'allocator'"):
        plan_baseline(skip(), 20, allocator="buddy")
    with pytest.raises(ConfigError, match="'order'"):
        plan_baseline(skip(), 20, order="random")


def test_divided_ilp_is_never_worse_than_the_best_baseline():
    # resnet18 (> WHOLE_ILP_OPS operators) goes through divide and conquer; its incumbent is the
    # best baseline's plan, so the returned plan can only tie or beat every baseline.
    problem = GraphProblem.from_workload(get_workload("resnet18"))
    for budget in ("tight", "peak"):
        plans = plan_methods(problem, problem.budget(budget), time_limit_s=20)
        best = min(p.non_compulsory_bytes for name, p in plans.items() if name != "ilp" and p.feasible)
        assert plans["ilp"].feasible
        assert plans["ilp"].non_compulsory_bytes <= best
        assert check_plan(problem, plans["ilp"]).ok
        # never below the lower bound; 'optimal' exactly when it meets it
        bound = plans["ilp"].extra["bound_bytes"]
        assert bound <= plans["ilp"].non_compulsory_bytes
        assert (plans["ilp"].status == "optimal") == (bound == plans["ilp"].non_compulsory_bytes)
