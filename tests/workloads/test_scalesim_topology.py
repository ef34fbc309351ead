"""SCALE-Sim topology CSV import/export, and fuzzing of the parser."""

import contextlib
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hwcodesign.core.errors import ConfigError
from hwcodesign.workloads import (
    Conv2d,
    get_workload,
    parse_scalesim_topology,
    read_scalesim_topology,
    scalesim_topology_text,
)
from hwcodesign.workloads import (
    Gemm as _Gemm,
)

DATA = Path(__file__).parent / "data"

# Total MACs that SCALE-Sim 3.0.0's own topology_utils.topologies.get_all_mac_ops() reports
# for these files (its Resnet50.csv, with extra columns, makes SCALE-Sim itself crash).
SCALESIM_MACS = {"alexnet.csv": 805_118_496, "mobilenet.csv": 565_519_488, "gpt2.csv": 20_686_307_328}


def _scalesim_row_macs(h, w, r, s, c, k, stride):
    # SCALE-Sim 3.0.0 topo_calc_hyperparams: ofmap = ceil((ifmap - filt + stride) / stride)
    oh = math.ceil((h - r + stride) / stride)
    ow = math.ceil((w - s + stride) / stride)
    return oh * ow * r * s * c * k


@pytest.mark.parametrize("name", sorted(SCALESIM_MACS))
def test_example_topologies_match_scalesim(name):
    w = read_scalesim_topology(DATA / name)
    assert w.macs == SCALESIM_MACS[name]
    assert w.name == name[:-4]
    assert all(w.inputs(b) == (a,) for a, b in zip(w.names(), w.names()[1:]))  # a chain


def test_resnet50_with_extra_columns_and_blank_row():
    w = read_scalesim_topology(DATA / "Resnet50.csv")
    rows = [line.split(",") for line in (DATA / "Resnet50.csv").read_text().splitlines()[1:]]
    rows = [r for r in rows if r[0].strip()]
    assert len(w) == len(rows) == 54
    assert w.macs == sum(_scalesim_row_macs(*map(int, r[1:8])) for r in rows)


def test_gemm_form_follows_scalesim_mapping():
    w = read_scalesim_topology(DATA / "gpt2.csv")  # CRLF line ends
    qkt = w["QKT"]
    assert isinstance(qkt, _Gemm) and (qkt.m, qkt.n, qkt.k) == (1024, 1024, 64)
    assert qkt.gemm_view().m == 1024 and qkt.gemm_view().n == 1024 and qkt.gemm_view().k == 64


def test_mobilenet_num_filter_one_rows_are_plain_convs():
    w = read_scalesim_topology(DATA / "mobilenet.csv")
    conv2 = w["Conv2"]
    assert isinstance(conv2, Conv2d) and conv2.groups == 1 and conv2.out_channels == 1
    assert conv2.gemm_view().k == 3 * 3 * 32  # what SCALE-Sim runs for such a row


def test_dp_rows_are_depthwise_like_scalesim():
    text = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
    w = parse_scalesim_topology(text + "DP1, 10, 10, 3, 3, 4, 2, 1,\n")
    op = w["DP1"]
    assert op.groups == 4 and op.out_channels == 8
    # SCALE-Sim runs 4 layers of 1 channel, 2 filters: M=64, N=2, K=9 each
    assert op.gemm_view() == op.gemm_view().__class__(m=64, n=2, k=9, groups=4)


@pytest.mark.parametrize("name", ["tiny", "mobilenet_v2", "resnet18", "bert_base"])
@pytest.mark.parametrize("form", ["conv", "gemm"])
def test_export_import_preserves_macs_and_views(name, form):
    w = get_workload(name)
    back = parse_scalesim_topology(scalesim_topology_text(w, form=form))
    assert back.macs == w.macs
    ours = sorted((v.m, v.n, v.k) for op in w if (v := op.gemm_view()) for _ in range(v.groups))
    theirs = sorted((v.m, v.n, v.k) for op in back if (v := op.gemm_view()) for _ in range(v.groups))
    if form == "gemm":
        assert ours == theirs


def test_export_rejects_what_scalesim_cannot_express():
    w = get_workload("tiny", batch=2)
    with pytest.raises(ConfigError, match="form='gemm'"):
        scalesim_topology_text(w, form="conv")
    assert parse_scalesim_topology(scalesim_topology_text(w, form="gemm")).macs == w.macs


@pytest.mark.parametrize("row, words", [
    ("c, 10, 10, 3, 3, 4, 8,", "expected 8 columns"),
    ("c, 10, 10, 3, 3, 4, 8, 1, 1, 1,", "found 10"),
    ("c, 10, ten, 3, 3, 4, 8, 1,", "column 'IFMAP Width' must be an int >= 1. Got 'ten'"),
    ("c, 10, 10, 3, 3, -4, 8, 1,", "column 'Channels' must be an int >= 1"),
    ("c, 10, 10, 3, 3, 4, 0, 1,", "column 'Num Filter' must be an int >= 1"),
    ("c, 10, 10, 11, 3, 4, 8, 1,", "column 'Filter Height' must be an int <= IFMAP Height \\(10\\)"),
    (", 10, 10, 3, 3, 4, 8, 1,", "non-empty layer name"),
])
def test_malformed_lines(row, words):
    text = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
    with pytest.raises(ConfigError, match=f"net.csv, line 3: .*{words}"):
        parse_scalesim_topology(text + "ok, 4, 4, 1, 1, 1, 1, 1,\n" + row + "\n", source="net.csv")


def test_bad_header_and_empty_file():
    with pytest.raises(ConfigError, match="line 1: the header"):
        parse_scalesim_topology("a, b, c\n1, 2, 3\n")
    with pytest.raises(ConfigError, match="empty"):
        parse_scalesim_topology("")
    with pytest.raises(ConfigError, match="Cannot read"):
        read_scalesim_topology(DATA / "missing.csv")


# -- fuzzing ------------------------------------------------------------------------
CONV_HEADER = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"
cell = st.one_of(st.integers(-3, 40).map(str), st.sampled_from(["", " ", "x", "1.5", "1e3", "DP", "0", "٣", "1:1"]),
                 st.text(max_size=4))
row = st.lists(cell, min_size=0, max_size=11).map(lambda cells: ",".join(cells))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([CONV_HEADER, "Layer, M, N, K,", "junk"]), st.lists(row, max_size=6),
       st.sampled_from(["\n", "\r\n"]))
def test_fuzz_structured_rows_only_raise_config_error(header, rows, newline):
    try:
        w = parse_scalesim_topology(newline.join([header, *rows]))
    except ConfigError:
        return
    assert w.macs >= 0


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_fuzz_random_text_only_raises_config_error(text):
    with contextlib.suppress(ConfigError):
        parse_scalesim_topology(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 30), st.integers(1, 30), st.integers(1, 5), st.integers(1, 5),
                          st.integers(1, 8), st.integers(1, 8), st.integers(1, 4)), min_size=1, max_size=5))
def test_fuzz_valid_conv_rows_match_scalesim_formula(rows):
    lines = [CONV_HEADER] + [f"L{i}, {h}, {w}, {r}, {s}, {c}, {k}, {st_}," for i, (h, w, r, s, c, k, st_)
                             in enumerate(rows)]
    try:
        w = parse_scalesim_topology("\n".join(lines))
    except ConfigError:
        assert any(r > h or s > w for h, w, r, s, *_ in rows)
        return
    assert w.macs == sum(_scalesim_row_macs(*r) for r in rows)
