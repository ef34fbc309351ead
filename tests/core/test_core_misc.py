"""Units, registry, result tables and seeds."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hwcodesign.core import ConfigError, Registry, ResultTable, UnknownNameError, as_generator, parse_bytes, parse_hz


@pytest.mark.parametrize(
    ("text", "expected"),
    [("256 KiB", 262144), ("1 MiB", 1 << 20), ("2 kB", 2000), ("3MB", 3_000_000), (512, 512), ("64", 64)],
)
def test_parse_bytes(text, expected):
    assert parse_bytes(text) == expected


def test_parse_hz_and_errors():
    assert parse_hz("200 MHz") == 2e8
    with pytest.raises(ConfigError, match="'clock_hz'"):
        parse_hz("fast")
    with pytest.raises(ConfigError, match="whole number"):
        parse_bytes("0.5 B")


def test_registry_did_you_mean_and_duplicates():
    reg: Registry[int] = Registry("template")
    reg.register("tpu_like")(1)
    with pytest.raises(UnknownNameError, match="Did you mean 'tpu_like'") as info:
        reg.get("tpu_lik")
    assert isinstance(info.value, LookupError) and isinstance(info.value, ValueError)
    with pytest.raises(ValueError):
        reg.register("tpu_like")(2)


def test_result_table_exports(tmp_path):
    table = ResultTable([{"layer": "a", "latency_cycles": 3}, {"layer": "b", "latency_cycles": 4, "extra": 1}])
    assert table.columns == ["layer", "latency_cycles", "extra"]
    assert table.total("latency_cycles") == 7
    assert pd.read_csv(table.save(tmp_path / "t.csv"))["latency_cycles"].tolist() == [3, 4]
    assert json.loads(table.save(tmp_path / "t.json").read_text())[1]["extra"] == 1
    assert pd.read_parquet(table.save(tmp_path / "t.parquet")).shape == (2, 3)
    with pytest.raises(ConfigError, match=r"\.csv, \.parquet, \.json"):
        table.save(tmp_path / "t.xlsx")
    assert len(table + table) == 4 and table[1:][0]["layer"] == "b"


def test_seeds():
    assert as_generator(3).random() == as_generator(3).random()
    rng = np.random.default_rng(1)
    assert as_generator(rng) is rng
    with pytest.raises(ConfigError, match="'seed'"):
        as_generator(-1)
