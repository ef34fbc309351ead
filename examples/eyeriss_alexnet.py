"""Eyeriss-like on AlexNet's five conv layers at batch 4, beside the chip's JSSC 2017 Table V.

A thin caller of `hwcodesign.validation.eyeriss` (the same as ``hwcodesign validate eyeriss``):
processing latency (ms), global-buffer and DRAM accesses (MB) and chip power (mW) per
layer, ours / published (relative error).

Run: ``python examples/eyeriss_alexnet.py [--objective edp|energy|latency]``.
"""

from __future__ import annotations

import argparse

from hwcodesign.validation.eyeriss import compare_eyeriss_alexnet, format_eyeriss_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objective", choices=("edp", "energy", "latency"), default="edp")
    args = parser.parse_args()
    print(format_eyeriss_table(compare_eyeriss_alexnet(objective=args.objective)))


if __name__ == "__main__":
    main()
