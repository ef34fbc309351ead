"""Sweep definitions (sizes checked by hand, errors), point records, execution and resume."""

from __future__ import annotations

import concurrent.futures as cf
import sys
from pathlib import Path

import pytest

from hwcodesign.accelerators import get_accelerator
from hwcodesign.codesign.store import ResultStore
from hwcodesign.codesign.sweep import Sweep, evaluate_point, load_sweep, point_key, run_sweep
from hwcodesign.core.errors import ConfigError, UnknownNameError
from hwcodesign.simulator.event import run as event_run
from hwcodesign.simulator.systolic import simulate
from hwcodesign.workloads import load_workload

EXAMPLE = Path(__file__).parents[2] / "examples" / "sweeps" / "systolic_grid.toml"

SMALL = {
    "name": "small",
    "fixed": {"workload": "tiny", "dram__bandwidth_bytes_per_cycle": 8.0},
    "grid": {"pe_array__rows": [8, 16], "pe_array__dataflow": ["os", "ws", "is"]},
    "zip": [{"ifmap_sram__size_bytes": [4096, 16384], "filter_sram__size_bytes": [2048, 8192]}],
}


# -- definitions -------------------------------------------------------------------------------------------------
def test_grid_and_zip_points_by_hand():
    sweep = Sweep.from_dict({
        "fixed": {"workload": "tiny"},
        "grid": {"pe_array__rows": [8, 16]},
        "zip": [{"ifmap_sram__size_bytes": [1024, 2048], "filter_sram__size_bytes": [512, 4096]}],
    })
    base = {"engine": "systolic", "template": "systolic", "workload": "tiny"}
    assert list(sweep.points()) == [
        {**base, "pe_array__rows": 8, "ifmap_sram__size_bytes": 1024, "filter_sram__size_bytes": 512},
        {**base, "pe_array__rows": 8, "ifmap_sram__size_bytes": 2048, "filter_sram__size_bytes": 4096},
        {**base, "pe_array__rows": 16, "ifmap_sram__size_bytes": 1024, "filter_sram__size_bytes": 512},
        {**base, "pe_array__rows": 16, "ifmap_sram__size_bytes": 2048, "filter_sram__size_bytes": 4096},
    ]
    assert len(sweep) == 4
    assert sweep.varying == ["pe_array__rows", "ifmap_sram__size_bytes", "filter_sram__size_bytes"]


def test_sizes_multiply_over_grid_zip_groups_and_samples():
    sweep = Sweep.from_dict({
        "grid": {"workload": ["tiny"], "pe_array__rows": [4, 8, 16], "pe_array__dataflow": ["os", "ws"]},
        "zip": [{"pe_array__cols": [4, 8]}, {"dram__latency_cycles": [10, 20, 30]}],
        "random": {"samples": 5, "params": {"ifmap_sram__size_bytes": {"pow2": [1024, 65536]}}},
    })
    # 1 x 3 x 2 grid, zip groups of 2 and 3, 5 samples.
    assert len(sweep) == 3 * 2 * 2 * 3 * 5 == 180
    points = list(sweep.points())
    assert len(points) == 180
    assert len({(p["pe_array__rows"], p["pe_array__dataflow"], p["pe_array__cols"], p["dram__latency_cycles"])
                for p in points}) == 36


