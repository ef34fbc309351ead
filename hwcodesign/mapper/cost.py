"""The vectorised loop-nest cost model: access counts, latency, energy of many mappings at once.

`evaluate` takes a `Problem`, an `Accelerator` and a `MappingBatch` (numpy arrays of
tile factors and loop orders for ``B`` mappings) and returns a `BatchCost` of arrays
of length ``B``. The analytical engine evaluates one mapping as a batch of one, so the
engine and the mapper share this one model (`BatchCost.record` writes the result row).

The model (Timeloop/ZigZag style)
---------------------------------
Levels are numbered innermost first; the MAC units are a virtual level ``-1`` whose
operand registers hold one word per PE (without them, ``SpatialSpec.operand_registers``
False or a tuple that leaves the operand out, the innermost level holding it is read, or
updated, on every temporal iteration). For each operand and each pair of
consecutive levels that hold it (child ``c``, parent ``p``; levels that bypass the
operand are skipped; DRAM holds everything):

- **Tile.** A level's tile spans the temporal factors of its own and inner levels and
  the spatial factors of the dimensions fanning out from it or inner levels; its
  footprint is the distinct words its loops reach through the operand's projection
  (`Problem.axis_sizes`: halo included, input rows between strided windows excluded).
- **Padding.** A padded unrolling runs tiles past the operand's edge: compute cycles and
  buffer capacity count the padded tiles, traffic and accesses only the real words (each
  axis scaled by its real share of the padded extent).
- **Refetches.** Walk the temporal loops above ``c`` from the innermost outwards; the
  child's tile changes at the first loop (factor > 1) that indexes the operand and at
  every loop outside it; loops inside it that do not index the operand reuse the tile
  (stationarity). When that first loop slides a window (a conv's P over the ifmap's
  rows), each step fetches only the rows not already held (halo reuse).
- **Fan-out.** Spatial dimensions between ``c`` and ``p`` multiply the child
  instances. With multicast (inputs) or in-network reduction (outputs) the parent
  moves the union of the children's tiles once; otherwise once per child. Spatial
  dimensions outside ``p`` multiply the parent instances.
- **Partial sums.** Every update of an output word at a level except its first is a
  read-modify-write: the level reads ``updates - outputs`` words back and sends them
  down again. With ``Accelerator.psum_bytes`` wider than the word, a level that holds
  partial sums (a word updated more than once there, or a reducing fan-out above it)
  stores and moves its output words at that width; DRAM writes each final value at the
  word; the links of an adder tree carry partial sums.
- **Counts.** Inputs: the parent reads what it sends, the child writes what it
  receives. Outputs: the child reads what it drains, the parent writes it.
  Every word that crosses a spatial fan-out is one NoC delivery.
- **Cycles.** Compute cycles are the temporal iterations, plus, on a systolic array,
  fill and drain cycles (``rows + cols - 2`` output stationary, ``2 rows + cols - 2``
  otherwise) per fold (each change of the stationary operand's tile), as
  `hwcodesign.simulator.systolic.folds`. Each buffer (and DRAM) needs its bytes
  divided by its bandwidth (per instance); the layer takes the longest of these and
  compute (double-buffered overlap), plus the fills of buffers that are neither double
  buffered nor ``overlapped_fills`` (exposed), plus the DRAM latency once.
- **Energy.** Reads and writes times the accelerator's per-byte energies of the array
  accessed (bank or operand partition), MACs times MAC energy, NoC deliveries times
  the hop energy, DRAM bytes times the DRAM energy, leakage times time.
- **Feasibility.** Each buffer instance must hold its tiles in its working capacity
  (per operand partition, or summed); each spatial dimension may unroll at most its
  size, and only the loops it allows. A mapping that breaks one is returned with
  ``feasible=False`` and the most violated constraint, its demand and its bound.

Examples
--------
>>> from hwcodesign.accelerators import get_accelerator
>>> from hwcodesign.workloads.operators import Gemm
>>> from hwcodesign.mapper.mapping import Mapping
>>> from hwcodesign.mapper.problem import problem_of
>>> acc = get_accelerator("systolic", rows=4, cols=4, dataflow="os", dram_latency_cycles=0)
>>> problem = problem_of(Gemm(m=8, n=4, k=16), "int8")
>>> m = Mapping(dims=problem.dims, bounds=problem.bounds, levels=("sram", "dram"),
...             temporal=((1, 1, 2, 1, 16), (1, 1, 1, 1, 1)), orders=(("B", "G", "M", "N", "K"),) * 2,
...             spatial_dims=("rows", "cols"), spatial=((1, 1, 4, 1, 1), (1, 1, 1, 4, 1)),
...             spatial_above=("sram", "sram"))
>>> cost = evaluate(problem, acc, batch_of(problem, acc, [m]))
>>> row = cost.record(0)
>>> row["compute_cycles"], row["ifmap_sram_read_bytes"], row["ofmap_sram_write_bytes"], row["feasible"]
(44.0, 128.0, 32.0, True)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hwcodesign.accelerators.specs import OPERANDS, Accelerator
from hwcodesign.mapper.mapping import Mapping
from hwcodesign.mapper.problem import Problem

__all__ = ["MappingBatch", "BatchCost", "ArchView", "arch_view", "evaluate", "batch_of", "mapping_at", "allowed_mask",
           "tile_extents"]

_PJ_PER_MW_S = 1e9  # 1 mW for 1 s is 1e9 pJ
_STATIONARY = {"os": "ofmap", "ws": "filter", "is": "ifmap"}


@dataclass(frozen=True)
class MappingBatch:
    """``B`` mappings as arrays: ``temporal`` (B, levels, dims), ``spatial`` (B, spatial dims, dims)
    factors, ``orders`` (B, levels, dims): each level's dimension indices, innermost loop first, and
    ``cuts`` (B, operands, levels - 1): each operand's tile end per level as a position in the loop nest
    (`Mapping.placement`), or ``None`` for the level boundaries (``(level + 1) * dims``) everywhere."""

    temporal: np.ndarray
    spatial: np.ndarray
    orders: np.ndarray
    cuts: np.ndarray | None = None

    def __len__(self) -> int:
        return self.temporal.shape[0]

    def take(self, index: Any) -> MappingBatch:
        """The mappings at ``index`` (an index array or a boolean mask)."""
        return MappingBatch(self.temporal[index], self.spatial[index], self.orders[index],
                            None if self.cuts is None else self.cuts[index])

    def placement(self) -> np.ndarray:
        """``cuts``, with the level boundaries filled in where it is ``None``."""
        if self.cuts is not None:
            return self.cuts
        n, levels, dims = self.temporal.shape
        shared = (np.arange(1, levels) * dims).astype(np.int64)
        return np.broadcast_to(shared, (n, len(OPERANDS), levels - 1)).copy()

    @staticmethod
    def concat(batches: Sequence[MappingBatch]) -> MappingBatch:
        """One batch of all mappings of ``batches``."""
        arrays = [np.concatenate([getattr(b, f) for b in batches]) for f in ("temporal", "spatial", "orders")]
        placed = any(b.cuts is not None for b in batches)
        return MappingBatch(*arrays, np.concatenate([b.placement() for b in batches]) if placed else None)


@dataclass(frozen=True, eq=False)
class ArchView:
    """The numbers of an accelerator the cost model uses, gathered once (see `arch_view`)."""

    acc: Accelerator
    level_names: tuple[str, ...]
    instances: np.ndarray
    buffer_names: tuple[str, ...]
    buffer_level: np.ndarray
    holder: dict[tuple[str, int], int]
    spatial_names: tuple[str, ...]
    spatial_sizes: np.ndarray
    spatial_above: np.ndarray
    spatial_loops: tuple[tuple[str, ...], ...]
    multicast: bool
    reduction: bool
    operand_registers: frozenset[str]  # operands the MACs hold in registers
    fill_cycles: int
    stationary: str | None
    read_pj: np.ndarray
    write_pj: np.ndarray
    bandwidth: np.ndarray
    double_buffered: np.ndarray  # fills hidden: double buffered or overlapped_fills
    num_pes: int
    area_mm2: float
    constraints: list[tuple[str, int, str | None, float]] = field(default_factory=list)

    @property
    def dram(self) -> int:
        """Index of the DRAM slot in the per-buffer arrays (after the on-chip buffers)."""
        return len(self.buffer_names)


@functools.lru_cache(maxsize=64)
def arch_view(acc: Accelerator) -> ArchView:
    """Gather what the cost model needs from ``acc`` (cached per accelerator)."""
    levels = acc.levels()
    array = acc.spatial_array()
    names = tuple(b.name for b in acc.buffers)
    level_index = {lv.name: lv.index for lv in levels}
    holder: dict[tuple[str, int], int] = {}
    for lv in levels:
        for o in OPERANDS:
            buf = lv.buffer_for(o)
            if buf is not None:
                holder[(o, lv.index)] = names.index(buf.name)
            elif lv.is_dram:
                holder[(o, lv.index)] = len(names)
    nb = len(names)
    read_pj = np.zeros((nb + 1, len(OPERANDS)))
    write_pj = np.zeros((nb + 1, len(OPERANDS)))
    bandwidth = np.full(nb + 1, np.inf)
    constraints: list[tuple[str, int, str | None, float]] = []
    for i, b in enumerate(acc.buffers):
        for k, o in enumerate(OPERANDS):
            if o in b.operands:
                read_pj[i, k] = acc.buffer_access_energy_pj_per_byte(b.name, "read", operand=o)
                write_pj[i, k] = acc.buffer_access_energy_pj_per_byte(b.name, "write", operand=o)
        if b.bandwidth_bytes_per_cycle is not None:
            bandwidth[i] = b.bandwidth_bytes_per_cycle * acc.buffer_instances(b.name)
        if b.operand_bytes is None:
            constraints.append((b.name, i, None, b.working_bytes))
        else:
            constraints.extend((b.name, i, o, b.capacity_bytes(o)) for o in b.operands)
    read_pj[nb] = write_pj[nb] = acc.dram_energy_pj_per_byte()
    bandwidth[nb] = acc.dram.bandwidth_bytes_per_cycle
    rows, cols = array.dims[0].size, array.dims[-1].size
    fill = 0
    if array.systolic:
        fill = rows + cols - 2 if acc.pe_array.dataflow == "os" else 2 * rows + cols - 2
    return ArchView(
        acc=acc, level_names=tuple(lv.name for lv in levels),
        instances=np.array([lv.instances for lv in levels]), buffer_names=names,
        buffer_level=np.array([level_index[b.level_name] for b in acc.buffers] + [len(levels) - 1]),
        holder=holder, spatial_names=tuple(d.name for d in array.dims),
        spatial_sizes=np.array([d.size for d in array.dims]),
        spatial_above=np.array([level_index[d.above] for d in array.dims]),
        spatial_loops=tuple(d.loops for d in array.dims), multicast=array.multicast, reduction=array.reduction,
        operand_registers=frozenset(o for o in OPERANDS if array.registered(o)), fill_cycles=fill, stationary=_STATIONARY.get(acc.pe_array.dataflow) if array.systolic else None,
        read_pj=read_pj, write_pj=write_pj, bandwidth=bandwidth,
        double_buffered=np.array([b.double_buffered or b.overlapped_fills for b in acc.buffers] + [True]),
        num_pes=array.num_pes, area_mm2=acc.area_mm2(), constraints=constraints)


def allowed_mask(problem: Problem, av: ArchView) -> np.ndarray:
    """(spatial dims, loop dims) mask of the loops each spatial dimension may unroll."""
    return np.array([[not loops or d in loops or r in loops for d, r in zip(problem.dims, problem.roles, strict=True)]
                     for loops in av.spatial_loops], dtype=bool)


def batch_of(problem: Problem, acc: Accelerator, mappings: Sequence[Mapping]) -> MappingBatch:
    """Arrays of ``mappings`` (each made for ``problem`` on ``acc``) for `evaluate`."""
    av = arch_view(acc)
    for m in mappings:
        if m.dims != problem.dims or m.levels != av.level_names or m.spatial_dims != av.spatial_names:
            raise ValueError(f"mapping for dims {m.dims}, levels {m.levels}, spatial dims {m.spatial_dims} does not "
                             f"fit {problem.dims}, {av.level_names}, {av.spatial_names}")
    index = {d: i for i, d in enumerate(problem.dims)}
    placed = any(m.placement for m in mappings)
    return MappingBatch(
        temporal=np.array([m.temporal for m in mappings], dtype=np.int64),
        spatial=np.array([m.spatial for m in mappings], dtype=np.int64).reshape(
            len(mappings), len(av.spatial_names), len(problem.dims)),
        orders=np.array([[[index[d] for d in reversed(o)] for o in m.orders] for m in mappings], dtype=np.int64),
        cuts=np.array([[m.cuts(o) for o in OPERANDS] for m in mappings], dtype=np.int64).reshape(
            len(mappings), len(OPERANDS), len(av.level_names) - 1) if placed else None)


def mapping_at(problem: Problem, acc: Accelerator, batch: MappingBatch, i: int) -> Mapping:
    """The `Mapping` at position ``i`` of ``batch``."""
    av = arch_view(acc)
    cuts = batch.placement()[i]
    default = np.arange(1, len(av.level_names)) * len(problem.dims)
    placement = () if (cuts == default).all() else tuple(tuple(int(q) for q in c) for c in cuts)
    return Mapping(dims=problem.dims, bounds=problem.bounds, levels=av.level_names,
                   temporal=tuple(tuple(int(f) for f in t) for t in batch.temporal[i]),
                   orders=tuple(tuple(problem.dims[d] for d in reversed(o)) for o in batch.orders[i]),
                   spatial_dims=av.spatial_names, spatial=tuple(tuple(int(f) for f in s) for s in batch.spatial[i]),
                   spatial_above=tuple(av.level_names[a] for a in av.spatial_above), placement=placement)


@dataclass(frozen=True, eq=False)
class BatchCost:
    """Arrays of length ``B``: feasibility, cycles, bytes per buffer and operand, energy per component."""

    problem: Problem
    arch: ArchView
    feasible: np.ndarray
    violation: np.ndarray
    demand: np.ndarray
    bound: np.ndarray
    compute_cycles: np.ndarray
    latency_cycles: np.ndarray
    read_bytes: np.ndarray  # (B, buffers + DRAM, operands)
    write_bytes: np.ndarray
    noc_bytes: np.ndarray
    energy_components: dict[str, np.ndarray]
    spatial_used: np.ndarray
    constraint_names: tuple[tuple[str, str], ...]

    def __len__(self) -> int:
        return len(self.feasible)

    @property
    def energy_pj(self) -> np.ndarray:
        """Total energy: the sum of the components."""
        return sum(self.energy_components.values())

    def objective(self, name: str) -> np.ndarray:
        """``'latency'``, ``'energy'`` or ``'edp'`` per mapping; infeasible mappings are ``inf``."""
        values = {"latency": self.latency_cycles, "energy": self.energy_pj,
                  "edp": self.latency_cycles * self.energy_pj}[name]
        return np.where(self.feasible, values, np.inf)

    def record(self, i: int) -> dict[str, Any]:
        """The result row of mapping ``i``: the systolic engine's columns plus per-level ones."""
        av, p = self.arch, self.problem
        latency, compute = float(self.latency_cycles[i]), float(self.compute_cycles[i])
        reads, writes = self.read_bytes[i], self.write_bytes[i]
        slots = [*av.buffer_names, "dram"]
        row: dict[str, Any] = {
            "layer": p.name, "kind": p.kind, "unit": "pe_array", "macs": p.macs,
            "latency_cycles": latency, "compute_cycles": compute, "stall_cycles": latency - compute,
            "latency_s": av.acc.seconds(latency),
            "utilization": p.macs / (av.num_pes * latency),
            "compute_utilization": p.macs / (av.num_pes * compute),
            "mapping_efficiency": float(self.spatial_used[i]) / av.num_pes,
            "sram_read_bytes": float(reads[:-1].sum()), "sram_write_bytes": float(writes[:-1].sum()),
            "dram_read_bytes": float(reads[-1].sum()), "dram_write_bytes": float(writes[-1].sum()),
        }
        for level in av.level_names[:-1]:
            members = [k for k, b in enumerate(av.buffer_names) if av.level_names[av.buffer_level[k]] == level]
            row[f"{level}_read_bytes"] = float(reads[members].sum())
            row[f"{level}_write_bytes"] = float(writes[members].sum())
        for k in range(len(slots)):
            level = av.level_names[av.buffer_level[k]]
            for j, o in enumerate(OPERANDS):
                if (o, av.buffer_level[k]) in av.holder and av.holder[(o, av.buffer_level[k])] == k:
                    row[f"{o}_{level}_read_bytes"] = float(reads[k, j])
                    row[f"{o}_{level}_write_bytes"] = float(writes[k, j])
        row["noc_bytes"] = float(self.noc_bytes[i])
        row["avg_dram_bandwidth_bytes_per_cycle"] = (row["dram_read_bytes"] + row["dram_write_bytes"]) / latency
        for name, values in self.energy_components.items():
            row[f"energy_{name}_pj"] = float(values[i])
        row["energy_pj"] = float(self.energy_pj[i])
        row["area_mm2"] = av.area_mm2
        feasible = bool(self.feasible[i])
        name, unit = self.constraint_names[self.violation[i]] if not feasible else ("", "")
        row.update(feasible=feasible, constraint=name, demand=float(self.demand[i]) if not feasible else 0.0,
                   bound=float(self.bound[i]) if not feasible else 0.0, constraint_unit=unit)
        return row


