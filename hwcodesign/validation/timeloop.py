"""The Timeloop/Accelergy Eyeriss-like exercise (AlexNet CONV1) reproduced with our analytical engine.

Reference: ``timeloop_eyeriss_exercise.toml`` (Accelergy-Project/timeloop-accelergy-exercises,
``eyeriss_like``, MIT License, Copyright (c) 2019 Joel Emer): 168 PEs (12 x 14), 16-bit words,
45 nm Accelergy energies, AlexNet CONV1 at batch 1, the mapping ``timeloop-mapper`` found,
798,600 cycles and 8.22 pJ/MAC.

Our accelerator set to theirs (`timeloop_eyeriss_accelerator`)
--------------------------------------------------------------
Each of Timeloop's per-PE scratchpads is its own level, innermost first as in their
hierarchy: ``psum_spad`` (outputs, 16 words), ``weights_spad`` (weights, 192 words),
``ifmap_spad`` (inputs, 12 words); then ``glb`` (inputs and outputs, 65,536 words,
weights bypass it) and DRAM. Timeloop's ``DummyBuffer`` keeps nothing and only
carries the Spatial-Y fan-out, so it is not a level here: both spatial dimensions
(``cols``: 14, their X; ``rows``: 12, their Y) fan out from ``glb``. Per-word ERT
energies become per-byte energies (``access_energy_pj_per_byte`` = pJ per word / 2),
the MAC is ``EnergyTable(mac_pj=2.20)``, DRAM 128 pJ per word, and the NoC and leakage
are 0 (their run prints 0 pJ for every network and no leakage). Every buffer is a
``smartbuffer`` (a buffet) in their architecture, whose fills overlap the reads: our
``overlapped_fills``. Bandwidths: read plus write words per cycle of each buffer; the stats
print no throttling and the cycles are the compute cycles, so DRAM is given a
bandwidth that never binds. The MAC reads its operands from the innermost level that
holds them on every MAC (``SpatialSpec(operand_registers=False)``), as Timeloop does
when the architecture has no register level.

Access counts
-------------
Timeloop prints per-instance reads, fills and updates. We compare their sum over
utilised instances with our reads + writes (in words) per level and operand. The
totals match except where the two models count different events (module docstring of
`hwcodesign.mapper.cost` for ours): Timeloop charges a fill of every output tile at
every child instance, including the first (zero) fill and the fills of the partial-sum
copies of PEs that reduce spatially, and no read for the drain to the parent; we charge
the drain and only the read-backs a partial sum really needs.

Examples
--------
>>> table = compare_timeloop_eyeriss()
>>> row = next(r for r in table if r["quantity"] == "cycles")
>>> row["ours"], row["theirs"]
(798600.0, 798600.0)
"""

from __future__ import annotations

from typing import Any

from hwcodesign.accelerators.energy import EnergyTable
from hwcodesign.accelerators.spatial import SpatialDim, SpatialSpec
from hwcodesign.accelerators.specs import Accelerator, BufferSpec, DRAMSpec, PEArraySpec
from hwcodesign.core.results import ResultTable
from hwcodesign.mapper.mapping import Mapping
from hwcodesign.mapper.problem import problem_of
from hwcodesign.simulator.analytical import simulate_operator
from hwcodesign.validation.comparison import timeloop_stats_rows
from hwcodesign.validation.references import timeloop_eyeriss_exercise
from hwcodesign.validation.timeloop_mapping import mapping_from_timeloop
from hwcodesign.workloads.operators import Conv2d

__all__ = ["timeloop_eyeriss_layer", "timeloop_eyeriss_accelerator", "timeloop_eyeriss_mapping",
           "compare_timeloop_eyeriss", "UNBOUNDED_BANDWIDTH_BYTES_PER_CYCLE"]

SOURCE = ("Accelergy-Project/timeloop-accelergy-exercises eyeriss_like, AlexNet layer 1 "
          "(timeloop-mapper.stats.txt @ 7252362f, arch @ 9baa0b41)")
REFERENCE = "timeloop_eyeriss_alexnet_conv1"
#: A bandwidth that never limits (the reference runs print no bandwidth throttling).
UNBOUNDED_BANDWIDTH_BYTES_PER_CYCLE = 1e12
#: Timeloop level -> (our level, our operand) for the [accesses] entries of the reference.
_ACCESS_KEYS = {
    "psum_spad_outputs": ("psum_spad", "ofmap"), "weights_spad_weights": ("weights_spad", "filter"),
    "ifmap_spad_inputs": ("ifmap_spad", "ifmap"), "glb_inputs": ("glb", "ifmap"), "glb_outputs": ("glb", "ofmap"),
    "dram_weights": ("dram", "filter"), "dram_inputs": ("dram", "ifmap"), "dram_outputs": ("dram", "ofmap"),
}


