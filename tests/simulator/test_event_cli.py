"""The event engine through the command line and the plotting module."""

from __future__ import annotations

import json

import matplotlib

from hwcodesign.accelerators import get_accelerator
from hwcodesign.cli import main
from hwcodesign.plotting import plot_timeline
from hwcodesign.simulator.event import run
from hwcodesign.workloads import get_workload

matplotlib.use("Agg")


def test_simulate_event_engine_writes_trace_and_table(tmp_path, capsys):
    trace, table = tmp_path / "t.json", tmp_path / "t.csv"
    assert main(["simulate", "--workload", "tiny", "--accelerator", "systolic", "--engine", "event", "--cores", "2",
                 "--trace", str(trace), "--out", str(table)]) == 0
    out = capsys.readouterr().out
    assert "event engine, 2 core(s)" in out and "makespan" in out
    events = json.loads(trace.read_text())["traceEvents"]
    assert any(e["ph"] == "X" for e in events)
    assert "engine" in table.read_text().splitlines()[0]


def test_event_flags_need_the_event_engine(capsys):
    assert main(["simulate", "--workload", "tiny", "--accelerator", "systolic", "--cores", "2"]) == 2
    assert "--engine event" in capsys.readouterr().err


def test_pipeline_strategy_from_the_cli():
    assert main(["simulate", "--workload", "tiny", "--accelerator", "systolic", "--engine", "event", "--cores", "2",
                 "--strategy", "pipeline", "--quiet"]) == 0


def test_gantt_chart_draws_one_row_per_component():
    timeline = run(get_workload("tiny"), get_accelerator("systolic"), cores=2).timeline
    ax = plot_timeline(timeline, components=["core0.mac", "core1.mac"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["core0.mac", "core1.mac"]
    assert ax.get_xlabel() == "time (cycles)"