def test_random_samples_respect_distributions_and_seed():
    params = {
        "rows": {"int_uniform": [3, 9]},
        "dram__bandwidth_bytes_per_cycle": {"log_uniform": [1.0, 64.0]},
        "dram__latency_cycles": {"choice": [10, 50]},
        "ifmap_sram__size_bytes": {"pow2": [1024, 16384]},
        "tech_node_nm": {"uniform": [7.0, 45.0]},
        "pe_array__dataflow": ["os", "ws"],  # a bare list is a choice
    }
    definition = {"seed": 7, "fixed": {"workload": "tiny"}, "random": {"samples": 200, "params": params}}
    points = list(Sweep.from_dict(definition).points())
    assert len(points) == 200
    assert {p["rows"] for p in points} == set(range(3, 10))  # 200 draws of 7 values: all appear
    assert all(1.0 <= p["dram__bandwidth_bytes_per_cycle"] <= 64.0 for p in points)
    assert {p["dram__latency_cycles"] for p in points} == {10, 50}
    assert {p["ifmap_sram__size_bytes"] for p in points} == {1024, 2048, 4096, 8192, 16384}
    assert all(7.0 <= p["tech_node_nm"] <= 45.0 for p in points)
    assert {p["pe_array__dataflow"] for p in points} == {"os", "ws"}
    # log-uniform: about half the draws fall below the geometric mean 8.
    below = sum(p["dram__bandwidth_bytes_per_cycle"] < 8.0 for p in points)
    assert 70 < below < 130
    assert list(Sweep.from_dict(definition).points()) == points
    assert list(Sweep.from_dict({**definition, "seed": 8}).points()) != points


def test_definition_round_trips_and_example_loads():
    sweep = Sweep.from_dict(SMALL)
    again = Sweep.from_dict(sweep.to_dict())
    assert again == Sweep.from_dict(sweep.to_dict()) and list(again.points()) == list(sweep.points())
    example = load_sweep(EXAMPLE)
    assert len(example) == 2 * 4 * 4 * 3 * 3
    assert len(list(example.keyed_points())) == len(example)


def test_point_keys_are_canonical():
    assert point_key({"a": 1, "b": "x"}) == point_key({"b": "x", "a": 1})
    assert point_key({"a": 1}) != point_key({"a": 2})
    assert len({k for k, _ in Sweep.from_dict(SMALL).keyed_points()}) == 12


def test_duplicate_random_samples_are_one_point():
    sweep = Sweep.from_dict({"fixed": {"workload": "tiny"},
                             "random": {"samples": 50, "params": {"pe_array__rows": [8, 16]}}})
    assert len(sweep) == 50
    assert sorted(p["pe_array__rows"] for _, p in sweep.keyed_points()) == [8, 16]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"gird": {}}, ["'gird'", "Did you mean 'grid'"]),
        ({"grid": {"pe_array__rowz": [8]}}, ["pe_array__rowz", "Did you mean 'pe_array__rows'"]),
        ({"grid": {"pe_array__rows": [8, 0]}}, ["'rows'", ">= 1", "'systolic'"]),
        ({"grid": {"pe_array__rows": []}}, ["grid parameter 'pe_array__rows'", "non-empty list"]),
        ({"grid": {"pe_array__rows": [8, 8]}}, ["repeats 8"]),
        ({"grid": {"workload": ["tiny"]}}, ["'workload' is given twice", "fixed", "grid"]),
        ({"zip": [{"pe_array__rows": [8, 16], "pe_array__cols": [8]}]}, ["equal lengths"]),
        ({"fixed": {"engine": "cycle", "workload": "tiny"}}, ["'engine'", "systolic, analytical, event", "'cycle'"]),
        ({"fixed": {"workload": "resnet81"}}, ["resnet81", "Did you mean 'resnet18'"]),
        ({"fixed": {"workload": "tiny", "systolic__mode": "scalsim"}}, ["systolic__mode", "'scalesim'", "'scalsim'"]),
        ({"fixed": {"workload": "tiny", "systolic__mod": "default"}}, ["option of the systolic engine", "'mode'"]),
        ({"fixed": {"workload": "tiny", "event__cores": 2}}, ["event__cores", "never runs the event engine"]),
        ({"objectives": ["latency"]}, ["objective", "latency_cycles"]),
        ({"seed": -1}, ["'seed'", ">= 0"]),
        ({"random": {"samples": 0, "params": {"rows": [1]}}}, ["'samples'", ">= 1"]),
        ({"random": {"samples": 2, "params": {"rows": {"pow2": [3, 16]}}}}, ["pow2", "powers of two"]),
        ({"random": {"samples": 2, "params": {"rows": {"normal": [3, 16]}}}}, ["distribution", "normal", "uniform"]),
        ({"schema_version": 2}, ["'schema_version'", "1"]),
        ({"random": {"samples": 2, "params": {"pe_array__rowz": {"int_uniform": [1, 4]}}}},
         ["pe_array__rowz", "Did you mean 'pe_array__rows'"]),
        ({"fixed": {"workload": "tiny", "batch": 0}}, ["'batch'", ">= 1"]),
    ],
)
def test_bad_definitions_name_the_entry(change, words):
    definition = {**SMALL, **change}
    with pytest.raises(ConfigError) as info:
        Sweep.from_dict(definition)
    for word in words:
        assert word in str(info.value)


