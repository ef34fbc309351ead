"""Per-layer breakdown bars: latency split into compute and stall cycles, energy by component.

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

from hwcodesign.core.errors import ConfigError
from hwcodesign.plotting._common import as_frame, axis_label, new_axes, require_columns

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from hwcodesign.core.results import ResultTable

__all__ = ["plot_latency_breakdown", "plot_energy_breakdown", "energy_components"]


def plot_latency_breakdown(table: ResultTable | pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Stacked bars per layer: compute cycles and stall cycles."""
    frame = as_frame(table)
    require_columns(frame, ["layer", "compute_cycles", "stall_cycles"], where="plot_latency_breakdown")
    layers, compute, stall = frame["layer"].tolist(), frame["compute_cycles"], frame["stall_cycles"]
    ax = new_axes(ax)
    x = range(len(layers))
    ax.bar(x, compute, label=axis_label("compute_cycles").split(" (")[0])
    ax.bar(x, stall, bottom=compute, label=axis_label("stall_cycles").split(" (")[0])
    ax.set_xticks(list(x), layers, rotation=90, fontsize=7)
    ax.set_ylabel(axis_label("latency_cycles"))
    ax.legend()
    return ax


def energy_components(columns) -> list[str]:
    """The ``energy_<component>_pj`` columns, in table order (the total ``energy_pj`` excluded).

    Examples
    --------
    >>> energy_components(["layer", "energy_mac_pj", "energy_dram_pj", "energy_pj"])
    ['energy_mac_pj', 'energy_dram_pj']
    """
    return [c for c in columns if c.startswith("energy_") and c.endswith("_pj") and c != "energy_pj"]


def plot_energy_breakdown(table: ResultTable | pd.DataFrame, *, by: str = "layer", normalize: bool = False,
                          ax: Axes | None = None) -> Axes:
    """Stacked bars of the ``energy_<component>_pj`` columns, one bar per value of ``by``.

    ``by='layer'`` (default) gives one bar per layer of one run; any other column (e.g.
    ``'accelerator'`` or ``'template'`` for a table of several runs) sums the rows of each
    value, so templates can be compared side by side. A component missing from a row
    (NaN, as when runs of different templates are concatenated) counts as zero. ``normalize=True`` draws each bar as
    fractions of its total.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> runs = pd.DataFrame({"accelerator": ["a", "a", "b"], "energy_mac_pj": [1.0, 2.0, 4.0],
    ...                      "energy_dram_pj": [3.0, 4.0, 4.0], "energy_pj": [4.0, 6.0, 8.0]})
    >>> ax = plot_energy_breakdown(runs, by="accelerator", normalize=True)
    >>> [round(float(p.get_height()), 3) for p in ax.patches]  # mac a, mac b, dram a, dram b
    [0.3, 0.5, 0.7, 0.5]
    """
    frame = as_frame(table)
    require_columns(frame, [by], where="plot_energy_breakdown")
    parts = energy_components(frame.columns)
    if not parts:
        raise ConfigError("plot_energy_breakdown needs at least one 'energy_<component>_pj' column, which the table "
                          f"lacks. Available columns: {', '.join(map(repr, map(str, frame.columns)))}.")
    # A component a row lacks (NaN: another engine's or template's buffer) spent no energy there.
    values = frame[parts].fillna(0.0)
    if by != "layer":
        values = values.groupby(frame[by], sort=False).sum()
    labels = frame[by].astype(str).tolist() if by == "layer" else [str(v) for v in values.index]
    if normalize:
        totals = values.sum(axis=1)
        values = values.div(totals.where(totals != 0, 1.0), axis=0)
    ax = new_axes(ax)
    x = list(range(len(values)))
    bottom = [0.0] * len(values)
    for column in parts:
        heights = values[column].tolist()
        ax.bar(x, heights, bottom=bottom, label=column.removeprefix("energy_").removesuffix("_pj"))
        bottom = [b + v for b, v in zip(bottom, heights)]
    ax.set_xticks(x, labels, rotation=90 if by == "layer" else 0, fontsize=7)
    ax.set_ylabel("energy (fraction)" if normalize else axis_label("energy_pj"))
    ax.legend(fontsize=7)
    return ax
