"""File I/O: malformed files give `ConfigError` naming the file, never a parser exception."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hwcodesign.accelerators import (
    SCHEMA_VERSION,
    Accelerator,
    accelerator_from_dict,
    dumps_accelerator,
    get_accelerator,
    load_accelerator,
    loads_accelerator,
    save_accelerator,
)
from hwcodesign.core import ConfigError, UnknownNameError

VALID = get_accelerator("scalesim_default")
VALID_TOML = dumps_accelerator(VALID, format="toml")
VALID_YAML = dumps_accelerator(VALID, format="yaml")


def test_saved_files_carry_schema_version(tmp_path):
    for suffix, parse in ((".json", json.loads), (".yaml", yaml.safe_load)):
        path = save_accelerator(VALID, tmp_path / f"a{suffix}")
        assert parse(path.read_text())["schema_version"] == SCHEMA_VERSION


def test_none_fields_survive_toml(tmp_path):
    acc = VALID.with_params(ifmap_sram__bandwidth_bytes_per_cycle=None, filter_sram__bandwidth_bytes_per_cycle=4)
    path = save_accelerator(acc, tmp_path / "a.toml")
    assert "bandwidth_bytes_per_cycle = 4" in path.read_text()
    assert load_accelerator(path) == acc


def test_hand_written_yaml_with_units(tmp_path):
    path = tmp_path / "mine.yml"
    path.write_text("""
schema_version: 1
name: mine
clock_hz: 800 MHz
pe_array: {rows: 8, cols: 8, dataflow: os}
buffers:
  - {name: glb, size_bytes: 256 KiB, operands: [ifmap, filter, ofmap], banks: 4}
