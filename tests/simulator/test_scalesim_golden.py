"""The closed-form SCALE-Sim model against SCALE-Sim 3.0.0's own reports, plus invariants.

``tests/golden/scalesim/golden.csv`` holds only numbers SCALE-Sim printed (see the
``regenerate.py`` next to it). Every row must give identical cycles, stalls and SRAM
accesses, and DRAM accesses within 1% (they are exact too; the count is reported).
"""

from __future__ import annotations

import csv
import importlib.util
import math
import sys
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hwcodesign.core.errors import ConfigError
from hwcodesign.simulator.systolic.scalesim_model import (
    ScaleSimLayerStats,
    scalesim_conv_layer,
    scalesim_gemm_layer,
)
from hwcodesign.simulator.systolic.scalesim_reports import (
    bandwidth_report_lines,
    compute_report_lines,
    detailed_access_report_lines,
    write_scalesim_reports,
)

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "scalesim" / "golden.csv"

EXACT = [
    "total_cycles",
    "stall_cycles",
    "ifmap_sram_reads",
    "filter_sram_reads",
    "ofmap_sram_writes",
]
DRAM = ["ifmap_dram_reads", "filter_dram_reads", "ofmap_dram_writes"]


def _hw(row: dict) -> dict:
    return dict(
        array_rows=int(row["array_rows"]),
        array_cols=int(row["array_cols"]),
        dataflow=row["dataflow"],
        ifmap_sram_kb=int(row["ifmap_sram_kb"]),
        filter_sram_kb=int(row["filter_sram_kb"]),
        ofmap_sram_kb=int(row["ofmap_sram_kb"]),
        bandwidth_mode=row["bandwidth_mode"],
        ifmap_dram_bw_words_per_cycle=int(row["ifmap_dram_bw_words_per_cycle"]),
        filter_dram_bw_words_per_cycle=int(row["filter_dram_bw_words_per_cycle"]),
        ofmap_dram_bw_words_per_cycle=int(row["ofmap_dram_bw_words_per_cycle"]),
    )


def _ours(row: dict) -> ScaleSimLayerStats:
    if row["topology_kind"] == "gemm":
        return scalesim_gemm_layer(m=int(row["gemm_m"]), n=int(row["gemm_n"]), k=int(row["gemm_k"]), **_hw(row))
    dims = {k: int(row[k]) for k in ("ifmap_h", "ifmap_w", "filter_h", "filter_w", "channels", "num_filters", "stride")}
    return scalesim_conv_layer(**dims, **_hw(row))


@cache
def _golden() -> tuple[list[dict], list[ScaleSimLayerStats]]:
    with GOLDEN.open() as fh:
        rows = list(csv.DictReader(fh))
    return rows, [_ours(r) for r in rows]


def test_golden_grid_covers_the_acceptance_matrix():
    rows, _ = _golden()
    user = [r for r in rows if r["bandwidth_mode"] == "USER"]
    assert len({r["network"] for r in user}) >= 3
    assert {r["dataflow"] for r in user} == {"os", "ws", "is"}
    shapes = {(int(r["array_rows"]), int(r["array_cols"])) for r in user}
    assert {(8, 8), (16, 32), (32, 32), (128, 128)} <= shapes
    assert any(int(r["stall_cycles"]) > 0 for r in user), "no stalling configuration in the grid"
    assert any(r["bandwidth_mode"] == "CALC" for r in rows)


@pytest.mark.parametrize("metric", EXACT)
def test_golden_exact(metric):
    rows, ours = _golden()
    bad = [
        (r["network"], r["config"], r["layer_name"], r[metric], getattr(o, metric))
        for r, o in zip(rows, ours)
        if int(r[metric]) != getattr(o, metric)
    ]
    assert not bad, f"{len(bad)}/{len(rows)} rows differ on {metric}: {bad[:10]}"


@pytest.mark.parametrize("metric", DRAM)
def test_golden_dram_within_one_percent(metric, record_property):
    rows, ours = _golden()
    exact = sum(int(r[metric]) == getattr(o, metric) for r, o in zip(rows, ours))
    record_property(f"{metric}_exact", f"{exact}/{len(rows)}")
    bad = [
        (r["network"], r["config"], r["layer_name"], r[metric], getattr(o, metric))
        for r, o in zip(rows, ours)
        if abs(getattr(o, metric) - int(r[metric])) > 0.01 * max(int(r[metric]), 1)
    ]
    assert not bad, f"{len(bad)}/{len(rows)} rows off by more than 1% on {metric}: {bad[:10]}"


