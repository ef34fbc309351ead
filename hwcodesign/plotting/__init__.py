"""Plots of result tables and sweeps. Each function computes its data first, then draws on
an `~matplotlib.axes.Axes` it is given (or a new one) and returns that Axes; nothing is
shown or saved here. Axis labels come from the unit suffix of the column.

- `plot_pareto` / `pareto_front`: design points and their non-dominated front;
- `plot_roofline` / `roofline_points` / `roofline_roofs`: per-layer operational intensity vs throughput under the roofs;
- `plot_heatmap`: a metric over two parameters;
- `plot_latency_breakdown`, `plot_energy_breakdown`: per-layer (or per-run) stacked bars;
- `plot_timeline`: a Gantt chart of an event-engine run.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from hwcodesign.workloads import get_workload
>>> from hwcodesign.accelerators import get_accelerator
>>> from hwcodesign.simulator.systolic import simulate
>>> table = simulate(get_workload("tiny"), get_accelerator("systolic"))
>>> plot_energy_breakdown(table).get_ylabel()
'energy (pJ)'
"""

from hwcodesign.plotting._common import axis_label
from hwcodesign.plotting.breakdown import plot_energy_breakdown, plot_latency_breakdown
from hwcodesign.plotting.heatmap import heatmap_grid, plot_heatmap
from hwcodesign.plotting.pareto import pareto_front, plot_pareto
from hwcodesign.plotting.roofline import Roofs, plot_roofline, roofline_points, roofline_roofs
from hwcodesign.plotting.timeline import plot_timeline

__all__ = [
    "axis_label",
    "plot_latency_breakdown",
    "plot_energy_breakdown",
    "plot_timeline",
    "pareto_front",
    "plot_pareto",
    "heatmap_grid",
    "plot_heatmap",
    "Roofs",
    "roofline_roofs",
    "roofline_points",
    "plot_roofline",
]
