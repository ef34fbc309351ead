"""The ``hwcodesign`` command line: a thin layer over the public API.

``main(argv) -> int`` returns the exit status: 0 on success, 2 on bad input (the
`ConfigError` message is printed to stderr, never a traceback).

Examples
--------
>>> main(["simulate", "--workload", "tiny", "--accelerator", "systolic", "--quiet"])
0
>>> main(["simulate", "--workload", "tiny", "--accelerator", "sytolic"])
2
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from hwcodesign.core.errors import ConfigError, HwcodesignError

__all__ = ["main"]

#: Columns of the per-layer table ``simulate`` prints (all are in the saved table).
SUMMARY_COLUMNS = (
    "layer", "kind", "macs", "latency_cycles", "stall_cycles", "utilization",
    "sram_read_bytes", "dram_read_bytes", "dram_write_bytes", "energy_pj",
)
#: Columns summed into the totals line.
TOTAL_COLUMNS = ("macs", "latency_cycles", "stall_cycles", "sram_read_bytes", "dram_read_bytes",
                 "dram_write_bytes", "energy_pj")


def _parse_set(items: Sequence[str]) -> dict[str, object]:
    """``["pe_array__rows=32", "glb__size_bytes=64 KiB"]`` -> dict; values parsed as int/float when they look so."""
    params: dict[str, object] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--set takes NAME=VALUE (e.g. pe_array__rows=32). Got {item!r}.")
        value: object = raw.strip()
        for convert in (int, float):
            try:
                value = convert(raw)
                break
            except ValueError:
                continue
        if raw.strip().lower() in ("true", "false"):
            value = raw.strip().lower() == "true"
        params[name.strip()] = value
    return params


def _cmd_simulate(args: argparse.Namespace) -> int:
    from hwcodesign.accelerators import get_accelerator
    from hwcodesign.simulator.systolic import simulate
    from hwcodesign.workloads import load_workload

    workload = load_workload(args.workload)
    if args.batch is not None:
        workload = workload.with_batch(args.batch)
    accelerator = get_accelerator(args.accelerator, **_parse_set(args.set))
    table = simulate(workload, accelerator, mode=args.mode)
    if args.out:
        table.save(args.out)
    if args.plot:
        _save_plot(table, args.plot, f"{workload.name} on {accelerator.name} ({args.mode} mode)")
    if not args.quiet:
        frame = table.to_dataframe()
        shown = frame[[c for c in SUMMARY_COLUMNS if c in frame.columns]]
        print(f"{workload.name} (batch {workload.batch}) on {accelerator.name}, systolic engine, {args.mode} mode")
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        totals = {c: frame[c].sum() for c in TOTAL_COLUMNS if c in frame.columns}
        latency_s = totals.get("latency_cycles", 0) / accelerator.clock_hz
        print("total: " + ", ".join(f"{k}={v:.6g}" for k, v in totals.items()) + f", latency_s={latency_s:.6g}")
        for path in (args.out, args.plot):
            if path:
                print(f"wrote {path}")
    return 0


def _save_plot(table, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hwcodesign.plotting import plot_energy_breakdown, plot_latency_breakdown

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(8, 0.25 * len(table)), 8), sharex=True)
    plot_latency_breakdown(table, ax=top)
    plot_energy_breakdown(table, ax=bottom)
    top.set_title(title)
    fig.tight_layout()
    try:
        fig.savefig(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot write the plot to {str(path)!r}: {exc}") from None
    finally:
        plt.close(fig)


def _cmd_scalesim(args: argparse.Namespace) -> int:
    from hwcodesign.simulator.systolic.scalesim_run import run_scalesim

    written = run_scalesim(args.c, args.t, args.p, input_type=args.i)
    for path in written:
        print(f"wrote {path}")
    return 0


def _cmd_templates(args: argparse.Namespace) -> int:
    from hwcodesign.accelerators import TEMPLATES

    for name in TEMPLATES.names():
        doc = (TEMPLATES.get(name).__doc__ or "").strip().splitlines()
        print(f"{name:20s} {doc[0] if doc else ''}")
    return 0


def _cmd_workloads(args: argparse.Namespace) -> int:
    from hwcodesign.workloads import WORKLOADS

    for name in WORKLOADS.names():
        doc = (WORKLOADS.get(name).__doc__ or "").strip().splitlines()
        print(f"{name:20s} {doc[0] if doc else ''}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="hwcodesign", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    sim = sub.add_parser("simulate", help="simulate a workload on an accelerator, print a per-layer table")
    sim.add_argument("--workload", default="resnet18", help="zoo name or SCALE-Sim topology CSV (default resnet18)")
    sim.add_argument("--accelerator", default="tpu_like",
                     help="template name or TOML/YAML/JSON spec file (default tpu_like)")
    sim.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                     help="override a parameter, e.g. pe_array__rows=64 or ifmap_sram__size_bytes='1 MiB' "
                          "(repeatable)")
    sim.add_argument("--batch", type=int, help="batch size")
    sim.add_argument("--mode", choices=("default", "scalesim"), default="default",
                     help="systolic memory model: real-hardware reuse (default) or SCALE-Sim-exact")
    sim.add_argument("--out", type=Path, help="write the full table (.csv, .parquet or .json)")
    sim.add_argument("--plot", type=Path, help="save per-layer latency and energy bars (.png, .pdf, .svg)")
    sim.add_argument("--quiet", action="store_true", help="print nothing")
    sim.set_defaults(func=_cmd_simulate)

    ss = sub.add_parser("scalesim", help="SCALE-Sim 3.0.0 drop-in: same flags, same report files")
    ss.add_argument("-c", required=True, metavar="CONFIG", help="SCALE-Sim .cfg file")
    ss.add_argument("-t", required=True, metavar="TOPOLOGY", help="SCALE-Sim topology CSV")
    ss.add_argument("-p", default="./results/", metavar="LOGDIR", help="output folder (default ./results/)")
    ss.add_argument("-i", choices=("conv", "gemm"), default="conv", help="topology form (default conv)")
    ss.add_argument("-l", metavar="LAYOUT", help="ignored (SCALE-Sim's layout file; custom layouts unsupported)")
    ss.add_argument("-s", metavar="Y/N", help="ignored (no per-cycle traces are written)")
    ss.set_defaults(func=_cmd_scalesim)

    sub.add_parser("templates", help="list accelerator templates").set_defaults(func=_cmd_templates)
    sub.add_parser("workloads", help="list zoo workloads").set_defaults(func=_cmd_workloads)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad flags, 0 on --help
        return int(exc.code or 0)
    try:
        return args.func(args)
    except HwcodesignError as exc:
        print(f"hwcodesign: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