def _axis_matrix(problem: Problem) -> list[np.ndarray]:
    """Per operand, an (axes, dims) matrix of projection coefficients."""
    out = []
    for o in problem.operands:
        a = np.zeros((len(o.axes), len(problem.dims)))
        for k, axis in enumerate(o.axes):
            for d, c in axis:
                a[k, d] = c
        out.append(a)
    return out


def _new_share(sizes, ext: np.ndarray, rows: np.ndarray, d: np.ndarray, step: np.ndarray,
               axis: np.ndarray) -> np.ndarray:
    """Share of a tile of ``ext`` that is new after it moves ``step`` along dimension ``d``: what the
    moved tile adds to the union along ``axis`` (at most the whole tile), over the tile's size there."""
    moved = ext.copy()
    moved[rows, d] += step
    h = sizes(ext)[rows, axis]
    return np.minimum(sizes(moved)[rows, axis] - h, h) / h


def psum_bytes(problem: Problem, acc: Accelerator) -> float:
    """Bytes per partial sum: ``Accelerator.psum_bytes``, never narrower than the problem's word."""
    return max(problem.elem_bytes, acc.psum_bytes or problem.elem_bytes)


def _reduces(S: np.ndarray, dims: np.ndarray, relevant: np.ndarray) -> np.ndarray | bool:
    """Per mapping, whether the spatial dims selected by ``dims`` unroll a loop the output does not index (a
    reduction over PEs)."""
    return dims.any() and (S[:, dims][:, :, ~relevant] > 1).any(axis=(1, 2))


