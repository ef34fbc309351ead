"""GPU model speed against issue #6's targets: a prediction under 5 ms, the whole validation under 2 minutes.

For each zoo network (batch 32) and device, prints the median of ``--repeats`` cached
calls of `predict_network` (the lowering of a workload to kernel rows is cached per
workload, precision and fusion) and the median first call on ``--fresh`` newly built
workloads (which lowers each), each also as a fraction of the 5 ms target.
``--validate`` also times ``hwcodesign validate gpu``'s work (`validate_gpu`,
leave-one-device-out on every shipped row) against 120 s. The machine is shared and
noisy, so quote the ratios, not the times.

    python3 benchmarks/bench_gpu_model.py --validate
"""

from __future__ import annotations

import argparse
import statistics
import time

from hwcodesign.simulator.gpu import predict_network
from hwcodesign.workloads import get_workload

NETWORKS = ("resnet50", "efficientnet_b0", "mobilenet_v2", "vit_b16", "bert_base", "densenet121")
DEVICES = (("V100", "fp16"), ("A100", "tf32"), ("1080 Ti", "fp32"))
PREDICT_TARGET_S = 5e-3
VALIDATE_TARGET_S = 120.0


def _seconds(call, *args, **kwargs) -> float:
    start = time.perf_counter()
    call(*args, **kwargs)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50, help="timed cached calls per row (default 50)")
    parser.add_argument("--fresh", type=int, default=5, help="newly built workloads per row, timed on their first "
                        "call (default 5)")
    parser.add_argument("--validate", action="store_true", help="also time the whole validation (~20 s)")
    args = parser.parse_args()
    predict_network(get_workload("tiny"), "V100")  # one-time imports and catalog loading, not part of any row
    print(f"{'network':16s} {'ops':>5s} {'device':8s} {'precision':9s} {'first (ms)':>10s} {'/ 5 ms':>6s} "
          f"{'cached (ms)':>11s} {'/ 5 ms':>6s}")
    firsts, cached = [], []
    for name in NETWORKS:
        for device, precision in DEVICES:
            storage = "fp32" if precision == "tf32" else precision
            fresh = [get_workload(name, batch=32, precision=storage) for _ in range(args.fresh)]
            first = statistics.median(_seconds(predict_network, w, device, precision=precision) for w in fresh)
            w = fresh[0]
            median = statistics.median(_seconds(predict_network, w, device, precision=precision)
                                       for _ in range(args.repeats))
            firsts.append(first / PREDICT_TARGET_S)
            cached.append(median / PREDICT_TARGET_S)
            print(f"{name:16s} {len(w):5d} {device:8s} {precision:9s} {first * 1e3:10.2f} {firsts[-1]:6.2f} "
                  f"{median * 1e3:11.2f} {cached[-1]:6.2f}")
    print(f"slowest first call: {max(firsts):.2f} of the 5 ms target (median of {args.fresh} workloads); "
          f"slowest cached call: {max(cached):.2f} (median of {args.repeats})")
    if args.validate:
        from hwcodesign.validation.gpu import validate_gpu

        seconds = _seconds(validate_gpu)
        print(f"validate gpu: {seconds:.1f} s, {seconds / VALIDATE_TARGET_S:.2f} of the 2-minute target (one run)")


if __name__ == "__main__":
    main()
