"""DRAM traffic and stalls of a systolic array as real hardware would move data.

This is the systolic engine's *default* memory model. It differs from SCALE-Sim's
(see `hwcodesign.simulator.systolic.scalesim_model`) in what is fetched and when:

* **What.** SCALE-Sim streams the *im2col'ed* ifmap from DRAM, so every input pixel
  is fetched once for each filter position that touches it (about ``R*S/stride**2``
  times). Here the ifmap is fetched as the tensor it is: a tile of output pixels needs
  the input rows under it (halo rows included, padding excluded), and a tile of the
  reduction dimension needs the input channels it touches (im2col order is channel
  major: ``k = (c * R + r) * S + s``).
* **When.** Folds run in the order that moves fewer bytes (row folds inside column
  folds, or the reverse). An operand tile is fetched once per *reuse window* it needs:
  a tile indexed only by the outer fold loop stays in its buffer across the inner loop
  when it fits in half its buffer (the other half takes the next tile); an operand
  indexed only by the inner loop is fetched once for the whole layer when all of it
  fits in its buffer, else again on every outer iteration. An operand whose whole
  tensor fits in its buffer is fetched exactly once, however its tiles overlap. Partial sums that cannot
  stay in the ofmap buffer across the reduction folds are spilled to DRAM and read
  back.
* **Stalls.** Operands stream through double buffers: a fold's streamed inputs and
  outputs move while it computes, and it stalls for whatever of that transfer its
  compute cycles do not hide. Exposed once per layer: the stationary tile of the first
  fold (weight or input stationary), which must be in place before any MAC; and for
  output stationary, where a tile's results leave after its last MAC, the last
  fold's results (earlier folds' results drain during the next fold).

The fold grid and each fold's compute cycles come from the compute model shared with
the SCALE-Sim mode, so both modes agree on compute cycles and SRAM accesses and
differ only in DRAM traffic and stalls.

Examples
--------
A 4x4 array, output stationary, a GEMM of m=8 pixels, n=4 filters, k=16: two row
folds of 4 pixels; ifmap tiles are 4x16, the filter is 16x4 and fits, so it is read
once; the output is written once.

>>> t = gemm_traffic(m=8, n=4, k=16, rows=4, cols=4, dataflow="os", fold_cycles=[26, 26],
...                  ifmap_buffer_words=256, filter_buffer_words=256, ofmap_buffer_words=64,
...                  bandwidth_words_per_cycle=4)
>>> t.ifmap_read_words, t.filter_read_words, t.ofmap_write_words, t.ofmap_read_words
(128, 64, 32, 0)
>>> t.stall_cycles  # fold 1 moves 128 words in 32 cycles (6 exposed), fold 2 64+16; last tile 16/4
10
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["ConvShape", "Traffic", "gemm_traffic"]

Dataflow = Literal["os", "ws", "is"]


@dataclass(frozen=True, slots=True)
class ConvShape:
    """The ifmap geometry behind a GEMM's ``m`` (output pixels) and ``k`` (reduction) dims.

    ``m = batch * out_h * out_w`` in row-major (n, p, q) order; ``k = channels * r * s``
    in (c, r, s) order. Unpadded input ``in_h`` x ``in_w``; ``pad_h`` rows of padding on top.
    """

    batch: int
    channels: int
    in_h: int
    in_w: int
    out_h: int
    out_w: int
    kernel_h: int
    kernel_w: int
    stride_h: int
    pad_h: int
    dilation_h: int


@dataclass(frozen=True, slots=True)
class Traffic:
    """Words moved between DRAM and the buffers for one GEMM, and the stalls they cause."""

    ifmap_read_words: int
    filter_read_words: int
    ofmap_write_words: int
    ofmap_read_words: int
    stall_cycles: int
    peak_words_per_cycle: float
    order: Literal["row_inner", "col_inner"]

    @property
    def moved_words(self) -> int:
        """All words moved between DRAM and the buffers."""
        return self.ifmap_read_words + self.filter_read_words + self.ofmap_write_words + self.ofmap_read_words


def _tiles(extent: int, tile: int) -> np.ndarray:
    """Sizes of the tiles that cut ``extent`` into pieces of ``tile``."""
    folds = -(-extent // tile)
    sizes = np.full(folds, tile, dtype=np.int64)
    sizes[-1] = extent - tile * (folds - 1)
    return sizes


def _ifmap_words(m_tiles: np.ndarray, k_tiles: np.ndarray, m: int, k: int, conv: ConvShape | None) -> np.ndarray:
    """Ifmap words for each (m tile, k tile): the tensor's footprint, or the plain tile for a GEMM."""
    if conv is None:
        return np.outer(m_tiles, k_tiles)
    # Rows of the input under each tile of output pixels (halo included, padding excluded).
    m_end = np.cumsum(m_tiles) - 1
    m_start = m_end - m_tiles + 1
    plane = conv.out_h * conv.out_w
    eff_kh = (conv.kernel_h - 1) * conv.dilation_h + 1

    def row_span(first_p: np.ndarray, last_p: np.ndarray) -> np.ndarray:
        lo = np.maximum(first_p * conv.stride_h - conv.pad_h, 0)
        hi = np.minimum(last_p * conv.stride_h - conv.pad_h + eff_kh - 1, conv.in_h - 1)
        return np.maximum(hi - lo + 1, 0)

    n0, p0 = np.divmod(m_start, plane)[0], np.divmod(m_start, plane)[1] // conv.out_w
    n1, p1 = np.divmod(m_end, plane)[0], np.divmod(m_end, plane)[1] // conv.out_w
    same = n0 == n1
    rows = np.where(
        same,
        row_span(p0, p1),
        row_span(p0, np.full_like(p0, conv.out_h - 1))
        + row_span(np.zeros_like(p1), p1)
        + np.maximum(n1 - n0 - 1, 0) * row_span(np.zeros(1, np.int64), np.full(1, conv.out_h - 1)),
    )
    # Channels touched by each tile of the reduction dimension (channel-major im2col).
    rs = conv.kernel_h * conv.kernel_w
    k_end = np.cumsum(k_tiles) - 1
    k_start = k_end - k_tiles + 1
    channels = k_end // rs - k_start // rs + 1
    footprint = np.outer(rows * conv.in_w, channels)
    return np.minimum(footprint, np.outer(m_tiles, k_tiles))  # never more than the im2col tile


