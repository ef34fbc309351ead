"""hwcodesign accelerators equivalent to ZigZag's bundled ``tpu_like`` and ``edge_tpu_like`` examples.

ZigZag (``zigzag-dse==3.9.1``, ``zigzag/inputs/hardware/{tpu_like,edge_tpu_like}.yaml`` and
``zigzag/inputs/mapping/*.yaml``) gives memory sizes in bits, bandwidths in bits per cycle, and
energies per access of ``bandwidth_max`` bits. Converted here:

* size: bits / 8 bytes. ZigZag keeps partial sums at 16 bits (``O`` precision) and final outputs at 8 bits
  (``O_final``); so does ours with ``psum_bytes=2`` (`Accelerator.psum_bytes`: a level that accumulates
  stores and moves outputs at 2 bytes, DRAM spills partial sums at 2 bytes and final values at 1).
* PEs: ZigZag's MACs hold no partial sum; they read and write the output register ``rf_2B`` on every MAC.
  Ours: ``SpatialSpec(operand_registers=("ifmap", "filter"))`` (the MACs keep inputs and weights, which
  is ZigZag's ``access_same_data_considered_as_no_access``, but update the output in ``rf_2B`` on every
  MAC), so ``rf_2B`` holds partial sums and, at 2 bytes, exactly one output.
* energy per byte = ``r_cost`` (or ``w_cost``) / (``bandwidth_max`` / 8).
* bandwidth (bytes/cycle): read + write ports together, since our model divides reads plus writes by one
  bandwidth per buffer (per instance for per-PE levels).
* MAC 0.04 pJ (``unit_energy``); NoC (PE-to-PE hop) 0 and leakage 0 (ZigZag models neither).

ZigZag quantities our spec cannot express, and how the benchmark treats them
-----------------------------------------------------------------------------
* **DRAM write energy** (750 pJ vs 700 pJ read per 64 bits): our `DRAMSpec` has one energy per byte. The
  spec carries the read energy (87.5 pJ/B); `zigzag_cost` adds the 6.25 pJ/B difference to DRAM writes.
* **Off-loading and systolic drain**: ZigZag's ``latency_total2`` adds, after the computation, the cycles to
  write the last output tile of the outermost on-chip level to DRAM (``data_offloading_cycle``) and, on
  ``tpu_like`` (``systolic_dimensions: [D1, D2]``), ``(D1 used - 1) + (D2 used - 1)`` drain cycles. Our model
  overlaps transfers with compute (buffers ``overlapped_fills``, as ZigZag lets memories update during
  computation); `zigzag_cost` adds both terms.
* **Bandwidth granularity**: ZigZag rounds each transfer up to ``bandwidth_min`` bits (64 for the SRAMs and
  DRAM), so 3 input words (24 bits) a cycle cost a 64-bit access; ours charges the bytes moved. Not
  modelled: it only makes ZigZag's numbers larger (conv1 and ``features.0.0``, C = 3).
* **edge_tpu_like ``rf_1B``** (the weight register, 64 instances shared over D3/D4, 0.01 pJ per access):
  its outputs fan out over D3/D4 while ``rf_2B``'s fan in over D2, and our `SpatialDim` has one ``above``
  for all operands. We keep ``rf_2B`` (its D2 reduction matters for the SRAM traffic) and let the MAC's
  operand register play ``rf_1B``'s role (ZigZag's ``access_same_data_considered_as_no_access`` is the same
  rule); ZigZag's 0.02 pJ per weight change is not charged (< 0.3 % of a layer's energy).
* **Per-operand level cuts**: ZigZag assigns each operand's loops to its own memory levels; so does our
  `Mapping.placement` (`zigzag_mapping` carries ZigZag's cuts over, the mapper's hill climb searches them).
  Operands that a level does not store are fetched from the next level that does (the template decides;
  a mapping cannot make an operand bypass a level that stores it).
* **Zero padding**: ZigZag's input operand is the unpadded tensor (its hardware inserts the padding on
  chip); ours, as Timeloop, moves the padded input. `zigzag_cost(hardware, input_words)` scales every
  ifmap transfer by the stored share (benchmark only; the library keeps Timeloop's convention, which the
  Timeloop reference tests check exactly).
* **Padded (uneven) tiles**: ZigZag's fixed spatial unrolling is clipped to the layer and its temporal
  loops padded (K = 144 on 32 columns: 5 steps); our mapper's space (`hwcodesign.mapper.space`) tries the
  same padded unrollings besides exact divisors.

Spatial unrolling is fixed in ZigZag's mapping files (``D1: K 32, D2: C 32`` for tpu_like; ``D1: K 8, D2:
C 8, D3: OX 4, D4: OY 4`` for edge_tpu_like); `SpatialDim.loops` restricts ours to the same loops, so
the accelerator is built per operator kind (a conv's ``C`` is a GEMM's ``K``). Depthwise convs have one
input and one output channel per group (``G`` not unrollable): 1 PE on tpu_like, 16 on edge_tpu_like, as
in ZigZag.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Literal

import numpy as np

from hwcodesign.accelerators import OPERANDS, Accelerator, BufferSpec, DRAMSpec, EnergyTable, PEArraySpec
from hwcodesign.accelerators.area import AreaTable
from hwcodesign.accelerators.spatial import SpatialDim, SpatialSpec
from hwcodesign.core.errors import ConfigError
from hwcodesign.mapper.cost import BatchCost, MappingBatch, evaluate, tile_extents
from hwcodesign.mapper.mapping import Mapping
from hwcodesign.mapper.problem import Problem

__all__ = ["HARDWARE", "equivalent_accelerator", "zigzag_cost", "zigzag_mapping", "zigzag_text", "ZIGZAG_DIMS", "DRAM_READ_PJ_PER_BYTE", "DRAM_WRITE_PJ_PER_BYTE"]

Kind = Literal["conv", "fc"]
HARDWARE = ("tpu_like", "edge_tpu_like")

#: dram: r_cost 700, w_cost 750 pJ per access of bandwidth_max 64 bits (8 bytes).
DRAM_READ_PJ_PER_BYTE = 700 / 8
DRAM_WRITE_PJ_PER_BYTE = 750 / 8
DRAM_BYTES_PER_CYCLE = 64 / 8  # one read_write port of 64 bits
MAC_PJ = 0.04  # operational_array unit_energy

# sram_2MB (both templates): size 16777216 bits, r 416.16 / w 378.4 pJ per 2048 bits, one read and one
# write port of 64..2048 bits; holds I1 (ifmap) and O.
_SRAM_2MB = dict(name="sram_2MB", size_bytes=16_777_216 // 8, operands=("ifmap", "ofmap"), level="sram",
                 bandwidth_bytes_per_cycle=2 * 2048 / 8, overlapped_fills=True,
                 access_energy_pj_per_byte=(416.16 / 256,), write_energy_pj_per_byte=(378.4 / 256,))


def _dims(kind: Kind, names: dict[str, tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """Per array dimension, the loop our `Problem` calls ZigZag's loop (conv or GEMM naming)."""
    return {d: ((conv,) if kind == "conv" else (gemm,)) for d, (conv, gemm) in names.items()}


