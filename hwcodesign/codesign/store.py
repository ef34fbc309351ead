"""A results store that loses nothing: one SQLite file (WAL mode), written as points finish.

A `ResultStore` holds one JSON record per key (a design point of a sweep, a trial of a
study) plus a ``meta`` table with the kind of run, its definition and its provenance
(hwcodesign version, creation time, Python version, host). A key is stored at most once,
so a run killed at any moment is resumed by re-running it and skipping `done_keys`.
Every `put_many` is one transaction: after a crash the file holds whole batches only.

Reopening a file with a different definition is refused (a resumed sweep must be the
same sweep); ``definition=None`` means "whatever is stored", for reading.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.sqlite"
>>> with ResultStore(path, kind="sweep", definition={"grid": {"pe_array__rows": [8, 16]}}) as store:
...     store.put_many([("a", {"latency_cycles": 10}), ("b", {"latency_cycles": 7})])
...     store.put("a", {"latency_cycles": 99})   # already stored: ignored
2
False
>>> with ResultStore(path, kind="sweep") as store:
...     sorted(store.done_keys()), store.meta["definition"]
...     list(store.records())
(['a', 'b'], {'grid': {'pe_array__rows': [8, 16]}})
[('a', {'latency_cycles': 10}), ('b', {'latency_cycles': 7})]
"""

from __future__ import annotations

import datetime as _dt
import json
import platform
import socket
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hwcodesign.core.errors import ConfigError
from hwcodesign.core.results import ResultTable

if TYPE_CHECKING:  # pandas is imported lazily
    import pandas as pd

__all__ = ["ResultStore", "to_jsonable"]