def gemm_traffic(
    *,
    m: int,
    n: int,
    k: int,
    rows: int,
    cols: int,
    dataflow: Dataflow,
    fold_cycles: np.ndarray | list[int],
    ifmap_buffer_words: int,
    filter_buffer_words: int,
    ofmap_buffer_words: int,
    bandwidth_words_per_cycle: float,
    shared_bandwidth: bool = True,
    conv: ConvShape | None = None,
) -> Traffic:
    """DRAM words and stall cycles of one GEMM (``m x k`` ifmap, ``k x n`` filter) on the array.

    Parameters
    ----------
    m, n, k
        Output pixels, filters, reduction length (the im2col view of a convolution).
    rows, cols, dataflow
        The array and its dataflow: ``os`` maps (m, n) on (rows, cols); ``ws`` maps
        (k, n); ``is`` maps (k, m).
    fold_cycles
        Compute cycles of each fold, in row-fold-inner order (one per fold).
    ifmap_buffer_words, filter_buffer_words, ofmap_buffer_words
        Buffer capacities in words.
    bandwidth_words_per_cycle
        DRAM bandwidth: shared by all operands, or of each operand's own channel when
        ``shared_bandwidth`` is false (ifmap reads, filter reads, ofmap traffic).
    conv
        The convolution behind the GEMM, for the ifmap's true footprint; ``None`` for a GEMM.
    """
    # Each operand's dims: ifmap (m, k), filter (k, n), ofmap (m, n). Fold dims per dataflow.
    row_dim, col_dim = {"os": ("m", "n"), "ws": ("k", "n"), "is": ("k", "m")}[dataflow]
    extent = {"m": m, "n": n, "k": k}
    tile = {row_dim: rows, col_dim: cols}
    tiles = {d: _tiles(extent[d], tile[d]) if d in tile else np.array([extent[d]]) for d in "mnk"}
    f_rows, f_cols = len(tiles[row_dim]), len(tiles[col_dim])
    cycles_row_inner = np.asarray(fold_cycles, dtype=np.float64).reshape(f_cols, f_rows)

    ifmap = _ifmap_words(tiles["m"], tiles["k"], m, k, conv)  # shape (m tiles, k tiles)
    filt = np.outer(tiles["k"], tiles["n"])
    ofmap = np.outer(tiles["m"], tiles["n"])
    grids = {"ifmap": (ifmap, ("m", "k")), "filter": (filt, ("k", "n"))}
    capacity = {"ifmap": ifmap_buffer_words, "filter": filter_buffer_words}
    whole = {"ifmap": int(_ifmap_words(np.array([m]), np.array([k]), m, k, conv)[0, 0]), "filter": k * n}

    best: Traffic | None = None
    for order, (outer, inner) in (("row_inner", (col_dim, row_dim)), ("col_inner", (row_dim, col_dim))):
        n_out, n_in = len(tiles[outer]), len(tiles[inner])
        fetches: dict[str, np.ndarray] = {}
        for name, (grid, dims) in grids.items():
            per_fold = _on_fold_grid(grid, dims, outer, inner, n_out, n_in)
            if inner not in dims:  # reused across the inner loop if one tile fits in half the buffer
                keep = per_fold[:, :1].max() <= capacity[name] // 2
                fetched = np.where(np.arange(n_in) == 0, per_fold, 0) if keep else per_fold
            elif outer not in dims:  # reused across outer iterations if the whole operand stays
                resident = per_fold[0].sum() <= capacity[name]
                fetched = np.where(np.arange(n_out)[:, None] == 0, per_fold, 0) if resident else per_fold
            else:
                fetched = per_fold
            total = fetched.sum() if fetched.shape == (n_out, n_in) else np.broadcast_to(fetched, (n_out, n_in)).sum()
            if whole[name] <= capacity[name] and total > whole[name]:
                fetched = fetched * (whole[name] / total)  # all of it stays: tiles overlap, each word comes once
            fetches[name] = np.broadcast_to(fetched, (n_out, n_in))
        writes, ofmap_reads = _ofmap_writes(ofmap, outer, inner, n_out, n_in, ofmap_buffer_words)
        cycles = cycles_row_inner if order == "row_inner" else cycles_row_inner.T
        channels = [fetches["ifmap"], fetches["filter"], ofmap_reads]
        stationary = {"os": 0.0, "ws": fetches["filter"][0, 0], "is": fetches["ifmap"][0, 0]}[dataflow]
        stall, peak = _stalls(channels, writes, cycles, bandwidth_words_per_cycle, shared=shared_bandwidth,
                              prologue_words=stationary, outputs_after_fold=dataflow == "os")
        result = Traffic(round(fetches["ifmap"].sum()), round(fetches["filter"].sum()), round(writes.sum()),
                         round(ofmap_reads.sum()), stall, peak, order)
        if best is None or (result.moved_words, result.stall_cycles) < (best.moved_words, best.stall_cycles):
            best = result
    return best  # type: ignore[return-value]  # the loop ran twice


