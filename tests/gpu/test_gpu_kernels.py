"""GPU kernel models against hand calculations."""

from __future__ import annotations

import numpy as np
import pytest

from hwcodesign.accelerators.gpus import GPUSpec
from hwcodesign.simulator.gpu import kernels, predict_conv, predict_gemm, predict_network
from hwcodesign.simulator.gpu.params import DEFAULT_PARAMS, GPUModelParams
from hwcodesign.workloads import get_workload

TOY = GPUSpec(name="toy", sm_count=4, boost_clock_hz=1e9, fp32_flops=4e12, fp16_flops=4e12,
              fp16_tensor_flops=32e12, memory_bandwidth_bytes_per_s=1e15, memory_size_bytes=2**34,
              l2_size_bytes=2**20)
IDEAL = GPUModelParams(simt_efficiency=1.0, tensor_efficiency=1.0, memory_efficiency=1.0, tile_overhead=0.0,
                       wave_latency_s=0.0, kernel_fixed_s=0.0)


@pytest.fixture
def one_tile(monkeypatch):
    monkeypatch.setattr(kernels, "GEMM_TILES", ((128, 128, 1),))
    monkeypatch.setattr(kernels, "SPLIT_K", (1,))


def test_wave_quantization_by_hand(one_tile):
    # one 128x128x1024 CTA per SM: 2*128*128*1024 / (4e12 / 4 SMs) = 33.554432 us
    cta = 2 * 128 * 128 * 1024 / 1e12
    t = predict_gemm(TOY, [128 * 4, 128 * 4 + 1, 128 * 5, 128 * 8, 128 * 9], 128, 1024, "fp32", params=IDEAL)
    np.testing.assert_allclose(t, [cta, 2 * cta, 2 * cta, 2 * cta, 3 * cta], rtol=1e-9)


def test_tile_quantization_by_hand(one_tile):
    # n=129 needs two column tiles: 8 CTAs on 4 SMs -> 2 waves
    cta = 2 * 128 * 128 * 256 / 1e12
    t = predict_gemm(TOY, 512, [128, 129], 256, "fp32", params=IDEAL)
    np.testing.assert_allclose(t, [cta, 2 * cta], rtol=1e-9)


def test_tensor_core_alignment_by_hand(one_tile):
    # fp16 on tensor cores (8x the CUDA-core rate); a dimension that is not a multiple of 8
    # is padded up to one (cuBLAS >= 10.1), so n=127 costs 128/127 of n=128 at the tensor rate
    tc_cta = 2 * 128 * 128 * 1024 / 1e12 / 8
    t = predict_gemm(TOY, 512, [128, 127], [1024, 1024], "fp16", params=IDEAL)
    np.testing.assert_allclose(t, [tc_cta, tc_cta * 128 / 127], rtol=1e-9)
    t = predict_gemm(TOY, 512, 128, 1020, "fp16", params=IDEAL)  # k padded to 1024
    np.testing.assert_allclose(t, [tc_cta], rtol=1e-9)
    # n = k = 1: 64x padded work at 8x the rate loses to the CUDA cores
    np.testing.assert_allclose(predict_gemm(TOY, 512, 1, 1, "fp16", params=IDEAL),
                               predict_gemm(TOY, 512, 1, 1, "fp32", params=IDEAL), rtol=1e-9)


def test_tf32_by_hand(one_tile):
    # tf32: fp32 tensors (4 bytes), convs and GEMMs on TF32 tensor cores, dimensions padded to
    # multiples of 4 (16 bytes); a GPU without TF32 tensor cores runs them on CUDA cores
    ampere = GPUSpec.from_dict({**TOY.to_dict(), "tf32_tensor_flops": 16e12})
    tc_cta = 2 * 128 * 128 * 1024 / 1e12 / 4  # a quarter of the CUDA-core CTA time (16e12 vs 4e12)
    t = predict_gemm(ampere, 512, [128, 127, 126], [1024, 1024, 1022], "tf32", params=IDEAL)
    np.testing.assert_allclose(t, [tc_cta, tc_cta * 128 / 127, tc_cta * 128 / 126], rtol=1e-9)  # k=1022 runs as 1024
    np.testing.assert_allclose(predict_gemm(ampere, 512, 128, 1024, "fp32", math="tf32", params=IDEAL), [tc_cta],
                               rtol=1e-9)
    np.testing.assert_allclose(predict_gemm(TOY, 512, 128, 1024, "tf32", params=IDEAL),
                               predict_gemm(TOY, 512, 128, 1024, "fp32", params=IDEAL), rtol=1e-12)
    # memory-bound work moves 4-byte elements either way
    np.testing.assert_allclose(predict_gemm(ampere, 4096, 1, 4096, "tf32", params=IDEAL),
                               predict_gemm(ampere, 4096, 1, 4096, "fp32", params=IDEAL), rtol=1e-12)


