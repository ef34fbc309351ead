"""Lowering: a workload on an NPU -> a tiled `TaskGraph` (or a `Schedule` replayed as one).

Tiling
    A MAC operator is its GEMM view (``m x k`` by ``k x n``, ``groups`` times). Its
    output is cut into tiles of ``m`` rows by ``n`` columns, and its reduction ``k`` into
    chunks. A tile loads its rows of the streamed input (the ifmap, or a GEMM's ``a``;
    halos ignored) and the weight columns it needs, computes ``groups x fold_grid(m_tile,
    n_tile, k_chunk)`` cycles per k-chunk, and stores its output once. With ``k`` whole,
    the operand of the outer loop stays resident across the inner tiles: a weight chunk
    while the input tiles of its columns stream past (one weight pass, one input pass per
    column chunk), or an input tile while the weight chunks stream past (one input pass,
    one weight pass per row chunk). With ``k`` split, the output tile stays resident,
    accumulating partial sums, while each k-chunk's input and weight slices stream past
    (one input pass per column chunk, one weight pass per row chunk). Splits are aligned
    to the array dimension they map to, so chunks add no folds where they need not.

    The working set of a step (input + weight chunk + output tile) must fit the budget:
    half the scratchpad with double buffering, all of it without. The default tiling of
    a core share reads the fewest DRAM bytes, then makes the fewest tasks (so ``k`` stays
    whole when that reads no more; the partial-sum tile of a k-split takes at most half
    the budget); ``tiling={'layer': (m_tiles, n_tiles)}`` or ``(m_tiles, n_tiles,
    k_tiles)`` sets it per core share (weights resident, ``k`` whole if not given).
    `TaskGraph.tiles` counts an operator's tile steps (output tiles x k-chunks). Non-MAC
    operators are cut along their elements and run ``ceil(vector_ops / vector_lanes)``
    cycles per tile on the vector unit.
Slots
    A core's steps take turns in ``2`` buffer slots with double buffering (step ``i``
    loads while step ``i - 1`` computes) or ``1`` without: the loads of a core's step
    ``i`` wait for the compute of its step ``i - slots`` (which frees its slices), and the
    first k-chunk of its tile ``j`` (which allocates the output tile) for the store of
    its tile ``j - slots``.
Fusion
    With ``fuse=True`` batch norms and one-input elementwise operations applied to a MAC
    operator's output (`hwcodesign.simulator.accounting.fused_producers`) run per tile on
    the vector unit between the compute and the store, and move no DRAM bytes.
Strategies
    ``'layer'``: every operator is split across all cores (along ``m``, or along ``n``
    when that loads fewer bytes: each core then loads its own weight columns and all the
    input); a consumer's loads wait for all of its producers' stores.
    ``'pipeline'``: operators are assigned whole, in order, to cores in contiguous stages
    of about equal estimated cycles; a consumer tile waits only for the producer tiles
    covering its fraction of the streamed input (all of the others), so layers overlap.
    Activations pass through DRAM in both.

Examples
--------
>>> from hwcodesign.workloads import get_workload
>>> from hwcodesign.accelerators import get_accelerator
>>> g = lower_network(get_workload("tiny"), get_accelerator("systolic"), cores=2)
>>> g.tiles["conv"], sorted({t.kind for t in g.tasks})
(2, ['compute', 'join', 'load', 'store', 'vector'])
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal

from hwcodesign.accelerators import Accelerator
from hwcodesign.core.errors import ConfigError, SimulationError
from hwcodesign.simulator.accounting import fused_producers, vector_cycles
from hwcodesign.simulator.event.specs import scratchpad_bytes
from hwcodesign.simulator.event.tasks import Schedule, Task, TaskGraph, input_tensor, weights_tensor
from hwcodesign.simulator.systolic.folds import FOLD_DIMS, fold_grid
from hwcodesign.workloads import Workload
from hwcodesign.workloads.operators import Operator
from hwcodesign.workloads.precision import bytes_per_element

__all__ = ["Strategy", "STRATEGIES", "lower_network", "lower_schedule", "tile_compute"]

Strategy = Literal["layer", "pipeline"]
STRATEGIES = ("layer", "pipeline")


def tile_compute(op: Operator, accelerator: Accelerator, m: int, n: int, elem: float, *,
                 k: int | None = None) -> tuple[int, int, tuple]:
    """Cycles, MACs and array SRAM bytes (ifmap read, filter read, ofmap written) of an ``m x n`` output tile.

    ``k`` is the length of the tile's reduction chunk (default: all of it). The cycles are
    the systolic fold model's (`hwcodesign.simulator.systolic.folds`); the ofmap bytes of
    a k-chunk are its partial sums.
    """
    view = op.gemm_view()
    k = view.k if k is None else k
    pe = accelerator.pe_array
    grid = fold_grid(m=m, n=n, k=k, rows=pe.rows, cols=pe.cols, dataflow=pe.dataflow)
    g = view.groups
    ifmap, filt = grid.sram_reads()
    return g * grid.compute_cycles, g * m * n * k, (g * ifmap * elem, g * filt * elem,
                                                    g * grid.ofmap_writes() * elem)


def _split(extent: int, parts: int, align: int) -> list[tuple[int, int]]:
    """At most ``parts`` contiguous ranges covering ``range(extent)``, sizes rounded up to ``align``."""
    parts = max(1, min(parts, extent))
    chunk = -(-extent // parts)
    if align > 1:
        chunk = -(-chunk // align) * align
    return [(lo, min(lo + chunk, extent)) for lo in range(0, extent, chunk)]


def _part(total: int, lo: int, hi: int, extent: int) -> int:
    """The integer share of ``total`` bytes of ``range(lo, hi)`` out of ``extent`` (shares sum to ``total``)."""
    return total * hi // extent - total * lo // extent


class _Builder:
    """Accumulates tasks; tracks each core's steps (k-chunks of tiles) and its buffer slots."""

    def __init__(self, cores: int, slots: int) -> None:
        self.tasks: list[Task] = []
        self.slots = slots
        self.core_stores: list[list[int]] = [[] for _ in range(cores)]  # store task of each tile, per core
        self.core_steps: list[list[tuple[int, int]]] = [[] for _ in range(cores)]  # (compute task, tile) per step
        self.stream = 0

    def add(self, task: Task) -> int:
        self.tasks.append(task)
        return len(self.tasks) - 1

    def slot_deps(self, core: int) -> list[int]:
        """What the core's next step waits for before its loads: a free slot.

        The compute of the step ``slots`` back (it frees its input and weight slices), and
        the store of every tile before the oldest step still in the window (so only the
        window's steps' output tiles are resident).
        """
        steps, stores = self.core_steps[core], self.core_stores[core]
        deps = [steps[-self.slots][0]] if len(steps) >= self.slots else []
        oldest = steps[-(self.slots - 1)][1] if self.slots > 1 and steps else len(stores)
        if oldest:
            deps.append(stores[oldest - 1])
        return deps

    def last_compute(self, core: int) -> list[int]:
        """The core's previous step: MAC-array (and vector-unit) commands run in order."""
        steps = self.core_steps[core]
        return [steps[-1][0]] if steps else []

    def last_store(self, core: int) -> list[int]:
        stores = self.core_stores[core]
        return [stores[-1]] if stores else []

    def next_stream(self) -> int:
        self.stream += 1
        return self.stream