def timeloop_eyeriss_layer(ref: dict[str, Any] | None = None) -> Conv2d:
    """AlexNet CONV1 as the reference's [workload] gives it."""
    w = (ref or timeloop_eyeriss_exercise())["workload"]
    return Conv2d(name="alexnet_conv1", in_channels=w["C"], out_channels=w["M"], in_h=w["H"], in_w=w["W"],
                  kernel_h=w["S"], kernel_w=w["R"], stride_h=w["stride"], stride_w=w["stride"], batch=w["N"])


def timeloop_eyeriss_accelerator(ref: dict[str, Any] | None = None) -> Accelerator:
    """Our accelerator set to the exercise's architecture and ERT energies (module docstring)."""
    ref = ref or timeloop_eyeriss_exercise()
    arch, e = ref["arch"], ref["energy_per_access_pJ"]
    word = arch["word_bits"] // 8
    rows, cols = arch["num_pes"] // arch["mesh_x"], arch["mesh_x"]

    def spad(name: str, operand: str) -> BufferSpec:
        per_port = arch[name]["read_bandwidth"] + arch[name]["write_bandwidth"]
        return BufferSpec(name=name, size_bytes=arch[name]["size_words"] * word, operands=(operand,),
                          bandwidth_bytes_per_cycle=per_port * word, access_energy_pj_per_byte=(e[name] / word,),
                          overlapped_fills=True)

    glb = arch["shared_glb"]
    return Accelerator(
        name="timeloop_eyeriss_like", template="custom",
        pe_array=PEArraySpec(rows=rows, cols=cols, dataflow="ws"),
        buffers=(spad("psum_spad", "ofmap"), spad("weights_spad", "filter"), spad("ifmap_spad", "ifmap"),
                 BufferSpec(name="glb", size_bytes=glb["size_words"] * word, operands=("ifmap", "ofmap"),
                            bandwidth_bytes_per_cycle=(glb["read_bandwidth"] + glb["write_bandwidth"]) * word,
                            access_energy_pj_per_byte=(e["shared_glb_per_word"] / word,), overlapped_fills=True)),
        dram=DRAMSpec(bandwidth_bytes_per_cycle=UNBOUNDED_BANDWIDTH_BYTES_PER_CYCLE),
        spatial=SpatialSpec(dims=(SpatialDim(name="cols", size=cols, above="glb"),
                                  SpatialDim(name="rows", size=rows, above="glb")),
                            dataflow="rs", operand_registers=False),
        word_bytes=word, tech_node_nm=float(arch["technology"].removesuffix("nm")),
        energy=EnergyTable(mac_pj=e["mac_per_op"], dram_pj_per_byte=e["dram_per_word"] / word,
                           pe_hop_pj_per_byte=0.0, sram_leakage_mw_per_kib=0.0, pe_leakage_mw=0.0),
    )


def timeloop_eyeriss_mapping(ref: dict[str, Any] | None = None) -> Mapping:
    """Our `Mapping` equal to the exercise's (DummyBuffer's Spatial-Y loop fans out from our glb)."""
    ref = ref or timeloop_eyeriss_exercise()
    nest = {k: v for k, v in ref["mapping"].items() if isinstance(v, list)}
    problem = problem_of(timeloop_eyeriss_layer(ref), f"int{ref['arch']['word_bits']}")
    return mapping_from_timeloop(
        problem, timeloop_eyeriss_accelerator(ref), nest,
        levels={"DRAM": "dram", "shared_glb": "glb", "DummyBuffer": None, "ifmap_spad": "ifmap_spad",
                "weights_spad": "weights_spad", "psum_spad": "psum_spad"},
        spatial={("shared_glb", "X"): "cols", ("DummyBuffer", "Y"): "rows"})


def compare_timeloop_eyeriss() -> ResultTable:
    """Ours vs Timeloop: cycles, pJ/MAC (total and per component), accesses per level and operand.

    Rows as `hwcodesign.validation.comparison.comparison_row`; access counts are words
    summed over instances (Timeloop: reads + fills + updates).
    """
    ref = timeloop_eyeriss_exercise()
    layer = timeloop_eyeriss_layer(ref)
    acc = timeloop_eyeriss_accelerator(ref)
    precision = f"int{ref['arch']['word_bits']}"
    row = simulate_operator(layer, acc, timeloop_eyeriss_mapping(ref), precision=precision)
    return ResultTable(timeloop_stats_rows(REFERENCE, SOURCE, ref, row, acc.word_bytes, _ACCESS_KEYS))

