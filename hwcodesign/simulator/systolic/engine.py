"""The systolic engine: one `ResultTable` row per operator of a workload.

Two memory models share one compute model (`hwcodesign.simulator.systolic.folds`):

``mode="default"``
    What real hardware moves: each tensor fetched once per reuse window it needs, the
    ifmap as a tensor rather than an im2col matrix, partial sums spilled only when they
    do not fit, double-buffered stalls (`hwcodesign.simulator.systolic.traffic`).
``mode="scalesim"``
    SCALE-Sim 3.0.0 exactly (`hwcodesign.simulator.systolic.scalesim_model`): its
    im2col'ed DRAM fetches, its prefetch windows and its stall accounting. Words are
    elements of the workload's precision; buffer sizes become SCALE-Sim's kB of such
    words and the DRAM bandwidth its words per cycle (both must come out whole).
    SCALE-Sim has no batch, groups or padding: a conv runs once per sample and group
    on its padded input, as SCALE-Sim users write such layers. SCALE-Sim's "Total
    Cycles" is the index of its last cycle, one less than the cycles that elapse; rows
    carry it as ``scalesim_total_cycles`` and count ``latency_cycles`` as elapsed
    cycles (``scalesim_total_cycles + 1`` per run), so both modes share one compute
    model and utilization stays within [0, 1].

Operators without MACs (pooling, elementwise, softmax, layernorm) run on the vector
unit in both modes: ``ceil(vector_ops / vector_lanes)`` cycles, overlapped with
reading their inputs and writing their output at the DRAM bandwidth. With
``fuse=True`` (the default) a batch norm or a one-input elementwise operation (ReLU)
that only post-processes a MAC operator's output is applied as the results leave the
array, as accelerators do: it moves no DRAM bytes and adds only the vector cycles the
producer's latency does not hide; its row names the producer in ``fused_into``.

Energy is access counts times per-access energy (the accelerator's `EnergyTable`)
plus leakage times latency: MACs, SRAM reads by the array, SRAM fills from DRAM and
drains to it, DRAM bytes (`hwcodesign.simulator.accounting`, shared with the event
engine).

Examples
--------
>>> from hwcodesign.workloads import get_workload
>>> from hwcodesign.accelerators import get_accelerator
>>> table = simulate(get_workload("tiny"), get_accelerator("systolic"))
>>> row = table[0]
>>> row["latency_cycles"] == row["compute_cycles"] + row["stall_cycles"]
True
>>> 0 < row["utilization"] <= 1
True
"""

from __future__ import annotations

import math
from typing import Any, Literal

from hwcodesign import __version__
from hwcodesign.accelerators import Accelerator
from hwcodesign.core.errors import ConfigError
from hwcodesign.core.results import ResultTable
from hwcodesign.simulator.accounting import TRAFFIC_KEYS, energy_breakdown, fused_producers, vector_cycles
from hwcodesign.simulator.systolic.folds import fold_grid
from hwcodesign.simulator.systolic.scalesim_model import (
    ScaleSimLayerStats,
    scalesim_conv_layer,
    scalesim_gemm_layer,
)
from hwcodesign.simulator.systolic.traffic import ConvShape, gemm_traffic
from hwcodesign.workloads import Workload
from hwcodesign.workloads.operators import Conv2d, Operator
from hwcodesign.workloads.precision import bytes_per_element

__all__ = ["simulate", "simulate_operator", "MODES"]

Mode = Literal["default", "scalesim"]
MODES = ("default", "scalesim")


