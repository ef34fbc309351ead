"""The CoSA repository's Simba-like ResNet-50 run reproduced with our analytical engine.

Reference: ``cosa_simba_resnet50.toml`` (ucb-bar/cosa, ``src/nocsim/runs/example/1_1_56_56_64_64_1``,
Timeloop-model output; BSD 2-Clause, Copyright (c) 2021 UC Berkeley Architecture Research;
CoSA: Huang et al., ISCA 2021): a 1x1 conv, C = K = 64, 56 x 56, batch 1, int8, on
CoSA's default ``simba.yaml``; 12,544 cycles (all 1,024 MACs busy), 1.33 pJ/MAC.

Our accelerator set to theirs (`cosa_simba_accelerator`)
--------------------------------------------------------
One level per Timeloop level, innermost first, each keeping what theirs keeps:
``registers`` (weights, 1 word per MAC; 0.00 pJ printed, 3.5e-5 pJ derived from the level total), ``accbuf`` (outputs, 64 entries, one per
lane), ``weight_buf`` (weights, 16,384 entries, one per lane), ``input_buf`` (inputs,
4,096 entries, one per PE), ``glb`` (inputs and outputs, 65,536 entries) and DRAM. The
spatial dimensions are where theirs fan out: ``pes`` (16) below ``glb``, ``lanes`` (8)
below ``input_buf``, ``macs`` (8 per lane) below ``accbuf``; so 128 lane buffers and
1,024 registers. Per-word energies are the stats' vector access energies divided by
the words a vector holds (block size 8 for the weight and input buffers, 64 for the
global buffer and DRAM; the accumulation buffer's 0.65 pJ is shared by its cluster of
8, 0.08 pJ per scalar as printed); the MAC is 0.56 pJ; NoC and leakage 0. Words are
8-bit; the accumulation buffer's 24-bit entries are counted as words, as the stats
count them. The stats print no bandwidth limit ("-") and no throttling, so every
bandwidth is unbounded; Timeloop charges no fill latency, so every buffer has
``overlapped_fills``. The MAC reads its operands on every MAC
(``SpatialSpec(operand_registers=False)``): theirs has an explicit register level.

Examples
--------
>>> table = compare_cosa_simba()
>>> row = next(r for r in table if r["quantity"] == "cycles")
>>> row["ours"], row["theirs"]
(12544.0, 12544.0)
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
from hwcodesign.validation.references import cosa_simba_resnet50
from hwcodesign.validation.timeloop import UNBOUNDED_BANDWIDTH_BYTES_PER_CYCLE
from hwcodesign.validation.timeloop_mapping import mapping_from_timeloop
from hwcodesign.workloads.operators import Conv2d

__all__ = ["cosa_simba_layer", "cosa_simba_accelerator", "cosa_simba_mapping", "compare_cosa_simba"]

SOURCE = ("ucb-bar/cosa src/nocsim/runs/example/1_1_56_56_64_64_1/timeloop-model.{map,stats}.txt @ f26e0d6a; "
          "arch src/cosa/configs/arch/simba.yaml @ 460a497e")
REFERENCE = "cosa_simba_resnet50_1x1"
#: The global buffer's block size the stats print (simba.yaml says 8); 5.21 pJ / 64 is the 0.08 pJ per scalar printed.
_GLB_STATS_BLOCK_WORDS = 64
_ACCESS_KEYS = {
    "registers_weights": ("registers", "filter"), "accbuf_outputs": ("accbuf", "ofmap"),
    "weightbuf_weights": ("weight_buf", "filter"), "inputbuf_inputs": ("input_buf", "ifmap"),
    "glb_inputs": ("glb", "ifmap"), "glb_outputs": ("glb", "ofmap"),
    "dram_weights": ("dram", "filter"), "dram_inputs": ("dram", "ifmap"), "dram_outputs": ("dram", "ofmap"),
}


def cosa_simba_layer(ref: dict[str, Any] | None = None) -> Conv2d:
    """The ResNet-50 layer of the reference's [workload] (Timeloop R, S, P, Q -> our S, R, Q, P)."""
    w = (ref or cosa_simba_resnet50())["workload"]
    return Conv2d(name="resnet50_conv2_x_1x1", in_channels=w["C"], out_channels=w["K"],
                  in_h=(w["Q"] - 1) * w["stride"] + w["S"], in_w=(w["P"] - 1) * w["stride"] + w["R"],
                  kernel_h=w["S"], kernel_w=w["R"], stride_h=w["stride"], stride_w=w["stride"], batch=w["N"])