def _energy() -> EnergyTable:
    return EnergyTable(mac_pj=MAC_PJ, pe_hop_pj_per_byte=0.0, dram_pj_per_byte=DRAM_READ_PJ_PER_BYTE,
                       sram_leakage_mw_per_kib=0.0, pe_leakage_mw=0.0)


def tpu_like(kind: Kind = "conv") -> Accelerator:
    """ZigZag's ``tpu_like``: 32 x 32 weight-stationary array, per-PE weight and psum registers, 2 MiB SRAM.

    ZigZag's D1 unrolls K (our conv ``K``, GEMM ``N``), D2 unrolls C (conv ``C``, GEMM ``K``).
    """
    loops = _dims(kind, {"D1": ("K", "N"), "D2": ("C", "K")})
    buffers = (
        # rf_128B: size 1024 bits, W (I2) only, private per PE (served_dimensions []), 8-bit read and write
        # ports, r/w 0.095 pJ per 8-bit access.
        BufferSpec(name="rf_128B", size_bytes=1024 // 8, operands=("filter",), level="rf",
                   bandwidth_bytes_per_cycle=2 * 8 / 8, overlapped_fills=True,
                   access_energy_pj_per_byte=(0.095,), write_energy_pj_per_byte=(0.095,)),
        # rf_2B: size 16 bits (one 16-bit psum), O only, private per PE, 2 read + 2 write ports of 16 bits,
        # r/w 0.021 pJ per 16-bit access.
        BufferSpec(name="rf_2B", size_bytes=2, operands=("ofmap",), level="rf",
                   bandwidth_bytes_per_cycle=8.0, overlapped_fills=True,
                   access_energy_pj_per_byte=(0.021 / 2,), write_energy_pj_per_byte=(0.021 / 2,)),
        BufferSpec(**_SRAM_2MB),  # served [D1, D2]: one instance
    )
    spatial = SpatialSpec(dims=(SpatialDim(name="D1", size=32, loops=loops["D1"], above="sram"),
                                SpatialDim(name="D2", size=32, loops=loops["D2"], above="sram")),
                          dataflow="ws", multicast=True, reduction=True, systolic=False,
                          operand_registers=("ifmap", "filter"))
    return Accelerator(name="zigzag_tpu_like", template="zigzag_tpu_like",
                       pe_array=PEArraySpec(rows=32, cols=32, dataflow="ws"), buffers=buffers,
                       dram=DRAMSpec(bandwidth_bytes_per_cycle=DRAM_BYTES_PER_CYCLE), spatial=spatial,
                       word_bytes=1, psum_bytes=2, energy=_energy(), area=AreaTable())


