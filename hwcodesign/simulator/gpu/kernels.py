"""Vectorised GPU kernel models: GEMM, convolution (implicit GEMM, Winograd, direct), memory-bound ops.

Every function takes one row per kernel as numpy arrays (a `KernelBatch`) plus the
device quantities of each row (a `DeviceArrays`), and returns seconds per row. The
model, per kernel:

- **GEMM / implicit-GEMM conv**: for each candidate CTA tile ``(tm, tn)`` and split-K
  factor, ``tiles = ceil(M/tm) * ceil(N/tn) * groups * splitk`` CTAs run in
  ``waves = ceil(tiles / (SMs * ctas_per_sm))`` waves; a wave takes
  ``tm*tn*ceil(K/splitk)*2 / (per-SM peak / ctas_per_sm)`` divided by the tile's
  efficiency ``1 / (1 + tile_overhead*(1/tm + 1/tn))`` (operand re-loads from shared
  memory), plus a fixed ``wave_latency_s``. DRAM time counts compulsory traffic plus
  the re-reads that miss L2. A kernel takes the larger of compute and memory time plus
  ``kernel_fixed_s``; the library picks the fastest candidate (as cuBLAS's heuristics
  try to).
- **Tensor cores** are used when the precision has them on the device: the aligned
  dimensions are padded up to multiples of 8 (16-bit) or 16 (int8) elements (4 for
  dp4a), and CUDA cores are used where they are faster than the padded work.
- **Winograd** (3x3, stride 1, not int8): F(4x4, 3x3), 4x fewer multiplies on CUDA
  cores (cuDNN has no tensor-core Winograd); cuDNN picks the faster of it and implicit
  GEMM. The fused Winograd kernel runs on Maxwell and Pascal (``fused_winograd``), its
  multiplies at ``winograd_efficiency`` of the GEMM model's rate. From Volta on, and with
  16-bit arithmetic on CUDA cores (cuDNN's TRUE_HALF_CONFIG, P100: the cuDNN 5.1/6
  ``cudnnConvolutionForward`` support table gives the fused ``WINOGRAD`` PSEUDO_HALF and
  FLOAT configurations only), the non-fused one runs, in three steps (Lavin and Gray,
  "Fast Algorithms for Convolutional Neural Networks", CVPR 2016): an input transform, a
  batched GEMM over the 36 tile elements, which the model costs as a plain GEMM (no
  ``winograd_efficiency``), and an output transform. The transforms are separate kernels
  that write the transformed input and output tiles to DRAM and read them back (6x6 tiles
  per 4x4 outputs, 36/16 of each tensor), costed as ``WINOGRAD_NONFUSED_PASSES`` passes
  over them at DRAM bandwidth plus three more kernels' fixed time.
- **Direct / depthwise conv** and **memory-bound ops** (elementwise, pooling, norms,
  softmax, reductions): the larger of their FLOPs at CUDA-core peak and their bytes at
  DRAM bandwidth, reads that were just written and fit in L2 served ``l2_speedup`` faster.
  A pooling kernel whose windows overlap (kernel > stride) re-reads each input several
  times; on Maxwell and Pascal, whose L1 caches only loads the compiler can prove
  read-only (CUDA C Programming Guide, compute capability 5.x/6.x "Global Memory"), those
  re-reads go to L2, so such kernels run at ``overlap_pool_efficiency`` of the
  memory-bound rate there (fitted on NB201 networks of those GPUs; 1 elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwcodesign.simulator.gpu.params import GPUModelParams

__all__ = ["KernelBatch", "DeviceArrays", "GEMM_TILES", "SPLIT_K", "CLASS_CODES", "ALGORITHMS", "kernel_seconds",
           "gemm_seconds"]

#: Candidate CTA tiles (tm, tn) and how many CTAs of each fit on one SM.
GEMM_TILES: tuple[tuple[int, int, int], ...] = (
    (256, 128, 1), (128, 256, 1), (128, 128, 1), (128, 64, 2), (64, 128, 2), (64, 64, 4), (64, 32, 4), (32, 64, 4),
    (32, 32, 8),
)
#: Candidate split-K factors.
SPLIT_K: tuple[int, ...] = (1, 2, 4, 8, 16)
#: Multiplies of Winograd F(4x4, 3x3) per direct multiply: 36 per 16 outputs instead of 144
#: (cuDNN's Winograd kernels, the fastest 3x3 algorithms in its benchmarks since cuDNN 5.1).
WINOGRAD_FLOP_SCALE = 36 / 144
#: DRAM traffic of the non-fused Winograd's transforms, in tensor sizes: the transformed input
#: and output (36/16 of the input and of the output) are each written once and read once.
WINOGRAD_NONFUSED_PASSES = 2 * 36 / 16
#: Kernel classes.
CLASS_CODES = {"gemm": 0, "conv": 1, "direct": 2, "memory": 3}
#: The algorithm the model costs a kernel with (``kernel_seconds(...)["algorithm"]`` indexes this):
#: a conv is one of implicit GEMM and the fused or non-fused Winograd, whichever is faster.
ALGORITHMS = ("gemm", "implicit_gemm", "winograd", "winograd_nonfused", "direct", "memory")
#: Each class's algorithm unless a Winograd is picked, indexed by class code (a conv's is implicit GEMM).
_CLASS_ALGORITHM = np.array([ALGORITHMS.index({"conv": "implicit_gemm"}.get(name, name))
                             for name in sorted(CLASS_CODES, key=CLASS_CODES.get)])


@dataclass(frozen=True)
class KernelBatch:
    """One row per kernel. ``m, n, k, groups``: the GEMM view (for conv, implicit GEMM);
    ``align_a, align_b``: dimensions that must be multiples of the tensor-core width;
    ``flops``: arithmetic; ``bytes``: compulsory DRAM traffic; ``elem_bytes``: bytes per
    element; ``winograd``: a 3x3 stride-1 conv; ``a_bytes``: the A operand as stored (for
    an implicit-GEMM conv the input tensor, not its ``R*S``-fold im2col expansion, which
    is formed on chip); ``overlap_pool``: a pooling kernel with overlapping windows;
    ``tensor_peak``/``simt_peak`` come with the device."""

    cls: np.ndarray
    m: np.ndarray
    n: np.ndarray
    k: np.ndarray
    groups: np.ndarray
    align_a: np.ndarray
    align_b: np.ndarray
    align_to: np.ndarray
    flops: np.ndarray
    bytes: np.ndarray
    elem_bytes: np.ndarray
    winograd: np.ndarray
    l2_input_bytes: np.ndarray
    a_bytes: np.ndarray
    overlap_pool: np.ndarray

    def __len__(self) -> int:
        return len(self.cls)


@dataclass(frozen=True)
class DeviceArrays:
    """Per-row device quantities: SMs, CUDA-core and tensor-core peak (0 = none), DRAM bandwidth, L2 size;
    ``dp4a``: the "tensor" rate is int8 dp4a on CUDA cores (only the reduction dimension is
    aligned, to 4); ``maxwell``: a Maxwell board (``maxwell_efficiency`` applies); ``no_l1_loads``: an
    architecture whose L1 caches only read-only global loads (Maxwell, Pascal); ``fused_winograd``: an
    architecture whose fp32 3x3 convolutions run cuDNN's fused Winograd kernel (Maxwell, Pascal);
    ``half2``: the CUDA-core rate is packed 16-bit arithmetic (``half2_efficiency`` applies)."""

    sms: np.ndarray
    simt_peak: np.ndarray
    tensor_peak: np.ndarray
    bandwidth: np.ndarray
    l2_bytes: np.ndarray
    dp4a: np.ndarray
    maxwell: np.ndarray
    no_l1_loads: np.ndarray
    fused_winograd: np.ndarray
    half2: np.ndarray


def _simt_rate(dev: DeviceArrays, p: GPUModelParams) -> np.ndarray:
    """Achievable CUDA-core rate: packed 16-bit arithmetic (two values per instruction) needs
    kernels written for it, so it runs at ``half2_efficiency`` of its doubled peak."""
    arch = np.where(dev.maxwell, p.maxwell_efficiency, 1.0)
    return dev.simt_peak * p.simt_efficiency * arch * np.where(dev.half2, p.half2_efficiency, 1.0)


def _nonfused_winograd(dev: DeviceArrays) -> np.ndarray:
    """Rows whose Winograd is the non-fused one: architectures without the fused kernel, and
    16-bit arithmetic on CUDA cores without tensor cores (cuDNN's TRUE_HALF_CONFIG)."""
    return ~dev.fused_winograd | (dev.half2 & (dev.tensor_peak == 0))


def _winograd_nonfused_seconds(kb: KernelBatch, dev: DeviceArrays, p: GPUModelParams) -> np.ndarray:
    """Extra time of the non-fused Winograd: transform traffic at DRAM bandwidth and three more kernels."""
    out_bytes = kb.m * kb.n * kb.groups * kb.elem_bytes
    traffic = WINOGRAD_NONFUSED_PASSES * (kb.a_bytes + out_bytes)
    return traffic / (dev.bandwidth * p.memory_efficiency) + 3 * p.kernel_fixed_s


def gemm_seconds(kb: KernelBatch, dev: DeviceArrays, p: GPUModelParams, *, flop_scale: np.ndarray | float = 1.0,
                 efficiency: np.ndarray | float = 1.0, simt_only: bool = False
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GEMM time per row, best over tiles and split-K: ``(seconds, compute_bound, tensor_cores)``.

    ``flop_scale`` multiplies the multiply count (Winograd), ``efficiency`` the
    achievable peak (implicit-GEMM conv); ``simt_only`` leaves tensor cores and dp4a out.
    """
    # Axes: rows x tiles x split-K factors.
    m, n, k, g = (x.astype(np.float64)[:, None, None] for x in (kb.m, kb.n, kb.k, kb.groups))
    # Libraries pad the aligned dimensions up to the tensor-core width (cuBLAS >= 10.1 and
    # cuDNN do so internally); the padded work runs at the tensor rate where that is faster.
    # dp4a aligns only the reduction dimension (k of a GEMM, C/groups of a conv).
    at = kb.align_to
    pad_a = np.ceil(kb.align_a / at) * at / kb.align_a
    pad_b = np.ceil(kb.align_b / at) * at / kb.align_b
    reduction_pad = np.where(kb.cls == CLASS_CODES["conv"], pad_a, pad_b)
    pad = np.where(dev.dp4a, reduction_pad, pad_a * pad_b)
    arch = np.where(dev.maxwell, p.maxwell_efficiency, 1.0)
    tensor_rate = dev.tensor_peak * np.where(dev.dp4a, p.simt_efficiency, p.tensor_efficiency) * arch / pad
    simt_rate = _simt_rate(dev, p)
    tc_ok = (tensor_rate > simt_rate) & (not simt_only)
    peak = np.where(tc_ok, tensor_rate, simt_rate)
    per_sm = (peak * efficiency / dev.sms)[:, None, None]
    sms = dev.sms.astype(np.float64)[:, None, None]
    eb = kb.elem_bytes[:, None, None]
    l2 = dev.l2_bytes[:, None, None]
    bw = (dev.bandwidth * p.memory_efficiency)[:, None, None]
    scale = np.broadcast_to(np.asarray(flop_scale, dtype=float), kb.m.shape)[:, None, None]
    tiles = np.array(GEMM_TILES, dtype=np.float64)
    tm, tn, per = (tiles[None, :, i, None] for i in range(3))
    splits = np.array(SPLIT_K, dtype=np.float64)[None, None, :]
    a_bytes, b_bytes, c_bytes = kb.a_bytes[:, None, None], k * n * eb * g, m * n * eb * g
    ws = a_bytes + b_bytes
    miss = np.clip(1.0 - l2 / np.maximum(ws, 1), 0.0, 1.0)
    tiles_m, tiles_n = np.ceil(m / tm), np.ceil(n / tn)
    tile_eff = 1.0 / (1.0 + p.tile_overhead * (1.0 / np.minimum(tm, 128) + 1.0 / np.minimum(tn, 128)))
    waves = np.ceil(tiles_m * tiles_n * g * splits / (sms * per))
    wave_s = tm * tn * np.ceil(k / splits) * 2.0 * scale * per / (per_sm * tile_eff) + p.wave_latency_s
    compute = waves * wave_s
    # A wave's CTAs cover about a sqrt(slots) x sqrt(slots) block of tiles, so A is
    # streamed once per block column and B once per block row; re-reads that fit in L2 are free.
    side = np.sqrt(sms * per)
    reread = (a_bytes * np.maximum(np.ceil(tiles_n / side) - 1, 0)
              + b_bytes * np.maximum(np.ceil(tiles_m / side) - 1, 0)) * miss
    partials = np.where(splits > 1, 2.0 * m * n * g * 4.0 * splits, 0.0)
    memory = (ws + c_bytes + reread + partials) / bw
    total = np.maximum(compute, memory) + p.kernel_fixed_s * np.where(splits > 1, 2.0, 1.0)
    flat = total.reshape(len(kb), -1)
    j = np.argmin(flat, axis=1)
    rows = np.arange(len(kb))
    best = flat[rows, j]
    best_bound = compute.reshape(len(kb), -1)[rows, j] >= memory.reshape(len(kb), -1)[rows, j]
    return best, best_bound, tc_ok


def _memory_seconds(kb: KernelBatch, dev: DeviceArrays, p: GPUModelParams) -> np.ndarray:
    bw = dev.bandwidth * p.memory_efficiency
    hit = np.minimum(kb.l2_input_bytes, 0.5 * dev.l2_bytes)
    return (kb.bytes - hit) / bw + hit / (bw * p.l2_speedup)


def kernel_seconds(kb: KernelBatch, dev: DeviceArrays, p: GPUModelParams) -> dict[str, np.ndarray]:
    """Seconds per kernel, how it is bound and how it is computed: keys ``seconds``, ``compute_bound``,
    ``tensor_cores`` and ``algorithm`` (indices into `ALGORITHMS`)."""
    cls = kb.cls
    seconds = np.zeros(len(kb))
    bound = np.zeros(len(kb), dtype=bool)
    tc = np.zeros(len(kb), dtype=bool)
    algorithm = _CLASS_ALGORITHM[cls]
    for code in (CLASS_CODES["gemm"], CLASS_CODES["conv"]):
        rows = np.flatnonzero(cls == code)
        if not len(rows):
            continue
        sub, dsub = _take(kb, rows), _take(dev, rows)
        eff = 1.0 if code == CLASS_CODES["gemm"] else p.conv_efficiency
        t, b, used = gemm_seconds(sub, dsub, p, efficiency=eff)
        if code == CLASS_CODES["conv"] and sub.winograd.any():
            # cuDNN's Winograd kernels run on CUDA cores and have no int8 variant. The fused kernel's
            # multiplies run at winograd_efficiency, the non-fused one's batched GEMM at the GEMM rate.
            nonfused = _nonfused_winograd(dsub)
            tw, bw_, used_w = gemm_seconds(sub, dsub, p, flop_scale=WINOGRAD_FLOP_SCALE, simt_only=True,
                                           efficiency=np.where(nonfused, 1.0, p.winograd_efficiency))
            tw = tw + np.where(nonfused, _winograd_nonfused_seconds(sub, dsub, p), 0.0)
            pick = sub.winograd & (sub.elem_bytes > 1) & (tw < t)
            t, b, used = np.where(pick, tw, t), np.where(pick, bw_, b), np.where(pick, used_w, used)
            winograd = np.where(nonfused, ALGORITHMS.index("winograd_nonfused"), ALGORITHMS.index("winograd"))
            algorithm[rows] = np.where(pick, winograd, algorithm[rows])
        seconds[rows], bound[rows], tc[rows] = t, b, used
    rows = np.flatnonzero((cls == CLASS_CODES["direct"]) | (cls == CLASS_CODES["memory"]))
    if len(rows):
        sub, dsub = _take(kb, rows), _take(dev, rows)
        eff = np.where(sub.cls == CLASS_CODES["direct"], p.direct_efficiency, 1.0)
        compute = sub.flops / (_simt_rate(dsub, p) * eff)
        memory = _memory_seconds(sub, dsub, p) / np.where(sub.overlap_pool & dsub.no_l1_loads,
                                                          p.overlap_pool_efficiency, 1.0)
        seconds[rows] = np.maximum(compute, memory) + p.kernel_fixed_s
        bound[rows] = compute >= memory
    return {"seconds": seconds, "compute_bound": bound, "tensor_cores": tc, "algorithm": algorithm}


def _take(obj, rows: np.ndarray):
    return type(obj)(**{name: getattr(obj, name)[rows] for name in obj.__dataclass_fields__})
