"""Translation of mappings between our `Mapping` and ZigZag's text (benchmarks/zigzag/equivalent.py).

The golden data are ZigZag's own outputs: the best mappings its search reported in
``benchmarks/zigzag/results/*.csv`` (and, where ``.venv-zigzag`` exists, ZigZag's cost model itself:
those mappings, carried into our `Mapping` and written back, must cost in ZigZag exactly what ZigZag
reported). Tests that need ZigZag skip cleanly without its venv (CI has none).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ZIGZAG = ROOT / "benchmarks" / "zigzag"
sys.path.insert(0, str(ZIGZAG))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_mapper_vs_zigzag import operator_of  # noqa: E402
from equivalent import HARDWARE, equivalent_accelerator, zigzag_mapping, zigzag_text  # noqa: E402
from networks import NETWORKS, get_network  # noqa: E402

from hwcodesign.core.errors import ConfigError  # noqa: E402
from hwcodesign.mapper.problem import problem_of  # noqa: E402

PYTHON = ROOT / ".venv-zigzag" / "bin" / "python"
needs_zigzag = pytest.mark.skipif(not PYTHON.exists(), reason="ZigZag's venv (.venv-zigzag) is not installed")
_LOOP = r"([A-Z]+?)(\d+(?:\.\d+)?)(?=[A-Z]|$)"


def _results(network: str, hardware: str) -> dict[str, dict[str, str]]:
    with (ZIGZAG / "results" / f"{network}__{hardware}.csv").open() as f:
        return {row["layer"]: row for row in csv.DictReader(f)}


def _per_level_products(text: str) -> dict[str, list[dict[str, float]]]:
    """ZigZag's temporal text -> per operand, per memory level, the product of each dimension's loops."""
    out = {}
    for part in text.split():
        op, levels = part.split(":", 1)
        rows = []
        for level in levels.split("|"):
            product: dict[str, float] = defaultdict(lambda: 1.0)
            for name, size in re.findall(_LOOP, level):
                product[name] *= float(size)
            rows.append(dict(product))
        out[op] = rows
    return out


def _unrolled(text: str) -> dict[str, dict[str, float]]:
    """ZigZag's spatial text -> per array dimension, its unrollings above 1 (``D3: {}``, ``D3: {D: 1}`` and no D3 alike)."""
    out = {oa: {d: float(s) for d, s in re.findall(r"(\w+):\s*([\d.]+)", body) if float(s) > 1}
           for oa, body in re.findall(r"(D\d+):\s*\{([^}]*)\}", text)}
    return {oa: loops for oa, loops in out.items() if loops}


def _round_trip(network: str, hardware: str, row: dict[str, str]) -> tuple[str, str]:
    layer = next(x for x in get_network(network) if x.name == row["layer"])
    acc = equivalent_accelerator(hardware, layer.kind)
    mapping = zigzag_mapping(problem_of(operator_of(layer)), acc, hardware, layer.kind, row["spatial_mapping"],
                             row["temporal_mapping"])
    return zigzag_text(mapping, acc, hardware, layer.kind)


@pytest.mark.parametrize("network", list(NETWORKS))
@pytest.mark.parametrize("hardware", list(HARDWARE))
def test_zigzag_mappings_survive_the_round_trip_through_our_mapping(network, hardware):
    # ZigZag's best mapping -> our Mapping (per-operand cuts as placement) -> ZigZag's text again: the same
    # unrolling and, per operand and memory level, the same loops (a dimension split in two loops within one
    # level comes back as one loop of their product)
    for row in _results(network, hardware).values():
        spatial, temporal = _round_trip(network, hardware, row)
        assert _unrolled(spatial) == _unrolled(row["spatial_mapping"]), row["layer"]
        assert _per_level_products(temporal) == _per_level_products(row["temporal_mapping"]), row["layer"]


