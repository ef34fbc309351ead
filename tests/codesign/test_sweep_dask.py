"""The Dask path against a real LocalCluster: same records as a serial run, resume skips finished points."""

from __future__ import annotations

import pytest

from hwcodesign.codesign.store import ResultStore
from hwcodesign.codesign.sweep import Sweep, run_sweep

distributed = pytest.importorskip("dask.distributed")

SWEEP = {
    "fixed": {"workload": "tiny"},
    "grid": {"pe_array__rows": [4, 8, 16], "pe_array__cols": [4, 16], "pe_array__dataflow": ["os", "ws"]},
}  # 12 points


def _records(path):
    with ResultStore(path, kind="sweep") as store:
        return dict(store.records())


def test_local_cluster_by_client_and_by_address(tmp_path):
    sweep = Sweep.from_dict(SWEEP)
    run_sweep(sweep, tmp_path / "serial.sqlite", jobs=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as client:
            first = run_sweep(sweep, tmp_path / "dask.sqlite", scheduler=client, batch_size=2, limit=7)
            assert (first.workers, first.evaluated, first.remaining) == (2, 7, 5)
            assert client.status == "running"  # a Client we were given stays open
        # By address, as `hwcodesign sweep --scheduler tcp://...` does: resumes the 5 missing points.
        second = run_sweep(sweep, tmp_path / "dask.sqlite", scheduler=cluster.scheduler_address, batch_size=2)
        assert (second.skipped, second.evaluated) == (7, 5)
    assert _records(tmp_path / "dask.sqlite") == _records(tmp_path / "serial.sqlite")
