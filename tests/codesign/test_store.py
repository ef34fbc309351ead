"""ResultStore: keys stored once, definition checked on reopen, exports, crash-safe batches."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pandas as pd
import pytest

from hwcodesign import __version__
from hwcodesign.codesign.store import ResultStore
from hwcodesign.core.errors import ConfigError

DEFINITION = {"grid": {"pe_array__rows": [8, 16], "pe_array__cols": [8]}, "seed": 3}


def test_creates_wal_file_with_meta_and_provenance(tmp_path):
    path = tmp_path / "sub" / "r.sqlite"
    with ResultStore(path, kind="sweep", definition=DEFINITION) as store:
        assert store.meta["kind"] == "sweep"
        assert store.meta["definition"] == DEFINITION
        prov = store.meta["provenance"]
        assert prov["hwcodesign_version"] == __version__
        assert set(prov) >= {"created_utc", "python_version", "host"}
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_key_stored_at_most_once_and_insertion_order(tmp_path):
    with ResultStore(tmp_path / "r.sqlite", kind="sweep") as store:
        assert store.put_many([("b", {"x": 1}), ("a", {"x": 2}), ("b", {"x": 3})]) == 2
        assert store.put("a", {"x": 4}) is False
        assert store.put("c", {"x": 5}) is True
        assert store.put_many([]) == 0
        assert store.done_keys() == {"a", "b", "c"}
        assert list(store.records()) == [("b", {"x": 1}), ("a", {"x": 2}), ("c", {"x": 5})]
        assert len(store) == 3


def test_numpy_values_are_stored_as_plain_json(tmp_path):
    with ResultStore(tmp_path / "r.sqlite", kind="sweep") as store:
        store.put("k", {"i": np.int64(7), "f": np.float32(0.25), "arr": np.array([1, 2]), "t": (1, "a")})
        ((_, record),) = store.records()
    assert record == {"i": 7, "f": 0.25, "arr": [1, 2], "t": [1, "a"]}
    assert type(record["i"]) is int


def test_unserialisable_record_is_a_config_error(tmp_path):
    with ResultStore(tmp_path / "r.sqlite", kind="sweep") as store, pytest.raises(ConfigError, match="JSON"):
        store.put("k", {"x": object()})


def test_reopen_with_other_definition_names_file_and_keys(tmp_path):
    path = tmp_path / "r.sqlite"
    ResultStore(path, kind="sweep", definition=DEFINITION).close()
    changed = {"grid": {"pe_array__rows": [8, 32], "pe_array__cols": [8]}, "engine": "systolic"}
    with pytest.raises(ConfigError) as info:
        ResultStore(path, kind="sweep", definition=changed)
    message = str(info.value)
    assert "r.sqlite" in message
    assert "grid.pe_array__rows" in message and "seed" in message and "engine" in message
    assert "pe_array__cols" not in message
    # Same definition (tuples vs lists do not matter), or None: accepted.
    same = {"seed": 3, "grid": {"pe_array__cols": (8,), "pe_array__rows": (8, 16)}}
    ResultStore(path, kind="sweep", definition=same).close()
    with ResultStore(path, kind="sweep") as store:
        assert store.meta["definition"] == DEFINITION


def test_reopen_with_other_kind_is_refused(tmp_path):
    path = tmp_path / "r.sqlite"
    ResultStore(path, kind="study").close()
    with pytest.raises(ConfigError, match="'study' run, not a 'sweep'"):
        ResultStore(path, kind="sweep")
    with ResultStore.read(path) as store:
        assert store.meta["kind"] == "study"


def test_read_refuses_missing_and_foreign_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        ResultStore.read(tmp_path / "none.sqlite")
    foreign = tmp_path / "other.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(ConfigError, match="not an hwcodesign results store"):
        ResultStore.read(foreign)
    with pytest.raises(ConfigError, match="not an hwcodesign results store"):
        ResultStore(foreign, kind="sweep")
    text = tmp_path / "text.sqlite"
    text.write_text("hello, I am not a database" * 100)
    with pytest.raises(ConfigError, match="not a usable SQLite"):
        ResultStore(text, kind="sweep")


def test_dataframe_and_exports(tmp_path):
    with ResultStore(tmp_path / "r.sqlite", kind="sweep") as store:
        store.put_many([("p1", {"latency_cycles": 10, "dataflow": "os"}), ("p0", {"latency_cycles": 5})])
        df = store.to_dataframe()
        assert list(df.columns) == ["key", "latency_cycles", "dataflow"]
        assert df["key"].tolist() == ["p1", "p0"]
        assert df["latency_cycles"].tolist() == [10, 5]
        csv = store.export(tmp_path / "r.csv")
        assert pd.read_csv(csv)["key"].tolist() == ["p1", "p0"]
        rows = json.loads(store.export(tmp_path / "r.json").read_text())
        assert rows[1] == {"key": "p0", "latency_cycles": 5}
        pytest.importorskip("pyarrow")
        assert pd.read_parquet(store.export(tmp_path / "r.parquet")).shape == (2, 3)
        with pytest.raises(ConfigError, match=r"\.csv"):
            store.export(tmp_path / "r.xlsx")


def test_two_connections_see_each_others_batches(tmp_path):
    """A report can read while a sweep writes (WAL): committed batches are visible at once."""
    path = tmp_path / "r.sqlite"
    with ResultStore(path, kind="sweep") as writer, ResultStore(path, kind="sweep") as reader:
        writer.put_many([("a", {"x": 1})])
        assert reader.done_keys() == {"a"}
        assert reader.put("a", {"x": 2}) is False


def test_bad_kind(tmp_path):
    with pytest.raises(ConfigError, match="'kind'"):
        ResultStore(tmp_path / "r.sqlite", kind="")
