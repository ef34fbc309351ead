"""Rooflines of accelerator runs: each layer's operational intensity against the throughput it
achieved, under the accelerator's compute and DRAM-bandwidth roofs.

- Intensity: work per DRAM byte, ``work / (dram_read_bytes + dram_write_bytes)``.
- Throughput: work per second, ``work / (latency_cycles / clock_hz)``.
- Work is ``macs`` (``unit='macs'``) or ``2 * macs`` operations (``unit='ops'``, a MAC is a
  multiply and an add).
- Compute roof: every PE doing one MAC per cycle, ``num_pes * clock_hz`` (x2 for ops), times
  the ``cores`` column of an event-engine table.
- Bandwidth roof: ``dram.bandwidth_bytes_per_cycle * clock_hz`` per channel, times
  ``dram.channels``, times the three operand channels when ``bandwidth_scope='per_operand'``.
- Ridge point: compute roof / bandwidth roof; layers left of it are bandwidth-bound.

Layers without MACs (pooling, elementwise) or without DRAM traffic have no place on a
roofline and are left out of the points.

Examples
--------
>>> from hwcodesign.accelerators import get_accelerator
>>> acc = get_accelerator("systolic")  # 32 x 32 PEs, 16 bytes/cycle shared DRAM
>>> roofs = roofline_roofs(acc, unit="ops")
>>> roofs.ridge_intensity == 2 * 32 * 32 / 16
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from hwcodesign.accelerators import OPERANDS, Accelerator
from hwcodesign.core.errors import ConfigError
from hwcodesign.plotting._common import as_frame, new_axes, require_columns

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from hwcodesign.core.results import ResultTable

__all__ = ["Roofs", "roofline_roofs", "roofline_points", "plot_roofline", "WORK_UNITS"]

WorkUnit = Literal["ops", "macs"]
#: What a roofline counts as work: operations (2 per MAC) or MACs.
WORK_UNITS: tuple[WorkUnit, ...] = ("ops", "macs")
_REQUIRED = ("layer", "macs", "latency_cycles", "dram_read_bytes", "dram_write_bytes")


@dataclass(frozen=True, kw_only=True)
class Roofs:
    """The two roofs of one accelerator, in ``unit`` per second and bytes per second."""

    unit: WorkUnit
    peak_per_s: float
    dram_bytes_per_s: float

    @property
    def ridge_intensity(self) -> float:
        """The intensity (``unit`` per DRAM byte) at which the two roofs meet."""
        return self.peak_per_s / self.dram_bytes_per_s

    def attainable(self, intensity: np.ndarray | float) -> np.ndarray:
        """The roof at ``intensity``: ``min(peak, bandwidth * intensity)``."""
        return np.minimum(self.peak_per_s, self.dram_bytes_per_s * np.asarray(intensity, dtype=float))


def _work_per_mac(unit: str) -> int:
    if unit not in WORK_UNITS:
        raise ConfigError(f"The 'unit' argument of plot_roofline must be one of {', '.join(map(repr, WORK_UNITS))}. "
                          f"Got {unit!r}.")
    return 2 if unit == "ops" else 1


def roofline_roofs(accelerator: Accelerator, *, unit: WorkUnit = "ops", cores: int = 1) -> Roofs:
    """The compute and DRAM-bandwidth roofs of ``accelerator`` (``cores`` copies of its PE array).

    Examples
    --------
    >>> from hwcodesign.accelerators import get_accelerator
    >>> roofs = roofline_roofs(get_accelerator("systolic", clock_hz="1 GHz"), unit="macs")
    >>> roofs.peak_per_s, roofs.dram_bytes_per_s
    (1024000000000.0, 16000000000.0)
    """
    dram = accelerator.dram
    streams = len(OPERANDS) if dram.bandwidth_scope == "per_operand" else 1
    return Roofs(unit=unit, peak_per_s=float(accelerator.peak_macs_per_second * _work_per_mac(unit) * cores),
                 dram_bytes_per_s=float(dram.bandwidth_bytes_per_cycle * dram.channels * streams * accelerator.clock_hz))


def _cores(frame: pd.DataFrame) -> int:
    values = frame["cores"].dropna().unique() if "cores" in frame.columns else []
    if len(values) == 0:  # not an event-engine table
        return 1
    if len(values) > 1:
        raise ConfigError(f"plot_roofline needs a table of one run; the 'cores' column holds {sorted(values)}.")
    return int(values[0])


def roofline_points(table: ResultTable | pd.DataFrame, accelerator: Accelerator, *, unit: WorkUnit = "ops"
                    ) -> pd.DataFrame:
    """Per-layer ``intensity`` (``unit`` per DRAM byte) and ``throughput_per_s`` of a run on ``accelerator``.

    Examples
    --------
    >>> import pandas as pd
    >>> from hwcodesign.accelerators import get_accelerator
    >>> run = pd.DataFrame({"layer": ["conv", "pool"], "macs": [1000, 0], "latency_cycles": [100, 10],
    ...                     "dram_read_bytes": [150, 40], "dram_write_bytes": [50, 10]})
    >>> points = roofline_points(run, get_accelerator("systolic", clock_hz="1 GHz"))
    >>> points[["layer", "intensity", "throughput_per_s"]].to_dict("records")
    [{'layer': 'conv', 'intensity': 10.0, 'throughput_per_s': 20000000000.0}]
    """
    frame = as_frame(table)
    require_columns(frame, _REQUIRED, where="plot_roofline")
    work = frame["macs"].astype(float) * _work_per_mac(unit)
    dram_bytes = frame["dram_read_bytes"].astype(float) + frame["dram_write_bytes"].astype(float)
    seconds = frame["latency_cycles"].astype(float) / accelerator.clock_hz
    with np.errstate(divide="ignore", invalid="ignore"):
        points = frame.assign(intensity=work / dram_bytes, throughput_per_s=work / seconds)
    keep = (work > 0) & (dram_bytes > 0) & (seconds > 0)
    return points[keep].reset_index(drop=True)


def plot_roofline(table: ResultTable | pd.DataFrame, accelerator: Accelerator, *, unit: WorkUnit = "ops",
                  label_layers: bool | None = None, ax: Axes | None = None) -> Axes:
    """Log-log roofline: the roofs of ``accelerator`` and one point per layer of ``table``.

    The roof is one line labelled ``'roof'`` through (lowest intensity, bandwidth roof there),
    the ridge point and (highest intensity, peak); points are coloured by the ``kind``
    column when the table has one. ``label_layers`` writes layer names next to the points
    (default: when there are at most 20).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from hwcodesign.workloads import get_workload
    >>> from hwcodesign.accelerators import get_accelerator
    >>> from hwcodesign.simulator.systolic import simulate
    >>> acc = get_accelerator("systolic")
    >>> ax = plot_roofline(simulate(get_workload("tiny"), acc), acc)
    >>> roof = [line for line in ax.get_lines() if line.get_label() == "roof"][0]
    >>> float(roof.get_xdata()[1]) == 2 * acc.num_pes / acc.dram.bandwidth_bytes_per_cycle  # the ridge
    True
    """
    frame = as_frame(table)
    points = roofline_points(frame, accelerator, unit=unit)
    roofs = roofline_roofs(accelerator, unit=unit, cores=_cores(frame))
    ridge = roofs.ridge_intensity
    intensities = [ridge, *points["intensity"].tolist()]
    low, high = min(intensities) / 4, max(intensities) * 4
    ax = new_axes(ax, figsize=(6.5, 4.5))
    ax.loglog([low, ridge, high], roofs.attainable([low, ridge, high]), color="black", linewidth=1.5, label="roof")
    ax.axvline(ridge, color="grey", linestyle=":", linewidth=1)
    ax.annotate(f"ridge {ridge:.3g} {unit}/B", (ridge, roofs.peak_per_s), textcoords="offset points",
                xytext=(4, -12), fontsize=7, color="grey")
    groups = points.groupby("kind", sort=True) if "kind" in points.columns else [("layers", points)]
    for kind, group in groups:
        ax.scatter(group["intensity"], group["throughput_per_s"], s=18, label=str(kind), zorder=3)
    if label_layers if label_layers is not None else len(points) <= 20:
        for row in points.itertuples():
            ax.annotate(str(row.layer), (row.intensity, row.throughput_per_s), textcoords="offset points",
                        xytext=(3, 3), fontsize=6)
    ax.set_xlabel(f"operational intensity ({unit}/DRAM byte)")
    ax.set_ylabel(f"throughput ({unit}/s)")
    ax.set_title(f"{accelerator.name}: peak {roofs.peak_per_s:.3g} {unit}/s, DRAM {roofs.dram_bytes_per_s:.3g} B/s",
                 fontsize=8)
    ax.legend(fontsize=7)
    return ax