#: Version of the table layout written to ``meta``; bumped when the layout changes.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    record TEXT NOT NULL
);
"""


def to_jsonable(value: Any) -> Any:
    """Return ``value`` with numpy scalars and arrays, tuples, sets and paths made JSON types.

    Examples
    --------
    >>> import numpy as np
    >>> to_jsonable({"a": np.int64(3), "b": (np.float32(0.5), Path("x")), "c": np.arange(2)})
    {'a': 3, 'b': [0.5, 'x'], 'c': [0, 1]}
    """
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "tolist") and type(value).__module__ == "numpy":  # numpy scalar or array
        return to_jsonable(value.tolist())
    return value


def _dumps(value: Any) -> str:
    try:
        return json.dumps(to_jsonable(value), sort_keys=False, separators=(",", ":"))
    except TypeError as exc:
        raise ConfigError(f"A stored record must be JSON-serialisable: {exc}.") from None


def _diff_keys(stored: Any, given: Any, prefix: str = "") -> list[str]:
    """Dotted names of the entries where two JSON values differ."""
    if isinstance(stored, dict) and isinstance(given, dict):
        out: list[str] = []
        for key in sorted(set(stored) | set(given), key=str):
            name = f"{prefix}.{key}" if prefix else str(key)
            if key not in stored or key not in given:
                out.append(name)
            else:
                out.extend(_diff_keys(stored[key], given[key], name))
        return out
    return [] if stored == given else [prefix or "<definition>"]


def _provenance() -> dict[str, str]:
    from hwcodesign import __version__

    return {
        "hwcodesign_version": __version__,
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "python_version": platform.python_version(),
        "host": socket.gethostname(),
    }


class ResultStore:
    """Keyed JSON records in an SQLite file (WAL mode), with the run's definition and provenance.

    Parameters
    ----------
    path
        The SQLite file; created (with its parent folder) if missing.
    kind
        What the file holds (``"sweep"``, ``"study"``, ...); reopening with another kind is refused.
    definition
        The run's definition as a JSON-able dict, stored on creation and compared on reopen
        (a difference raises `ConfigError` naming the differing keys). ``None`` on reopen
        accepts whatever is stored.

    Attributes
    ----------
    meta : dict
        ``{"kind": ..., "definition": ..., "provenance": {...}}`` as stored.
    """

    def __init__(self, path: str | Path, *, kind: str, definition: dict | None = None) -> None:
        self.path = Path(path)
        if not isinstance(kind, str) or not kind:
            raise ConfigError(f"The 'kind' of ResultStore({str(self.path)!r}) must be a non-empty str. Got {kind!r}.")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a committed batch survives a killed process (not a power cut).
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self.meta = self._open_meta(kind, definition)
        except sqlite3.DatabaseError as exc:
            self._close_quietly()
            raise ConfigError(f"{str(self.path)!r} is not a usable SQLite results store: {exc}.") from None
        except ConfigError:
            self._close_quietly()
            raise

    @classmethod
    def read(cls, path: str | Path) -> ResultStore:
        """Open an existing store of any kind, accepting its stored definition.

        Raises `ConfigError` when the file does not exist or is not a results store.
        """
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"The results store {str(path)!r} does not exist.")
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE name = 'kind'").fetchone()
        except sqlite3.DatabaseError:
            row = None
        finally:
            conn.close()
        if row is None:
            raise ConfigError(f"{str(path)!r} is not an hwcodesign results store (no 'meta' table with a kind).")
        return cls(path, kind=json.loads(row[0]))

    def _open_meta(self, kind: str, definition: dict | None) -> dict[str, Any]:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")  # two processes creating the same file at once: one writes the meta
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and "meta" not in tables:
                raise ConfigError(f"{str(self.path)!r} is an SQLite file but not an hwcodesign results store.")
            for statement in filter(str.strip, _SCHEMA.split(";")):
                conn.execute(statement)
            stored = {name: json.loads(value) for name, value in conn.execute("SELECT name, value FROM meta")}
            if not stored:
                stored = {
                    "kind": kind,
                    "definition": to_jsonable(definition),
                    "provenance": _provenance(),
                    "schema_version": SCHEMA_VERSION,
                }
                conn.executemany("INSERT INTO meta VALUES (?, ?)", [(k, _dumps(v)) for k, v in stored.items()])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if stored.get("kind") != kind:
            raise ConfigError(
                f"The results store {str(self.path)!r} holds a {stored.get('kind')!r} run, not a {kind!r} run."
            )
        if definition is not None:
            given = json.loads(_dumps(definition))
            differing = _diff_keys(stored.get("definition"), given)
            if differing:
                raise ConfigError(
                    f"The results store {str(self.path)!r} was written by a different definition "
                    f"(differing keys: {', '.join(differing)}). Use a new --out file, or delete this one "
                    "to start over."
                )
        return {"kind": stored["kind"], "definition": stored["definition"], "provenance": stored["provenance"]}

    # -- writing -------------------------------------------------------------------
    def put_many(self, items: Iterable[tuple[str, dict]]) -> int:
        """Store ``(key, record)`` pairs in one transaction; keys already stored are ignored.

        Returns the number of rows inserted.
        """
        rows = [(str(key), _dumps(record)) for key, record in items]
        if not rows:
            return 0
        conn = self._conn
        before = conn.total_changes
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT OR IGNORE INTO records (key, record) VALUES (?, ?)", rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return conn.total_changes - before

    def put(self, key: str, record: dict) -> bool:
        """Store one record; return False if ``key`` was already stored."""
        return self.put_many([(key, record)]) == 1

    # -- reading -------------------------------------------------------------------
    def done_keys(self) -> set[str]:
        """The keys already stored."""
        return {row[0] for row in self._conn.execute("SELECT key FROM records")}

    def __len__(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]

    def records(self) -> Iterator[tuple[str, dict]]:
        """Yield ``(key, record)`` in insertion order."""
        for key, text in self._conn.execute("SELECT key, record FROM records ORDER BY seq"):
            yield key, json.loads(text)

    def table(self) -> ResultTable:
        """All records as a `ResultTable`, with the key as the first column ``key``."""
        return ResultTable({"key": key, **record} for key, record in self.records())

    def to_dataframe(self) -> pd.DataFrame:
        """A pandas DataFrame: column ``key`` then the record fields, in insertion order."""
        return self.table().to_dataframe()

    def export(self, path: str | Path) -> Path:
        """Write every record to ``path`` as ``.csv``, ``.parquet`` or ``.json`` (by suffix); return it."""
        return self.table().save(path)

    # -- lifetime ------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._close_quietly()

    def _close_quietly(self) -> None:
        conn = getattr(self, "_conn", None)
        if conn is not None:
            conn.close()
            self._conn = None  # type: ignore[assignment]

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else f"{len(self)} records"
        return f"ResultStore({str(self.path)!r}, kind={self.meta['kind']!r})  # {state}"
