"""A sweep killed with SIGKILL mid-run and restarted loses nothing and stores nothing twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hwcodesign.codesign.store import ResultStore
from hwcodesign.codesign.sweep import load_sweep, run_sweep

ROOT = Path(__file__).parents[2]

DEFINITION = """
name = "kill_me"
[fixed]
workload = "tiny"
[grid]
pe_array__rows = [4, 8, 16, 32]
pe_array__cols = [4, 8, 16, 32]
pe_array__dataflow = ["os", "ws", "is"]
dram__bandwidth_bytes_per_cycle = [4.0, 16.0]
"""  # 96 points


def _stored(path: Path) -> int:
    try:
        conn = sqlite3.connect(path, timeout=5)
        try:
            return conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:  # not created yet
        return 0


def _sweep_command(toml: Path, out: Path, jobs: int) -> list[str]:
    return [sys.executable, "-m", "hwcodesign", "sweep", str(toml), "--out", str(out), "--jobs", str(jobs),
            "--batch-size", "4", "--quiet"]


@pytest.mark.parametrize("jobs", [2])
def test_sigkill_then_resume_stores_every_point_once_with_identical_values(tmp_path, jobs):
    toml = tmp_path / "kill_me.toml"
    toml.write_text(DEFINITION)
    out = tmp_path / "killed.sqlite"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(_sweep_command(toml, out, jobs), cwd=tmp_path, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while _stored(out) < 12 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, f"the sweep ended before it could be killed: {proc.stderr.read().decode()}"
        os.kill(proc.pid, signal.SIGKILL)  # the sweep process only; its pool workers must notice and leave
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    killed_at = _stored(out)
    assert 12 <= killed_at < 96
    if jobs > 1:  # orphaned pool workers exit within their 1 s watch period
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail("pool workers outlived the killed sweep process")
    conn = sqlite3.connect(out)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()

    resumed = subprocess.run(_sweep_command(toml, out, jobs), cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr

    reference = tmp_path / "uninterrupted.sqlite"
    summary = run_sweep(load_sweep(toml), reference, jobs=1)
    assert summary.evaluated == 96
    with ResultStore(out, kind="sweep") as store, ResultStore(reference, kind="sweep") as ref:
        keys = [key for key, _ in store.records()]
        assert len(keys) == len(set(keys)) == 96
        assert dict(store.records()) == dict(ref.records())
