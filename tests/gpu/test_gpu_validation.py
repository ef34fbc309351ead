"""GPU model vs measured runs: data loading, the NB201 decomposition, leave-one-device-out thresholds.

The full tables (every device) come from ``hwcodesign validate gpu`` (about 20 s of CPU); these
tests hold out one device each, on the same code path, to stay fast. Where a target of
issue #6 is missed the test is a strict xfail carrying the measured number. The bounds
are the issue's targets (15% median APE, Spearman 0.9), not numbers of our own runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hwcodesign.core.errors import ConfigError
from hwcodesign.simulator.gpu import GPUModelParams, predict_network
from hwcodesign.validation.gpu import (
    algorithm_table,
    ape_table,
    load_deepbench,
    lodo_deepbench,
    lodo_nb201,
    nb201_measured,
    nb201_predict,
    predict_measured,
    published_measured,
    spearman,
    tensor_efficiency_prior,
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
    slow = [predict_network(get_workload("nb201", arch_str=a, batch=32, precision="fp32", zero_edges="compute"),
                            "2080 Ti").latency_ms for a in archs]
    np.testing.assert_allclose(fast, slow, rtol=1e-9)


def test_user_nb201_rows_are_the_reference_network():
    # a user's measured NB201 arch string is costed like HELP's: the reference PyTorch network
    import pandas as pd

    arch = nb201_measured()["arch_str"].iloc[77]
    frame = pd.DataFrame({"device": ["1080 Ti"], "workload": [arch], "batch": [256], "precision": ["fp32"]})
    np.testing.assert_allclose(predict_measured(frame), nb201_predict([arch], "1080 Ti", 256), rtol=1e-9)


def test_user_rows_mixed_are_each_their_own_network():
    # rows are grouped for speed; each must still get its own network, device, batch and precision
    import pandas as pd

    archs = list(nb201_measured()["arch_str"].iloc[[5, 77, 5]])
    frame = pd.DataFrame({"device": ["1080 Ti", "T4", "V100", "T4", "1080 Ti"],
                          "workload": [archs[0], "tiny", archs[1], archs[2], "tiny"],
                          "batch": [256, 8, 32, 256, 8], "precision": ["fp32", "fp16", "fp16", "fp32", "fp32"]})

    def one(row):
        w = (get_workload("nb201", arch_str=row.workload, batch=row.batch, precision=row.precision,
                          zero_edges="compute") if row.workload.startswith("|")
             else get_workload(row.workload, batch=row.batch, precision=row.precision))
        return predict_network(w, row.device).latency_ms

    np.testing.assert_allclose(predict_measured(frame), [one(r) for r in frame.itertuples()], rtol=1e-9)


def test_published_networks_out_of_sample():
    # NVIDIA's published PyTorch inference latencies (ResNet-50 on V100/T4, EfficientNet-B0 on
    # A100/V100), predicted with the shipped parameters, which were fitted on none of them: where
    # the GPU sets the pace (batch >= 32) each GPU's median error is within the 15% bar
    rows = published_measured()
    assert len(rows) == 72 and set(rows["precision"]) == {"fp32", "tf32", "fp16"}
    # latency_ms is the batch over the published mean throughput
    np.testing.assert_allclose(rows["latency_ms"], 1e3 * rows["batch"] / rows["throughput_img_s"], rtol=1e-3)
    rows = rows.assign(predicted_ms=predict_measured(rows))
    big = rows[rows["batch"] >= 32]
    ape = ((big.predicted_ms - big.measured_ms).abs() / big.measured_ms).groupby(big["gpu"]).median()
    assert set(ape.index) == {"A100 SXM4 80GB", "Tesla T4", "Tesla V100 SXM2"}
    assert (ape <= 0.15).all(), ape


def test_measure_form_rows_per_layer_and_network(tmp_path):
    # measure gpu writes one whole-network row (empty layer) and one row per operator timed alone;
    # each is compared with its own prediction
    import pandas as pd

    from hwcodesign.validation.gpu import validate_gpu

    pred = predict_network(get_workload("tiny", batch=4, precision="fp16"), "T4")
    per_layer = {r["layer"]: r["latency_ms"] for r in pred.table}
    layers = list(per_layer)[:3]
    path = tmp_path / "m.csv"
    pd.DataFrame({"device": "Tesla T4", "workload": "tiny", "batch": 4, "precision": "fp16",
                  "layer": ["", *layers], "kind": ["network"] * 4, "latency_ms": 1.0}).to_csv(path, index=False)
    result = validate_gpu(path)
    np.testing.assert_allclose(result.rows["predicted_ms"], [pred.latency_ms, *(per_layer[n] for n in layers)])
    assert list(result.tables["measured"]["level"]) == ["layer", "network"]
    path.write_text("device,workload,batch,precision,layer,latency_ms\nT4,tiny,4,fp16,no_such_op,1.0\n")
    with pytest.raises(ConfigError, match="'no_such_op' are not operators of workload 'tiny'"):
        validate_gpu(path)


def test_own_host_framework_fit_recovers_dispatch_costs():
    # a host twice as slow to dispatch PyTorch's own kernels and 1.5x for library calls: rows made
    # with those costs, refitted from the shipped values, give them back (the fitter's round trip).
    # measure gpu's per-layer rows tell the two costs apart (whole networks mix them alike).
    import pandas as pd

    from hwcodesign.core.spec import with_params
    from hwcodesign.simulator.gpu import DEFAULT_PARAMS
    from hwcodesign.validation.gpu import fit_measured_network_params

    slow = with_params(DEFAULT_PARAMS, dispatch_s=2 * DEFAULT_PARAMS.dispatch_s,
                       library_dispatch_s=1.5 * DEFAULT_PARAMS.library_dispatch_s)
    tiny = get_workload("tiny", precision="fp16")
    rows = pd.DataFrame([{"device": "T4", "workload": "tiny", "batch": 1, "precision": "fp16", "layer": layer}
                         for layer in ("", *tiny.names())])
    rows["latency_ms"] = predict_measured(rows, slow)
    fit = fit_measured_network_params(rows, names=("dispatch_s", "library_dispatch_s"))
    assert fit.dispatch_s == pytest.approx(slow.dispatch_s, rel=0.05)
    assert fit.library_dispatch_s == pytest.approx(slow.library_dispatch_s, rel=0.05)


def test_plot_validation_one_panel_per_dataset(tmp_path):
    import matplotlib.image as mpimg
    import pandas as pd

    from hwcodesign.validation.gpu import plot_validation

    rows = pd.DataFrame({"dataset": ["deepbench", "deepbench", "nb201", "published"], "gpu": ["a", "b", "a", "c"],
                         "measured_ms": [0.1, 1.0, 5.0, 20.0], "predicted_ms": [0.12, 0.9, 5.5, 18.0]})
    rows["ape"] = (rows.predicted_ms - rows.measured_ms).abs() / rows.measured_ms
    three = mpimg.imread(plot_validation(rows, tmp_path / "three.png"))
    one = mpimg.imread(plot_validation(rows.drop(columns="dataset"), tmp_path / "one.png"))
    assert three.shape[0] == one.shape[0] and three.shape[1] == pytest.approx(3 * one.shape[1], rel=0.02)
    with pytest.raises(ConfigError, match="Cannot write"):
        plot_validation(rows, tmp_path / "missing" / "x.png")


def test_library_eras_of_deepbench_rows(tmp_path):
    # DeepBench's specs: CUDA 10.1 on V100, 7.5 on M40 / Titan X (Maxwell), 8.0 on the Pascal GPUs
    eras = load_deepbench("gemm").groupby("device")["library"].unique()
    assert list(eras["NV_V100"]) == ["current"] and list(eras["NV_M40"]) == ["legacy"]
    assert list(eras["NV_P100"]) == ["legacy"]
    user = tmp_path / "g.csv"
    user.write_text("device,precision,M,N,K,time_ms\nV100,fp32,64,64,64,0.01\n")
    assert list(load_deepbench("gemm", user)["library"]) == ["current"]
    user.write_text("device,precision,M,N,K,time_ms,library\nV100,fp32,64,64,64,0.01,cuda7\n")
    with pytest.raises(ConfigError, match="'library' column .* legacy, current"):
        load_deepbench("gemm", user)


def test_tensor_efficiency_prior_is_the_field_default():
    # the a-priori tensor_efficiency comes from measured A100/H100 matmul throughput (not DeepBench)
    assert GPUModelParams().tensor_efficiency == round(tensor_efficiency_prior(), 2)


@pytest.fixture(scope="module")
def v100_lodo():
    rows = lodo_deepbench(held_out=("V100",))
    return rows, ape_table(rows, ("gpu", "precision")).set_index("precision")


@pytest.mark.parametrize("precision", ["fp32", "fp16"])
def test_deepbench_lodo_v100_median_ape(v100_lodo, precision):
    # V100 is the only DeepBench GPU measured with current libraries (CUDA 10.1): held out, it is
    # predicted with the a-priori parameters, fitted on nothing of DeepBench
    rows, table = v100_lodo
    assert set(rows["fitted_on"]) == {"a-priori"}
    assert table.loc[precision, "median_ape_pct"] <= 15


@pytest.fixture(scope="module")
def nb201_lodo():
    # one call for both held-out GPUs (their kernel parameters come from the same V100 fit);
    # the sampling is seeded per held-out GPU, so these are the figures of `validate gpu`
    rows = lodo_nb201(held_out=("2080 Ti", "1080 Ti"))
    return {key: f for key, f in rows.groupby(["gpu", "batch"])}


@pytest.fixture(scope="module")
def nb201_2080ti(nb201_lodo):
    return {b: f for (gpu, b), f in nb201_lodo.items() if gpu == "GeForce RTX 2080 Ti"}


@pytest.mark.parametrize("batch", [32, 256])
def test_nb201_lodo_2080ti(nb201_2080ti, batch):
    # the only Turing GPU held out: its kernel parameters come from V100's DeepBench rows, its
    # framework parameters from the Pascal GPUs' networks; from Volta on, 3x3 convs run cuDNN's
    # non-fused Winograd (the libraries' own record, `FUSED_WINOGRAD_ARCHITECTURES`)
    f = nb201_2080ti[batch]
    assert spearman(f.predicted_ms, f.measured_ms) >= 0.9
    assert f.ape.median() <= 0.15


def test_nb201_lodo_1080ti_batch256(nb201_lodo):
    # a Pascal GPU held out: overlap_pool_efficiency is fitted on the two other Pascal GPUs
    f = nb201_lodo[("GeForce GTX 1080 Ti", 256)]
    assert spearman(f.predicted_ms, f.measured_ms) >= 0.9
    assert f.ape.median() <= 0.15


def test_lodo_fits_only_on_devices_of_the_same_library_era():
    gemm = load_deepbench("gemm")
    frame = gemm[gemm["device"].isin(["NV_M40", "NV_P100", "NV_V100"])]
    rows = lodo_deepbench(frame, held_out=("M40",))
    assert set(rows["fitted_on"]) == {"Tesla P100 PCIe"}  # not the V100 (CUDA 10.1)


def test_deepbench_library_versions_and_conv_arithmetic():
    conv = load_deepbench("conv")
    versions = conv.groupby(["device", "suite"])["cudnn"].first()
    # DeepBench's specs: cuDNN 5 on M40 / Titan X (Maxwell) / Titan X Pascal (training), 6 on the later
    # Pascal runs and every int8 inference run, 7.6 on V100
    assert versions[("NV_TitanX_Pascal", "train")] == 5 and versions[("NV_TitanX_Pascal", "inference")] == 6
    assert versions[("NV_P100", "train")] == 6 and versions[("NV_V100", "train")] == 7
    # conv_bench gives cuDNN >= 6 the storage type as compute type: P100's 16-bit convs ran fp16 math,
    # its 16-bit GEMMs keep the spreadsheet's fp32-math label
    p100 = conv[(conv["device"] == "NV_P100") & (conv["precision"] == "fp16")]
    assert set(p100["math"]) == {"fp16"}
    gemm = load_deepbench("gemm")
    assert set(gemm[(gemm["device"] == "NV_P100") & (gemm["precision"] == "fp16")]["math"]) == {"fp32"}


def test_lodo_refines_on_the_same_library_release_and_architecture():
    gemm = load_deepbench("gemm")
    frame = gemm[gemm["device"].isin(["NV_M40", "NV_TitanX", "NV_TitanX_Pascal"]) & (gemm["suite"] == "train")]
    rows = lodo_deepbench(frame, held_out=("M40", "Titan X Pascal"))
    on = rows.groupby("gpu")["fitted_on"].first()
    # M40: the era's fit on both others, refined on the other cuDNN 5 Maxwell board
    assert on["Tesla M40"] == ("GeForce GTX Titan X (Maxwell) (cuDNN 5, maxwell), after "
                               "GeForce GTX Titan X (Maxwell), Titan X (Pascal)")
    # Titan X Pascal: no other Pascal board ran cuDNN 5, so the era's fit alone
    assert on["Titan X (Pascal)"] == "GeForce GTX Titan X (Maxwell), Tesla M40"


def test_deepbench_lodo_m40_median_ape():
    # a CUDA 7.5 / cuDNN 5 Maxwell board: era fit on the other CUDA < 9 GPUs, refined on the other
    # cuDNN 5 Maxwell board (Titan X); never its own rows
    rows = lodo_deepbench(held_out=("M40",))
    assert set(rows["fitted_on"]) == {"GeForce GTX Titan X (Maxwell) (cuDNN 5, maxwell), after GeForce GTX 1080 Ti, "
                                      "GeForce GTX Titan X (Maxwell), Tesla P100 PCIe, Titan X (Pascal), Titan Xp"}
    assert rows["ape"].median() <= 0.15


def test_deepbench_lodo_p100_fp16_median_ape():
    # P100's 16-bit convs ran fp16 arithmetic (cuDNN TRUE_HALF_CONFIG, from DeepBench's source), for which
    # cuDNN 6 has only the non-fused Winograd; held out, P100 is fitted on the other CUDA < 9 GPUs, then
    # on the other cuDNN 6 Pascal runs, none of which has a 16-bit row
    rows = lodo_deepbench(held_out=("P100",))
    fp16 = rows[rows["precision"] == "fp16"]
    assert not fp16["fitted_on"].str.contains("P100").any()
    assert fp16["ape"].median() <= 0.15


def test_deepbench_lodo_titan_x_pascal_fp32_median_ape():
    # the only cuDNN 5 / early CUDA 8 Pascal run: no other device of its library release and
    # architecture to refine on, so the legacy era's fit alone
    rows = lodo_deepbench(held_out=("Titan X Pascal",))
    assert ape_table(rows[rows["precision"] == "fp32"]).iloc[0]["median_ape_pct"] <= 15


@pytest.mark.xfail(strict=True, reason="issue #6 DeepBench target missed on the 1080 Ti, fp32 16.4%: the board ran "
                   "~7% faster than the Titan Xp on every shape although its datasheet is slower (28 SMs to 30, the "
                   "same rated boost clock, 12% less bandwidth), a clock no datasheet gives")
def test_deepbench_lodo_1080_ti_fp32_median_ape():
    rows = lodo_deepbench(held_out=("1080 Ti",))
    assert ape_table(rows[rows["precision"] == "fp32"]).iloc[0]["median_ape_pct"] <= 15


def test_conv_algorithms_against_cudnns_record(v100_lodo):
    # DeepBench records the algorithm cuDNN measured fastest for each conv. Held out, the V100
    # (cuDNN 7.6) is costed with the non-fused Winograd where cuDNN ran it, never the fused kernel
    # (Maxwell and Pascal only); the M40 (cuDNN 5) with the fused one where cuDNN ran that
    rows, _ = v100_lodo
    fp32 = rows[(rows["precision"] == "fp32") & (rows["kind"] == "conv")]
    ran = fp32[fp32["fwd_algorithm"] == "WINOGRAD_NONFUSED"]["predicted_algorithm"]
    assert (ran == "winograd_nonfused").mean() > 0.5
    assert "winograd" not in set(rows["predicted_algorithm"])
    m40 = lodo_deepbench(held_out=("M40",))
    ran = m40[m40["fwd_algorithm"] == "WINOGRAD"]["predicted_algorithm"]
    assert (ran == "winograd").mean() > 0.5 and "winograd_nonfused" not in set(m40["predicted_algorithm"])
    table = algorithm_table(pd.concat([rows, m40])).set_index(["gpu", "precision"])
    assert table.loc[("Tesla V100 SXM2", "fp32"), "rows"] == 94
    assert table.loc[("Tesla M40", "fp32"), "winograd"].endswith("/22")
