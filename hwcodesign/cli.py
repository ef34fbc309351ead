"""The ``hwcodesign`` command line: a thin layer over the public API.

``main(argv) -> int`` returns the exit status: 0 on success, 2 on bad input (the
`ConfigError` message is printed to stderr, never a traceback).

Examples
--------
>>> main(["simulate", "--workload", "tiny", "--accelerator", "systolic", "--quiet"])
0
>>> main(["simulate", "--workload", "tiny", "--engine", "event", "--cores", "2", "--quiet"])
0
>>> main(["simulate", "--workload", "tiny", "--accelerator", "sytolic"])
2
>>> main(["map", "--workload", "tiny", "--accelerator", "eyeriss_like", "--budget", "500", "--quiet"])
0
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


def _load(args: argparse.Namespace):
    from hwcodesign.accelerators import get_accelerator
    from hwcodesign.workloads import load_workload

    options = {} if args.precision is None else {"precision": args.precision}
    workload = load_workload(args.workload, **options)
    if args.batch is not None:
        workload = workload.with_batch(args.batch)
    return workload, get_accelerator(args.accelerator, **_parse_set(args.set))


def _cmd_simulate(args: argparse.Namespace) -> int:
    workload, accelerator = _load(args)
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

    workload, accelerator = _load(args)
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


def _cmd_validate(args: argparse.Namespace) -> int:
    from hwcodesign.validation.comparison import format_table

    if args.target != "gpu" and (args.measured or args.device or args.out):
        raise ConfigError("--measured, --device and --out are options of 'validate gpu'.")
    # 'all' is the accelerator references; 'gpu' (about a minute of fitting) is run on its own.
    targets = ("timeloop", "cosa", "eyeriss") if args.target == "all" else (args.target,)
    for target in targets:
        if target == "gpu":
            _validate_gpu(args)
        elif target == "timeloop":
            from hwcodesign.validation.timeloop import SOURCE, compare_timeloop_eyeriss

            print(f"== Timeloop/Accelergy Eyeriss-like exercise, AlexNet CONV1 ({SOURCE})")
            print(format_table(compare_timeloop_eyeriss()))
        elif target == "cosa":
            from hwcodesign.validation.cosa import SOURCE, compare_cosa_simba

            print(f"== CoSA Simba-like, ResNet-50 1x1 conv ({SOURCE})")
            print(format_table(compare_cosa_simba()))
        else:
            from hwcodesign.validation.eyeriss import SOURCE, compare_eyeriss_alexnet, format_eyeriss_table

            print(f"== eyeriss_like, AlexNet CONV1-5, batch 4, objective {args.objective} vs the chip ({SOURCE})")
            print(format_eyeriss_table(compare_eyeriss_alexnet(objective=args.objective, budget=args.budget)))
        print()
    return 0


def _fmt(frame) -> str:
    return frame.to_string(index=False, float_format=lambda v: f"{v:.4g}")


def _validate_gpu(args: argparse.Namespace) -> None:
    from hwcodesign.validation.gpu import validate_gpu

    result = validate_gpu(args.measured, device=args.device)
    what = (f"{args.measured} with the shipped parameters" if args.measured else
            "DeepBench kernels and NB201 networks, leave-one-device-out (each device predicted from its datasheet "
            "with parameters fitted on the others)")
    print(f"== GPU model vs measured runs: {what}; APE in %")
    for name, table in result.tables.items():
        print(f"-- {name}")
        print(_fmt(table))
    if args.out:
        rows = result.rows.drop(columns=["predicted_ms", "ape"]).assign(predicted_ms=result.rows["predicted_ms"],
                                                                         ape=result.rows["ape"])
        try:
            rows.to_csv(args.out, index=False)
        except OSError as exc:
            raise ConfigError(f"Cannot write {str(args.out)!r}: {exc}") from None
        print(f"wrote {args.out}")


def _gpu_params(path):
    from hwcodesign.simulator.gpu.params import DEFAULT_PARAMS, GPUModelParams

    if path is None:
        return DEFAULT_PARAMS
    import json

    try:
        return GPUModelParams.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"Cannot read GPU model parameters {str(path)!r}: {exc}") from None


def _cmd_predict(args: argparse.Namespace) -> int:
    from hwcodesign.accelerators.gpus import load_gpu_catalog
    from hwcodesign.simulator.gpu import predict_network
    from hwcodesign.workloads import load_workload

    if args.catalog:
        load_gpu_catalog(args.catalog)
    workload = load_workload(args.workload, precision=args.precision).with_batch(args.batch)
    pred = predict_network(workload, args.device, precision=args.precision, params=_gpu_params(args.params),
                           fusion=args.fusion)
    if args.out:
        import json

        payload = {"workload": pred.workload, "device": pred.device, "batch": pred.batch,
                   "precision": pred.precision, "fusion": args.fusion, "latency_ms": pred.latency_ms,
                   "operators": list(pred.table)}
        try:
            Path(args.out).write_text(json.dumps(payload, indent=1), encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"Cannot write {str(args.out)!r}: {exc}") from None
    if not args.quiet:
        frame = pred.table.to_dataframe()
        cols = ["layer", "kind", "kernel_model", "flops", "bytes", "tensor_cores", "gpu_s", "dispatch_s",
                "latency_ms", "bound"]
        print(f"{pred.workload} (batch {pred.batch}, {pred.precision}, {args.fusion}) on {pred.device}")
        print(_fmt(frame[cols]))
        print(f"latency_ms={pred.latency_ms:.6g}")
        if args.out:
            print(f"wrote {args.out}")
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    import json

    import pandas as pd

    from hwcodesign.accelerators.gpus import get_gpu
    from hwcodesign.validation.gpu import (
        ape_table,
        fit_kernel_params,
        fit_network_params,
        load_deepbench,
        nb201_measured,
        predict_deepbench,
        sample_groups,
    )

    kernels = pd.concat([load_deepbench("gemm"), load_deepbench("conv")], ignore_index=True)
    nets = nb201_measured()
    if args.devices:
        names = {get_gpu(d).name for d in args.devices}
        kernels = kernels[kernels["gpu"].isin(names)].reset_index(drop=True)
        nets = nets[nets["gpu"].isin(names)]
    params = _gpu_params(args.start)
    if len(kernels):
        params = fit_kernel_params(kernels, start=params)
    if len(nets):
        sample = sample_groups(nets[nets["batch"].isin((32, 256))], 500, 0)
        params = fit_network_params(sample, start=params)
    text = json.dumps(params.to_dict(), indent=1)
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"Cannot write {str(args.out)!r}: {exc}") from None
    if not args.quiet:
        print(text)
        if len(kernels):
            kernels["predicted_ms"] = predict_deepbench(kernels, params)
            kernels["ape"] = (kernels.predicted_ms - kernels.measured_ms).abs() / kernels.measured_ms
            print("in-sample fit (not a validation; see 'hwcodesign validate gpu'):")
            print(_fmt(ape_table(kernels, ("gpu", "precision"))))
        if args.out:
            print(f"wrote {args.out}")
    return 0


def _cmd_measure(args: argparse.Namespace) -> int:
    from hwcodesign.validation.measure import measure_torch

    frame = measure_torch(args.workload, batch=args.batch, precision=args.precision, repeats=args.repeats)
    try:
        frame.to_csv(args.out, index=False)
    except OSError as exc:
        raise ConfigError(f"Cannot write {str(args.out)!r}: {exc}") from None
    if not args.quiet:
        print(_fmt(frame[frame["layer"] == ""]))
        print(f"wrote {args.out}")
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

    va = sub.add_parser("validate", help="reproduce published reference points; print ours vs theirs with errors")
    va.add_argument("target", choices=("timeloop", "cosa", "eyeriss", "gpu", "all"),
                    help="timeloop (Eyeriss-like exercise), cosa (Simba ResNet-50 run), eyeriss (JSSC 2017 AlexNet), "
                         "gpu (DeepBench kernels and NB201 networks, leave-one-device-out), or all (all but gpu)")
    va.add_argument("--measured", type=Path, help="gpu: a measured file (DeepBench GEMM/conv form or per-network "
                                                  "form device,workload,batch,precision,latency_ms)")
    va.add_argument("--device", help="gpu: only this device's rows")
    va.add_argument("--out", type=Path, help="gpu: write every measured row with predicted_ms and ape (.csv)")
    va.add_argument("--objective", choices=("latency", "energy", "edp"), default="edp",
                    help="mapper objective of the eyeriss run (default edp)")
    va.add_argument("--budget", type=int, default=20_000, help="mappings sampled per layer, eyeriss run (default 20000)")
    va.set_defaults(func=_cmd_validate)

    pr = sub.add_parser("predict", help="predict a network's latency on a device (per-operator table)")
    pr.add_argument("target", choices=("gpu",), help="gpu: the GPU model")
    pr.add_argument("--device", required=True, help="catalog name, e.g. V100, 'RTX 3090', A100")
    pr.add_argument("--workload", required=True, help="zoo name or topology file")
    pr.add_argument("--batch", type=int, default=1, help="batch size (default 1)")
    pr.add_argument("--precision", choices=("fp32", "fp16", "bf16", "int8"), default="fp32", help="default fp32")
    pr.add_argument("--fusion", choices=("eager", "inference"), default="eager",
                    help="eager (PyTorch eager, default) or inference (BN/activations folded into convs)")
    pr.add_argument("--params", type=Path, help="JSON of GPUModelParams (from 'calibrate gpu --out')")
    pr.add_argument("--catalog", type=Path, help="TOML file of extra GPU specs")
    pr.add_argument("--out", type=Path, help="write latency_ms and the per-operator table (.json)")
    pr.add_argument("--quiet", action="store_true", help="print nothing")
    pr.set_defaults(func=_cmd_predict)

    ca = sub.add_parser("calibrate", help="fit the GPU model's efficiency parameters to the shipped measured data")
    ca.add_argument("target", choices=("gpu",), help="gpu: the GPU model")
    ca.add_argument("--devices", nargs="+", help="fit on these devices only (default: all)")
    ca.add_argument("--start", type=Path, help="JSON of GPUModelParams to start from")
    ca.add_argument("--out", type=Path, help="write the fitted parameters (.json)")
    ca.add_argument("--quiet", action="store_true", help="print nothing")
    ca.set_defaults(func=_cmd_calibrate)

    me = sub.add_parser("measure", help="measure per-layer and whole-network latency with PyTorch")
    me.add_argument("target", choices=("gpu",), help="gpu: CUDA events on a GPU (CPU timing when there is none)")
    me.add_argument("--workload", required=True, help="zoo name")
    me.add_argument("--batch", type=int, default=1, help="batch size (default 1)")
    me.add_argument("--precision", choices=("fp32", "fp16", "bf16", "int8"), default="fp32", help="default fp32")
    me.add_argument("--repeats", type=int, default=20, help="timed repetitions (default 20)")
    me.add_argument("--out", type=Path, required=True, help="CSV in the per-network form")
    me.add_argument("--quiet", action="store_true", help="print nothing")
    me.set_defaults(func=_cmd_measure)

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
