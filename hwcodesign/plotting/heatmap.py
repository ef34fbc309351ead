"""A metric over two parameters as an annotated heat map (e.g. utilization over PE rows x columns).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> grid = pd.DataFrame({"pe_array__rows": [8, 8, 16, 16], "pe_array__cols": [8, 16, 8, 16],
...                      "utilization": [0.9, 0.7, 0.6, 0.4]})
>>> ax = plot_heatmap(grid, "pe_array__cols", "pe_array__rows", "utilization")
>>> ax.images[0].get_array().tolist()  # rows: y values, columns: x values
[[0.9, 0.7], [0.6, 0.4]]
>>> [t.get_text() for t in ax.texts]
['0.9', '0.7', '0.6', '0.4']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from hwcodesign.core.errors import ConfigError
from hwcodesign.plotting._common import as_frame, axis_label, new_axes, require_columns

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from hwcodesign.core.results import ResultTable

__all__ = ["heatmap_grid", "plot_heatmap", "AGGREGATES"]

Aggregate = Literal["mean", "median", "min", "max", "sum", "first"]
#: How several rows falling in one cell are combined.
AGGREGATES: tuple[Aggregate, ...] = ("mean", "median", "min", "max", "sum", "first")


def heatmap_grid(frame: ResultTable | pd.DataFrame, x: str, y: str, value: str, *, agg: Aggregate = "mean"
                 ) -> pd.DataFrame:
    """``value`` pivoted to one row per ``y`` value and one column per ``x`` value, both sorted.

    Rows sharing an ``(x, y)`` cell (e.g. the layers of one design point) are combined with
    ``agg``; cells no row falls in are NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"a": [1, 1, 2], "b": ["p", "p", "q"], "v": [1.0, 3.0, 5.0]})
    >>> heatmap_grid(rows, "a", "b", "v").to_dict()
    {1: {'p': 2.0, 'q': nan}, 2: {'p': nan, 'q': 5.0}}
    """
    frame = as_frame(frame)
    require_columns(frame, [x, y, value], where="plot_heatmap")
    if agg not in AGGREGATES:
        raise ConfigError(f"The 'agg' argument of plot_heatmap must be one of {', '.join(map(repr, AGGREGATES))}. "
                          f"Got {agg!r}.")
    if x == y:
        raise ConfigError(f"The 'x' and 'y' arguments of plot_heatmap must name different columns. Got {x!r} twice.")
    return frame.pivot_table(index=y, columns=x, values=value, aggfunc=agg, dropna=False).sort_index(
        axis=0).sort_index(axis=1)


def plot_heatmap(frame: ResultTable | pd.DataFrame, x: str, y: str, value: str, *, agg: Aggregate = "mean",
                 annotate: bool = True, fmt: str = ".3g", cmap: str = "viridis", ax: Axes | None = None) -> Axes:
    """Heat map of ``value`` over the distinct values of ``x`` (columns) and ``y`` (rows).

    The cells hold `heatmap_grid` (``agg`` combines rows sharing a cell); each cell is
    annotated with its value in format ``fmt`` unless ``annotate=False``; empty cells are
    left blank. Ticks are the parameter values, so uneven grids (8, 16, 128) stay readable.
    """
    grid = heatmap_grid(frame, x, y, value, agg=agg)
    cells = grid.to_numpy(dtype=float)
    ax = new_axes(ax, figsize=(1.0 + 0.8 * max(len(grid.columns), 4), 1.0 + 0.6 * max(len(grid.index), 4)))
    image = ax.imshow(np.ma.masked_invalid(cells), cmap=cmap, aspect="auto", origin="lower")
    ax.figure.colorbar(image, ax=ax, label=axis_label(value))
    ax.set_xticks(range(len(grid.columns)), [str(v) for v in grid.columns])
    ax.set_yticks(range(len(grid.index)), [str(v) for v in grid.index])
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(axis_label(y))
    if annotate and np.isfinite(cells).any():
        low, high = np.nanmin(cells), np.nanmax(cells)
        middle = (low + high) / 2
        for (row, col), v in np.ndenumerate(cells):
            if np.isfinite(v):
                # Dark text on the bright end of viridis, light text on the dark end.
                ax.text(col, row, format(v, fmt), ha="center", va="center", fontsize=8,
                        color="black" if v > middle else "white")
    return ax
