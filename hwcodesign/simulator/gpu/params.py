"""The few efficiency parameters of the GPU model, fitted by ``hwcodesign calibrate gpu``.

Everything else comes from the device's datasheet (`hwcodesign.accelerators.gpus`).
The field defaults are round a-priori values (typical achievable fractions of peak and
microbenchmark-scale overheads), fitted to nothing: predictions with ``GPUModelParams()``
are "datasheet only". `DEFAULT_PARAMS` are fitted on all shipped data (see there).
``hwcodesign calibrate gpu --out p.json`` fits them; ``hwcodesign validate gpu`` refits
them without each held-out device (``docs/gpu_validation.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

from hwcodesign.core.spec import Spec, spec_field

__all__ = ["GPUModelParams", "KERNEL_PARAMS", "NETWORK_PARAMS", "DEFAULT_PARAMS"]


@dataclass(frozen=True, kw_only=True)
class GPUModelParams(Spec):
    """Efficiency and overhead parameters of the GPU model (all device-independent).

    Examples
    --------
    >>> GPUModelParams(simt_efficiency=1.5)
    Traceback (most recent call last):
    ...
    hwcodesign.core.errors.ConfigError: The 'simt_efficiency' field of GPUModelParams must be a float > 0 and <= 1. Got 1.5.
    """

    simt_efficiency: float = spec_field(default=1.0, gt=0, le=1, doc="achievable fraction of CUDA-core peak")
    tensor_efficiency: float = spec_field(default=0.99, gt=0, le=1, doc="achievable fraction of tensor-core peak; "
                                          "a-priori value from measured A100/H100 matmul throughput "
                                          "(`hwcodesign.validation.gpu.tensor_efficiency_prior`)")
    memory_efficiency: float = spec_field(default=0.8, gt=0, le=1, doc="achievable fraction of DRAM bandwidth")
    tile_overhead: float = spec_field(default=8.0, ge=0, le=256, doc="shared-memory reload cost of a CTA tile, "
                                      "efficiency = 1/(1 + c*(1/tm + 1/tn))")
    wave_latency_s: float = spec_field(default=2e-6, ge=0, le=1e-3, doc="fixed time per wave of CTAs")
    kernel_fixed_s: float = spec_field(default=4e-6, ge=0, le=1e-3, doc="GPU-side fixed time per kernel "
                                       "(launch latency, ramp-up, tail)")
    conv_efficiency: float = spec_field(default=0.85, gt=0, le=1.5, doc="implicit-GEMM conv rate relative to GEMM")
    winograd_efficiency: float = spec_field(default=0.6, gt=0, le=1.5, doc="rate of cuDNN's fused Winograd "
                                            "kernel (Maxwell, Pascal) relative to GEMM; the non-fused one's "
                                            "batched GEMM runs at the GEMM rate")
    direct_efficiency: float = spec_field(default=0.3, gt=0, le=1, doc="direct/depthwise conv fraction of peak")
    maxwell_efficiency: float = spec_field(default=1.0, gt=0, le=1.5, doc="compute rate on Maxwell boards "
                                           "(at their base clock) relative to the model for later GPUs (CUDA 7.5 "
                                           "libraries)")
    half2_efficiency: float = spec_field(default=1.0, gt=0, le=1, doc="rate of packed 16-bit arithmetic on CUDA "
                                         "cores (half2) relative to its datasheet peak")
    overlap_pool_efficiency: float = spec_field(default=1.0, gt=0, le=1, doc="rate of pooling kernels with "
                                                "overlapping windows, relative to the memory-bound model, on GPUs "
                                                "whose L1 caches only read-only global loads (Maxwell, Pascal)")
    l2_speedup: float = spec_field(default=3.0, ge=1, le=20, doc="L2 bandwidth over DRAM bandwidth (not fitted)")
    dispatch_s: float = spec_field(default=40e-6, ge=0, le=1e-2, doc="framework (CPU) time to issue one of its "
                                   "own kernels (elementwise, pooling, ...)")
    library_dispatch_s: float = spec_field(default=40e-6, ge=0, le=1e-2, doc="framework (CPU) time to issue one "
                                           "cuDNN/cuBLAS call (conv, batch norm, GEMM)")
    network_fixed_s: float = spec_field(default=0.3e-3, ge=0, le=1.0, doc="framework time per forward pass")


#: Parameters fitted on single kernels (DeepBench).
KERNEL_PARAMS = ("tensor_efficiency", "memory_efficiency", "tile_overhead", "wave_latency_s",
                 "kernel_fixed_s", "conv_efficiency", "winograd_efficiency", "maxwell_efficiency", "half2_efficiency")
#: Parameters fitted on whole networks.
NETWORK_PARAMS = ("dispatch_s", "library_dispatch_s", "network_fixed_s", "overlap_pool_efficiency")

#: Fitted once on the shipped calibration data of current libraries (refit: ``python -c "from
#: hwcodesign.validation.gpu import refit_default_params as r; print(r())"``, about 10 s): the
#: kernel parameters on the DeepBench GEMM and conv-forward rows measured with CUDA >= 9 (V100,
#: fp32/fp16; the CUDA 7.5/8.0 rows of the older GPUs describe libraries nobody runs today), the
#: framework parameters on 500 random NB201 cells per (GPU, batch 32 and 256) of HELP's four
#: GPUs, both from the a-priori field defaults. ``winograd_efficiency`` keeps its a-priori value:
#: no device measured with current libraries runs the fused Winograd kernel. Validation never
#: uses these: leave-one-device-out refits from the field defaults without the held-out device
#: (`hwcodesign.validation.gpu`).
DEFAULT_PARAMS = GPUModelParams(
    tensor_efficiency=0.919, memory_efficiency=0.759, tile_overhead=6.80, wave_latency_s=3.49e-6,
    kernel_fixed_s=3.56e-6, conv_efficiency=0.878, half2_efficiency=0.457, overlap_pool_efficiency=0.205,
    dispatch_s=13.5e-6, library_dispatch_s=58.0e-6, network_fixed_s=1.15e-3)
