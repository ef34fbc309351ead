"""Replaying memory plans in the event engine: measured DRAM bytes equal the plan's, and bad plans are caught."""

from __future__ import annotations

import pytest

from hwcodesign.accelerators import get_accelerator
from hwcodesign.core.errors import ConfigError, SimulationError
from hwcodesign.mapper.graph import GraphProblem, Placement, Plan, plan_baseline, plan_divide, plan_ilp
from hwcodesign.simulator.event.replay import plan_schedule, replay
from hwcodesign.workloads import get_workload

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ACC = get_accelerator("systolic")


@pytest.mark.parametrize("name", ["tiny", "resnet18", "nb201"])
@pytest.mark.parametrize("budget", ["tight", "peak"])
def test_replayed_traffic_equals_planned_traffic(name, budget):
    w = get_workload(name)
    p = GraphProblem.from_workload(w)
    b = p.budget(budget)
    plans = [plan_baseline(p, b, order="topological", allocator="linear", replacement="lru"),
             plan_baseline(p, b, order="min_peak", allocator="best_fit", replacement="belady")]
    for plan in plans:
        r = replay(w, plan, ACC)
        assert r.dram_bytes == plan.dram_bytes == p.compulsory_bytes + plan.non_compulsory_bytes
        assert r.timeline.extra["scratchpad_capacity_bytes"] == [b]
        assert r.timeline.extra["scratchpad_peak_bytes"][0] <= b


def test_replayed_ilp_plans_with_spills():
    w = get_workload("resnet18")
    p = GraphProblem.from_workload(w)
    b = p.budget("tight")
    plan = plan_divide(p, b, time_limit_s=60)
    assert plan.non_compulsory_bytes > 0 and plan.spills  # resnet18 at its tight budget must spill
    r = replay(w, plan, ACC)
    assert r.dram_bytes == plan.dram_bytes
    assert r.dram_write_bytes == sum(p.sizes[s.tensor] for s in plan.spills) + sum(
        p.sizes[t] for t in p.network_outputs)


def test_replayed_whole_ilp_plan_on_tiny():
    w = get_workload("tiny")
    p = GraphProblem.from_workload(w)
    plan = plan_ilp(p, p.budget("tight"), time_limit_s=20)
    assert replay(w, plan, ACC).dram_bytes == plan.dram_bytes == p.compulsory_bytes


def test_schedule_follows_the_plan():
    w = get_workload("tiny")
    p = GraphProblem.from_workload(w)
    steps = plan_schedule(w, plan_baseline(p, p.budget("tight"))).steps
    assert [s.target for s in steps if s.action == "compute"] == list(p.order)
    assert {s.target for s in steps if s.action == "load"} == set(p.transients)
    assert [s.target for s in steps if s.action == "store"] == ["fc"]


def test_engine_rejects_an_overlapping_plan():
    w = get_workload("tiny")
    p = GraphProblem.from_workload(w)
    good = plan_baseline(p, p.budget("tight"))
    moved = tuple(Placement(q.tensor, q.start, q.end, 0) for q in good.placements)  # everything at offset 0
    bad = Plan(**{**good.__dict__, "placements": moved})
    with pytest.raises(SimulationError, match="overlaps"):
        replay(w, bad, ACC)


def test_infeasible_plan_cannot_be_replayed():
    w = get_workload("tiny")
    p = GraphProblem.from_workload(w)
    with pytest.raises(ConfigError, match="infeasible"):
        replay(w, plan_baseline(p, 100), ACC)
