"""Pareto fronts of design points: the non-dominated subset, and a scatter with the front stepped.

A point dominates another when it is no worse in every objective and strictly better in
at least one. Identical points do not dominate each other, so duplicates on the front all
stay on it. Rows with a missing (NaN) objective are compared with nothing and are never on
the front.

Examples
--------
>>> import pandas as pd
>>> points = pd.DataFrame({"latency_cycles": [10, 20, 15, 30], "energy_pj": [9, 4, 9, 4],
...                        "template": ["a", "b", "a", "b"]})
>>> pareto_front(points, ["latency_cycles", "energy_pj"]).index.tolist()
[0, 1]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from hwcodesign.core.errors import ConfigError
from hwcodesign.plotting._common import as_frame, axis_label, new_axes, require_columns

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from hwcodesign.core.results import ResultTable

__all__ = ["pareto_front", "plot_pareto", "SENSES"]

Sense = Literal["min", "max"]
#: The directions an objective can be optimised in.
SENSES: tuple[Sense, ...] = ("min", "max")
#: A ``color_by`` column with more distinct numbers than this is drawn with a colour map, not a legend.
_MAX_CATEGORIES = 12


def _check_senses(objectives: Sequence[str], senses: Sequence[str] | None, *, where: str) -> list[str]:
    if senses is None:
        return ["min"] * len(objectives)
    if isinstance(senses, str):
        senses = [senses] * len(objectives)
    senses = list(senses)
    if len(senses) != len(objectives):
        raise ConfigError(f"The 'senses' argument of {where} must give one of {SENSES} per objective "
                          f"({len(objectives)}: {list(objectives)}). Got {len(senses)}: {senses}.")
    for sense in senses:
        if sense not in SENSES:
            raise ConfigError(f"The 'senses' argument of {where} must hold only {' or '.join(map(repr, SENSES))}. "
                              f"Got {sense!r}.")
    return senses


def _non_dominated(costs: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows of ``costs`` (all minimised, no NaN) that no other row dominates."""
    n = len(costs)
    keep = np.zeros(n, dtype=bool)
    # In lexicographic order a row can only be dominated by rows before it (or by equal rows,
    # which do not dominate), so each row is checked against the front found so far.
    order = np.lexsort(costs.T[::-1])
    front: list[int] = []
    for i in order:
        if front:
            kept = costs[front]
            if np.any(np.all(kept <= costs[i], axis=1) & np.any(kept < costs[i], axis=1)):
                continue
        front.append(i)
        keep[i] = True
    return keep


def pareto_front(frame: ResultTable | pd.DataFrame, objectives: Sequence[str],
                 senses: Sequence[Sense] | None = None) -> pd.DataFrame:
    """The rows of ``frame`` no other row dominates in ``objectives``, in their original order.

    Parameters
    ----------
    frame
        A DataFrame or `ResultTable` with one row per design point (aggregate per-layer tables first, e.g. with ``groupby().sum()``).
    objectives
        Column names, at least one.
    senses
        ``'min'`` or ``'max'`` per objective (a single string applies to all); default all ``'min'``.

    Examples
    --------
    >>> import pandas as pd
    >>> points = pd.DataFrame({"latency_cycles": [10, 20, 15], "utilization": [0.5, 0.9, 0.4]})
    >>> pareto_front(points, ["latency_cycles", "utilization"], ["min", "max"]).index.tolist()
    [0, 1]
    """
    frame = as_frame(frame)
    objectives = list(objectives)
    if not objectives:
        raise ConfigError("The 'objectives' argument of pareto_front must name at least one column. Got [].")
    require_columns(frame, objectives, where="pareto_front")
    senses = _check_senses(objectives, senses, where="pareto_front")
    values = frame[objectives].to_numpy(dtype=float)
    costs = values * np.array([1.0 if s == "min" else -1.0 for s in senses])
    complete = ~np.isnan(costs).any(axis=1)
    keep = np.zeros(len(frame), dtype=bool)
    keep[np.flatnonzero(complete)] = _non_dominated(costs[complete])
    return frame[keep]


def plot_pareto(frame: ResultTable | pd.DataFrame, x: str, y: str, *, color_by: str | None = None,
                senses: Sequence[Sense] = ("min", "min"), ax: Axes | None = None) -> Axes:
    """Scatter every design point in ``(x, y)`` and draw the Pareto front as a staircase.

    The front (`pareto_front` of ``x`` and ``y`` under ``senses``) is one line labelled
    ``'Pareto front'`` through the front's points in ``x`` order, stepped along the boundary
    of the region they dominate. Points are coloured by ``color_by``: one legend entry per
    category (e.g. ``'template'``), or a colour bar for a numeric column with many values.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> points = pd.DataFrame({"latency_cycles": [10, 20, 15, 30], "energy_pj": [9, 4, 9, 4],
    ...                        "template": ["a", "b", "a", "b"]})
    >>> ax = plot_pareto(points, "latency_cycles", "energy_pj", color_by="template")
    >>> front = [line for line in ax.get_lines() if line.get_label() == "Pareto front"][0]
    >>> front.get_xydata().tolist(), ax.get_xlabel()
    ([[10.0, 9.0], [20.0, 4.0]], 'latency (cycles)')
    """
    frame = as_frame(frame)
    require_columns(frame, [x, y, color_by], where="plot_pareto")
    senses = _check_senses([x, y], senses, where="plot_pareto")
    front = pareto_front(frame, [x, y], senses).sort_values([x, y])
    ax = new_axes(ax, figsize=(6, 4.5))
    if color_by is None:
        ax.scatter(frame[x], frame[y], s=14, alpha=0.6, label="design points")
    else:
        column = frame[color_by]
        if column.dtype.kind in "iuf" and column.nunique() > _MAX_CATEGORIES:
            points = ax.scatter(frame[x], frame[y], c=column, s=14, alpha=0.8, cmap="viridis")
            ax.figure.colorbar(points, ax=ax, label=axis_label(color_by))
        else:
            for category, group in frame.groupby(color_by, sort=True, dropna=False):
                ax.scatter(group[x], group[y], s=14, alpha=0.7, label=str(category))
    # Minimising x, the dominated region's boundary moves right then down/up ('post');
    # maximising x it moves vertically first ('pre').
    ax.step(front[x], front[y], where="post" if senses[0] == "min" else "pre", color="black", linewidth=1.2,
            marker="o", markerfacecolor="none", markersize=7, label="Pareto front")
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(axis_label(y))
    ax.legend(fontsize=7, title=color_by, title_fontsize=7)
    return ax