dram: {bandwidth_bytes_per_cycle: 32}
""")
    acc = load_accelerator(path)
    assert acc.clock_hz == 800e6 and acc.buffer("glb").size_bytes == 256 * 1024
    assert acc.buffer_for("ofmap").name == "glb" and acc.template == "custom"


@pytest.mark.parametrize(("suffix", "text", "needle"), [
    (".toml", "name = ", "not valid TOML"),
    (".toml", "[pe_array\nrows=1", "not valid TOML"),
    (".yaml", "a: [1, 2", "not valid YAML"),
    (".yaml", "- 1\n- 2", "top level must be a mapping"),
    (".yaml", "", "Got nothing"),
    (".json", "{", "not valid JSON"),
    (".json", '"text"', "Got a str"),
    (".toml", "schema_version = 99", "'schema_version' must be 1"),
    (".toml", VALID_TOML.replace("rows = 32", "rowz = 32"), "Did you mean 'rows'"),
    (".toml", VALID_TOML.replace("rows = 32", "rows = 0"), "'rows' field of PEArraySpec must be an int >= 1"),
    (".toml", VALID_TOML.replace("rows = 32", 'rows = "many"'), "'rows' field of PEArraySpec"),
    (".toml", VALID_TOML.replace('dataflow = "ws"', 'dataflow = "rs"'), "one of 'os', 'ws', 'is'"),
    (".toml", VALID_TOML.replace("[dram]", "[dramm]"), "Did you mean 'dram'"),
    (".toml", VALID_TOML[:VALID_TOML.index("[dram]")] + VALID_TOML[VALID_TOML.index("[energy]"):],
     "missing required field(s): dram"),
    (".yaml", VALID_YAML.replace("size_bytes: 65536", "size_bytes: -5"), "'size_bytes' field of BufferSpec"),
    (".yaml", "name: x\npe_array: [1, 2]\nbuffers: []\ndram: {bandwidth_bytes_per_cycle: 1}",
     "'pe_array' field of Accelerator"),
    (".yaml", "name: x\npe_array: {rows: 1, cols: 1}\nbuffers: {a: 1}\ndram: {bandwidth_bytes_per_cycle: 1}",
     "'buffers' field of Accelerator"),
], ids=lambda v: v if len(str(v)) < 40 else "...")
def test_malformed_files_raise_config_error_naming_the_file(tmp_path, suffix, text, needle):
    path = tmp_path / f"broken{suffix}"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_accelerator(path)
    assert str(info.value).startswith(str(path) + ":")
    assert needle in str(info.value)


def test_unknown_key_keeps_its_type_and_attributes(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text(VALID_TOML.replace("word_bytes", "word_byte"))
    with pytest.raises(UnknownNameError) as info:
        load_accelerator(path)
    assert info.value.name == "word_byte" and "word_bytes" in info.value.known
    assert str(info.value).startswith(str(path))


def test_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_accelerator(tmp_path / "absent.toml")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="binary.json"):
        load_accelerator(binary)
    with pytest.raises(ConfigError, match="unsupported file suffix '.ini'"):
        load_accelerator(tmp_path / "a.ini")
    with pytest.raises(ConfigError, match="unsupported file suffix"):
        save_accelerator(VALID, tmp_path / "a.txt")


# -- fuzzing: the only exception that escapes is ConfigError -----------------------------

def _loads_or_config_error(text: str, fmt: str) -> None:
    try:
        acc = loads_accelerator(text, format=fmt, source="fuzz")  # type: ignore[arg-type]
    except ConfigError as exc:
        assert str(exc).startswith("fuzz: ")
    else:
        assert isinstance(acc, Accelerator)


SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=10**300, max_value=10**400)
           | st.floats() | st.text(max_size=12) | st.sampled_from(["64 KiB", "1 GHz", "ws", "ifmap", "-1 B", "1e999"]))
JSONISH = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text(max_size=200), st.sampled_from(["toml", "yaml", "json"]))
def test_random_text(text, fmt):
    _loads_or_config_error(text, fmt)


@FUZZ
@given(st.data(), st.sampled_from(["toml", "yaml"]))
def test_mutated_valid_text(data, fmt):
    text = VALID_TOML if fmt == "toml" else VALID_YAML
    start = data.draw(st.integers(0, len(text)))
    length = data.draw(st.integers(0, 20))
    insert = data.draw(st.text(alphabet="[]{}=:-\"' \n\t#,.0123456789abcxyz_\\", max_size=10))
    _loads_or_config_error(text[:start] + insert + text[start + length:], fmt)


def _mutate(tree: Any, rng: random.Random, replacement: Any) -> Any:
    """Replace one randomly chosen node of ``tree`` (a dict/list tree) by ``replacement``."""
    if isinstance(tree, dict) and tree and rng.random() < 0.8:
        key = rng.choice(list(tree))
        choice = rng.random()
        if choice < 0.1:
            return {k: v for k, v in tree.items() if k != key}  # drop a key
        if choice < 0.2:
            return {**tree, str(replacement)[:8]: replacement}  # add a key
        return {**tree, key: _mutate(tree[key], rng, replacement)}
    if isinstance(tree, list) and tree and rng.random() < 0.8:
        i = rng.randrange(len(tree))
        return tree[:i] + [_mutate(tree[i], rng, replacement)] + tree[i + 1:]
    return replacement


@FUZZ
@given(JSONISH, st.randoms(use_true_random=False))
def test_random_dicts(value, rng):
    for data in (value, _mutate(VALID.to_dict(), rng, value)):
        try:
            acc = accelerator_from_dict(data, source="fuzz")
        except ConfigError as exc:
            assert str(exc).startswith("fuzz: ")
        else:
            assert isinstance(acc, Accelerator)
        if isinstance(data, dict):
            try:
                text = json.dumps({"schema_version": 1, **data})
            except (ValueError, TypeError, OverflowError):
                continue
            _loads_or_config_error(text, "json")
            _loads_or_config_error(yaml.safe_dump(data), "yaml")


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_integer_too_large_for_a_float_field(fmt):
    text = {"yaml": VALID_YAML.replace("bandwidth_bytes_per_cycle: 10.0", "bandwidth_bytes_per_cycle: 1" + "0" * 400),
            "json": json.dumps({**VALID.to_dict(), "clock_hz": 10**400})}[fmt]
    with pytest.raises(ConfigError, match="must be a float"):
        loads_accelerator(text, format=fmt)
