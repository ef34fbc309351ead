"""Fuzzing the workload file loaders: whatever a file holds, only ConfigError escapes."""

from __future__ import annotations

import contextlib
import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hwcodesign.core import ConfigError
from hwcodesign.workloads import get_workload, load_workload

SUFFIXES = (".json", ".toml", ".yaml")
VALID = get_workload("tiny").to_dict()
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=True),
                    st.text(max_size=8))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(SUFFIXES), st.text(max_size=200))
def test_random_text(tmp_path, suffix, text):
    path = tmp_path / f"w{suffix}"
    path.write_text(text)
    with contextlib.suppress(ConfigError):
        load_workload(path)


def _mutate(data, path, value):
    """Replace the item at ``path`` (indices into nested dicts/lists) with ``value``."""
    if not path or not isinstance(data, (dict, list)) or not data:
        return value
    keys = list(data) if isinstance(data, dict) else list(range(len(data)))
    key = keys[path[0] % len(keys)]
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[key] = _mutate(copy[key], path[1:], value)
    return copy


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(0, 50), min_size=1, max_size=5), scalars, st.sampled_from((".json", ".yaml")))
def test_one_value_replaced(tmp_path, path, value, suffix):
    data = _mutate(VALID, path, value)
    file = tmp_path / f"w{suffix}"
    try:
        file.write_text(json.dumps(data) if suffix == ".json" else yaml.safe_dump(data))
    except (ValueError, TypeError, OverflowError):  # not representable in that format
        return
    with contextlib.suppress(ConfigError):
        load_workload(file)
