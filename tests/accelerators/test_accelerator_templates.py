"""Conformance of every registered template, and `get_accelerator`."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import hwcodesign.accelerators as accelerators
from hwcodesign.accelerators import (
    OPERANDS,
    TEMPLATES,
    Accelerator,
    dumps_accelerator,
    get_accelerator,
    load_scalesim_cfg,
    loads_accelerator,
    save_accelerator,
)
from hwcodesign.core import ConfigError, UnknownNameError, get_params, with_params

SCALESIM_CONFIGS = Path(__file__).parents[1] / "data" / "scalesim"


@pytest.mark.parametrize("template", TEMPLATES.names())
def test_template_conformance(template, tmp_path):
    factory = TEMPLATES.get(template)
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in inspect.signature(factory).parameters.values())
    acc = factory()
    assert isinstance(acc, Accelerator) and acc.template == template
    # round trips: dicts, repr, every file format
    assert Accelerator.from_dict(acc.to_dict()) == acc
    assert eval(repr(acc), vars(accelerators)) == acc
    for fmt in ("toml", "yaml", "json"):
        assert loads_accelerator(dumps_accelerator(acc, format=fmt), format=fmt) == acc
    for suffix in (".toml", ".yaml", ".yml", ".json"):
        path = save_accelerator(acc, tmp_path / f"{template}{suffix}")
        assert get_accelerator(path) == acc
    # parameters round-trip through with_params
    assert with_params(acc, **get_params(acc)) == acc
    # physical sanity
    assert acc.num_pes >= 1 and acc.clock_hz > 0
    assert acc.mac_energy_pj() > 0 and acc.dram_energy_pj_per_byte() > 0 and acc.leakage_mw() > 0
    for operand in OPERANDS:
        buffer = acc.buffer_for(operand)
        for access in ("read", "write"):
            assert acc.buffer_access_energy_pj_per_byte(buffer.name, access) > 0
    assert acc.area_mm2() > 0
    assert all(v > 0 for v in acc.area_breakdown_mm2().values())
    # SRAM access costs more than a MAC and less than DRAM, per byte (Eyeriss ordering)
    staging = acc.buffer_for("ifmap").name  # the outermost on-chip ifmap buffer
    assert acc.mac_energy_pj() / acc.word_bytes < acc.buffer_access_energy_pj_per_byte(staging)
    assert acc.buffer_access_energy_pj_per_byte(staging) < acc.dram_energy_pj_per_byte()


def test_tpu_like_matches_published_figures():
    acc = get_accelerator("tpu_like")
    assert (acc.pe_array.rows, acc.pe_array.cols, acc.pe_array.dataflow) == (256, 256, "ws")
    assert acc.clock_hz == 700e6 and acc.word_bytes == 1 and acc.tech_node_nm == 28
    assert acc.peak_macs_per_second * 2 == pytest.approx(92e12, rel=0.01)  # 92 TOPS
    assert acc.sram_bytes == 14 * 2**20  # google.cfg split of the unified buffer
    assert acc.dram.bandwidth_bytes_per_cycle * acc.clock_hz == pytest.approx(34e9)


@pytest.mark.parametrize(("cfg", "template"), [("scale.cfg", "scalesim_default"), ("google.cfg", "scalesim_google")])
def test_scalesim_templates_match_the_cfg_files(cfg, template):
    path = SCALESIM_CONFIGS / cfg
    if not path.exists():
        pytest.skip(f"{path} not present")
    loaded, pinned = load_scalesim_cfg(path), get_accelerator(template)
    assert loaded.pe_array == pinned.pe_array
    assert loaded.buffers == pinned.buffers
    assert loaded.dram == pinned.dram
    assert get_accelerator(path).pe_array == pinned.pe_array


def test_load_scalesim_cfg_errors(tmp_path):
    missing = tmp_path / "missing.cfg"
    with pytest.raises(ConfigError, match="missing.cfg"):
        load_scalesim_cfg(missing)
    bad = tmp_path / "bad.cfg"
    bad.write_text("[architecture_presets]\nArrayHeight: 32\n")
    with pytest.raises(ConfigError, match="bad.cfg.*ArrayWidth"):
        load_scalesim_cfg(bad)
    bad.write_text("[architecture_presets]\nArrayHeight: 32\nArrayWidth: 4\nIfmapSramSzkB: 1\nFilterSramSzkB: 1\n"
                   "OfmapSramSzkB: 1\nDataflow: xs\nBandwidth: 10\n")
    with pytest.raises(ConfigError, match="bad.cfg.*Dataflow must be one of os, ws, is. Got 'xs'"):
        load_scalesim_cfg(bad)
    bad.write_text("not an ini file")
    with pytest.raises(ConfigError, match="bad.cfg"):
        load_scalesim_cfg(bad)


def test_get_accelerator_overrides():
    acc = get_accelerator("tpu_like", rows=64, dataflow="is", ofmap_sram__banks=2, dram__latency_cycles=5,
                          name="mine", clock_hz="1 GHz")
    assert acc.pe_array.rows == 64 and acc.pe_array.dataflow == "is"
    assert acc.buffer("ofmap_sram").banks == 2 and acc.dram.latency_cycles == 5
    assert acc.name == "mine" and acc.clock_hz == 1e9 and acc.template == "tpu_like"


def test_get_accelerator_file_overrides(tmp_path):
    path = save_accelerator(get_accelerator("systolic"), tmp_path / "a.toml")
    acc = get_accelerator(str(path), pe_array__cols=8, filter_sram__size_bytes="8 KiB")
    assert acc.pe_array.cols == 8 and acc.buffer("filter_sram").size_bytes == 8192
    with pytest.raises(UnknownNameError):
        get_accelerator(path, rows=8)  # factory arguments do not apply to files


def test_unknown_template_and_argument():
    with pytest.raises(UnknownNameError) as info:
        get_accelerator("tpu_lke")
    assert "accelerator template" in str(info.value) and "tpu_like" in str(info.value)
    assert isinstance(info.value, LookupError) and isinstance(info.value, ConfigError)
    with pytest.raises(UnknownNameError, match="Did you mean 'rows'"):
        get_accelerator("systolic", rowz=3)
    with pytest.raises(UnknownNameError):
        get_accelerator("systolic", pe_array__rowz=3)
    with pytest.raises(ConfigError, match="'dataflow' field of PEArraySpec must be one of 'os', 'ws', 'is'"):
        get_accelerator("systolic", dataflow="rs")
    with pytest.raises(ConfigError, match="'size_bytes' field of BufferSpec\\(name='ifmap_sram'\\)"):
        get_accelerator("systolic", ifmap_sram_bytes=-64)
