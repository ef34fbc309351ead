"""Write SCALE-Sim 3.0.0's three per-layer reports from :class:`ScaleSimLayerStats`.

The files have SCALE-Sim's exact header strings, column order and number formatting
(``", "``-separated values, a trailing comma on every line, integers for cycle totals
and read/write counts, trace cycle stamps printed as floats such as ``-256.0``), so tools
that parse SCALE-Sim's output read these unchanged.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from hwcodesign.simulator.systolic.scalesim_model import scalesim_conv_layer
>>> s = scalesim_conv_layer(ifmap_h=8, ifmap_w=8, filter_h=3, filter_w=3, channels=2,
...     num_filters=5, stride=1, array_rows=4, array_cols=6, dataflow="os",
...     ifmap_sram_kb=1, filter_sram_kb=1, ofmap_sram_kb=1, bandwidth_mode="USER",
...     ifmap_dram_bw_words_per_cycle=2, filter_dram_bw_words_per_cycle=3,
...     ofmap_dram_bw_words_per_cycle=4)
>>> with tempfile.TemporaryDirectory() as d:
...     paths = write_scalesim_reports(Path(d), [s])
...     print(paths[0].read_text().splitlines()[1])
0, 651, 351, 118, 38.46153846153846, 83.33333333333333, 57.69230769230768,
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hwcodesign.simulator.systolic.scalesim_model import ScaleSimLayerStats

__all__ = [
    "COMPUTE_REPORT_HEADER",
    "BANDWIDTH_REPORT_HEADER",
    "DETAILED_ACCESS_REPORT_HEADER",
    "compute_report_lines",
    "bandwidth_report_lines",
    "detailed_access_report_lines",
    "write_scalesim_reports",
]

COMPUTE_REPORT_HEADER = (
    "LayerID, Total Cycles (incl. prefetch), Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %,"
    " Compute Util %,"
)
BANDWIDTH_REPORT_HEADER = (
    "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, "
    "Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,"
)
DETAILED_ACCESS_REPORT_HEADER = (
    "LayerID, "
    "SRAM IFMAP Start Cycle, SRAM IFMAP Stop Cycle, SRAM IFMAP Reads, "
    "SRAM Filter Start Cycle, SRAM Filter Stop Cycle, SRAM Filter Reads, "
    "SRAM OFMAP Start Cycle, SRAM OFMAP Stop Cycle, SRAM OFMAP Writes, "
    "DRAM IFMAP Start Cycle, DRAM IFMAP Stop Cycle, DRAM IFMAP Reads, "
    "DRAM Filter Start Cycle, DRAM Filter Stop Cycle, DRAM Filter Reads, "
    "DRAM OFMAP Start Cycle, DRAM OFMAP Stop Cycle, DRAM OFMAP Writes,"
)


def _cyc(x: int) -> str:
    # SCALE-Sim's trace cycle stamps are numpy floats: it prints "17.0", "-256.0".
    return str(float(x))


def _line(layer_id: int, items: Sequence[str]) -> str:
    return f"{layer_id}, " + ", ".join(items) + ","


def compute_report_lines(rows: Sequence[ScaleSimLayerStats]) -> list[str]:
    """Lines of ``COMPUTE_REPORT.csv`` (header first, no newlines)."""
    out = [COMPUTE_REPORT_HEADER]
    for lid, s in enumerate(rows):
        out.append(
            _line(
                lid,
                [
                    str(s.total_cycles_incl_prefetch),
                    str(s.total_cycles),
                    str(s.stall_cycles),
                    str(s.overall_util_percent),
                    str(s.mapping_efficiency_percent),
                    str(s.compute_util_percent),
                ],
            )
        )
    return out


def bandwidth_report_lines(rows: Sequence[ScaleSimLayerStats]) -> list[str]:
    """Lines of ``BANDWIDTH_REPORT.csv`` (header first, no newlines)."""
    out = [BANDWIDTH_REPORT_HEADER]
    for lid, s in enumerate(rows):
        out.append(
            _line(
                lid,
                [
                    str(float(s.avg_ifmap_sram_bw_words_per_cycle)),
                    str(float(s.avg_filter_sram_bw_words_per_cycle)),
                    str(float(s.avg_ofmap_sram_bw_words_per_cycle)),
                    str(float(s.avg_ifmap_dram_bw_words_per_cycle)),
                    str(float(s.avg_filter_dram_bw_words_per_cycle)),
                    str(float(s.avg_ofmap_dram_bw_words_per_cycle)),
                ],
            )
        )
    return out


def detailed_access_report_lines(rows: Sequence[ScaleSimLayerStats]) -> list[str]:
    """Lines of ``DETAILED_ACCESS_REPORT.csv`` (header first, no newlines)."""
    out = [DETAILED_ACCESS_REPORT_HEADER]
    for lid, s in enumerate(rows):
        out.append(
            _line(
                lid,
                [
                    _cyc(s.ifmap_sram_start_cycle),
                    _cyc(s.ifmap_sram_stop_cycle),
                    str(s.ifmap_sram_reads),
                    _cyc(s.filter_sram_start_cycle),
                    _cyc(s.filter_sram_stop_cycle),
                    str(s.filter_sram_reads),
                    _cyc(s.ofmap_sram_start_cycle),
                    _cyc(s.ofmap_sram_stop_cycle),
                    str(s.ofmap_sram_writes),
                    _cyc(s.ifmap_dram_start_cycle),
                    _cyc(s.ifmap_dram_stop_cycle),
                    str(s.ifmap_dram_reads),
                    _cyc(s.filter_dram_start_cycle),
                    _cyc(s.filter_dram_stop_cycle),
                    str(s.filter_dram_reads),
                    _cyc(s.ofmap_dram_start_cycle),
                    _cyc(s.ofmap_dram_stop_cycle),
                    str(s.ofmap_dram_writes),
                ],
            )
        )
    return out


def write_scalesim_reports(outdir: Path, rows: Sequence[ScaleSimLayerStats]) -> list[Path]:
    """Write ``COMPUTE_REPORT.csv``, ``BANDWIDTH_REPORT.csv`` and ``DETAILED_ACCESS_REPORT.csv``.

    Parameters
    ----------
    outdir
        Folder to write into (created if missing).
    rows
        One record per layer, in layer order; layer ids are their positions, as in SCALE-Sim.

    Returns
    -------
    list of Path
        The three files, in the order above.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, lines in (
        ("COMPUTE_REPORT.csv", compute_report_lines(rows)),
        ("BANDWIDTH_REPORT.csv", bandwidth_report_lines(rows)),
        ("DETAILED_ACCESS_REPORT.csv", detailed_access_report_lines(rows)),
    ):
        path = outdir / name
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths
