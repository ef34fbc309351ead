"""GPU latency of single kernels and whole networks, from a datasheet and a few fitted efficiencies.

Whole-network latency (``fusion="eager"``, PyTorch eager mode) is::

    network_fixed_s + sum over operators of max(kernels * dispatch, GPU time)

where ``dispatch`` is ``library_dispatch_s`` for operators PyTorch hands to cuDNN or
cuBLAS (convolution, batch norm, GEMM: descriptors and algorithm heuristics on the CPU)
and ``dispatch_s`` for its own kernels (elementwise, pooling, ...). The framework
issues kernels asynchronously; when kernels are shorter than the CPU time to issue them
(batch 1, small networks) the CPU side sets the pace, otherwise the GPU does.
``fusion="inference"`` folds BatchNorm and unary elementwise operators that directly
follow a conv or GEMM into it (what TensorRT or ``torch.compile`` do): they cost
neither a kernel nor a dispatch.

Examples
--------
>>> from hwcodesign.workloads import get_workload
>>> pred = predict_network(get_workload("tiny", precision="fp32"), "V100")
>>> pred.latency_ms > 0, pred.device
(True, 'Tesla V100 SXM2')
>>> round(float(predict_gemm("V100", 4096, 4096, 4096, "fp16")[0] * 1e3), 3) > 0
True
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import Literal

import numpy as np

from hwcodesign.accelerators.gpus import GPUSpec, get_gpu
from hwcodesign.core.errors import ConfigError
from hwcodesign.core.results import ResultTable
from hwcodesign.simulator.gpu.kernels import ALGORITHMS, CLASS_CODES, DeviceArrays, KernelBatch, kernel_seconds
from hwcodesign.simulator.gpu.params import DEFAULT_PARAMS, GPUModelParams
from hwcodesign.workloads.operators import BatchNorm, Conv2d, Elementwise, Embedding, Gemm, Operator, Pool
from hwcodesign.workloads.precision import bytes_per_element
from hwcodesign.workloads.workload import Workload

__all__ = ["GPU_MODEL_PRECISIONS", "STORAGE_PRECISION", "storage_precision", "NO_L1_LOAD_ARCHITECTURES",
           "FUSED_WINOGRAD_ARCHITECTURES", "Fusion", "device_arrays", "gemm_batch", "conv_batch", "predict_gemm",
           "predict_conv", "NetworkKernels", "network_kernels", "GPUPrediction", "predict_network", "network_seconds"]

GPU_MODEL_PRECISIONS = ("fp32", "tf32", "fp16", "bf16", "int8")
#: Precisions whose tensors are stored in another one: ``tf32`` is fp32 tensors with the
#: convolutions and GEMMs on TF32 tensor cores where the GPU has them (Ampere and later; what
#: PyTorch does for convolutions by default, ``torch.backends.cudnn.allow_tf32``, and for
#: matmuls with ``torch.backends.cuda.matmul.allow_tf32``), on fp32 CUDA cores elsewhere.
STORAGE_PRECISION = {"tf32": "fp32"}
#: Architectures whose L1 caches only global loads the compiler can prove read-only, so
#: re-reads of overlapping pooling windows go to L2 (CUDA C Programming Guide, compute
#: capability 5.x/6.x "Global Memory").
NO_L1_LOAD_ARCHITECTURES = ("maxwell", "pascal")
#: Architectures whose fp32 3x3 convolutions run cuDNN's fused Winograd kernel; from Volta on
#: they run the non-fused one, whose transforms go through DRAM. The libraries' own record:
#: among DeepBench's 3x3 stride-1 fp32 convolutions (``fwd_algorithm``, the fastest algorithm
#: ``cudnnFindConvolutionForwardAlgorithm`` measured), cuDNN 5/6 chose the fused ``WINOGRAD`` for
#: 16-22 of 32 on every Maxwell and Pascal GPU and ``WINOGRAD_NONFUSED`` for 2-6; cuDNN 7.6 on
#: V100 chose ``WINOGRAD_NONFUSED`` for 23 of 32 and the fused one for 5.
FUSED_WINOGRAD_ARCHITECTURES = ("maxwell", "pascal")
Fusion = Literal["eager", "inference"]


def _check_precision(precision: str) -> str:
    if precision not in GPU_MODEL_PRECISIONS:
        raise ConfigError(f"The GPU model's precision must be one of {', '.join(GPU_MODEL_PRECISIONS)}. "
                          f"Got {precision!r}.")
    return precision


def storage_precision(precision: str) -> str:
    """The precision ``precision``'s tensors are stored in (``tf32`` -> ``fp32``; others themselves)."""
    return STORAGE_PRECISION.get(_check_precision(precision), precision)