def cosa_simba_accelerator(ref: dict[str, Any] | None = None) -> Accelerator:
    """Our accelerator set to CoSA's ``simba.yaml`` and the run's energies (module docstring)."""
    ref = ref or cosa_simba_resnet50()
    arch, e = ref["arch"], ref["energy_per_access_pJ"]
    word = arch["word_bits"] // 8
    macs, pes = arch["macs"]["instances"], arch["num_pes"]
    lanes = arch["accumulation_buffer"]["instances"] // pes
    per_lane = macs // (pes * lanes)

    def buffer(name: str, key: str, operands: tuple[str, ...], pj_per_word: float, **kw: Any) -> BufferSpec:
        return BufferSpec(name=name, size_bytes=arch[key]["entries"] * word, operands=operands,
                          access_energy_pj_per_byte=(pj_per_word / word,), overlapped_fills=True, **kw)

    acc_cluster = arch["accumulation_buffer"]["cluster_size"]
    return Accelerator(
        name="cosa_simba_like", template="custom",
        pe_array=PEArraySpec(rows=pes, cols=macs // pes, dataflow="ws"),
        buffers=(buffer("registers", "registers", ("filter",), _registers_pj_per_word(ref)),
                 buffer("accbuf", "accumulation_buffer", ("ofmap",), e["accumulation_buffer_vector"] / acc_cluster),
                 buffer("weight_buf", "weight_buffer", ("filter",),
                        e["weight_buffer_vector"] / arch["weight_buffer"]["block_size"]),
                 buffer("input_buf", "input_buffer", ("ifmap",),
                        e["input_buffer_vector"] / arch["input_buffer"]["block_size"]),
                 buffer("glb", "global_buffer", ("ifmap", "ofmap"), e["global_buffer_vector"] / _GLB_STATS_BLOCK_WORDS)),
        dram=DRAMSpec(bandwidth_bytes_per_cycle=UNBOUNDED_BANDWIDTH_BYTES_PER_CYCLE),
        spatial=SpatialSpec(dims=(SpatialDim(name="pes", size=pes, above="glb"),
                                  SpatialDim(name="lanes", size=lanes, above="input_buf"),
                                  SpatialDim(name="macs", size=per_lane, above="accbuf")),
                            dataflow="ws", operand_registers=False),
        word_bytes=word, tech_node_nm=40.0,
        energy=EnergyTable(mac_pj=e["macc_per_op"], dram_pj_per_byte=e["dram_vector"] / arch["dram"]["block_size"] / word,
                           pe_hop_pj_per_byte=0.0, sram_leakage_mw_per_kib=0.0, pe_leakage_mw=0.0),
    )


def _registers_pj_per_word(ref: dict[str, Any]) -> float:
    """The registers' energy per access: printed as 0.00 pJ, so derived from the level's total and accesses."""
    entry = ref["accesses"]["registers_weights"]
    return entry["energy_total_pJ"] / ((entry["reads"] + entry["fills"]) * entry["instances"])


def cosa_simba_mapping(ref: dict[str, Any] | None = None) -> Mapping:
    """Our `Mapping` equal to the run's ``timeloop-model.map.txt``."""
    ref = ref or cosa_simba_resnet50()
    nest = {k: v for k, v in ref["mapping"].items() if isinstance(v, list)}
    problem = problem_of(cosa_simba_layer(ref), f"int{ref['arch']['word_bits']}")
    return mapping_from_timeloop(
        problem, cosa_simba_accelerator(ref), nest,
        levels={"DRAM": "dram", "GlobalBuffer": "glb", "InputBuffer": "input_buf", "WeightBuffer": "weight_buf",
                "AccumulationBuffer": "accbuf", "Registers": "registers"},
        spatial={("GlobalBuffer", "X"): "pes", ("InputBuffer", "X"): "lanes", ("AccumulationBuffer", "X"): "macs"})


def compare_cosa_simba() -> ResultTable:
    """Ours vs the CoSA run: cycles, pJ/MAC (total and per level), accesses per level and operand (words)."""
    ref = cosa_simba_resnet50()
    acc = cosa_simba_accelerator(ref)
    row = simulate_operator(cosa_simba_layer(ref), acc, cosa_simba_mapping(ref),
                            precision=f"int{ref['arch']['word_bits']}")
    return ResultTable(timeloop_stats_rows(REFERENCE, SOURCE, ref, row, acc.word_bytes, _ACCESS_KEYS))
