"""The event engine: run a task graph on a SimPy model of a multi-core NPU.

`run` builds the machine (cores, DMA engines, DRAM, NoC; `hwcodesign.simulator.event.components`),
lowers the workload (`hwcodesign.simulator.event.lowering`) or a `Schedule`, starts
one process per task, runs one ``simpy.Environment`` to the end, and returns an
`EventRun`: the per-operator `ResultTable` every engine returns, and the `Timeline`.
`simulate` returns the table alone, as the other engines do.

Rows: ``latency_cycles`` runs from the operator's first task starting to its last
ending (operators may overlap; the run's end is ``makespan_cycles``);
``compute_cycles`` is the busiest core's MAC-array (or vector-unit) cycles for the
operator; ``stall_cycles`` the rest. Traffic and energy are counted per task and
priced by `hwcodesign.simulator.accounting`, as in the systolic engine; leakage is
the whole chip's over the operator's latency.

If the run ends with tasks not done (a schedule that waits for a tensor no step
provides, or steps in an order no in-order command queue can run), `SimulationError`
names the stuck tasks and what they wait for.

Examples
--------
>>> from hwcodesign.workloads import get_workload
>>> from hwcodesign.accelerators import get_accelerator
>>> result = run(get_workload("tiny"), get_accelerator("systolic"), cores=2)
>>> row = result.table[0]
>>> row["engine"], row["cores"], row["latency_cycles"] == row["compute_cycles"] + row["stall_cycles"]
('event', 2, True)
>>> result.timeline.makespan_cycles > 0
True
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import simpy

from hwcodesign import __version__
from hwcodesign.accelerators import Accelerator
from hwcodesign.core.checks import require_int
from hwcodesign.core.errors import SimulationError
from hwcodesign.core.results import ResultTable
from hwcodesign.simulator.accounting import TRAFFIC_KEYS, energy_breakdown, energy_coefficients
from hwcodesign.simulator.event.components import DRAM, Core, NoC
from hwcodesign.simulator.event.lowering import Strategy, lower_network, lower_schedule
from hwcodesign.simulator.event.probe import Probe, Timeline
from hwcodesign.simulator.event.specs import NoCSpec
from hwcodesign.simulator.event.tasks import Schedule, Task, TaskGraph
from hwcodesign.workloads import Workload

__all__ = ["EventRun", "run", "simulate", "execute"]

_EPS = 1e-6  # float time: a remainder below a millionth of a cycle is rounding noise


def _cycles(x: float) -> int:
    return max(0, math.ceil(x - _EPS))


@dataclass(frozen=True)
class EventRun:
    """What one event-engine run returns: the per-operator table and the timeline."""

    table: ResultTable
    timeline: Timeline

    def save_trace(self, path: str | Path) -> Path:
        """Write the Chrome/Perfetto trace JSON; return the path."""
        return self.timeline.save_chrome_trace(path)


class _Machine:
    def __init__(self, env: simpy.Environment, acc: Accelerator, probe: Probe, *, cores: int, noc: NoCSpec,
                 dma_engines: int, row_buffer_miss_cycles: float, scratchpad_capacity_bytes: int | None = None) -> None:
        self.dram = DRAM(env, acc.dram, probe, row_buffer_miss_cycles=row_buffer_miss_cycles)
        self.noc = NoC(env, noc, probe, cores=cores)
        self.cores = [Core(env, acc, probe, index=i, dram=self.dram, noc=self.noc, dma_engines=dma_engines,
                           scratchpad_capacity_bytes=scratchpad_capacity_bytes) for i in range(cores)]


def execute(graph: TaskGraph, accelerator: Accelerator, *, noc: NoCSpec | None = None, dma_engines: int = 1,
            row_buffer_miss_cycles: float = 0.0, scratchpad_capacity_bytes: int | None = None,
            ) -> tuple[list[float], list[float], Timeline]:
    """Run ``graph`` on a fresh machine; return each task's start and end cycle and the timeline.

    `SimulationError` if a scratchpad would overflow or the run ends with tasks not done.
    ``scratchpad_capacity_bytes`` overrides each core's scratchpad size.
    """
    env = simpy.Environment()
    probe = Probe()
    machine = _Machine(env, accelerator, probe, cores=graph.cores, noc=noc or NoCSpec(),
                       dma_engines=require_int("dma_engines", dma_engines, low=1),
                       row_buffer_miss_cycles=row_buffer_miss_cycles,
                       scratchpad_capacity_bytes=scratchpad_capacity_bytes)
    tasks = graph.tasks
    coef = energy_coefficients(accelerator)
    mac_pj = accelerator.mac_energy_pj()
    done = [env.event() for _ in tasks]
    start = [math.nan] * len(tasks)
    end = [math.nan] * len(tasks)

    def energy(t: Task) -> float:
        if t.kind in ("compute", "vector"):
            return (t.arithmetic * mac_pj + t.ifmap_sram_bytes * coef["ifmap_sram_reads"][0]
                    + t.filter_sram_bytes * coef["filter_sram_reads"][0]
                    + t.ofmap_sram_bytes * coef["ofmap_sram_writes"][0])
        key = {"ifmap": "ifmap_dram_reads", "filter": "filter_dram_reads", "ofmap": "ofmap_dram_writes"}.get(
            t.operand)
        return t.nbytes * sum(coef[key]) if key else 0.0

    def process(i: int, t: Task) -> Generator[Any, Any, None]:
        if t.waits_for:  # a dependency no step provides: wait for ever (reported as a deadlock)
            yield env.event()
        for d in t.deps:
            event = done[d]
            if not event.processed:
                yield event
        core = machine.cores[t.core] if t.core >= 0 else None

        def begin() -> None:
            start[i] = env.now
            spad = core.scratchpad
            for key in t.reads:
                spad.read(key, task=t.name)
            for key, nbytes, offset in t.alloc:
                spad.allocate(key, nbytes, task=t.name, offset=offset, loaded=t.kind == "load")

        if t.unit == "dma":
            engine = core.dma[t.engine % len(core.dma)]
            yield from engine.transfer(t.nbytes, inbound=t.kind == "load", stream=t.stream, event=f"{t.name}",
                                       op=t.op, energy_pj=energy(t), on_start=begin)
        elif t.unit in ("mac", "vector"):
            yield from core.run(t.unit, t.cycles, event=t.name, op=t.op, energy_pj=energy(t), on_start=begin)
        else:
            start[i] = env.now
        if t.free:
            for key in t.free:
                core.scratchpad.free(key)
        end[i] = env.now
        done[i].succeed()

    for i, t in enumerate(tasks):
        env.process(process(i, t))
    env.run()
    stuck = [i for i, e in enumerate(done) if not e.triggered]
    if stuck:
        raise SimulationError(_deadlock_message(tasks, stuck, done))
    for core in machine.cores:
        core.scratchpad.finish()
    spads = [c.scratchpad for c in machine.cores]
    timeline = Timeline(probe, clock_hz=accelerator.clock_hz, makespan_cycles=env.now,
                        leakage_mw=graph.cores * accelerator.leakage_mw(), extra={
                            "tasks": len(tasks),
                            "sim_events": next(getattr(env, "_eid", iter([0]))),  # events SimPy scheduled
                            "scratchpad_capacity_bytes": [s.capacity_bytes for s in spads],
                            "scratchpad_peak_bytes": [s.peak_bytes for s in spads],
                            "loaded_bytes": sum(s.loaded_bytes for s in spads),
                            "unused_load_bytes": sum(s.unused_load_bytes for s in spads),
                            "dram_read_bytes": sum(t.nbytes for t in tasks if t.kind == "load"),
                            "dram_write_bytes": sum(t.nbytes for t in tasks if t.kind == "store"),
                            "strategy": graph.strategy,
                        })
    return start, end, timeline


def _deadlock_message(tasks: list[Task], stuck: list[int], done: list[simpy.Event]) -> str:
    lines = []
    for i in stuck[:8]:
        t = tasks[i]
        why = t.waits_for or ", ".join(repr(tasks[d].name) for d in t.deps if not done[d].triggered) or "a unit"
        lines.append(f"{t.name!r} waits for {why}")
    more = f" (and {len(stuck) - 8} more)" if len(stuck) > 8 else ""
    return (f"Deadlock: the run ended with {len(stuck)} of {len(tasks)} tasks not done{more}: "
            + "; ".join(lines) + ".")


def run(workload: Workload, accelerator: Accelerator, *, cores: int = 1, strategy: Strategy = "layer",
        tiling: Mapping[str, tuple[int, ...]] | None = None, schedule: Schedule | None = None,
        double_buffering: bool = True, fuse: bool = True, noc: NoCSpec | None = None, dma_engines: int = 1,
        row_buffer_miss_cycles: float = 0.0) -> EventRun:
    """Simulate ``workload`` on an NPU of ``cores`` copies of ``accelerator``'s core; return table and timeline.

    Parameters
    ----------
    workload
        The network.
    accelerator
        One core's PE array, vector unit, staging buffers (pooled into its scratchpad)
        and clock; the DRAM (``dram.channels`` channels) and energy table of the chip.
    cores
        Number of cores.
    strategy
        ``'layer'`` (each operator split across the cores) or ``'pipeline'`` (operators
        assigned to cores in stages); see `hwcodesign.simulator.event.lowering`.
    tiling
        ``{operator: (m_tiles, n_tiles)}`` or ``{operator: (m_tiles, n_tiles, k_tiles)}``
        per core share; others get the tiling that fits the scratchpad with the fewest
        DRAM bytes, then the fewest tasks (see `hwcodesign.simulator.event.lowering`).
    schedule
        Replay this whole-network `Schedule` instead of lowering (``strategy``,
        ``tiling``, ``double_buffering`` and ``fuse`` then do not apply).
    double_buffering
        Load the next tile while computing this one (two buffer slots per core).
    fuse
        Apply batch norms and ReLUs to their MAC producer's tiles on the vector unit.
    noc
        The on-chip network; default `NoCSpec` ``'ideal'``.
    dma_engines
        DMA engines per core (with two, loads and stores have their own).
    row_buffer_miss_cycles
        Extra channel cycles when a DRAM channel switches to another tensor.

    Examples
    --------
    >>> from hwcodesign.workloads import get_workload
    >>> from hwcodesign.accelerators import get_accelerator
    >>> tiny, acc = get_workload("tiny"), get_accelerator("systolic")
    >>> one = run(tiny, acc, cores=1).timeline.makespan_cycles
    >>> two = run(tiny, acc, cores=2).timeline.makespan_cycles
    >>> two <= one
    True
    """
    cores = require_int("cores", cores, low=1)
    if schedule is not None:
        graph = lower_schedule(workload, accelerator, schedule, cores=cores)
    else:
        graph = lower_network(workload, accelerator, cores=cores, strategy=strategy, tiling=tiling,
                              double_buffering=double_buffering, fuse=fuse)
    start, end, timeline = execute(graph, accelerator, noc=noc, dma_engines=dma_engines,
                                   row_buffer_miss_cycles=row_buffer_miss_cycles)
    provenance = {
        "hwcodesign_version": __version__, "engine": "event", "mode": graph.strategy, "workload": workload.name,
        "batch": workload.batch, "precision": workload.precision, "accelerator": accelerator.name,
        "template": accelerator.template, "cores": cores, "dram_channels": accelerator.dram.channels,
        "noc": (noc or NoCSpec()).topology, "double_buffering": double_buffering if schedule is None else False,
    }
    table = _table(workload, accelerator, graph, start, end, timeline, provenance)
    return EventRun(table, timeline)


def simulate(workload: Workload, accelerator: Accelerator, **options: Any) -> ResultTable:
    """`run` and return only the per-operator table (the type every engine returns).

    Examples
    --------
    >>> from hwcodesign.workloads import get_workload
    >>> from hwcodesign.accelerators import get_accelerator
    >>> len(simulate(get_workload("tiny"), get_accelerator("systolic"), cores=4))
    4
    """
    return run(workload, accelerator, **options).table


def _table(workload: Workload, acc: Accelerator, graph: TaskGraph, start: list[float], end: list[float],
           timeline: Timeline, provenance: dict[str, Any]) -> ResultTable:
    coef = energy_coefficients(acc)
    span: dict[str, list[float]] = {}
    busy: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    traffic: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(TRAFFIC_KEYS, 0.0))
    arithmetic: dict[str, float] = defaultdict(float)
    units: dict[str, str] = {}
    for i, t in enumerate(graph.tasks):
        if t.kind in ("join", "free"):
            continue
        s = span.setdefault(t.op, [math.inf, -math.inf])
        s[0], s[1] = min(s[0], start[i]), max(s[1], end[i])
        b = traffic[t.op]
        if t.kind in ("compute", "vector"):
            busy[t.op][t.core] += t.cycles
            arithmetic[t.op] += t.arithmetic
            units.setdefault(t.op, "pe_array" if t.kind == "compute" else "vector")
            b["ifmap_sram_reads"] += t.ifmap_sram_bytes
            b["filter_sram_reads"] += t.filter_sram_bytes
            b["ofmap_sram_writes"] += t.ofmap_sram_bytes
        elif t.kind == "load":
            b["filter_dram_reads" if t.operand == "filter" else "ifmap_dram_reads"] += t.nbytes
        elif t.kind == "store":
            b["ofmap_dram_writes"] += t.nbytes
    rows = []
    cores = graph.cores
    for name in graph.ops:
        op = workload[name]
        first, last = span.get(name, (0.0, 0.0))
        latency = _cycles(last - first)
        compute = _cycles(max(busy[name].values(), default=0.0))
        b = traffic[name]
        dram_read = b["ifmap_dram_reads"] + b["filter_dram_reads"] + b["ofmap_dram_reads"]
        dram_write = b["ofmap_dram_writes"]
        macs = op.macs
        energy = energy_breakdown(acc, arithmetic[name], b, latency, instances=cores, coefficients=coef)
        rows.append({
            **provenance,
            "layer": name, "kind": op.kind, "unit": units.get(name, "pe_array" if op.gemm_view() else "vector"),
            "macs": macs, "latency_cycles": latency, "compute_cycles": compute, "stall_cycles": latency - compute,
            "start_cycles": first, "end_cycles": last, "latency_s": acc.seconds(latency),
            "utilization": macs / (acc.num_pes * cores * latency) if latency and macs else 0.0,
            "sram_read_bytes": b["ifmap_sram_reads"] + b["filter_sram_reads"],
            "sram_write_bytes": b["ofmap_sram_writes"],
            "dram_read_bytes": dram_read, "dram_write_bytes": dram_write,
            "ifmap_dram_read_bytes": b["ifmap_dram_reads"], "filter_dram_read_bytes": b["filter_dram_reads"],
            "ofmap_dram_write_bytes": dram_write,
            "avg_dram_bandwidth_bytes_per_cycle": (dram_read + dram_write) / latency if latency else 0.0,
            "tiles": graph.tiles.get(name, 0),
            "makespan_cycles": _cycles(timeline.makespan_cycles),
            **energy,
        })
    return ResultTable(rows)
