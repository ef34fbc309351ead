"""Regenerate the SCALE-Sim golden files in this folder by running SCALE-Sim itself.

Needs a Python environment with ``scalesim==3.0.0`` and ``numpy==2.3.5`` (SCALE-Sim 3.0.0
crashes with numpy 2.4), e.g.::

    python3 -m venv .venv-scalesim
    .venv-scalesim/bin/pip install scalesim==3.0.0 numpy==2.3.5

then, from the repository root::

    python3 tests/golden/scalesim/regenerate.py --scalesim-python .venv-scalesim/bin/python

It writes the topology CSVs and ``.cfg`` files it uses under ``topologies/`` and
``configs/``, runs SCALE-Sim once per (network, config) in a temporary directory (SCALE-Sim
always writes per-cycle trace CSVs; they are deleted with the directory), parses SCALE-Sim's
own ``COMPUTE_REPORT.csv``, ``BANDWIDTH_REPORT.csv`` and ``DETAILED_ACCESS_REPORT.csv`` and
writes one tidy row per layer into ``golden.csv``. Nothing in ``golden.csv`` comes from
hwcodesign.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_PYTHON = str(HERE.parents[2] / ".venv-scalesim" / "bin" / "python")

# Layer names must not contain "DP": SCALE-Sim splits such layers per channel.
NETWORKS: dict[str, tuple[str, list[tuple]]] = {
    # name: (kind, rows). conv rows: name, H, W, R, S, C, K, stride. gemm rows: name, M, N, K.
    "lenet": (
        "conv",
        [
            ("conv1", 14, 14, 5, 5, 1, 6, 1),
            ("conv2", 7, 7, 3, 3, 6, 12, 1),
            ("fc1", 3, 3, 3, 3, 12, 24, 1),
            ("fc2", 1, 1, 1, 1, 24, 10, 1),
        ],
    ),
    "cifar_resnet": (
        "conv",
        [
            ("stem", 10, 10, 3, 3, 3, 8, 1),
            ("res1a", 8, 8, 3, 3, 8, 8, 1),
            ("down2a", 8, 8, 3, 3, 8, 16, 2),
            ("short2", 8, 8, 1, 1, 8, 16, 2),
            ("res2b", 5, 5, 3, 3, 16, 16, 1),
        ],
    ),
    "mobilenet_piece": (
        "conv",
        [
            ("first", 17, 17, 3, 3, 3, 8, 2),
            ("dw1", 10, 10, 3, 3, 1, 1, 1),
            ("pw1", 8, 8, 1, 1, 8, 16, 1),
            ("dw2s2", 9, 9, 3, 3, 1, 1, 2),
            ("pw2", 4, 4, 1, 1, 16, 32, 1),
        ],
    ),
    "small_gemm": (
        "gemm",
        [
            ("proj", 24, 40, 32),
            ("attn", 16, 16, 24),
            ("head", 5, 100, 64),
        ],
    ),
}


@dataclass(frozen=True)
class HwConfig:
    """One SCALE-Sim .cfg file."""

    name: str
    rows: int
    cols: int
    dataflow: str
    ifmap_kb: int
    filter_kb: int
    ofmap_kb: int
    mode: str  # USER or CALC
    ifmap_bw: int  # [layout] IfmapSRAMBankBandwidth: ifmap DRAM bandwidth in USER mode
    filter_bw: int  # [layout] FilterSRAMBankBandwidth: filter DRAM bandwidth in USER mode
    ofmap_bw: int  # [architecture_presets] Bandwidth: ofmap drain bandwidth in USER mode

    def text(self) -> str:
        return f"""[general]
run_name = {self.name}

