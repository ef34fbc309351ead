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

__all__ = ["axis_label", "plot_latency_breakdown", "plot_energy_breakdown"]

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
