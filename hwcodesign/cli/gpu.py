"""``predict gpu``, ``calibrate gpu`` and ``measure gpu``: the GPU model from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from hwcodesign.cli._common import fmt
from hwcodesign.core.errors import ConfigError


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
    from hwcodesign.simulator.gpu.model import storage_precision
    from hwcodesign.workloads import load_workload

    if args.catalog:
        load_gpu_catalog(args.catalog)
    workload = load_workload(args.workload, precision=storage_precision(args.precision)).with_batch(args.batch)
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
        print(fmt(frame[cols]))
        print(f"latency_ms={pred.latency_ms:.6g}")
        if args.out:
            print(f"wrote {args.out}")
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    import json

    import pandas as pd

    from hwcodesign.accelerators.gpus import get_gpu, load_gpu_catalog
    from hwcodesign.validation.gpu import (
        ape_table,
        fit_kernel_params,
        fit_measured_network_params,
        fit_network_params,
        load_deepbench,
        load_measured,
        nb201_measured,
        predict_deepbench,
        predict_measured,
        sample_groups,
    )

    if args.catalog:
        load_gpu_catalog(args.catalog)
    kernels = pd.concat([load_deepbench("gemm"), load_deepbench("conv")], ignore_index=True)
    nets = nb201_measured()
    kernels = kernels[kernels["library"] == args.library].reset_index(drop=True)
    if args.devices:
        names = {get_gpu(d).name for d in args.devices}
        kernels = kernels[kernels["gpu"].isin(names)].reset_index(drop=True)
        nets = nets[nets["gpu"].isin(names)]
    own = {"kernels": [], "networks": []}
    for path in args.measured or ():
        form, frame = load_measured(path)
        own[form].append(frame)
    kernels = pd.concat([kernels, *own["kernels"]], ignore_index=True)
    own_nets = pd.concat(own["networks"], ignore_index=True) if own["networks"] else None
    params = _gpu_params(args.start)
    if len(kernels):
        params = fit_kernel_params(kernels, start=params)
    if own_nets is not None:
        # the framework parameters are the host's: fitted on one's own networks only
        params = fit_measured_network_params(own_nets, start=params)
    elif len(nets):
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
        print("in-sample fit (not a validation; see 'hwcodesign validate gpu'):")
        for rows, predict in ((kernels, predict_deepbench), (own_nets, predict_measured)):
            if rows is not None and len(rows):
                print(fmt(ape_table(rows.assign(predicted_ms=predict(rows, params)), ("gpu", "precision"))))
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
        print(fmt(frame[frame["layer"] == ""]))
        print(f"wrote {args.out}")
    return 0



def register(sub) -> None:
    """Add this module's subcommands."""
    pr = sub.add_parser("predict", help="predict a network's latency on a device (per-operator table)")
    pr.add_argument("target", choices=("gpu",), help="gpu: the GPU model")
    pr.add_argument("--device", required=True, help="catalog name, e.g. V100, 'RTX 3090', A100")
    pr.add_argument("--workload", required=True, help="zoo name or topology file")
    pr.add_argument("--batch", type=int, default=1, help="batch size (default 1)")
    pr.add_argument("--precision", choices=("fp32", "tf32", "fp16", "bf16", "int8"), default="fp32",
                    help="default fp32; tf32: fp32 tensors, convs and GEMMs on TF32 tensor cores (Ampere and later)")
    pr.add_argument("--fusion", choices=("eager", "inference"), default="eager",
                    help="eager (PyTorch eager, default) or inference (BN/activations folded into convs)")
    pr.add_argument("--params", type=Path, help="JSON of GPUModelParams (from 'calibrate gpu --out')")
    pr.add_argument("--catalog", type=Path, help="TOML file of extra GPU specs")
    pr.add_argument("--out", type=Path, help="write latency_ms and the per-operator table (.json)")
    pr.add_argument("--quiet", action="store_true", help="print nothing")
    pr.set_defaults(func=_cmd_predict)

    ca = sub.add_parser("calibrate", help="fit the GPU model's efficiency parameters to the shipped measured data "
                                                "and your own (--measured)")
    ca.add_argument("target", choices=("gpu",), help="gpu: the GPU model")
    ca.add_argument("--devices", nargs="+", help="fit on these devices only (default: all)")
    ca.add_argument("--library", choices=("current", "legacy"), default="current",
                    help="fit the kernels measured with current (CUDA >= 9, default) or legacy (CUDA 7.5/8) libraries")
    ca.add_argument("--measured", type=Path, nargs="+",
                    help="files of your own: DeepBench-form kernel rows join the kernel fit; per-network rows "
                         "('measure gpu' output) replace the NB201 networks in the framework fit (your host)")
    ca.add_argument("--catalog", type=Path, help="TOML file of extra GPU specs (devices of --measured)")
    ca.add_argument("--start", type=Path, help="JSON of GPUModelParams to start from")
    ca.add_argument("--out", type=Path, help="write the fitted parameters (.json)")
    ca.add_argument("--quiet", action="store_true", help="print nothing")
    ca.set_defaults(func=_cmd_calibrate)

    me = sub.add_parser("measure", help="measure per-layer and whole-network latency with PyTorch")
    me.add_argument("target", choices=("gpu",), help="gpu: CUDA events on a GPU (CPU timing when there is none)")
    me.add_argument("--workload", required=True, help="zoo name")
    me.add_argument("--batch", type=int, default=1, help="batch size (default 1)")
    me.add_argument("--precision", choices=("fp32", "tf32", "fp16", "bf16"), default="fp32",
                    help="default fp32 (TF32 off); tf32: PyTorch's TF32 convs and matmuls on")
    me.add_argument("--repeats", type=int, default=20, help="timed repetitions (default 20)")
    me.add_argument("--out", type=Path, required=True, help="CSV in the per-network form")
    me.add_argument("--quiet", action="store_true", help="print nothing")
    me.set_defaults(func=_cmd_measure)

