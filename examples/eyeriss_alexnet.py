"""Eyeriss-like on AlexNet's five conv layers at batch 4, in the units the Eyeriss papers report.

Per layer: processing latency (ms), global-buffer and DRAM traffic (MB) and power (mW)
at 200 MHz, for the best-energy mapping the layer mapper finds. The layers are the
original AlexNet's (Krizhevsky et al. 2012: 96-256-384-384-256 filters, two groups in
conv2, conv4 and conv5), as Chen et al. (ISSCC 2016, JSSC 2017) ran them, at 16 bits.

Run: ``python examples/eyeriss_alexnet.py [--objective energy|latency|edp]``.
"""

from __future__ import annotations

import argparse

from hwcodesign.accelerators import get_accelerator
from hwcodesign.mapper import map_layer
from hwcodesign.workloads.operators import Conv2d

BATCH = 4
LAYERS = (
    Conv2d(name="conv1", in_channels=3, out_channels=96, in_h=227, in_w=227, kernel_h=11, kernel_w=11,
           stride_h=4, stride_w=4, batch=BATCH),
    Conv2d(name="conv2", in_channels=96, out_channels=256, in_h=27, in_w=27, kernel_h=5, kernel_w=5,
           pad_h=2, pad_w=2, groups=2, batch=BATCH),
    Conv2d(name="conv3", in_channels=256, out_channels=384, in_h=13, in_w=13, kernel_h=3, kernel_w=3,
           pad_h=1, pad_w=1, batch=BATCH),
    Conv2d(name="conv4", in_channels=384, out_channels=384, in_h=13, in_w=13, kernel_h=3, kernel_w=3,
           pad_h=1, pad_w=1, groups=2, batch=BATCH),
    Conv2d(name="conv5", in_channels=384, out_channels=256, in_h=13, in_w=13, kernel_h=3, kernel_w=3,
           pad_h=1, pad_w=1, groups=2, batch=BATCH),
)


def report(objective: str = "energy", budget: int = 20_000) -> list[dict[str, float]]:
    """One dict per layer: latency_ms, glb_mb, dram_mb, power_mw (and the energy split)."""
    acc = get_accelerator("eyeriss_like")
    rows = []
    for op in LAYERS:
        r = map_layer(op, acc, objective=objective, precision="int16", budget=budget).record
        seconds = r["latency_s"]
        rows.append({
            "layer": op.name, "latency_ms": seconds * 1e3,
            "glb_mb": (r["glb_read_bytes"] + r["glb_write_bytes"]) / 1e6,
            "dram_mb": (r["dram_read_bytes"] + r["dram_write_bytes"]) / 1e6,
            "power_mw": r["energy_pj"] * 1e-12 / seconds * 1e3,
            "utilization": r["utilization"],
        })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objective", choices=("energy", "latency", "edp"), default="energy")
    args = parser.parse_args()
    print(f"{'layer':6s} {'latency (ms)':>12s} {'GLB (MB)':>9s} {'DRAM (MB)':>10s} {'power (mW)':>10s} {'util':>6s}")
    for row in report(args.objective):
        print(f"{row['layer']:6s} {row['latency_ms']:12.2f} {row['glb_mb']:9.2f} {row['dram_mb']:10.2f} "
              f"{row['power_mw']:10.1f} {row['utilization']:6.2f}")


if __name__ == "__main__":
    main()