def _prefix(factors: np.ndarray, dim_seq: np.ndarray, cut: np.ndarray, dims: int) -> np.ndarray:
    """Per mapping, each dimension's product of the loop factors at nest positions below ``cut``: (B, dims)."""
    inside = np.where(np.arange(factors.shape[1]) < cut[:, None], factors, 1.0)
    return np.stack([np.where(dim_seq == d, inside, 1.0).prod(axis=1) for d in range(dims)], axis=1)


def tile_extents(batch: MappingBatch, operand: str, level: int) -> np.ndarray:
    """Temporal extent per dimension of ``operand``'s tile at ``level`` (its loops below its cut): (B, dims).

    Examples
    --------
    >>> b = MappingBatch(temporal=np.array([[[2, 3], [5, 7]]]), spatial=np.ones((1, 0, 2), dtype=np.int64),
    ...                  orders=np.array([[[0, 1], [1, 0]]]), cuts=np.array([[[2], [3], [2]]]))
    >>> tile_extents(b, "filter", 0).tolist()  # level 0's loops and the innermost of level 1 (dimension 1)
    [[2.0, 21.0]]
    """
    n, levels, dims = batch.temporal.shape
    factors = np.take_along_axis(batch.temporal.astype(np.float64), batch.orders, axis=2).reshape(n, levels * dims)
    return _prefix(factors, batch.orders.reshape(n, levels * dims), batch.placement()[:, OPERANDS.index(operand), level],
                   dims)


