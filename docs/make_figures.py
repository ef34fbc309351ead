"""Regenerate the figures of docs/plotting.md by running its code blocks as they stand.

Each ```python block preceded by a ``<!-- figure: NAME.png -->`` line is executed in a fresh
namespace with the Agg backend, and the figure it leaves current is saved as
``docs/img/NAME.png``. Usage: ``python3 docs/make_figures.py [--out DIR] [--only NAME ...]``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

DOC = Path(__file__).with_name("plotting.md")
BLOCK = re.compile(r"<!-- figure: (?P<name>[\w.-]+\.png) -->\n```python\n(?P<code>.*?)```", re.S)


def figures(text: str) -> list[tuple[str, str]]:
    """``(file name, code)`` of every figure block of ``text``."""
    return [(m["name"], m["code"]) for m in BLOCK.finditer(text)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOC.parent / "img", help="folder for the PNGs (docs/img)")
    parser.add_argument("--only", nargs="*", default=None, help="figure names to make (default: all)")
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    blocks = figures(DOC.read_text())
    known = [name for name, _ in blocks]
    unknown = sorted(set(args.only or ()) - set(known))
    if unknown:
        parser.error(f"unknown figure(s) {unknown}; known: {known}")
    args.out.mkdir(parents=True, exist_ok=True)
    for name, code in blocks:
        if args.only and name not in args.only:
            continue
        plt.close("all")
        exec(compile(code, f"{DOC.name}:{name}", "exec"), {"__name__": "__docs__"})  # noqa: S102
        path = args.out / name
        plt.gcf().savefig(path, dpi=90, bbox_inches="tight")
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