def _report_fields() -> dict[str, list[str]]:
    """The golden columns of each report, as regenerate.py (which wrote them) names them."""
    spec = importlib.util.spec_from_file_location("regenerate", GOLDEN.parent / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("regenerate", module)  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    names = {"COMPUTE_REPORT.csv": "compute", "BANDWIDTH_REPORT.csv": "bandwidth",
             "DETAILED_ACCESS_REPORT.csv": "detail"}
    return {names[report]: columns for report, columns in module.REPORT_COLUMNS.items()}


@pytest.mark.parametrize(
    "report, make",
    [
        ("compute", compute_report_lines),
        ("bandwidth", bandwidth_report_lines),
        ("detail", detailed_access_report_lines),
    ],
)
def test_golden_report_text_identical(report, make):
    """Our report lines equal SCALE-Sim's printed values, field for field, digit for digit."""
    rows, ours = _golden()
    fields = _report_fields()[report]
    bad = []
    for r, o in zip(rows, ours):
        expected = "0, " + ", ".join(r[f] for f in fields) + ","
        got = make([o])[1]
        if got != expected:
            bad.append((r["network"], r["config"], r["layer_name"], expected, got))
    assert not bad, f"{len(bad)}/{len(rows)} {report} lines differ: {bad[:3]}"


def test_write_reports(tmp_path):
    _, ours = _golden()
    paths = write_scalesim_reports(tmp_path, ours[:3])
    assert [p.name for p in paths] == ["COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"]
    text = paths[0].read_text().splitlines()
    assert text[0].startswith("LayerID, Total Cycles (incl. prefetch), Total Cycles,")
    assert [line.split(",")[0] for line in text[1:]] == ["0", "1", "2"]


# --------------------------------------------------------------------------- properties

layers = st.fixed_dictionaries(
    {
        "ifmap_h": st.integers(3, 16),
        "ifmap_w": st.integers(3, 16),
        "filter_h": st.integers(1, 3),
        "filter_w": st.integers(1, 3),
        "channels": st.integers(1, 6),
        "num_filters": st.integers(1, 40),
        "stride": st.integers(1, 3),
    }
)
dataflows = st.sampled_from(["os", "ws", "is"])
arrays = st.tuples(st.integers(1, 24), st.integers(1, 24))
memories = st.fixed_dictionaries(
    {
        "ifmap_sram_kb": st.integers(1, 8),
        "filter_sram_kb": st.integers(1, 8),
        "ofmap_sram_kb": st.integers(1, 4),
        "bandwidth_mode": st.sampled_from(["USER", "CALC"]),
        "ifmap_dram_bw_words_per_cycle": st.integers(1, 16),
        "filter_dram_bw_words_per_cycle": st.integers(1, 16),
        "ofmap_dram_bw_words_per_cycle": st.integers(1, 16),
    }
)
BIG = dict(ifmap_sram_kb=1024, filter_sram_kb=1024, ofmap_sram_kb=1024, bandwidth_mode="USER")
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _sim(layer, df, rc, mem):
    return scalesim_conv_layer(**layer, array_rows=rc[0], array_cols=rc[1], dataflow=df, **mem)


@FAST
@given(layers, dataflows, arrays, memories)
def test_cycles_at_least_macs_over_pes_and_utilisation_bounded(layer, df, rc, mem):
    """SCALE-Sim's "Total Cycles" is the index of the last cycle (cycles - 1), so the bound is
    on ``total_cycles + 1``; its overall utilisation divides by ``total_cycles`` and can reach
    112.5% (a 3x3 1x1-filter layer on a 1x1 array: 9 MACs in "8" cycles, SCALE-Sim agrees).
    """
    s = _sim(layer, df, rc, mem)
    pes = rc[0] * rc[1]
    assert s.total_cycles + 1 >= s.macs / pes
    assert s.stall_cycles >= 0
    assert 0.0 < s.macs * 100 / ((s.total_cycles + 1) * pes) <= 100.0
    assert s.overall_util_percent > 0.0
    for u in (s.mapping_efficiency_percent, s.compute_util_percent):
        assert 0.0 < u <= 100.0 + 1e-9


@FAST
@given(layers, dataflows, arrays, memories)
def test_sram_accesses_at_least_compulsory(layer, df, rc, mem):
    s = _sim(layer, df, rc, mem)
    oh = math.ceil((layer["ifmap_h"] - layer["filter_h"] + layer["stride"]) / layer["stride"])
    ow = math.ceil((layer["ifmap_w"] - layer["filter_w"] + layer["stride"]) / layer["stride"])
    window = layer["filter_h"] * layer["filter_w"] * layer["channels"]

    def touched(n_out, f, n_in):
        return len({o * layer["stride"] + k for o in range(n_out) for k in range(f) if o * layer["stride"] + k < n_in})

    ifmap_elems = touched(oh, layer["filter_h"], layer["ifmap_h"]) * touched(ow, layer["filter_w"], layer["ifmap_w"])
    assert s.ifmap_sram_reads >= ifmap_elems * layer["channels"]
    assert s.filter_sram_reads >= window * layer["num_filters"]
    assert s.ofmap_sram_writes >= oh * ow * layer["num_filters"]


@FAST
@given(layers, dataflows, arrays, st.integers(0, 24), st.integers(0, 24))
def test_more_pes_never_more_mac_cycles(layer, df, rc, extra_r, extra_c):
    """A bigger array never needs more folds, so never more MAC-issue cycles (folds x T).

    SCALE-Sim's *total* cycles can grow with the array (each fold pays ``R + C`` of fill and
    drain: a 1x1x1 layer takes 1 cycle on a 1x1 array and 2 on 2x1), so monotonicity of
    total cycles is checked separately, where the bigger array still has two folds per side.
    """
    small = _sim(layer, df, rc, BIG)
    big = _sim(layer, df, (rc[0] + extra_r, rc[1] + extra_c), BIG)
    assert big.row_folds * big.col_folds <= small.row_folds * small.col_folds
    assert big.stall_cycles == small.stall_cycles == 0


@FAST
@given(layers, dataflows, st.tuples(st.integers(1, 6), st.integers(1, 6)))
def test_doubling_the_array_never_more_cycles(layer, df, rc):
    small = _sim(layer, df, rc, BIG)
    big = _sim(layer, df, (2 * rc[0], 2 * rc[1]), BIG)
    if big.row_folds >= 2 and big.col_folds >= 2:
        assert big.total_cycles <= small.total_cycles


def test_gemm_is_scalesims_conv_view():
    hw = dict(
        array_rows=8,
        array_cols=4,
        dataflow="ws",
        ifmap_sram_kb=2,
        filter_sram_kb=2,
        ofmap_sram_kb=1,
        bandwidth_mode="USER",
        ifmap_dram_bw_words_per_cycle=2,
        filter_dram_bw_words_per_cycle=2,
        ofmap_dram_bw_words_per_cycle=2,
    )
    g = scalesim_gemm_layer(m=20, n=12, k=30, **hw)
    c = scalesim_conv_layer(ifmap_h=20, ifmap_w=30, filter_h=1, filter_w=30, channels=1, num_filters=12, stride=1, **hw)
    assert g == c
    assert g.macs == 20 * 12 * 30


# --------------------------------------------------------------------------- validation

GOOD = dict(
    ifmap_h=8,
    ifmap_w=8,
    filter_h=3,
    filter_w=3,
    channels=2,
    num_filters=4,
    stride=1,
    array_rows=4,
    array_cols=4,
    dataflow="os",
    ifmap_sram_kb=1,
    filter_sram_kb=1,
    ofmap_sram_kb=1,
    bandwidth_mode="USER",
    ifmap_dram_bw_words_per_cycle=2,
    filter_dram_bw_words_per_cycle=2,
    ofmap_dram_bw_words_per_cycle=2,
)


@pytest.mark.parametrize(
    "field, value",
    [
        ("dataflow", "rs"),
        ("bandwidth_mode", "user"),
        ("array_rows", 0),
        ("array_cols", -3),
        ("stride", 1.5),
        ("channels", True),
        ("ifmap_sram_kb", 0),
        ("ofmap_dram_bw_words_per_cycle", 0),
        ("filter_h", 9),
        ("filter_w", 12),
        ("read_request_buffer", 0),
    ],
)
def test_bad_arguments_raise_config_error(field, value):
    with pytest.raises(ConfigError, match=field):
        scalesim_conv_layer(**{**GOOD, field: value})


def test_bad_gemm_argument():
    with pytest.raises(ConfigError, match="'k'"):
        scalesim_gemm_layer(
            m=4,
            n=4,
            k=0,
            **{
                k: v
                for k, v in GOOD.items()
                if k not in ("ifmap_h", "ifmap_w", "filter_h", "filter_w", "channels", "num_filters", "stride")
            },
        )
    with pytest.raises(ValueError):  # ConfigError is also a ValueError
        scalesim_conv_layer(**{**GOOD, "dataflow": "xx"})
