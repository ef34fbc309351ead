"""The analytical engine through the CLI, and the Eyeriss AlexNet report script."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from hwcodesign.cli import main

EXAMPLE = Path(__file__).parents[2] / "examples" / "eyeriss_alexnet.py"


def test_cli_map_prints_loop_nests_and_writes_the_table(tmp_path, capsys):
    out = tmp_path / "map.json"
    assert main(["map", "--workload", "tiny", "--accelerator", "nvdla_like", "--objective", "latency",
                 "--budget", "500", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "for " in text and "spatial_for" in text and "energy: mac" in text and "dram" in text
    rows = json.loads(out.read_text())
    assert rows and all(r["feasible"] for r in rows) and all("mapping" in r for r in rows)


def test_cli_simulate_analytical_engine(capsys):
    assert main(["simulate", "--workload", "tiny", "--accelerator", "simba_like", "--engine", "analytical",
                 "--objective", "energy"]) == 0
    assert "analytical engine" in capsys.readouterr().out
    assert main(["map", "--workload", "tiny", "--accelerator", "eyeriss_lik"]) == 2


def test_eyeriss_alexnet_report_units():
    spec = importlib.util.spec_from_file_location("eyeriss_alexnet", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.report("energy", budget=800)
    assert [r["layer"] for r in rows] == ["conv1", "conv2", "conv3", "conv4", "conv5"]
    for r in rows:
        assert 0.1 < r["latency_ms"] < 10_000 and r["glb_mb"] > 0 and r["dram_mb"] > 0 and r["power_mw"] > 0
