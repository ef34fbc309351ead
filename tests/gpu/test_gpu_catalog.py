"""GPU catalog: name matching, validation, TOML round trip, user catalogs."""

from __future__ import annotations

import pytest

from hwcodesign.accelerators import gpus
from hwcodesign.accelerators.gpus import GPUSpec, dumps_gpu_catalog, get_gpu, gpu_catalog, loads_gpu_catalog
from hwcodesign.core.errors import ConfigError, UnknownNameError

REQUIRED = ["M40", "P100", "V100", "T4", "1080 Ti", "Titan X (Maxwell)", "Titan X (Pascal)", "Titan Xp", "2080 Ti",
            "Titan RTX", "A100", "H100", "H200", "RTX 3090", "RTX 4090", "L4"]


@pytest.mark.parametrize("name", REQUIRED)
def test_required_devices_present_with_sources(name):
    spec = get_gpu(name)
    assert spec.source and spec.fp32_flops > 0 and spec.memory_bandwidth_bytes_per_s > 0


@pytest.mark.parametrize(("a", "b"), [("RTX 3090", "rtx3090"), ("NV_T4", "T4"), ("NV_TitanX_Pascal", "Titan X Pascal"),
                                      ("geforce-gtx-1080-ti", "1080Ti"), ("NVIDIA A100", "a100"), ("NV_P100", "P100")])
def test_names_match_ignoring_case_spaces_dashes_underscores(a, b):
    assert get_gpu(a) is get_gpu(b)


# What torch.cuda.get_device_name (nvidia-smi) reports, so that `measure gpu` output validates as is.
@pytest.mark.parametrize(("reported", "name"), [
    ("Tesla V100-SXM2-16GB", "Tesla V100 SXM2"), ("Tesla V100-SXM2-32GB", "Tesla V100 SXM2 32GB"),
    ("Tesla V100-PCIE-16GB", "Tesla V100 PCIe"), ("Tesla V100-PCIE-32GB", "Tesla V100 PCIe 32GB"),
    ("Tesla P100-PCIE-16GB", "Tesla P100 PCIe"), ("Tesla T4", "Tesla T4"),
    ("NVIDIA A100-SXM4-40GB", "A100 SXM4 40GB"), ("NVIDIA A100-SXM4-80GB", "A100 SXM4 80GB"),
    ("NVIDIA A100-PCIE-40GB", "A100 PCIe 40GB"), ("NVIDIA A100 80GB PCIe", "A100 PCIe 80GB"),
    ("NVIDIA H100 80GB HBM3", "H100 SXM5"), ("NVIDIA H100 PCIe", "H100 PCIe"), ("NVIDIA H200", "H200 SXM"),
    ("NVIDIA L4", "L4"), ("NVIDIA GeForce RTX 4090", "GeForce RTX 4090"), ("NVIDIA TITAN RTX", "Titan RTX"),
    ("NVIDIA GeForce RTX 2080 Ti", "GeForce RTX 2080 Ti")])
def test_names_torch_reports(reported, name):
    assert get_gpu(reported).name == name


def test_variants_differ_only_where_their_datasheets_do():
    # memory size (V100 32GB), bandwidth (A100 80GB PCIe: 1,935 GB/s vs SXM4 2,039), SMs and clock (H100 PCIe)
    assert get_gpu("V100 SXM2 32GB").memory_size_bytes == 2 * get_gpu("V100").memory_size_bytes
    assert get_gpu("V100 SXM2 32GB").fp32_flops == get_gpu("V100").fp32_flops
    assert get_gpu("A100 PCIe 80GB").memory_bandwidth_bytes_per_s == 1935e9
    h100_pcie = get_gpu("H100 PCIe")
    # 114 SMs x 128 FP32 lanes x 2 x 1755 MHz = 51.2 TFLOP/s
    assert h100_pcie.fp32_flops == pytest.approx(114 * 128 * 2 * 1.755e9, rel=1e-3)


def test_unknown_name_suggests():
    with pytest.raises(UnknownNameError, match="Did you mean 'V100'"):
        get_gpu("V1000")
    with pytest.raises(LookupError):
        get_gpu("nonexistent gpu")


def test_invalid_spec_names_field():
    with pytest.raises(ConfigError, match="'memory_bandwidth_bytes_per_s' field of GPUSpec"):
        GPUSpec.from_dict({**get_gpu("T4").to_dict(), "memory_bandwidth_bytes_per_s": 0})


def test_catalog_round_trip():
    specs = list(gpu_catalog().values())
    back = loads_gpu_catalog(dumps_gpu_catalog(specs))
    assert list(back.values()) == specs


def test_peak_flops_fallbacks():
    t4, m40 = get_gpu("T4"), get_gpu("M40")
    assert t4.peak_flops("fp16", tensor_cores=True) == 65e12
    assert m40.peak_flops("fp16", tensor_cores=True) == 0.0
    assert m40.peak_flops("fp16", tensor_cores=False) == m40.fp32_flops
    assert not m40.has_tensor_cores and t4.has_tensor_cores


def test_user_toml(tmp_path, own_catalog):
    gpus.load_gpu_catalog(own_catalog)
    spec = get_gpu("MY-BOARD")
    assert spec is get_gpu("MB1") and spec.boost_clock_hz == 1e9 and spec.memory_size_bytes == 8 * 2**30
    bad = tmp_path / "bad.toml"
    bad.write_text('[[gpu]]\nname = "x"\nsm_cont = 4\n')
    with pytest.raises(UnknownNameError, match="sm_count"):
        gpus.load_gpu_catalog(bad)