def device_arrays(gpus: GPUSpec | list[GPUSpec], precision: str | list[str], n: int, *,
                  math: str | list[str] | None = None) -> tuple[DeviceArrays, np.ndarray]:
    """Per-row device quantities and tensor-core alignment for ``n`` rows.

    ``precision`` is one of `GPU_MODEL_PRECISIONS` (``tf32``: fp32 tensors, TF32 tensor-core
    math), ``math`` the arithmetic one if different (``None``: the same); 16-bit storage with
    fp32 math runs on CUDA cores. int8 on a GPU without int8
    tensor cores uses dp4a (needs multiples of 4) where it exists.
    """
    gpus_l = gpus if isinstance(gpus, list) else [gpus] * n
    prec_l = precision if isinstance(precision, list) else [precision] * n
    math_l = math if isinstance(math, list) else [math] * n
    cache: dict[tuple[str, str, str | None], tuple[float, float, int, bool]] = {}
    simt, tensor, align = np.empty(n), np.empty(n), np.empty(n, dtype=np.int64)
    half2, dp4a = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for i, (gpu, prec, mth) in enumerate(zip(gpus_l, prec_l, math_l, strict=True)):
        key = (gpu.name, prec, mth)
        if key not in cache:
            mth_eff = mth or prec
            if mth_eff == "fp32":
                cache[key] = (gpu.fp32_flops, 0.0, 1, False)
            elif mth_eff == "tf32":
                # cuBLAS >= 11 / cuDNN 8 use TF32 tensor cores on multiples of 4 elements
                # (16 bytes, like 8 for 16-bit and 16 for int8; NVIDIA's Matrix Multiplication
                # Background guide); GPUs without them run fp32 on CUDA cores.
                cache[key] = (gpu.fp32_flops, gpu.tf32_tensor_flops, 4, False)
            elif mth_eff == "int8" and gpu.int8_tensor_ops == 0:
                cache[key] = (gpu.fp32_flops, gpu.int8_ops, 4, gpu.int8_ops > 0)
            else:
                cache[key] = (gpu.peak_flops(mth_eff, tensor_cores=False),
                              gpu.peak_flops(mth_eff, tensor_cores=True), 16 if mth_eff == "int8" else 8, False)
        simt[i], tensor[i], align[i], dp4a[i] = cache[key]
        if gpu.architecture == "maxwell" and gpu.base_clock_hz:
            # GM200 boards hold their base clock under sustained load: on DeepBench the M40
            # (948 MHz base, 1114 boost) is 5-6% slower than the Titan X (1000 base, 1075
            # boost), as the base clocks say and the boost clocks contradict
            simt[i] *= gpu.base_clock_hz / gpu.boost_clock_hz
            tensor[i] *= gpu.base_clock_hz / gpu.boost_clock_hz
        half2[i] = (mth or prec) in ("fp16", "bf16") and simt[i] > gpu.fp32_flops
    dev = DeviceArrays(
        sms=np.array([g.sm_count for g in gpus_l], dtype=np.int64),
        simt_peak=simt, tensor_peak=tensor,
        bandwidth=np.array([g.memory_bandwidth_bytes_per_s for g in gpus_l], dtype=float),
        l2_bytes=np.array([g.l2_size_bytes for g in gpus_l], dtype=float),
        dp4a=dp4a,
        maxwell=np.array([g.architecture == "maxwell" for g in gpus_l], dtype=bool),
        no_l1_loads=np.array([g.architecture in NO_L1_LOAD_ARCHITECTURES for g in gpus_l], dtype=bool),
        fused_winograd=np.array([g.architecture in FUSED_WINOGRAD_ARCHITECTURES for g in gpus_l], dtype=bool),
        half2=half2)
    return dev, align


def _arr(x, n: int | None = None, dtype=np.int64) -> np.ndarray:
    a = np.atleast_1d(np.asarray(x, dtype=dtype))
    return np.broadcast_to(a, (n,)).copy() if n is not None and a.shape != (n,) else a


