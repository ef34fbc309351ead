"""The CoSA repository's Simba-like ResNet-50 run reproduced: our template and mapping set to theirs.

Source: ucb-bar/cosa src/nocsim/runs/example/1_1_56_56_64_64_1 (BSD 2-Clause, UC Berkeley): 12,544 cycles, 1.33 pJ/MAC.
"""

from __future__ import annotations

import pytest

from hwcodesign.validation.cosa import compare_cosa_simba, cosa_simba_accelerator, cosa_simba_mapping


@pytest.fixture(scope="module")
def table():
    return {r["quantity"]: r for r in compare_cosa_simba()}


def test_cycles_within_10_percent(table):
    assert table["cycles"]["theirs"] == 12544
    assert abs(table["cycles"]["rel_error"]) <= 0.10


def test_energy_per_mac_within_10_percent(table):
    assert table["energy_per_mac"]["theirs"] == pytest.approx(1.33, abs=0.005)
    assert abs(table["energy_per_mac"]["rel_error"]) <= 0.10


@pytest.mark.parametrize("component", ["mac", "registers", "accbuf", "weight_buf", "input_buf", "glb", "dram"])
def test_energy_per_component_within_10_percent(table, component):
    assert abs(table[f"energy_per_mac_{component}"]["rel_error"]) <= 0.10


def test_access_counts_per_level_match(table):
    rows = {k: r for k, r in table.items() if k.startswith("accesses_")}
    assert len(rows) == 9
    assert all(abs(r["rel_error"]) <= 0.005 for r in rows.values()), rows


def test_instances_and_mapping():
    acc = cosa_simba_accelerator()
    assert [lv.instances for lv in acc.levels()] == [1024, 128, 128, 16, 1, 1]
    mapping = cosa_simba_mapping()
    assert mapping.temporal_iterations == 12544 and mapping.iterations == 64 * 64 * 56 * 56
