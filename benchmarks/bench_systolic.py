"""SCALE-Sim 3.0.0 and `hwcodesign scalesim` side by side: cycles, traffic, wall time, memory.

Runs both tools on the same config and topology (default: ResNet-18 on SCALE-Sim's
256x256 ``google.cfg``), prints per-layer cycles, stalls and DRAM reads of each, then
the wall-time ratio and the peak resident memory of each run. Timings repeat and report
the median (the machine is shared and noisy); SCALE-Sim is slow, so it runs once
unless ``--scalesim-repeats`` says otherwise.

SCALE-Sim needs ``numpy==2.3.5``; keep it in its own virtual environment::

    python3 -m venv .venv-scalesim
    .venv-scalesim/bin/pip install scalesim==3.0.0 numpy==2.3.5
    python3 benchmarks/bench_systolic.py --scalesim-python .venv-scalesim/bin/python

Without SCALE-Sim (``--scalesim-python none``) only our side runs.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = ROOT / "tests" / "data" / "scalesim" / "google.cfg"
DEFAULT_TOPOLOGY = ROOT / "benchmarks" / "data" / "Resnet18.csv"
LAYOUT = ROOT / "benchmarks" / "data" / "dummy_layout.csv"  # SCALE-Sim insists on one, even unused


def run_process(argv: list[str], cwd: Path) -> tuple[float, float, str]:
    """Run a command; return (wall seconds, peak RSS in MiB of that process, stdout+stderr)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    output = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{output[-3000:]}")
    return wall, usage.ru_maxrss / 1024, output


def read_report(folder: Path, name: str) -> pd.DataFrame:
    text = (folder / name).read_text()
    frame = pd.read_csv(io.StringIO(text), sep=r"\s*,\s*", engine="python")
    return frame.loc[:, ~frame.columns.str.startswith("Unnamed")]


def run_name(config: Path) -> str:
    from hwcodesign.accelerators.scalesim_config import read_scalesim_config

    return read_scalesim_config(config).run_name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--topology", type=Path, default=DEFAULT_TOPOLOGY)
    parser.add_argument("--input-type", choices=("conv", "gemm"), default="conv")
    parser.add_argument("--scalesim-python", default=str(ROOT / ".venv-scalesim" / "bin" / "python"),
                        help="a Python with scalesim==3.0.0 installed, or 'none'")
    parser.add_argument("--repeats", type=int, default=5, help="runs of our side (median reported)")
    parser.add_argument("--scalesim-repeats", type=int, default=1, help="runs of SCALE-Sim (median reported)")
    args = parser.parse_args()

    from hwcodesign.simulator.systolic.scalesim_run import scalesim_layers

    name = run_name(args.config)
    work = Path(tempfile.mkdtemp(prefix="bench_systolic_"))
    try:
        # --- ours: in-process model time, and the whole CLI process (startup, imports, files)
        scalesim_layers(args.config, args.topology, input_type=args.input_type)  # warm-up
        model_times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            scalesim_layers(args.config, args.topology, input_type=args.input_type)
            model_times.append(time.perf_counter() - start)
        tracemalloc.start()  # Python-heap peak of one run, measured apart from the timings
        scalesim_layers(args.config, args.topology, input_type=args.input_type)
        model_mib = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        ours_cli = [sys.executable, "-m", "hwcodesign", "scalesim", "-c", str(args.config), "-t",
                    str(args.topology), "-p", str(work / "ours"), "-i", args.input_type]
        cli_runs = [run_process(ours_cli, work) for _ in range(args.repeats)]
        ours = read_report(work / "ours" / name, "COMPUTE_REPORT.csv")
        ours_detail = read_report(work / "ours" / name, "DETAILED_ACCESS_REPORT.csv")

        have_scalesim = args.scalesim_python != "none" and Path(args.scalesim_python).exists()
        if have_scalesim:
            theirs_cmd = [args.scalesim_python, "-m", "scalesim.scale", "-c", str(args.config), "-t",
                          str(args.topology), "-p", str(work / "scalesim"), "-i", args.input_type, "-l", str(LAYOUT)]
            ss_runs = []
            for _ in range(args.scalesim_repeats):
                ss_runs.append(run_process(theirs_cmd, work))
                theirs = read_report(work / "scalesim" / name, "COMPUTE_REPORT.csv")
                theirs_detail = read_report(work / "scalesim" / name, "DETAILED_ACCESS_REPORT.csv")
                shutil.rmtree(work / "scalesim")  # its per-cycle traces run to gigabytes
        else:
            print(f"(SCALE-Sim not found at {args.scalesim_python}: showing our side only)\n")

        table = pd.DataFrame({"layer": ours["LayerID"], "ours_total_cycles": ours["Total Cycles"],
                              "ours_stall_cycles": ours["Stall Cycles"],
                              "ours_dram_ifmap_reads": ours_detail["DRAM IFMAP Reads"],
                              "ours_dram_filter_reads": ours_detail["DRAM Filter Reads"]})
        if have_scalesim:
            table.insert(2, "scalesim_total_cycles", theirs["Total Cycles"])
            table.insert(4, "scalesim_stall_cycles", theirs["Stall Cycles"])
            table["scalesim_dram_ifmap_reads"] = theirs_detail["DRAM IFMAP Reads"]
            table["scalesim_dram_filter_reads"] = theirs_detail["DRAM Filter Reads"]
            table["cycles_match"] = table["ours_total_cycles"] == table["scalesim_total_cycles"]
        print(f"{args.topology.name} on {args.config.name} ({name})")
        print(table.to_string(index=False))

        model_s = statistics.median(model_times)
        cli_s = statistics.median(r[0] for r in cli_runs)
        cli_mib = max(r[1] for r in cli_runs)
        rows = [("hwcodesign model (in process)", model_s, model_mib),
                ("hwcodesign scalesim (CLI process)", cli_s, cli_mib)]
        if have_scalesim:
            rows.append(("SCALE-Sim 3.0.0 (process)", statistics.median(r[0] for r in ss_runs),
                         max(r[1] for r in ss_runs)))
        print()
        print(f"{'run':36s} {'median wall s':>14s} {'peak MiB':>9s} {'SCALE-Sim / this':>17s}")
        for label, seconds, mib in rows:
            ratio = f"{rows[-1][1] / seconds:,.0f}x" if have_scalesim else "-"
            print(f"{label:36s} {seconds:14.4f} {mib:9.1f} {ratio:>17s}")
        print("(peak MiB: traced Python heap for the in-process model, peak RSS for whole processes)")
        if have_scalesim:
            print(f"\nlayers with identical total cycles: {int(table['cycles_match'].sum())}/{len(table)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
