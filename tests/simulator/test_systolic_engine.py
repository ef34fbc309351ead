"""The systolic engine: invariants of both modes, agreement with the SCALE-Sim model,
hand-computed traffic on small layers, and the engine's errors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwcodesign.accelerators import get_accelerator
from hwcodesign.core import ConfigError
from hwcodesign.simulator.systolic import fold_grid, scalesim_conv_layer, simulate, simulate_operator
from hwcodesign.simulator.systolic.traffic import gemm_traffic
from hwcodesign.workloads import Workload, get_workload
from hwcodesign.workloads.operators import Conv2d, Gemm

DATAFLOWS = ("os", "ws", "is")

convs = st.builds(
    lambda c, k, h, r, stride, batch: Conv2d(name="c", in_channels=c, out_channels=k, in_h=h, in_w=h,
                                             kernel_h=min(r, h), kernel_w=min(r, h), stride_h=stride,
                                             stride_w=stride, batch=batch),
    st.integers(1, 24), st.integers(1, 40), st.integers(1, 20), st.integers(1, 5), st.integers(1, 3),
    st.integers(1, 2),
)
arrays = st.tuples(st.integers(1, 20), st.integers(1, 20), st.sampled_from(DATAFLOWS))


def _acc(rows, cols, dataflow, **kw):
    return get_accelerator("systolic", rows=rows, cols=cols, dataflow=dataflow, **kw)


@settings(max_examples=60, deadline=None)
@given(convs, arrays, st.sampled_from(["default", "scalesim"]))
def test_invariants(op, array, mode):
    rows, cols, dataflow = array
    acc = _acc(rows, cols, dataflow, ifmap_sram_bytes="1 KiB", filter_sram_bytes="1 KiB",
               ofmap_sram_bytes="1 KiB", dram_bandwidth_bytes_per_cycle=2, dram_latency_cycles=0)
    r = simulate_operator(op, acc, mode=mode)
    assert r["latency_cycles"] >= math.ceil(op.macs / (rows * cols))
    assert 0 <= r["utilization"] <= 1 and 0 <= r["mapping_efficiency"] <= 1
    assert r["latency_cycles"] == r["compute_cycles"] + r["stall_cycles"]
    assert r["peak_dram_bandwidth_bytes_per_cycle"] >= r["avg_dram_bandwidth_bytes_per_cycle"] > 0
    view = op.gemm_view()
    # compulsory: every ifmap and filter element the MACs touch is read from SRAM at least once
    assert r["ifmap_sram_read_bytes"] >= view.m * view.k * view.groups
    assert r["filter_sram_read_bytes"] >= view.n * view.k * view.groups
    assert r["ofmap_sram_write_bytes"] >= view.m * view.n * view.groups
    assert r["energy_pj"] == pytest.approx(
        r["energy_mac_pj"] + r["energy_sram_pj"] + r["energy_dram_pj"] + r["energy_leakage_pj"])
    if mode == "default":  # the tensors must come from DRAM at least once
        assert r["filter_dram_read_bytes"] >= op.bytes("int8", "weight")
        assert r["ofmap_dram_write_bytes"] >= op.bytes("int8", "output")


@settings(max_examples=60, deadline=None)
@given(convs, arrays, st.integers(1, 8), st.integers(1, 8))
def test_more_pes_never_more_compute_cycles(op, array, extra_rows, extra_cols):
    rows, cols, dataflow = array
    small = simulate_operator(op, _acc(rows, cols, dataflow))
    big = simulate_operator(op, _acc(rows + extra_rows, cols + extra_cols, dataflow))
    # Each added row or column costs one fill/drain cycle per fold, so compare at equal fold counts
    # or better: the fold count never rises, and compute cycles never rise when it falls.
    g_small = fold_grid(**{d: v for d, v in zip("mnk", _mnk(op))}, rows=rows, cols=cols, dataflow=dataflow)
    g_big = fold_grid(**{d: v for d, v in zip("mnk", _mnk(op))}, rows=rows + extra_rows, cols=cols + extra_cols,
                      dataflow=dataflow)
    assert g_big.n_folds <= g_small.n_folds
    if g_big.n_folds < g_small.n_folds:
        assert big["compute_cycles"] <= small["compute_cycles"] + g_big.n_folds * (2 * extra_rows + extra_cols)


def _mnk(op):
    v = op.gemm_view()
    return v.m, v.n, v.k


@settings(max_examples=40, deadline=None)
@given(convs, arrays, st.integers(1, 6))
def test_larger_buffers_never_more_dram_traffic(op, array, factor):
    rows, cols, dataflow = array
    kw = {"dram_bandwidth_bytes_per_cycle": 4}
    small = simulate_operator(op, _acc(rows, cols, dataflow, ifmap_sram_bytes=256, filter_sram_bytes=256,
                                       ofmap_sram_bytes=256, **kw))
    big = simulate_operator(op, _acc(rows, cols, dataflow, ifmap_sram_bytes=256 * 2**factor,
                                     filter_sram_bytes=256 * 2**factor, ofmap_sram_bytes=256 * 2**factor, **kw))
    moved = lambda r: r["dram_read_bytes"] + r["dram_write_bytes"]  # noqa: E731
    assert moved(big) <= moved(small)


def test_fold_model_by_hand():
    # WS, 4x4 array, GEMM m=10 k=6 n=5: row folds ceil(6/4)=2, col folds ceil(5/4)=2,
    # a fold is 2*4 + 4 + 10 - 2 = 20 cycles.
    g = fold_grid(m=10, n=5, k=6, rows=4, cols=4, dataflow="ws")
    assert (g.row_folds, g.col_folds, g.cycles_per_fold, g.compute_cycles) == (2, 2, 20, 80)
    # ifmap (10x6) streamed once per column fold; filter read once; partial sums once per row fold
    assert g.sram_reads() == (2 * 60, 30) and g.ofmap_writes() == 2 * 50
    assert g.mapping_efficiency == pytest.approx(30 / (4 * 16))


def test_default_traffic_by_hand_ws_spill():
    # WS, 2x2 array, m=3 k=4 n=2: folds over (k: 2 tiles) x (n: 1 tile). The ofmap buffer holds
    # 4 words < the 6-word output, so the k-fold partial sums spill: written twice, read back once.
    t = gemm_traffic(m=3, n=2, k=4, rows=2, cols=2, dataflow="ws", fold_cycles=[9, 9],
                     ifmap_buffer_words=64, filter_buffer_words=64, ofmap_buffer_words=4,
                     bandwidth_words_per_cycle=100)
    assert (t.ifmap_read_words, t.filter_read_words) == (12, 8)
    assert (t.ofmap_write_words, t.ofmap_read_words) == (12, 6)
    roomy = gemm_traffic(m=3, n=2, k=4, rows=2, cols=2, dataflow="ws", fold_cycles=[9, 9],
                         ifmap_buffer_words=64, filter_buffer_words=64, ofmap_buffer_words=6,
                         bandwidth_words_per_cycle=100)
    assert (roomy.ofmap_write_words, roomy.ofmap_read_words) == (6, 0)


def test_default_mode_fetches_the_tensor_not_im2col():
    # 3x3 conv, stride 1, 16 channels, 18x18 input, 8 filters, all buffers large: the ifmap
    # comes from DRAM exactly once (5184 bytes); SCALE-Sim's im2col fetch reads far more.
    op = Conv2d(name="c", in_channels=16, out_channels=8, in_h=18, in_w=18, kernel_h=3, kernel_w=3)
    acc = _acc(8, 8, "ws", ifmap_sram_bytes="64 KiB", filter_sram_bytes="64 KiB", ofmap_sram_bytes="64 KiB",
               dram_bandwidth_bytes_per_cycle=16, dram_bandwidth_scope="per_operand", dram_latency_cycles=0)
    real = simulate_operator(op, acc)
    assert real["ifmap_dram_read_bytes"] == 16 * 18 * 18
    assert real["filter_dram_read_bytes"] == 8 * 16 * 9
    assert real["ofmap_dram_write_bytes"] == 8 * 16 * 16
    compat = simulate_operator(op, acc, mode="scalesim")
    assert compat["ifmap_dram_read_bytes"] > 2 * real["ifmap_dram_read_bytes"]


@pytest.mark.parametrize("dataflow", DATAFLOWS)
def test_scalesim_mode_is_the_scalesim_model(dataflow):
    op = Conv2d(name="c", in_channels=4, out_channels=12, in_h=12, in_w=12, kernel_h=3, kernel_w=3, stride_h=1,
                stride_w=1)
    acc = _acc(8, 4, dataflow, ifmap_sram_bytes="2 KiB", filter_sram_bytes="1 KiB", ofmap_sram_bytes="1 KiB",
               dram_bandwidth_bytes_per_cycle=2, dram_bandwidth_scope="per_operand")
    r = simulate_operator(op, acc, mode="scalesim")
    s = scalesim_conv_layer(ifmap_h=12, ifmap_w=12, filter_h=3, filter_w=3, channels=4, num_filters=12, stride=1,
                            array_rows=8, array_cols=4, dataflow=dataflow, ifmap_sram_kb=2, filter_sram_kb=1,
                            ofmap_sram_kb=1, ifmap_dram_bw_words_per_cycle=2, filter_dram_bw_words_per_cycle=2,
                            ofmap_dram_bw_words_per_cycle=2)
    assert (r["scalesim_total_cycles"], r["stall_cycles"]) == (s.total_cycles, s.stall_cycles)
    assert r["latency_cycles"] == s.total_cycles + 1  # elapsed cycles; SCALE-Sim prints the last index
    assert (r["ifmap_sram_read_bytes"], r["filter_sram_read_bytes"], r["ofmap_sram_write_bytes"]) == (
        s.ifmap_sram_reads, s.filter_sram_reads, s.ofmap_sram_writes)
    assert r["dram_read_bytes"] == s.ifmap_dram_reads + s.filter_dram_reads


def test_both_modes_share_the_compute_model():
    w = get_workload("tiny")
    acc = get_accelerator("scalesim_default")
    default, compat = simulate(w, acc).to_dataframe(), simulate(w, acc, mode="scalesim").to_dataframe()
    mac = default["unit"] == "pe_array"
    assert (default.loc[mac, "ifmap_sram_read_bytes"] == compat.loc[mac, "ifmap_sram_read_bytes"]).all()
    assert (default.loc[mac, "filter_sram_read_bytes"] == compat.loc[mac, "filter_sram_read_bytes"]).all()
    assert (default.loc[mac, "compute_cycles"] == compat.loc[mac, "compute_cycles"]).all()


def test_table_columns_and_provenance():
    table = simulate(get_workload("tiny"), get_accelerator("systolic"))
    for column in ("latency_cycles", "compute_cycles", "stall_cycles", "utilization", "dram_read_bytes",
                   "dram_write_bytes", "sram_read_bytes", "sram_write_bytes", "energy_pj", "macs",
                   "hwcodesign_version", "engine", "accelerator", "workload", "mode"):
        assert column in table.columns
    assert set(table.column("engine")) == {"systolic"}


def test_bad_mode_and_non_whole_scalesim_sizes():
    w = get_workload("tiny")
    with pytest.raises(ConfigError, match="'mode'.*'default', 'scalesim'"):
        simulate(w, get_accelerator("systolic"), mode="exact")  # type: ignore[arg-type]
    odd = get_accelerator("systolic", ifmap_sram_bytes=1000)
    with pytest.raises(ConfigError, match="whole kB"):
        simulate(w, odd, mode="scalesim")
    slow = get_accelerator("systolic", dram_bandwidth_bytes_per_cycle=2.5)
    with pytest.raises(ConfigError, match="whole number of words per cycle"):
        simulate(w, slow, mode="scalesim")


def test_gemm_and_vector_ops():
    w = Workload("mlp")
    a = w.add(Gemm(name="fc", m=4, n=32, k=64))
    w.add(Gemm(name="fc2", m=4, n=8, k=32), inputs=(a,))
    table = simulate(w, get_accelerator("systolic", rows=8, cols=8))
    assert [r["macs"] for r in table] == [4 * 32 * 64, 4 * 8 * 32]
    tiny = simulate(get_workload("tiny"), get_accelerator("systolic"))
    vector = [r for r in tiny if r["unit"] == "vector"]
    assert vector and all(r["macs"] == 0 and r["latency_cycles"] > 0 for r in vector)
