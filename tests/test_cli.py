"""The command line, called as `main([...])`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from hwcodesign.cli import main

DATA = Path(__file__).parent / "data" / "scalesim"
TOPOLOGIES = Path(__file__).parent / "workloads" / "data"


def test_simulate_prints_table_and_writes(tmp_path, capsys):
    out = tmp_path / "t.csv"
    assert main(["simulate", "--workload", "tiny", "--accelerator", "systolic", "--set", "pe_array__rows=8",
                 "--set", "ifmap_sram__size_bytes=2 KiB", "--batch", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "latency_cycles" in printed and "total:" in printed
    frame = pd.read_csv(out)
    assert set(frame["batch"]) == {2} and "energy_pj" in frame.columns


@pytest.mark.parametrize("suffix", [".json", ".parquet"])
def test_simulate_other_formats(tmp_path, suffix):
    out = tmp_path / f"t{suffix}"
    assert main(["simulate", "--workload", "tiny", "--accelerator", "scalesim_default", "--mode", "scalesim",
                 "--quiet", "--out", str(out)]) == 0
    assert out.stat().st_size > 0


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["simulate", "--workload", "tiny", "--accelerator", "tpu_lik"], ["Did you mean 'tpu_like'"]),
        (["simulate", "--workload", "resnet81"], ["resnet18"]),
        (["simulate", "--workload", "tiny", "--set", "pe_array__rows=-3"], ["'rows'", ">= 1", "-3"]),
        (["simulate", "--workload", "tiny", "--set", "pe_array__dataflow=xs"], ["'os'", "'ws'", "'is'"]),
        (["simulate", "--workload", "tiny", "--set", "rows"], ["NAME=VALUE"]),
        (["simulate", "--workload", "tiny", "--out", "t.xlsx"], [".csv", ".parquet"]),
    ],
)
def test_bad_input_exits_2_with_message(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for word in words:
        assert word in err


def test_malformed_topology_line(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
                   "Strides,\nconv1, 8, 8, 3, 3, 3, -4, 1,\n")
    assert main(["simulate", "--workload", str(bad)]) == 2
    assert "line 2" in capsys.readouterr().err


def test_scalesim_command_writes_its_reports(tmp_path, capsys):
    topo = tmp_path / "net.csv"
    shutil.copy(TOPOLOGIES / "alexnet.csv", topo)
    assert main(["scalesim", "-c", str(DATA / "google.cfg"), "-t", str(topo), "-p", str(tmp_path / "runs")]) == 0
    folder = tmp_path / "runs" / "GoogleTPU_v1_os"
    compute = (folder / "COMPUTE_REPORT.csv").read_text().splitlines()
    assert compute[0].startswith("LayerID, Total Cycles (incl. prefetch), Total Cycles, Stall Cycles")
    assert len(compute) == 1 + 5  # five conv layers
    detail = pd.read_csv(folder / "DETAILED_ACCESS_REPORT.csv", sep=r"\s*,\s*", engine="python")
    assert "DRAM IFMAP Reads" in detail.columns
    assert (folder / "BANDWIDTH_REPORT.csv").exists()


def test_scalesim_bad_config(tmp_path, capsys):
    cfg = tmp_path / "x.cfg"
    cfg.write_text("[general]\nrun_name = x\n[architecture_presets]\nArrayHeight: 0\n")
    assert main(["scalesim", "-c", str(cfg), "-t", str(TOPOLOGIES / "alexnet.csv")]) == 2
    assert "ArrayHeight must be an int >= 1" in capsys.readouterr().err


def test_listings(capsys):
    assert main(["templates"]) == 0
    assert "tpu_like" in capsys.readouterr().out
    assert main(["workloads"]) == 0
    assert "resnet18" in capsys.readouterr().out
