"""The traffic lower bound and relax-and-lay-out plans, against brute force and hand calculations."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest

from hwcodesign.core.errors import ConfigError
from hwcodesign.mapper.graph import GraphProblem, check_plan, min_peak_order, plan_relaxed, traffic_lower_bound
from hwcodesign.mapper.graph.brute import all_orders, brute_force

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def random_problem(seed: int, n: int = 6, *, chain: bool = False) -> GraphProblem:
    """A random DAG: sizes 1..8, up to three inputs; with ``chain`` each operator also reads the one before it."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        k = min(i, int(rng.integers(1, 4)))
        picked = set(int(j) for j in rng.choice(i, size=k, replace=False)) if i else set()
        if chain and i:
            picked.add(i - 1)
        weights = int(rng.integers(1, 4)) if rng.random() < 0.3 else 0
        rows.append((f"o{i}", int(rng.integers(1, 9)), tuple(f"o{j}" for j in sorted(picked)), weights,
                     int(rng.integers(1, 5)) if not i else 0))
    return GraphProblem.from_edges(f"rand{seed}", rows)


def budgets(p: GraphProblem) -> list[int]:
    tight, peak = p.budget("tight"), p.budget("peak")
    return sorted({tight, tight + 1, tight + 3, (tight + peak) // 2, peak})


@pytest.mark.parametrize("seed", range(30))
def test_bound_never_exceeds_the_brute_force_optimum(seed):
    p = random_problem(seed, n=5 + seed % 2)
    for budget in budgets(p):
        bound = traffic_lower_bound(p, budget)
        assert bound.proven
        assert bound.cover_bytes <= bound.bound_bytes <= brute_force(p, budget), (seed, budget)


def blocky_problem(seed: int) -> GraphProblem:
    """Residual-like blocks: from the last join, two branches of 1 or 2 operators, joined again (7 operators)."""
    rng = np.random.default_rng(seed)
    rows = [("o0", int(rng.integers(2, 9)), (), 0, int(rng.integers(1, 5)))]
    last = "o0"

    def add(inputs: tuple[str, ...]) -> str:
        name = f"o{len(rows)}"
        rows.append((name, int(rng.integers(1, 9)), inputs, int(rng.integers(0, 3)), 0))
        return name

    while len(rows) < 5:
        ends = []
        for _ in range(2):
            end = add((last,))
            if rng.random() < 0.5:
                end = add((end,))
            ends.append(end)
        last = add(tuple(ends) + ((last,) if rng.random() < 0.5 else ()))
    return GraphProblem.from_edges(f"blocky{seed}", rows)


@pytest.mark.parametrize("seed", range(16))
def test_block_bound_never_exceeds_the_brute_force_optimum(seed):
    # sequence points split these graphs into blocks, whose orders the bound enumerates
    p = blocky_problem(seed)
    for budget in budgets(p):
        assert traffic_lower_bound(p, budget).bound_bytes <= brute_force(p, budget), (seed, budget)


def cell_problem(seed: int, *, dead: bool) -> GraphProblem:
    """A NAS-like cell of 7 operators, sizes 2..8, no sequence point inside.

    ``dead``: NB201-like, x -> p, a dead branch (x -> d1, p -> d2, both -> an output no
    operator reads) and the cell output x + p read by the next operator. Otherwise
    DARTS-like: two cell inputs c0 -> c1, each preprocessed (a, b), two nodes and an
    output reading both nodes.
    """
    rng = np.random.default_rng(seed)

    def size() -> int:
        return int(rng.integers(2, 9))

    def weights() -> int:
        return int(rng.integers(0, 3))

    if dead:
        rows = [("x", size(), (), 0, int(rng.integers(1, 5))), ("p", size(), ("x",), 0, 0),
                ("d1", size(), ("x",), weights(), 0), ("d2", size(), ("p",), weights(), 0),
                ("dead", size(), ("d1", "d2"), 0, 0), ("e", size(), ("x", "p"), 0, 0),
                ("n", size(), ("e", "p") if rng.random() < 0.5 else ("e",), 0, 0)]
    else:
        rows = [("c0", size(), (), 0, int(rng.integers(1, 5))), ("c1", size(), ("c0",), 0, 0),
                ("a", size(), ("c0",), weights(), 0), ("b", size(), ("c1",), weights(), 0),
                ("n0", size(), ("a", "b"), 0, 0), ("n1", size(), ("n0", "c1" if rng.random() < 0.5 else "b"), 0, 0),
                ("out", size(), ("n0", "n1", "c1") if rng.random() < 0.5 else ("n0", "n1"), 0, 0)]
    return GraphProblem.from_edges(f"cell{seed}", rows)


@pytest.mark.parametrize("dead", [True, False])
@pytest.mark.parametrize("seed", range(12))
def test_bound_on_nas_like_cells_never_exceeds_the_brute_force_optimum(seed, dead):
    # no sequence points and unordered branches: the order rows of unordered pairs carry the cover here
    p = cell_problem(seed, dead=dead)
    for budget in budgets(p):
        bound, best = traffic_lower_bound(p, budget), brute_force(p, budget)
        assert bound.proven
        assert bound.cover_bytes <= best and bound.bound_bytes <= best, (seed, budget)


def sizes_only_optimum(p: GraphProblem, budget: int) -> int:
    """Brute force over keep-or-evict choices of the one order, sizes only (no layout): written apart from bound.py."""
    order = all_orders(p)
    assert len(order) == 1
    step = {op: i for i, op in enumerate(order[0])}
    gaps = [(t, step[a], step[b]) for t, rs in p.readers.items()
            for a, b in zip([t, *sorted(rs, key=step.get)], sorted(rs, key=step.get)) if step[b] > step[a] + 1]
    best = None
    for evict in product((False, True), repeat=len(gaps)):
        load = [p.footprint(op) for op in order[0]]
        for (t, a, b), out in zip(gaps, evict):
            if not out:
                for i in range(a + 1, b):
                    load[i] += p.sizes[t]
        if max(load) > budget:
            continue
        cost = 0
        for t in p.readers:
            n = sum(out for (u, _, _), out in zip(gaps, evict) if u == t)
            cost += p.sizes[t] * (n + (n > 0))
        best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_bound_is_the_sizes_only_optimum_when_the_order_is_unique(seed):
    p = random_problem(100 + seed, n=7, chain=True)
    for budget in budgets(p):
        assert traffic_lower_bound(p, budget).bound_bytes == sizes_only_optimum(p, budget), (seed, budget)


def test_bound_by_hand():
    # a(8) feeds b and d; b(8) -> c(8) -> d(1): at c's step a + b + c = 24 > 17, so 'a' is stored and reloaded
    p = GraphProblem.from_edges("skip", [("a", 8, (), 0, 8), ("b", 8, ("a",), 0, 0), ("c", 8, ("b",), 0, 0),
                                         ("d", 1, ("a", "c"), 0, 0)])
    assert traffic_lower_bound(p, 17).bound_bytes == 16
    assert traffic_lower_bound(p, 24).bound_bytes == 0
    # x (4) is read by r1, r2 and r3 of a chain. Footprints: x 5, r1 10, m1 12, r2 12, m2 12, r3 15: tight 15.
    # With x kept, m1's step holds 16 and m2's 16 > 15, so x is evicted in both gaps: 1 store + 2 reloads = 12.
    q = GraphProblem.from_edges("reuse", [("x", 4, (), 0, 1), ("r1", 6, ("x",), 0, 0), ("m1", 6, ("r1",), 0, 0),
                                          ("r2", 2, ("x", "m1"), 0, 0), ("m2", 10, ("r2",), 0, 0),
                                          ("r3", 1, ("x", "m2"), 0, 0)])
    assert q.budget("tight") == 15
    assert traffic_lower_bound(q, 15).bound_bytes == 12 == brute_force(q, 15)
    assert traffic_lower_bound(q, 16).bound_bytes == 0
    with pytest.raises(ConfigError, match="'budget_bytes'"):
        traffic_lower_bound(q, 14)


def test_capped_min_peak_search_still_bounds_the_peak():
    p = random_problem(7, n=7)
    best = min(max(p.resident_without_spills(o)) for o in all_orders(p))
    for states in (1, 2, 5, 50):
        r = min_peak_order(p, max_states=states)
        assert r.bound_bytes <= best <= r.peak_bytes


@pytest.mark.parametrize("seed", range(10))
def test_relaxed_plans_are_valid_and_no_better_than_brute_force_for_their_order(seed):
    p = random_problem(200 + seed)
    order = p.min_peak().order
    for budget in budgets(p):
        plan = plan_relaxed(p, budget, order=order)
        if plan is None:
            continue
        assert check_plan(p, plan).ok, check_plan(p, plan).violations
        assert plan.order == order
        assert plan.non_compulsory_bytes >= brute_force(p, budget, orders=[order])


def test_relaxed_meets_a_peak_budget_without_spills_where_windows_fragment():
    from hwcodesign.workloads import get_workload

    p = GraphProblem.from_workload(get_workload("densenet121"))
    plan = plan_relaxed(p, p.budget("peak"), order=p.min_peak().order, time_limit_s=30)
    assert plan is not None and plan.non_compulsory_bytes == 0 and not plan.spills
    assert check_plan(p, plan).ok


@pytest.mark.parametrize("budget", ["tight", "peak"])
def test_relaxed_plans_replay_with_the_planned_traffic(budget):
    from hwcodesign.accelerators import get_accelerator
    from hwcodesign.simulator.event.replay import replay
    from hwcodesign.workloads import get_workload

    w = get_workload("resnet18")
    p = GraphProblem.from_workload(w)
    plan = plan_relaxed(p, p.budget(budget), order=p.min_peak().order, time_limit_s=30)
    assert plan is not None and check_plan(p, plan).ok
    assert (plan.non_compulsory_bytes > 0) == (budget == "tight")  # resnet18 must spill at its tight budget
    assert replay(w, plan, get_accelerator("systolic")).dram_bytes == plan.dram_bytes