def simulate(workload: Workload, accelerator: Accelerator, *, mode: Mode = "default",
             fuse: bool = True) -> ResultTable:
    """Simulate every operator of ``workload`` on ``accelerator``; one row per operator.

    Parameters
    ----------
    workload
        The network (batch size and precision included).
    accelerator
        A systolic accelerator: a PE array and buffers holding ifmap, filter and ofmap.
    mode
        ``"default"`` (real-hardware reuse) or ``"scalesim"`` (SCALE-Sim 3.0.0 exactly).
    fuse
        Apply batch norms and one-input elementwise operations to their MAC producer's
        output stream instead of running them as separate passes over DRAM.
    """
    if mode not in MODES:
        raise ConfigError(f"The 'mode' argument must be one of {', '.join(map(repr, MODES))}. Got {mode!r}.")
    provenance = {
        "hwcodesign_version": __version__,
        "engine": "systolic",
        "mode": mode,
        "workload": workload.name,
        "batch": workload.batch,
        "precision": workload.precision,
        "accelerator": accelerator.name,
        "template": accelerator.template,
    }
    records: dict[str, dict[str, Any]] = {}
    producer_of = fused_producers(workload) if fuse else {}  # fused operator -> its MAC producer
    for op in workload.operators():
        producer = producer_of.get(op.name)
        if producer is not None:
            record = _fused_record(op, accelerator, records[producer]["latency_cycles"])
        else:
            record = simulate_operator(op, accelerator, precision=workload.precision, mode=mode)
        records[op.name] = {**provenance, **record, "fused_into": producer_of.get(op.name, "")}
    return ResultTable(records.values())


def simulate_operator(op: Operator, accelerator: Accelerator, *, precision: str = "int8",
                      mode: Mode = "default") -> dict[str, Any]:
    """Simulate one operator; return its result record (unit-suffixed columns)."""
    elem = bytes_per_element(precision)
    if accelerator.psum_bytes is not None and accelerator.psum_bytes != elem:
        raise ConfigError(f"The systolic engine counts partial sums at the operand word ({elem:g} bytes); "
                          f"{accelerator.name!r} has 'psum_bytes' {accelerator.psum_bytes}. Use the analytical "
                          "engine (engine='analytical'), or psum_bytes=None.")
    if op.gemm_view() is None:
        counts = _vector_counts(op, accelerator, precision)
    elif mode == "scalesim":
        counts = _scalesim_counts(op, accelerator, elem)
    else:
        counts = _default_counts(op, accelerator, elem)
    return _record(op, accelerator, counts, elem)


# --------------------------------------------------------------------------- the two modes


