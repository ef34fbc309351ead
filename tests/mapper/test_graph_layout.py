"""Layouts with no spill at the minimum-peak budget: where every greedy layout fragments, the repair packs exactly."""

from __future__ import annotations

import pytest

from hwcodesign.mapper.graph import GraphProblem, check_plan, plan_best_ilp, plan_relaxed
from hwcodesign.mapper.graph.plan import Placement, Plan
from hwcodesign.mapper.graph.relaxed import LAYOUTS, evictions, layout, repair_layout

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def gadget(k: int = 1) -> GraphProblem:
    """``k`` copies of a 5-operator cell in a chain, each cell's ``o0`` reading the last cell's ``o4``.

    In one cell (order o0..o4; sizes o0 3, o1 2, o2 3, o3 4, o4 4; network input 1)
    o0 lives from step 0 to 3 (read by o1 and o3), o1 at steps 1-2, o3 at steps 3-4.
    Resident bytes by step: 1+3, 3+2, 3+2+3, 3+4, 4+4 = 4, 5, 8, 7, 8: the peak is 8.
    """
    rows = []
    for g in range(k):
        c = f"g{g}"
        rows += [(f"{c}o0", 3, (f"g{g - 1}o4",) if g else (), 0, 0 if g else 1), (f"{c}o1", 2, (f"{c}o0",), 0, 0),
                 (f"{c}o2", 3, (f"{c}o1",), 0, 0), (f"{c}o3", 4, (f"{c}o0",), 0, 0), (f"{c}o4", 4, (f"{c}o3",), 0, 0)]
    return GraphProblem.from_edges(f"gadget{k}", rows)


def test_the_gadget_peaks_at_8_bytes_and_every_greedy_layout_needs_more():
    p = gadget()
    assert p.resident_without_spills(p.order) == [4, 5, 8, 7, 8]
    runs = evictions(p, p.order, [8] * 5)
    assert all(layout(runs, p.sizes, first=f)[1] > 8 for f in LAYOUTS)


def test_a_hand_packing_of_the_gadget_fits_8_bytes_without_traffic():
    # Step 4 holds o3 and o4 (4 + 4): one is at 0, the other at 4; say o3 at 0. At step 3
    # o0 (3) is beside o3, so at 4 or 5. At step 2 o1 (2) and o2 (3) fill the 5 bytes o0
    # leaves: with o0 at 4 those are 0-3 and 7-8 (o2 fits, o1 not), so o0 is at 5,
    # o1 at 0 and o2 at 2 (or o2 at 0, o1 at 3).
    p = gadget()
    by_hand = (Placement("g0o0.input", 0, 0, 0), Placement("g0o0", 0, 3, 5), Placement("g0o1", 1, 2, 0),
               Placement("g0o2", 2, 2, 2), Placement("g0o3", 3, 4, 0), Placement("g0o4", 4, 4, 4))
    plan = Plan(workload=p.name, method="hand", budget_bytes=8, order=p.order, placements=by_hand, spills=(),
                status="feasible", solve_s=0.0, compulsory_bytes=p.compulsory_bytes, non_compulsory_bytes=0)
    assert check_plan(p, plan).ok, check_plan(p, plan).violations


def test_repair_packs_the_gadget_as_the_hand_argument_says():
    p = gadget()
    runs = evictions(p, p.order, [8] * 5)
    offsets, top = layout(runs, p.sizes)
    assert top > 8
    at = dict(zip((t for t, _, _ in runs), repair_layout(runs, p.sizes, offsets, 8)))
    # the hand packing above or its mirror image: o0 at the top (5) or bottom (0) edge, o3 and o4 at 0 and 4
    assert {at["g0o3"], at["g0o4"]} == {0, 4}
    assert at["g0o0"] == (5 if at["g0o3"] == 0 else 0)
    low = 0 if at["g0o0"] == 5 else 3  # o1 and o2 fill the other 5 bytes
    assert sorted((at["g0o1"], at["g0o2"])) in ([low, low + 2], [low, low + 3])


def test_repair_says_none_below_the_peak():
    p = gadget()
    runs = evictions(p, p.order, [8] * 5)
    assert repair_layout(runs, p.sizes, layout(runs, p.sizes)[0], 7) is None


@pytest.mark.parametrize("k", [1, 4])
def test_relax_and_lay_out_plans_no_traffic_at_the_peak_where_greedy_layouts_fragment(k):
    p = gadget(k)
    assert max(p.resident_without_spills(p.order)) == 8  # a cell's o4 (4) and the next o0 (3): 7
    plan = plan_relaxed(p, 8, order=p.order, time_limit_s=30)
    assert plan is not None and plan.non_compulsory_bytes == 0 and not plan.spills
    assert check_plan(p, plan).ok, check_plan(p, plan).violations


def test_the_ilp_method_plans_no_traffic_on_a_graph_too_large_to_solve_whole():
    p = gadget(4)  # 20 operators: relax and lay out, not one free-order ILP
    plan = plan_best_ilp(p, p.budget("peak"), time_limit_s=30)
    assert p.budget("peak") == 8
    assert plan.non_compulsory_bytes == 0 and plan.extra["source"] == "relaxed" and plan.status == "optimal"
    assert check_plan(p, plan).ok
