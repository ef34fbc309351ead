"""The NPU's components. Each takes ``(env, spec, probe)``, owns its SimPy resources and
records what it does on the probe; transfers and compute are generator methods that a
task process drives with ``yield from``.

Resources are always acquired in one global order (DMA engine, NoC links by name,
DRAM channel), so the machine itself cannot deadlock; only a task graph can.

Examples
--------
>>> import simpy
>>> from hwcodesign.accelerators import DRAMSpec
>>> env, probe = simpy.Environment(), Probe()
>>> dram = DRAM(env, DRAMSpec(bandwidth_bytes_per_cycle=16, channels=2), probe)
>>> _ = env.process(dram.transfer(1024, stream=1))
>>> env.run()
>>> env.now  # 512 bytes on each of two channels at 16 B/cycle
32.0
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

import simpy

from hwcodesign.accelerators import Accelerator, DRAMSpec
from hwcodesign.core.errors import SimulationError
from hwcodesign.simulator.event.probe import Probe
from hwcodesign.simulator.event.specs import NoCSpec, scratchpad_bytes

__all__ = ["Scratchpad", "DRAM", "NoC", "DMAEngine", "Core"]


class Scratchpad:
    """A core's scratchpad: capacity checked at every allocation, offsets checked for overlap.

    Also keeps the byte conservation books: every loaded tensor is either read by a
    compute or, when freed (or at the end) unread, counted in ``unused_load_bytes``.

    Examples
    --------
    >>> import simpy
    >>> spad = Scratchpad(simpy.Environment(), 100, Probe(), name="core0.spad")
    >>> spad.allocate("a", 60, task="t0")
    >>> spad.allocate("b", 60, task="t1")
    Traceback (most recent call last):
    ...
    hwcodesign.core.errors.SimulationError: Scratchpad core0.spad cannot hold tensor 'b' for task 't1': it needs 60 bytes with 60 of 100 bytes (capacity) in use.
    """

    def __init__(self, env: simpy.Environment, capacity_bytes: int, probe: Probe, *, name: str) -> None:
        self.env, self.capacity_bytes, self.probe, self.name = env, capacity_bytes, probe, name
        self.used_bytes = 0
        self.peak_bytes = 0
        self.live: dict[str, tuple[int, int | None]] = {}
        self.loaded: dict[str, int] = {}  # resident tensors that came from DRAM and are not read yet
        self.loaded_bytes = 0
        self.unused_load_bytes = 0

    def allocate(self, tensor: str, nbytes: int, *, task: str, offset: int | None = None,
                 loaded: bool = False) -> None:
        """Reserve ``nbytes`` for ``tensor``; `SimulationError` if it does not fit or overlaps."""
        if tensor in self.live:
            raise SimulationError(f"Scratchpad {self.name}: task {task!r} allocates tensor {tensor!r}, "
                                  "which is already resident.")
        if self.used_bytes + nbytes > self.capacity_bytes:
            raise SimulationError(
                f"Scratchpad {self.name} cannot hold tensor {tensor!r} for task {task!r}: it needs {nbytes} bytes "
                f"with {self.used_bytes} of {self.capacity_bytes} bytes (capacity) in use.")
        if offset is not None:
            if offset + nbytes > self.capacity_bytes:
                raise SimulationError(
                    f"Scratchpad {self.name} cannot hold tensor {tensor!r} for task {task!r} at offset {offset}: "
                    f"it needs bytes [{offset}, {offset + nbytes}) of a {self.capacity_bytes}-byte capacity.")
            for other, (size, at) in self.live.items():
                if at is not None and offset < at + size and at < offset + nbytes:
                    raise SimulationError(
                        f"Scratchpad {self.name}: tensor {tensor!r} at [{offset}, {offset + nbytes}) for task "
                        f"{task!r} overlaps tensor {other!r} at [{at}, {at + size}).")
        self.live[tensor] = (nbytes, offset)
        self.used_bytes += nbytes
        self.peak_bytes = max(self.peak_bytes, self.used_bytes)
        if loaded:
            self.loaded[tensor] = nbytes
            self.loaded_bytes += nbytes

    def read(self, tensor: str, *, task: str) -> None:
        """Mark ``tensor`` read by a compute; `SimulationError` if it is not resident."""
        if tensor not in self.live:
            raise SimulationError(f"Scratchpad {self.name}: task {task!r} reads tensor {tensor!r}, "
                                  "which is not resident.")
        self.loaded.pop(tensor, None)

    def free(self, tensor: str) -> None:
        """Release ``tensor`` (a no-op if it is not resident)."""
        entry = self.live.pop(tensor, None)
        if entry is not None:
            self.used_bytes -= entry[0]
            self.unused_load_bytes += self.loaded.pop(tensor, 0)

    def finish(self) -> None:
        """Count loaded tensors still resident and never read as unused."""
        self.unused_load_bytes += sum(self.loaded.values())
        self.loaded.clear()


class DRAM:
    """DRAM channels with bandwidth and an optional row-buffer penalty.

    Addresses interleave across channels, so a transfer is striped over all of them;
    each stripe holds its channel for ``bytes / bandwidth`` cycles, plus
    ``row_buffer_miss_cycles`` when the channel's previous access came from another
    stream (tensor) and so opened another row. Access latency is the DMA engine's to pay
    (it pipelines with the next transfer).
    """

    def __init__(self, env: simpy.Environment, spec: DRAMSpec, probe: Probe, *,
                 row_buffer_miss_cycles: float = 0.0) -> None:
        self.env, self.spec, self.probe = env, spec, probe
        self.channels = [simpy.Resource(env, capacity=1) for _ in range(spec.channels)]
        self.names = [f"dram.ch{c}" for c in range(spec.channels)]
        self.last_stream: list[int | None] = [None] * spec.channels
        self.miss = row_buffer_miss_cycles

    def transfer(self, nbytes: float, *, stream: int, event: str = "transfer") -> Generator[Any, Any, None]:
        """Move ``nbytes`` (striped over the channels)."""
        n = len(self.channels)
        if n == 1:
            yield from self._channel(0, nbytes, stream, event)
        else:
            yield self.env.all_of([self.env.process(self._channel(c, nbytes / n, stream, event)) for c in range(n)])

    def _channel(self, c: int, nbytes: float, stream: int, event: str) -> Generator[Any, Any, None]:
        env = self.env
        with self.channels[c].request() as req:
            asked = env.now
            yield req
            start = env.now
            self.probe.wait(self.names[c], start - asked)
            cycles = nbytes / self.spec.bandwidth_bytes_per_cycle
            if self.miss and self.last_stream[c] != stream:
                cycles += self.miss
            self.last_stream[c] = stream
            if cycles > 0:
                yield env.timeout(cycles)
            self.probe.record(start, env.now, self.names[c], event, nbytes)


class NoC:
    """The network between the DRAM controller and the cores (see `NoCSpec`)."""

    def __init__(self, env: simpy.Environment, spec: NoCSpec, probe: Probe, *, cores: int) -> None:
        self.env, self.spec, self.probe = env, spec, probe
        self.width = max(1, math.ceil(math.sqrt(cores)))
        self.links: dict[str, simpy.Resource] = {}
        self._routes: dict[tuple[int, bool], tuple[tuple[str, ...], int]] = {}
        for core in range(cores):
            for inbound in (True, False):
                self._routes[core, inbound] = self._route(core, inbound)

    def _route(self, core: int, inbound: bool) -> tuple[tuple[str, ...], int]:
        if self.spec.topology == "ideal":
            return (), 0
        if self.spec.topology == "bus":
            names = ["noc.bus"]
        else:  # XY route between the DRAM controller at router (0, 0) and the core's router
            x, y = core % self.width, core // self.width
            hops = [(i, 0, i + 1, 0) for i in range(x)] + [(x, j, x, j + 1) for j in range(y)]
            names = [f"noc.({a},{b})->({c},{d})" if inbound else f"noc.({c},{d})->({a},{b})" for a, b, c, d in hops]
        for name in names:
            self.links.setdefault(name, simpy.Resource(self.env, capacity=1))
        return tuple(sorted(names)), len(names) + (self.spec.topology == "mesh")

    def route(self, core: int, *, inbound: bool) -> tuple[tuple[str, ...], int]:
        """The links (in acquisition order) and routers crossed between DRAM and ``core``."""
        return self._routes[core, inbound]


class DMAEngine:
    """A DMA engine with a FIFO command queue, moving tiles between DRAM and one core's scratchpad.

    A transfer holds the engine, its NoC route and the DRAM channels for
    ``max(bytes / DRAM bandwidth, bytes / link bandwidth)`` cycles; the DRAM latency and
    the hop latencies follow after the engine is released, so they overlap the next
    transfer (requests are pipelined).
    """

    def __init__(self, env: simpy.Environment, spec: Accelerator, probe: Probe, *, name: str, core: int,
                 dram: DRAM, noc: NoC) -> None:
        self.env, self.spec, self.probe, self.name, self.core = env, spec, probe, name, core
        self.resource = simpy.Resource(env, capacity=1)
        self.dram, self.noc = dram, noc

    def transfer(self, nbytes: float, *, inbound: bool, stream: int, event: str, op: str, energy_pj: float,
                 on_start: Callable[[], None] | None = None) -> Generator[Any, Any, float]:
        """Move ``nbytes`` in (DRAM -> core) or out; return the cycle the data has arrived.

        ``on_start`` runs when the engine takes the command (a load allocates its space then).
        """
        env, probe = self.env, self.probe
        links, hops = self.noc.route(self.core, inbound=inbound)
        with self.resource.request() as req:
            asked = env.now
            yield req
            start = env.now
            probe.wait(self.name, start - asked)
            if on_start is not None:
                on_start()
            held = []
            for link in links:
                lreq = self.noc.links[link].request()
                held.append((link, lreq))
                yield lreq
            if held:
                probe.wait(links[0], env.now - start)
            moving = env.now
            yield from self.dram.transfer(nbytes, stream=stream, event=event)
            if held:
                rest = moving + nbytes / self.noc.spec.link_bandwidth_bytes_per_cycle - env.now
                if rest > 0:
                    yield env.timeout(rest)
                for link, lreq in held:
                    self.noc.links[link].release(lreq)
                    probe.record(moving, env.now, link, event, nbytes)
            probe.record(start, env.now, self.name, event, nbytes, op, energy_pj)
        delay = self.spec.dram.latency_cycles + hops * self.noc.spec.hop_latency_cycles
        if delay:
            yield env.timeout(delay)
        return env.now


class Core:
    """One core: the accelerator's PE array and vector unit, a scratchpad and DMA engines.

    The MAC array and the vector unit are separate resources, so a fused
    post-processing step of one tile overlaps the next tile's MACs. The scratchpad holds
    `scratchpad_bytes` of the accelerator unless ``scratchpad_capacity_bytes`` says
    otherwise (a memory plan made for another budget).
    """

    def __init__(self, env: simpy.Environment, spec: Accelerator, probe: Probe, *, index: int, dram: DRAM,
                 noc: NoC, dma_engines: int = 1, scratchpad_capacity_bytes: int | None = None) -> None:
        self.env, self.spec, self.probe, self.index = env, spec, probe, index
        self.mac = simpy.Resource(env, capacity=1)
        self.vector = simpy.Resource(env, capacity=1)
        self.names = {"mac": f"core{index}.mac", "vector": f"core{index}.vector"}
        capacity = scratchpad_bytes(spec) if scratchpad_capacity_bytes is None else scratchpad_capacity_bytes
        self.scratchpad = Scratchpad(env, capacity, probe, name=f"core{index}.spad")
        self.dma = [DMAEngine(env, spec, probe, name=f"core{index}.dma{k}", core=index, dram=dram, noc=noc)
                    for k in range(dma_engines)]

    def run(self, unit: str, cycles: float, *, event: str, op: str, energy_pj: float,
            on_start: Callable[[], None] | None = None) -> Generator[Any, Any, None]:
        """Occupy the ``'mac'`` or ``'vector'`` unit for ``cycles``; ``on_start`` runs when it is granted."""
        env = self.env
        resource = self.mac if unit == "mac" else self.vector
        with resource.request() as req:
            asked = env.now
            yield req
            start = env.now
            self.probe.wait(self.names[unit], start - asked)
            if on_start is not None:
                on_start()
            if cycles > 0:
                yield env.timeout(cycles)
            self.probe.record(start, env.now, self.names[unit], event, 0, op, energy_pj)