def _stage_of(workload: Workload, acc: Accelerator, run_ops: list[Operator], cores: int) -> dict[str, int]:
    """Contiguous stages of about equal estimated cycles (compute or DRAM time, whichever is longer)."""
    bw = acc.dram.bandwidth_bytes_per_cycle * acc.dram.channels
    cost = []
    for op in run_ops:
        view = op.gemm_view()
        compute = tile_compute(op, acc, view.m, view.n, 1.0)[0] if view else vector_cycles(op.vector_ops, acc)
        cost.append(max(compute, op.bytes(workload.precision) / bw, 1.0))
    total, acc_cost, stage, out = sum(cost), 0.0, 0, {}
    for op, c in zip(run_ops, cost):
        if acc_cost >= total * (stage + 1) / cores and stage < cores - 1:
            stage += 1
        out[op.name] = stage
        acc_cost += c
    return out


def lower_network(workload: Workload, accelerator: Accelerator, *, cores: int = 1, strategy: Strategy = "layer",
                  tiling: Mapping[str, tuple[int, ...]] | None = None, double_buffering: bool = True,
                  fuse: bool = True) -> TaskGraph:
    """Lower ``workload`` to a tiled task graph for ``cores`` copies of ``accelerator`` (see the module docstring)."""
    if strategy not in STRATEGIES:
        raise ConfigError(f"The 'strategy' argument must be one of {', '.join(map(repr, STRATEGIES))}. "
                          f"Got {strategy!r}.")
    tiling = dict(tiling or {})
    for name, value in tiling.items():
        if name not in workload:
            workload[name]  # raises UnknownNameError with suggestions
        if (not isinstance(value, (tuple, list)) or len(value) not in (2, 3)
                or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value)):
            raise ConfigError(f"The tiling of {name!r} must be (m_tiles, n_tiles) or (m_tiles, n_tiles, k_tiles), "
                              f"ints >= 1. Got {value!r}.")
    precision = workload.precision
    elem = bytes_per_element(precision)
    capacity = scratchpad_bytes(accelerator)
    budget = capacity // 2 if double_buffering else capacity
    fused = fused_producers(workload) if fuse else {}
    chains: dict[str, list[Operator]] = defaultdict(list)
    for name, producer in fused.items():
        chains[producer].append(workload[name])
    run_ops = [op for op in workload.operators() if op.name not in fused]
    stage = _stage_of(workload, accelerator, run_ops, cores) if strategy == "pipeline" else {}
    b = _Builder(cores, 2 if double_buffering else 1)
    # tensor (operator name; fused operators alias their MAC producer) -> [(store task, fraction lo, hi)]
    stores: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
    tiles: dict[str, int] = {}
    pe = accelerator.pe_array
    row_dim, col_dim, _ = FOLD_DIMS[pe.dataflow]
    align = {d: (pe.rows if row_dim == d else pe.cols if col_dim == d else 1) for d in ("m", "n", "k")}

    # tensor -> joins over its stores, in order of the output fraction they cover: (join task, fraction lo)
    joins: dict[str, list[tuple[int, float]]] = {}

    def producer_deps(op: Operator, streamed: set[str], hi: float) -> list[int]:
        deps: list[int] = []
        for src in workload.inputs(op.name):
            chain = joins[src]
            if strategy == "pipeline" and src in streamed:
                # the last join over the producer tiles that start before this tile's fraction ends
                k = next((i for i, (_, f0) in enumerate(chain) if f0 >= hi and i), len(chain))
                deps.append(chain[k - 1][0])
            else:
                deps.append(chain[-1][0])
        return deps

    for op in run_ops:
        view = op.gemm_view()
        inputs = workload.inputs(op.name)
        out_bytes = op.bytes(precision, "output")
        core_list = [stage[op.name]] if strategy == "pipeline" else list(range(cores))
        if view is not None:
            a_bytes = op.operands()[0].bytes(precision)
            w_bytes = op.bytes(precision) - a_bytes - out_bytes
            b_activation = getattr(op, "b_operand", "weight") != "weight"
            streamed = set() if b_activation else set(inputs[:1])
            m, n = view.m, view.n
            by_m, by_n = _split(m, len(core_list), align["m"]), _split(n, len(core_list), align["n"])
            split_n = len(by_n) > len(by_m) or (
                len(by_n) == len(by_m) > 1 and w_bytes + len(by_n) * a_bytes < len(by_m) * w_bytes + a_bytes)
            shares = [((0, m), r) for r in by_n] if split_n else [(r, (0, n)) for r in by_m]
        else:
            a_bytes = op.bytes(precision) - out_bytes
            w_bytes = 0
            streamed = set(inputs)
            m, n = max(1, op.output.elements), 1
            shares = [(r, (0, 1)) for r in _split(m, len(core_list), 1)]
        count = tile_no = 0
        for core, ((m0, m1), (n0, n1)) in zip(core_list, shares):
            ms, ns = m1 - m0, n1 - n0
            ks = view.k if view is not None else 1
            sa = _part(a_bytes, m0, m1, m)
            sw = _part(w_bytes, n0, n1, n)
            so = _part(_part(out_bytes, m0, m1, m), n0, n1, n)
            if op.name in tiling:
                plan = _given_plan(tiling[op.name], sa, sw, so, ms, ns, ks, align if view is not None else {},
                                   budget)
            else:
                plan = _default_plan(sa, sw, so, ms, ns, ks, align["m"] if view is not None else 1,
                                     align["n"] if view is not None else 1, align["k"] if view is not None else 1,
                                     budget)
                if plan is None:
                    smallest = sa / (ms * ks) + sw / (ns * ks) + so / (ms * ns)
                    raise SimulationError(
                        f"Operator {op.name!r} does not fit the scratchpad: its smallest tile needs "
                        f"{smallest:.0f} bytes, the budget is {budget} bytes "
                        f"({'half of ' if double_buffering else ''}a {capacity}-byte capacity).")
            m_ranges, n_ranges, k_ranges, order = plan
            outer, inner = (n_ranges, m_ranges) if order == "n" else (m_ranges, n_ranges)
            # Without a k split the operand indexed by the outer loop stays resident across the inner tiles.
            resident = "filter" if order == "n" else "ifmap"
            keep = len(k_ranges) == 1
            for orng in outer:
                kept: dict[str, tuple[str, int]] = {}  # operand -> (scratchpad key, load task)
                for i, irng in enumerate(inner):
                    (mlo, mhi), (nlo, nhi) = (irng, orng) if order == "n" else (orng, irng)
                    tag = f"{op.name}/t{tile_no}@{core}"
                    tile_no += 1
                    to = _part(_part(so, mlo, mhi, ms), nlo, nhi, ns)
                    lo, hi = (m0 + mlo) / m, (m0 + mhi) / m
                    o_key = f"{tag}.out"
                    last = -1
                    for j, (klo, khi) in enumerate(k_ranges):
                        ctag = tag if len(k_ranges) == 1 else f"{tag}.k{j}"
                        count += 1
                        sizes = {"ifmap": _part(_part(sa, mlo, mhi, ms), klo, khi, ks),
                                 "filter": _part(_part(sw, nlo, nhi, ns), klo, khi, ks) if view is not None else 0}
                        reads, frees = [], []
                        slot = b.slot_deps(core)
                        cdeps = slot + b.last_compute(core)
                        for operand in (resident, "filter" if resident == "ifmap" else "ifmap"):
                            nbytes = sizes[operand]
                            if operand == "filter" and not nbytes:
                                continue
                            stays = keep and operand == resident
                            if stays and operand in kept:
                                key, task = kept[operand]
                            else:
                                key = f"{ctag}.{'w' if operand == 'filter' else 'in'}"
                                deps = slot + producer_deps(op, streamed if operand == "ifmap" else set(),
                                                                        hi)
                                task = b.add(Task(f"{ctag} load", op.name, core, "dma", "load", deps, nbytes=nbytes,
                                                  operand=operand, stream=b.next_stream(),
                                                  alloc=((key, nbytes, None),)))
                                if stays:
                                    kept[operand] = (key, task)
                            reads.append(key)
                            cdeps.append(task)
                            if not stays or i == len(inner) - 1:
                                frees.append(key)
                        # the partial-sum tile: allocated by the first k-chunk, accumulated by the others in
                        # order, stored once after the last
                        alloc = ((o_key, to, None),) if j == 0 else ()
                        if view is not None:
                            cycles, macs, sram = tile_compute(op, accelerator, mhi - mlo, nhi - nlo, elem, k=khi - klo)
                            last = b.add(Task(f"{ctag} compute", op.name, core, "mac", "compute", cdeps, cycles=cycles,
                                              alloc=alloc, reads=tuple(reads), free=tuple(frees), arithmetic=macs,
                                              macs=macs, ifmap_sram_bytes=sram[0], filter_sram_bytes=sram[1],
                                              ofmap_sram_bytes=sram[2]))
                        else:
                            ops_part = _part(op.vector_ops, m0 + mlo, m0 + mhi, m)
                            last = b.add(Task(f"{ctag} vector", op.name, core, "vector", "vector", cdeps,
                                              cycles=vector_cycles(ops_part, accelerator), alloc=alloc,
                                              reads=tuple(reads), free=tuple(frees), arithmetic=ops_part))
                        b.core_steps[core].append((last, len(b.core_stores[core])))
                    for f in chains.get(op.name, ()):
                        f_ops = f.vector_ops * to // out_bytes if out_bytes else 0
                        last = b.add(Task(f"{f.name}{tag[len(op.name):]} vector", f.name, core, "vector", "vector",
                                          [last], cycles=vector_cycles(f_ops, accelerator), arithmetic=f_ops))
                    store = b.add(Task(f"{tag} store", op.name, core, "dma", "store", [last, *b.last_store(core)],
                                       nbytes=to,
                                       operand="ofmap", engine=1, stream=b.next_stream(), free=(o_key,)))
                    b.core_stores[core].append(store)
                    stores[op.name].append((store, lo, hi))
        # One zero-time join per store, chained in fraction order: a consumer waits on one task.
        chain: list[tuple[int, float]] = []
        for store, lo, _ in sorted(stores[op.name], key=lambda e: (e[1], e[0])):
            deps = [store] + ([chain[-1][0]] if chain else [])
            if strategy != "pipeline" and chain:
                chain[-1] = (chain[-1][0], lo)
                b.tasks[chain[-1][0]].deps.append(store)
                continue
            chain.append((b.add(Task(f"{op.name} ready<={lo:.3g}", op.name, -1, "none", "join", deps)), lo))
        joins[op.name] = chain
        for f in chains.get(op.name, ()):
            joins[f.name] = chain
        tiles[op.name] = count
    return TaskGraph(b.tasks, [op.name for op in workload.operators()], strategy, cores, tiles)


