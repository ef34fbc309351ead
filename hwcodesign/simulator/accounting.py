"""Accounting shared by every engine: energy per access and operator fusion.

Energy is access counts times per-access energy (the accelerator's `EnergyTable`,
bound by `Accelerator`'s energy methods) plus leakage times time. An engine counts
bytes per access kind (`TRAFFIC_KEYS`) and calls `energy_breakdown`; the per-byte
coefficients (`energy_coefficients`) are the one place where each access is priced.

`fused_producers` says which operators ride on a MAC operator's output stream (a batch
norm or a one-input elementwise operation such as ReLU), as accelerators apply them
while results leave the array.

Examples
--------
>>> from hwcodesign.accelerators import get_accelerator
>>> acc = get_accelerator("systolic")
>>> traffic = dict.fromkeys(TRAFFIC_KEYS, 0.0) | {"ifmap_dram_reads": 1024.0}
>>> e = energy_breakdown(acc, 0, traffic, 0)
>>> e["energy_pj"] == e["energy_sram_pj"] + e["energy_dram_pj"]
True
>>> from hwcodesign.workloads import get_workload
>>> fused_producers(get_workload("resnet50"))["batchnorm_1"]
'conv1'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from hwcodesign.accelerators import Accelerator
from hwcodesign.workloads import Workload
from hwcodesign.workloads.operators import Operator

__all__ = ["TRAFFIC_KEYS", "PJ_PER_MW_S", "energy_coefficients", "energy_breakdown", "fusible", "fused_producers",
           "vector_cycles"]

PJ_PER_MW_S = 1e9  # 1 mW for 1 s is 1 mJ = 1e9 pJ

#: Byte counts an engine reports per access kind: the array's SRAM accesses and the DRAM transfers.
TRAFFIC_KEYS = ("ifmap_sram_reads", "filter_sram_reads", "ofmap_sram_writes", "ifmap_dram_reads",
                "filter_dram_reads", "ofmap_dram_writes", "ofmap_dram_reads")


def energy_coefficients(acc: Accelerator) -> dict[str, tuple[float, float]]:
    """Per-byte energy (SRAM pJ, DRAM pJ) of each access kind in `TRAFFIC_KEYS`.

    A DRAM transfer is also a write into (or a read out of) the operand's staging buffer.
    """
    def sram(operand: str, access: Literal["read", "write"]) -> float:
        return acc.buffer_access_energy_pj_per_byte(acc.buffer_for(operand).name, access, operand=operand)

    dram = acc.dram_energy_pj_per_byte()
    return {
        "ifmap_sram_reads": (sram("ifmap", "read"), 0.0),
        "filter_sram_reads": (sram("filter", "read"), 0.0),
        "ofmap_sram_writes": (sram("ofmap", "write"), 0.0),
        "ifmap_dram_reads": (sram("ifmap", "write"), dram),
        "filter_dram_reads": (sram("filter", "write"), dram),
        "ofmap_dram_reads": (sram("ofmap", "write"), dram),
        "ofmap_dram_writes": (sram("ofmap", "read"), dram),
    }


def energy_breakdown(acc: Accelerator, arithmetic: float, traffic_bytes: Mapping[str, float], latency_cycles: float,
                     *, instances: int = 1,
                     coefficients: Mapping[str, tuple[float, float]] | None = None) -> dict[str, float]:
    """Energy per component: access counts times per-access energy, plus leakage times time.

    Parameters
    ----------
    acc
        The accelerator (its energy table, clock and leakage).
    arithmetic
        MACs (a vector-unit operation is charged as one MAC).
    traffic_bytes
        Bytes per access kind, keyed by `TRAFFIC_KEYS`.
    latency_cycles
        The time leakage is charged over.
    instances
        Copies of the accelerator leaking (cores of a multi-core NPU).
    coefficients
        `energy_coefficients` of ``acc``, when the caller already has them.
    """
    coef = energy_coefficients(acc) if coefficients is None else coefficients
    sram_pj = sum(traffic_bytes[key] * coef[key][0] for key in TRAFFIC_KEYS)
    dram_pj = sum(traffic_bytes[key] * coef[key][1] for key in TRAFFIC_KEYS)
    mac_pj = arithmetic * acc.mac_energy_pj()
    leak_pj = instances * acc.leakage_mw() * acc.seconds(latency_cycles) * PJ_PER_MW_S
    return {
        "energy_mac_pj": mac_pj,
        "energy_sram_pj": sram_pj,
        "energy_dram_pj": dram_pj,
        "energy_leakage_pj": leak_pj,
        "energy_pj": mac_pj + sram_pj + dram_pj + leak_pj,
    }


def vector_cycles(vector_ops: int, accelerator: Accelerator) -> int:
    """Cycles of ``vector_ops`` elementwise operations on the vector unit (every engine uses this)."""
    return -(-int(vector_ops) // accelerator.vector_lanes)


def fusible(op: Operator) -> bool:
    """Whether ``op`` can be applied to a producer's output stream (batch norm, one-input elementwise)."""
    return op.kind == "batchnorm" or (op.kind == "elementwise" and getattr(op, "num_inputs", 2) == 1)


def fused_producers(workload: Workload) -> dict[str, str]:
    """Fused operator -> the MAC operator whose output stream it is applied to.

    A fusible operator whose only input is a MAC operator, or another operator fused
    into one, is fused into that MAC operator (chains such as conv -> BN -> ReLU).
    """
    producer_of: dict[str, str] = {}
    for op in workload.operators():
        inputs = workload.inputs(op.name)
        if not fusible(op) or len(inputs) != 1:
            continue
        source = inputs[0]
        if source in producer_of or workload[source].gemm_view() is not None:
            producer_of[op.name] = producer_of.get(source, source)
    return producer_of
