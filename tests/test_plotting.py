"""The plotting package: data drawn equals data computed independently (brute force, by hand)."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwcodesign.accelerators import get_accelerator
from hwcodesign.core.errors import ConfigError, UnknownNameError
from hwcodesign.plotting import (
    pareto_front,
    plot_energy_breakdown,
    plot_heatmap,
    plot_latency_breakdown,
    plot_pareto,
    plot_roofline,
    plot_timeline,
    roofline_points,
    roofline_roofs,
)
from hwcodesign.simulator.systolic import simulate
from hwcodesign.workloads import get_workload


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def brute_force_front(rows: list[tuple[float, ...]], senses: list[str]) -> set[int]:
    """Indices of the rows no other row dominates, by comparing every pair."""
    sign = [1 if s == "min" else -1 for s in senses]
    cost = [[v * s for v, s in zip(row, sign)] for row in rows]

    def dominates(a, b):
        return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))

    return {i for i, c in enumerate(cost) if not any(dominates(o, c) for j, o in enumerate(cost) if j != i)}


# -- pareto_front ----------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3).flatmap(lambda k: st.tuples(
    st.lists(st.tuples(*[st.integers(0, 6)] * k), min_size=1, max_size=40),
    st.lists(st.sampled_from(["min", "max"]), min_size=k, max_size=k))))
def test_pareto_front_equals_brute_force(case):
    rows, senses = case
    names = [f"o{i}" for i in range(len(senses))]
    frame = pd.DataFrame(rows, columns=names, index=[10 * i for i in range(len(rows))])  # a non-default index
    front = pareto_front(frame, names, senses)
    assert set(front.index) == {10 * i for i in brute_force_front(rows, senses)}
    assert list(front.index) == sorted(front.index)  # original order kept


def test_pareto_front_random_floats_three_objectives():
    rng = np.random.default_rng(7)
    values = rng.random((300, 3))
    frame = pd.DataFrame(values, columns=["a", "b", "c"])
    front = pareto_front(frame, ["a", "b", "c"], ["min", "max", "min"])
    assert set(front.index) == brute_force_front([tuple(r) for r in values], ["min", "max", "min"])


def test_pareto_front_skips_nan_and_keeps_duplicates():
    frame = pd.DataFrame({"x": [1.0, 1.0, np.nan, 0.0, 2.0], "y": [2.0, 2.0, 0.0, np.nan, 1.0]})
    # Rows 2 and 3 would dominate everything if NaN compared as small; they are excluded instead.
    assert pareto_front(frame, ["x", "y"]).index.tolist() == [0, 1, 4]


def test_pareto_front_rejects_bad_input():
    frame = pd.DataFrame({"latency_cycles": [1], "energy_pj": [2]})
    with pytest.raises(ConfigError, match=r"'energy_j'.*Did you mean 'energy_pj'.*Available columns: "
                                          r"'latency_cycles', 'energy_pj'"):
        pareto_front(frame, ["latency_cycles", "energy_j"])
    with pytest.raises(ConfigError, match=r"'senses'.*'min' or 'max'. Got 'minimize'"):
        pareto_front(frame, ["latency_cycles", "energy_pj"], ["min", "minimize"])
    with pytest.raises(ConfigError, match=r"one of .* per objective \(2"):
        pareto_front(frame, ["latency_cycles", "energy_pj"], ["min"])
    with pytest.raises(ConfigError, match="at least one column"):
        pareto_front(frame, [])


# -- plot_pareto -----------------------------------------------------------------------
def _front_line(ax):
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == "Pareto front"]
    return line


@pytest.mark.parametrize("senses", [("min", "min"), ("min", "max"), ("max", "min"), ("max", "max")])
def test_plot_pareto_draws_the_brute_force_front(senses):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"latency_cycles": rng.integers(1, 50, 80), "energy_pj": rng.integers(1, 50, 80),
                          "template": rng.choice(["tpu_like", "eyeriss_like", "simba_like"], 80)})
    ax = plot_pareto(frame, "latency_cycles", "energy_pj", color_by="template", senses=senses)
    expected = sorted((frame.latency_cycles[i], frame.energy_pj[i])
                      for i in brute_force_front(list(zip(frame.latency_cycles, frame.energy_pj)), list(senses)))
    line = _front_line(ax)
    assert [tuple(p) for p in line.get_xydata()] == expected
    assert line.get_drawstyle() == ("steps-post" if senses[0] == "min" else "steps-pre")
    # Every point is drawn once, grouped by template, each group in its own legend entry.
    scatters = ax.collections
    assert sum(len(s.get_offsets()) for s in scatters) == len(frame)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["eyeriss_like", "simba_like", "tpu_like", "Pareto front"]
    for s, name in zip(scatters, legend):
        group = frame[frame.template == name]
        assert sorted(map(tuple, s.get_offsets().tolist())) == sorted(zip(group.latency_cycles, group.energy_pj))


def test_plot_pareto_numeric_colour_gets_colorbar_and_uses_given_axes():
    frame = pd.DataFrame({"x": np.arange(30.0), "y": np.arange(30.0)[::-1], "glb__size_bytes": np.arange(30) * 1024})
    fig, ax = plt.subplots()
    assert plot_pareto(frame, "x", "y", color_by="glb__size_bytes", ax=ax) is ax
    assert len(fig.axes) == 2  # the plot and its colour bar
    assert len(_front_line(ax).get_xydata()) == 30  # a strictly decreasing curve is all front
    with pytest.raises(ConfigError, match=r"plot_pareto needs the column 'template'.*Available columns: 'x', 'y'"):
        plot_pareto(frame, "x", "y", color_by="template")


def test_plot_pareto_draws_points_with_a_missing_category():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [3.0, 2.0, 1.0], "template": ["a", None, "b"]})
    ax = plot_pareto(frame, "x", "y", color_by="template")
    assert sum(len(s.get_offsets()) for s in ax.collections) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "nan", "Pareto front"]


# -- plot_heatmap ----------------------------------------------------------------------
def test_plot_heatmap_cells_and_labels():
    rows, cols = [8, 16, 32], [4, 64]
    # Two layers per design point: the cell is their mean. One design point (32, 64) is missing.
    records = [{"pe_array__rows": r, "pe_array__cols": c, "layer": layer, "utilization": r / 100 + c / 1000 + d}
               for r, c in itertools.product(rows, cols) if (r, c) != (32, 64)
               for layer, d in (("a", 0.0), ("b", 0.1))]
    ax = plot_heatmap(pd.DataFrame(records), "pe_array__cols", "pe_array__rows", "utilization")
    cells = ax.images[0].get_array()
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            if (r, c) == (32, 64):
                assert cells.mask[i, j]
            else:
                assert cells[i, j] == pytest.approx(r / 100 + c / 1000 + 0.05)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["4", "64"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["8", "16", "32"]
    assert ax.get_xlabel() == "pe array cols" and ax.get_ylabel() == "pe array rows"
    assert len(ax.texts) == 5 and ax.texts[0].get_text() == format(0.08 + 0.004 + 0.05, ".3g")
    assert ax.figure.axes[1].get_ylabel() == "utilization"  # the colour bar


def test_plot_heatmap_aggregate_and_errors():
    frame = pd.DataFrame({"a": [1, 1, 2], "b": [1, 1, 1], "latency_cycles": [10, 30, 5]})
    ax = plot_heatmap(frame, "a", "b", "latency_cycles", agg="max", annotate=False)
    assert ax.images[0].get_array().tolist() == [[30, 5]] and not ax.texts
    with pytest.raises(ConfigError, match="'agg'.*'mean'.*Got 'average'"):
        plot_heatmap(frame, "a", "b", "latency_cycles", agg="average")
    with pytest.raises(ConfigError, match="different columns"):
        plot_heatmap(frame, "a", "a", "latency_cycles")
    with pytest.raises(ConfigError, match="'utilization'.*Available columns: 'a', 'b', 'latency_cycles'"):
        plot_heatmap(frame, "a", "b", "utilization")


# -- plot_roofline ---------------------------------------------------------------------
def _small_accelerator(**params):
    return get_accelerator("systolic", pe_array__rows=8, pe_array__cols=4, clock_hz="500 MHz",
                           dram__bandwidth_bytes_per_cycle=4, **params)


def test_roofs_by_hand():
    # 32 PEs x 500 MHz = 16 GMAC/s = 32 Gop/s; 4 B/cycle x 500 MHz = 2 GB/s; ridge 16 ops/B.
    roofs = roofline_roofs(_small_accelerator())
    assert (roofs.peak_per_s, roofs.dram_bytes_per_s, roofs.ridge_intensity) == (32e9, 2e9, 16.0)
    assert roofline_roofs(_small_accelerator(), unit="macs").ridge_intensity == 8.0
    per_operand = roofline_roofs(_small_accelerator(dram__bandwidth_scope="per_operand", dram__channels=2))
    assert per_operand.dram_bytes_per_s == 2e9 * 3 * 2
    assert roofline_roofs(_small_accelerator(), cores=4).peak_per_s == 4 * 32e9


def test_plot_roofline_points_and_ridge_by_hand():
    acc = _small_accelerator()
    run = pd.DataFrame({"layer": ["conv", "fc", "relu"], "kind": ["conv2d", "gemm", "elementwise"],
                        "macs": [64_000, 4_000, 0], "latency_cycles": [2_500, 1_000, 100],
                        "dram_read_bytes": [3_000, 3_900, 800], "dram_write_bytes": [1_000, 100, 800]})
    ax = plot_roofline(run, acc)
    (roof,) = [ln for ln in ax.get_lines() if ln.get_label() == "roof"]
    assert float(roof.get_xdata()[1]) == 16.0 and float(roof.get_ydata()[1]) == 32e9
    # conv: 128,000 ops / 4,000 B = 32 ops/B, in 5 us = 25.6 Gop/s; fc: 8,000 / 4,000 = 2 ops/B, 2 us -> 4 Gop/s.
    drawn = sorted(tuple(p) for s in ax.collections for p in s.get_offsets().tolist())
    assert drawn == [(2.0, pytest.approx(4e9)), (32.0, pytest.approx(25.6e9))]  # relu has no MACs: left out
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert {t.get_text() for t in ax.texts} >= {"conv", "fc"}


@pytest.mark.parametrize("template", ["systolic", "eyeriss_like", "tpu_like"])
def test_simulated_layers_stay_under_the_roof(template):
    """No layer can beat peak compute or DRAM bandwidth: a check of the engine as much as of the plot."""
    acc = get_accelerator(template)
    points = roofline_points(simulate(get_workload("tiny"), acc), acc)
    assert len(points) > 0
    roof = roofline_roofs(acc).attainable(points["intensity"].to_numpy())
    assert (points["throughput_per_s"].to_numpy() <= roof * (1 + 1e-9)).all()


def test_plot_roofline_errors():
    acc = _small_accelerator()
    with pytest.raises(ConfigError, match="'dram_write_bytes'"):
        plot_roofline(pd.DataFrame({"layer": ["a"], "macs": [1], "latency_cycles": [1], "dram_read_bytes": [1]}), acc)
    with pytest.raises(ConfigError, match="'unit'.*'ops', 'macs'. Got 'flops'"):
        roofline_roofs(acc, unit="flops")


# -- breakdowns and timelines ----------------------------------------------------------
@pytest.mark.parametrize("engine", ["systolic", "analytical", "event"])
def test_breakdown_bars_stack_to_the_totals(engine):
    import importlib

    simulate_with = importlib.import_module(f"hwcodesign.simulator.{engine}").simulate
    table = simulate_with(get_workload("tiny"), get_accelerator("eyeriss_like"))
    frame = table.to_dataframe()
    ax = plot_latency_breakdown(table)
    tops = [p.get_y() + p.get_height() for p in ax.patches[len(frame):]]
    assert tops == pytest.approx(frame["latency_cycles"].tolist())
    ax = plot_energy_breakdown(table)
    tops = [p.get_y() + p.get_height() for p in ax.patches[-len(frame):]]
    assert tops == pytest.approx(frame["energy_pj"].tolist())


def test_energy_breakdown_by_accelerator_sums_runs():
    tiny = get_workload("tiny")
    runs = pd.concat([simulate(tiny, get_accelerator(n)).to_dataframe() for n in ("systolic", "eyeriss_like")])
    ax = plot_energy_breakdown(runs, by="accelerator")
    tops = [p.get_y() + p.get_height() for p in ax.patches[-2:]]
    assert tops == pytest.approx(runs.groupby("accelerator", sort=False)["energy_pj"].sum().tolist())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["systolic", "eyeriss_like"]
    ax = plot_energy_breakdown(runs, by="accelerator", normalize=True)
    assert [p.get_y() + p.get_height() for p in ax.patches[-2:]] == pytest.approx([1.0, 1.0])
    with pytest.raises(ConfigError, match="energy_<component>_pj"):
        plot_energy_breakdown(pd.DataFrame({"layer": ["a"], "energy_pj": [1.0]}))


def test_timeline_rows_and_unknown_component():
    from hwcodesign.simulator.event import run

    result = run(get_workload("tiny"), get_accelerator("systolic"), cores=2)
    rows = result.timeline.components()[:2]
    ax = plot_timeline(result.timeline, components=rows)
    assert [t.get_text() for t in ax.get_yticklabels()] == rows
    busy = [r for r in result.timeline.records if r.component in rows]
    assert sum(len(c.get_paths()) for c in ax.collections) == len(busy)  # one bar per busy interval
    with pytest.raises(UnknownNameError, match="core9"):
        plot_timeline(result.timeline, components=["core9"])


def test_roofline_compute_roof_scales_with_event_cores():
    from hwcodesign.simulator.event import run

    acc = get_accelerator("systolic")
    ax = plot_roofline(run(get_workload("tiny"), acc, cores=4).table, acc)
    (roof,) = [ln for ln in ax.get_lines() if ln.get_label() == "roof"]
    assert float(roof.get_ydata()[1]) == 4 * 2 * 32 * 32 * 1e9  # 4 cores x 1024 PEs x 2 ops x 1 GHz
    mixed = pd.concat([simulate(get_workload("tiny"), acc).to_dataframe(),
                       run(get_workload("tiny"), acc, cores=2).table.to_dataframe()])
    with pytest.raises(ConfigError, match="one run"):
        plot_roofline(mixed.assign(cores=[1] * 4 + [2] * (len(mixed) - 4)), acc)


# -- docs/plotting.md: its examples are the figures ------------------------------------
def _make_figures():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "docs" / "make_figures.py"
    spec = importlib.util.spec_from_file_location("make_figures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_figure_blocks_match_images():
    import re

    module = _make_figures()
    text = module.DOC.read_text()
    names = [name for name, _ in module.figures(text)]
    assert names == ["pareto.png", "roofline.png", "heatmap.png", "breakdown.png", "timeline.png"]
    assert re.findall(r"\]\(img/([\w.-]+)\)", text) == names  # each figure shown right after its code


def test_docs_roofline_example_runs(tmp_path):
    assert _make_figures().main(["--out", str(tmp_path), "--only", "roofline.png"]) == 0
    assert (tmp_path / "roofline.png").stat().st_size > 10_000


@pytest.mark.slow
def test_docs_all_examples_run(tmp_path):
    assert _make_figures().main(["--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["pareto.png", "roofline.png", "heatmap.png", "breakdown.png", "timeline.png"])
