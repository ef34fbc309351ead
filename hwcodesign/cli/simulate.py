"""``simulate``, ``map``, ``scalesim``, ``templates`` and ``workloads``: run the accelerator engines."""

from __future__ import annotations

import argparse
from pathlib import Path

from hwcodesign.cli._common import load_pair
from hwcodesign.core.errors import ConfigError

#: Columns of the per-layer table ``simulate`` prints (all are in the saved table).
SUMMARY_COLUMNS = (
    "layer", "kind", "macs", "latency_cycles", "stall_cycles", "utilization",
    "sram_read_bytes", "dram_read_bytes", "dram_write_bytes", "energy_pj",
)
#: Columns summed into the totals line.
TOTAL_COLUMNS = ("macs", "latency_cycles", "stall_cycles", "sram_read_bytes", "dram_read_bytes",
                 "dram_write_bytes", "energy_pj")


def _cmd_simulate(args: argparse.Namespace) -> int:
    workload, accelerator = load_pair(args)
    timeline = None
    if args.engine != "event" and (args.cores != 1 or args.trace or args.strategy != "layer"):
        raise ConfigError("--cores, --strategy and --trace need --engine event.")
    if args.engine == "event":
        from hwcodesign.simulator.event import run

        result = run(workload, accelerator, cores=args.cores, strategy=args.strategy)
        table, timeline = result.table, result.timeline
        how = f"event engine, {args.cores} core(s), {args.strategy} strategy"
    elif args.engine == "analytical":
        from hwcodesign.simulator.analytical import simulate as analytical

        table = analytical(workload, accelerator, objective=args.objective)
        how = f"analytical engine, best {args.objective} mappings"
    else:
        from hwcodesign.simulator.systolic import simulate

        table = simulate(workload, accelerator, mode=args.mode)
        how = f"systolic engine, {args.mode} mode"
    if args.out:
        table.save(args.out)
    if args.trace:
        timeline.save_chrome_trace(args.trace)
    if args.plot:
        _save_plot(table, args.plot, f"{workload.name} on {accelerator.name} ({how})")
    if not args.quiet:
        frame = table.to_dataframe()
        shown = frame[[c for c in SUMMARY_COLUMNS if c in frame.columns]]
        print(f"{workload.name} (batch {workload.batch}) on {accelerator.name}, {how}")
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        totals = {c: frame[c].sum() for c in TOTAL_COLUMNS if c in frame.columns}
        latency_s = totals.get("latency_cycles", 0) / accelerator.clock_hz
        print("total: " + ", ".join(f"{k}={v:.6g}" for k, v in totals.items()) + f", latency_s={latency_s:.6g}")
        if timeline is not None:
            print(f"makespan: {timeline.makespan_cycles:.6g} cycles ({timeline.makespan_cycles / accelerator.clock_hz:.6g}"
                  " s; operators overlap, so it can be less than the summed latency)")
        for path in (args.out, args.plot, args.trace):
            if path:
                print(f"wrote {path}")
    return 0


def _cmd_map(args: argparse.Namespace) -> int:
    from hwcodesign.core.results import ResultTable
    from hwcodesign.mapper import map_layer

    workload, accelerator = load_pair(args)
    rows = []
    for op in workload.operators():
        if op.gemm_view() is None:
            continue
        result = map_layer(op, accelerator, objective=args.objective, search=args.search,
                           precision=workload.precision, budget=args.budget, seed=args.seed)
        row = {"workload": workload.name, "accelerator": accelerator.name, "objective": args.objective,
               **result.record, "mapping": str(result.mapping), "search": result.search,
               "evaluated": result.evaluated}
        rows.append(row)
        if not args.quiet:
            r = result.record
            status = "" if r["feasible"] else (f"  INFEASIBLE: {r['constraint']} needs {r['demand']:.6g} "
                                               f"{r['constraint_unit']} > {r['bound']:.6g}")
            print(f"== {op.name} ({op.kind}, {op.macs} MACs): {r['latency_cycles']:.6g} cycles, "
                  f"utilization {r['utilization']:.3f}, {r['energy_pj'] / 1e6:.6g} uJ, "
                  f"{result.evaluated} mappings in {result.seconds:.2f} s{status}")
            print(result.mapping)
            parts = {k[len("energy_"):-len("_pj")]: v for k, v in r.items()
                     if k.startswith("energy_") and k.endswith("_pj") and k != "energy_pj"}
            print("energy: " + ", ".join(f"{k} {v / r['energy_pj']:.1%}" for k, v in parts.items()))
    table = ResultTable(rows)
    if args.out:
        table.save(args.out)
    if not args.quiet:
        print(f"total: latency_cycles={sum(r['latency_cycles'] for r in rows):.6g}, "
              f"energy_pj={sum(r['energy_pj'] for r in rows):.6g}")
        if args.out:
            print(f"wrote {args.out}")
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