def edge_tpu_like(kind: Kind = "conv") -> Accelerator:
    """ZigZag's ``edge_tpu_like``: 8 x 8 x 4 x 4 array (D1 K, D2 C, D3 OX, D4 OY), 32 KiB weight SRAM, 2 MiB SRAM.

    ``rf_2B`` is shared over D2 (the C reduction happens below it): D2 fans out from the ``rf`` level,
    D1, D3, D4 from ``sram``, giving ZigZag's 8 x 4 x 4 = 128 output registers.
    """
    loops = _dims(kind, {"D1": ("K", "N"), "D2": ("C", "K"), "D3": ("Q", "M"), "D4": ("P", "B")})
    buffers = (
        # rf_2B: 16 bits (one psum), O only, served_dimensions [D2], 2 + 2 ports of 16 bits, 0.02 pJ per access.
        BufferSpec(name="rf_2B", size_bytes=2, operands=("ofmap",), level="rf",
                   bandwidth_bytes_per_cycle=8.0, overlapped_fills=True,
                   access_energy_pj_per_byte=(0.02 / 2,), write_energy_pj_per_byte=(0.02 / 2,)),
        # sram_32KB: 262144 bits, W (I2), served [D1..D4], ports 64..512 bits, r 22.9 / w 52.01 pJ per 512 bits.
        BufferSpec(name="sram_32KB", size_bytes=262_144 // 8, operands=("filter",), level="sram",
                   bandwidth_bytes_per_cycle=2 * 512 / 8, overlapped_fills=True,
                   access_energy_pj_per_byte=(22.9 / 64,), write_energy_pj_per_byte=(52.01 / 64,)),
        BufferSpec(**_SRAM_2MB),
    )
    spatial = SpatialSpec(dims=(SpatialDim(name="D1", size=8, loops=loops["D1"], above="sram"),
                                SpatialDim(name="D2", size=8, loops=loops["D2"], above="rf"),
                                SpatialDim(name="D3", size=4, loops=loops["D3"], above="sram"),
                                SpatialDim(name="D4", size=4, loops=loops["D4"], above="sram")),
                          dataflow="ws", multicast=True, reduction=True, systolic=False,
                          operand_registers=("ifmap", "filter"))
    return Accelerator(name="zigzag_edge_tpu_like", template="zigzag_edge_tpu_like",
                       pe_array=PEArraySpec(rows=32, cols=32, dataflow="ws"), buffers=buffers,
                       dram=DRAMSpec(bandwidth_bytes_per_cycle=DRAM_BYTES_PER_CYCLE), spatial=spatial,
                       word_bytes=1, psum_bytes=2, energy=_energy(), area=AreaTable())


def equivalent_accelerator(hardware: str, kind: Kind = "conv") -> Accelerator:
    """The accelerator equivalent to ZigZag's ``hardware`` for a layer of ``kind`` ('conv' or 'fc')."""
    return {"tpu_like": tpu_like, "edge_tpu_like": edge_tpu_like}[hardware](kind)


_SYSTOLIC = {"tpu_like": True, "edge_tpu_like": False}  # ZigZag's operational_array systolic_dimensions


