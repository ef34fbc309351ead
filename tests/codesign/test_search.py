"""Search spaces and the ask/tell strategies (hwcodesign.codesign.search)."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwcodesign.codesign.search import (
    STRATEGIES,
    Dimension,
    Outcome,
    SearchSpace,
    crowding_distance,
    make_strategy,
    non_dominated_sort,
    pareto_front,
)
from hwcodesign.codesign.strategies.lstm import LSTMPolicy
from hwcodesign.core.errors import ConfigError, UnknownNameError

ALL = ["random", "grid", "evolution", "reinforce", "nsga2", "hao"]


def _space(dims: int = 4, options: int = 5, valid=None) -> SearchSpace:
    return SearchSpace([Dimension(f"x{i}", tuple(range(options))) for i in range(dims)], valid=valid)


def _options(name: str) -> dict:
    return {"prune": lambda p: "x0 is 0" if p["x0"] == 0 else None} if name == "hao" else {}


def _run(strategy, rounds: int, batch: int, outcome) -> list[list[dict]]:
    asked = []
    for _ in range(rounds):
        points = strategy.ask(batch)
        asked.append(points)
        strategy.tell(points, [outcome(p) for p in points])
    return asked


def _synthetic(p: dict) -> Outcome:
    s = sum(p.values())
    return Outcome(reward=float(s), objectives=(float(s), float(-p["x0"] * p["x1"])))


# ---------------------------------------------------------------- space


def test_registry_holds_every_strategy():
    assert STRATEGIES.names() == sorted(ALL)


def test_grid_enumerates_exactly_the_valid_product():
    def valid(p):
        return (p["a"] + p["c"]) % 3 != 0 or p["b"] == "y"

    space = SearchSpace([Dimension("a", (0, 1, 2)), Dimension("b", ("x", "y")), Dimension("c", (5, 6, 7, 8))],
                        valid=valid)
    expected = [dict(a=a, b=b, c=c) for a, b, c in itertools.product((0, 1, 2), ("x", "y"), (5, 6, 7, 8))
                if (a + c) % 3 != 0 or b == "y"]
    assert list(space.grid()) == expected
    strategy = make_strategy("grid", space)
    got = strategy.ask(7) + strategy.ask(100)
    assert got == expected and strategy.done and strategy.ask(3) == []
    assert space.size == 24 and len(expected) == 20


def test_sample_and_mutate_stay_valid_and_mutate_changes_n_dims():
    space = _space(5, 4, valid=lambda p: p["x0"] != p["x1"])
    rng = np.random.default_rng(0)
    for _ in range(200):
        p = space.sample(rng)
        assert space.is_valid(p)
        for n in (1, 3):
            child = space.mutate(p, rng, n=n)
            assert space.is_valid(child)
            assert sum(child[k] != p[k] for k in p) == n


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(1, 5), min_size=1, max_size=5), seed=st.integers(0, 2**32 - 1))
def test_space_invariants(sizes, seed):
    space = SearchSpace([Dimension(f"d{i}", tuple(range(n))) for i, n in enumerate(sizes)])
    rng = np.random.default_rng(seed)
    points = list(space.grid())
    assert len(points) == space.size == math.prod(sizes)
    assert len({space.key(p) for p in points}) == len(points)  # keys tell points apart
    assert all(space.point_at(space.indices(p)) == p for p in points)
    p = space.sample(rng)
    free = sum(n > 1 for n in sizes)
    for n in range(1, free + 1):
        child = space.mutate(p, rng, n=n)
        assert space.is_valid(child) and sum(child[k] != p[k] for k in p) == n


def test_sample_is_uniform_over_valid_points():
    space = SearchSpace([Dimension("a", (0, 1, 2))], valid=lambda p: p["a"] != 1)
    rng = np.random.default_rng(1)
    counts = Counter(space.sample(rng)["a"] for _ in range(4000))
    assert set(counts) == {0, 2} and abs(counts[0] - 2000) < 200  # binomial sd = 32


def test_key_is_canonical_and_distinguishes_types():
    space = SearchSpace([Dimension("a", (1, "1")), Dimension("b", (2,))])
    assert space.key({"b": 2, "a": 1}) == "a=1;b=2"
    assert space.key({"a": "1", "b": 2}) == "a='1';b=2"
    with pytest.raises(ConfigError, match="lacks the 'b'"):
        space.key({"a": 1})


def test_bad_spaces_and_points_name_the_field():
    with pytest.raises(ConfigError, match="'options' field of Dimension"):
        Dimension("a", (1, 1))
    with pytest.raises(ConfigError, match="'options' field of Dimension"):
        Dimension("a", "abc")
    with pytest.raises(ConfigError, match="distinct names. Repeated: a"):
        SearchSpace([Dimension("a", (1,)), Dimension("a", (2,))])
    with pytest.raises(ConfigError, match="too few"):
        _space(valid=lambda p: False).sample(np.random.default_rng(0))
    space = _space(2, 3)
    with pytest.raises(UnknownNameError, match="Unknown search dimension 'x2'. Known: x0, x1"):
        space.check({"x0": 0, "x2": 1})
    with pytest.raises(ConfigError, match=r"'x1' value of the point must be one of \[0, 1, 2\]. Got 7"):
        space.check({"x0": 0, "x1": 7})
    with pytest.raises(ConfigError, match="'n' argument of mutate"):
        space.mutate({"x0": 0, "x1": 0}, np.random.default_rng(0), n=3)


# ---------------------------------------------------------------- interface


@pytest.mark.parametrize("name", ALL)
def test_same_seed_same_asks_and_other_seed_other_asks(name):
    space = _space(4, 5)
    runs = [_run(make_strategy(name, space, seed=s, **_options(name)), 12, 4, _synthetic) for s in (7, 7, 8)]
    assert runs[0] == runs[1]
    for batch in runs[0]:
        assert len(batch) == 4 and all(space.is_valid(p) for p in batch)
    if name != "grid":
        assert runs[0] != runs[2]


@pytest.mark.parametrize("name", ALL)
def test_tell_checks_its_input(name):
    strategy = make_strategy(name, _space(), **_options(name))
    points = strategy.ask(2)
    with pytest.raises(ConfigError, match="one Outcome per point"):
        strategy.tell(points, [Outcome(reward=1.0)])
    with pytest.raises(ConfigError, match="Outcome objects"):
        strategy.tell(points[:1], [1.0])
    with pytest.raises(ConfigError, match="'x0' value"):
        strategy.tell([{**points[0], "x0": 99}], [Outcome(reward=1.0)])
    with pytest.raises(ConfigError, match="'n' option of .*ask must be an int >= 1"):
        strategy.ask(0)


def test_unknown_names_and_options_suggest_close_ones():
    with pytest.raises(UnknownNameError, match="Did you mean 'nsga2'"):
        make_strategy("nsga", _space())
    with pytest.raises(UnknownNameError, match="Did you mean 'sample_size'"):
        make_strategy("evolution", _space(), sampel_size=3)
    with pytest.raises(ConfigError, match="'population_size' option of RegularizedEvolution must be an int >= 1"):
        make_strategy("evolution", _space(), population_size=0)
    with pytest.raises(ConfigError, match="'learning_rate' option"):
        make_strategy("reinforce", _space(), learning_rate=-1)
    with pytest.raises(ConfigError, match="'controller' option of ReinforceController must be 'softmax' or 'lstm'"):
        make_strategy("reinforce", _space(), controller="rnn")
    with pytest.raises(ConfigError, match="'reward' field of Outcome"):
        Outcome(reward="high")


def test_random_without_replacement_covers_the_space_then_stops():
    space = _space(3, 3, valid=lambda p: p["x0"] <= p["x1"])
    strategy = make_strategy("random", space, seed=4)
    got = strategy.ask(100)
    assert sorted(map(space.key, got)) == sorted(map(space.key, space.grid())) and strategy.done
    big = _space(30, 4)  # too big to enumerate: rejection of seen points
    assert len({big.key(p) for p in make_strategy("random", big, seed=0).ask(500)}) == 500
    repeats = make_strategy("random", _space(1, 2), seed=0, unique=False).ask(20)
    assert len(repeats) == 20 and not make_strategy("random", _space(1, 2), unique=False).done


# ---------------------------------------------------------------- better than random

TARGET = [(3 * i + 1) % 8 for i in range(8)]
BIG = SearchSpace([Dimension(f"x{i}", tuple(range(8))) for i in range(8)])  # 16.8 M points


def _regret(p: dict) -> int:
    return sum((p[f"x{i}"] - t) ** 2 for i, t in enumerate(TARGET))


def _p_random_reaches(regret: int, budget: int) -> float:
    """Exact probability that ``budget`` uniform draws include one with regret <= ``regret``."""
    dist = {0: 1.0}
    for t in TARGET:  # convolution of the per-dimension squared distances
        new: dict[int, float] = {}
        for s, p in dist.items():
            for x in range(8):
                new[s + (x - t) ** 2] = new.get(s + (x - t) ** 2, 0.0) + p / 8
        dist = new
    single = sum(p for s, p in dist.items() if s <= regret)
    return 1 - (1 - single) ** budget


@pytest.mark.parametrize(("name", "options", "seeds", "needed"), [
    ("evolution", {}, 6, 5), ("reinforce", {}, 8, 6), ("reinforce", {"controller": "lstm"}, 4, 4)])
def test_single_objective_strategies_beat_random(name, options, seeds, needed):
    budget, threshold = 400, 5
    p = _p_random_reaches(threshold, budget)  # about 0.047
    assert 0.03 < p < 0.06
    hits = 0
    for seed in range(seeds):
        strategy = make_strategy(name, BIG, seed=seed, **options)
        asked = _run(strategy, budget // 10, 10, lambda q: Outcome(reward=-float(_regret(q))))
        hits += min(_regret(q) for batch in asked for q in batch) <= threshold
    # random search would reach the threshold in >= needed of the runs with probability < 1e-5
    assert sum(math.comb(seeds, k) * p**k * (1 - p) ** (seeds - k) for k in range(needed, seeds + 1)) < 1e-5
    assert hits >= needed


def test_lstm_gradient_matches_finite_differences():
    policy = LSTMPolicy([3, 4, 2, 5], hidden_size=6, rng=np.random.default_rng(0), init_scale=0.5)
    choices = np.array([[2, 1, 0, 4], [0, 3, 1, 0], [2, 1, 1, 4]])
    weights = np.array([0.7, -1.3, 0.4])

    def objective() -> float:
        return float(weights @ policy.log_prob(choices))

    grads = policy.grad_log_prob(choices, weights)
    for name, values in policy.params.items():
        for idx in np.ndindex(values.shape):
            old = values[idx]
            values[idx] = old + 1e-6
            up = objective()
            values[idx] = old - 1e-6
            down = objective()
            values[idx] = old
            assert (up - down) / 2e-6 == pytest.approx(grads[name][idx], abs=1e-7), (name, idx)
    every = np.array(list(itertools.product(range(3), range(4), range(2), range(5))))
    assert np.exp(policy.log_prob(every)).sum() == pytest.approx(1.0)  # the policy is a distribution


def _zdt1(p: dict) -> tuple[float, float]:
    f1 = p["x0"] / 15
    g = 1 + 9 * sum(p[f"x{i}"] for i in range(1, 6)) / 75
    return f1, g * (1 - math.sqrt(f1 / g))


def _hypervolume(objectives, ref=(1.1, 11.0)) -> float:
    volume, last_y = 0.0, ref[1]
    for x, y in sorted(set(objectives)):
        if y < last_y:
            volume += (ref[0] - x) * (last_y - y)
            last_y = y
    return volume


def test_hypervolume_helper_by_hand():
    assert _hypervolume([(0.1, 5.0), (0.5, 1.0), (0.6, 3.0)], ref=(1.0, 10.0)) == pytest.approx(0.9 * 5 + 0.5 * 4)


def test_nsga2_beats_random_on_zdt1():
    space = SearchSpace([Dimension(f"x{i}", tuple(range(16))) for i in range(6)])

    def volume(name, seed):
        asked = _run(make_strategy(name, space, seed=seed), 30, 10, lambda q: Outcome(0.0, _zdt1(q)))
        return _hypervolume([_zdt1(q) for batch in asked for q in batch])

    nsga, rand = [volume("nsga2", s) for s in range(6)], [volume("random", s) for s in range(6)]
    # if both came from one distribution, every NSGA-II run beating every random run has probability 1/924
    assert min(nsga) > max(rand)


def _brute_front(objectives) -> list[int]:
    return [i for i, a in enumerate(objectives)
            if not any(all(b[k] <= a[k] for k in range(len(a))) and any(b[k] < a[k] for k in range(len(a)))
                       for b in objectives)]


def test_pareto_helpers_against_brute_force():
    rng = np.random.default_rng(3)
    for _ in range(30):
        objs = [tuple(row) for row in rng.integers(0, 5, size=(int(rng.integers(1, 25)), 3)).tolist()]
        assert pareto_front(objs) == _brute_front(objs)
        fronts = non_dominated_sort(objs)
        assert fronts[0] == _brute_front(objs) and sorted(sum(fronts, [])) == list(range(len(objs)))
        for earlier, later in itertools.pairwise(fronts):  # each later point is dominated by an earlier one
            assert all(any(all(objs[e][k] <= objs[j][k] for k in range(3)) and objs[e] != objs[j] for e in earlier)
                       for j in later)
    # by hand: (1, 2) has neighbours 0..3 in f1 and 1..4 in f2; (3, 1) has 1..4 in f1 and 0..2 in f2; spans 4
    assert crowding_distance([(0, 4), (1, 2), (3, 1), (4, 0)]).tolist() == [math.inf, 3 / 4 + 3 / 4, 3 / 4 + 2 / 4,
                                                                           math.inf]


def test_nsga2_front_is_the_brute_force_front_of_feasible_told_points():
    space = _space(3, 4)
    strategy = make_strategy("nsga2", space, seed=2, population_size=8)
    told = []
    for _ in range(8):
        points = strategy.ask(5)
        outcomes = [Outcome(0.0, (float(p["x0"] + p["x1"]), float((3 - p["x0"]) * p["x2"])), feasible=p["x2"] != 1)
                    for p in points]
        strategy.tell(points, outcomes)
        told += list(zip(points, outcomes, strict=True))
    feasible = list({space.key(p): (p, o) for p, o in told if o.feasible}.values())
    expected = {space.key(feasible[i][0]) for i in _brute_front([o.objectives for _, o in feasible])}
    assert {space.key(p) for p, _ in strategy.front()} == expected
    with pytest.raises(ConfigError, match="same number"):
        strategy.tell([points[0]], [Outcome(0.0, (1.0,))])
    with pytest.raises(ConfigError, match="same number"):
        strategy.tell([points[0]], [Outcome(0.0)])
    strategy.tell([points[0]], [Outcome(-1.0, feasible=False)])  # pruned, never evaluated: no objectives
    assert {space.key(p) for p, _ in strategy.front()} == expected


def test_nsga2_prefers_feasible_points_in_its_population():
    space = _space(2, 6)
    strategy = make_strategy("nsga2", space, seed=0, population_size=5)
    points = list(space.grid())
    strategy.tell(points, [Outcome(0.0, (float(p["x0"]), float(p["x1"])), feasible=p["x0"] + p["x1"] >= 8)
                           for p in points])
    assert all(p["x0"] + p["x1"] >= 8 for p, _ in strategy.population)


# ---------------------------------------------------------------- hao wrapper


@pytest.mark.parametrize("inner", ["random", "evolution", "reinforce", "nsga2", "grid"])
def test_hao_never_returns_a_pruned_point(inner):
    space = _space(3, 5)

    def prune(p):
        return f"x0+x1={p['x0'] + p['x1']} is odd" if (p["x0"] + p["x1"]) % 2 else None

    pruned_outcome = Outcome(reward=-20.0, feasible=False)  # no objectives: NSGA-II leaves it out
    strategy = make_strategy("hao", space, seed=1, prune=prune, inner=inner, pruned_outcome=pruned_outcome)
    asked = [p for batch in _run(strategy, 10, 6, _synthetic) for p in batch]
    assert asked and all(prune(p) is None for p in asked)
    assert strategy.pruned and all(reason == prune(p) for p, reason in strategy.pruned)
    if inner == "grid":  # every grid point, in order, was either returned or pruned, never both
        seen = sorted(map(space.key, asked + [p for p, _ in strategy.pruned]))
        assert seen == sorted(map(space.key, list(space.grid())[:len(seen)]))


def test_hao_stops_when_everything_is_pruned_and_checks_the_reason():
    strategy = make_strategy("hao", _space(2, 3), prune=lambda p: "too slow", inner="random")
    assert strategy.ask(4) == [] and strategy.done and len(strategy.pruned) == 9
    bad = make_strategy("hao", _space(2, 3), prune=lambda p: 1.5)
    with pytest.raises(ConfigError, match="None or a str reason"):
        bad.ask(1)
    with pytest.raises(ConfigError, match="other than 'hao'"):
        make_strategy("hao", _space(), prune=lambda p: None, inner="hao")
