"""Helpers every plot shares: axis labels from unit suffixes, a fresh Axes, column checks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from hwcodesign.core.errors import ConfigError, did_you_mean
from hwcodesign.core.results import ResultTable

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["axis_label", "new_axes", "as_frame", "require_columns"]

_UNITS = {"cycles": "cycles", "bytes": "bytes", "pj": "pJ", "s": "s", "hz": "Hz", "mm2": "mm²", "mw": "mW"}


def axis_label(column: str) -> str:
    """``'latency_cycles'`` -> ``'latency (cycles)'``; columns without a unit are returned spaced.

    Examples
    --------
    >>> axis_label("energy_sram_pj"), axis_label("utilization"), axis_label("glb__size_bytes")
    ('energy sram (pJ)', 'utilization', 'glb size (bytes)')
    """
    head, _, unit = column.rpartition("_")
    if head and unit in _UNITS:
        return f"{_spaced(head)} ({_UNITS[unit]})"
    return _spaced(column)


def _spaced(name: str) -> str:
    return " ".join(part.replace("_", " ") for part in name.split("__"))


def new_axes(ax: Axes | None, figsize: tuple[float, float] = (10, 4)) -> Axes:
    """``ax`` itself, or the Axes of a new figure when it is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize).add_subplot()


def as_frame(data: Any) -> pd.DataFrame:
    """A `ResultTable`, a DataFrame or a list of records as a DataFrame (DataFrames are not copied)."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, ResultTable):
        return data.to_dataframe()
    return pd.DataFrame(list(data))


def require_columns(frame: pd.DataFrame, columns: Iterable[str | None], *, where: str) -> None:
    """Raise `ConfigError` naming the first missing column and listing the available ones.

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"a": [1], "b": [2]}), ["a", "energy_pj"], where="plot_pareto")
    Traceback (most recent call last):
    ...
    hwcodesign.core.errors.ConfigError: plot_pareto needs the column 'energy_pj', which the table lacks. Available columns: 'a', 'b'.
    """
    for column in columns:
        if column is not None and column not in frame.columns:
            available = [str(c) for c in frame.columns]
            raise ConfigError(f"{where} needs the column {column!r}, which the table lacks."
                              f"{did_you_mean(str(column), available)} "
                              f"Available columns: {', '.join(map(repr, available))}.")