[architecture_presets]
ArrayHeight:    {self.rows}
ArrayWidth:     {self.cols}
IfmapSramSzkB:    {self.ifmap_kb}
FilterSramSzkB:   {self.filter_kb}
OfmapSramSzkB:    {self.ofmap_kb}
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Dataflow : {self.dataflow}
Bandwidth : {self.ofmap_bw}
ReadRequestBuffer: 512
WriteRequestBuffer: 512

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: {self.ifmap_bw}
IfmapSRAMBankNum: 1
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: {self.filter_bw}
FilterSRAMBankNum: 1
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth: {self.mode}
UseRamulatorTrace: False
"""


ARRAYS = [(8, 8), (16, 32), (32, 32), (128, 128), (32, 8)]
# (tag, ifmap kB, filter kB, ofmap kB, mode, ifmap bw, filter bw, ofmap bw)
MEMORIES = [
    ("tiny_bw1", 1, 1, 1, "USER", 1, 1, 1),
    ("small_bw2", 2, 2, 1, "USER", 2, 4, 2),
    ("mid_bw4", 4, 8, 2, "USER", 4, 2, 3),
    ("big_bw10", 256, 256, 128, "USER", 10, 10, 10),
]
CALC_MEMORIES = [
    ("calc_small", 2, 2, 1, "CALC", 10, 10, 10),
    ("calc_big", 64, 64, 64, "CALC", 10, 10, 10),
]
CALC_ARRAYS = [(8, 8), (16, 32)]


def grid() -> list[tuple[str, HwConfig]]:
    """(network, config) pairs of the golden grid."""
    out = []
    for net, df, (r, c), mem in itertools.product(NETWORKS, ("os", "ws", "is"), ARRAYS, MEMORIES):
        tag, ikb, fkb, okb, mode, ibw, fbw, obw = mem
        out.append((net, HwConfig(f"{df}_{r}x{c}_{tag}", r, c, df, ikb, fkb, okb, mode, ibw, fbw, obw)))
    for net, df, (r, c), mem in itertools.product(NETWORKS, ("os", "ws", "is"), CALC_ARRAYS, CALC_MEMORIES):
        tag, ikb, fkb, okb, mode, ibw, fbw, obw = mem
        out.append((net, HwConfig(f"{df}_{r}x{c}_{tag}", r, c, df, ikb, fkb, okb, mode, ibw, fbw, obw)))
    return out


def write_topology(path: Path, kind: str, rows: list[tuple]) -> None:
    if kind == "gemm":
        lines = ["Layer Name, M, N, K,"] + [f"{n}, {m}, {nn}, {k}," for n, m, nn, k in rows]
    else:
        lines = ["Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"]
        lines += [",".join(str(x) for x in row) + "," for row in rows]
    path.write_text("\n".join(lines) + "\n")


def write_layout(path: Path) -> None:
    # SCALE-Sim requires a layout file even when no custom layout is used.
    path.write_text(
        "Layer name, IFMAP Height Intraline Factor, IFMAP Width Intraline Factor, Filter Height Intraline Factor, "
        "Filter Width Intraline Factor, Channel Intraline Factor, Num Filter Intraline Factor, IFMAP Height Intraline "
        "Order, IFMAP Width Intraline Order, Channel Intraline Order, IFMAP Height Interline Order, IFMAP Width "
        "Interline Order, Channel Interline Order, Num Filter Intraline Order, Channel Intraline Order, Filter Height "
        "Intraline Order, Filter Width Intraline Order, Num Filter Interline Order, Channel Interline Order, Filter "
        "Height Interline Order, Filter Width Interline Order,\n"
        "dummy, 1, 1, 1, 1, 1, 1,     0, 1, 2,     3, 4, 5,     0, 1, 2, 3,     4, 5, 6, 7,\n"
    )


def _read_report(path: Path) -> list[list[str]]:
    rows = []
    with path.open() as fh:
        next(fh)
        for line in fh:
            line = line.strip()
            if line:
                rows.append([x.strip() for x in line.rstrip(",").split(",")])
    return rows


REPORT_COLUMNS = {
    "COMPUTE_REPORT.csv": [
        "total_cycles_incl_prefetch",
        "total_cycles",
        "stall_cycles",
        "overall_util_percent",
        "mapping_efficiency_percent",
        "compute_util_percent",
    ],
    "BANDWIDTH_REPORT.csv": [
        "avg_ifmap_sram_bw",
        "avg_filter_sram_bw",
        "avg_ofmap_sram_bw",
        "avg_ifmap_dram_bw",
        "avg_filter_dram_bw",
        "avg_ofmap_dram_bw",
    ],
    "DETAILED_ACCESS_REPORT.csv": [
        "ifmap_sram_start_cycle",
        "ifmap_sram_stop_cycle",
        "ifmap_sram_reads",
        "filter_sram_start_cycle",
        "filter_sram_stop_cycle",
        "filter_sram_reads",
        "ofmap_sram_start_cycle",
        "ofmap_sram_stop_cycle",
        "ofmap_sram_writes",
        "ifmap_dram_start_cycle",
        "ifmap_dram_stop_cycle",
        "ifmap_dram_reads",
        "filter_dram_start_cycle",
        "filter_dram_stop_cycle",
        "filter_dram_reads",
        "ofmap_dram_start_cycle",
        "ofmap_dram_stop_cycle",
        "ofmap_dram_writes",
    ],
}


def run_scalesim(python: str, cfg_path: Path, topo_path: Path, layout_path: Path, gemm: bool) -> list[dict]:
    """Run SCALE-Sim in a temporary folder; return its per-layer report values as strings."""
    with tempfile.TemporaryDirectory(prefix="scalesim_golden_") as tmp:
        cmd = [
            python,
            "-m",
            "scalesim.scale",
            "-c",
            str(cfg_path),
            "-t",
            str(topo_path),
            "-l",
            str(layout_path),
            "-p",
            tmp,
        ]
        if gemm:
            cmd += ["-i", "gemm"]
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"SCALE-Sim failed on {cfg_path.name} {topo_path.name}:\n{proc.stderr[-3000:]}")
        run_dirs = [p for p in Path(tmp).iterdir() if p.is_dir()]
        (run_dir,) = run_dirs
        layers: list[dict] = []
        for report, cols in REPORT_COLUMNS.items():
            for k, vals in enumerate(_read_report(run_dir / report)):
                if len(layers) <= k:
                    layers.append({"layer_id": vals[0]})
                layers[k].update(dict(zip(cols, vals[1:], strict=True)))
        return layers


def golden_rows(python: str, net: str, cfg: HwConfig, cfg_path: Path, topo_path: Path, layout_path: Path) -> list[dict]:
    kind, layers = NETWORKS[net]
    reported = run_scalesim(python, cfg_path, topo_path, layout_path, kind == "gemm")
    out = []
    for layer, rep in zip(layers, reported, strict=True):
        if kind == "gemm":
            name, m, n, k = layer
            dims = dict(
                ifmap_h=m,
                ifmap_w=k,
                filter_h=1,
                filter_w=k,
                channels=1,
                num_filters=n,
                stride=1,
                gemm_m=m,
                gemm_n=n,
                gemm_k=k,
            )
        else:
            name, h, w, r, s, c, kk, st = layer
            dims = dict(
                ifmap_h=h,
                ifmap_w=w,
                filter_h=r,
                filter_w=s,
                channels=c,
                num_filters=kk,
                stride=st,
                gemm_m="",
                gemm_n="",
                gemm_k="",
            )
        row = dict(
            network=net,
            topology_kind=kind,
            config=cfg.name,
            dataflow=cfg.dataflow,
            array_rows=cfg.rows,
            array_cols=cfg.cols,
            ifmap_sram_kb=cfg.ifmap_kb,
            filter_sram_kb=cfg.filter_kb,
            ofmap_sram_kb=cfg.ofmap_kb,
            bandwidth_mode=cfg.mode,
            ifmap_dram_bw_words_per_cycle=cfg.ifmap_bw,
            filter_dram_bw_words_per_cycle=cfg.filter_bw,
            ofmap_dram_bw_words_per_cycle=cfg.ofmap_bw,
            layer_name=name,
            **dims,
        )
        row.update(rep)
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--scalesim-python",
        default=os.environ.get("SCALESIM_PYTHON", DEFAULT_PYTHON),
        help="python of a venv with scalesim==3.0.0 and numpy==2.3.5",
    )
    ap.add_argument("--out", type=Path, default=HERE, help="folder for golden.csv, topologies/ and configs/")
    ap.add_argument("--jobs", type=int, default=2, help="SCALE-Sim runs in parallel")
    ap.add_argument("--limit", type=int, default=0, help="only the first N runs of the grid (for a smoke test)")
    args = ap.parse_args(argv)

    out: Path = args.out
    (out / "topologies").mkdir(parents=True, exist_ok=True)
    (out / "configs").mkdir(parents=True, exist_ok=True)
    for net, (kind, rows) in NETWORKS.items():
        write_topology(out / "topologies" / f"{net}.csv", kind, rows)
    layout_path = out / "topologies" / "layout.csv"
    write_layout(layout_path)
    runs = grid()
    if args.limit:
        runs = runs[: args.limit]
    for _, cfg in runs:
        (out / "configs" / f"{cfg.name}.cfg").write_text(cfg.text())

    t0 = time.time()

    def one(item: tuple[str, HwConfig]) -> list[dict]:
        net, cfg = item
        t = time.time()
        rows = golden_rows(
            args.scalesim_python,
            net,
            cfg,
            out / "configs" / f"{cfg.name}.cfg",
            out / "topologies" / f"{net}.csv",
            layout_path,
        )
        print(f"{net:16s} {cfg.name:28s} {time.time() - t:6.1f} s", file=sys.stderr, flush=True)
        return rows

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(one, runs))
    rows = [r for rs in results for r in rs]
    with (out / "golden.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} layer rows from {len(runs)} SCALE-Sim runs in {time.time() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
