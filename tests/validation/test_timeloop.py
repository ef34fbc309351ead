"""The Timeloop/Accelergy Eyeriss-like exercise (AlexNet CONV1) reproduced: our template and mapping set to theirs.

Source: Accelergy-Project/timeloop-accelergy-exercises, eyeriss_like, AlexNet layer 1 (MIT License, J. Emer):
798,600 cycles, 8.22 pJ/MAC.
"""

from __future__ import annotations

import pytest

from hwcodesign.mapper.problem import problem_of
from hwcodesign.validation.references import timeloop_eyeriss_exercise
from hwcodesign.validation.timeloop import (
    compare_timeloop_eyeriss,
    timeloop_eyeriss_layer,
    timeloop_eyeriss_mapping,
)
from hwcodesign.validation.timeloop_mapping import mapping_from_timeloop, parse_loop


@pytest.fixture(scope="module")
def table():
    return {r["quantity"]: r for r in compare_timeloop_eyeriss()}


def test_cycles_within_10_percent(table):
    assert abs(table["cycles"]["rel_error"]) <= 0.10


def test_energy_per_mac_within_10_percent(table):
    assert table["energy_per_mac"]["theirs"] == pytest.approx(8.22, abs=0.005)
    assert abs(table["energy_per_mac"]["rel_error"]) <= 0.10


@pytest.mark.parametrize("component", ["mac", "psum_spad", "weights_spad", "ifmap_spad", "glb", "dram"])
def test_energy_per_component_within_10_percent(table, component):
    assert abs(table[f"energy_per_mac_{component}"]["rel_error"]) <= 0.10


def test_access_counts_per_level_within_2_percent(table):
    # psum_spad differs by +1.6 %: Timeloop fills every psum copy of the 11 spatially reduced PEs and counts no
    # drain reads; we count the drain and one read-back per partial sum (hwcodesign.validation.timeloop).
    rows = {k: r for k, r in table.items() if k.startswith("accesses_")}
    assert len(rows) == 8
    assert all(abs(r["rel_error"]) <= 0.02 for r in rows.values()), rows


def test_mapping_translation():
    mapping = timeloop_eyeriss_mapping()
    assert mapping.iterations == timeloop_eyeriss_exercise()["workload"]["maccs"]
    assert mapping.temporal_iterations == 798600
    text = str(mapping)
    # Timeloop Q (height) is our P, its M our K, its S (filter height, Spatial-Y) our R.
    assert "for P in [0:55)" in text and "spatial_for K in [0:12) (cols)" in text
    assert "spatial_for R in [0:11) (rows)" in text and "for S in [0:11)" in text


def test_parse_loop_rejects_garbage():
    with pytest.raises(ValueError, match="Timeloop loop"):
        parse_loop("M=12")


def test_translation_checks_coverage():
    from hwcodesign.validation.timeloop import timeloop_eyeriss_accelerator

    problem = problem_of(timeloop_eyeriss_layer(), "int16")
    with pytest.raises(ValueError, match="covers"):
        mapping_from_timeloop(problem, timeloop_eyeriss_accelerator(), {"DRAM": ["Q:55"]}, levels={"DRAM": "dram"},
                              spatial={})
