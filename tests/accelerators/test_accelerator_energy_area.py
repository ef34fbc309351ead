"""Energy and area numbers, checked by hand against the cited tables."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hwcodesign.accelerators import (
    HOROWITZ_45NM_SRAM_POINTS,
    TEMPLATES,
    AreaTable,
    BufferSpec,
    EnergyTable,
    accelerator_area_mm2,
    area_breakdown_mm2,
    get_accelerator,
)
from hwcodesign.core import ConfigError

E = EnergyTable()
A = AreaTable()


def test_mac_energy_from_horowitz_45nm():
    # Horowitz ISSCC 2014, 45 nm: 8-bit mult 0.2 pJ + 8-bit add 0.03 pJ.
    assert E.mac_energy_pj(1, node_nm=45) == pytest.approx(0.23)
    # 16 bit: 0.2 * 4 + 0.03 * 2; 32 bit: 0.2 * 16 + 0.03 * 4 (table: 3.1 + 0.1).
    assert E.mac_energy_pj(2, node_nm=45) == pytest.approx(0.86)
    assert E.mac_energy_pj(4, node_nm=45) == pytest.approx(3.32)
    assert E.mac_energy_pj(4, node_nm=45) == pytest.approx(3.1 + 0.1, rel=0.05)


def test_node_scaling_is_linear_in_feature_size():
    assert E.mac_energy_pj(1, node_nm=90) == pytest.approx(0.46)
    assert E.sram_access_energy_pj_per_byte(4096, node_nm=22.5) == pytest.approx(
        E.sram_access_energy_pj_per_byte(4096, node_nm=45) / 2)
    assert E.dram_energy_pj_per_byte() == 162.5  # not node-scaled
    assert EnergyTable(node_exponent=2).node_factor(90) == 4


def test_sram_law_is_the_rounded_least_squares_fit_of_horowitz_points():
    sizes_kib = np.array([s / 1024 for s, _ in HOROWITZ_45NM_SRAM_POINTS])
    per_byte = np.array([pj / 8 for _, pj in HOROWITZ_45NM_SRAM_POINTS])  # 64-bit reads
    slope, intercept = np.polyfit(np.sqrt(sizes_kib), per_byte, 1)
    assert E.sram_sqrt_kib_pj_per_byte == pytest.approx(slope, abs=0.005)
    assert E.sram_fixed_pj_per_byte == pytest.approx(intercept, abs=0.01)
    for size, pj in HOROWITZ_45NM_SRAM_POINTS:
        assert E.sram_access_energy_pj_per_byte(size, node_nm=45) == pytest.approx(pj / 8, rel=0.07)
    # Hand check: 64 KiB -> 0.25 + 0.38 * 8.
    assert E.sram_access_energy_pj_per_byte(65536, node_nm=45) == pytest.approx(3.29)


def test_sram_write_ratio_and_bad_access():
    table = EnergyTable(sram_write_to_read_ratio=1.5)
    assert table.sram_access_energy_pj_per_byte(1024, node_nm=45, access="write") == pytest.approx(0.63 * 1.5)
    with pytest.raises(ValueError):
        table.sram_access_energy_pj_per_byte(1024, node_nm=45, access="erase")  # type: ignore[arg-type]


def test_rf_and_hop_follow_eyeriss_ratios_of_a_16bit_mac():
    # Eyeriss (ISCA 2016): RF access 1x, PE-to-PE 2x a 16-bit MAC, per 2-byte word.
    mac16 = E.mac_energy_pj(2, node_nm=45)
    assert E.rf_access_energy_pj_per_byte(node_nm=45) == pytest.approx(mac16 / 2)
    assert E.pe_hop_energy_pj_per_byte(node_nm=45) == pytest.approx(2 * mac16 / 2)


def test_leakage():
    assert E.leakage_mw(sram_bytes=2048, num_pes=10, node_nm=45) == pytest.approx(2 * 0.01 + 10 * 0.001)
    acc = get_accelerator("scalesim_default")
    assert acc.leakage_mw() == pytest.approx(192 * 0.01 + 1024 * 0.001)


def test_accelerator_binds_word_size_node_and_bank_size():
    acc = get_accelerator("systolic", word_bytes=2, tech_node_nm=90, sram_banks=4)
    assert acc.mac_energy_pj() == pytest.approx(0.86 * 2)
    # 64 KiB in 4 banks: one 16 KiB bank, 0.25 + 0.38 * 4, doubled for 90 nm.
    assert acc.buffer_access_energy_pj_per_byte("ifmap_sram") == pytest.approx((0.25 + 0.38 * 4) * 2)
    assert acc.dram_energy_pj_per_byte() == 162.5


def test_area_by_hand():
    # 282 + 36 + 4 registers * 8 bits * 4.522 um^2
    assert A.pe_area_mm2(1, node_nm=45) == pytest.approx(462.704e-6)
    assert A.mac_area_mm2(4, node_nm=45) == pytest.approx((282 * 16 + 36 * 4) * 1e-6)
    # 64 KiB * 8 bits * 0.346 um^2 / 0.5
    assert A.sram_area_mm2(65536, node_nm=45) == pytest.approx(0.36281, rel=1e-4)
    assert A.sram_area_mm2(65536, node_nm=90) == pytest.approx(4 * A.sram_area_mm2(65536, node_nm=45))


@pytest.mark.parametrize("template", TEMPLATES.names())
def test_area_sum_equals_breakdown(template):
    acc = get_accelerator(template)
    breakdown = area_breakdown_mm2(acc)
    assert set(breakdown) == {"pe_array", "vector_unit", *(b.name for b in acc.buffers)}
    assert accelerator_area_mm2(acc) == pytest.approx(sum(breakdown.values()))
    assert acc.area_mm2() == accelerator_area_mm2(acc)
    assert acc.area_breakdown_mm2() == breakdown
    assert breakdown["pe_array"] == pytest.approx(acc.num_pes * A.pe_area_mm2(acc.word_bytes,
                                                                               node_nm=acc.tech_node_nm))


@given(rows=st.integers(1, 64), extra=st.integers(1, 64), size=st.integers(1, 2**24), more=st.integers(1, 2**24))
def test_area_and_energy_monotone(rows, extra, size, more):
    small = get_accelerator("systolic", rows=rows, ifmap_sram_bytes=size)
    big = get_accelerator("systolic", rows=rows + extra, ifmap_sram_bytes=size + more)
    assert big.area_mm2() > small.area_mm2()
    assert big.buffer_access_energy_pj_per_byte("ifmap_sram") > small.buffer_access_energy_pj_per_byte("ifmap_sram")


@pytest.mark.parametrize(("cls", "field", "value"), [
    (EnergyTable, "mult_8bit_pj", -0.1),
    (EnergyTable, "reference_node_nm", 0),
    (EnergyTable, "dram_pj_per_byte", math.inf),
    (AreaTable, "sram_array_efficiency", 1.5),
    (AreaTable, "pe_register_words", -1),
])
def test_bad_table_values(cls, field, value):
    with pytest.raises(ConfigError, match=repr(field)):
        cls(**{field: value})



def test_characterised_energies_override_the_laws():
    rf = BufferSpec(name="rf", size_bytes=64, operands=("ifmap", "filter"), access_energy_pj_per_byte=(0.1, 0.7))
    assert rf.access_energy_pj_per_byte == (0.1, 0.7)
    assert EnergyTable(mac_pj=2.2).mac_energy_pj(2, node_nm=65) == 2.2
    acc = get_accelerator("systolic")
    glb = acc.buffer_for("ifmap")
    fixed = dataclasses.replace(glb, access_energy_pj_per_byte=(9.4,))
    acc2 = dataclasses.replace(acc, buffers=tuple(fixed if b is glb else b for b in acc.buffers))
    assert acc2.buffer_access_energy_pj_per_byte(glb.name, "write", operand="ifmap") == 9.4
    asym = dataclasses.replace(fixed, write_energy_pj_per_byte=(8.0,))
    acc3 = dataclasses.replace(acc, buffers=tuple(asym if b is glb else b for b in acc.buffers))
    assert acc3.buffer_access_energy_pj_per_byte(glb.name, "read", operand="ifmap") == 9.4
    assert acc3.buffer_access_energy_pj_per_byte(glb.name, "write", operand="ifmap") == 8.0
    with pytest.raises(ConfigError, match="access_energy_pj_per_byte"):
        BufferSpec(name="rf", size_bytes=64, operands=("ifmap", "filter"), access_energy_pj_per_byte=(1.0, 2.0, 3.0))
