"""The reference data ships with the package and is self-consistent."""

from __future__ import annotations

import math
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from hwcodesign.core.errors import UnknownNameError
from hwcodesign.validation.references import (
    REFERENCE_FILES,
    cosa_simba_resnet50,
    eyeriss_alexnet_jssc2017,
    read_text,
    timeloop_eyeriss_exercise,
)

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize("name", sorted(REFERENCE_FILES))
def test_every_file_is_package_data(name):
    assert resources.files("hwcodesign.validation").joinpath("data", REFERENCE_FILES[name]).is_file()
    assert read_text(REFERENCE_FILES[name])


def test_pyproject_ships_the_data():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["hwcodesign"]
    assert "validation/data/*" in data


def test_unknown_file_suggests():
    with pytest.raises(UnknownNameError, match="cosa_simba_resnet50.toml"):
        read_text("cosa_simba_resnet.toml")


@pytest.mark.parametrize("load", [timeloop_eyeriss_exercise, cosa_simba_resnet50])
def test_timeloop_level_energies_sum_to_the_total(load):
    ref = load()
    parts = [v["energy_total_pJ"] if isinstance(v, dict) else v for v in ref["accesses"].values()]
    assert math.isclose(sum(parts), ref["results"]["energy_total_pJ"], rel_tol=1e-6)


def test_eyeriss_table_totals():
    rows = eyeriss_alexnet_jssc2017()
    assert [r["layer"] for r in rows] == ["CONV1", "CONV2", "CONV3", "CONV4", "CONV5"]
    assert math.isclose(sum(r["processing_latency_ms"] for r in rows), 103.5, abs_tol=0.05)
    assert math.isclose(sum(r["dram_accesses_MB"] for r in rows), 15.4, abs_tol=0.05)
