"""SCALE-Sim .cfg reading: semantics of its keys, clear errors, and fuzzing."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hwcodesign.accelerators.scalesim_config import read_scalesim_config
from hwcodesign.core import ConfigError

DATA = Path(__file__).parents[1] / "data" / "scalesim"

VALID = """[general]
run_name = t
[architecture_presets]
ArrayHeight: 8
ArrayWidth: 16
IfmapSramSzkB: 4
FilterSramSzkB: 8
OfmapSramSzkB: 2
IfmapOffset: 0
FilterOffset: 10000000
OfmapOffset: 20000000
Dataflow: is
Bandwidth: 3
ReadRequestBuffer: 32
WriteRequestBuffer: 32
[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: 5
IfmapSRAMBankNum: 10
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: 7
FilterSRAMBankNum: 10
FilterSRAMBankPort: 2
[run_presets]
InterfaceBandwidth: USER
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.cfg"
    path.write_text(text)
    return path


def test_user_mode_bandwidths_come_from_layout_and_bandwidth(tmp_path):
    cfg = read_scalesim_config(_write(tmp_path, VALID))
    assert (cfg.array_rows, cfg.array_cols, cfg.dataflow) == (8, 16, "is")
    assert (cfg.ifmap_sram_kb, cfg.filter_sram_kb, cfg.ofmap_sram_kb) == (4, 8, 2)
    assert (cfg.ifmap_dram_bw_words_per_cycle, cfg.filter_dram_bw_words_per_cycle,
            cfg.ofmap_dram_bw_words_per_cycle) == (5, 7, 3)


def test_calc_mode_drains_at_array_width_and_layout_defaults(tmp_path):
    text = VALID.replace("USER", "CALC")
    text = text[: text.index("[layout]")] + "[run_presets]\nInterfaceBandwidth: CALC\n"
    cfg = read_scalesim_config(_write(tmp_path, text))
    assert cfg.bandwidth_mode == "CALC" and cfg.ofmap_dram_bw_words_per_cycle == 16
    assert cfg.ifmap_dram_bw_words_per_cycle == 10  # SCALE-Sim's default bank bandwidth


@pytest.mark.parametrize("name", ["scale.cfg", "google.cfg", "eyeriss.cfg"])
def test_shipped_examples_read(name):
    assert read_scalesim_config(DATA / name).array_rows > 0


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("Dataflow: is", "Dataflow: rs", ["Dataflow", "os, ws, is", "'rs'"]),
        ("ArrayWidth: 16", "ArrayWidth: -2", ["ArrayWidth", ">= 1"]),
        ("IfmapSramSzkB: 4", "IfmapSramSzkB: four", ["IfmapSramSzkB", "'four'"]),
        ("InterfaceBandwidth: USER", "InterfaceBandwidth: FAST", ["InterfaceBandwidth", "USER, CALC"]),
        ("IfmapCustomLayout: False", "IfmapCustomLayout: True", ["custom SRAM bank layouts"]),
        ("ArrayHeight: 8\n", "", ["ArrayHeight", "required"]),
    ],
)
def test_errors_name_key_and_allowed_values(tmp_path, old, new, words):
    with pytest.raises(ConfigError) as info:
        read_scalesim_config(_write(tmp_path, VALID.replace(old, new)))
    for word in words:
        assert word in str(info.value)


def test_missing_and_garbled_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        read_scalesim_config(tmp_path / "nope.cfg")
    with pytest.raises(ConfigError, match="not a valid .cfg"):
        read_scalesim_config(_write(tmp_path, "no section header"))
    (tmp_path / "bin.cfg").write_bytes(b"\xff\xfe\x00[general")
    with pytest.raises(ConfigError):
        read_scalesim_config(tmp_path / "bin.cfg")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_fuzz_random_text(tmp_path, text):
    with contextlib.suppress(ConfigError):  # anything else escaping fails the test
        read_scalesim_config(_write(tmp_path, text))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, VALID.count("\n") - 1), st.text(max_size=20))
def test_fuzz_one_line_replaced(tmp_path, index, junk):
    lines = VALID.splitlines()
    lines[index] = junk
    with contextlib.suppress(ConfigError):
        read_scalesim_config(_write(tmp_path, "\n".join(lines)))


def test_a_lone_percent_sign_is_a_config_error(tmp_path):
    # Found by test_fuzz_one_line_replaced: " %" continues ArrayHeight's value, and configparser's
    # interpolation (SCALE-Sim's too) rejects the '%' when the value is read, not when the file is parsed.
    lines = VALID.splitlines()
    index = next(i for i, line in enumerate(lines) if line.lower().startswith("arrayheight"))
    lines[index + 1] = " %"
    with pytest.raises(ConfigError, match=r"ArrayHeight cannot be read: '%' must be followed"):
        read_scalesim_config(_write(tmp_path, "\n".join(lines)))
