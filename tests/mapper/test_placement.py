"""Per-operand memory placement (`Mapping.placement`): hand-computed traffic, feasibility, backward compatibility."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hwcodesign.accelerators import get_accelerator
from hwcodesign.core.errors import ConfigError
from hwcodesign.mapper import map_layer
from hwcodesign.mapper.cost import arch_view, batch_of, evaluate, mapping_at
from hwcodesign.mapper.mapping import Mapping
from hwcodesign.mapper.problem import problem_of
from hwcodesign.mapper.space import placement_moves, random_batch, spatial_choices
from hwcodesign.simulator.analytical import simulate_operator
from hwcodesign.workloads.operators import Conv2d, Gemm

GEMM = Gemm(m=8, n=8, k=4)  # dims B G M N K; ifmap M x K, filter K x N, ofmap M x N


def _systolic():
    return get_accelerator("systolic", rows=4, cols=4, dataflow="os", dram_latency_cycles=0)


def _gemm_mapping(placement=()) -> Mapping:
    # sram: K4 (positions 0..4 innermost first: K N M G B); 4 x 4 PEs unroll M and N;
    # dram: N2 innermost, M2 outside it (positions 5..9: N M K G B)
    return Mapping(dims=("B", "G", "M", "N", "K"), bounds=(1, 1, 8, 8, 4), levels=("sram", "dram"),
                   temporal=((1, 1, 1, 1, 4), (1, 1, 2, 2, 1)),
                   orders=(("B", "G", "M", "N", "K"), ("B", "G", "K", "M", "N")),
                   spatial_dims=("rows", "cols"), spatial=((1, 1, 4, 1, 1), (1, 1, 1, 4, 1)),
                   spatial_above=("sram", "sram"), placement=placement)


def _row(mapping: Mapping, acc=None, op=GEMM) -> dict:
    acc = acc or _systolic()
    problem = problem_of(op, "int8")
    return evaluate(problem, acc, batch_of(problem, acc, [mapping])).record(0)


def test_filter_tile_over_a_dram_loop_is_fetched_once():
    # Shared cuts: the filter's SRAM tile is K4 x N4 = 16 words; above it the DRAM loops N2 (indexes the
    # filter, so the tile changes) and M2 outside it (refetches everything below): 2 x 2 x 16 = 64 words,
    # twice the 32-word filter. The ifmap tile (M4 x K4 = 16) changes only at M2 (N2 inside reuses it):
    # 2 x 16 = 32 words. The ofmap tile (4 x 4) changes at N2 and M2: 64 words, each written once.
    shared = _row(_gemm_mapping())
    assert shared["filter_dram_read_bytes"] == 64
    assert shared["ifmap_dram_read_bytes"] == 32
    assert shared["ofmap_dram_write_bytes"] == 64
    # The filter's SRAM tile taking in N2 (position 6) spans K4 x N8 = 32 words; only M2 remains above it,
    # which does not index the filter: fetched once, 32 words. The other operands are unchanged.
    placed = _row(_gemm_mapping(((5,), (6,), (5,))))
    assert placed["filter_dram_read_bytes"] == 32
    assert placed["filter_sram_write_bytes"] == 32
    assert placed["ifmap_dram_read_bytes"] == 32
    assert placed["ofmap_dram_write_bytes"] == 64
    per_byte = _systolic().dram_energy_pj_per_byte()
    assert placed["energy_dram_pj"] == pytest.approx((32 + 32 + 64) * per_byte)
    assert shared["energy_dram_pj"] == pytest.approx((64 + 32 + 64) * per_byte)
    assert placed["macs"] == GEMM.macs and placed["feasible"]


def test_shared_cuts_written_out_cost_exactly_the_same():
    # A placement equal to the level boundaries is the mapping without one, row for row, on random mappings
    # of templates with one, two and three on-chip levels.
    conv = Conv2d(in_channels=8, out_channels=16, in_h=10, in_w=10, kernel_h=3, kernel_w=3, pad_h=1, pad_w=1)
    rng = np.random.default_rng(1)
    for name in ("tpu_like", "eyeriss_like", "simba_like", "shidiannao_like"):
        acc = get_accelerator(name)
        problem = problem_of(conv, "int8")
        av = arch_view(acc)
        batch = random_batch(problem, av, spatial_choices(problem, av), 40, rng)
        plain = evaluate(problem, acc, batch)
        written = evaluate(problem, acc, type(batch)(batch.temporal, batch.spatial, batch.orders, batch.placement()))
        for i in range(len(batch)):
            a, b = plain.record(i), written.record(i)
            if a["feasible"]:
                assert a == b, name
            else:
                assert not b["feasible"]


def test_placement_round_trips_and_prints():
    m = _gemm_mapping(((5,), (6,), (5,)))
    assert Mapping.from_dict(m.to_dict()) == m
    assert "-- filter tile at sram" in str(m)
    assert str(_gemm_mapping()) == str(_gemm_mapping(((5,), (5,), (5,))))  # shared cuts print as before
    acc = _systolic()
    problem = problem_of(GEMM, "int8")
    assert mapping_at(problem, acc, batch_of(problem, acc, [m]), 0) == m
    assert mapping_at(problem, acc, batch_of(problem, acc, [_gemm_mapping(((5,), (5,), (5,)))]), 0).placement == ()


@pytest.mark.parametrize("placement", [((5,), (6,)), ((5,), (11,), (5,)), ((5,), (-1,), (5,)), ((5, 5), (5,), (5,))])
def test_bad_placement_is_a_config_error(placement):
    with pytest.raises(ConfigError, match="'placement' field of Mapping"):
        _gemm_mapping(placement)


def test_tile_across_a_spatial_fan_out_is_infeasible():
    # eyeriss_like: the 12 x 14 PEs fan out from the glb, so per-PE rf tiles end at or below position D
    # (8 conv dims) and glb tiles at or above it.
    acc = get_accelerator("eyeriss_like")
    conv = Conv2d(in_channels=4, out_channels=8, in_h=8, in_w=8, kernel_h=3, kernel_w=3, pad_h=1, pad_w=1)
    # (loop orders only: a mapping whose ifmap rf tile still fits the rf when it takes in the glb's loop, so
    # that the fan-out is the constraint reported)
    best = map_layer(conv, acc, objective="energy", seed=0, placement=False, climb_rounds=0)
    d = len(best.mapping.dims)
    cuts = [list(best.mapping.cuts(o)) for o in ("ifmap", "filter", "ofmap")]
    cuts[0][0] = d + 1  # the ifmap's rf tile would take in a glb loop, outside the fan-out
    row = simulate_operator(conv, acc, dataclasses.replace(best.mapping, placement=tuple(map(tuple, cuts))))
    assert not row["feasible"]
    assert row["constraint"] == "loops inside the ifmap tile at rf"
    assert (row["demand"], row["bound"]) == (d + 1, d)
    cuts[0][0], cuts[2][1] = d, 0  # the ofmap's glb tile would lie below the fan-out and inside its rf tile
    row = simulate_operator(conv, acc, dataclasses.replace(best.mapping, placement=tuple(map(tuple, cuts))))
    assert not row["feasible"] and row["constraint"] == "loops outside the ofmap tile at glb"


def test_moves_stay_legal_and_search_uses_them():
    acc = get_accelerator("eyeriss_like")
    conv = Conv2d(in_channels=16, out_channels=32, in_h=14, in_w=14, kernel_h=3, kernel_w=3, pad_h=1, pad_w=1)
    problem = problem_of(conv, "int8")
    av = arch_view(acc)
    batch = random_batch(problem, av, spatial_choices(problem, av), 200, np.random.default_rng(0))
    moves = placement_moves(batch, av)
    assert len(moves)
    cost = evaluate(problem, acc, moves)
    names = [cost.constraint_names[v] for v in cost.violation[~cost.feasible]]
    assert not any(n.startswith("loops ") for n, _ in names)  # never an illegal cut
    assert (moves.temporal.prod(axis=(1, 2)) * moves.spatial.prod(axis=(1, 2)) >= conv.macs).all()
    with_placement = map_layer(conv, acc, objective="energy", seed=0)
    without = map_layer(conv, acc, objective="energy", seed=0, placement=False)
    assert with_placement.mapping.iterations >= conv.macs and with_placement.feasible
    assert without.mapping.placement == ()
    assert with_placement.evaluated > without.evaluated  # the climb tried placements on top of the same moves
