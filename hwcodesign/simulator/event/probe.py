"""What the event engine records, and the `Timeline` built from it.

Components append ``(start, end, component, event, bytes, op, energy_pj)`` tuples to
a `Probe` (times in cycles of the accelerator clock) and queue waits as
``(component, wait_cycles)``. A `Timeline` answers the questions asked of a run: busy
intervals and utilization per unit, queue waits, bytes per NoC link and DRAM channel,
power over time, and exports a Chrome/Perfetto trace.

Examples
--------
>>> p = Probe()
>>> p.record(0.0, 10.0, "core0.mac", "conv/t0 compute", 0, "conv", 5.0)
>>> p.record(5.0, 20.0, "core0.dma0", "conv/t1 load", 64, "conv", 1.0)
>>> t = Timeline(p, clock_hz=1e9, makespan_cycles=20.0)
>>> t.utilization()["core0.mac"]
0.5
>>> t.to_chrome_trace()["traceEvents"][0]["dur"]  # microseconds
0.01
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from hwcodesign.core.errors import ConfigError
from hwcodesign.core.results import ResultTable

__all__ = ["Probe", "Record", "Timeline"]


class Record(NamedTuple):
    """One interval a component spent on an event."""

    start: float
    end: float
    component: str
    event: str
    bytes: float
    op: str
    energy_pj: float


class Probe:
    """Collects records; components call :meth:`record` and :meth:`wait` (append only, no work)."""

    __slots__ = ("records", "waits")

    def __init__(self) -> None:
        self.records: list[tuple] = []
        self.waits: list[tuple[str, float]] = []

    def record(self, start: float, end: float, component: str, event: str, nbytes: float = 0,
               op: str = "", energy_pj: float = 0.0) -> None:
        """Record that ``component`` spent ``[start, end)`` on ``event``, moving ``nbytes``."""
        self.records.append((start, end, component, event, nbytes, op, energy_pj))

    def wait(self, component: str, cycles: float) -> None:
        """Record that a request to ``component`` queued ``cycles`` before being granted."""
        if cycles > 0:
            self.waits.append((component, cycles))


def _union_length(intervals: list[tuple[float, float]]) -> float:
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


class Timeline:
    """The recorded intervals of one run, with the machine facts needed to read them.

    Parameters
    ----------
    probe
        The run's probe.
    clock_hz
        Clock the cycles count (for seconds, microseconds and power).
    makespan_cycles
        End of the run.
    leakage_mw
        Static power of the whole chip, added to every power window.
    extra
        Run facts (scratchpad peaks and capacities, byte conservation, event count).
    """

    def __init__(self, probe: Probe, *, clock_hz: float, makespan_cycles: float, leakage_mw: float = 0.0,
                 extra: Mapping[str, Any] | None = None) -> None:
        self.records = [Record(*r) for r in probe.records]
        self.waits = list(probe.waits)
        self.clock_hz = clock_hz
        self.makespan_cycles = makespan_cycles
        self.leakage_mw = leakage_mw
        self.extra = dict(extra or {})

    def components(self) -> list[str]:
        """Components that recorded anything, sorted."""
        return sorted({r.component for r in self.records})

    def busy_intervals(self, component: str) -> list[tuple[float, float]]:
        """``(start, end)`` cycles of every interval ``component`` was busy, in start order."""
        return sorted((r.start, r.end) for r in self.records if r.component == component)

    def utilization(self) -> dict[str, float]:
        """Fraction of the makespan each component was busy (overlapping intervals counted once)."""
        spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for r in self.records:
            spans[r.component].append((r.start, r.end))
        span = self.makespan_cycles or 1.0
        return {c: _union_length(v) / span for c, v in sorted(spans.items())}

    def queue_wait_cycles(self) -> dict[str, float]:
        """Total cycles requests waited in each component's queue."""
        out: dict[str, float] = defaultdict(float)
        for component, cycles in self.waits:
            out[component] += cycles
        return dict(sorted(out.items()))

    def link_bytes(self) -> dict[str, float]:
        """Bytes moved over each NoC link (``noc.*``) and DRAM channel (``dram.ch*``)."""
        out: dict[str, float] = defaultdict(float)
        for r in self.records:
            if r.component.startswith(("noc.", "dram.")):
                out[r.component] += r.bytes
        return dict(sorted(out.items()))

    def power(self, window_cycles: float | None = None) -> ResultTable:
        """Energy and average power per time window (dynamic energy spread over each event, plus leakage).

        ``window_cycles`` defaults to a fiftieth of the makespan.
        """
        end = self.makespan_cycles
        width = window_cycles if window_cycles is not None else max(end / 50, 1.0)
        if width <= 0:
            raise ConfigError(f"The 'window_cycles' argument must be > 0. Got {window_cycles!r}.")
        n = max(1, int(-(-end // width)))
        energy = [0.0] * n
        for r in self.records:
            if not r.energy_pj:
                continue
            length = r.end - r.start
            if length <= 0:
                energy[min(int(r.start // width), n - 1)] += r.energy_pj
                continue
            first, last = int(r.start // width), min(int(r.end // width), n - 1)
            for w in range(first, last + 1):
                overlap = min(r.end, (w + 1) * width) - max(r.start, w * width)
                if overlap > 0:
                    energy[w] += r.energy_pj * overlap / length
        rows = []
        for w in range(n):
            t0, t1 = w * width, min((w + 1) * width, end) if end else width
            seconds = (t1 - t0) / self.clock_hz
            leak = self.leakage_mw * seconds * 1e9
            total = energy[w] + leak
            rows.append({"window_start_cycles": t0, "window_end_cycles": t1, "energy_dynamic_pj": energy[w],
                         "energy_leakage_pj": leak, "energy_pj": total,
                         "power_mw": total / 1e9 / seconds if seconds else 0.0})
        return ResultTable(rows)

    def to_chrome_trace(self) -> dict[str, Any]:
        """The Chrome trace-event JSON object (``ph='X'`` events, ``ts``/``dur`` in microseconds).

        Each component is a thread (``tid``) of its core's process (``pid``: ``core0``...,
        ``dram``, ``noc``); ``args`` carry the operator, bytes, cycles and energy.
        """
        us = 1e6 / self.clock_hz
        pids: dict[str, int] = {}
        tids: dict[str, int] = {}
        events: list[dict[str, Any]] = []
        for r in self.records:
            group = r.component.split(".")[0]
            pid = pids.setdefault(group, len(pids))
            tid = tids.setdefault(r.component, len(tids))
            events.append({"name": r.event, "cat": r.event.rsplit(" ", 1)[-1], "ph": "X", "ts": r.start * us,
                           "dur": (r.end - r.start) * us, "pid": pid, "tid": tid,
                           "args": {"op": r.op, "bytes": r.bytes, "start_cycles": r.start, "end_cycles": r.end,
                                    "energy_pj": r.energy_pj}})
        meta = [{"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": g}}
                for g, pid in pids.items()]
        meta += [{"name": "thread_name", "ph": "M", "pid": pids[c.split(".")[0]], "tid": tid, "args": {"name": c}}
                 for c, tid in tids.items()]
        return {"traceEvents": events + meta, "displayTimeUnit": "ns",
                "otherData": {"clock_hz": self.clock_hz, "makespan_cycles": self.makespan_cycles}}

    def save_chrome_trace(self, path: str | Path) -> Path:
        """Write :meth:`to_chrome_trace` as JSON (open it in https://ui.perfetto.dev); return the path."""
        path = Path(path)
        try:
            path.write_text(json.dumps(self.to_chrome_trace()))
        except OSError as exc:
            raise ConfigError(f"Cannot write the trace to {str(path)!r}: {exc}") from None
        return path

    def __repr__(self) -> str:
        return (f"<Timeline: {len(self.records)} intervals over {len(self.components())} components, "
                f"makespan {self.makespan_cycles:.6g} cycles>")