def gemm_batch(m, n, k, elem_bytes, align_to, *, groups=1) -> KernelBatch:
    """Rows of plain GEMMs ``(m x k) @ (k x n)``."""
    m, n, k, g = (a.astype(np.int64).copy() for a in np.broadcast_arrays(*(np.atleast_1d(np.asarray(x))
                                                                          for x in (m, n, k, groups))))
    rows = len(m)
    eb = _arr(elem_bytes, rows, float)
    return KernelBatch(cls=np.full(rows, CLASS_CODES["gemm"]), m=m, n=n, k=k, groups=g, align_a=n, align_b=k,
                       align_to=_arr(align_to, rows), flops=2.0 * m * n * k * g,
                       bytes=(m * k + k * n + m * n) * g * eb, elem_bytes=eb, winograd=np.zeros(rows, dtype=bool),
                       l2_input_bytes=np.zeros(rows), a_bytes=m * k * g * eb, overlap_pool=np.zeros(rows, dtype=bool))


def conv_batch(batch, in_c, in_h, in_w, out_c, kernel_h, kernel_w, out_h, out_w, stride_h, stride_w, elem_bytes,
               align_to, *, groups=1, l2_input_bytes=0.0) -> KernelBatch:
    """Rows of convolutions: implicit GEMM ``(N*P*Q) x K x (C/groups*R*S)``, or direct when depthwise/grouped."""
    nb = _arr(batch)
    rows = len(nb)
    c, h, w, kk, r, s, p, q, sh, sw, g = (_arr(x, rows) for x in (in_c, in_h, in_w, out_c, kernel_h, kernel_w,
                                                                 out_h, out_w, stride_h, stride_w, groups))
    eb = _arr(elem_bytes, rows, float)
    cg, kg = c // g, kk // g
    macs = nb * p * q * kk * cg * r * s
    nbytes = (nb * c * h * w + kk * cg * r * s + nb * kk * p * q) * eb
    direct = (g > 1) & (cg < 16)
    return KernelBatch(cls=np.where(direct, CLASS_CODES["direct"], CLASS_CODES["conv"]), m=nb * p * q, n=kg,
                       k=cg * r * s, groups=g, align_a=cg, align_b=kg, align_to=_arr(align_to, rows),
                       flops=2.0 * macs, bytes=nbytes, elem_bytes=eb,
                       winograd=(r == 3) & (s == 3) & (sh == 1) & (sw == 1) & (g == 1),
                       l2_input_bytes=_arr(l2_input_bytes, rows, float), a_bytes=nb * c * h * w * eb,
                       overlap_pool=np.zeros(rows, dtype=bool))


def _params(params: GPUModelParams | None) -> GPUModelParams:
    return DEFAULT_PARAMS if params is None else params


def predict_gemm(device: str | GPUSpec, m, n, k, precision: str = "fp32", *, math: str | None = None,
                 params: GPUModelParams | None = None) -> np.ndarray:
    """Seconds of GEMM kernels ``(m x k) @ (k x n)`` (array-like shapes broadcast) on ``device``."""
    gpu = get_gpu(device)
    kb = gemm_batch(m, n, k, bytes_per_element(storage_precision(precision)), 1)
    dev, align = device_arrays(gpu, precision, len(kb), math=math)
    kb = KernelBatch(**{**kb.__dict__, "align_to": align})
    return kernel_seconds(kb, dev, _params(params))["seconds"]


def predict_conv(device: str | GPUSpec, *, batch, in_c, in_h, in_w, out_c, kernel_h, kernel_w, stride_h=1,
                 stride_w=1, pad_h=0, pad_w=0, groups=1, precision: str = "fp32", math: str | None = None,
                 params: GPUModelParams | None = None) -> np.ndarray:
    """Seconds of forward convolutions on ``device`` (array-like shapes broadcast)."""
    gpu = get_gpu(device)
    eb = bytes_per_element(storage_precision(precision))
    out_h = (np.asarray(in_h) + 2 * np.asarray(pad_h) - np.asarray(kernel_h)) // np.asarray(stride_h) + 1
    out_w = (np.asarray(in_w) + 2 * np.asarray(pad_w) - np.asarray(kernel_w)) // np.asarray(stride_w) + 1
    kb = conv_batch(batch, in_c, in_h, in_w, out_c, kernel_h, kernel_w, out_h, out_w, stride_h, stride_w,
                    eb, 1, groups=groups)
    dev, align = device_arrays(gpu, precision, len(kb), math=math)
    kb = KernelBatch(**{**kb.__dict__, "align_to": align})
    return kernel_seconds(kb, dev, _params(params))["seconds"]


