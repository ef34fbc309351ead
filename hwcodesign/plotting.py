"""Plots of result tables. Each function computes its data first, then draws on an
`~matplotlib.axes.Axes` it is given (or a new one) and returns that Axes; nothing is
shown or saved here. Axis labels come from the unit suffix of the column.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from hwcodesign.workloads import get_workload
>>> from hwcodesign.accelerators import get_accelerator
>>> from hwcodesign.simulator.systolic import simulate
>>> table = simulate(get_workload("tiny"), get_accelerator("systolic"))
>>> ax = plot_latency_breakdown(table)
>>> ax.get_ylabel()
'latency (cycles)'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hwcodesign.core.results import ResultTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from hwcodesign.simulator.event import Timeline

__all__ = ["axis_label", "plot_latency_breakdown", "plot_energy_breakdown", "plot_timeline"]

_UNITS = {"cycles": "cycles", "bytes": "bytes", "pj": "pJ", "s": "s", "hz": "Hz", "mm2": "mm²", "mw": "mW"}


def axis_label(column: str) -> str:
    """``'latency_cycles'`` -> ``'latency (cycles)'``; columns without a unit are returned spaced.

    Examples
    --------
    >>> axis_label("energy_sram_pj"), axis_label("utilization")
    ('energy sram (pJ)', 'utilization')
    """
    head, _, unit = column.rpartition("_")
    if head and unit in _UNITS:
        return f"{head.replace('_', ' ')} ({_UNITS[unit]})"
    return column.replace("_", " ")


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.figure(figsize=(10, 4)).add_subplot()


def plot_latency_breakdown(table: ResultTable, *, ax: Axes | None = None) -> Axes:
    """Stacked bars per layer: compute cycles and stall cycles."""
    frame = table.to_dataframe()
    layers, compute, stall = frame["layer"].tolist(), frame["compute_cycles"], frame["stall_cycles"]
    ax = _axes(ax)
    x = range(len(layers))
    ax.bar(x, compute, label=axis_label("compute_cycles").split(" (")[0])
    ax.bar(x, stall, bottom=compute, label=axis_label("stall_cycles").split(" (")[0])
    ax.set_xticks(list(x), layers, rotation=90, fontsize=7)
    ax.set_ylabel(axis_label("latency_cycles"))
    ax.legend()
    return ax


def plot_energy_breakdown(table: ResultTable, *, ax: Axes | None = None) -> Axes:
    """Stacked bars per layer of the ``energy_<component>_pj`` columns."""
    frame = table.to_dataframe()
    parts = [c for c in frame.columns if c.startswith("energy_") and c.endswith("_pj") and c != "energy_pj"]
    ax = _axes(ax)
    x = list(range(len(frame)))
    bottom = [0.0] * len(frame)
    for column in parts:
        values = frame[column].tolist()
        ax.bar(x, values, bottom=bottom, label=column.removeprefix("energy_").removesuffix("_pj"))
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_xticks(x, frame["layer"].tolist(), rotation=90, fontsize=7)
    ax.set_ylabel(axis_label("energy_pj"))
    ax.legend()
    return ax


def plot_timeline(timeline: Timeline, *, components: list[str] | None = None, ax: Axes | None = None) -> Axes:
    """Gantt chart of an event-engine run: one row per component, one bar per busy interval.

    Bars are coloured by what the interval was (``load``, ``store``, ``compute``,
    ``vector``); ``components`` picks and orders the rows (default: all of them).

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
    rows = list(components) if components is not None else timeline.components()
    kinds: dict[str, list[tuple[float, float]]] = {}
    bars: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for r in timeline.records:
        if r.component in rows:
            kind = r.event.rsplit(" ", 1)[-1]
            kinds.setdefault(kind, [])
            bars.setdefault((r.component, kind), []).append((r.start, r.end - r.start))
    ax = _axes(ax)
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
        ax.legend(fontsize=7)
    return ax
