"""Imports point one way (DESIGN.md): core <- workloads, accelerators <- mapper <- simulator
<- codesign, validation <- plotting, cli. This test parses every module and fails on an
upward import."""

from __future__ import annotations

import ast
from pathlib import Path

import hwcodesign

LEVEL = {
    "core": 0,
    "workloads": 1,
    "accelerators": 1,
    "mapper": 2,
    "simulator": 3,
    "codesign": 4,
    "validation": 4,
    "plotting": 5,
    "cli": 5,
    "__main__": 6,
}
ROOT = Path(hwcodesign.__file__).parent


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "hwcodesign" else None


def test_no_upward_imports():
    bad = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        own = rel.parts[0].removesuffix(".py")
        if own not in LEVEL:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                target = _layer(name)
                if target in LEVEL and LEVEL[target] > LEVEL[own]:
                    bad.append(f"{rel}:{node.lineno} imports {name}")
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_layer_table_covers_package():
    top = {p.name.removesuffix(".py") for p in ROOT.iterdir() if p.suffix == ".py" or p.is_dir()}
    top -= {"__init__", "__pycache__", "py.typed"}
    assert top <= set(LEVEL), f"add {sorted(top - set(LEVEL))} to LEVEL"
