"""NB201 as its reference PyTorch code runs it (``zero_edges="compute"``), counted by hand."""

from __future__ import annotations

from collections import Counter

import pytest

from hwcodesign.core.errors import ConfigError
from hwcodesign.simulator.gpu import predict_network
from hwcodesign.workloads.zoo.nb201 import nb201

ARCH = "|none~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|skip_connect~2|"


def _kinds(w) -> Counter:
    return Counter(op.op if op.kind == "elementwise" else op.kind for op in w.operators())


def test_reference_cell_kernels_by_hand():
    drop, ref = nb201(ARCH, zero_edges="drop"), nb201(ARCH, zero_edges="compute")
    # per cell, reference InferCell: 2 'none' edges -> 2 x.mul(0.); node j sums j edge outputs
    # with Python's sum: 0 + t1 (one kernel) then j - 1 pairwise adds -> 3 copies, 0+1+2 adds;
    # the 1x1 edge is ReLU-conv-BN, the pool edge one pool. 15 cells.
    extra = _kinds(ref) - _kinds(drop)
    assert extra["scale"] == 2 * 15 and extra["copy"] == 3 * 15
    cells = 15
    assert _kinds(ref)["add"] == 3 * cells + 2  # + the two reduction blocks' residual adds
    assert _kinds(ref)["conv2d"] == _kinds(drop)["conv2d"] == cells + 1 + 2 * 3  # edges, stem, 2 x (a, b, 1x1)
    assert (ref.macs, ref.params) == (drop.macs, drop.params)


def test_reference_network_costs_its_zero_edges():
    # an all-'none' cell still runs 6 multiplies and 6 sum kernels per cell in the reference code
    zero = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
    dropped = predict_network(nb201(zero, batch=256, precision="fp32"), "2080 Ti").latency_s
    computed = predict_network(nb201(zero, batch=256, precision="fp32", zero_edges="compute"), "2080 Ti").latency_s
    assert computed > dropped


def test_zero_edges_is_validated():
    with pytest.raises(ConfigError, match="'zero_edges' of nb201 must be one of 'drop', 'compute'. Got 'skip'"):
        nb201(ARCH, zero_edges="skip")