def test_zigzag_text_rejects_padding_zigzag_cannot_express():
    # a 7-wide loop on 4 PEs pads to 2 steps; 3 temporal steps pad further than ZigZag's uneven mapping can
    layer = next(x for x in get_network("resnet18") if x.name == "layer4.0.conv2")  # 7 x 7 outputs
    acc = equivalent_accelerator("edge_tpu_like", layer.kind)
    row = _results("resnet18", "edge_tpu_like")[layer.name]
    mapping = zigzag_mapping(problem_of(operator_of(layer)), acc, "edge_tpu_like", layer.kind,
                             row["spatial_mapping"], row["temporal_mapping"])
    q = mapping.dims.index("Q")
    assert math.prod(t[q] for t in mapping.temporal) == 2  # ZigZag's OX 3.5 on 4 PEs, 2 steps
    temporal = [list(t) for t in mapping.temporal]
    for t in temporal:
        t[q] = 1
    temporal[-1][q] = 3  # 3 steps of 4 for 7 columns
    padded = dataclasses.replace(mapping, temporal=tuple(map(tuple, temporal)))
    with pytest.raises(ConfigError, match="'temporal' field of Mapping"):
        zigzag_text(padded, acc, "edge_tpu_like", layer.kind)


def _evaluate(requests: list[dict], tmp_path: Path) -> list[dict]:
    (tmp_path / "in.json").write_text(json.dumps(requests))
    subprocess.run([str(PYTHON), str(ZIGZAG / "evaluate_mapping.py"), "--in", str(tmp_path / "in.json"), "--out",
                    str(tmp_path / "out.json")], check=True, capture_output=True)
    return json.loads((tmp_path / "out.json").read_text())


@needs_zigzag
def test_zigzag_reproduces_its_own_numbers_through_the_translation():
    # ZigZag's own best mappings, read from its results and evaluated by evaluate_mapping.py (no LOMA):
    # latency and energy exactly as ZigZag's search reported them
    done = subprocess.run([str(PYTHON), str(ZIGZAG / "evaluate_mapping.py"), "--check", "--network", "resnet18",
                           "--hardware", "tpu_like"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    checked = re.search(r"(\d+) of (\d+) ZigZag mappings reproduce", done.stdout)
    assert checked and checked[1] == checked[2] and int(checked[2]) >= 21  # 21 layers (+ the traced energy-best)


@needs_zigzag
@pytest.mark.parametrize("hardware", list(HARDWARE))
def test_zigzag_costs_our_translation_of_its_mappings_as_its_own(hardware, tmp_path):
    # the same mappings carried through our Mapping and written back by zigzag_text: ZigZag's cost is unchanged
    rows = _results("resnet18", hardware)
    requests = []
    for row in rows.values():
        spatial, temporal = _round_trip("resnet18", hardware, row)
        requests.append({"network": "resnet18", "hardware": hardware, "layer": row["layer"],
                         "spatial_mapping": spatial, "temporal_mapping": temporal})
    for r in _evaluate(requests, tmp_path):
        row = rows[r["layer"]]
        assert r["zigzag_latency_cycles"] == pytest.approx(float(row["latency_cycles"]), rel=1e-9), r["layer"]
        assert r["zigzag_energy_pj"] == pytest.approx(float(row["energy_pJ"]), rel=1e-9), r["layer"]
        assert r["zigzag_fits"], r["layer"]


@needs_zigzag
def test_zigzag_capacity_check_flags_an_overfull_register(tmp_path):
    # tpu_like's rf_128B holds 128 one-byte weights per PE. layer2.0.conv2 (128 -> 128, 3 x 3) on K 32 x C 32
    # PEs: with FX3 FY3 C4 below the register's cut it holds 3 x 3 x 4 = 36 weights (OY, OX do not change the
    # weight); with K4 as well, 144 > 128: LOMA's allocator would reject it, the check must say so
    base = {"network": "resnet18", "hardware": "tpu_like", "layer": "layer2.0.conv2",
            "spatial_mapping": "{D1: {K: 32}, D2: {C: 32}}"}
    fits = dict(base, temporal_mapping="O:FX3FY3C4|K4OY28OX28| W:FX3FY3C4|K4OY28OX28 I:FX3FY3C4K4OY28OX28|")
    over = dict(base, temporal_mapping="O:FX3FY3C4|K4OY28OX28| W:FX3FY3C4K4|OY28OX28 I:FX3FY3C4K4OY28OX28|")
    ok, big = _evaluate([fits, over], tmp_path)
    assert ok["zigzag_fill"]["rf_128B"] == pytest.approx(36 / 128) and ok["zigzag_fits"]
    assert big["zigzag_fill"]["rf_128B"] == pytest.approx(144 / 128) and not big["zigzag_fits"]