def test_tf32_networks():
    w = get_workload("resnet50", batch=64, precision="fp32")
    v100 = [predict_network(w, "V100", precision=p).latency_ms for p in ("fp32", "tf32")]
    assert v100[0] == v100[1]  # no TF32 tensor cores on Volta
    a100 = [predict_network(w, "A100", precision=p).latency_ms for p in ("fp32", "tf32", "fp16")]
    assert a100[0] > a100[1] > a100[2]
    pred = predict_network(w, "A100", precision="tf32")
    assert pred.precision == "tf32" and pred.table.to_dataframe().query("kind == 'conv2d'").tensor_cores.all()


def test_memory_bound_gemv():
    slow = GPUSpec.from_dict({**TOY.to_dict(), "memory_bandwidth_bytes_per_s": 1e9})
    t = predict_gemm(slow, 4096, 1, 4096, "fp32", params=IDEAL)
    assert t[0] == pytest.approx((4096 * 4096 + 4096 + 4096) * 4 / 1e9, rel=1e-2)


def test_fixed_costs_add():
    p = GPUModelParams(**{**IDEAL.to_dict(), "kernel_fixed_s": 5e-6})
    assert predict_gemm(TOY, 8, 8, 8, "fp32", params=p)[0] >= 5e-6


def test_network_prediction_and_fusion():
    w = get_workload("resnet50", batch=8, precision="fp16")
    eager = predict_network(w, "A100")
    fused = predict_network(w, "A100", fusion="inference")
    assert fused.latency_ms < eager.latency_ms
    assert {"latency_ms", "flops", "bytes", "bound"} <= set(eager.table.columns)
    assert eager.latency_s == pytest.approx(DEFAULT_PARAMS.network_fixed_s + eager.table.total("latency_s"))
    assert "fused" in set(fused.table.column("bound"))


def test_batch1_is_framework_bound():
    pred = predict_network(get_workload("resnet50", batch=1, precision="fp32"), "H100")
    bounds = pred.table.column("bound")
    assert bounds.count("framework") > len(bounds) / 2


def test_overlapping_pool_on_gpus_without_l1_load_caching_by_hand():
    # avg pool 3x3/1 on 8 x 16 x 32 x 32 fp32: reads and writes 8*16*32*32*4 B each; with
    # overlap_pool_efficiency 0.25 a Pascal board takes 4x the memory-bound time, a Turing one not
    from hwcodesign.workloads.zoo._builder import Net

    net = Net("pool", batch=8, precision="fp32")
    net.pool(net.input(16, 32, 32), "avg", 3, 1, 1)
    w = net.done("pool")
    p = GPUModelParams(**{**IDEAL.to_dict(), "overlap_pool_efficiency": 0.25, "l2_speedup": 1.0})
    nbytes = 2 * 8 * 16 * 32 * 32 * 4
    for arch, factor in (("pascal", 4.0), ("turing", 1.0)):
        gpu = GPUSpec.from_dict({**TOY.to_dict(), "memory_bandwidth_bytes_per_s": 1e11, "architecture": arch})
        pool = [r for r in predict_network(w, gpu, params=p).table if r["kind"] == "pool"]
        assert pool[0]["gpu_s"] == pytest.approx(factor * nbytes / 1e11, rel=1e-9)


def test_half2_efficiency_by_hand(one_tile):
    # packed fp16 on CUDA cores (fp16 peak above fp32, no tensor cores): half2_efficiency scales it
    pascal_like = GPUSpec(name="toy-p100", sm_count=4, boost_clock_hz=1e9, fp32_flops=4e12, fp16_flops=8e12,
                          memory_bandwidth_bytes_per_s=1e15, memory_size_bytes=2**34, l2_size_bytes=2**20)
    cta16 = 2 * 128 * 128 * 1024 / 2e12  # one CTA per SM at 8e12 / 4 SMs
    half = GPUModelParams(**{**IDEAL.to_dict(), "half2_efficiency": 0.5})
    t = predict_gemm(pascal_like, 512, 128, 1024, "fp16", params=IDEAL)[0]
    np.testing.assert_allclose([t, predict_gemm(pascal_like, 512, 128, 1024, "fp16", params=half)[0]],
                               [cta16, 2 * cta16], rtol=1e-9)
    # fp32 arithmetic, or 16-bit storage with fp32 math, is not packed: unaffected
    cta32 = 2 * 128 * 128 * 1024 / 1e12
    for precision, math in (("fp32", None), ("fp16", "fp32")):
        t = predict_gemm(pascal_like, 512, 128, 1024, precision, math=math, params=half)[0]
        np.testing.assert_allclose(t, cta32, rtol=1e-9)


