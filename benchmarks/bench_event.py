"""Speed of the event engine (issue #4): events per second against raw SimPy, and whole-network wall times.

For each network on a ``--cores``-core NPU (``systolic`` cores, one DRAM channel) this prints

* the wall time of `hwcodesign.simulator.event.run` (lowering + simulation + table), median of
  ``--repeats`` runs (target: < 2 s for ResNet-50 and BERT-base on 4 cores);
* the SimPy events our engine scheduled per second of that run's simulation, next to a raw SimPy
  micro-benchmark of the same machine shape run in the same process: one process per task of the same
  task graph, the same resources (per core a MAC array, a vector unit and DMA engines, the DRAM
  channels), the same dependencies, timeouts of the same durations, and no bookkeeping (no probe,
  scratchpad, energy or table). Target: ours >= 50% of raw.

    python3 benchmarks/bench_event.py
    python3 benchmarks/bench_event.py --networks resnet50 --cores 4 --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import time

import simpy

from hwcodesign.accelerators import get_accelerator
from hwcodesign.simulator.event import execute, lower_network, run
from hwcodesign.workloads import get_workload


def raw_simpy(graph, accelerator, durations: list[float]) -> tuple[int, float]:
    """The same machine shape in bare SimPy; return (events scheduled, seconds)."""
    t0 = time.perf_counter()
    env = simpy.Environment()
    cores = [{"mac": simpy.Resource(env, 1), "vector": simpy.Resource(env, 1), "dma": [simpy.Resource(env, 1)] * 1}
             for _ in range(graph.cores)]
    for c in cores:
        c["dma"] = [simpy.Resource(env, 1), simpy.Resource(env, 1)]
    channel = simpy.Resource(env, 1)
    latency = accelerator.dram.latency_cycles
    done = [env.event() for _ in graph.tasks]

    def task(i, t):
        for d in t.deps:
            if not done[d].processed:
                yield done[d]
        if t.unit == "dma":
            with cores[t.core]["dma"][0].request() as req:
                yield req
                with channel.request() as ch:
                    yield ch
                    yield env.timeout(durations[i])
            if latency:
                yield env.timeout(latency)
        elif t.unit in ("mac", "vector"):
            with cores[t.core][t.unit].request() as req:
                yield req
                yield env.timeout(durations[i])
        done[i].succeed()

    for i, t in enumerate(graph.tasks):
        env.process(task(i, t))
    env.run()
    return next(env._eid), time.perf_counter() - t0  # _eid counts every event SimPy scheduled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", nargs="+", default=["resnet50", "bert_base"])
    parser.add_argument("--cores", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    acc = get_accelerator("systolic")
    bw = acc.dram.bandwidth_bytes_per_cycle
    print(f"{args.cores}-core NPU of {acc.name} ({acc.pe_array.rows}x{acc.pe_array.cols}, "
          f"{bw:g} B/cycle DRAM, {acc.dram.channels} channel), median of {args.repeats}")
    print(f"{'network':10s} {'wall_s':>7s} {'lower_s':>7s} {'sim_s':>7s} {'tasks':>7s} {'events':>8s} "
          f"{'ours_ev/s':>10s} {'raw_ev/s':>10s} {'ratio':>6s} {'makespan_cycles':>16s}")
    for name in args.networks:
        workload = get_workload(name)
        walls, lowers, sims, raws = [], [], [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            result = run(workload, acc, cores=args.cores)
            walls.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            graph = lower_network(workload, acc, cores=args.cores)
            lowers.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            _, _, timeline = execute(graph, acc)
            sims.append(time.perf_counter() - t0)
            durations = [t.cycles if t.unit != "dma" else t.nbytes / bw for t in graph.tasks]
            raw_events, raw_s = raw_simpy(graph, acc, durations)
            raws.append(raw_events / raw_s)
        events = timeline.extra["sim_events"]
        ours = events / statistics.median(sims)
        raw = statistics.median(raws)
        print(f"{name:10s} {statistics.median(walls):7.2f} {statistics.median(lowers):7.2f} "
              f"{statistics.median(sims):7.2f} {len(graph.tasks):7d} {events:8d} {ours:10.0f} {raw:10.0f} "
              f"{ours / raw:6.2f} {result.timeline.makespan_cycles:16.0f}")


if __name__ == "__main__":
    main()