def test_missing_workload_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError, match="must name a 'workload'"):
        Sweep.from_dict({"grid": {"pe_array__rows": [8]}})
    bad = tmp_path / "bad.toml"
    bad.write_text("[grid\npe_array__rows = [8]")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_sweep(bad)
    with pytest.raises(ConfigError, match="Cannot read"):
        load_sweep(tmp_path / "missing.toml")


def test_unknown_name_is_an_unknown_name_error():
    with pytest.raises(UnknownNameError):
        Sweep.from_dict({**SMALL, "grid": {"pe_array__rowz": [8]}})


# -- records -----------------------------------------------------------------------------------------------------
def test_record_totals_match_the_per_layer_table_and_hand_formulas():
    point = {"workload": "tiny", "engine": "systolic", "template": "systolic", "rows": 8, "cols": 4,
             "dram__bandwidth_bytes_per_cycle": 4.0}
    record = evaluate_point(point)
    workload = load_workload("tiny")
    accelerator = get_accelerator("systolic", rows=8, cols=4, dram__bandwidth_bytes_per_cycle=4.0)
    table = simulate(workload, accelerator)
    assert {k: record[k] for k in point} == point  # the parameters ride along
    assert record["feasible"] is True and record["reason"] == ""
    assert record["macs"] == sum(op.macs for op in workload.operators())
    assert record["latency_cycles"] == table.total("latency_cycles")
    assert record["energy_pj"] == pytest.approx(table.total("energy_pj"))
    parts = [k for k in record if k.startswith("energy_") and k.endswith("_pj") and k != "energy_pj"]
    assert record["energy_pj"] == pytest.approx(sum(record[k] for k in parts))
    assert record["utilization"] == pytest.approx(record["macs"] / (record["latency_cycles"] * 32))
    assert record["latency_s"] == pytest.approx(record["latency_cycles"] / 1e9)
    assert record["edp_pj_cycles"] == pytest.approx(record["energy_pj"] * record["latency_cycles"])
    assert record["dram_bytes"] == record["dram_read_bytes"] + record["dram_write_bytes"]
    assert record["area_mm2"] == accelerator.area_mm2() and record["num_pes"] == 32
    assert record["layers"] == len(table)


def test_event_record_uses_the_makespan():
    point = {"workload": "tiny", "engine": "event", "template": "systolic", "event__cores": 2}
    record = evaluate_point(point)
    result = event_run(load_workload("tiny"), get_accelerator("systolic"), cores=2)
    assert record["latency_cycles"] == result.timeline.makespan_cycles
    assert record["num_pes"] == 2 * 32 * 32
    assert record["utilization"] == pytest.approx(record["macs"] / (record["latency_cycles"] * 2 * 1024))


