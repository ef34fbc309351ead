"""Footprints of strided windows and padded tiles: hand-computed traffic of the cost model."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwcodesign.accelerators import Accelerator, BufferSpec, DRAMSpec, PEArraySpec
from hwcodesign.accelerators.spatial import SpatialDim, SpatialSpec
from hwcodesign.mapper import Mapping, batch_of, evaluate, problem_of
from hwcodesign.mapper.problem import axis_extent
from hwcodesign.workloads.operators import Conv2d

ORDER = ("N", "G", "K", "C", "P", "Q", "R", "S")  # outermost first


@settings(max_examples=200, deadline=None)
@given(p=st.integers(1, 9), r=st.integers(1, 9), stride=st.integers(1, 6), dilation=st.integers(1, 6))
def test_window_axis_counts_the_distinct_rows_of_the_union_of_windows(p, r, stride, dilation):
    rows = {i * stride + j * dilation for i, j in itertools.product(range(p), range(r))}
    assert axis_extent(((0, stride), (1, dilation)), np.array([p, r])) == len(rows)
    assert axis_extent(((0, dilation), (1, stride)), np.array([r, p])) == len(rows)  # symmetric


def _acc(size_bytes: str | int = "64 KiB", loops: tuple[str, ...] = ("Q",)) -> Accelerator:
    """One shared buffer over 4 PEs that may unroll ``loops``, DRAM behind it."""
    return Accelerator(name="cols4", pe_array=PEArraySpec(rows=1, cols=4),
                       buffers=(BufferSpec(name="glb", size_bytes=size_bytes, operands=("ifmap", "filter", "ofmap")),),
                       dram=DRAMSpec(bandwidth_bytes_per_cycle=64, latency_cycles=0),
                       spatial=SpatialSpec(dims=(SpatialDim(name="cols", size=4, loops=loops, above="glb"),)))


def _record(op: Conv2d, acc: Accelerator, glb: dict[str, int], dram: dict[str, int] | None = None,
            spatial: dict[str, int] | None = None) -> dict:
    problem = problem_of(op, "int8")
    row = lambda f: tuple((f or {}).get(d, 1) for d in ORDER)  # noqa: E731
    m = Mapping(dims=ORDER, bounds=problem.bounds, levels=("glb", "dram"), temporal=(row(glb), row(dram)),
                orders=(ORDER, ORDER), spatial_dims=("cols",), spatial=(row(spatial),), spatial_above=("glb",))
    return evaluate(problem, acc, batch_of(problem, acc, [m])).record(0)


@pytest.mark.parametrize("dram", [{}, {"P": 2}, {"P": 2, "Q": 2}])
def test_strided_pointwise_conv_reads_only_the_rows_and_columns_it_uses(dram):
    # 1x1 conv at stride 2 on 8x8: 4x4 outputs read input rows/cols 0, 2, 4, 6 only: 2 channels x 4 x 4 bytes
    # (the bounding box would be 2 x 7 x 7 = 98); split at DRAM the tiles are disjoint, still read once
    op = Conv2d(in_channels=2, out_channels=2, in_h=8, in_w=8, kernel_h=1, kernel_w=1, stride_h=2, stride_w=2)
    glb = {"K": 2, "C": 2, "P": 4 // dram.get("P", 1), "Q": 4 // dram.get("Q", 1)}
    rec = _record(op, _acc(), glb, dram)
    assert rec["ifmap_dram_read_bytes"] == 2 * 4 * 4
    assert rec["filter_dram_read_bytes"] == 2 * 2  # P and Q do not index it: stationary across the tiles
    assert rec["ofmap_dram_write_bytes"] == 2 * 4 * 4


def test_strided_window_with_filter_loop_outside_the_tile_refetches_no_overlap():
    # 3x3 conv at stride 2 on 9x9 (4x4 outputs), R and S iterated at DRAM: each (r, s) tile reads rows
    # r, r+2, r+4, r+6 (4 rows) and the next r shares none of them with it: 9 tiles x 4 x 4 x 1 channel
    op = Conv2d(in_channels=1, out_channels=1, in_h=9, in_w=9, kernel_h=3, kernel_w=3, stride_h=2, stride_w=2)
    rec = _record(op, _acc(), {"P": 4, "Q": 4}, {"R": 3, "S": 3})
    assert rec["ifmap_dram_read_bytes"] == 9 * 4 * 4
    # the whole window in one tile: the 9 x 9 input once
    assert _record(op, _acc(), {"P": 4, "Q": 4, "R": 3, "S": 3})["ifmap_dram_read_bytes"] == 9 * 9


def test_padded_mapping_moves_only_the_real_tensors_but_computes_and_holds_the_padding():
    # 7 output columns on 4 PEs as 2 steps (the 8th column is padding): DRAM and buffer traffic are the
    # unpadded tensors, compute runs the padded iterations, capacity holds the padded tiles
    op = Conv2d(in_channels=4, out_channels=4, in_h=7, in_w=7, kernel_h=1, kernel_w=1)
    glb = {"K": 4, "C": 4, "P": 7, "Q": 2}
    rec = _record(op, _acc(), glb, spatial={"Q": 4})
    assert rec["ifmap_dram_read_bytes"] == 4 * 7 * 7
    assert rec["filter_dram_read_bytes"] == 4 * 4
    assert rec["ofmap_dram_write_bytes"] == 4 * 7 * 7
    assert rec["ifmap_glb_write_bytes"] == 4 * 7 * 7
    # each input word goes to its PE once per output channel (K innermost, no PE register reuse across C)
    unpadded = _record(op, _acc(), {"K": 4, "C": 4, "P": 7, "Q": 7})
    assert rec["ifmap_glb_read_bytes"] == unpadded["ifmap_glb_read_bytes"]
    assert rec["ofmap_glb_write_bytes"] == unpadded["ofmap_glb_write_bytes"]
    assert rec["compute_cycles"] == 4 * 4 * 7 * 2  # the padded temporal iterations
    # padded tiles: ifmap 4 x 7 x 8 + filter 16 + ofmap 4 x 7 x 8 = 464 bytes do not fit in 460
    small = _record(op, _acc(size_bytes=460), glb, spatial={"Q": 4})
    assert not small["feasible"] and small["demand"] == 464
    assert _record(op, _acc(size_bytes=460), {"K": 4, "C": 4, "P": 7, "Q": 7})["feasible"]  # 408 real bytes
