"""``validate``: reproduce published reference points and measured GPU runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from hwcodesign.cli._common import fmt
from hwcodesign.core.errors import ConfigError


def _cmd_validate(args: argparse.Namespace) -> int:
    from hwcodesign.validation.comparison import format_table

    if args.target != "gpu" and (args.measured or args.device or args.out or args.plot or args.catalog):
        raise ConfigError("--measured, --device, --out, --plot and --catalog are options of 'validate gpu'.")
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


def _validate_gpu(args: argparse.Namespace) -> None:
    from hwcodesign.accelerators.gpus import load_gpu_catalog
    from hwcodesign.validation.gpu import plot_validation, validate_gpu

    if args.catalog:
        load_gpu_catalog(args.catalog)
    result = validate_gpu(args.measured, device=args.device)
    what = (f"{args.measured} with the shipped parameters" if args.measured else
            "DeepBench kernels and NB201 networks, leave-one-device-out (each device predicted from its datasheet "
            "with parameters fitted on the others)")
    print(f"== GPU model vs measured runs: {what}; APE in %")
    for name, table in result.tables.items():
        print(f"-- {name}")
        print(fmt(table))
    if args.out:
        rows = result.rows.drop(columns=["predicted_ms", "ape"]).assign(predicted_ms=result.rows["predicted_ms"],
                                                                         ape=result.rows["ape"])
        try:
            rows.to_csv(args.out, index=False)
        except OSError as exc:
            raise ConfigError(f"Cannot write {str(args.out)!r}: {exc}") from None
        print(f"wrote {args.out}")
    if args.plot:
        print(f"wrote {plot_validation(result.rows, args.plot)}")



def register(sub) -> None:
    """Add this module's subcommands."""
    va = sub.add_parser("validate", help="reproduce published reference points; print ours vs theirs with errors")
    va.add_argument("target", choices=("timeloop", "cosa", "eyeriss", "gpu", "all"),
                    help="timeloop (Eyeriss-like exercise), cosa (Simba ResNet-50 run), eyeriss (JSSC 2017 AlexNet), "
                         "gpu (DeepBench kernels and NB201 networks, leave-one-device-out), or all (all but gpu)")
    va.add_argument("--measured", type=Path, help="gpu: a measured file (DeepBench GEMM/conv form or per-network "
                                                  "form device,workload,batch,precision,latency_ms)")
    va.add_argument("--device", help="gpu: only this device's rows")
    va.add_argument("--out", type=Path, help="gpu: write every measured row with predicted_ms and ape (.csv)")
    va.add_argument("--plot", type=Path, help="gpu: save predicted-vs-measured scatter plots (.png, .pdf, .svg)")
    va.add_argument("--catalog", type=Path, help="gpu: TOML file of extra GPU specs (devices of --measured)")
    va.add_argument("--objective", choices=("latency", "energy", "edp"), default="edp",
                    help="mapper objective of the eyeriss run (default edp)")
    va.add_argument("--budget", type=int, default=20_000, help="mappings sampled per layer, eyeriss run (default 20000)")
    va.set_defaults(func=_cmd_validate)