def test_winograd_nonfused_with_16_bit_arithmetic_by_hand(one_tile):
    # 1 x 128 x 16 x 16 -> 128, 3x3 pad 1: implicit GEMM m=256, n=128, k=1152; two 128x128 CTAs, one wave.
    # Winograd F(4x4, 3x3) on the packed-fp16 rate (8e12 / 4 SMs): 128*128*1152*2/4 / 2e12 s, above the
    # 425,984 B of operands at 1e11 B/s. With fp16 arithmetic (TRUE_HALF) only the non-fused Winograd
    # exists: its batched GEMM runs at the GEMM rate whatever winograd_efficiency (here 0.5) is, and its
    # transforms write and read 36/16 of the input (65,536 B) and of the output (65,536 B).
    pascal_like = GPUSpec(name="toy-p100", architecture="pascal", sm_count=4, boost_clock_hz=1e9, fp32_flops=4e12,
                          fp16_flops=8e12, memory_bandwidth_bytes_per_s=1e11, memory_size_bytes=2**34,
                          l2_size_bytes=2**20)
    p = GPUModelParams(**{**IDEAL.to_dict(), "winograd_efficiency": 0.5})
    conv = dict(batch=1, in_c=128, in_h=16, in_w=16, out_c=128, kernel_h=3, kernel_w=3, pad_h=1, pad_w=1, params=p)
    gemm16 = 128 * 128 * 1152 * 2 / 4 / 2e12
    transforms = 2 * 36 / 16 * (65536 + 65536) / 1e11
    t16 = predict_conv(pascal_like, precision="fp16", **conv)[0]
    assert t16 == pytest.approx(gemm16 + transforms, rel=1e-9)
    # fp16 storage with fp32 arithmetic (PSEUDO_HALF) has the fused Winograd: no transform traffic, and
    # its multiplies at winograd_efficiency
    t32 = predict_conv(pascal_like, precision="fp16", math="fp32", **conv)[0]
    assert t32 == pytest.approx(128 * 128 * 1152 * 2 / 4 / 1e12 / 0.5, rel=1e-9)


def test_winograd_nonfused_from_volta_on_by_hand(one_tile):
    # The same 3x3 conv in fp32: F(4x4, 3x3) at the fp32 rate is 128*128*1152*2/4 / 1e12 s (above the
    # 851,968 B of operands at 1e11 B/s), and beats implicit GEMM (four times the multiplies). Maxwell and
    # Pascal run cuDNN's fused Winograd, at winograd_efficiency (here 0.5) of the GEMM rate; from Volta on
    # (and on an unnamed architecture) the non-fused one: a batched GEMM at the GEMM rate, and transforms
    # that write and read 36/16 of the input (131,072 B) and of the output (131,072 B).
    p = GPUModelParams(**{**IDEAL.to_dict(), "winograd_efficiency": 0.5})
    conv = dict(batch=1, in_c=128, in_h=16, in_w=16, out_c=128, kernel_h=3, kernel_w=3, pad_h=1, pad_w=1,
                precision="fp32", params=p)
    gemm = 128 * 128 * 1152 * 2 / 4 / 1e12
    transforms = 2 * 36 / 16 * (131072 + 131072) / 1e11
    toy = dict(sm_count=4, boost_clock_hz=1e9, fp32_flops=4e12, memory_bandwidth_bytes_per_s=1e11,
               memory_size_bytes=2**34, l2_size_bytes=2**20)
    for architecture, expected in (("maxwell", gemm / 0.5), ("pascal", gemm / 0.5), ("volta", gemm + transforms),
                                   ("turing", gemm + transforms), ("ampere", gemm + transforms),
                                   ("other", gemm + transforms)):
        gpu = GPUSpec(name=f"toy-{architecture}", architecture=architecture, **toy)
        assert predict_conv(gpu, **conv)[0] == pytest.approx(expected, rel=1e-9), architecture


def test_kernel_model_names_the_algorithm():
    # ResNet-50's 3x3 stride-1 convs: the fused Winograd on Pascal, the non-fused one from Volta on;
    # the 1x1 convs implicit GEMM, the classifier a GEMM, batch norms memory-bound passes
    w = get_workload("resnet50", batch=32, precision="fp32")
    for device, winograd in (("1080 Ti", "winograd"), ("V100", "winograd_nonfused")):
        table = predict_network(w, device).table.to_dataframe().set_index("layer")
        assert set(table["kernel_model"]) == {"gemm", "implicit_gemm", winograd, "memory"}
        assert table.loc["layer1_0_conv2", "kernel_model"] == winograd  # 3x3, 64 channels, 56 x 56
        assert table.loc["layer1_0_conv1", "kernel_model"] == "implicit_gemm"  # 1x1
        assert table.loc["fc", "kernel_model"] == "gemm"
        assert table.loc["batchnorm_1", "kernel_model"] == "memory"