def _words(size_bytes: float, elem: float) -> int:
    return int(size_bytes // elem)


def _default_counts(op: Operator, acc: Accelerator, elem: float) -> dict[str, float]:
    view = op.gemm_view()
    pe = acc.pe_array
    grid = fold_grid(m=view.m, n=view.n, k=view.k, rows=pe.rows, cols=pe.cols, dataflow=pe.dataflow)
    conv = None
    if isinstance(op, Conv2d):
        conv = ConvShape(batch=op.batch, channels=op.in_channels // op.groups, in_h=op.in_h, in_w=op.in_w,
                         out_h=op.out_h, out_w=op.out_w, kernel_h=op.kernel_h, kernel_w=op.kernel_w,
                         stride_h=op.stride_h, pad_h=op.pad_h, dilation_h=op.dilation_h)
    traffic = gemm_traffic(
        m=view.m, n=view.n, k=view.k, rows=pe.rows, cols=pe.cols, dataflow=pe.dataflow,
        fold_cycles=[grid.cycles_per_fold] * grid.n_folds,
        ifmap_buffer_words=_words(acc.buffer_for("ifmap").size_bytes, elem),
        filter_buffer_words=_words(acc.buffer_for("filter").size_bytes, elem),
        ofmap_buffer_words=_words(acc.buffer_for("ofmap").size_bytes, elem),
        bandwidth_words_per_cycle=acc.dram.bandwidth_bytes_per_cycle / elem,
        shared_bandwidth=acc.dram.bandwidth_scope == "shared",
        conv=conv,
    )
    ifmap_reads, filter_reads = grid.sram_reads()
    g = view.groups  # groups run one after another, each the same GEMM
    stall = g * traffic.stall_cycles + acc.dram.latency_cycles
    return {
        "compute_cycles": g * grid.compute_cycles,
        "stall_cycles": stall,
        "mapping_efficiency": grid.mapping_efficiency,
        "ifmap_sram_reads": g * ifmap_reads,
        "filter_sram_reads": g * filter_reads,
        "ofmap_sram_writes": g * grid.ofmap_writes(),
        "ifmap_dram_reads": g * traffic.ifmap_read_words,
        "filter_dram_reads": g * traffic.filter_read_words,
        "ofmap_dram_writes": g * traffic.ofmap_write_words,
        "ofmap_dram_reads": g * traffic.ofmap_read_words,
        "peak_dram_words_per_cycle": traffic.peak_words_per_cycle,
    }


def _scalesim_args(acc: Accelerator, elem: float) -> dict[str, Any]:
    kb = {}
    for operand in ("ifmap", "filter", "ofmap"):
        buf = acc.buffer_for(operand)
        words = buf.size_bytes / elem
        if words % 1024 or words < 1024:
            raise ConfigError(
                f"mode='scalesim' needs whole kB of words: the {buf.name!r} buffer holds {words:g} words of "
                f"{elem:g} byte(s) ({buf.size_bytes} bytes), not a multiple of 1024 >= 1024."
            )
        kb[f"{operand}_sram_kb"] = int(words // 1024)
    bandwidth = acc.dram.bandwidth_bytes_per_cycle / elem
    if bandwidth != int(bandwidth) or bandwidth < 1:
        raise ConfigError(
            f"mode='scalesim' needs a whole number of words per cycle: dram.bandwidth_bytes_per_cycle="
            f"{acc.dram.bandwidth_bytes_per_cycle:g} is {bandwidth:g} words of {elem:g} byte(s)."
        )
    bw = int(bandwidth)
    return {
        "array_rows": acc.pe_array.rows, "array_cols": acc.pe_array.cols, "dataflow": acc.pe_array.dataflow,
        **kb, "bandwidth_mode": "USER", "ifmap_dram_bw_words_per_cycle": bw,
        "filter_dram_bw_words_per_cycle": bw, "ofmap_dram_bw_words_per_cycle": bw,
    }


def _scalesim_counts(op: Operator, acc: Accelerator, elem: float) -> dict[str, float]:
    args = _scalesim_args(acc, elem)
    if isinstance(op, Conv2d):
        row = op.scalesim_form()
        if row.stride_h != row.stride_w:
            raise ConfigError(f"mode='scalesim': {op.name!r} has strides ({row.stride_h}, {row.stride_w}); "
                              "SCALE-Sim takes one stride for both directions.")
        stats = scalesim_conv_layer(ifmap_h=row.ifmap_h, ifmap_w=row.ifmap_w, filter_h=row.filter_h,
                                    filter_w=row.filter_w, channels=row.channels, num_filters=row.num_filters,
                                    stride=row.stride_h, **args)
        repeat = row.repeat * op.batch
    else:
        view = op.gemm_view()
        stats = scalesim_gemm_layer(m=view.m, n=view.n, k=view.k, **args)
        repeat = view.groups
    return _from_scalesim(stats, repeat)


def _from_scalesim(stats: ScaleSimLayerStats, repeat: int) -> dict[str, float]:
    """A SCALE-Sim layer's counts (run ``repeat`` times back to back) in engine terms."""
    return {
        "compute_cycles": repeat * (stats.total_cycles + 1 - stats.stall_cycles),  # elapsed, not last index
        "stall_cycles": repeat * stats.stall_cycles,
        "scalesim_total_cycles": repeat * stats.total_cycles,
        "mapping_efficiency": stats.mapping_efficiency_percent / 100,
        "ifmap_sram_reads": repeat * stats.ifmap_sram_reads,
        "filter_sram_reads": repeat * stats.filter_sram_reads,
        "ofmap_sram_writes": repeat * stats.ofmap_sram_writes,
        "ifmap_dram_reads": repeat * stats.ifmap_dram_reads,
        "filter_dram_reads": repeat * stats.filter_dram_reads,
        "ofmap_dram_writes": repeat * stats.ofmap_dram_writes,
        "ofmap_dram_reads": 0,
        # SCALE-Sim reports each operand's average bandwidth over its active window; their sum
        # is the demand while all three windows overlap.
        "peak_dram_words_per_cycle": stats.avg_ifmap_dram_bw_words_per_cycle
        + stats.avg_filter_dram_bw_words_per_cycle + stats.avg_ofmap_dram_bw_words_per_cycle,
    }


def _vector_counts(op: Operator, acc: Accelerator, precision: str) -> dict[str, float]:
    """A non-MAC operator on the vector unit: compute overlapped with streaming its tensors."""
    elem = bytes_per_element(precision)
    read_words = sum(op.bytes(precision, role) for role in ("input", "weight")) / elem
    write_words = op.bytes(precision, "output") / elem
    compute = vector_cycles(op.vector_ops, acc)
    bw = acc.dram.bandwidth_bytes_per_cycle / elem
    transfer = (read_words + write_words) / bw if acc.dram.bandwidth_scope == "shared" else max(
        read_words, write_words) / bw
    return {
        "compute_cycles": compute,
        "stall_cycles": max(0, math.ceil(transfer) - compute) + acc.dram.latency_cycles,
        "mapping_efficiency": 0.0,
        "ifmap_sram_reads": 0, "filter_sram_reads": 0, "ofmap_sram_writes": 0,
        "ifmap_dram_reads": read_words, "filter_dram_reads": 0, "ofmap_dram_writes": write_words,
        "ofmap_dram_reads": 0,
        "peak_dram_words_per_cycle": (read_words + write_words) / max(compute, math.ceil(transfer), 1),
    }


def _fused_record(op: Operator, acc: Accelerator, producer_latency: int) -> dict[str, Any]:
    """A post-processing operator applied to its producer's output stream."""
    extra = max(0, vector_cycles(op.vector_ops, acc) - producer_latency)
    counts = {"compute_cycles": extra, "stall_cycles": 0, "mapping_efficiency": 0.0,
              **dict.fromkeys(("ifmap_sram_reads", "filter_sram_reads", "ofmap_sram_writes", "ifmap_dram_reads",
                               "filter_dram_reads", "ofmap_dram_writes", "ofmap_dram_reads",
                               "peak_dram_words_per_cycle"), 0)}
    return _record(op, acc, counts, 1.0)


# --------------------------------------------------------------------------- the record


def _record(op: Operator, acc: Accelerator, c: dict[str, float], elem: float) -> dict[str, Any]:
    to_bytes = {name: c[name] * elem for name in TRAFFIC_KEYS}
    latency = int(c["compute_cycles"] + c["stall_cycles"])
    macs = op.macs
    dram_read = to_bytes["ifmap_dram_reads"] + to_bytes["filter_dram_reads"] + to_bytes["ofmap_dram_reads"]
    dram_write = to_bytes["ofmap_dram_writes"]
    sram_read = to_bytes["ifmap_sram_reads"] + to_bytes["filter_sram_reads"]
    sram_write = to_bytes["ofmap_sram_writes"]
    # A vector-unit operation is charged as one MAC (an add or a compare is cheaper, an exp dearer).
    arithmetic = macs if op.gemm_view() is not None else op.vector_ops
    energy = energy_breakdown(acc, arithmetic, to_bytes, latency)
    seconds = acc.seconds(latency)
    avg_bw = (dram_read + dram_write) / latency if latency else 0.0
    return {
        "layer": op.name,
        "kind": op.kind,
        "unit": "pe_array" if op.gemm_view() is not None else "vector",
        "macs": macs,
        "latency_cycles": latency,
        "compute_cycles": int(c["compute_cycles"]),
        "stall_cycles": int(c["stall_cycles"]),
        "latency_s": seconds,
        "utilization": macs / (acc.num_pes * latency) if latency and macs else 0.0,
        "compute_utilization": macs / (acc.num_pes * c["compute_cycles"]) if macs and c["compute_cycles"] else 0.0,
        "mapping_efficiency": c["mapping_efficiency"],
        "sram_read_bytes": sram_read,
        "sram_write_bytes": sram_write,
        "ifmap_sram_read_bytes": to_bytes["ifmap_sram_reads"],
        "filter_sram_read_bytes": to_bytes["filter_sram_reads"],
        "ofmap_sram_write_bytes": to_bytes["ofmap_sram_writes"],
        "dram_read_bytes": dram_read,
        "dram_write_bytes": dram_write,
        "ifmap_dram_read_bytes": to_bytes["ifmap_dram_reads"],
        "filter_dram_read_bytes": to_bytes["filter_dram_reads"],
        "ofmap_dram_read_bytes": to_bytes["ofmap_dram_reads"],
        "ofmap_dram_write_bytes": to_bytes["ofmap_dram_writes"],
        "avg_dram_bandwidth_bytes_per_cycle": avg_bw,
        "peak_dram_bandwidth_bytes_per_cycle": max(c["peak_dram_words_per_cycle"] * elem, avg_bw),
        **energy,
        **({"scalesim_total_cycles": int(c["scalesim_total_cycles"])} if "scalesim_total_cycles" in c else {}),
    }