def _on_fold_grid(grid: np.ndarray, dims: tuple[str, str], outer: str, inner: str, n_out: int, n_in: int) -> np.ndarray:
    """Lay an operand's per-tile words (axes ``dims``) on the (outer, inner) fold grid.

    The operand's dimension that is not a fold dimension is temporal: a fold streams
    all of it, so its tiles are summed.
    """
    if outer in dims and inner in dims:
        placed = grid if dims.index(outer) == 0 else grid.T
    elif outer in dims:
        placed = grid.sum(axis=1 - dims.index(outer))[:, None]
    else:
        placed = grid.sum(axis=1 - dims.index(inner))[None, :]
    return np.broadcast_to(placed.astype(np.float64), (n_out, n_in))


def _ofmap_writes(
    ofmap: np.ndarray, outer: str, inner: str, n_out: int, n_in: int, capacity: int
) -> tuple[np.ndarray, np.ndarray]:
    """Ofmap write-backs and partial-sum read-backs per fold on the (outer, inner) grid."""
    dims = ("m", "n")
    per_fold = _on_fold_grid(ofmap, dims, outer, inner, n_out, n_in)
    writes = np.zeros((n_out, n_in))
    reads = np.zeros((n_out, n_in))
    if "k" not in (outer, inner):  # output stationary: every fold finishes its own tile
        return per_fold, reads
    if inner == "k":  # a tile accumulates over the inner loop; spills if it cannot stay
        if per_fold[:, 0].max() <= capacity:
            writes[:, -1] = per_fold[:, -1]
        else:
            writes[:] = per_fold
            reads[:, 1:] = per_fold[:, 1:]
        return writes, reads
    # k is the outer loop: the whole output must stay resident between outer iterations.
    if per_fold[0].sum() <= capacity:
        writes[-1] = per_fold[-1]
    else:
        writes[:] = per_fold
        reads[1:] = per_fold[1:]
    return writes, reads


def _stalls(
    reads: list[np.ndarray], writes: np.ndarray, cycles: np.ndarray, bandwidth: float, *, shared: bool,
    prologue_words: float, outputs_after_fold: bool,
) -> tuple[int, float]:
    """Stall cycles, and the peak words per cycle over folds, when each fold's transfers stream
    during its compute (see the module docstring).

    ``reads`` holds the per-fold words of each read channel (ifmap, filter, partial sums),
    ``writes`` the per-fold result words; all on the same (outer, inner) fold grid.
    """
    reads_flat = [r.ravel().astype(np.float64) for r in reads]
    out = writes.ravel().astype(np.float64)
    if outputs_after_fold:  # a fold's results drain during the next fold; the last one's are exposed
        exposed_out = out[-1] / bandwidth
        out = np.concatenate([[0.0], out[:-1]])
    else:
        exposed_out = 0.0
    channels = [*reads_flat, out]
    if shared:
        moved = np.sum(channels, axis=0)
        moved[0] -= prologue_words
        transfer = moved / bandwidth
    else:
        transfer = np.max(channels, axis=0) / bandwidth
        transfer[0] = max(transfer[0] - prologue_words / bandwidth, 0.0)
    total = prologue_words / bandwidth + np.maximum(transfer - cycles.ravel(), 0).sum() + exposed_out
    words = np.sum(channels, axis=0)
    words[0] -= prologue_words
    rates = words / np.maximum(np.maximum(transfer, cycles.ravel()), 1)
    exposed_rate = bandwidth if prologue_words or exposed_out else 0.0  # one channel at full speed
    return int(np.ceil(total - 1e-9)), float(max(rates.max(), exposed_rate))
