"""`hwcodesign sweep` and `hwcodesign report`, called as `main([...])`."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from hwcodesign.cli import main
from hwcodesign.codesign.store import ResultStore

EXAMPLE = Path(__file__).parents[1] / "examples" / "sweeps" / "systolic_grid.toml"


def test_sweep_limit_resume_export_and_report(tmp_path, capsys):
    out, csv = tmp_path / "r.sqlite", tmp_path / "r.csv"
    assert main(["sweep", str(EXAMPLE), "--out", str(out), "--jobs", "1", "--limit", "6"]) == 0
    captured = capsys.readouterr()
    assert "288 points, 0 already stored, 6 evaluated (0 infeasible)" in captured.out
    assert "282 points remain" in captured.out and "hwcodesign report" in captured.out
    assert "6/6" in captured.err  # the progress bar, on stderr
    assert main(["sweep", str(EXAMPLE), "--out", str(out), "--jobs", "1", "--limit", "4", "--quiet",
                 "--export", str(csv)]) == 0
    assert capsys.readouterr().out == ""
    frame = pd.read_csv(csv)
    assert len(frame) == 10 and frame["key"].is_unique and set(frame["workload"]) == {"tiny"}

    plots = tmp_path / "plots"
    assert main(["report", str(out), "--top", "3", "--plots", str(plots)]) == 0
    printed = capsys.readouterr().out
    assert "sweep 'systolic_grid', 10 of 288 points stored" in printed
    assert "best 3 of 10 feasible points by latency_cycles" in printed
    assert "Pareto front over latency_cycles, energy_pj, area_mm2" in printed
    # The first row printed is the smallest latency of the stored points.
    best_line = printed.split("by latency_cycles:\n")[1].splitlines()[1]
    assert str(frame["latency_cycles"].min()) in best_line.split()
    assert sorted(p.name for p in plots.iterdir()) == ["heatmap_sweep.png", "pareto_sweep.png"]

    assert main(["report", str(out), "--objective", "utilization", "--top", "1"]) == 0
    assert "by utilization" in capsys.readouterr().out


def test_sweep_and_report_errors(tmp_path, capsys, monkeypatch):
    assert main(["sweep", str(tmp_path / "none.toml"), "--out", str(tmp_path / "r.sqlite")]) == 2
    assert "Cannot read the sweep definition" in capsys.readouterr().err
    assert main(["sweep", str(EXAMPLE), "--out", str(tmp_path / "r.sqlite"), "--jobs", "0"]) == 2
    assert "--jobs" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "none.sqlite")]) == 2
    assert "does not exist" in capsys.readouterr().err
    ResultStore(tmp_path / "study.sqlite", kind="study").close()
    assert main(["report", str(tmp_path / "study.sqlite")]) == 2
    assert "holds a 'study' run" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # as if dask were not installed
    assert main(["sweep", str(EXAMPLE), "--out", str(tmp_path / "r.sqlite"), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "pip install 'hwcodesign[distributed]'" in capsys.readouterr().err


def test_changed_definition_is_refused_with_the_differing_keys(tmp_path, capsys):
    out = tmp_path / "r.sqlite"
    assert main(["sweep", str(EXAMPLE), "--out", str(out), "--jobs", "1", "--limit", "1", "--quiet"]) == 0
    changed = tmp_path / "changed.toml"
    changed.write_text(EXAMPLE.read_text().replace('dataflow = ["os", "ws", "is"]', 'dataflow = ["os", "ws"]'))
    assert main(["sweep", str(changed), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "r.sqlite" in err and "grid.pe_array__dataflow" in err