Plan = tuple[list[tuple[int, int]], list[tuple[int, int]], list[tuple[int, int]], Literal["n", "m"]]

#: Largest share of the tile budget the resident partial-sum tile of a k-split may take, so the
#: k-chunks streamed past it stay long (few tasks) instead of shrinking to one array fold.
_PSUM_SHARE = 0.5


def _chunked(extent: int, chunk: int) -> list[tuple[int, int]]:
    """Contiguous ranges of ``chunk`` (the last one shorter) covering ``range(extent)``."""
    return [(lo, min(lo + chunk, extent)) for lo in range(0, extent, chunk)]


def _chunk_sizes(extent: int, align: int) -> list[int]:
    """Every smallest chunk of a split of ``range(extent)`` into some number of parts, rounded up to ``align``.

    Largest first; ``O(sqrt(extent))`` of them (the distinct values of ``ceil(extent / parts)``).
    """
    r = math.isqrt(extent) + 1
    sizes = {-(-extent // t) for t in range(1, r + 1)} | set(range(1, min(r, extent) + 1))
    return sorted({min(extent, -(-c // align) * align) for c in sizes}, reverse=True)


def _given_plan(value: tuple[int, ...], sa: int, sw: int, so: int, ms: int, ns: int, ks: int,
                align: Mapping[str, int], budget: int) -> Plan:
    """The ranges of a ``tiling=`` override: aligned to the array unless alignment makes a tile exceed the budget."""
    mt, nt, kt = (*value, 1)[:3]

    def ranges(a: Mapping[str, int]) -> tuple[list, list, list]:
        return _split(ms, mt, a.get("m", 1)), _split(ns, nt, a.get("n", 1)), _split(ks, kt, a.get("k", 1))

    m_r, n_r, k_r = ranges(align)
    a = max(_part(_part(sa, mlo, mhi, ms), klo, khi, ks) for mlo, mhi in m_r for klo, khi in k_r)
    w = max(_part(_part(sw, nlo, nhi, ns), klo, khi, ks) for nlo, nhi in n_r for klo, khi in k_r)
    o = max(_part(_part(so, mlo, mhi, ms), nlo, nhi, ns) for mlo, mhi in m_r for nlo, nhi in n_r)
    if align and a + w + o > budget:
        m_r, n_r, k_r = ranges({})
    return m_r, n_r, k_r, "n"


@lru_cache(maxsize=4096)
def _default_plan(sa: int, sw: int, so: int, ms: int, ns: int, ks: int, am: int, an: int, ak: int,
                  budget: int) -> Plan | None:
    """The tiling of a core share that reads the fewest DRAM bytes, then makes the fewest tasks; None if none fits.

    A share is ``ms x ks`` input bytes ``sa`` by ``ks x ns`` weight bytes ``sw`` into
    ``ms x ns`` output bytes ``so``; chunks are aligned to the array (``am``, ``an``,
    ``ak``), or not at all when no aligned tiling fits. A tile's working set must fit
    ``budget``; the candidates:

    * full ``k``, ``n`` chunks outer: a weight chunk stays resident while the input
      tiles stream past it (``nt`` input passes, one weight pass);
    * full ``k``, ``m`` chunks outer: an input tile stays resident while the weight
      chunks stream past it (one input pass, ``mt`` weight passes);
    * ``k`` split: the output tile stays resident, accumulating partial sums, while the
      input and weight k-chunks stream past it (``nt`` input and ``mt`` weight passes).
    """
    for aligns in ((am, an, ak), (1, 1, 1)):
        plan = _search(sa, sw, so, ms, ns, ks, *aligns, budget)
        if plan is not None or aligns == (1, 1, 1):
            return plan
    return None


def _search(sa: int, sw: int, so: int, ms: int, ns: int, ks: int, am: int, an: int, ak: int,
            budget: int) -> Plan | None:
    def up(total: int, part: int, extent: int) -> int:  # bound on any `_part` of a ``part``-long range
        return -(-total * part // extent)

    def a(mc: int, kc: int) -> int:
        return up(up(sa, mc, ms), kc, ks)

    def w(nc: int, kc: int) -> int:
        return up(up(sw, nc, ns), kc, ks)

    def o(mc: int, nc: int) -> int:
        return up(up(so, mc, ms), nc, ns)

    m_sizes, n_sizes, k_sizes = _chunk_sizes(ms, am), _chunk_sizes(ns, an), _chunk_sizes(ks, ak)
    best: tuple | None = None  # (bytes, tasks, preference, mc, nc, kc, order)
    for nc in n_sizes:  # full k, n outer, weights resident
        nt = -(-ns // nc)
        mc = next((mc for mc in m_sizes if a(mc, ks) + w(nc, ks) + o(mc, nc) <= budget), None)
        if mc is not None:
            mt = -(-ms // mc)
            best = min(best or (math.inf,), (sa * nt + sw + so, 3 * mt * nt + nt, 0, mc, nc, ks, "n"))
    for mc in m_sizes:  # full k, m outer, input resident
        mt = -(-ms // mc)
        nc = next((nc for nc in n_sizes if a(mc, ks) + w(nc, ks) + o(mc, nc) <= budget), None)
        if nc is not None:
            nt = -(-ns // nc)
            best = min(best or (math.inf,), (sa + sw * mt + so, 3 * mt * nt + mt, 1, mc, nc, ks, "m"))
    if best is not None and best[0] == sa + sw + so or len(k_sizes) == 1:
        return None if best is None else (_chunked(ms, best[3]), _chunked(ns, best[4]), _chunked(ks, best[5]),
                                          best[6])
    for mc in m_sizes:  # k split: output resident
        mt = -(-ms // mc)
        if best is not None and sa + sw * mt + so > best[0]:
            break
        for nc in n_sizes:
            nt = -(-ns // nc)
            nbytes = sa * nt + sw * mt + so
            if best is not None and nbytes > best[0]:
                break
            room = budget - o(mc, nc)
            if room < budget * (1 - _PSUM_SHARE):
                continue
            kc = next((kc for kc in k_sizes[1:] if a(mc, kc) + w(nc, kc) <= room), None)
            if kc is not None:
                kt = -(-ks // kc)
                best = min(best or (math.inf,), (nbytes, 3 * mt * nt * kt + mt * nt, 2, mc, nc, kc, "m"))
    if best is None:
        return None
    return _chunked(ms, best[3]), _chunked(ns, best[4]), _chunked(ks, best[5]), best[6]


# --------------------------------------------------------------------------- schedules


def lower_schedule(workload: Workload, accelerator: Accelerator, schedule: Schedule, *, cores: int = 1) -> TaskGraph:
    """Turn a `Schedule` into a task graph that replays it step by step (see `hwcodesign.simulator.event.tasks`).

    Each unit of each core runs its steps in order. A step depends on the step that makes
    its tensor available (resident on the core, or in DRAM); when only a later step does,
    it depends on that one (a deadlock the engine reports), and when none does, on
    nothing that can ever happen (``Task.waits_for`` says what).
    """
    if not isinstance(schedule, Schedule):
        raise ConfigError(f"The 'schedule' argument must be a Schedule. Got {schedule!r}.")
    precision = workload.precision
    elem = bytes_per_element(precision)
    sizes: dict[str, int] = {}
    owner: dict[str, str] = {}
    for op in workload.operators():
        sizes[op.name] = op.bytes(precision, "output")
        owner[op.name] = op.name
        if op.bytes(precision, "weight"):
            sizes[weights_tensor(op.name)] = op.bytes(precision, "weight")
            owner[weights_tensor(op.name)] = op.name
        if not workload.inputs(op.name) and op.bytes(precision, "input"):
            sizes[input_tensor(op.name)] = op.bytes(precision, "input")
            owner[input_tensor(op.name)] = op.name
    steps = schedule.steps
    for i, step in enumerate(steps):
        if step.core >= cores:
            raise ConfigError(f"Step {i} ({step.action} {step.target!r}) is on core {step.core}; "
                              f"the NPU has {cores} core(s).")
        if step.action == "compute":
            workload[step.target]  # UnknownNameError with suggestions
        elif step.target not in sizes:
            from hwcodesign.core.errors import UnknownNameError

            raise UnknownNameError(f"tensor of step {i} ({step.action})", step.target, sizes)

    def needs(op: Operator) -> list[str]:
        names = list(workload.inputs(op.name))
        for t in (input_tensor(op.name), weights_tensor(op.name)):
            if t in sizes:
                names.append(t)
        return names

    def makes_resident(step, tensor: str, core: int) -> bool:
        return step.core == core and ((step.action == "load" and step.target == tensor)
                                      or (step.action == "compute" and step.target == tensor))

    tasks: list[Task] = []
    resident: dict[tuple[str, int], int] = {}  # (tensor, core) -> task making it resident
    in_dram: dict[str, int] = {}  # tensor -> last store task
    users: dict[tuple[str, int], list[int]] = defaultdict(list)  # readers and stores since it became resident
    last_on_unit: dict[tuple[int, str], int] = {}
    pending_loads: dict[tuple[str, int], list[int]] = defaultdict(list)
    forward: list[tuple[int, int, str]] = []  # (task, step index, why) resolved once indices are known
    step_task: dict[int, int] = {}

    def find_later(i: int, pred) -> int | None:
        return next((j for j in range(i + 1, len(steps)) if pred(steps[j])), None)

    for i, step in enumerate(steps):
        core, target = step.core, step.target
        deps: list[int] = []
        waits = ""
        unit = {"compute": "mac", "load": "dma", "store": "dma", "free": "none"}[step.action]
        if step.action == "compute":
            op = workload[target]
            if op.gemm_view() is None:
                unit = "vector"
            for t in needs(op):
                if (t, core) in resident:
                    deps.append(resident[t, core])
                else:
                    j = find_later(i, lambda s, t=t, c=core: makes_resident(s, t, c))
                    if j is None:
                        waits = f"tensor {t!r} never becomes resident on core {core}"
                    else:
                        forward.append((len(tasks), j, ""))
        elif step.action == "load":
            if target in in_dram:
                deps.append(in_dram[target])
            elif target not in workload:  # weights and network inputs start in DRAM
                pass
            else:
                j = find_later(i, lambda s, t=target: s.action == "store" and s.target == t)
                if j is None:
                    waits = f"tensor {target!r} is never stored to DRAM"
                else:
                    forward.append((len(tasks), j, ""))
        else:  # store, free: the tensor must be resident on this core
            if (target, core) in resident:
                deps.append(resident[target, core])
                if step.action == "free":
                    deps += users[target, core]
            else:
                j = find_later(i, lambda s, t=target, c=core: makes_resident(s, t, c))
                if j is None:
                    waits = f"tensor {target!r} is never resident on core {core}"
                else:
                    forward.append((len(tasks), j, ""))
        key = (core, "dma" if unit == "dma" else unit)
        if unit != "none" and key in last_on_unit:
            deps.append(last_on_unit[key])
        name = f"step{i} {step.action} {target}@{core}"
        if step.action == "compute":
            op = workload[target]
            view = op.gemm_view()
            reads = tuple(needs(op))
            alloc = ((target, sizes[target], step.offset_bytes),)
            if view is not None:
                cycles, macs, sram = tile_compute(op, accelerator, view.m, view.n, elem)
                task = Task(name, target, core, "mac", "compute", deps, cycles=cycles, alloc=alloc, reads=reads,
                            arithmetic=macs, macs=macs, ifmap_sram_bytes=sram[0], filter_sram_bytes=sram[1],
                            ofmap_sram_bytes=sram[2], waits_for=waits)
            else:
                task = Task(name, target, core, "vector", "vector", deps, cycles=vector_cycles(op.vector_ops,
                            accelerator), alloc=alloc, reads=reads, arithmetic=op.vector_ops, waits_for=waits)
            for t in reads:
                for load in pending_loads.pop((t, core), []):
                    tasks[load].op = target  # a load is charged to the operator that reads it
        elif step.action == "load":
            operand = "filter" if target.endswith(".weights") else "ifmap"
            task = Task(name, owner[target], core, "dma", "load", deps, nbytes=sizes[target], operand=operand,
                        stream=i + 1, alloc=((target, sizes[target], step.offset_bytes),), waits_for=waits)
            pending_loads[target, core].append(len(tasks))
        elif step.action == "store":
            task = Task(name, owner[target], core, "dma", "store", deps, nbytes=sizes[target], operand="ofmap",
                        engine=1, stream=i + 1, waits_for=waits)
        else:
            task = Task(name, owner[target], core, "none", "free", deps, free=(target,), waits_for=waits)
        index = len(tasks)
        tasks.append(task)
        step_task[i] = index
        if unit != "none":
            last_on_unit[key] = index
        if step.action in ("compute", "load"):
            resident[target, core] = index
            users[target, core] = []
        elif step.action == "store":
            in_dram[target] = index
            users[target, core].append(index)
        else:
            resident.pop((target, core), None)
        if step.action == "compute":
            for t in task.reads:
                users[t, core].append(index)
    for task_index, step_index, _ in forward:
        tasks[task_index].deps.append(step_task[step_index])
    return TaskGraph(tasks, [op.name for op in workload.operators()], "schedule", cores,
                     {op.name: 1 for op in workload.operators()})
