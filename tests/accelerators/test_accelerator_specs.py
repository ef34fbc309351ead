"""Validation, derived quantities and parameter names of the accelerator specs."""

from __future__ import annotations

import pytest

from hwcodesign.accelerators import (
    Accelerator,
    BufferSpec,
    DRAMSpec,
    PEArraySpec,
    get_accelerator,
)
from hwcodesign.core import ConfigError, UnknownNameError, get_params, with_params


def _buffers(*specs: tuple[str, tuple[str, ...]]) -> tuple[BufferSpec, ...]:
    return tuple(BufferSpec(name=n, size_bytes="1 KiB", operands=ops) for n, ops in specs)


def _acc(buffers: tuple[BufferSpec, ...], **kwargs) -> Accelerator:
    return Accelerator(name="t", pe_array=PEArraySpec(rows=2, cols=3), buffers=buffers,
                       dram=DRAMSpec(bandwidth_bytes_per_cycle=4), **kwargs)


GLB = _buffers(("glb", ("ifmap", "filter", "ofmap")))


def test_units_parsed_and_derived_quantities():
    acc = _acc(GLB, clock_hz="200 MHz", word_bytes=2)
    assert acc.clock_hz == 200e6
    assert acc.num_pes == acc.peak_macs_per_cycle == 6
    assert acc.peak_macs_per_second == 6 * 200e6
    assert acc.sram_bytes == 1024
    assert acc.seconds(200) == pytest.approx(1e-6)
    assert acc.pe_array.dataflow == "ws"


@pytest.mark.parametrize(("cls", "kwargs", "field", "allowed"), [
    (PEArraySpec, {"rows": 0, "cols": 1}, "rows", ">= 1"),
    (PEArraySpec, {"rows": 1, "cols": -4}, "cols", ">= 1"),
    (PEArraySpec, {"rows": 1, "cols": 1, "dataflow": "rs"}, "dataflow", "one of 'os', 'ws', 'is'"),
    (PEArraySpec, {"rows": 1.5, "cols": 1}, "rows", "an int"),
    (PEArraySpec, {"rows": True, "cols": 1}, "rows", "an int"),
    (BufferSpec, {"name": "b", "size_bytes": -1, "operands": ("ifmap",)}, "size_bytes", ">= 1"),
    (BufferSpec, {"name": "b", "size_bytes": "-3 KiB", "operands": ("ifmap",)}, "size_bytes", ">= 1"),
    (BufferSpec, {"name": "b", "size_bytes": "3 parsecs", "operands": ("ifmap",)}, "size_bytes", "unit"),
    (BufferSpec, {"name": "b", "size_bytes": 8, "operands": ("weights",)}, "operands", "'filter'"),
    (BufferSpec, {"name": "b", "size_bytes": 8, "operands": ()}, "operands", "non-empty"),
    (BufferSpec, {"name": "b", "size_bytes": 8, "operands": ("ifmap", "ifmap")}, "operands", "repeats"),
    (BufferSpec, {"name": "a b", "size_bytes": 8, "operands": ("ifmap",)}, "name", "identifier"),
    (BufferSpec, {"name": "a__b", "size_bytes": 8, "operands": ("ifmap",)}, "name", "'__'"),
    (BufferSpec, {"name": "b", "size_bytes": 8, "operands": ("ifmap",), "banks": 0}, "banks", ">= 1"),
    (BufferSpec, {"name": "b", "size_bytes": 8, "operands": ("ifmap",), "bandwidth_bytes_per_cycle": 0},
     "bandwidth_bytes_per_cycle", "> 0"),
    (DRAMSpec, {"bandwidth_bytes_per_cycle": -1}, "bandwidth_bytes_per_cycle", "> 0"),
    (DRAMSpec, {"bandwidth_bytes_per_cycle": float("nan")}, "bandwidth_bytes_per_cycle", "finite"),
    (DRAMSpec, {"bandwidth_bytes_per_cycle": 1, "latency_cycles": -1}, "latency_cycles", ">= 0"),
    (DRAMSpec, {"bandwidth_bytes_per_cycle": 1, "bandwidth_scope": "private"}, "bandwidth_scope", "'per_operand'"),
])
def test_bad_values_name_the_field_and_the_allowed_values(cls, kwargs, field, allowed):
    with pytest.raises(ConfigError) as info:
        cls(**kwargs)
    message = str(info.value)
    assert repr(field) in message and cls.__name__ in message and allowed in message


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"clock_hz": 0}, "clock_hz"),
    ({"clock_hz": "fast"}, "clock_hz"),
    ({"word_bytes": 0}, "word_bytes"),
    ({"word_bytes": 16}, "word_bytes"),
    ({"tech_node_nm": -7}, "tech_node_nm"),
    ({"vector_lanes": 0}, "vector_lanes"),
])
def test_bad_accelerator_fields(kwargs, field):
    with pytest.raises(ConfigError, match=repr(field)):
        _acc(GLB, **kwargs)


