"""Gantt charts of event-engine runs.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from hwcodesign.workloads import get_workload
>>> from hwcodesign.accelerators import get_accelerator
>>> from hwcodesign.simulator.event import run
>>> result = run(get_workload("tiny"), get_accelerator("systolic"), cores=2)
>>> ax = plot_timeline(result.timeline)
>>> ax.get_xlabel(), len(ax.get_yticks()) == len(result.timeline.components())
('time (cycles)', True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hwcodesign.core.errors import UnknownNameError
from hwcodesign.plotting._common import axis_label, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from hwcodesign.simulator.event import Timeline

__all__ = ["plot_timeline"]


def plot_timeline(timeline: Timeline, *, components: list[str] | None = None, ax: Axes | None = None) -> Axes:
    """Gantt chart of an event-engine run: one row per component, one bar per busy interval.

    Bars are coloured by what the interval was (``load``, ``store``, ``compute``,
    ``vector``); ``components`` picks and orders the rows (default: all of them).
    """
    known = timeline.components()
    rows = list(components) if components is not None else known
    for component in rows:
        if component not in known:
            raise UnknownNameError("timeline component", component, known)
    kinds: set[str] = set()
    bars: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for r in timeline.records:
        if r.component in rows:
            kind = r.event.rsplit(" ", 1)[-1]
            kinds.add(kind)
            bars.setdefault((r.component, kind), []).append((r.start, r.end - r.start))
    ax = new_axes(ax)
    import matplotlib.pyplot as plt

    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colour = {kind: colours[i % len(colours)] for i, kind in enumerate(sorted(kinds))}
    for (component, kind), spans in bars.items():
        ax.broken_barh(spans, (rows.index(component) - 0.4, 0.8), facecolors=colour[kind])
    for kind in sorted(kinds):
        ax.bar(0, 0, color=colour[kind], label=kind)
    ax.set_yticks(range(len(rows)), rows, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(axis_label("time_cycles"))
    if kinds:
        ax.legend(fontsize=7, loc="upper right")  # "best" is slow with thousands of bars
    return ax