@dataclass(frozen=True)
class NetworkKernels:
    """A workload lowered to kernel rows (device-independent), with each operator's kernel count and
    whether it is a cuDNN/cuBLAS call (``library_call``)."""

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    kernels: KernelBatch
    count: np.ndarray
    library_call: np.ndarray
    precision: str
    fusion: str


def _op_rows(op: Operator, eb: float, fused: bool) -> dict:
    mac_op = isinstance(op, (Conv2d, Gemm))
    view = op.gemm_view() if mac_op else None
    # op.bytes(storage precision) in one pass over the operands (GPU storage precisions take whole bytes)
    sizes = [(t.role, math.prod(t.shape) * eb) for t in op.operands()]
    in_bytes = float(sum(size for role, size in sizes if role == "input"))
    row = {"cls": CLASS_CODES["memory"], "m": 1, "n": 1, "k": 1, "groups": 1, "align_a": 1, "align_b": 1,
           "flops": 2.0 * view.macs if mac_op else float(op.vector_ops), "bytes": float(sum(size for _, size in sizes)),
           "winograd": False,
           "l2": in_bytes, "a": in_bytes, "count": 0 if fused else 1,
           "library": isinstance(op, (Conv2d, Gemm, BatchNorm)),
           "overlap_pool": isinstance(op, Pool) and not op.global_pool and (
               op.kernel_h > op.stride_h or op.kernel_w > op.stride_w)}
    if isinstance(op, Conv2d):
        cg = op.in_channels // op.groups
        direct = op.groups > 1 and cg < 16
        row.update(cls=CLASS_CODES["direct" if direct else "conv"], m=view.m, n=view.n, k=view.k,
                   groups=view.groups, align_a=cg, align_b=op.out_channels // op.groups,
                   winograd=op.kernel_h == op.kernel_w == 3 and op.stride_h == op.stride_w == 1 and op.groups == 1
                   and op.dilation_h == op.dilation_w == 1)
    elif isinstance(op, Gemm):
        row.update(cls=CLASS_CODES["gemm"], m=view.m, n=view.n, k=view.k, groups=view.groups, align_a=view.n,
                   align_b=view.k, a=float(view.m * view.k * view.groups) * eb)
    elif isinstance(op, Embedding):
        row.update(bytes=2.0 * op.read_elements * eb, l2=0.0)
    elif isinstance(op, Elementwise) and op.num_inputs > 2:
        row["count"] = 0 if fused else op.num_inputs - 1  # eager frameworks add pairwise
    return row


# id(workload) -> (weak reference, {(precision, fusion): NetworkKernels}); Workload defines
# __eq__ without __hash__, so a WeakKeyDictionary cannot hold it.
_CACHE: dict[int, tuple[weakref.ref, dict]] = {}


def _cache_for(workload: Workload) -> dict:
    entry = _CACHE.get(id(workload))
    if entry is None or entry[0]() is not workload:
        key = id(workload)
        entry = (weakref.ref(workload, lambda _ref, key=key: _CACHE.pop(key, None)), {})
        _CACHE[key] = entry
    return entry[1]


def network_kernels(workload: Workload, *, precision: str | None = None, fusion: Fusion = "eager") -> NetworkKernels:
    """Lower ``workload`` to kernel rows (cached per workload, precision and fusion)."""
    precision = _check_precision(precision or workload.precision)
    if fusion not in ("eager", "inference"):
        raise ConfigError(f"fusion must be 'eager' or 'inference'. Got {fusion!r}.")
    per = _cache_for(workload)
    key = (precision, fusion)
    if key in per:
        return per[key]
    storage = storage_precision(precision)
    eb = bytes_per_element(storage)
    ops = workload.operators()
    names = workload.names()
    producers = {}
    rows = []
    for name, op in zip(names, ops, strict=True):
        fused = False
        if fusion == "inference" and isinstance(op, (BatchNorm, Elementwise)) and (
                isinstance(op, BatchNorm) or op.num_inputs == 1):
            srcs = workload.inputs(name)
            fused = len(srcs) == 1 and producers.get(srcs[0], False)
        producers[name] = isinstance(op, (Conv2d, Gemm)) or fused
        rows.append(_op_rows(op, eb, fused))
    col = {key_: np.array([r[key_] for r in rows]) for key_ in rows[0]} if rows else {}
    n = len(rows)
    kb = KernelBatch(cls=col["cls"].astype(np.int64), m=col["m"].astype(np.int64), n=col["n"].astype(np.int64),
                     k=col["k"].astype(np.int64), groups=col["groups"].astype(np.int64),
                     align_a=col["align_a"].astype(np.int64), align_b=col["align_b"].astype(np.int64),
                     align_to=np.ones(n, dtype=np.int64), flops=col["flops"].astype(float),
                     bytes=col["bytes"].astype(float), elem_bytes=np.full(n, eb),
                     winograd=col["winograd"].astype(bool), l2_input_bytes=col["l2"].astype(float),
                     a_bytes=col["a"].astype(float), overlap_pool=col["overlap_pool"].astype(bool))
    out = NetworkKernels(tuple(names), tuple(op.kind for op in ops), kb, col["count"].astype(float),
                         col["library"].astype(bool), precision, fusion)
    per[key] = out
    return out


