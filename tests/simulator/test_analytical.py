"""The analytical engine: hand-counted accesses, agreement with the systolic engine, properties, templates."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwcodesign.accelerators import TEMPLATES, Accelerator, BufferSpec, DRAMSpec, PEArraySpec, get_accelerator
from hwcodesign.accelerators.spatial import SpatialDim, SpatialSpec
from hwcodesign.core.errors import ConfigError
from hwcodesign.mapper import Mapping, arch_view, batch_of, evaluate, map_layer, problem_of
from hwcodesign.mapper.space import exhaustive_batch, order_variants, random_batch, spatial_choices
from hwcodesign.simulator.analytical import simulate, simulate_operator
from hwcodesign.simulator.systolic import simulate_operator as systolic_operator
from hwcodesign.workloads import get_workload
from hwcodesign.workloads.operators import Conv2d, Gemm


def _glb_accelerator(size="1 KiB", dataflow="os", rows=4, cols=4, psum_bytes=None) -> Accelerator:
    return Accelerator(name="t", pe_array=PEArraySpec(rows=rows, cols=cols, dataflow=dataflow),
                       buffers=(BufferSpec(name="glb", size_bytes=size, operands=("ifmap", "filter", "ofmap")),),
                       dram=DRAMSpec(bandwidth_bytes_per_cycle=1000), psum_bytes=psum_bytes)


def _all_on_chip(problem, acc, temporal, spatial, order):
    levels = tuple(lv.name for lv in acc.levels())
    dims = problem.dims
    return Mapping(dims=dims, bounds=problem.bounds, levels=levels,
                   temporal=(tuple(temporal.get(d, 1) for d in dims), (1,) * len(dims)),
                   orders=(order, dims), spatial_dims=("rows", "cols"),
                   spatial=tuple(tuple(s.get(d, 1) for d in dims) for s in spatial),
                   spatial_above=(levels[0], levels[0]))


def test_hand_counted_accesses_and_energy():
    """GEMM 8x4x16 (int8), 4x4 output-stationary array, everything fits in the glb.

    DRAM: A (128 B) and B (64 B) read once, C (32 B) written once. glb: written with A
    and B as they arrive (192 B) and with each output once (32 B); read by the array:
    A once (128 B, multicast over the 4 columns), B once per row fold (2 x 64 B), C once
    to drain it to DRAM (32 B). The 16 PEs receive 2 x 16 x 4 words of A and of B each
    cycle... all deliveries across the fan-out: A 2*16*4*4 = 512, B 512, C 32.
    """
    acc = _glb_accelerator()
    op = Gemm(m=8, n=4, k=16)
    problem = problem_of(op)
    m = _all_on_chip(problem, acc, {"M": 2, "K": 16}, [{"M": 4}, {"N": 4}], ("B", "G", "N", "M", "K"))
    row = simulate_operator(op, acc, m)
    assert (row["dram_read_bytes"], row["dram_write_bytes"]) == (192, 32)
    assert (row["ifmap_glb_read_bytes"], row["filter_glb_read_bytes"], row["ofmap_glb_read_bytes"]) == (128, 128, 32)
    assert (row["ifmap_glb_write_bytes"], row["filter_glb_write_bytes"], row["ofmap_glb_write_bytes"]) == (128, 64, 32)
    assert row["noc_bytes"] == 512 + 512 + 32
    glb = acc.buffer_access_energy_pj_per_byte("glb")  # read == write energy by default
    assert row["energy_glb_pj"] == pytest.approx((128 + 128 + 32 + 128 + 64 + 32) * glb)
    assert row["energy_dram_pj"] == pytest.approx(224 * acc.dram_energy_pj_per_byte())
    assert row["energy_mac_pj"] == pytest.approx(op.macs * acc.mac_energy_pj())
    assert row["energy_noc_pj"] == pytest.approx(1056 * acc.noc_energy_pj_per_byte())
    assert row["compute_cycles"] == 2 * 16 + 2 * (4 + 4 - 2)  # two folds, fill and drain each
    parts = [k for k in row if k.startswith("energy_") and k != "energy_pj"]
    assert sum(row[k] for k in parts) == pytest.approx(row["energy_pj"])


def _spill_and_stay():
    """GEMM 8x4x8 on a 4x4 array under the glb, and two mappings of it.

    ``spill``: the DRAM level runs for K in [0:2) { for M in [0:2) }: the reduction is split outside the
    output tiles, so each of the 32 outputs is written twice and read back once. ``stay``: for M { for K }:
    each output tile stays in the glb across the reduction: written once, never read back.
    """
    op = Gemm(m=8, n=4, k=8)
    problem = problem_of(op)
    dims = problem.dims
    spill = Mapping(dims=dims, bounds=problem.bounds, levels=("glb", "dram"),
                    temporal=((1, 1, 1, 1, 4), (1, 1, 2, 1, 2)), orders=(dims, ("B", "G", "K", "N", "M")),
                    spatial_dims=("rows", "cols"), spatial=((1, 1, 4, 1, 1), (1, 1, 1, 4, 1)),
                    spatial_above=("glb", "glb"))
    return op, spill, Mapping(**{**spill.to_dict(), "orders": (dims, dims)})


def test_partial_sums_spilled_to_dram_are_read_back():
    acc = _glb_accelerator(size="64 KiB")
    op, spill, stay = _spill_and_stay()
    row = simulate_operator(op, acc, spill)
    assert row["ofmap_dram_write_bytes"] == 64 and row["ofmap_dram_read_bytes"] == 32
    row = simulate_operator(op, acc, stay)
    assert row["ofmap_dram_write_bytes"] == 32 and row["ofmap_dram_read_bytes"] == 0


def test_partial_sums_at_the_accumulator_width():
    """``psum_bytes`` = 4 (32-bit accumulators, int8 words) on the spilling mapping above, by hand.

    The glb receives each of the 32 outputs twice (one write per K half) and the first sums back from DRAM
    once: 96 word writes, and 96 word reads (32 read back into the array, 64 drained to DRAM), all partial
    sums, so 4 bytes each (384 B). DRAM: 32 partial sums written and read back at 4 B (128 B each way),
    the 32 final values written at 1 B: 160 B written. The PE array carries the 64 outputs it sends up at
    4 B (the ofmap NoC share grows from 64 to 256 B). When the reduction stays inside the PEs (``stay``),
    every write is final and nothing changes.
    """
    wide = _glb_accelerator(size="64 KiB", psum_bytes=4)
    narrow = _glb_accelerator(size="64 KiB")
    op, spill, stay = _spill_and_stay()
    row, base = simulate_operator(op, wide, spill), simulate_operator(op, narrow, spill)
    assert (row["ofmap_glb_write_bytes"], row["ofmap_glb_read_bytes"]) == (96 * 4, 96 * 4)
    assert (row["ofmap_dram_write_bytes"], row["ofmap_dram_read_bytes"]) == (32 * 4 + 32 * 1, 32 * 4)
    assert row["noc_bytes"] == base["noc_bytes"] - 64 + 64 * 4
    for operand in ("ifmap", "filter"):  # only the outputs widen
        assert row[f"{operand}_glb_read_bytes"] == base[f"{operand}_glb_read_bytes"]
        assert row[f"{operand}_dram_read_bytes"] == base[f"{operand}_dram_read_bytes"]
    glb = wide.buffer_access_energy_pj_per_byte("glb")
    assert row["energy_glb_pj"] - base["energy_glb_pj"] == pytest.approx((384 + 384 - 96 - 96) * glb)
    parts = [k for k in row if k.startswith("energy_") and k != "energy_pj"]
    assert sum(row[k] for k in parts) == pytest.approx(row["energy_pj"])
    assert simulate_operator(op, wide, stay) == simulate_operator(op, narrow, stay)


def test_an_accumulating_buffer_holds_its_output_tile_at_the_accumulator_width():
    # The spilling mapping's glb tile: A 4 x 4, B 4 x 4 and C 4 x 4 words: 48 B at 1-byte psums, 16 + 16 + 64
    # = 96 B at 4-byte psums (the glb accumulates: each output is written into it twice).
    op, spill, _ = _spill_and_stay()
    assert simulate_operator(op, _glb_accelerator(size=64), spill)["feasible"]
    row = simulate_operator(op, _glb_accelerator(size=64, psum_bytes=4), spill)
    assert not row["feasible"]
    assert (row["constraint"], row["demand"], row["bound"]) == ("capacity of glb", 96, 64)


def test_macs_without_an_output_register_update_the_buffer_on_every_mac():
    """GEMM 2x2x4 on one MAC under a glb, K innermost. With a register for every operand the MAC accumulates
    each output over K and writes it once (4 writes; 4 reads, draining the outputs to DRAM). With registers
    for inputs and weights only (ZigZag's PEs) it reads and writes the output in the glb on every MAC: 16
    writes, and 16 - 4 = 12 read-modify-write reads plus the 4 drain reads. Inputs and weights move the same
    either way."""
    op = Gemm(m=2, n=2, k=4)
    problem = problem_of(op)
    dims = problem.dims
    mapping = Mapping(dims=dims, bounds=problem.bounds, levels=("glb", "dram"),
                      temporal=((1, 1, 2, 2, 4), (1, 1, 1, 1, 1)), orders=(dims, dims), spatial_dims=("lanes",),
                      spatial=((1, 1, 1, 1, 1),), spatial_above=("glb",))

    def run(registers):
        spatial = SpatialSpec(dims=(SpatialDim(name="lanes", size=1, above="glb"),), operand_registers=registers)
        acc = Accelerator(name="t", pe_array=PEArraySpec(rows=1, cols=1, dataflow="ws"), spatial=spatial,
                          buffers=(BufferSpec(name="glb", size_bytes="1 KiB", operands=("ifmap", "filter", "ofmap")),),
                          dram=DRAMSpec(bandwidth_bytes_per_cycle=1000))
        return simulate_operator(op, acc, mapping)

    held, updated = run(True), run(("ifmap", "filter"))
    assert (held["ofmap_glb_write_bytes"], held["ofmap_glb_read_bytes"]) == (4, 4)
    assert (updated["ofmap_glb_write_bytes"], updated["ofmap_glb_read_bytes"]) == (16, 12 + 4)
    for key in ("ifmap_glb_read_bytes", "filter_glb_read_bytes", "dram_read_bytes", "dram_write_bytes"):
        assert held[key] == updated[key]


@pytest.mark.parametrize("template", ["eyeriss_like", "nvdla_like", "simba_like", "tpu_like"])
def test_wider_partial_sums_only_add_output_bytes(template):
    # On 300 random mappings of a small conv: with 4-byte partial sums every output transfer moves at least
    # as many bytes as with 1-byte ones, the inputs and weights move exactly the same, the final outputs still
    # reach DRAM at 1 byte each (at least the layer's outputs), and energy never falls.
    conv = Conv2d(in_channels=16, out_channels=16, in_h=8, in_w=8, kernel_h=3, kernel_w=3, pad_h=1, pad_w=1)
    problem = problem_of(conv)
    narrow = dataclasses.replace(get_accelerator(template), word_bytes=1, psum_bytes=None)
    wide = dataclasses.replace(narrow, psum_bytes=4)
    av = arch_view(narrow)
    batch = random_batch(problem, av, spatial_choices(problem, av), 300, np.random.default_rng(0))
    a, b = evaluate(problem, narrow, batch), evaluate(problem, wide, batch)
    o = 2  # OPERANDS: ifmap, filter, ofmap
    assert (b.read_bytes[:, :, o] >= a.read_bytes[:, :, o]).all() and (b.write_bytes[:, :, o] >= a.write_bytes[:, :, o]).all()
    assert np.array_equal(b.read_bytes[:, :, :o], a.read_bytes[:, :, :o])
    assert np.array_equal(b.write_bytes[:, :, :o], a.write_bytes[:, :, :o])
    assert (b.write_bytes[:, -1, o] >= 16 * 8 * 8).all()
    assert (b.energy_pj >= a.energy_pj - 1e-9).all() and (b.energy_pj > a.energy_pj).any()


def test_psum_bytes_is_checked_and_the_systolic_engine_refuses_it():
    with pytest.raises(ConfigError, match="psum_bytes"):
        _glb_accelerator(psum_bytes=0)
    with pytest.raises(ConfigError, match=r"'psum_bytes'.*>= word_bytes \(2\)"):
        get_accelerator("eyeriss_like", psum_bytes=1)  # 16-bit words
    assert get_accelerator("simba_like", psum_bytes=3).psum_bytes == 3  # the dataflow templates take it
    with pytest.raises(ConfigError, match="psum_bytes.*analytical"):
        systolic_operator(Gemm(m=8, n=4, k=8), _glb_accelerator(psum_bytes=4))


@pytest.mark.parametrize(("dataflow", "temporal", "spatial", "order"), [
    ("os", {"M": 3, "K": 40}, [{"M": 8}, {"N": 8}], ("B", "G", "N", "M", "K")),
    ("ws", {"M": 24, "K": 5}, [{"K": 8}, {"N": 8}], ("B", "G", "N", "K", "M")),
    ("is", {"N": 8, "K": 5, "M": 3}, [{"K": 8}, {"M": 8}], ("B", "G", "M", "K", "N")),
])
def test_agrees_with_the_systolic_engine_on_equivalent_gemm_mappings(dataflow, temporal, spatial, order):
    """Exactly divisible GEMMs whose operands fit on chip: same compute cycles and traffic.

    The engines cannot agree on k x k convolutions (the analytical model reuses sliding-window
    rows, the systolic array reads the im2col matrix) nor on stalls (per-fold exposure in the
    systolic model, bandwidth per layer here).
    """
    acc = get_accelerator("systolic", rows=8, cols=8, dataflow=dataflow, dram_latency_cycles=0)
    op = Gemm(m=24, n=8, k=40)
    problem = problem_of(op)
    m = _all_on_chip(problem, acc, temporal, spatial, order)
    ours, theirs = simulate_operator(op, acc, m), systolic_operator(op, acc)
    for column in ("compute_cycles", "ifmap_sram_read_bytes", "filter_sram_read_bytes", "ofmap_sram_write_bytes",
                   "ifmap_dram_read_bytes", "filter_dram_read_bytes", "ofmap_dram_write_bytes", "macs"):
        assert ours[column] == theirs[column], column


@settings(max_examples=15, deadline=None)
@given(size=st.integers(256, 4096), extra=st.integers(1, 8192), k=st.sampled_from([4, 8, 12]))
def test_a_larger_buffer_never_increases_the_least_dram_traffic(size, extra, k):
    op = Conv2d(in_channels=4, out_channels=k, in_h=6, in_w=6, kernel_h=3, kernel_w=3)
    problem = problem_of(op)

    def least_dram(glb_bytes):
        acc = _glb_accelerator(size=glb_bytes)
        av = arch_view(acc)
        batch = exhaustive_batch(problem, av, spatial_choices(problem, av, max_spatial=2))
        cost = evaluate(problem, acc, batch)
        traffic = cost.read_bytes[:, -1].sum(axis=1) + cost.write_bytes[:, -1].sum(axis=1)
        return np.where(cost.feasible, traffic, np.inf).min(), (batch, cost)

    small, (batch, cost) = least_dram(size)
    big, _ = least_dram(size + extra)
    assert big <= small
    # and the same mapping (same loop order) moves the same DRAM bytes whatever the buffer size
    same = evaluate(problem, _glb_accelerator(size=size + extra), batch)
    assert np.array_equal(same.read_bytes[:, -1], cost.read_bytes[:, -1])


@pytest.mark.parametrize("template", TEMPLATES.names())
def test_template_conformance_on_the_analytical_engine(template):
    acc = get_accelerator(template)
    assert Accelerator.from_dict(acc.to_dict()) == acc
    table = simulate(get_workload("tiny"), acc, budget=1500)
    for row in table:
        assert row["energy_pj"] > 0 and 0 <= row["utilization"] <= 1 and row["feasible"]
        if row["unit"] == "pe_array":
            parts = [k for k in row if k.startswith("energy_") and k.endswith("_pj") and k != "energy_pj"]
            assert sum(row[k] for k in parts) == pytest.approx(row["energy_pj"])
            assert row["latency_cycles"] == row["compute_cycles"] + row["stall_cycles"]
            for level in acc.levels()[:-1]:
                assert f"{level.name}_read_bytes" in row and f"energy_{level.name}_pj" in row


def test_single_evaluation_is_a_batch_of_one():
    acc = get_accelerator("shidiannao_like")
    op = Conv2d(in_channels=8, out_channels=8, in_h=16, in_w=16, kernel_h=3, kernel_w=3, pad_h=1, pad_w=1)
    best = map_layer(op, acc, objective="energy")
    problem = problem_of(op)
    again = evaluate(problem, acc, batch_of(problem, acc, [best.mapping] * 3))
    assert simulate_operator(op, acc, best.mapping)["energy_pj"] == pytest.approx(best.record["energy_pj"])
    assert np.allclose(again.energy_pj, best.record["energy_pj"])
    assert list(order_variants(batch_of(problem, acc, [best.mapping])).temporal.shape)[1:] == [3, 8]
