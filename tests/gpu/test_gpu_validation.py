"""GPU model vs measured runs: data loading, the NB201 decomposition, leave-one-device-out thresholds.

The full tables (every device) come from ``hwcodesign validate gpu`` (about 70 s); these
tests hold out one device each, on the same code path, to stay fast. Where a target of
issue #6 is missed the test is a strict xfail carrying the measured number.
"""

from __future__ import annotations

import numpy as np
import pytest

from hwcodesign.simulator.gpu import predict_network
from hwcodesign.validation.gpu import (
    ape_table,
    load_deepbench,
    lodo_deepbench,
    lodo_nb201,
    nb201_measured,
    nb201_predict,
    spearman,
)
from hwcodesign.workloads import get_workload


def test_shipped_data_loads():
    gemm, conv = load_deepbench("gemm"), load_deepbench("conv")
    assert len(gemm) == 1665 and len(conv) == 1167
    assert set(gemm["precision"]) == {"fp32", "fp16", "int8"}
    nb = nb201_measured()
    assert len(nb) == 15625 * 12 and set(nb["batch"]) == {1, 32, 256}


def test_nb201_decomposition_equals_predict_network():
    archs = nb201_measured()["arch_str"].unique()[[0, 1, 2, 3, 77, 4000]]
    fast = nb201_predict(archs, "2080 Ti", 32)
    slow = [predict_network(get_workload("nb201", arch_str=a, batch=32, precision="fp32"), "2080 Ti").latency_ms
            for a in archs]
    np.testing.assert_allclose(fast, slow, rtol=1e-9)


@pytest.fixture(scope="module")
def v100_lodo():
    return ape_table(lodo_deepbench(held_out=("V100",)), ("gpu", "precision")).set_index("precision")


@pytest.mark.xfail(strict=True, reason="issue #6 target median APE <= 15% missed: held-out V100 measures "
                   "20% (fp32) and 43% (fp16); V100 is the only tensor-core GPU, so tensor_efficiency stays "
                   "at its a-priori 0.7 when it is held out, and its fp32 convs run faster than the model's")
@pytest.mark.parametrize("precision", ["fp32", "fp16"])
def test_deepbench_lodo_v100_median_ape(v100_lodo, precision):
    assert v100_lodo.loc[precision, "median_ape_pct"] <= 15


def test_deepbench_lodo_v100_what_we_reach(v100_lodo):
    assert v100_lodo.loc["fp32", "median_ape_pct"] <= 35
    assert v100_lodo.loc["fp16", "median_ape_pct"] <= 50


@pytest.fixture(scope="module")
def nb201_2080ti():
    rows = lodo_nb201(held_out=("2080 Ti",), fit_sample=100, eval_sample=1500)
    return {b: f for b, f in rows.groupby("batch")}


@pytest.mark.xfail(strict=True, reason="issue #6 target Spearman >= 0.9 missed at batch 256 on the held-out "
                   "2080 Ti: 0.83 (median APE 12% passes); was 0.955 before the kernel-model changes")
def test_nb201_lodo_2080ti_batch256(nb201_2080ti):
    f = nb201_2080ti[256]
    assert spearman(f.predicted_ms, f.measured_ms) >= 0.9
    assert f.ape.median() <= 0.15


def test_nb201_lodo_2080ti_batch256_what_we_reach(nb201_2080ti):
    f = nb201_2080ti[256]
    assert spearman(f.predicted_ms, f.measured_ms) >= 0.75
    assert f.ape.median() <= 0.15


def test_nb201_lodo_2080ti_batch32(nb201_2080ti):
    f = nb201_2080ti[32]
    assert spearman(f.predicted_ms, f.measured_ms) >= 0.9
    assert f.ape.median() <= 0.15
