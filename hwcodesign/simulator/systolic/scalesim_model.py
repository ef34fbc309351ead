"""SCALE-Sim 3.0.0 reproduced per layer without per-cycle traces.

SCALE-Sim builds, for every layer, three "demand matrices" (one row per array cycle, one
column per array edge port), feeds them line by line through a double-buffered ifmap
scratchpad, a double-buffered filter scratchpad and an ofmap write buffer, and reports the
cycles, the stalls and the SRAM/DRAM accesses that walk produced. This module derives the
same numbers from the fold structure: the compute side is closed form, and the memory side
is walked at the granularity of buffer events (prefetches of a read buffer, drains of the
write buffer), skipping every cycle in which nothing happens.

What SCALE-Sim does, and therefore what this model reproduces
-------------------------------------------------------------
Folds. The layer is an ``E x W`` by ``W x K`` GEMM (``E`` ofmap pixels, ``W = R*S*C``
window, ``K`` filters). Output stationary maps ``E`` on rows and ``K`` on columns with
``T = W``; weight stationary maps ``W`` on rows and ``K`` on columns with ``T = E``; input
stationary maps ``W`` on rows and ``E`` on columns with ``T = K``. Folds are visited column
fold outer, row fold inner. A fold lasts ``T + R + C - 2`` demand lines (OS) or
``2R + C + T - 2`` lines (WS, IS), ``R x C`` being the array.

Quirks, each reproduced on purpose:

* OS ofmap SRAM writes add ``R + C`` per fold to the true count (SCALE-Sim adds the shape
  of each padded fold to its write counter).
* SRAM reads are counted from the shapes of the operand slices, so the ``-1`` entries of the
  im2col matrix (windows that run off the bottom/right edge when the stride does not divide
  ``H - R``) count as reads.
* ``Total Cycles`` is the cycle of the last ofmap demand line, i.e. ``lines - 1 + stalls``
  (one less than the cycles elapsed, so ``Overall Util %`` can exceed 100: a 3x3 layer
  with a 1x1 filter on a 1x1 array reports 9 MACs in 8 cycles, 112.5%);
  ``Total Cycles (incl. prefetch)`` is ``ofmap DRAM stop - min(ifmap, filter DRAM start)``.
* Sizes: ``kB * 1024`` words of one byte; each read buffer keeps ``ceil(size/2)`` words
  active and ``floor(size/2)`` for prefetch; the write buffer drains
  ``size - ceil(size/2)`` words at a time.
* USER bandwidth mode: the ifmap and filter DRAM bandwidths are the ``[layout]`` section's
  ``IfmapSRAMBankBandwidth`` and ``FilterSRAMBankBandwidth`` (not ``Bandwidth``); the ofmap
  drain bandwidth is the first value of ``Bandwidth``. CALC mode: reads never stall, the
  first prefetch runs at 10 words/cycle, the ofmap drains at ``array_cols`` words/cycle.
* Read buffer (USER). The operand's prefetch order (its fold blocks stacked and, for the
  skewed operands, read along anti-diagonals) is cut into "lines" of
  ``ceil(size_words/100)`` valid addresses; the active window is ``ceil(active/line)``
  lines and every prefetch rotates it, circularly, by ``ceil(prefetch/line)`` lines. A
  demanded address hits if any line of the window holds it (im2col duplicates included).
  DRAM reads count whole request rows of ``bandwidth`` words:
  ``bw * (min(ceil(active/bw), rows) + prefetches * ceil(prefetch/bw))``. Prefetch ``k``
  completes at ``k * (ceil(prefetch/bw) + 1) - 1`` whenever it is asked for; when a line
  needs it at cycle ``t`` and it completes at ``c > t`` the line is delayed by ``2 (c - t)``
  (SCALE-Sim adds the potential stall twice); when ``c <= t`` the offset becomes
  ``c - cycle``, which can be negative and is then masked by the max over operands.
* Write buffer. Ofmap elements are appended in demand order into rows of ``bandwidth``
  words; when fewer than ``active`` words are free and no drain is running, the partial row
  is closed and ``ceil(drain/bw)`` rows are drained, one per cycle, counting each row as
  full except the last one of the batch (so a partial row inside a batch counts as
  ``bandwidth`` words). A store stalls only when no space is left while a drain runs.
* CALC-mode read buffers dedupe addresses within batches of ``50 * floor(size/100)``
  newly inserted addresses; DRAM reads are the insertions.
* The topology loader turns a GEMM row ``M, N, K`` into a conv layer with ifmap ``M x K``,
  filter ``1 x K``, one channel, ``N`` filters and stride 1; layer names containing ``DP``
  are split per channel by SCALE-Sim (handle that before calling this module).

Exactness: every quantity above is derived from the same state machine as SCALE-Sim, so
cycles, stalls and all access counts agree exactly on every layer checked (see
``tests/golden/scalesim``). Utilisation percentages are summed fold by fold in SCALE-Sim's
order, so even their floating-point rounding agrees.

Cost: when an operand fits its active buffer (the usual case with realistic SRAMs) and the
ofmap drains rarely, a layer costs well under a millisecond (ResNet-18 on the 256x256
``google.cfg``: about 7 ms for all 21 layers, against minutes for SCALE-Sim). When a read
buffer has to rotate, the hit test depends on which addresses sit in which buffer line
(im2col duplicates), so the demand stream is generated as a numpy array and scanned
miss to miss: time and memory grow with the layer's operand-matrix size (ResNet-18 on a
32x32 array with 64 kB SRAMs: 15-25 s per dataflow, where SCALE-Sim needs hours).

Examples
--------
>>> from hwcodesign.simulator.systolic.scalesim_model import scalesim_conv_layer
>>> s = scalesim_conv_layer(ifmap_h=8, ifmap_w=8, filter_h=3, filter_w=3, channels=2,
...     num_filters=5, stride=1, array_rows=4, array_cols=6, dataflow="os",
...     ifmap_sram_kb=1, filter_sram_kb=1, ofmap_sram_kb=1, bandwidth_mode="USER",
...     ifmap_dram_bw_words_per_cycle=2, filter_dram_bw_words_per_cycle=3,
...     ofmap_dram_bw_words_per_cycle=4)
>>> s.total_cycles, s.stall_cycles, s.ifmap_dram_reads, s.ofmap_sram_writes
(351, 118, 1024, 270)
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from typing import Literal

import numpy as np

from hwcodesign.core.checks import require_int
from hwcodesign.core.errors import ConfigError
from hwcodesign.simulator.systolic.folds import FoldGrid, fold_grid

__all__ = ["ScaleSimLayerStats", "scalesim_conv_layer", "scalesim_gemm_layer"]

Dataflow = Literal["os", "ws", "is"]
BandwidthMode = Literal["USER", "CALC"]

_HIT_LATENCY = 1
_CALC_FIRST_PREFETCH_BW = 10


@dataclass(frozen=True, slots=True)
class ScaleSimLayerStats:
    """Everything SCALE-Sim's three reports hold for one layer.

    Cycle stamps are the values SCALE-Sim prints (its trace cycles; DRAM ones can be
    negative because the first prefetch is placed before cycle 0). ``macs``, the fold
    counts and ``lines_per_fold`` (array cycles per fold without stalls) are not in
    SCALE-Sim's reports; they describe the mapping.
    """

    total_cycles_incl_prefetch: int
    total_cycles: int
    stall_cycles: int
    overall_util_percent: float
    mapping_efficiency_percent: float
    compute_util_percent: float
    ifmap_sram_reads: int
    filter_sram_reads: int
    ofmap_sram_writes: int
    ifmap_dram_reads: int
    filter_dram_reads: int
    ofmap_dram_writes: int
    ifmap_sram_start_cycle: int
    ifmap_sram_stop_cycle: int
    filter_sram_start_cycle: int
    filter_sram_stop_cycle: int
    ofmap_sram_start_cycle: int
    ofmap_sram_stop_cycle: int
    ifmap_dram_start_cycle: int
    ifmap_dram_stop_cycle: int
    filter_dram_start_cycle: int
    filter_dram_stop_cycle: int
    ofmap_dram_start_cycle: int
    ofmap_dram_stop_cycle: int
    avg_ifmap_sram_bw_words_per_cycle: float
    avg_filter_sram_bw_words_per_cycle: float
    avg_ofmap_sram_bw_words_per_cycle: float
    avg_ifmap_dram_bw_words_per_cycle: float
    avg_filter_dram_bw_words_per_cycle: float
    avg_ofmap_dram_bw_words_per_cycle: float
    macs: int
    row_folds: int
    col_folds: int
    lines_per_fold: int


# --------------------------------------------------------------------------- validation


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"The {name!r} argument must be one of {', '.join(map(repr, allowed))}. Got {value!r}.")
    return str(value)


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True, slots=True)
class _Layer:
    ih: int
    iw: int
    fh: int
    fw: int
    ch: int
    nf: int
    st: int
    oh: int
    ow: int

    @property
    def e(self) -> int:
        return self.oh * self.ow

    @property
    def w(self) -> int:
        return self.fh * self.fw * self.ch

    def ifmap_addr(self, p: np.ndarray, j: np.ndarray) -> np.ndarray:
        """im2col address of window element ``j`` of ofmap pixel ``p``; -1 off the edge."""
        orow, ocol = np.divmod(p, self.ow)
        r, rem = np.divmod(j, self.fw * self.ch)
        q, c = np.divmod(rem, self.ch)
        y = orow * self.st + r
        x = ocol * self.st + q
        ok = (y < self.ih) & (x < self.iw)
        return np.where(ok, (y * self.iw + x) * self.ch + c, -1)

    def _row_col_limits(self, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Largest valid ofmap row and column (may be < 0) for window element(s) ``j``."""
        r, rem = np.divmod(j, self.fw * self.ch)
        q = rem // self.ch
        orow = np.minimum(self.oh - 1, (self.ih - 1 - r) // self.st)
        ocol = np.minimum(self.ow - 1, (self.iw - 1 - q) // self.st)
        return orow, ocol

    def max_valid_p(self, j: np.ndarray) -> np.ndarray:
        """Largest ofmap pixel whose window element ``j`` is on the ifmap."""
        orow, ocol = self._row_col_limits(j)
        return orow * self.ow + ocol

    def n_valid_p_in(self, j: np.ndarray, lo: int, hi: int) -> np.ndarray:
        """How many pixels in ``[lo, hi)`` have window element ``j`` on the ifmap."""
        orow, ocol = self._row_col_limits(j)

        def below(x: int) -> np.ndarray:
            full, part = divmod(x, self.ow)
            n = np.minimum(full, orow + 1) * (ocol + 1)
            return n + np.where(full <= orow, np.minimum(part, ocol + 1), 0)

        return below(hi) - below(lo)

    def max_valid_j(self, p: np.ndarray) -> np.ndarray:
        """Largest on-ifmap window element of pixel(s) ``p``; -1 if none."""
        orow, ocol = np.divmod(p, self.ow)
        rmax = np.minimum(self.fh - 1, self.ih - 1 - orow * self.st)
        qmax = np.minimum(self.fw - 1, self.iw - 1 - ocol * self.st)
        j = rmax * self.fw * self.ch + qmax * self.ch + self.ch - 1
        return np.where((rmax >= 0) & (qmax >= 0), j, -1)

    def n_valid_ifmap(self) -> int:
        """Valid entries of the whole im2col matrix (those that are not -1)."""

        def along(n_out: int, f: int, n_in: int) -> int:
            starts = np.arange(n_out) * self.st
            return int(np.clip(n_in - starts, 0, f).sum())

        return along(self.oh, self.fh, self.ih) * along(self.ow, self.fw, self.iw) * self.ch

    def n_distinct_ifmap(self) -> int:
        def touched(n_out: int, f: int, n_in: int) -> int:
            mask = np.zeros(n_in, dtype=bool)
            for o in range(n_out):
                mask[o * self.st : min(o * self.st + f, n_in)] = True
            return int(mask.sum())

        return touched(self.oh, self.fh, self.ih) * touched(self.ow, self.fw, self.iw) * self.ch


def _used(idx: int, n: int, total: int) -> int:
    """PEs of an ``n``-wide array edge that fold ``idx`` maps when ``total`` elements are cut by ``n``."""
    return min(n, total - idx * n)


# --------------------------------------------------------------------------- demand streams


def _diag_order(m: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, col) of an m x n matrix read along anti-diagonals, bottom row first."""
    rr, cc = np.meshgrid(np.arange(m, dtype=np.int64), np.arange(n, dtype=np.int64), indexing="ij")
    rr, cc = rr.ravel(), cc.ravel()
    order = np.argsort((rr + cc) * m + (m - 1 - rr), kind="stable")
    return rr[order], cc[order]


def _prefetch_sequence(layer: _Layer, fo: FoldGrid, operand: str) -> np.ndarray:
    """The operand's DRAM prefetch order (what SCALE-Sim writes into its fetch matrix)."""
    R, C, df = fo.rows, fo.cols, fo.dataflow
    W, K, E = layer.w, layer.nf, layer.e
    if (df, operand) in {("ws", "filter"), ("is", "ifmap")}:
        # row-major, blocks of width C stacked per column fold
        blk_rows = W
        rr, cc = np.meshgrid(np.arange(fo.col_folds * blk_rows), np.arange(C), indexing="ij")
        rr, cc = rr.ravel(), cc.ravel()
        fold, row = np.divmod(rr, blk_rows)
        col = fold * C + cc
        lim = fo.sc
        ok = col < lim
        addr = col * W + row if operand == "filter" else layer.ifmap_addr(np.minimum(col, E - 1), row)
        return np.where(ok, addr, -1)
    # skewed operands: blocks stacked then read along anti-diagonals
    if df == "os" and operand == "ifmap":
        blk, width, nfold, lim = W, R, fo.row_folds, E
    elif df == "os" and operand == "filter":
        blk, width, nfold, lim = W, C, fo.col_folds, K
    elif df == "ws" and operand == "ifmap":
        blk, width, nfold, lim = E, R, fo.row_folds, W
    else:  # is filter
        blk, width, nfold, lim = K, R, fo.row_folds, W
    rr, cc = _diag_order(nfold * blk, width)
    fold, u = np.divmod(rr, blk)
    idx = fold * width + cc
    ok = idx < lim
    idx = np.minimum(idx, lim - 1)
    if df == "os" and operand == "ifmap":
        addr = layer.ifmap_addr(idx, u)
    elif df == "os":
        addr = idx * W + u
    elif df == "ws":
        addr = layer.ifmap_addr(u, idx)
    else:
        addr = u * W + idx
    return np.where(ok, addr, -1)


def _demand_stream(
    layer: _Layer, fo: FoldGrid, operand: str, only: tuple[int, int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(global demand line, address) of every non -1 request, in SCALE-Sim's service order.

    ``only=(fc, fr)`` restricts the walk to that one fold.
    """
    R, C, df, F = fo.rows, fo.cols, fo.dataflow, fo.cycles_per_fold
    W, E = layer.w, layer.e
    stationary = (df, operand) in {("ws", "filter"), ("is", "ifmap")}
    lines_parts: list[np.ndarray] = []
    addr_parts: list[np.ndarray] = []
    cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    fold_list = [only] if only is not None else [(fc, fr) for fc in range(fo.col_folds) for fr in range(fo.row_folds)]
    for fc, fr in fold_list:
        uc = _used(fc, C, fo.sc)
        ur = _used(fr, R, fo.sr)
        base = (fc * fo.row_folds + fr) * F
        if stationary:
            # flipped block: line q holds block row R-1-q, columns in order
            key = (ur, uc)
            if key not in cache:
                q, b = np.meshgrid(np.arange(R - ur, R), np.arange(uc), indexing="ij")
                cache[key] = (q.ravel(), (R - 1 - q).ravel(), b.ravel())
            line, brow, b = cache[key]
            r0, c0 = fr * R, fc * C
            # ws filter or is ifmap
            addr = (c0 + b) * W + (r0 + brow) if operand == "filter" else layer.ifmap_addr(c0 + b, r0 + brow)
            lines_parts.append(line + base)
            addr_parts.append(addr)
            continue
        # skewed: element (u, a) of the block at local line pre + u + a
        if df == "os" and operand == "ifmap":
            t_len, used, pre, idx0 = fo.t, ur, 0, fr * R
        elif df == "os":
            t_len, used, pre, idx0 = fo.t, uc, 0, fc * C
        elif df == "ws":
            t_len, used, pre, idx0 = E, ur, R, fr * R
        else:  # is filter
            t_len, used, pre, idx0 = layer.nf, ur, R, fr * R
        key = (t_len, used, -1)
        if key not in cache:
            rr, cc = _diag_order(t_len, used)
            cache[key] = (rr, cc, rr + cc)
        u, a, d = cache[key]
        if df == "os" and operand == "ifmap":
            addr = layer.ifmap_addr(idx0 + a, u)
        elif df == "os":
            addr = (idx0 + a) * W + u
        elif df == "ws":
            addr = layer.ifmap_addr(u, idx0 + a)
        else:
            addr = u * W + idx0 + a
        lines_parts.append(d + (base + pre))
        addr_parts.append(addr)
    lines = np.concatenate(lines_parts)
    addrs = np.concatenate(addr_parts)
    keep = addrs >= 0
    return lines[keep], addrs[keep]


def _fold_span(layer: _Layer, fo: FoldGrid, operand: str, fc: int, fr: int) -> tuple[int, int] | None:
    """Local (first, last) demand line of fold (fc, fr) holding a valid request, or None."""
    R, C = fo.rows, fo.cols
    uc = _used(fc, C, fo.sc)
    ur = _used(fr, R, fo.sr)
    df = fo.dataflow
    if operand == "filter":  # filter addresses are never -1
        if df == "os":
            return 0, layer.w - 1 + uc - 1
        if df == "ws":
            return R - ur, R - 1
        return R, R + layer.nf - 1 + ur - 1
    a = np.arange(ur)
    if df == "os":  # element (j, a) of pixel r0 + a at line j + a; j = 0 is valid on any valid pixel
        jmax = layer.max_valid_j(fr * R + a)
        ok = jmax >= 0
        if not ok.any():
            return None
        return int(a[ok].min()), int((jmax + a)[ok].max())
    if df == "ws":  # element (p, a) of window r0 + a at line R + p + a; p = 0 is always valid
        pmax = layer.max_valid_p(fr * R + a)
        return R, R + int((pmax + a).max())
    # is: line q holds window r0 + R-1-q for pixels c0 .. c0+uc-1
    q = np.arange(R - ur, R)
    n = layer.n_valid_p_in(fr * R + R - 1 - q, fc * C, fc * C + uc)
    ok = n > 0
    if not ok.any():
        return None
    return int(q[ok].min()), int(q[ok].max())


def _stream_span(layer: _Layer, fo: FoldGrid, operand: str) -> tuple[int, int]:
    """First and last demand line holding a valid request (closed form per fold)."""
    F = fo.cycles_per_fold
    if operand == "ofmap":
        R, C = fo.rows, fo.cols
        ur0 = _used(0, R, fo.sr)
        first = fo.t - 1 + (R - ur0) if fo.dataflow == "os" else 2 * R - 1
        uc_l = _used(fo.col_folds - 1, C, fo.sc)
        last = (fo.n_folds - 1) * F + (fo.t - 1 + R - 1 if fo.dataflow == "os" else 2 * R - 2 + fo.t) + uc_l - 1
        return first, last
    # a fold can hold only -1 requests (windows off the edge); look further in then
    first = last = -1
    for g in range(fo.n_folds):
        span = _fold_span(layer, fo, operand, *divmod(g, fo.row_folds))
        if span is not None:
            first = g * F + span[0]
            break
    for g in reversed(range(fo.n_folds)):
        span = _fold_span(layer, fo, operand, *divmod(g, fo.row_folds))
        if span is not None:
            last = g * F + span[1]
            break
    return first, last


# --------------------------------------------------------------------------- read buffers


def _window_prefetches(
    seq: np.ndarray, d_lines: np.ndarray, d_addr: np.ndarray, size_words: int, bw: int, n_total_lines: int
) -> tuple[np.ndarray, int, int]:
    """Walk the USER-mode read buffer; return (prefetches per demand line, n0 rows, rows per prefetch)."""
    active = math.ceil(size_words * 0.5)
    pf = size_words - active
    eps = math.ceil(size_words / 100)
    rows_fetch = math.ceil(seq.size / bw)
    n0 = min(math.ceil(active / bw), rows_fetch)
    npf = math.ceil(pf / bw)
    per_line = np.zeros(n_total_lines, dtype=np.int64)
    valid = seq[seq >= 0]
    n_lines = valid.size // eps + 1
    a_max, p_max = math.ceil(active / eps), math.ceil(pf / eps)
    if n_lines <= a_max:
        return per_line, n0, npf
    A = a_max
    P = min(n_lines - A, p_max)
    # line ids holding each address (im2col duplicates give several)
    line_id = np.arange(valid.size, dtype=np.int64) // eps
    order = np.lexsort((line_id, valid))
    va, vl = valid[order], line_id[order]
    keep = np.ones(va.size, dtype=bool)
    keep[1:] = (va[1:] != va[:-1]) | (vl[1:] != vl[:-1])
    va, vl = va[keep], vl[keep]
    uniq, start, counts = np.unique(va, return_index=True, return_counts=True)
    dmax = int(counts.max())
    slot = np.arange(va.size) - np.repeat(start, counts)
    ids = np.repeat(vl[start][:, None], dmax, axis=1)
    ids[np.repeat(np.arange(uniq.size), counts), slot] = vl
    # map demanded addresses to rows of ids
    rows_of = np.searchsorted(uniq, d_addr)
    if dmax == 1:
        ids1 = ids[:, 0][rows_of]  # one line per address: gather once
    s = 0
    pos = 0
    n = d_addr.size
    chunk = max(256, 2 * P * eps)
    while pos < n:
        end = min(n, pos + chunk)
        # distance of each request's nearest copy ahead of the window start
        md = (ids1[pos:end] - s) % n_lines if dmax == 1 else ((ids[rows_of[pos:end]] - s) % n_lines).min(axis=1)
        miss = np.flatnonzero(md >= A)
        if miss.size == 0:
            pos = end
            chunk = min(chunk * 2, 1 << 20)
            continue
        m = int(miss[0])
        k = (int(md[m]) - A) // P + 1
        s = (s + k * P) % n_lines
        per_line[d_lines[pos + m]] += k
        pos += m + 1
        chunk = max(256, 2 * (m + 1))  # misses tend to recur at a similar distance
    return per_line, n0, npf


def _calc_batches(d_lines: np.ndarray, d_addr: np.ndarray, size_words: int) -> tuple[int, list[int]]:
    """CALC-mode read buffer: (DRAM reads, demand line of each 50-set trigger)."""
    items = size_words // 100
    batch = 50 * items
    triggers: list[int] = []
    reads = 0
    pos, n = 0, d_addr.size
    while pos < n:
        # first occurrences within the segment starting at pos
        end = n
        seg = d_addr[pos:end]
        _, first_idx = np.unique(seg, return_index=True)
        if first_idx.size < batch or batch == 0:
            reads += first_idx.size
            break
        first_idx.sort()
        cut = int(first_idx[batch - 1])
        reads += batch
        triggers.append(int(d_lines[pos + cut]))
        pos += cut + 1
    return reads, triggers


# --------------------------------------------------------------------------- ofmap stores


def _ofmap_stores_per_line(fo: FoldGrid) -> np.ndarray:
    """Ofmap words written on each demand line (over all folds, in walk order)."""
    R, C, F = fo.rows, fo.cols, fo.cycles_per_fold
    t = np.arange(F, dtype=np.int64)
    cache: dict[tuple[int, int], np.ndarray] = {}
    parts = []
    for fc in range(fo.col_folds):
        uc = _used(fc, C, fo.sc)
        for fr in range(fo.row_folds):
            ur = _used(fr, R, fo.sr)
            if fo.dataflow == "os":
                off, q0, q1 = fo.t - 1, R - ur, R
            else:
                off, q0, q1 = 2 * R - 1, 0, fo.t
            key = (q0, uc)
            if key not in cache:
                tt = t - off  # q + b == tt, q in [q0, q1), b in [0, uc)
                lo = np.maximum(0, tt - q1 + 1)
                hi = np.minimum(uc - 1, tt - q0)
                cache[key] = np.maximum(hi - lo + 1, 0)
            parts.append(cache[key])
    return np.concatenate(parts)


# --------------------------------------------------------------------------- the walk


class _WriteBuffer:
    """SCALE-Sim's ofmap write buffer, advanced in batches of stores."""

    def __init__(self, size_words: int, bw: int) -> None:
        self.total = size_words
        self.active = math.ceil(size_words * 0.5)
        self.drain_size = size_words - self.active
        self.bw = bw
        self.free = size_words
        self.drain_end = 0
        self.stored = 0
        self.flushed = 0
        self.line_ends: list[int] = []  # cumulative row count at the end of each flushed segment
        self.last_lens: list[int] = []  # length of each segment's last row
        self.rows = 0
        self.ptr = 0
        self.drains: list[tuple[int, int]] = []  # (start, end) cycles
        self.writes = 0

    def _flush(self) -> None:
        n = self.stored - self.flushed
        if n > 0:
            nrows = -(-n // self.bw)
            self.rows += nrows
            self.line_ends.append(self.rows)
            self.last_lens.append(n - (nrows - 1) * self.bw)
        self.flushed = self.stored

    def _row_len(self, row: int) -> int:
        seg = bisect_right(self.line_ends, row)
        return self.last_lens[seg] if self.line_ends[seg] - 1 == row else self.bw

    def _drain(self, cycle: int) -> int:
        nl = min(-(-self.drain_size // self.bw), self.rows - self.ptr)
        data = (nl - 1) * self.bw + self._row_len(self.ptr + nl - 1)
        self.writes += data
        self.free += data
        self.ptr += nl
        end = cycle + nl - 1
        self.drains.append((cycle, end))
        return end

    def store_line(self, cycle: int, w: int) -> int:
        """Store ``w`` words requested at ``cycle``; return the cycle the line completes."""
        cur = cycle
        while w > 0:
            if cur < self.drain_end:
                m = max(self.free, 1)
                if w < m:
                    break
                self.free -= m
                self.stored += m
                w -= m
                cur = self.drain_end
            else:
                m = max(self.free - self.active + 1, 1)
                if w < m:
                    break
                self.free -= m
                self.stored += m
                w -= m
                self._flush()
                self.drain_end = self._drain(cur)
        self.free -= w
        self.stored += w
        return cur

    def finish(self, cycle: int) -> None:
        self._flush()
        while self.ptr < self.rows:
            self.drain_end = self._drain(cycle)
            cycle = self.drain_end + 1


def _read_offset(n_pref: int, cycle: int, lp: int, step: int) -> tuple[int, int]:
    """Service offset of a line needing ``n_pref`` prefetches; returns (offset, new lp)."""
    off = _HIT_LATENCY
    for _ in range(n_pref):
        lp += step
        p = lp - (cycle + off)
        off += 2 * p if p > 0 else p
    return off, lp


# --------------------------------------------------------------------------- public API


def scalesim_conv_layer(
    *,
    ifmap_h: int,
    ifmap_w: int,
    filter_h: int,
    filter_w: int,
    channels: int,
    num_filters: int,
    stride: int,
    array_rows: int,
    array_cols: int,
    dataflow: Dataflow,
    ifmap_sram_kb: int,
    filter_sram_kb: int,
    ofmap_sram_kb: int,
    bandwidth_mode: BandwidthMode = "USER",
    ifmap_dram_bw_words_per_cycle: int = 10,
    filter_dram_bw_words_per_cycle: int = 10,
    ofmap_dram_bw_words_per_cycle: int = 10,
    read_request_buffer: int = 512,
    write_request_buffer: int = 512,
) -> ScaleSimLayerStats:
    """Return SCALE-Sim 3.0.0's report numbers for one conv layer.

    Parameters
    ----------
    ifmap_h, ifmap_w, filter_h, filter_w, channels, num_filters, stride
        The topology row (no padding; one stride for both directions, as SCALE-Sim reads it).
    array_rows, array_cols
        ``ArrayHeight`` and ``ArrayWidth``.
    dataflow
        ``"os"``, ``"ws"`` or ``"is"``.
    ifmap_sram_kb, filter_sram_kb, ofmap_sram_kb
        SRAM sizes in kB of 1024 one-byte words.
    bandwidth_mode
        ``"USER"`` (stalls from the given bandwidths) or ``"CALC"`` (SCALE-Sim's estimate mode).
    ifmap_dram_bw_words_per_cycle, filter_dram_bw_words_per_cycle
        USER mode only: SCALE-Sim's ``IfmapSRAMBankBandwidth`` / ``FilterSRAMBankBandwidth``.
    ofmap_dram_bw_words_per_cycle
        USER mode only: the first value of ``Bandwidth``. CALC mode drains at ``array_cols``.
    read_request_buffer, write_request_buffer
        Accepted for completeness; SCALE-Sim only uses them with Ramulator traces.

    Returns
    -------
    ScaleSimLayerStats
    """
    ih = require_int("ifmap_h", ifmap_h, low=1)
    iw = require_int("ifmap_w", ifmap_w, low=1)
    fh = require_int("filter_h", filter_h, low=1)
    fw = require_int("filter_w", filter_w, low=1)
    ch = require_int("channels", channels, low=1)
    nf = require_int("num_filters", num_filters, low=1)
    st = require_int("stride", stride, low=1)
    rows = require_int("array_rows", array_rows, low=1)
    cols = require_int("array_cols", array_cols, low=1)
    df = _check_choice("dataflow", dataflow, ("os", "ws", "is"))
    ikb = require_int("ifmap_sram_kb", ifmap_sram_kb, low=1)
    fkb = require_int("filter_sram_kb", filter_sram_kb, low=1)
    okb = require_int("ofmap_sram_kb", ofmap_sram_kb, low=1)
    mode = _check_choice("bandwidth_mode", bandwidth_mode, ("USER", "CALC"))
    ibw = require_int("ifmap_dram_bw_words_per_cycle", ifmap_dram_bw_words_per_cycle, low=1)
    fbw = require_int("filter_dram_bw_words_per_cycle", filter_dram_bw_words_per_cycle, low=1)
    obw = require_int("ofmap_dram_bw_words_per_cycle", ofmap_dram_bw_words_per_cycle, low=1)
    require_int("read_request_buffer", read_request_buffer, low=1)
    require_int("write_request_buffer", write_request_buffer, low=1)
    if fh > ih:
        raise ConfigError(f"The 'filter_h' argument must be <= ifmap_h={ih}. Got {fh}.")
    if fw > iw:
        raise ConfigError(f"The 'filter_w' argument must be <= ifmap_w={iw}. Got {fw}.")
    oh = -(-(ih - fh + st) // st)
    ow = -(-(iw - fw + st) // st)
    layer = _Layer(ih, iw, fh, fw, ch, nf, st, oh, ow)
    return _simulate(layer, rows, cols, df, ikb * 1024, fkb * 1024, okb * 1024, mode, ibw, fbw, obw)


def scalesim_gemm_layer(
    *,
    m: int,
    n: int,
    k: int,
    array_rows: int,
    array_cols: int,
    dataflow: Dataflow,
    ifmap_sram_kb: int,
    filter_sram_kb: int,
    ofmap_sram_kb: int,
    bandwidth_mode: BandwidthMode = "USER",
    ifmap_dram_bw_words_per_cycle: int = 10,
    filter_dram_bw_words_per_cycle: int = 10,
    ofmap_dram_bw_words_per_cycle: int = 10,
    read_request_buffer: int = 512,
    write_request_buffer: int = 512,
) -> ScaleSimLayerStats:
    """SCALE-Sim's ``-i gemm`` row ``name, M, N, K``: an ``M x K`` by ``K x N`` product.

    SCALE-Sim loads it as a conv layer with ifmap ``M x K``, a ``1 x K`` filter, one
    channel, ``N`` filters and stride 1, which is what this function simulates.

    Examples
    --------
    >>> s = scalesim_gemm_layer(m=16, n=8, k=12, array_rows=8, array_cols=8, dataflow="ws",
    ...     ifmap_sram_kb=64, filter_sram_kb=64, ofmap_sram_kb=64)
    >>> s.total_cycles, s.stall_cycles
    (75, 0)
    """
    mm = require_int("m", m, low=1)
    nn = require_int("n", n, low=1)
    kk = require_int("k", k, low=1)
    return scalesim_conv_layer(
        ifmap_h=mm,
        ifmap_w=kk,
        filter_h=1,
        filter_w=kk,
        channels=1,
        num_filters=nn,
        stride=1,
        array_rows=array_rows,
        array_cols=array_cols,
        dataflow=dataflow,
        ifmap_sram_kb=ifmap_sram_kb,
        filter_sram_kb=filter_sram_kb,
        ofmap_sram_kb=ofmap_sram_kb,
        bandwidth_mode=bandwidth_mode,
        ifmap_dram_bw_words_per_cycle=ifmap_dram_bw_words_per_cycle,
        filter_dram_bw_words_per_cycle=filter_dram_bw_words_per_cycle,
        ofmap_dram_bw_words_per_cycle=ofmap_dram_bw_words_per_cycle,
        read_request_buffer=read_request_buffer,
        write_request_buffer=write_request_buffer,
    )


def _fold_metrics(fo: FoldGrid) -> tuple[float, float]:
    """Average mapping efficiency and compute utilisation, summed in SCALE-Sim's order."""
    R, C, T = fo.rows, fo.cols, fo.t
    cyc = T + R + C - 2 if fo.dataflow == "os" else 2 * R + 2 * C + T - 3
    maps: list[float] = []
    utils: list[float] = []
    urs = [_used(fr, R, fo.sr) for fr in range(fo.row_folds)]
    for fc in range(fo.col_folds):
        uc = _used(fc, C, fo.sc)
        for ur in urs:
            maps.append(ur * uc / (R * C))
            utils.append(ur * uc * T / (R * C * cyc))
    return sum(maps) / len(maps), sum(utils) / len(utils)


def _simulate(
    layer: _Layer, R: int, C: int, df: str, isz: int, fsz: int, osz: int, mode: str, ibw: int, fbw: int, obw: int
) -> ScaleSimLayerStats:
    fo = fold_grid(m=layer.e, n=layer.nf, k=layer.w, rows=R, cols=C, dataflow=df)  # type: ignore[arg-type]
    E, W, K = layer.e, layer.w, layer.nf
    n_lines = fo.n_folds * fo.cycles_per_fold
    user = mode == "USER"

    # ---- compute-side counts (closed form)
    if df == "os":
        if_reads, f_reads = fo.col_folds * E * W, fo.row_folds * W * K
        of_writes = E * K + fo.n_folds * (R + C)
    elif df == "ws":
        if_reads, f_reads, of_writes = fo.col_folds * E * W, W * K, fo.row_folds * E * K
    else:
        if_reads, f_reads, of_writes = E * W, fo.col_folds * K * W, fo.row_folds * E * K
    map_eff, comp_util = _fold_metrics(fo)

    # ---- read buffers
    step_if = step_f = 0
    pl_if = pl_f = None
    if user:
        res = {}
        for op, size, bw in (("ifmap", isz, ibw), ("filter", fsz, fbw)):
            n_valid = _n_valid_prefetch(layer, fo, op)
            n_entries = _n_prefetch_entries(fo, layer, op)
            eps = math.ceil(size / 100)
            active = math.ceil(size * 0.5)
            if n_valid // eps + 1 <= math.ceil(active / eps):
                per_line = None
                n0 = min(math.ceil(active / bw), math.ceil(n_entries / bw))
                npf = math.ceil((size - active) / bw)
            else:
                seq = _prefetch_sequence(layer, fo, op)
                dl, da = _demand_stream(layer, fo, op)
                per_line, n0, npf = _window_prefetches(seq, dl, da, size, bw, n_lines)
            res[op] = (per_line, n0, npf, bw)
        pl_if, n0_if, npf_if, _ = res["ifmap"]
        pl_f, n0_f, npf_f, _ = res["filter"]
        step_if, step_f = npf_if + 1, npf_f + 1

    ev_lines = np.zeros(0, dtype=np.int64)
    ev_if = ev_f = np.zeros(0, dtype=np.int64)
    if pl_if is not None or pl_f is not None:
        tot = np.zeros(n_lines, dtype=np.int64)
        if pl_if is not None:
            tot += pl_if
        if pl_f is not None:
            tot += pl_f
        ev_lines = np.flatnonzero(tot)
        ev_if = pl_if[ev_lines] if pl_if is not None else np.zeros(ev_lines.size, dtype=np.int64)
        ev_f = pl_f[ev_lines] if pl_f is not None else np.zeros(ev_lines.size, dtype=np.int64)

    # ---- the walk over demand lines, event by event
    w_line = _ofmap_stores_per_line(fo)
    cum = np.zeros(n_lines + 1, dtype=np.int64)
    np.cumsum(w_line, out=cum[1:])
    wb = _WriteBuffer(osz, obw if user else C)
    lp_if = lp_f = -1
    G = 0
    i = 0
    ev_ptr = 0
    n_ev = ev_lines.size
    proc_lines: list[int] = []
    proc_g_before: list[int] = []
    proc_g_after: list[int] = []
    proc_off: list[tuple[int, int, int]] = []
    ev_lines_l = ev_lines.tolist()
    while i < n_lines:
        nxt_ev = ev_lines_l[ev_ptr] if ev_ptr < n_ev else n_lines
        c = i + G
        if c < wb.drain_end:
            m = max(wb.free, 1)
            j1 = int(np.searchsorted(cum, cum[i] + m, side="left")) - 1
            jw = min(j1, wb.drain_end - G)
        else:
            m = max(wb.free - wb.active + 1, 1)
            jw = int(np.searchsorted(cum, cum[i] + m, side="left")) - 1
        jn = min(nxt_ev, max(jw, i), n_lines)
        if jn > i:
            stores = int(cum[jn] - cum[i])
            wb.free -= stores
            wb.stored += stores
            i = jn
            continue
        # process line i in full
        off_if = off_f = _HIT_LATENCY
        if i == nxt_ev:
            if ev_if[ev_ptr]:
                off_if, lp_if = _read_offset(int(ev_if[ev_ptr]), c, lp_if, step_if)
            if ev_f[ev_ptr]:
                off_f, lp_f = _read_offset(int(ev_f[ev_ptr]), c, lp_f, step_f)
            ev_ptr += 1
        out_of = wb.store_line(c, int(w_line[i]))
        stall = int(max(off_if - _HIT_LATENCY, off_f - _HIT_LATENCY, out_of - c))
        proc_lines.append(i)
        proc_g_before.append(G)
        proc_off.append((off_if, off_f, out_of - c))
        G += stall
        proc_g_after.append(G)
        i += 1

    def at(line: int) -> tuple[int, int, int, int]:
        """(cycle, ifmap offset, filter offset, ofmap offset) of a demand line."""
        k = bisect_right(proc_lines, line) - 1
        if k >= 0 and proc_lines[k] == line:
            o = proc_off[k]
            return line + proc_g_before[k], o[0], o[1], o[2]
        g = proc_g_after[k] if k >= 0 else 0
        return line + g, _HIT_LATENCY, _HIT_LATENCY, 0

    c_last, _, _, o_last = at(n_lines - 1)
    total_cycles = c_last + o_last
    stall_cycles = G
    wb.finish(total_cycles)

    if_first, if_last = _stream_span(layer, fo, "ifmap")
    f_first, f_last = _stream_span(layer, fo, "filter")
    of_first, of_last = _stream_span(layer, fo, "ofmap")

    def sram(first: int, last: int, which: int) -> tuple[int, int]:
        a, b = at(first), at(last)
        return a[0] + a[which], b[0] + b[which]

    if_s = sram(if_first, if_last, 1)
    f_s = sram(f_first, f_last, 2)
    of_s = sram(of_first, of_last, 3)

    if user:
        k_if = int(pl_if.sum()) if pl_if is not None else 0
        k_f = int(pl_f.sum()) if pl_f is not None else 0
        if_dram = (ibw * (n0_if + k_if * npf_if), -n0_if, -1 + k_if * step_if)
        f_dram = (fbw * (n0_f + k_f * npf_f), -n0_f, -1 + k_f * step_f)
    else:
        if_dram = _calc_dram(layer, fo, "ifmap", isz, if_first, at)
        f_dram = _calc_dram(layer, fo, "filter", fsz, f_first, at)
    of_dram_start = min(d[0] for d in wb.drains)
    of_dram_stop = max(d[1] for d in wb.drains)

    macs = E * K * W
    # SCALE-Sim divides by its last cycle's index, which is 0 for a one-cycle layer (it then
    # crashes); divide by 1 there instead.
    cycles = max(total_cycles, 1)
    return ScaleSimLayerStats(
        total_cycles_incl_prefetch=int(of_dram_stop - min(if_dram[1], f_dram[1])),
        total_cycles=total_cycles,
        stall_cycles=stall_cycles,
        overall_util_percent=(macs * 100) / (cycles * R * C),
        mapping_efficiency_percent=map_eff * 100,
        compute_util_percent=comp_util * 100,
        ifmap_sram_reads=if_reads,
        filter_sram_reads=f_reads,
        ofmap_sram_writes=of_writes,
        ifmap_dram_reads=if_dram[0],
        filter_dram_reads=f_dram[0],
        ofmap_dram_writes=wb.writes,
        ifmap_sram_start_cycle=if_s[0],
        ifmap_sram_stop_cycle=if_s[1],
        filter_sram_start_cycle=f_s[0],
        filter_sram_stop_cycle=f_s[1],
        ofmap_sram_start_cycle=of_s[0],
        ofmap_sram_stop_cycle=of_s[1],
        ifmap_dram_start_cycle=if_dram[1],
        ifmap_dram_stop_cycle=if_dram[2],
        filter_dram_start_cycle=f_dram[1],
        filter_dram_stop_cycle=f_dram[2],
        ofmap_dram_start_cycle=of_dram_start,
        ofmap_dram_stop_cycle=of_dram_stop,
        avg_ifmap_sram_bw_words_per_cycle=if_reads / cycles,
        avg_filter_sram_bw_words_per_cycle=f_reads / cycles,
        avg_ofmap_sram_bw_words_per_cycle=of_writes / cycles,
        avg_ifmap_dram_bw_words_per_cycle=if_dram[0] / (if_dram[2] - if_dram[1] + 1),
        avg_filter_dram_bw_words_per_cycle=f_dram[0] / (f_dram[2] - f_dram[1] + 1),
        avg_ofmap_dram_bw_words_per_cycle=wb.writes / (of_dram_stop - of_dram_start + 1),
        macs=macs,
        row_folds=fo.row_folds,
        col_folds=fo.col_folds,
        lines_per_fold=fo.cycles_per_fold,
    )


def _n_prefetch_entries(fo: FoldGrid, layer: _Layer, op: str) -> int:
    """Size of the prefetch matrix, -1 padding included."""
    R, C = fo.rows, fo.cols
    if fo.dataflow == "os":
        return fo.row_folds * fo.t * R if op == "ifmap" else fo.col_folds * fo.t * C
    if fo.dataflow == "ws":
        return fo.row_folds * layer.e * R if op == "ifmap" else fo.col_folds * layer.w * C
    return fo.col_folds * layer.w * C if op == "ifmap" else fo.row_folds * layer.nf * R


def _n_valid_prefetch(layer: _Layer, fo: FoldGrid, op: str) -> int:
    """Valid (non -1) entries of the prefetch matrix: each operand element once."""
    return layer.n_valid_ifmap() if op == "ifmap" else layer.w * layer.nf


def _calc_dram(layer: _Layer, fo: FoldGrid, op: str, size: int, first_line: int, at) -> tuple[int, int, int]:
    """CALC-mode (reads, start cycle, stop cycle) of one read buffer."""
    items = size // 100
    batch = 50 * items
    distinct = layer.n_distinct_ifmap() if op == "ifmap" else layer.w * layer.nf
    first_req = at(first_line)[0]
    if distinct < batch or batch == 0:
        reads, triggers = distinct, []
    else:
        dl, da = _demand_stream(layer, fo, op)
        reads, triggers = _calc_batches(dl, da, size)
    if not triggers:
        n_sets = -(-reads // items) if items else 1
        cn = math.ceil(n_sets * items / _CALC_FIRST_PREFETCH_BW)
        return reads, -cn, -1
    cn1 = math.ceil(batch / _CALC_FIRST_PREFETCH_BW)
    start = first_req - cn1
    stop = at(triggers[-1])[0] + 1
    return reads, start, stop
