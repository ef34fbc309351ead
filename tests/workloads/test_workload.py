"""Workload DAG: building, validation, order, variants, dicts, tables, loaders."""

import json

import networkx as nx
import pytest

from hwcodesign.core.errors import ConfigError, UnknownNameError
from hwcodesign.core.results import ResultTable
from hwcodesign.workloads import (
    Conv2d,
    Elementwise,
    Gemm,
    Workload,
    get_workload,
    load_workload,
    save_workload,
    write_scalesim_topology,
)


def _diamond() -> Workload:
    w = Workload("diamond", precision="fp16")
    a = w.add(Conv2d(in_channels=4, out_channels=4, in_h=8, in_w=8, kernel_h=3, kernel_w=3, pad_h=1, pad_w=1),
              name="a")
    b = w.add(Conv2d(in_channels=4, out_channels=4, in_h=8, in_w=8), [a], name="b")
    c = w.add(Elementwise(op="relu", elements=256), [a], name="c")
    w.add(Elementwise(op="add", elements=256, num_inputs=2), [b, c], name="d")
    return w


def test_build_and_graph():
    w = _diamond()
    assert w.names() == ["a", "b", "c", "d"]
    assert list(nx.topological_sort(w.graph))[0] == "a" and nx.is_directed_acyclic_graph(w.graph)
    assert w.graph.edges["a", "b"]["bytes"] == 4 * 8 * 8 * 2
    assert w.inputs("d") == ("b", "c")
    assert w.macs == 8 * 8 * 4 * 4 * 9 + 8 * 8 * 4 * 4
    assert w["b"].batch == 1 and len(w) == 4 and "c" in w


def test_add_rejects_unknown_duplicate_and_non_operators():
    w = _diamond()
    with pytest.raises(UnknownNameError, match="Did you mean 'a'"):
        w.add(Elementwise(op="relu", elements=1), ["aa"])
    with pytest.raises(ConfigError, match="already has an operator named 'a'"):
        w.add(Elementwise(op="relu", elements=1), ["d"], name="a")
    with pytest.raises(ConfigError, match="takes an Operator"):
        w.add("conv")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="'batch'"):
        Workload("x", batch=0)
    with pytest.raises(UnknownNameError, match="precision"):
        Workload("x", precision="int7")


def test_from_dict_rejects_cycles_and_unknown_inputs():
    data = _diamond().to_dict()
    data["operators"][0]["inputs"] = ["d"]
    with pytest.raises(ConfigError, match="cycle"):
        Workload.from_dict(data)
    data = _diamond().to_dict()
    data["operators"][3]["inputs"] = ["b", "cc"]
    with pytest.raises(UnknownNameError, match="Did you mean 'c'"):
        Workload.from_dict(data)
    with pytest.raises(UnknownNameError, match="Did you mean 'precision'"):
        Workload.from_dict({**_diamond().to_dict(), "precison": "int8"})


def test_from_dict_sorts_out_of_order_operators():
    data = _diamond().to_dict()
    data["operators"].reverse()
    w = Workload.from_dict(data)
    assert w.names() == ["a", "c", "b", "d"]  # ties broken by position in the dict
    assert w.macs == _diamond().macs


def test_variants():
    w = _diamond()
    w4 = w.with_batch(4)
    assert w4.macs == 4 * w.macs and w4.batch == 4 and all(op.batch == 4 for op in w4)
    w8 = w.with_precision("int8")
    assert w8.graph.edges["a", "b"]["bytes"] * 2 == w.graph.edges["a", "b"]["bytes"]
    assert w.batch == 1 and w.precision == "fp16"  # unchanged
    assert get_workload("tiny").with_batch(3) == get_workload("tiny", batch=3)


def test_dict_round_trip_and_json():
    w = get_workload("resnet18")
    assert Workload.from_dict(json.loads(json.dumps(w.to_dict()))) == w


def test_summary_and_display():
    w = get_workload("tiny", precision="fp16")
    table = w.summary()
    assert isinstance(table, ResultTable) and len(table) == len(w)
    assert table.total("macs") == w.macs and table.total("params") == w.params
    row = table[0]
    assert row["weight_bytes"] == 8 * 3 * 9 * 2 and row["output_bytes"] == 8 * 16 * 16 * 2
    assert repr(w) == "get_workload('tiny', batch=1, precision='fp16')"
    assert "tiny" in w._repr_html_()
    assert repr(_diamond()).startswith("<Workload 'diamond': 4 operators")


def test_load_and_save(tmp_path):
    w = get_workload("tiny")
    for suffix in (".json", ".toml", ".yaml"):
        path = save_workload(w, tmp_path / f"t{suffix}")
        assert load_workload(path) == w
        assert load_workload(path, batch=2).macs == 2 * w.macs
    csv = write_scalesim_topology(w, tmp_path / "t.csv")
    assert load_workload(csv).macs == w.macs
    with pytest.raises(UnknownNameError, match="Did you mean 'resnet50'"):
        load_workload("resnet5O")
    with pytest.raises(ConfigError, match="must end in one of"):
        load_workload(tmp_path / "t.txt")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConfigError, match="Cannot read workload file"):
        load_workload(tmp_path / "bad.json")


def test_gemm_workload_edges_use_producer_output():
    w = Workload("g")
    a = w.add(Gemm(m=4, n=8, k=2))
    w.add(Gemm(m=4, n=3, k=8), [a])
    assert w.graph.edges[a, "gemm_1"]["bytes"] == 4 * 8