def zigzag_cost(hardware: str, input_words: int | None = None):
    """Our cost model plus the ZigZag terms the spec cannot express (module docstring).

    Returns a `hwcodesign.mapper.layer.CostFunction`: DRAM writes cost 750 instead of 700 pJ per 64 bits;
    latency gains ZigZag's off-loading of the last output tile of the outermost on-chip level (at the DRAM
    bandwidth) and, on tpu_like, the systolic drain ``(D1 used - 1) + (D2 used - 1)``. With
    ``input_words`` (the layer's stored, unpadded input), the zero padding is not moved: ZigZag's input
    operand is the unpadded tensor (``operand_size_bit``; e.g. 47 040 B for MobileNetV2's
    ``features.15.conv.1.0``, 960 x 7 x 7, where ours moves the 960 x 9 x 9 padded input as Timeloop does),
    so every ifmap transfer is scaled by the stored share ``input_words / padded input words`` (exact for
    transfers that sweep the input once, an average over tiles for halo refetches).
    """
    systolic = _SYSTOLIC[hardware]

    def cost(problem: Problem, acc: Accelerator, batch: MappingBatch) -> BatchCost:
        c = evaluate(problem, acc, batch)
        av = c.arch
        nb = len(av.buffer_names)
        components = dict(c.energy_components)
        reads, writes = c.read_bytes, c.write_bytes
        padded = problem.footprint("ifmap", dict(zip(problem.dims, problem.bounds, strict=True)))
        if input_words is not None and input_words < padded:
            k = OPERANDS.index("ifmap")
            share = input_words / padded
            reads, writes = reads.copy(), writes.copy()
            reads[:, :, k] *= share
            writes[:, :, k] *= share
            saved = (c.read_bytes[:, :, k] - reads[:, :, k]) * av.read_pj[:, k] + (
                c.write_bytes[:, :, k] - writes[:, :, k]) * av.write_pj[:, k]
            for b in range(nb):
                components[av.level_names[av.buffer_level[b]]] = components[av.level_names[av.buffer_level[b]]] - saved[:, b]
            components["dram"] = components["dram"] - saved[:, nb]
        traffic = reads + writes
        components["dram"] = components["dram"] + writes[:, nb].sum(axis=1) * (
            DRAM_WRITE_PJ_PER_BYTE - DRAM_READ_PJ_PER_BYTE)
        # ofmap tile of the outermost on-chip level: its temporal loops (below its cut) times every spatial
        # factor, clipped to the layer (a padded tile off-loads only its real outputs)
        top = batch.temporal.shape[1] - 2
        extents = np.minimum(tile_extents(batch, "ofmap", top) * batch.spatial.prod(axis=1), problem.bounds)
        tile = problem.axis_sizes("ofmap", extents).prod(axis=1)
        offload = np.minimum(tile * problem.elem_bytes, writes[:, nb, OPERANDS.index("ofmap")])
        # ZigZag: computation, stretched by bandwidth stalls (ours: the busiest buffer or DRAM besides the
        # last output tile), then the last tile's off-loading and the systolic drain
        busy = np.maximum(traffic[:, :nb].sum(axis=2) / av.bandwidth[:nb], 0).max(axis=1)
        during = (traffic[:, nb].sum(axis=1) - offload) / av.bandwidth[nb]
        latency = np.ceil(np.maximum.reduce([c.compute_cycles, busy, during])) + np.ceil(offload / av.bandwidth[nb])
        if systolic:
            latency = latency + np.maximum(batch.spatial.prod(axis=2) - 1, 0).sum(axis=1)
        return dataclasses.replace(c, latency_cycles=latency, energy_components=components, read_bytes=reads,
                                   write_bytes=writes)

    return cost


#: ZigZag's loop names -> ours, per layer kind (conv: B K G OX OY C FX FY; fc/Gemm: D K C).
ZIGZAG_DIMS = {"conv": {"B": "N", "G": "G", "K": "K", "C": "C", "OX": "Q", "OY": "P", "FX": "S", "FY": "R"},
               "fc": {"D": "M", "K": "N", "C": "K"}}
_LOOP = re.compile(r"([A-Z]+?)(\d+(?:\.\d+)?)(?=[A-Z]|$)")


def _loops(text: str) -> list[tuple[str, float]]:
    return [(name, float(size)) for name, size in _LOOP.findall(text)]


