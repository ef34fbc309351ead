"""Validation, dict round trips and a__b parameters of `hwcodesign.core.spec`."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hwcodesign.core import ConfigError, Spec, UnknownNameError, get_params, spec_field, with_params


@dataclass(frozen=True, kw_only=True)
class Leaf(Spec):
    name: str = spec_field(default="leaf")
    size_bytes: int = spec_field(ge=1, unit="bytes")
    ratio: float = spec_field(default=0.5, ge=0, le=1)


@dataclass(frozen=True, kw_only=True)
class Tree(Spec):
    leaf: Leaf
    leaves: tuple[Leaf, ...] = ()
    mode: str = spec_field(default="os", choices=("os", "ws", "is"))


def test_units_parsed_and_numbers_coerced():
    assert Leaf(size_bytes="2 KiB").size_bytes == 2048
    assert Leaf(size_bytes=8.0).size_bytes == 8
    assert isinstance(Leaf(size_bytes=8, ratio=1).ratio, float)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"size_bytes": 0}, ["'size_bytes'", "Leaf(name='leaf')", ">= 1", "Got 0"]),
        ({"size_bytes": 1.5}, ["'size_bytes'", "an int"]),
        ({"size_bytes": True}, ["'size_bytes'", "an int"]),
        ({"size_bytes": 4, "ratio": 2.0}, ["'ratio'", "<= 1"]),
        ({"size_bytes": 4, "ratio": float("nan")}, ["'ratio'", "finite"]),
        ({"size_bytes": "4 furlongs"}, ["'size_bytes'", "KiB"]),
    ],
)
def test_bad_values_name_field_and_bound(kwargs, words):
    with pytest.raises(ConfigError) as info:
        Leaf(**kwargs)
    for word in words:
        assert word in str(info.value)


def test_choices_listed_in_error():
    with pytest.raises(ConfigError, match="one of 'os', 'ws', 'is'. Got 'xs'"):
        Tree(leaf=Leaf(size_bytes=1), mode="xs")


def test_round_trip_and_unknown_key():
    tree = Tree(leaf=Leaf(size_bytes=4), leaves=(Leaf(size_bytes=1), Leaf(name="b", size_bytes=2)))
    assert Tree.from_dict(tree.to_dict()) == tree
    assert eval(repr(tree)) == tree
    with pytest.raises(UnknownNameError, match="Did you mean.*'leaves'"):
        Tree.from_dict({"leaf": {"size_bytes": 1}, "leafs": []})
    with pytest.raises(ConfigError, match="missing required field"):
        Tree.from_dict({"mode": "os"})


def test_params_flat_names_and_replacement():
    tree = Tree(leaf=Leaf(size_bytes=4), leaves=(Leaf(size_bytes=1),))
    params = get_params(tree)
    assert params["leaf__size_bytes"] == 4
    assert params["leaves__0__size_bytes"] == 1
    changed = with_params(tree, leaf__size_bytes="1 KiB", leaves__0__ratio=0.25, mode="ws")
    assert (changed.leaf.size_bytes, changed.leaves[0].ratio, changed.mode) == (1024, 0.25, "ws")
    assert tree.leaf.size_bytes == 4  # the original is untouched
    with pytest.raises(UnknownNameError, match="leaf__size_bytes"):
        with_params(tree, leaf__size_byte=3)
    with pytest.raises(ConfigError):
        with_params(tree, leaf__size_bytes=-1)


@given(st.one_of(st.integers(), st.floats(), st.text(), st.none(), st.booleans(), st.lists(st.integers())))
def test_any_value_either_builds_or_raises_config_error(value):
    try:
        leaf = Leaf(size_bytes=value)
    except ConfigError:
        return
    assert isinstance(leaf.size_bytes, int) and leaf.size_bytes >= 1