def test_invalid_combination_is_recorded_not_raised(tmp_path):
    """A random float for an int field passes the definition (distributions are not enumerated) but not the spec."""
    sweep = Sweep.from_dict({"fixed": {"workload": "tiny"},
                             "random": {"samples": 3, "params": {"pe_array__rows": {"uniform": [4.2, 4.8]}}}})
    summary = run_sweep(sweep, tmp_path / "r.sqlite", jobs=1)
    assert (summary.evaluated, summary.infeasible) == (3, 3)
    with ResultStore(tmp_path / "r.sqlite", kind="sweep") as store:
        for _, record in store.records():
            assert record["feasible"] is False
            assert "'rows'" in record["reason"] and "latency_cycles" not in record


# -- execution and resume ----------------------------------------------------------------------------------------
def _values(path):
    with ResultStore(path, kind="sweep") as store:
        return {key: {k: v for k, v in record.items()} for key, record in store.records()}


def test_resume_skips_finished_points_and_matches_a_full_run(tmp_path):
    sweep = Sweep.from_dict(SMALL)
    calls = []
    first = run_sweep(sweep, tmp_path / "part.sqlite", jobs=1, batch_size=2, limit=5,
                      progress=lambda done, total: calls.append((done, total)))
    assert (first.points, first.skipped, first.evaluated, first.remaining) == (12, 0, 5, 7)
    assert calls == [(0, 5), (2, 5), (4, 5), (5, 5)]
    second = run_sweep(sweep, tmp_path / "part.sqlite", jobs=1, batch_size=2)
    assert (second.skipped, second.evaluated, second.remaining) == (5, 7, 0)
    third = run_sweep(sweep, tmp_path / "part.sqlite", jobs=1)
    assert (third.skipped, third.evaluated) == (12, 0)
    full = run_sweep(sweep, tmp_path / "full.sqlite", jobs=1)
    assert full.evaluated == 12
    assert _values(tmp_path / "part.sqlite") == _values(tmp_path / "full.sqlite")
    assert set(_values(tmp_path / "full.sqlite")) == {k for k, _ in sweep.keyed_points()}


def test_resume_with_another_definition_is_refused(tmp_path):
    run_sweep(Sweep.from_dict(SMALL), tmp_path / "r.sqlite", jobs=1, limit=1)
    other = Sweep.from_dict({**SMALL, "grid": {"pe_array__rows": [8, 32], "pe_array__dataflow": ["os"]}})
    with pytest.raises(ConfigError, match=r"differing keys: grid\.pe_array__dataflow, grid\.pe_array__rows"):
        run_sweep(other, tmp_path / "r.sqlite", jobs=1)


def test_any_executor_and_the_process_pool_give_the_serial_values(tmp_path):
    sweep = Sweep.from_dict(SMALL)
    run_sweep(sweep, tmp_path / "serial.sqlite", jobs=1)
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        threaded = run_sweep(sweep, tmp_path / "threads.sqlite", executor=pool, batch_size=3)
    assert (threaded.workers, threaded.evaluated) == (2, 12)
    pooled = run_sweep(sweep, tmp_path / "pool.sqlite", jobs=2, batch_size=2)
    assert (pooled.workers, pooled.evaluated) == (2, 12)
    serial = _values(tmp_path / "serial.sqlite")
    assert _values(tmp_path / "threads.sqlite") == serial == _values(tmp_path / "pool.sqlite")


def test_bad_run_arguments(tmp_path, monkeypatch):
    sweep = Sweep.from_dict(SMALL)
    with pytest.raises(ConfigError, match="'jobs'"):
        run_sweep(sweep, tmp_path / "r.sqlite", jobs=0)
    with cf.ThreadPoolExecutor(1) as pool, pytest.raises(ConfigError, match="at most one"):
        run_sweep(sweep, tmp_path / "r.sqlite", executor=pool, scheduler="tcp://127.0.0.1:1")
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # as if dask were not installed
    with pytest.raises(ConfigError, match=r"hwcodesign\[distributed\]"):
        run_sweep(sweep, tmp_path / "r.sqlite", scheduler="tcp://127.0.0.1:1")
