"""``hwcodesign scalesim``: SCALE-Sim 3.0.0's command, its files in, its reports out.

`run_scalesim` takes the same config and topology files SCALE-Sim takes and writes
``OUTDIR/<run_name>/COMPUTE_REPORT.csv``, ``BANDWIDTH_REPORT.csv`` and
``DETAILED_ACCESS_REPORT.csv`` with SCALE-Sim's columns and meanings, one row per
layer as SCALE-Sim numbers them (a depthwise ``DP`` row becomes one layer per
channel, as in SCALE-Sim). No per-cycle traces are written.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "net.csv").write_text("Layer, M, N, K,\\nfc1, 16, 8, 12,\\n")
>>> _ = (folder / "arch.cfg").write_text('''[general]
... run_name = demo
... [architecture_presets]
... ArrayHeight: 8
... ArrayWidth: 8
... IfmapSramSzkB: 64
... FilterSramSzkB: 64
... OfmapSramSzkB: 64
... Dataflow: ws
... Bandwidth: 10
... [run_presets]
... InterfaceBandwidth: USER
... ''')
>>> paths = run_scalesim(folder / "arch.cfg", folder / "net.csv", folder / "out", input_type="gemm")
>>> [p.name for p in paths]
['COMPUTE_REPORT.csv', 'BANDWIDTH_REPORT.csv', 'DETAILED_ACCESS_REPORT.csv']
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from hwcodesign.accelerators.scalesim_config import ScaleSimConfig, read_scalesim_config
from hwcodesign.simulator.systolic.scalesim_model import (
    ScaleSimLayerStats,
    scalesim_conv_layer,
    scalesim_gemm_layer,
)
from hwcodesign.simulator.systolic.scalesim_reports import write_scalesim_reports
from hwcodesign.workloads.operators import Conv2d
from hwcodesign.workloads.scalesim_topology import read_scalesim_topology

__all__ = ["run_scalesim", "scalesim_layers"]


def _hardware(cfg: ScaleSimConfig) -> dict[str, object]:
    return {
        "array_rows": cfg.array_rows, "array_cols": cfg.array_cols, "dataflow": cfg.dataflow,
        "ifmap_sram_kb": cfg.ifmap_sram_kb, "filter_sram_kb": cfg.filter_sram_kb, "ofmap_sram_kb": cfg.ofmap_sram_kb,
        "bandwidth_mode": cfg.bandwidth_mode,
        "ifmap_dram_bw_words_per_cycle": cfg.ifmap_dram_bw_words_per_cycle,
        "filter_dram_bw_words_per_cycle": cfg.filter_dram_bw_words_per_cycle,
        "ofmap_dram_bw_words_per_cycle": cfg.ofmap_dram_bw_words_per_cycle,
        "read_request_buffer": cfg.read_request_buffer, "write_request_buffer": cfg.write_request_buffer,
    }


def scalesim_layers(config: str | Path, topology: str | Path, *,
                    input_type: Literal["conv", "gemm"] = "conv") -> list[ScaleSimLayerStats]:
    """SCALE-Sim's per-layer numbers for a config and a topology file, in its layer order."""
    cfg = read_scalesim_config(config)
    workload = read_scalesim_topology(topology, form=input_type)
    hw = _hardware(cfg)
    layers: list[ScaleSimLayerStats] = []
    for op in workload.operators():
        if isinstance(op, Conv2d):
            row = op.scalesim_form()
            stats = scalesim_conv_layer(ifmap_h=row.ifmap_h, ifmap_w=row.ifmap_w, filter_h=row.filter_h,
                                        filter_w=row.filter_w, channels=row.channels,
                                        num_filters=row.num_filters, stride=row.stride_h, **hw)
            layers += [stats] * row.repeat  # SCALE-Sim runs a DP row once per channel
        else:
            view = op.gemm_view()
            layers.append(scalesim_gemm_layer(m=view.m, n=view.n, k=view.k, **hw))
    return layers


def run_scalesim(config: str | Path, topology: str | Path, outdir: str | Path, *,
                 input_type: Literal["conv", "gemm"] = "conv") -> list[Path]:
    """Write SCALE-Sim's three reports for ``topology`` on ``config`` under ``outdir/<run_name>``."""
    run_name = read_scalesim_config(config).run_name
    layers = scalesim_layers(config, topology, input_type=input_type)
    folder = Path(outdir) / run_name
    folder.mkdir(parents=True, exist_ok=True)
    return write_scalesim_reports(folder, layers)
