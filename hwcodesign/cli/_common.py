"""Helpers shared by the command modules: ``--set`` parsing, loading a workload/accelerator pair,
table formatting, writing output files with a clear error."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from hwcodesign.core.errors import ConfigError


def parse_set(items: Sequence[str]) -> dict[str, object]:
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


def load_pair(args: argparse.Namespace):
    """The (workload, accelerator) named by ``--workload/--batch/--precision/--accelerator/--set``."""
    from hwcodesign.accelerators import get_accelerator
    from hwcodesign.workloads import load_workload

    options = {} if args.precision is None else {"precision": args.precision}
    workload = load_workload(args.workload, **options)
    if args.batch is not None:
        workload = workload.with_batch(args.batch)
    return workload, get_accelerator(args.accelerator, **parse_set(args.set))



def fmt(frame) -> str:
    """A DataFrame as text, floats to 4 significant digits."""
    return frame.to_string(index=False, float_format=lambda v: f"{v:.4g}")


def positive_int(text: str) -> int:
    """An argparse ``type``: an int >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an int >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an int >= 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """An argparse ``type``: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text}")
    return value
