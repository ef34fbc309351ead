"""``hwcodesign explore``: summary JSON, plot, resuming from the study store, bad input."""

from __future__ import annotations

import json

from hwcodesign.cli import main

SMALL = ["explore", "--tasks", "cifar10", "--templates", "eyeriss_like", "--max-subs", "1", "--budget", "4",
         "--jobs", "1", "--mapping-budget", "10", "--strategy", "random"]


def test_explore_writes_summary_plot_and_resumes(tmp_path, capsys):
    out, summary, plot = tmp_path / "study.sqlite", tmp_path / "best.json", tmp_path / "front.png"
    args = [*SMALL, "--spec", "latency_ms=1", "--out", str(out), "--summary", str(summary), "--plot", str(plot)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Pareto front" in text and "best design: specs met:" in text
    best = json.loads(summary.read_text())
    assert best["points_evaluated"] == 4 and best["points_simulated_this_run"] == 4
    assert set(best["accuracy"]) == {"cifar10"} and best["specs"]["latency_ms"] == 1.0
    assert best["specs_met"] == (best["latency_ms"] <= 1.0)
    assert [s["template"] for s in best["chip"]["subs"]] == ["eyeriss_like"]
    assert best["networks"]["cifar10"].count("~") == 6
    assert plot.stat().st_size > 0
    assert main(args) == 0  # same study: every point comes back from the store
    again = json.loads(summary.read_text())
    assert (again["points_simulated_this_run"], again["points_reused"]) == (0, 4)
    assert again["key"] == best["key"]


def test_explore_on_a_gpu(tmp_path, capsys):
    summary = tmp_path / "gpu.json"
    assert main(["explore", "--tasks", "cifar10", "--gpu", "a100", "--budget", "3", "--strategy", "random",
                 "--summary", str(summary), "--plot", str(tmp_path / "gpu.png")]) == 0
    best = json.loads(summary.read_text())
    assert best["device"] == "A100 SXM4 40GB" and best["energy_mj"] is None and best["specs_met"]
    assert "GPU A100 SXM4 40GB" in capsys.readouterr().out
    assert main(["explore", "--tasks", "cifar10", "--gpu", "a100", "--spec", "area_mm2=1", "--budget", "3"]) == 2


def test_explore_bad_input(capsys):
    assert main([*SMALL, "--spec", "latency=1"]) == 2
    assert "Did you mean 'latency_ms'" in capsys.readouterr().err
    assert main([*SMALL, "--strategy", "evolutoin"]) == 2
    assert main([*SMALL, "--templates", "tpu_like"]) == 2
    assert main([*SMALL, "--budget", "0"]) == 2
