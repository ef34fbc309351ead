"""Every zoo network: parameters, MACs, operators, tensor edges and build time.

Builds each registered workload (default options, plus the variants listed in
``VARIANTS``) ``--repeats`` times and prints one row per network with the median build
time; the machine is shared, so the median and the slowest network are what to quote.
``--markdown`` prints the rows as the table in docs/workloads.md.

    python3 benchmarks/bench_zoo_build.py --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import time

from hwcodesign.workloads import WORKLOADS, get_workload

#: Non-default options worth a row of their own.
VARIANTS = {
    "fcn_resnet50": [{"aux": True}],
    "deeplabv3_resnet50": [{"aux": True}],
    "darts": [{"dataset": "imagenet"}],
    "gpt2": [{"phase": "decode"}],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    rows = []
    for name in sorted(WORKLOADS.names()):
        for kwargs in [{}, *VARIANTS.get(name, [])]:
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                w = get_workload(name, **kwargs)
                times.append(time.perf_counter() - start)
            label = name + "".join(f" {k}={v}" for k, v in kwargs.items())
            rows.append((label, w.params, w.macs, len(w), w.graph.number_of_edges(), statistics.median(times)))
    if args.markdown:
        print("| network | params | MACs | operators | edges |")
        print("|---|---:|---:|---:|---:|")
        for label, params, macs, ops, edges, _ in rows:
            print(f"| `{label}` | {params:,} | {macs / 1e6:,.1f}M | {ops} | {edges} |")
        return
    print(f"{'network':38s} {'params':>12s} {'MACs (M)':>12s} {'ops':>6s} {'edges':>6s} {'build (ms)':>10s}")
    for label, params, macs, ops, edges, seconds in rows:
        print(f"{label:38s} {params:12,d} {macs / 1e6:12,.1f} {ops:6d} {edges:6d} {seconds * 1e3:10.1f}")
    slowest = max(rows, key=lambda row: row[-1])
    print(f"slowest build: {slowest[0]} {slowest[-1] * 1e3:.0f} ms (median of {args.repeats})")


if __name__ == "__main__":
    main()