def network_seconds(nk: NetworkKernels, device: GPUSpec, params: GPUModelParams) -> dict[str, np.ndarray]:
    """Per-operator GPU seconds, dispatch seconds and their max (what each operator adds to latency), and the
    whole network's ``total_s`` (``network_fixed_s`` plus that max summed over operators)."""
    dev, align = device_arrays(device, nk.precision, len(nk.kernels))
    kb = KernelBatch(**{**nk.kernels.__dict__, "align_to": align})
    res = kernel_seconds(kb, dev, params)
    gpu = np.where(nk.count > 0, res["seconds"] + np.maximum(nk.count - 1, 0) * params.kernel_fixed_s, 0.0)
    dispatch = nk.count * np.where(nk.library_call, params.library_dispatch_s, params.dispatch_s)
    latency = np.maximum(gpu, dispatch)
    return {"gpu_s": gpu, "dispatch_s": dispatch, "latency_s": latency,
            "total_s": params.network_fixed_s + float(latency.sum()), "compute_bound": res["compute_bound"],
            "tensor_cores": res["tensor_cores"], "algorithm": res["algorithm"]}


@dataclass(frozen=True)
class GPUPrediction:
    """A whole-network prediction: total latency and the per-operator table."""

    workload: str
    device: str
    batch: int
    precision: str
    latency_s: float
    table: ResultTable

    @property
    def latency_ms(self) -> float:
        """Whole-network latency in milliseconds."""
        return self.latency_s * 1e3


def predict_network(workload: Workload, device: str | GPUSpec, *, precision: str | None = None,
                    params: GPUModelParams | None = None, fusion: Fusion = "eager") -> GPUPrediction:
    """Predict ``workload``'s latency on ``device`` (one row per operator in ``.table``)."""
    gpu = get_gpu(device)
    p = _params(params)
    nk = network_kernels(workload, precision=precision, fusion=fusion)
    s = network_seconds(nk, gpu, p)
    kb = nk.kernels
    # Plain Python values, column by column (per-element numpy indexing would dominate the call)
    count, flops, nbytes = nk.count.astype(int).tolist(), kb.flops.tolist(), kb.bytes.tolist()
    gpu_s, dispatch_s, latency_s = s["gpu_s"].tolist(), s["dispatch_s"].tolist(), s["latency_s"].tolist()
    compute_bound, tensor_cores = s["compute_bound"].tolist(), s["tensor_cores"].tolist()
    algorithm = [ALGORITHMS[a] for a in s["algorithm"].tolist()]
    records = []
    for i, name in enumerate(nk.names):
        if count[i] == 0:
            bound = "fused"
        elif dispatch_s[i] >= gpu_s[i]:
            bound = "framework"
        else:
            bound = "compute" if compute_bound[i] else "memory"
        records.append({"workload": workload.name, "device": gpu.name, "batch": workload.batch,
                        "precision": nk.precision, "fusion": fusion, "layer": name, "kind": nk.kinds[i],
                        "kernel_model": algorithm[i], "kernels": count[i], "flops": flops[i], "bytes": nbytes[i],
                        "tensor_cores": tensor_cores[i], "gpu_s": gpu_s[i], "dispatch_s": dispatch_s[i],
                        "latency_s": latency_s[i], "latency_ms": latency_s[i] * 1e3, "bound": bound})
    return GPUPrediction(workload.name, gpu.name, workload.batch, nk.precision, s["total_s"], ResultTable(records))
