"""NASAIC-style co-exploration vs the successive baseline, and the co-exploration throughput.

Problem (as in NASAIC, Yang et al., DAC 2020): three tasks (CIFAR-10, CIFAR-100,
ImageNet16-120), one NAS-Bench-201 network each (measured accuracy), and a chip of up to
three sub-accelerators built from three dataflow templates (nvdla_like, shidiannao_like,
eyeriss_like), sharing 2048 PEs and 64 bytes/cycle of DRAM bandwidth, at 28 nm and 1 GHz.
Specs: latency (the slowest sub-accelerator running its networks one after another),
energy (all networks) and area (all sub-accelerators); docs/coexploration.md says how they
were chosen.

For each seed, co-exploration (``--strategy``, default evolution) and the successive
baseline (each task's most accurate network, then the same strategy over the hardware
only) get the same budget of design points. The table gives specs met, accuracy per task,
latency, energy, area, and the baseline/co-exploration ratios of each metric.

Throughput: design points per minute, each a full simulation of three whole networks on
the analytical engine, (a) cold: from an empty operator cache, mapping every new
(sub-accelerator, operator shape) pair in ``--jobs`` processes, as wall clock and, from the
CPU time used, as an estimate for two dedicated cores (the machine may be shared); (b) warm:
every sub-accelerator of the space already mapped, one process, median of ``--repeat`` runs.

Run: ``python benchmarks/bench_coexplore.py`` (about 5 minutes on 2 cores), ``--quick`` for a
smaller check (about a minute).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

import numpy as np

from hwcodesign.codesign.evaluate import METRICS, Evaluator, OperatorCosts, Specs
from hwcodesign.codesign.explore import explore, successive
from hwcodesign.codesign.space import CodesignSpace

TASKS = ("cifar10", "cifar100", "imagenet16")
TEMPLATES = ("nvdla_like", "shidiannao_like", "eyeriss_like")
SPECS = Specs(latency_ms=0.5, energy_mj=2.5, area_mm2=1.0)


def _row(label: str, seed: int, summary: dict) -> str:
    acc = " ".join(f"{summary['accuracy'][t]:6.2f}" for t in TASKS)
    met = "yes" if summary["specs_met"] else f"no ({summary['violated']})"
    return (f"{label:12s} {seed:4d}  {met:38s} {acc}  {summary['accuracy_mean']:6.2f}  {summary['latency_ms']:7.3f}  "
            f"{summary['energy_mj']:6.3f}  {summary['area_mm2']:6.3f}  {summary['chip']['label']}")


def _cpu_s() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (the pool's workers, once shut down)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def throughput_cold(space: CodesignSpace, points: list[dict], jobs: int) -> dict:
    """From an empty cache (operator costs mapped in ``jobs`` processes, batches of 50): points per minute of
    wall clock, the CPU seconds of this process and of the workers, the seconds spent mapping, the cache."""
    from concurrent.futures import ProcessPoolExecutor

    evaluator = Evaluator(space, SPECS, costs=OperatorCosts())
    mapping = 0.0
    own0, children0 = _cpu_s()
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for i in range(0, len(points), 50):
            chunk = points[i:i + 50]
            t = time.perf_counter()
            evaluator.prefetch(chunk, pool=pool if jobs > 1 else None)
            mapping += time.perf_counter() - t
            for point in chunk:
                evaluator.evaluate(point)
    wall = time.perf_counter() - start
    own1, children1 = _cpu_s()
    return {"per_min": 60 * len(points) / wall, "wall_s": wall, "main_cpu_s": own1 - own0,
            "worker_cpu_s": children1 - children0, "mapping_s": mapping, "costs": evaluator.costs}


def throughput_warm(space: CodesignSpace, points: list[dict], costs: OperatorCosts) -> float:
    """Points per minute with every operator cost cached (a fresh evaluator: networks are re-summed)."""
    evaluator = Evaluator(space, SPECS, costs=costs)
    start = time.perf_counter()
    for point in points:
        evaluator.evaluate(point)
    return 60 * len(points) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 seeds, 200 throughput points, 1 repeat")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=int, default=300)
    parser.add_argument("--strategy", default="evolution")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--points", type=int, default=1000, help="random design points for the throughput runs")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.points, args.repeat = 2, 200, 1
    space = CodesignSpace.nb201(TASKS, templates=TEMPLATES)
    hw = space.hardware
    print(f"tasks {', '.join(TASKS)}; templates {', '.join(TEMPLATES)}; up to {hw.max_subs} sub-accelerators, "
          f"{hw.pe_budget} PEs, {hw.bandwidth_budget:g} B/cycle; specs {SPECS}")
    print(f"strategy {args.strategy}, budget {args.budget} points per run, seeds 0..{args.seeds - 1}\n")

    rng = np.random.default_rng(1234)
    search = space.search_space()
    points = [search.sample(rng) for _ in range(args.points)]
    cold = throughput_cold(space, points, args.jobs)
    costs = cold["costs"]
    header = (f"{'method':12s} {'seed':>4s}  {'specs met':38s} " + " ".join(f"{t[:6]:>6s}" for t in TASKS)
              + "    mean  lat_ms  en_mJ  area_mm2  chip")
    print(header)
    outcomes = []  # the seeds reuse the cache the cold run filled; their seconds are not a throughput
    for seed in range(args.seeds):
        co = explore(space, SPECS, strategy=args.strategy, budget=args.budget, seed=seed, jobs=args.jobs, costs=costs)
        base = successive(space, SPECS, strategy=args.strategy, budget=args.budget, seed=seed, jobs=args.jobs,
                          costs=costs)
        c, b = co.summary(), base.summary()
        print(_row("co-explore", seed, c))
        print(_row("successive", seed, b))
        ratios = "  ".join(f"{m} {b[m] / c[m]:.2f}x" for m in METRICS)
        print(f"{'':12s} {'':4s}  successive / co-exploration: {ratios}; accuracy "
              f"{c['accuracy_mean'] - b['accuracy_mean']:+.2f} points\n")
        outcomes.append((c["specs_met"], b["specs_met"]))

    violated = [i for i, (_, b) in enumerate(outcomes) if not b]
    held = all(outcomes[i][0] for i in violated)
    print(f"successive violates a spec in {len(violated)} of {len(outcomes)} seeds; co-exploration meets every spec "
          f"in {'all' if held else 'NOT all'} of those ({sum(outcomes[i][0] for i in violated)}/{len(violated)}); "
          f"co-exploration meets every spec in {sum(c for c, _ in outcomes)}/{len(outcomes)} seeds overall.")

    warm = statistics.median(throughput_warm(space, points, costs) for _ in range(args.repeat))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nthroughput, {args.points} random design points (3 whole NB201 networks each, analytical engine); "
          f"{os.cpu_count()} CPUs, load average {load:.1f}:")
    print(f"  cold (empty cache, {args.jobs} processes mapping {costs.accelerators} distinct sub-accelerators, "
          f"{len(costs)} (sub-accelerator, operator shape) pairs): {cold['per_min']:,.0f} points/min of wall clock "
          f"({cold['wall_s']:.0f} s, {cold['mapping_s']:.0f} s of it mapping)")
    # On a machine shared with other work the wall clock overstates the cost; the CPU time does not. With the
    # mapping split over the workers and the sums in this process, two dedicated cores need about
    # max(total / 2, this process's share) seconds.
    cpu = cold["main_cpu_s"] + cold["worker_cpu_s"]
    dedicated = max(cpu / 2, cold["main_cpu_s"])
    print(f"        CPU time {cpu:.0f} s ({cold['main_cpu_s']:.0f} s this process, {cold['worker_cpu_s']:.0f} s "
          f"workers): about {60 * len(points) / dedicated:,.0f} points/min on 2 dedicated cores")
    print(f"  warm (every sub-accelerator mapped, 1 process, median of {args.repeat}): {warm:,.0f} points/min")


if __name__ == "__main__":
    main()
