"""Fixtures of the GPU tests."""

from __future__ import annotations

import pytest

from hwcodesign.accelerators import gpus


@pytest.fixture
def own_catalog(tmp_path, monkeypatch):
    """A user catalog file with one board, "My Board" (alias "mb1"), sizes as unit strings; the
    process-wide user catalog is emptied first and restored afterwards."""
    monkeypatch.setattr(gpus, "_USER", {})
    path = tmp_path / "mine.toml"
    path.write_text('schema_version = 1\n[[gpu]]\nname = "My Board"\naliases = ["mb1"]\nsm_count = 4\n'
                    'boost_clock_hz = "1 GHz"\nfp32_flops = 1e12\nmemory_bandwidth_bytes_per_s = 1e11\n'
                    'memory_size_bytes = "8 GiB"\nl2_size_bytes = "1 MiB"\n')
    return path
