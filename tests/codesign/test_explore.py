"""The co-exploration loop: reproducible, resumable from the store, the successive baseline, HAO pruning."""

from __future__ import annotations

import pytest

from hwcodesign.codesign.evaluate import OperatorCosts, Specs, latency_lower_bound_ms
from hwcodesign.codesign.explore import explore, hao_latency_bound_ms, pareto_front, successive
from hwcodesign.codesign.space import ChipSpace, CodesignSpace, NB201Space
from hwcodesign.codesign.store import ResultStore
from hwcodesign.core.errors import ConfigError


@pytest.fixture(scope="module")
def costs() -> OperatorCosts:
    return OperatorCosts(mapping_budget=10, climb_rounds=0)


@pytest.fixture(scope="module")
def space() -> CodesignSpace:
    # 1x1 convolutions only (few operator shapes to map), one template, two PE array sizes
    tasks = {}
    for task in ("cifar10", "imagenet16"):
        edges = NB201Space(task).edge_names
        tasks[task] = NB201Space(task, ops={e: ("none", "skip_connect", "nor_conv_1x1", "avg_pool_3x3") for e in edges})
    return CodesignSpace(tasks, ChipSpace(templates=("eyeriss_like",), max_subs=2, rows=(8, 16), cols=(16,),
                                          bandwidths=(16,)))


def test_same_seed_same_study(space, costs):
    a = explore(space, strategy="evolution", budget=6, seed=4, batch=3, costs=costs)
    b = explore(space, strategy="evolution", budget=6, seed=4, batch=3, costs=costs)
    assert [r["key"] for r in a.records] == [r["key"] for r in b.records]
    assert len({r["key"] for r in a.records}) == 6 == a.evaluated


def test_store_resumes_without_re_evaluating(space, costs, tmp_path):
    path = tmp_path / "study.sqlite"
    first = explore(space, Specs(latency_ms=0.4), strategy="random", budget=5, seed=2, store=path, costs=costs)
    again = explore(space, Specs(latency_ms=0.4), strategy="random", budget=5, seed=2, store=path, costs=costs)
    assert (again.evaluated, again.reused) == (0, 5)
    assert again.records == first.records and again.summary()["key"] == first.summary()["key"]
    more = explore(space, Specs(latency_ms=0.4), strategy="random", budget=8, seed=2, store=path, costs=costs)
    assert (more.evaluated, more.reused) == (3, 5)
    with ResultStore(path, kind="study") as store:
        assert len(store.done_keys()) == 8
    with pytest.raises(ConfigError):  # other specs score points differently: not the same study
        explore(space, Specs(latency_ms=9.0), strategy="random", budget=5, seed=2, store=path, costs=costs)


def test_successive_fixes_the_most_accurate_networks(space, costs):
    study = successive(space, strategy="random", budget=4, seed=0, costs=costs)
    best = {t: s.best(1)[0] for t, s in space.tasks.items()}
    assert study.networks_fixed == best
    assert all(r[f"network_{t}"] == best[t] for r in study.records for t in best)
    assert len({r["key"] for r in study.records}) == 4 == study.evaluated


def test_best_is_the_most_accurate_feasible_point(space, costs):
    study = explore(space, Specs(latency_ms=0.3), strategy="random", budget=8, seed=5, costs=costs)
    feasible = study.feasible()
    best = study.best()
    if feasible:
        assert best["feasible"] and best["accuracy_mean"] == max(r["accuracy_mean"] for r in feasible)
    else:
        assert best["reward"] == max(r["reward"] for r in study.records)
    summary = study.summary()
    assert summary["specs_met"] == bool(feasible) and summary["points_evaluated"] == 8
    assert set(summary["accuracy"]) == {"cifar10", "imagenet16"}


def test_hao_prunes_only_points_whose_bound_violates_the_latency_spec(space, costs):
    specs = Specs(latency_ms=0.1)
    study = explore(space, specs, strategy="hao", budget=3, seed=1, costs=costs,
                    strategy_options={"inner": "random"})
    assert study.pruned, "a 0.1 ms spec rules out the larger networks by the MAC bound alone"
    for record in study.pruned:
        point = {k: v for k, v in record.items() if k not in ("key", "pruned")}
        if record["pruned"].startswith("compute bound"):
            assert latency_lower_bound_ms(space, space.decode(point)) > specs.latency_ms
        else:
            assert record["pruned"].startswith("HAO bound")
    for record in study.records:
        point = {k: record[k] for k in space.search_space().names}
        assert latency_lower_bound_ms(space, space.decode(point)) <= specs.latency_ms


def test_hao_bound_never_exceeds_a_simulated_latency(space, costs):
    study = explore(space, strategy="random", budget=4, seed=3, costs=costs)
    for record in study.records:
        design = space.decode({k: record[k] for k in space.search_space().names})
        assert 0 < hao_latency_bound_ms(space, design) <= record["latency_ms"]


def test_pareto_front_by_hand():
    rows = [{"accuracy_mean": a, "latency_ms": lat, "energy_mj": 1.0, "area_mm2": 1.0}
            for a, lat in ((70, 1.0), (72, 2.0), (69, 1.5), (72, 2.0))]
    assert pareto_front(rows) == [rows[0], rows[1]]


def test_bad_budget(space):
    with pytest.raises(ConfigError, match="budget"):
        explore(space, budget=0)


def test_hao_does_not_apply_to_a_gpu():
    with pytest.raises(ConfigError, match="GPU"):
        explore(CodesignSpace.nb201(["cifar10"], gpus=["a100"]), strategy="hao", budget=1)