@pytest.mark.parametrize(("buffers", "needle"), [
    ((), "non-empty"),
    (_buffers(("a", ("ifmap", "filter", "ofmap")), ("a", ("ifmap",))), "unique names"),
    (_buffers(("a", ("ifmap", "filter")),), "'ofmap' in 0"),
    (tuple(BufferSpec(name=n, size_bytes=8, operands=ops, level="l") for n, ops in
           (("a", ("ifmap", "filter", "ofmap")), ("b", ("ifmap",)))), "'ifmap' in 2: ['a', 'b'] (level 'l')"),
    (tuple(BufferSpec(name=n, size_bytes=8, operands=("ifmap", "filter", "ofmap"), level=lv) for n, lv in
           (("a", "x"), ("b", "y"), ("c", "x"))), "level 'x' are adjacent"),
    (_buffers(("dram", ("ifmap", "filter", "ofmap")),), "named differently"),
    (_buffers(("vector_unit", ("ifmap", "filter", "ofmap")),), "named differently"),
])
def test_cross_field_checks_name_buffers(buffers, needle):
    with pytest.raises(ConfigError) as info:
        _acc(buffers)
    assert "'buffers' field of Accelerator(name='t')" in str(info.value)
    assert needle in str(info.value)


def test_buffer_lookup():
    acc = get_accelerator("systolic")
    assert acc.buffer_for("ifmap") is acc.buffer("ifmap_sram")
    assert acc.buffer_for("filter").name == "filter_sram"
    with pytest.raises(UnknownNameError, match="Did you mean 'ifmap_sram'"):
        acc.buffer("ifmap_sramm")
    with pytest.raises(UnknownNameError, match="Unknown operand 'weights'"):
        acc.buffer_for("weights")  # type: ignore[arg-type]


def test_working_and_bank_bytes():
    b = BufferSpec(name="b", size_bytes=1000, operands=("ifmap",), banks=4, double_buffered=True)
    assert b.working_bytes == 500 and b.bank_bytes == 250
    assert BufferSpec(name="b", size_bytes=1001, operands=("ifmap",)).working_bytes == 1001


def test_params_positional_and_by_buffer_name():
    acc = get_accelerator("systolic")
    params = get_params(acc)
    assert params["pe_array__rows"] == 32
    assert params["buffers__1__name"] == "filter_sram"
    assert params["buffers__1__size_bytes"] == 64 * 1024
    assert params["dram__bandwidth_bytes_per_cycle"] == 16.0
    assert params["energy__mult_8bit_pj"] == 0.2
    assert with_params(acc, pe_array__rows=64).num_pes == 64 * 32
    assert with_params(acc, buffers__1__size_bytes="1 MiB").buffer("filter_sram").size_bytes == 2**20
    named = acc.with_params(filter_sram__size_bytes="1 MiB", pe_array__dataflow="os", clock_hz="2 GHz")
    assert named.buffer("filter_sram").size_bytes == 2**20
    assert named.pe_array.dataflow == "os" and named.clock_hz == 2e9
    assert named == with_params(acc, **{acc.param_name("filter_sram", "size_bytes"): 2**20,
                                        "pe_array__dataflow": "os", "clock_hz": 2e9})
    assert acc.param_name("ofmap_sram", "banks") == "buffers__2__banks"
    with pytest.raises(UnknownNameError, match="size_bytes"):
        acc.param_name("ofmap_sram", "size")
    with pytest.raises(UnknownNameError):
        acc.with_params(glb__size_bytes=1)
    with pytest.raises(ConfigError, match="'size_bytes' field of BufferSpec"):
        acc.with_params(ifmap_sram__size_bytes=0)


def test_renamed_buffer_keeps_checks():
    acc = get_accelerator("systolic")
    with pytest.raises(ConfigError, match="unique names"):
        acc.with_params(ifmap_sram__name="filter_sram")


def test_frozen_hashable_and_html():
    acc = get_accelerator("tpu_like")
    with pytest.raises(AttributeError):
        acc.name = "x"  # type: ignore[misc]
    assert hash(acc) == hash(get_accelerator("tpu_like"))
    html = acc._repr_html_()
    assert "<table>" in html and "256 x 256" in html and "ifmap_sram" in html
