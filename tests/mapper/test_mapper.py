"""The layer mapper: validated mappings, search modes, infeasibility as data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwcodesign.accelerators import get_accelerator
from hwcodesign.core import ConfigError
from hwcodesign.mapper import Mapping, arch_view, evaluate, map_layer, problem_of
from hwcodesign.mapper.space import neighbours, random_batch, spatial_choices
from hwcodesign.workloads.operators import Conv2d, Gemm, Pool

CONV = Conv2d(in_channels=8, out_channels=16, in_h=10, in_w=10, kernel_h=3, kernel_w=3, pad_h=1, pad_w=1, name="c")


def test_mapping_validation_names_the_field():
    ok = dict(dims=("M", "N"), bounds=(4, 2), levels=("glb", "dram"), temporal=((4, 1), (1, 2)),
              orders=(("M", "N"), ("N", "M")))
    assert Mapping(**ok).iterations == 8
    for field, value in [("temporal", ((4, 1), (1, 1))), ("orders", (("M", "M"), ("N", "M"))),
                         ("temporal", ((0, 1), (1, 2))), ("bounds", (4,))]:
        with pytest.raises(ConfigError, match=repr(field)):
            Mapping(**{**ok, field: value})


def test_mapping_round_trips_and_prints():
    result = map_layer(CONV, get_accelerator("eyeriss_like"), objective="edp")
    m = result.mapping
    assert Mapping.from_dict(m.to_dict()) == m
    text = str(m)
    assert text.splitlines()[0] == "dram" and "spatial_for" in text and text.rstrip().endswith("MAC")


@settings(max_examples=25, deadline=None)
@given(c=st.integers(1, 12), k=st.integers(1, 12), hw=st.integers(3, 12), r=st.sampled_from([1, 3]),
       template=st.sampled_from(["eyeriss_like", "nvdla_like", "simba_like", "systolic"]))
def test_every_sampled_mapping_conserves_macs_and_costs_are_positive(c, k, hw, r, template):
    op = Conv2d(in_channels=c, out_channels=k, in_h=hw, in_w=hw, kernel_h=r, kernel_w=r)
    acc = get_accelerator(template)
    problem, av = problem_of(op), arch_view(acc)
    batch = random_batch(problem, av, spatial_choices(problem, av), 200, np.random.default_rng(0))
    assert (batch.temporal.prod(axis=(1, 2)) * batch.spatial.prod(axis=(1, 2)) == op.macs).all()
    cost = evaluate(problem, acc, batch)
    assert (cost.latency_cycles > 0).all() and (cost.energy_pj > 0).all()
    assert (cost.latency_cycles >= cost.compute_cycles).all()
    util = op.macs / (av.num_pes * cost.latency_cycles)
    assert ((util > 0) & (util <= 1)).all()


@pytest.mark.parametrize("search", ["exhaustive", "random", "milp", "auto"])
def test_search_modes_find_feasible_mappings(search):
    op = Gemm(m=32, n=64, k=48)
    result = map_layer(op, get_accelerator("nvdla_like"), objective="latency", search=search, budget=3000)
    assert result.feasible and result.mapping.iterations == op.macs
    assert result.search == search or search == "auto"


def test_objectives_order_their_own_metric():
    acc = get_accelerator("eyeriss_like")
    by = {o: map_layer(CONV, acc, objective=o, seed=1).record for o in ("latency", "energy")}
    assert by["latency"]["latency_cycles"] <= by["energy"]["latency_cycles"]
    assert by["energy"]["energy_pj"] <= by["latency"]["energy_pj"]


def test_nothing_fits_is_a_row_not_an_exception():
    acc = get_accelerator("eyeriss_like", glb_bytes=64, ifmap_spad_words=1, filter_spad_words=1, psum_spad_words=1)
    big = Conv2d(in_channels=64, out_channels=64, in_h=32, in_w=32, kernel_h=3, kernel_w=3)
    result = map_layer(big, acc, budget=500)
    row = result.record
    assert not result.feasible and row["feasible"] is False
    assert row["constraint"].startswith("capacity of") and row["demand"] > row["bound"]
    assert row["constraint_unit"] == "bytes"


def test_bad_arguments_and_non_mac_operators():
    with pytest.raises(ConfigError, match="'objective' argument must be one of"):
        map_layer(CONV, get_accelerator("systolic"), objective="speed")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="Only MAC operators"):
        map_layer(Pool(channels=4, in_h=8, in_w=8, kernel_h=2, kernel_w=2), get_accelerator("systolic"))


def test_padded_spatial_unrolling_covers_bounds_and_uses_more_pes():
    # 7 output rows on 4 PEs that may only unroll P: exact divisors use 1 PE, padding 4 (2 steps, one padded)
    from hwcodesign.accelerators import Accelerator, BufferSpec, DRAMSpec, PEArraySpec
    from hwcodesign.accelerators.spatial import SpatialDim, SpatialSpec

    acc = Accelerator(name="rows4", pe_array=PEArraySpec(rows=1, cols=4),
                      buffers=(BufferSpec(name="glb", size_bytes="64 KiB", operands=("ifmap", "filter", "ofmap")),),
                      dram=DRAMSpec(bandwidth_bytes_per_cycle=64),
                      spatial=SpatialSpec(dims=(SpatialDim(name="cols", size=4, loops=("P",), above="glb"),)))
    op = Conv2d(in_channels=4, out_channels=4, in_h=7, in_w=7, kernel_h=1, kernel_w=1, name="p")
    problem, av = problem_of(op, "int8"), arch_view(acc)
    exact, padded = spatial_choices(problem, av), spatial_choices(problem, av, padding=True)
    assert exact.prod(axis=(1, 2)).max() == 1 and padded.prod(axis=(1, 2)).max() == 4
    batch = random_batch(problem, av, padded, 300, np.random.default_rng(0))
    covered = batch.temporal.prod(axis=1) * batch.spatial.prod(axis=1)
    assert (covered >= np.array(problem.bounds)).all()
    plain, result = (map_layer(op, acc, objective="latency", padding=p) for p in (False, True))
    assert result.feasible and result.mapping.iterations == 8 * op.macs // 7 and result.record["macs"] == op.macs
    assert result.record["latency_cycles"] < plain.record["latency_cycles"]


def test_neighbours_move_one_prime_factor_between_adjacent_levels():
    problem = problem_of(CONV, "int8")
    av = arch_view(get_accelerator("eyeriss_like"))
    batch = random_batch(problem, av, spatial_choices(problem, av), 20, np.random.default_rng(0))
    moved = neighbours(batch)
    assert len(moved) > 0
    assert (moved.temporal.prod(axis=1) * moved.spatial.prod(axis=1) == np.array(problem.bounds)).all()


def test_hill_climb_never_worse_than_one_pass_of_orders():
    acc = get_accelerator("eyeriss_like")
    for objective in ("latency", "energy"):
        once = map_layer(CONV, acc, objective=objective, search="random", budget=300, climb_rounds=0, seed=3)
        climbed = map_layer(CONV, acc, objective=objective, search="random", budget=300, seed=3)
        key = "latency_cycles" if objective == "latency" else "energy_pj"
        assert climbed.record[key] <= once.record[key] and climbed.evaluated >= once.evaluated