#: Per hardware, per boundary of our levels (rf|sram, sram|dram): the (ZigZag operand, its boundary) pairs.
_CUTS = {"tpu_like": [[("O", 0), ("W", 0)], [("O", 1), ("I", 0)]],
         "edge_tpu_like": [[("O", 0)], [("O", 1), ("I", 0), ("W", 1)]]}


def zigzag_mapping(problem: Problem, acc: Accelerator, hardware: str, kind: Kind, spatial_text: str,
                   temporal_text: str) -> Mapping:
    """ZigZag's chosen mapping (the CSV's ``spatial_mapping`` and ``temporal_mapping``) as our `Mapping`.

    ZigZag cuts its one loop order per operand (``O:rf|sram|dram W:... I:...``); so does our
    `Mapping.placement`. Our level boundary ``rf|sram`` lies between the operands' rf tiles and their sram
    tiles (where the spatial fan-out from sram sits; the highest rf cut), ``sram|dram`` at the lowest of the
    sram cuts; each operand's own cuts become its placement. Uneven factors (``K4.5``) are rounded up
    (padding); a dimension split within one of our levels (``OY16 ... OY7``) becomes one loop at its
    innermost position (a cut between the two parts moves above both).
    """
    names = ZIGZAG_DIMS[kind]
    index = {d: i for i, d in enumerate(problem.dims)}
    nd = len(problem.dims)
    av_levels = [lv.name for lv in acc.levels()]
    parts = {part[0]: part[2:].split("|") for part in temporal_text.split()}  # operand -> loops per level
    sequence = _loops("".join(parts["O"]))  # one loop order for all operands, innermost first
    cuts = {o: np.cumsum([len(_loops(level)) for level in levels]) for o, levels in parts.items()}
    tiles = _CUTS[hardware]  # per our level but DRAM, the (ZigZag operand, its level) tiles stored there
    boundary = [max(int(cuts[o][i]) for o, i in tiles[0]), min(int(cuts[o][i]) for o, i in tiles[1])]
    bounds = [0, *boundary, len(sequence)]
    temporal, orders, firsts = [], [], []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        factors = [1] * nd
        inner_first: list[str] = []
        for name, size in sequence[lo:hi]:
            d = names[name]
            factors[index[d]] *= int(np.ceil(size))
            if d not in inner_first:
                inner_first.append(d)
        rest = [d for d in problem.dims if d not in inner_first]
        temporal.append(tuple(factors))
        orders.append(tuple(rest) + tuple(reversed(inner_first)))  # outermost first; factor-1 loops outermost
        firsts.append(inner_first)

    def position(z: int) -> int:  # our nest position of ZigZag's cut after its first z loops
        level = max(lv for lv in range(len(bounds) - 1) if bounds[lv] <= z)
        if z == bounds[level + 1]:
            return (level + 1) * nd
        below = {names[name] for name, _ in sequence[bounds[level]:z]}
        return level * nd + len([d for d in firsts[level] if d in below])

    letter = {"ifmap": "I", "filter": "W", "ofmap": "O"}
    placement = []
    for operand in OPERANDS:
        own = [(lv, i) for lv, level_tiles in enumerate(tiles) for o, i in level_tiles if o == letter[operand]]
        placed = dict.fromkeys(range(len(av_levels) - 1))
        for lv, i in own:
            placed[lv] = position(int(cuts[letter[operand]][i]))
        placement.append(tuple((lv + 1) * nd if q is None else q for lv, q in placed.items()))
    array = acc.spatial_array()
    spatial = []
    for dim in array.dims:
        factors = [1] * len(problem.dims)
        match = re.search(dim.name + r":\s*\{([^}]*)\}", spatial_text)
        for name, size in re.findall(r"(\w+):\s*([\d.]+)", match.group(1) if match else ""):
            factors[index[names[name]]] *= int(np.ceil(float(size)))
        spatial.append(tuple(factors))
    # pad the outermost level so each dimension's factors cover its bound (ZigZag's uneven loops)
    covered = [int(np.prod([t[i] for t in temporal] + [s[i] for s in spatial])) for i in range(len(problem.dims))]
    last = list(temporal[-1])
    for i, bound in enumerate(problem.bounds):
        if covered[i] < bound:
            last[i] *= -(-bound // covered[i])
    temporal[-1] = tuple(last)
    return Mapping(dims=problem.dims, bounds=problem.bounds, levels=tuple(av_levels), temporal=tuple(temporal),
                   orders=tuple(orders), spatial_dims=tuple(d.name for d in array.dims), spatial=tuple(spatial),
                   spatial_above=tuple(d.above for d in array.dims), placement=tuple(placement))


def _zigzag_levels(hardware: str) -> dict[str, tuple[int | None, ...]]:
    """Per ZigZag operand, its memory levels below DRAM (innermost first) as the index of our level whose
    per-operand cut (`Mapping.cuts`) ends it, read from `_CUTS`; None for a ZigZag level our spec lacks
    (edge_tpu_like's ``rf_1B``: left empty, ZigZag's ``TemporalMapping`` merges the innermost weight-irrelevant
    loops down into it, as it does with LOMA's allocations)."""
    ours = {(o, i): lv for lv, tiles in enumerate(_CUTS[hardware]) for o, i in tiles}
    return {o: tuple(ours.get((o, i)) for i in range(1 + max(i for p, i in ours if p == o))) for o in "OWI"}


def zigzag_text(mapping: Mapping, acc: Accelerator, hardware: str, kind: Kind) -> tuple[str, str]:
    """Our `Mapping` in the text of ZigZag's results CSV: ``(spatial_mapping, temporal_mapping)``.

    The inverse of `zigzag_mapping`, read by ``evaluate_mapping.py`` (ZigZag's venv). The loop nest, innermost
    first, is cut per ZigZag operand at that operand's own cut of our level (``placement``); factor-1 loops are
    left out. A padded unrolling is written as its integer unrolling: ZigZag's ``SpatialMappingConversionStage``
    makes it fractional (OX 7 on 4 PEs -> 3.5, temporal 2), which needs every padded dimension's temporal
    factors to multiply to ``ceil(bound / unrolling)`` (ZigZag's only padding); a ConfigError otherwise.
    """
    names = {ours: theirs for theirs, ours in ZIGZAG_DIMS[kind].items()}
    nd = len(mapping.dims)
    index = {d: i for i, d in enumerate(mapping.dims)}
    spatial = np.prod(np.array(mapping.spatial, dtype=np.int64).reshape(-1, nd), axis=0) if mapping.spatial else (
        np.ones(nd, dtype=np.int64))
    temporal = np.prod(np.array(mapping.temporal, dtype=np.int64), axis=0)
    for d, bound in enumerate(mapping.bounds):
        if temporal[d] != -(-bound // spatial[d]):
            raise ConfigError(f"The 'temporal' field of Mapping must pad only the last spatial step for ZigZag "
                              f"({mapping.dims[d]}: {temporal[d]} temporal steps of {spatial[d]} for {bound}). "
                              f"Got {mapping.temporal}.")
    array = acc.spatial_array()
    parts = []
    for dim, factors in zip(array.dims, mapping.spatial, strict=True):
        loops = {names[d]: f for d, f in zip(mapping.dims, factors, strict=True) if f > 1}
        if not loops and dim.loops[0] not in names:
            continue  # a loop ZigZag's layer lacks (a GEMM's batch on edge_tpu_like's OY dimension): ZigZag skips it
        loops = loops or {names[dim.loops[0]]: 1}
        parts.append(f"{dim.name}: {{" + ", ".join(f"{d}: {f}" for d, f in loops.items()) + "}")
    spatial_text = "{" + ", ".join(parts) + "}"
    sequence = []  # (position, ZigZag loop), innermost first
    for lv, order in enumerate(mapping.orders):
        for j, d in enumerate(reversed(order)):
            factor = mapping.temporal[lv][index[d]]
            if factor > 1:
                sequence.append((lv * nd + j, f"{names[d]}{factor}"))
    letter = {"I": "ifmap", "W": "filter", "O": "ofmap"}
    texts = []
    for op, levels in _zigzag_levels(hardware).items():
        cuts = [0 if lv is None else mapping.cuts(letter[op])[lv] for lv in levels]
        bounds = [0, *cuts, len(mapping.levels) * nd]
        texts.append(f"{op}:" + "|".join("".join(loop for q, loop in sequence if lo <= q < hi)
                                         for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)))
    return spatial_text, " ".join(texts)
