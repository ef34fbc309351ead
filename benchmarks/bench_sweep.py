"""Sweep throughput (issue #8): points per second of a 10,000-point systolic sweep on 1 and 2 local
worker processes and on a Dask LocalCluster of 2 worker processes, and the parallel efficiency.

The sweep is the first ``--points`` points of a grid over PE rows and columns, dataflow, SRAM sizes,
DRAM bandwidth and latency, and two variants of the small ``tiny`` network (batch 1 and 4), on the
systolic engine. Each configuration runs into a fresh results store (so every point is evaluated
and written), on a pool whose workers are already started and have imported hwcodesign: this
measures steady-state throughput, store writes included, not process start-up. Parallel efficiency
is (points/s with 2 workers) / (2 x points/s with 1 worker process). On a shared machine the
workers compete with other processes, so the CPU time per point (this process and its workers)
is also reported: its ratio to the 1-worker figure is the efficiency lost to the parallel overhead
alone (pickling, batching, the scheduler, store writes). ``--repeats`` runs of each configuration,
interleaved; the table shows the median and the range, and the load average is printed.

    python3 benchmarks/bench_sweep.py
    python3 benchmarks/bench_sweep.py --points 2000 --repeats 3
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import statistics
import tempfile
import time
from pathlib import Path

from hwcodesign.codesign.sweep import Sweep, evaluate_batch, run_sweep

GRID = {
    "fixed": {"workload": "tiny"},
    "grid": {
        "pe_array__rows": [8, 16, 32, 64, 128],
        "pe_array__cols": [8, 16, 32, 64, 128],
        "pe_array__dataflow": ["os", "ws", "is"],
        "dram__bandwidth_bytes_per_cycle": [2.0, 4.0, 8.0, 16.0, 32.0],
        "dram__latency_cycles": [50, 100, 200, 400],
        "batch": [1, 4],
    },
    "zip": [{"ifmap_sram__size_bytes": [8192, 32768, 131072, 524288],
             "filter_sram__size_bytes": [8192, 32768, 131072, 524288],
             "ofmap_sram__size_bytes": [4096, 16384, 65536, 262144]}],
}  # 5 x 5 x 3 x 5 x 4 x 2 x 4 = 12,000 points


def _warm(executor: cf.Executor, sweep: Sweep, workers: int) -> None:
    """Start every worker and import the engine there, outside the timed region."""
    point = next(sweep.keyed_points())
    list(executor.map(evaluate_batch, [[point]] * (4 * workers)))


def _cpu_seconds() -> float:
    """CPU time of this process (store writes, Dask scheduler) and of its live children (the workers)."""
    import psutil

    total = time.process_time()
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _time(sweep: Sweep, points: int, folder: Path, **how) -> tuple[float, float]:
    """(points per wall second, CPU milliseconds per point) of one run into a fresh store."""
    cpu = _cpu_seconds()
    summary = run_sweep(sweep, folder / f"run-{time.monotonic_ns()}.sqlite", limit=points, **how)
    assert summary.evaluated == points, summary
    return summary.points_per_second, (_cpu_seconds() - cpu) / points * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000, help="points per run (default 10000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per configuration (default 3)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster")
    args = parser.parse_args()
    sweep = Sweep.from_dict(GRID)
    if not 1 <= args.points <= len(sweep):
        parser.error(f"--points must be between 1 and {len(sweep)}")
    print(f"{args.points} points of a {len(sweep)}-point systolic grid, {args.repeats} repeats; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    rates: dict[str, list[float]] = {}
    cpu_ms: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        configs: list[tuple[str, int, object]] = []
        pools = {n: cf.ProcessPoolExecutor(max_workers=n) for n in (1, 2)}
        for n, pool in pools.items():
            _warm(pool, sweep, n)
            configs.append((f"local pool, {n} worker{'s' * (n > 1)}", n, {"executor": pool}))
        cluster = client = None
        if not args.no_dask:
            from dask.distributed import Client, LocalCluster

            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
            client = Client(cluster)
            _warm(client.get_executor(), sweep, 2)
            configs.append(("Dask LocalCluster, 2 workers", 2, {"scheduler": client}))
        try:
            for _ in range(args.repeats):  # interleaved, so a burst of load elsewhere hits every configuration
                for label, _n, how in configs:
                    rate, ms = _time(sweep, args.points, folder, **how)
                    rates.setdefault(label, []).append(rate)
                    cpu_ms.setdefault(label, []).append(ms)
        finally:
            for pool in pools.values():
                pool.shutdown()
            if client is not None:
                client.close()
                cluster.close()
    one = statistics.median(rates["local pool, 1 worker"])
    one_cpu = statistics.median(cpu_ms["local pool, 1 worker"])
    print(f"\n{'configuration':30s} {'points/s':>9s} {'range':>15s} {'parallel eff.':>14s} "
          f"{'CPU ms/point':>13s} {'CPU eff.':>9s}")
    for label, n, _how in configs:
        median, ms = statistics.median(rates[label]), statistics.median(cpu_ms[label])
        print(f"{label:30s} {median:9.1f} {min(rates[label]):7.1f}-{max(rates[label]):<7.1f} "
              f"{median / (n * one):14.0%} {ms:13.2f} {one_cpu / ms:9.0%}")
    print(f"\nload average at end {os.getloadavg()[0]:.1f}. Parallel efficiency = points/s / (workers x points/s "
          "of 1 worker), goal >= 80%;\nit needs the workers' cores free. CPU eff. = CPU time per point with 1 worker "
          "/ with this configuration\n(the parallel overhead alone, whatever else loads the machine).")


if __name__ == "__main__":
    main()
