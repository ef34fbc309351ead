"""Accelerator.levels() and spatial_array() are derived once per instance, invisibly."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from hwcodesign.accelerators import get_accelerator


def test_derived_once_and_shared():
    acc = get_accelerator("eyeriss_like")
    assert acc.levels() is acc.levels()
    assert acc.spatial_array() is acc.spatial_array()
    assert [(lv.name, lv.instances) for lv in acc.levels()] == [("rf", 168), ("glb", 1), ("dram", 1)]  # 12 x 14 PEs


def test_variants_derive_their_own():
    acc = get_accelerator("systolic", rows=8, cols=4, dataflow="os")
    assert [d.size for d in acc.spatial_array().dims] == [8, 4]  # fills the original's cache first
    wider = acc.with_params(pe_array__rows=32)
    assert [d.size for d in wider.spatial_array().dims] == [32, 4]
    renamed = dataclasses.replace(acc, name="other")
    assert "_cached_levels" not in vars(renamed)
    assert renamed.levels() == acc.levels()


def test_equality_hash_repr_and_pickles_ignore_the_cache():
    fresh, used = get_accelerator("eyeriss_like"), get_accelerator("eyeriss_like")
    before = (pickle.dumps(used), hash(used), repr(used))
    used.levels(), used.spatial_array(), used.sram_bytes
    assert (pickle.dumps(used), hash(used), repr(used)) == before
    assert used == fresh and hash(used) == hash(fresh)
    for clone in (pickle.loads(pickle.dumps(used)), copy.deepcopy(used), copy.copy(used)):
        assert clone == used and "_cached_levels" not in vars(clone)
        assert clone.levels() == used.levels()


def test_cache_cannot_be_assigned():
    acc = get_accelerator("systolic")
    with pytest.raises(dataclasses.FrozenInstanceError):
        acc._cached_levels = ()
