"""Tidy result tables: one record per (design point, operator), unit-suffixed columns.

Every engine returns a `ResultTable`. Column names carry their unit
(``latency_cycles``, ``energy_pj``, ``dram_read_bytes``); provenance columns
(``hwcodesign_version``, ``engine``, ``accelerator``, ``workload``) ride along in
every row so a table saved today still says where it came from.

Examples
--------
>>> table = ResultTable([{"layer": "a", "latency_cycles": 10}, {"layer": "b", "latency_cycles": 5}])
>>> len(table), table.columns
(2, ['layer', 'latency_cycles'])
>>> table.total("latency_cycles")
15
>>> table.to_dataframe().shape
(2, 2)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hwcodesign.core.errors import ConfigError

if TYPE_CHECKING:  # pandas is imported lazily: no heavy work at import time
    import pandas as pd

__all__ = ["ResultTable", "TABLE_FORMATS"]

#: File suffixes :meth:`ResultTable.save` understands.
TABLE_FORMATS = (".csv", ".parquet", ".json")


class ResultTable(Sequence[Mapping[str, Any]]):
    """An immutable list of result records (dicts) that exports to pandas, CSV, Parquet, JSON."""

    def __init__(self, records: Iterable[Mapping[str, Any]] = ()) -> None:
        self._records: tuple[dict[str, Any], ...] = tuple(dict(r) for r in records)

    # -- sequence ------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return ResultTable(self._records[index])
        return dict(self._records[index])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (dict(r) for r in self._records)

    def __add__(self, other: ResultTable) -> ResultTable:
        return ResultTable(self._records + tuple(other._records))

    @property
    def columns(self) -> list[str]:
        """Column names in first-seen order."""
        seen: dict[str, None] = {}
        for record in self._records:
            seen.update(dict.fromkeys(record))
        return list(seen)

    def column(self, name: str) -> list[Any]:
        """Return one column as a list (missing values are ``None``)."""
        if name not in self.columns:
            from hwcodesign.core.errors import UnknownNameError

            raise UnknownNameError("column", name, self.columns)
        return [r.get(name) for r in self._records]

    def total(self, name: str) -> Any:
        """Return the sum of a numeric column."""
        return sum(self.column(name))

    # -- export --------------------------------------------------------------------
    def to_dataframe(self) -> pd.DataFrame:
        """Return a pandas DataFrame, one row per record."""
        import pandas as pd

        return pd.DataFrame.from_records(list(self._records), columns=self.columns)

    def to_csv(self, path: str | Path) -> Path:
        """Write CSV; return the path."""
        path = Path(path)
        self.to_dataframe().to_csv(path, index=False)
        return path

    def to_parquet(self, path: str | Path) -> Path:
        """Write Parquet (needs ``pyarrow``); return the path."""
        path = Path(path)
        try:
            self.to_dataframe().to_parquet(path, index=False)
        except ImportError as exc:
            raise ConfigError(f"Writing Parquet needs pyarrow: pip install 'hwcodesign[parquet]' ({exc}).") from None
        return path

    def to_json(self, path: str | Path) -> Path:
        """Write a JSON list of records; return the path."""
        path = Path(path)
        path.write_text(json.dumps(list(self._records), indent=1, default=str))
        return path

    def save(self, path: str | Path) -> Path:
        """Write to ``path`` in the format its suffix names (one of `TABLE_FORMATS`)."""
        path = Path(path)
        writers = {".csv": self.to_csv, ".parquet": self.to_parquet, ".json": self.to_json}
        if path.suffix not in writers:
            raise ConfigError(
                f"The output file {str(path)!r} must end in one of {', '.join(TABLE_FORMATS)}. Got {path.suffix!r}."
            )
        return writers[path.suffix](path)

    # -- display -------------------------------------------------------------------
    def __repr__(self) -> str:
        return f"ResultTable(<{len(self)} records, columns={self.columns!r}>)"

    def _repr_html_(self) -> str:
        return f"<p>ResultTable: {len(self)} records</p>" + self.to_dataframe().head(50).to_html(index=False)
