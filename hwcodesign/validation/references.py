"""Loaders for the published reference data shipped in ``hwcodesign/validation/data``.

The files are package data (``pyproject.toml`` ships ``**/*.csv`` and ``**/*.toml``)
and are read through `importlib.resources`, so an installed wheel validates the same
way as a checkout. ``data/README.md`` names the source (repository and commit, or
paper and table) of every number and its caveats.

Examples
--------
>>> ref = timeloop_eyeriss_exercise()
>>> ref["results"]["cycles"], ref["results"]["pJ_per_macc_total"]
(798600, 8.22)
>>> [row["layer"] for row in eyeriss_alexnet_jssc2017()]
['CONV1', 'CONV2', 'CONV3', 'CONV4', 'CONV5']
>>> REFERENCE_FILES["cosa"]
'cosa_simba_resnet50.toml'
"""

from __future__ import annotations

import csv
import io
import tomllib
from importlib import resources
from typing import Any

from hwcodesign.core.errors import UnknownNameError

__all__ = ["REFERENCE_FILES", "read_text", "load_toml", "load_csv", "timeloop_eyeriss_exercise",
           "cosa_simba_resnet50", "eyeriss_alexnet_jssc2017", "eyeriss_chip_jssc2017"]

#: The reference files by short name.
REFERENCE_FILES: dict[str, str] = {
    "timeloop": "timeloop_eyeriss_exercise.toml",
    "timeloop_v04": "timeloop_eyeriss_like_v04_default_problem.toml",
    "cosa": "cosa_simba_resnet50.toml",
    "eyeriss_alexnet": "eyeriss_alexnet_jssc2017.csv",
    "eyeriss_alexnet_shapes": "eyeriss_alexnet_jssc2017_shapes.csv",
    "eyeriss_chip": "eyeriss_chip_jssc2017.toml",
}


def read_text(filename: str) -> str:
    """The text of data file ``filename`` (a value of `REFERENCE_FILES`, or README.md)."""
    known = [*REFERENCE_FILES.values(), "README.md"]
    if filename not in known:
        raise UnknownNameError("validation data file", filename, known)
    return resources.files("hwcodesign.validation").joinpath("data", filename).read_text(encoding="utf-8")


def load_toml(filename: str) -> dict[str, Any]:
    """Data file ``filename`` parsed as TOML."""
    return tomllib.loads(read_text(filename))


def load_csv(filename: str) -> list[dict[str, Any]]:
    """Data file ``filename`` as rows; ``#`` lines are comments; numbers become int or float."""
    lines = [line for line in read_text(filename).splitlines() if line.strip() and not line.startswith("#")]
    return [{k: _number(v) for k, v in row.items()} for row in csv.DictReader(io.StringIO("\n".join(lines)))]


def _number(text: str) -> Any:
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            continue
    return text


def timeloop_eyeriss_exercise() -> dict[str, Any]:
    """Timeloop + Accelergy, Eyeriss-like, AlexNet CONV1 (timeloop-accelergy-exercises; MIT, J. Emer)."""
    return load_toml(REFERENCE_FILES["timeloop"])


def cosa_simba_resnet50() -> dict[str, Any]:
    """CoSA repository's Timeloop-model run: Simba-like, ResNet-50 1x1 conv 64->64 at 56x56 (BSD-2, UC Berkeley)."""
    return load_toml(REFERENCE_FILES["cosa"])


def eyeriss_alexnet_jssc2017(*, include_total: bool = False) -> list[dict[str, Any]]:
    """Eyeriss chip, measured, AlexNet CONV1-5 at batch 4 (Chen et al., IEEE JSSC 52(1), 2017, Table V)."""
    rows = load_csv(REFERENCE_FILES["eyeriss_alexnet"])
    return rows if include_total else [r for r in rows if r["layer"] != "total"]


def eyeriss_chip_jssc2017() -> dict[str, Any]:
    """Eyeriss chip facts (JSSC 2017 abstract and Table IV; ISSCC 2016)."""
    return load_toml(REFERENCE_FILES["eyeriss_chip"])