def evaluate(problem: Problem, acc: Accelerator, batch: MappingBatch) -> BatchCost:
    """Evaluate every mapping of ``batch`` for ``problem`` on ``acc`` (see the module docstring)."""
    av = arch_view(acc)
    T = batch.temporal.astype(np.float64)
    S = batch.spatial.astype(np.float64)
    n, L, D = T.shape
    J = S.shape[1]
    elem = problem.elem_bytes
    psum = psum_bytes(problem, acc)
    ones = np.ones((n, D))
    cum_t = np.cumprod(T, axis=1)
    s_in = np.ones((n, L, D))  # product of the spatial factors inside each level's tile
    for lv in range(L):
        sel = av.spatial_above <= lv
        if sel.any():
            s_in[:, lv] = S[:, sel].prod(axis=1)
    used = S.prod(axis=2)  # (n, J) PEs used along each spatial dim

    def cum_at(lv: int, k: int) -> np.ndarray:  # temporal extents of operand k's tile at level lv
        if lv < 0:
            return ones
        return cum_t[:, lv] if batch.cuts is None else _prefix(factors, dim_seq, batch.cuts[:, k, lv], D)

    def cut_at(lv: int, k: int) -> Any:  # the loop position where operand k's tile at level lv ends
        return (lv + 1) * D if lv < 0 or batch.cuts is None else batch.cuts[:, k, lv][:, None]

    def s_at(lv: int) -> np.ndarray:
        return ones if lv < 0 else s_in[:, lv]

    def used_where(mask: np.ndarray) -> np.ndarray:
        return used[:, mask].prod(axis=1) if mask.any() else np.ones(n)

    # All temporal loops innermost first: level 0's loops (in their order), then level 1's, ...
    factors = np.take_along_axis(T, batch.orders, axis=2).reshape(n, L * D)
    dim_seq = batch.orders.reshape(n, L * D)
    level_seq = np.repeat(np.arange(L), D)
    position = np.arange(L * D)
    suffix = np.cumprod(factors[:, ::-1], axis=1)[:, ::-1]
    suffix_after = np.concatenate([suffix[:, 1:], np.ones((n, 1))], axis=1)
    rows = np.arange(n)
    axes = _axis_matrix(problem)

    nb = len(av.buffer_names)
    reads = np.zeros((n, nb + 1, len(OPERANDS)))
    writes = np.zeros((n, nb + 1, len(OPERANDS)))
    noc = np.zeros(n)
    exposed = np.zeros(n)
    folds = np.ones(n)
    full = cum_t[:, L - 1] * s_in[:, L - 1]
    iterations = T.prod(axis=(1, 2))

    real_bounds = np.array(problem.bounds, dtype=np.float64)
    out_word: dict[int, Any] = {}  # bytes per ofmap word at each holder level (partial sums or final values)
    for k, view in enumerate(problem.operands):
        a = axes[k]
        relevant = view.relevant(D)
        holders = [lv for lv in range(L) if (view.name, lv) in av.holder]

        def sizes(ext: np.ndarray, name: str = view.name) -> np.ndarray:
            return problem.axis_sizes(name, ext)

        total = np.prod(sizes(real_bounds))  # distinct words of the operand
        # Padded unrollings run tiles past the operand's edge; the data there does not exist, so
        # traffic and accesses count only the real part (per axis, the real share of the padded
        # extent: exact for plain axes, each word counted once per sweep), compute and capacity
        # keep the padded tiles.
        real = np.prod(sizes(real_bounds) / sizes(full), axis=1)
        for c, p in zip([-1, *holders[:-1]], holders, strict=True):
            rel = relevant[dim_seq] & (factors > 1) & (position >= cut_at(c, k))
            has = rel.any(axis=1)
            first = rel.argmax(axis=1)
            f = factors[rows, first]
            d = dim_seq[rows, first]
            step = cum_at(c, k)[rows, d] * s_in[rows, level_seq[first], d]
            ext_c = cum_at(c, k) * s_at(c)
            ext_u = cum_at(c, k) * s_at(p)
            size_c = sizes(ext_c)
            size_u = sizes(ext_u)
            axis = np.argmax(a[:, d].T != 0, axis=1)  # the axis of the operand that dimension d indexes
            # Halo reuse needs consecutive tiles that overlap. The parent's union tile is one contiguous block
            # only when every spatial fan-out in it sits inside that first loop; fan-outs outside it repeat the
            # block at a stride larger than the step, so the overlap is judged on one block. A step of the
            # first loop moves the tile by ``step`` along d and fetches what the moved tile adds to the union.
            ext_blk = cum_at(c, k) * s_in[rows, np.minimum(level_seq[first], p)]
            count_c = np.where(has, suffix_after[rows, first] * (1 + (f - 1) * _new_share(sizes, ext_c, rows, d, step, axis)), 1)
            count_u = np.where(has, suffix_after[rows, first] * (1 + (f - 1) * _new_share(sizes, ext_blk, rows, d, step, axis)), 1)
            if c < 0 and view.name not in av.operand_registers:  # no MAC register: a read (or update) per iteration
                count_c = count_u = iterations
            between_mask = (av.spatial_above > c) & (av.spatial_above <= p)
            child = size_c.prod(axis=1) * count_c * used_where(av.spatial_above > c) * real
            shared = av.reduction if view.is_output else av.multicast
            parent = (size_u.prod(axis=1) * count_u if shared
                      else size_c.prod(axis=1) * count_c * used_where(between_mask)) * used_where(av.spatial_above > p) * real
            pb = av.holder[(view.name, p)]
            cb = av.holder[(view.name, c)] if c >= 0 else None
            if view.is_output:
                # A level holds partial sums when a word is written into it more than once (read-modify-writes)
                # or a fan-out above it reduces its instances' words: it stores and moves its words at ``psum``
                # bytes, the accumulator width. Other levels hold final values (``elem``); DRAM moves its
                # spilled partial sums at ``psum`` and each word's final write at ``elem``.
                back = np.maximum(parent - total, 0)  # read-modify-write of partial sums
                partial = (back > 0) | _reduces(S, av.spatial_above > p, relevant)
                wide = np.where(partial, psum, elem)
                out_word[p] = wide
                final = np.minimum(parent, total) if p == L - 1 else 0
                writes[:, pb, k] += final * elem + (parent - final) * wide
                reads[:, pb, k] += back * wide
                if cb is not None:
                    reads[:, cb, k] += child * out_word[c]
                    writes[:, cb, k] += back * out_word[c]
                up_bytes = child * np.where(_reduces(S, between_mask, relevant), psum, wide)  # adder trees: psums
                fill_bytes = back * wide
            else:
                up_bytes = child * elem
                reads[:, pb, k] += parent * elem
                if cb is not None:
                    writes[:, cb, k] += child * elem
                fill_bytes = child * elem
            if between_mask.any():
                noc += up_bytes
            if cb is not None and not av.double_buffered[cb]:
                exposed += fill_bytes / av.bandwidth[pb]
            if c < 0 and view.name == av.stationary:
                folds = np.where(has, suffix_after[rows, first] * f, 1)

    compute = iterations + folds * av.fill_cycles
    traffic = reads + writes
    per_buffer = traffic[:, :nb].sum(axis=2) / av.bandwidth[:nb]
    dram = acc.dram
    dram_bytes = traffic[:, nb]
    dram_time = (dram_bytes.sum(axis=1) if dram.bandwidth_scope == "shared" else dram_bytes.max(axis=1)) / av.bandwidth[nb]
    transfer = np.maximum(per_buffer.max(axis=1) if nb else 0, dram_time)
    latency = np.ceil(np.maximum(compute, transfer) + exposed) + dram.latency_cycles

    # constraints: capacities per buffer instance, then spatial sizes and allowed loops
    demands, bounds, names = [], [], []
    tile_sizes = {}
    for k, view in enumerate(problem.operands):
        for lv in range(L - 1):
            word = out_word.get(lv, elem) if view.is_output else elem
            tile_sizes[(view.name, lv)] = np.prod(problem.axis_sizes(view.name, cum_at(lv, k) * s_in[:, lv]), axis=1) * word
    if batch.cuts is not None:  # each operand's tiles: inside its spatial fan-outs, nested in its inner tiles
        for k, view in enumerate(problem.operands):
            below = np.zeros(n)
            for lv in (lv for lv in range(L - 1) if (view.name, lv) in av.holder):
                lo = max([a * D for a in av.spatial_above if a <= lv], default=0)
                hi = min([a * D for a in av.spatial_above if a > lv], default=L * D)
                cut = batch.cuts[:, k, lv].astype(np.float64)
                demands += [L * D - cut, cut]
                bounds += [L * D - np.maximum(below, lo), np.full(n, float(hi))]
                names += [(f"loops outside the {view.name} tile at {av.level_names[lv]}", "loops"),
                          (f"loops inside the {view.name} tile at {av.level_names[lv]}", "loops")]
                below = cut
    for bname, bi, operand, capacity in av.constraints:
        lv = int(av.buffer_level[bi])
        held = acc.buffer(bname).operands if operand is None else (operand,)
        demands.append(sum(tile_sizes[(o, lv)] for o in held))
        bounds.append(np.full(n, float(capacity)))
        names.append((f"capacity of {bname}" + (f" for {operand}" if operand else ""), "bytes"))
    allowed = allowed_mask(problem, av)
    for j in range(J):
        demands.append(used[:, j])
        bounds.append(np.full(n, float(av.spatial_sizes[j])))
        names.append((f"size of spatial dim {av.spatial_names[j]}", "PEs"))
        for d in np.flatnonzero(~allowed[j]):
            demands.append(S[:, j, d])
            bounds.append(np.ones(n))
            names.append((f"spatial dim {av.spatial_names[j]} cannot unroll {problem.dims[d]}", "PEs"))
    demand = np.stack(demands, axis=1)
    bound = np.stack(bounds, axis=1)
    ratio = demand / bound
    feasible = (ratio <= 1).all(axis=1)
    violation = ratio.argmax(axis=1)

    mac_pj = problem.macs * acc.mac_energy_pj() * np.ones(n)
    components = {"mac": mac_pj}
    buffer_pj = (reads * av.read_pj + writes * av.write_pj).sum(axis=2)  # (n, buffers + DRAM)
    for lv_name in av.level_names[:-1]:
        members = [b for b in range(nb) if av.level_names[av.buffer_level[b]] == lv_name]
        components[lv_name] = buffer_pj[:, members].sum(axis=1)
    components["noc"] = noc * acc.noc_energy_pj_per_byte()
    components["dram"] = buffer_pj[:, nb]
    components["leakage"] = acc.leakage_mw() * latency / acc.clock_hz * _PJ_PER_MW_S
    return BatchCost(problem=problem, arch=av, feasible=feasible, violation=violation,
                     demand=demand[rows, violation], bound=bound[rows, violation], compute_cycles=compute,
                     latency_cycles=latency, read_bytes=reads, write_bytes=writes, noc_bytes=noc,
                     energy_components=components, spatial_used=used.prod(axis=1), constraint_names=tuple(names))

