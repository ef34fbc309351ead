"""The analytical engine through the CLI (the Eyeriss AlexNet report is tested in tests/validation)."""

from __future__ import annotations

import json

from hwcodesign.cli import main


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