def register(sub) -> None:
    """Add this module's subcommands."""
    sim = sub.add_parser("simulate", help="simulate a workload on an accelerator, print a per-layer table")
    sim.add_argument("--workload", default="resnet18", help="zoo name or SCALE-Sim topology CSV (default resnet18)")
    sim.add_argument("--accelerator", default="tpu_like",
                     help="template name or TOML/YAML/JSON spec file (default tpu_like)")
    sim.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                     help="override a parameter, e.g. pe_array__rows=64 or ifmap_sram__size_bytes='1 MiB' "
                          "(repeatable)")
    sim.add_argument("--batch", type=int, help="batch size")
    sim.add_argument("--precision", help="operand precision, e.g. int16 (default: the workload's)")
    sim.add_argument("--engine", choices=("systolic", "analytical", "event"), default="systolic",
                     help="systolic (closed form, default), analytical (loop-nest model with the layer mapper) or "
                          "event (SimPy multi-core NPU)")
    sim.add_argument("--cores", type=int, default=1, help="event engine: cores of the NPU (default 1)")
    sim.add_argument("--strategy", choices=("layer", "pipeline"), default="layer",
                     help="event engine: split each layer across cores (default) or pipeline layers over cores")
    sim.add_argument("--trace", type=Path, help="event engine: write a Chrome/Perfetto trace (.json)")
    sim.add_argument("--objective", choices=("latency", "energy", "edp"), default="edp",
                     help="what the analytical engine's mapper minimises (default edp)")
    sim.add_argument("--mode", choices=("default", "scalesim"), default="default",
                     help="systolic memory model: real-hardware reuse (default) or SCALE-Sim-exact")
    sim.add_argument("--out", type=Path, help="write the full table (.csv, .parquet or .json)")
    sim.add_argument("--plot", type=Path, help="save per-layer latency and energy bars (.png, .pdf, .svg)")
    sim.add_argument("--quiet", action="store_true", help="print nothing")
    sim.set_defaults(func=_cmd_simulate)

    mp = sub.add_parser("map", help="find each layer's best mapping; print loop nests and energy breakdowns")
    mp.add_argument("--workload", default="resnet18", help="zoo name or topology file (default resnet18)")
    mp.add_argument("--accelerator", default="eyeriss_like", help="template name or spec file (default eyeriss_like)")
    mp.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a parameter")
    mp.add_argument("--batch", type=int, help="batch size")
    mp.add_argument("--precision", help="operand precision, e.g. int16 (default: the workload's)")
    mp.add_argument("--objective", choices=("latency", "energy", "edp"), default="edp", help="default edp")
    mp.add_argument("--search", choices=("auto", "exhaustive", "random", "milp"), default="auto", help="default auto")
    mp.add_argument("--budget", type=int, default=20_000, help="mappings sampled per layer (default 20000)")
    mp.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    mp.add_argument("--out", type=Path, help="write the per-layer table (.csv, .parquet or .json)")
    mp.add_argument("--quiet", action="store_true", help="print nothing")
    mp.set_defaults(func=_cmd_map)

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
