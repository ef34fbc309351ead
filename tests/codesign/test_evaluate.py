"""Scoring co-design points: cached whole-network costs equal the analytical engine's, chip metrics, specs."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from hwcodesign.codesign.evaluate import Evaluator, OperatorCosts, Specs, latency_lower_bound_ms
from hwcodesign.codesign.space import CodesignSpace, SubAccelerator, build_sub_accelerator
from hwcodesign.core.errors import ConfigError, UnknownNameError
from hwcodesign.simulator.analytical import simulate

#: A cell without convolutions: the only MAC operators are the stem, reductions and classifier (quick to map).
LIGHT = "|skip_connect~0|+|avg_pool_3x3~0|none~1|+|none~0|none~1|skip_connect~2|"


@pytest.fixture(scope="module")
def costs() -> OperatorCosts:
    return OperatorCosts(mapping_budget=20)


def _space(**chip) -> CodesignSpace:
    options = {"max_subs": 2, "rows": (8, 16), "cols": (16,), "bandwidths": (16,),
               "templates": ("eyeriss_like", "nvdla_like"), **chip}
    return CodesignSpace.nb201(["cifar10", "imagenet16"], **options)


def _point(space, *, subs=(0, 1), templates=("eyeriss_like", "nvdla_like"), rows=(8, 16)) -> dict:
    point = {}
    for task, sub in zip(space.tasks, subs, strict=True):
        point.update(space.tasks[task].params(LIGHT))
        point[f"{task}__sub"] = sub
    for k in range(space.hardware.max_subs):
        point.update({f"sub{k}__template": templates[k], f"sub{k}__pe_array__rows": rows[k],
                      f"sub{k}__pe_array__cols": 16, f"sub{k}__dram__bandwidth_bytes_per_cycle": 16})
    return point


def test_network_cost_equals_the_analytical_engine_run_whole():
    # map_layer's own refine/climb defaults, so that simulate() makes the very same calls
    costs = OperatorCosts(mapping_budget=20, refine=16, climb_rounds=8)
    space = _space()
    evaluator = Evaluator(space, costs=costs)
    acc = build_sub_accelerator(SubAccelerator(template="eyeriss_like", rows=8, cols=16, bandwidth_bytes_per_cycle=16),
                                clock_hz=1e9, tech_node_nm=28.0, word_bytes=1)
    for task in ["imagenet16"]:
        cycles, energy, ok, _ = evaluator.network_cost(task, LIGHT, acc)
        table = simulate(space.tasks[task].workload(LIGHT), acc, objective="edp", budget=20)
        assert ok
        assert cycles == pytest.approx(table.total("latency_cycles"), rel=1e-12)
        assert energy == pytest.approx(table.total("energy_pj"), rel=1e-12)


def test_chip_metrics_follow_the_parallel_subs_and_sequential_networks(costs):
    space = _space()
    evaluator = Evaluator(space, costs=costs)
    apart = evaluator.evaluate(_point(space, subs=(0, 1)))
    together = evaluator.evaluate(_point(space, subs=(0, 0)))
    # networks on different sub-accelerators overlap; on one they run back to back
    assert apart["latency_ms"] == pytest.approx(max(apart["latency_cifar10_ms"], apart["latency_imagenet16_ms"]))
    assert together["latency_ms"] == pytest.approx(together["latency_cifar10_ms"] + together["latency_imagenet16_ms"])
    assert together["num_subs"] == 1 and apart["num_subs"] == 2
    design = space.decode(_point(space, subs=(0, 1)))
    assert apart["area_mm2"] == pytest.approx(sum(a.area_mm2() for a in design.chip.accelerators()))
    one = space.decode(_point(space, subs=(0, 0))).chip.accelerators()
    assert together["area_mm2"] == pytest.approx(one[0].area_mm2())
    # energy: the sum of each network's run on its sub-accelerator
    e = sum(evaluator.network_cost(t, LIGHT, one[0])[1] for t in space.tasks) * 1e-9
    assert together["energy_mj"] == pytest.approx(e)
    assert apart["accuracy_mean"] == pytest.approx((apart["accuracy_cifar10"] + apart["accuracy_imagenet16"]) / 2)


def test_specs_make_points_infeasible_with_the_excess_kept(costs):
    space = _space()
    free = Evaluator(space, costs=costs).evaluate(_point(space))
    assert free["feasible"] and free["violated"] == "" and free["reward"] == pytest.approx(free["accuracy_mean"] / 100)
    specs = Specs(latency_ms=free["latency_ms"] / 2, area_mm2=free["area_mm2"] * 2)
    record = Evaluator(space, specs, costs=costs, penalty=0.5).evaluate(_point(space))
    assert not record["feasible"] and record["violated"] == "latency_ms"
    assert record["latency_ms_excess"] == pytest.approx(1.0)  # twice the bound
    assert record["area_mm2_excess"] == 0.0
    assert record["reward"] == pytest.approx(record["accuracy_mean"] / 100 - 0.5 * 1.0)
    outcome = Evaluator.outcome(record)
    assert outcome.feasible is False and outcome.objectives[0] == -record["accuracy_mean"]


def test_specs_parse_and_validate():
    assert Specs.parse("") == Specs()
    assert Specs.parse("energy_mj=2,latency_ms=0.5") == Specs(latency_ms=0.5, energy_mj=2.0)
    with pytest.raises(UnknownNameError, match="latency_ms"):
        Specs.parse("latency=1")
    with pytest.raises(ConfigError, match="number"):
        Specs.parse("latency_ms=fast")
    with pytest.raises(ConfigError, match="> 0"):
        Specs(area_mm2=0)
    with pytest.raises(ConfigError, match="mapping_budget"):
        OperatorCosts(mapping_budget=0)


def test_latency_lower_bound_never_exceeds_the_simulated_latency(costs):
    space = _space(rows=(8, 16, 32), templates=("eyeriss_like", "nvdla_like", "shidiannao_like"))
    evaluator = Evaluator(space, costs=costs)
    rng = np.random.default_rng(3)
    search = space.search_space()
    for _ in range(4):
        point = search.sample(rng)
        for task in space.tasks:  # keep the light networks: quick to map
            point.update(space.tasks[task].params(LIGHT))
        bound = latency_lower_bound_ms(space, space.decode(point))
        assert 0 < bound <= evaluator.evaluate(point)["latency_ms"]


def test_prefetch_in_processes_gives_the_same_records():
    space = _space()
    points = [_point(space, subs=(0, 1)), _point(space, subs=(1, 1), rows=(16, 8))]
    serial = Evaluator(space, costs=OperatorCosts(mapping_budget=10, climb_rounds=0))
    parallel = Evaluator(space, costs=OperatorCosts(mapping_budget=10, climb_rounds=0))
    with ProcessPoolExecutor(max_workers=2) as pool:
        assert parallel.prefetch(points, pool=pool) > 0
    misses = parallel.costs.misses
    assert [parallel.evaluate(p) for p in points] == [serial.evaluate(p) for p in points]
    assert parallel.costs.misses == misses  # everything was prefetched
    assert parallel.costs.hits > 0 and parallel.costs.accelerators == 3  # eyeriss 8x16, nvdla 16x16 and 8x16


def test_gpu_target_sums_the_gpu_engine_over_the_networks():
    from hwcodesign.simulator.gpu import predict_network
    from hwcodesign.workloads.zoo.nb201 import nb201

    space = CodesignSpace.nb201(["cifar10", "imagenet16"], gpus=["t4", "a100"])
    assert space.search_space().names[-1] == "gpu__device" and "cifar10__sub" not in space.search_space().names
    point = {**space.tasks["cifar10"].params(LIGHT), **space.tasks["imagenet16"].params(LIGHT),
             "gpu__device": "Tesla T4"}
    record = Evaluator(space, Specs(latency_ms=1e-3)).evaluate(point)
    expected = sum(predict_network(nb201(LIGHT, dataset=d), "t4").latency_ms for d in ("cifar10", "ImageNet16-120"))
    assert record["latency_ms"] == pytest.approx(expected)
    assert record["energy_mj"] is None and record["area_mm2"] is None
    assert record["violated"] == "latency_ms" and not record["feasible"]
    assert len(Evaluator.outcome(record).objectives) == 2  # -accuracy, latency
    with pytest.raises(ConfigError, match="GPU"):
        Evaluator(space, Specs(energy_mj=1.0))
