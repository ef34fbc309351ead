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
import importlib
import sys
from collections.abc import Sequence

from hwcodesign.core.errors import HwcodesignError

__all__ = ["main"]

#: Command modules, each with ``register(subparsers)``; their order is the order of ``--help``.
COMMAND_MODULES = ("simulate", "validate", "gpu", "sweep", "plan", "explore")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="hwcodesign", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"hwcodesign.cli.{name}").register(sub)
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
