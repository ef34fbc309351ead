"""The minimum-peak order: against brute force over every order, and on graphs worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from hwcodesign.core.errors import ConfigError
from hwcodesign.mapper.graph import GraphProblem, min_peak_order
from hwcodesign.mapper.graph.brute import all_orders
from hwcodesign.mapper.graph.peak import _beam, _Dag


def peak_of(p: GraphProblem, order) -> int:
    return max(p.resident_without_spills(order))


_BRUTE: dict[str, int] = {}


def brute_min_peak(p: GraphProblem) -> int:
    """The least peak over every topological order (cached by the problem's name: each is built by a seed)."""
    if p.name not in _BRUTE:
        _BRUTE[p.name] = min(peak_of(p, o) for o in all_orders(p))
    return _BRUTE[p.name]


def random_dag(seed: int, n: int) -> GraphProblem:
    """Sizes 1..8, one to three inputs (often the last few operators), weights now and then."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        picked = {int(j) for j in rng.choice(i, size=min(i, int(rng.integers(1, 4))), replace=False)} if i else set()
        if i and rng.random() < 0.5:
            picked = {max(0, i - 1 - int(rng.integers(0, 3)))}
        rows.append((f"o{i}", int(rng.integers(1, 9)), tuple(f"o{j}" for j in sorted(picked)),
                     int(rng.integers(1, 4)) if rng.random() < 0.3 else 0, int(rng.integers(1, 5)) if not picked else 0))
    return GraphProblem.from_edges(f"dag{seed}", rows)


def random_cells(seed: int) -> GraphProblem:
    """NAS-like: two cells whose branches (chains of 1-2 operators) read one of the last two cell outputs."""
    rng = np.random.default_rng(seed)
    rows = [("s", int(rng.integers(2, 9)), (), 0, 3)]
    prev = prev2 = ("s",)
    for c in range(2):
        ends = []
        for b in range(3 if c == 0 and rng.random() < 0.5 else 2):
            last = (prev, prev2)[int(rng.integers(0, 2))]
            for k in range(int(rng.integers(1, 3))):
                rows.append((f"c{c}b{b}k{k}", int(rng.integers(1, 9)), last, 0, 0))
                last = (rows[-1][0],)
            ends.append(last[0])
        outs = []
        for j in range(0, len(ends), 2):
            rows.append((f"c{c}j{j}", int(rng.integers(1, 9)), tuple(ends[j:j + 2]), 0, 0))
            outs.append(rows[-1][0])
        prev2, prev = prev, tuple(outs)
    rows.append(("out", 1, prev, 0, 0))
    return GraphProblem.from_edges(f"cells{seed}", rows)


def problems():
    return [random_dag(seed, 5 + seed % 4) for seed in range(24)] + [random_cells(seed) for seed in range(12)]


@pytest.mark.parametrize("p", problems(), ids=lambda p: p.name)
def test_the_search_finds_the_brute_force_minimum(p):
    best = brute_min_peak(p)
    r = min_peak_order(p)
    assert r.exact and r.peak_bytes == r.bound_bytes == best
    assert p.is_order(r.order) and peak_of(p, r.order) == best


@pytest.mark.parametrize("p", problems()[::3], ids=lambda p: p.name)
def test_a_capped_search_bounds_the_minimum_from_both_sides(p):
    best = brute_min_peak(p)
    for states in (1, 2, 5):
        r = min_peak_order(p, max_states=states)
        assert p.is_order(r.order) and peak_of(p, r.order) == r.peak_bytes
        assert r.bound_bytes <= best <= r.peak_bytes
        assert r.exact == (r.bound_bytes == r.peak_bytes) or not r.exact


@pytest.mark.parametrize("p", problems()[::2], ids=lambda p: p.name)
def test_the_beam_is_a_valid_order_and_exact_when_it_keeps_every_state(p):
    best = brute_min_peak(p)
    floor = max(p.footprint(op) for op in p.order)
    for width, exact in ((1, False), (10**6, True)):
        peak, order = _beam(_Dag(p), floor, width)
        assert p.is_order(order) and peak_of(p, order) == peak
        assert peak == best if exact else peak >= best


def parallel_chains(k: int = 8, m: int = 6) -> GraphProblem:
    """``s`` (5 bytes, from a 1-byte input) read by ``k`` chains of ``m`` 2-byte tensors, all joined (1 byte)."""
    rows = [("s", 5, (), 0, 1)]
    for b in range(k):
        rows += [(f"b{b}_{i}", 2, (f"b{b}_{i - 1}" if i else "s",), 0, 0) for i in range(m)]
    rows.append(("join", 1, tuple(f"b{b}_{m - 1}" for b in range(k)), 0, 0))
    return GraphProblem.from_edges("chains", rows)


def test_parallel_chains_need_the_free_steps_and_peak_as_worked_by_hand():
    # Lower bound: when the last chain starts, s (5) is still resident (that chain reads it),
    # each of the other 7 chains holds a 2-byte tensor not yet read (by its next operator or
    # by join), and the new output takes 2: 5 + 14 + 2 = 21 bytes. One chain after another
    # reaches it: inside chain j (j <= 7) a step holds s, j - 1 finished chains and two
    # tensors of chain j, 5 + 2 (j + 1) <= 21; chain 8 starts at 5 + 14 + 2 = 21 and frees s;
    # then 16 + 2 and join 16 + 1. The chains alone have 7 ** 8 (5.8 million) partial states,
    # and the search proves 21 within 2,000: all but a chain's first step are free steps.
    p = parallel_chains()
    r = min_peak_order(p, max_states=2_000)
    assert (r.peak_bytes, r.exact, r.bound_bytes) == (21, True, 21)
    assert peak_of(p, p.order) == 21  # the workload order runs the chains one after another


def test_the_search_runs_chains_with_a_big_middle_one_after_another():
    # s (5 bytes, 1-byte input) read by 4 chains u (2) -> v (6) -> y (1); join reads the ys (1 byte
    # out, 10 of weights). Lower bound: join's footprint, 4 + 10 + 1 = 15. One chain after another
    # reaches it: in chain j <= 3, v holds s, j - 1 ys, u and its own 6: 5 + (j - 1) + 2 + 6 <= 15;
    # chain 4's u frees s (5 + 3 + 2 = 10), its v takes 3 + 2 + 6 = 11; join 15. The workload order
    # runs every u, then every v: after the fourth u frees s, the vs pile up, 4 x 6 + 2 = 26 at the last.
    rows = [("s", 5, (), 0, 1)] + [(f"u{j}", 2, ("s",), 0, 0) for j in range(4)]
    rows += [(f"v{j}", 6, (f"u{j}",), 0, 0) for j in range(4)] + [(f"y{j}", 1, (f"v{j}",), 0, 0) for j in range(4)]
    p = GraphProblem.from_edges("middles", rows + [("join", 1, tuple(f"y{j}" for j in range(4)), 10, 0)])
    assert peak_of(p, p.order) == 26
    r = min_peak_order(p)
    assert (r.peak_bytes, r.exact, r.bound_bytes) == (15, True, 15)
    assert peak_of(p, r.order) == 15


def test_options_are_checked():
    with pytest.raises(ConfigError, match="'max_states'"):
        min_peak_order(parallel_chains(2, 2), max_states=0)
    with pytest.raises(ConfigError, match="'beam_width'"):
        min_peak_order(parallel_chains(2, 2), beam_width=0)
