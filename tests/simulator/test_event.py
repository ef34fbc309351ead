"""Acceptance tests of the event engine (hwcodesign.simulator.event)."""

from __future__ import annotations

import json

import pytest

from hwcodesign.accelerators import get_accelerator
from hwcodesign.core.errors import ConfigError, SimulationError
from hwcodesign.simulator import systolic
from hwcodesign.simulator.event import NoCSpec, Schedule, Step, run, scratchpad_bytes, simulate
from hwcodesign.workloads import Conv2d, Elementwise, Gemm, Workload, get_workload

HUGE = 1e15  # bytes per cycle: DRAM time below float noise


def _subset(name: str, layers: list[str]) -> Workload:
    """Some operators of a zoo network, as independent operators (network inputs)."""
    src = get_workload(name)
    w = Workload(f"{name}_subset")
    for layer in layers:
        w.add(src[layer], name=layer)
    return w


def _elementwise(elements: int = 1 << 20, ops: int = 1) -> Workload:
    w = Workload("streams")
    for i in range(ops):
        w.add(Elementwise(op="add", elements=elements, num_inputs=2), name=f"add{i}")
    return w


# --------------------------------------------------------------------------- cross-engine


@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
def test_single_core_infinite_bandwidth_matches_systolic_compute_cycles(dataflow):
    acc = get_accelerator("systolic", dataflow=dataflow, dram_bandwidth_bytes_per_cycle=HUGE, dram_latency_cycles=0,
                          ifmap_sram_bytes="8 MiB", filter_sram_bytes="8 MiB", ofmap_sram_bytes="8 MiB")
    for workload in (get_workload("tiny"), _subset("resnet50", ["conv1", "layer1_0_conv2", "layer3_0_conv1", "fc"])):
        result = run(workload, acc, fuse=False)
        theirs = systolic.simulate(workload, acc, fuse=False)
        for a, b in zip(result.table, theirs):
            assert a["layer"] == b["layer"]
            assert a["tiles"] == 1
            assert a["compute_cycles"] == b["compute_cycles"], a["layer"]
            assert a["macs"] == b["macs"]
        # one core: the operators' compute is serialised (tiny's pool sits between MAC layers: a chain)
        # and nothing else takes time
        assert result.timeline.makespan_cycles == pytest.approx(theirs.total("compute_cycles"), abs=1e-3)


@pytest.mark.parametrize("workload", [_elementwise(), _subset("bert_base", ["layer0_ffn1"]).with_batch(1)],
                         ids=["elementwise", "fc"])
def test_dram_bound_layers_take_bytes_over_bandwidth(workload):
    acc = get_accelerator("systolic", dram_bandwidth_bytes_per_cycle=8, dram_latency_cycles=0, cols=128, rows=128)
    result = run(workload, acc)
    moved = result.table.total("dram_read_bytes") + result.table.total("dram_write_bytes")
    assert result.timeline.makespan_cycles == pytest.approx(moved / 8, rel=0.02)


def test_two_channels_relieve_two_cores():
    workload = _elementwise(1 << 20)
    one = run(workload, get_accelerator("systolic"), cores=2).timeline
    two = run(workload, get_accelerator("systolic").with_params(dram__channels=2), cores=2).timeline
    assert two.makespan_cycles < 0.75 * one.makespan_cycles
    assert one.queue_wait_cycles().get("dram.ch0", 0) > 0


@pytest.mark.parametrize("make", [lambda: _elementwise(1 << 18, ops=2),
                                  lambda: _subset("resnet50", ["layer1_0_conv2", "layer2_0_conv2"])],
                         ids=["elementwise", "conv"])
def test_adding_a_core_never_slows_an_embarrassingly_parallel_workload(make):
    workload = make()
    acc = get_accelerator("systolic").with_params(dram__channels=4)
    spans = [run(workload, acc, cores=c).timeline.makespan_cycles for c in (1, 2, 3, 4)]
    assert all(b <= a * (1 + 1e-9) for a, b in zip(spans, spans[1:])), spans


# --------------------------------------------------------------------------- conservation


@pytest.fixture(scope="module")
def resnet_4core():
    return get_workload("resnet50"), run(get_workload("resnet50"), get_accelerator("systolic"), cores=4)


def test_conservation_on_resnet50(resnet_4core):
    workload, result = resnet_4core
    table, extra = result.table, result.timeline.extra
    assert len(table) == len(workload)
    assert table.total("macs") == workload.macs
    assert extra["loaded_bytes"] == extra["dram_read_bytes"] == table.total("dram_read_bytes")
    assert extra["unused_load_bytes"] == 0
    assert all(p <= c for p, c in zip(extra["scratchpad_peak_bytes"], extra["scratchpad_capacity_bytes"]))
    assert all(r["latency_cycles"] == r["compute_cycles"] + r["stall_cycles"] for r in table)
    assert all(0 <= r["utilization"] <= 1 for r in table)
    assert max(r["end_cycles"] for r in table) == pytest.approx(result.timeline.makespan_cycles)


def test_pipeline_strategy_conserves_macs_and_bytes():
    workload = get_workload("tiny")
    result = run(workload, get_accelerator("systolic"), cores=2, strategy="pipeline")
    assert result.table.total("macs") == workload.macs
    assert result.timeline.extra["unused_load_bytes"] == 0
    assert set(result.table.column("mode")) == {"pipeline"}


def test_unused_reloads_are_reported():
    workload = get_workload("tiny")
    steps = list(Schedule.layer_by_layer(workload).steps)
    steps.insert(0, Step(action="load", target="fc.weights"))  # loaded, freed unread, loaded again
    steps.insert(1, Step(action="free", target="fc.weights"))
    extra = run(workload, get_accelerator("systolic"), schedule=Schedule(steps)).timeline.extra
    weights = workload["fc"].bytes(workload.precision, "weight")
    assert extra["unused_load_bytes"] == weights
    assert extra["loaded_bytes"] == extra["dram_read_bytes"]


def test_scratchpad_overflow_names_tensor_demand_and_capacity():
    acc = get_accelerator("systolic")
    with pytest.raises(SimulationError, match=r"cannot hold tensor 'layer4_0_conv2/t0@0\.(w|in)'.*needs \d+ bytes.*"
                                              rf"{scratchpad_bytes(acc)} bytes \(capacity\)"):
        run(_subset("resnet50", ["layer4_0_conv2"]), acc, tiling={"layer4_0_conv2": (1, 1)})


def test_overlapping_offsets_are_an_error():
    workload = get_workload("tiny")
    steps = [Step(action="load", target="conv.input", offset_bytes=0),
             Step(action="load", target="conv.weights", offset_bytes=100)]
    with pytest.raises(SimulationError, match="overlaps tensor 'conv.input'"):
        run(workload, get_accelerator("systolic"), schedule=Schedule(steps))


# --------------------------------------------------------------------------- schedules and deadlock


def test_schedule_replay_measures_the_dram_bytes_it_promises():
    workload = get_workload("tiny")
    acc = get_accelerator("systolic")
    naive = run(workload, acc, schedule=Schedule.layer_by_layer(workload)).timeline.extra
    # keep conv's output resident for dwconv: no store of conv, no reload
    steps = [s for s in Schedule.layer_by_layer(workload).steps
             if not (s.target == "conv" and s.action in ("store", "load", "free"))]
    steps.append(Step(action="free", target="conv"))
    kept = run(workload, acc, schedule=Schedule(steps)).timeline.extra
    conv_out = workload["conv"].bytes(workload.precision, "output")
    assert naive["dram_read_bytes"] - kept["dram_read_bytes"] == conv_out
    assert naive["dram_write_bytes"] - kept["dram_write_bytes"] == conv_out
    expected_reads = sum(workload[s.target.split(".")[0]].bytes(workload.precision, "weight")
                         if s.target.endswith(".weights") else
                         workload[s.target.split(".")[0]].bytes(workload.precision, "input")
                         if s.target.endswith(".input") else
                         workload[s.target].bytes(workload.precision, "output")
                         for s in Schedule.layer_by_layer(workload).steps if s.action == "load")
    assert naive["dram_read_bytes"] == expected_reads


def test_cyclic_schedule_is_reported_as_deadlock():
    workload = get_workload("tiny")
    steps = [Step(action="load", target="conv.input"), Step(action="load", target="conv.weights"),
             Step(action="load", target="dwconv.weights"),
             Step(action="compute", target="dwconv"),  # needs conv's output, which the next step makes
             Step(action="compute", target="conv")]
    with pytest.raises(SimulationError, match=r"Deadlock.*'step3 compute dwconv@0' waits for 'step4 compute conv@0'"):
        run(workload, get_accelerator("systolic"), schedule=Schedule(steps))


def test_unsatisfiable_schedule_is_reported_not_hung():
    workload = get_workload("tiny")
    steps = [Step(action="load", target="conv")]  # conv's output is never computed or stored
    with pytest.raises(SimulationError, match="never stored to DRAM"):
        run(workload, get_accelerator("systolic"), schedule=Schedule(steps))


# --------------------------------------------------------------------------- timeline and trace


def test_trace_events_match_the_table(tmp_path):
    acc = get_accelerator("systolic", dram_latency_cycles=0)  # a task then ends with its last busy interval
    result = run(get_workload("tiny"), acc, cores=2, noc=NoCSpec(topology="mesh", link_bandwidth_bytes_per_cycle=8,
                                                                 hop_latency_cycles=0))
    path = result.save_trace(tmp_path / "trace.json")
    trace = json.loads(path.read_text())
    events = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert events and all(e["dur"] >= 0 for e in events)
    us = 1e6 / acc.clock_hz
    for row in result.table:
        mine = [e for e in events if e["args"]["op"] == row["layer"]]
        assert min(e["ts"] for e in mine) == pytest.approx(row["start_cycles"] * us)
        assert max(e["ts"] + e["dur"] for e in mine) == pytest.approx(row["end_cycles"] * us)
        loads = sum(e["args"]["bytes"] for e in mine if e["name"].endswith(" load"))
        stores = sum(e["args"]["bytes"] for e in mine if e["name"].endswith(" store"))
        assert loads == row["dram_read_bytes"] and stores == row["dram_write_bytes"]
        per_unit: dict[int, float] = {}
        for e in mine:
            if e["name"].endswith((" compute", " vector")):
                per_unit[e["tid"]] = per_unit.get(e["tid"], 0.0) + e["dur"] / us
        assert max(per_unit.values()) == pytest.approx(row["compute_cycles"], abs=1)


def test_timeline_power_and_links():
    acc = get_accelerator("systolic")
    result = run(get_workload("tiny"), acc, cores=4, noc=NoCSpec(topology="mesh"))
    timeline = result.timeline
    util = timeline.utilization()
    assert util and all(0 <= u <= 1 + 1e-9 for u in util.values())
    links = timeline.link_bytes()
    moved = result.table.total("dram_read_bytes") + result.table.total("dram_write_bytes")
    assert links["dram.ch0"] == pytest.approx(moved)
    assert any(k.startswith("noc.") for k in links)
    power = timeline.power(window_cycles=100)
    dynamic = sum(r["energy_dynamic_pj"] for r in power)
    table_dynamic = sum(r["energy_pj"] - r["energy_leakage_pj"] for r in result.table)
    assert dynamic == pytest.approx(table_dynamic, rel=1e-9)
    assert all(r["power_mw"] >= 0 for r in power)


def test_bus_noc_serialises_cores():
    workload = _elementwise(1 << 18)
    acc = get_accelerator("systolic", dram_bandwidth_bytes_per_cycle=64).with_params(dram__channels=4)
    free = run(workload, acc, cores=4).timeline.makespan_cycles
    bus = run(workload, acc, cores=4, noc=NoCSpec(topology="bus", link_bandwidth_bytes_per_cycle=16))
    assert bus.timeline.makespan_cycles > 1.5 * free
    assert bus.timeline.queue_wait_cycles().get("noc.bus", 0) > 0


def test_double_buffering_overlaps_dma_and_compute():
    workload = _subset("resnet50", ["layer2_0_conv2"])
    acc = get_accelerator("systolic")
    tiling = {"layer2_0_conv2": (16, 4)}  # the same tiles both ways: only the overlap differs
    single = run(workload, acc, double_buffering=False, tiling=tiling).timeline.makespan_cycles
    double = run(workload, acc, double_buffering=True, tiling=tiling).timeline.makespan_cycles
    assert double < single


def test_fused_operators_get_rows_and_move_no_dram_bytes():
    workload = _subset("resnet50", ["conv1"])
    workload.add(get_workload("resnet50")["batchnorm_1"], inputs=["conv1"], name="bn")
    table = simulate(workload, get_accelerator("systolic"))
    bn = table[1]
    assert bn["layer"] == "bn" and bn["dram_read_bytes"] == bn["dram_write_bytes"] == 0
    assert bn["compute_cycles"] > 0


def test_gemm_and_conv_ops_build():
    w = Workload("mixed")
    c = w.add(Conv2d(in_channels=8, out_channels=16, in_h=8, in_w=8, kernel_h=3, kernel_w=3, pad_h=1, pad_w=1))
    w.add(Gemm(m=64, n=16, k=16), inputs=[c])
    assert len(simulate(w, get_accelerator("systolic"), cores=3, strategy="pipeline")) == 2


# --------------------------------------------------------------------------- k-split tiling


def _gemm(m: int, n: int, k: int) -> Workload:
    w = Workload("gemm")
    w.add(Gemm(m=m, n=n, k=k), name="g")
    return w


def test_k_split_reads_weights_once_and_the_input_once_per_column_chunk():
    # 256x2048 by 2048x512, int8, one core of 3 x 64 KiB: the 128 KiB output cannot stay whole in the
    # 96 KiB double-buffering budget, and no weight chunk with all of k fits beside an input tile. The
    # fewest bytes: 3 column chunks of 192/192/128 (a 48 KiB partial-sum tile, at most half the budget,
    # all 256 rows), and k in chunks of 96 (aligned to the 32 array rows; 256*96 + 192*96 bytes fit the
    # other 48 KiB): the input is read once per column chunk, each weight byte once.
    workload, acc = _gemm(256, 512, 2048), get_accelerator("systolic")
    a, w, out = 256 * 2048, 2048 * 512, 256 * 512
    result = run(workload, acc)
    row, extra = result.table[0], result.timeline.extra
    assert row["filter_dram_read_bytes"] == w
    assert row["ifmap_dram_read_bytes"] == 3 * a
    assert row["ofmap_dram_write_bytes"] == out
    assert row["tiles"] == 3 * 22  # output tiles x k-chunks (21 of 96, one of 32)
    assert extra["loaded_bytes"] == extra["dram_read_bytes"] == row["dram_read_bytes"] == 3 * a + w
    assert extra["unused_load_bytes"] == 0
    # the partial sums stay resident between k-chunks and never overflow: at most two 48 KiB output tiles
    # and two slices of 256*96 + 192*96 bytes
    assert 2 * 256 * 192 <= extra["scratchpad_peak_bytes"][0] <= 2 * 256 * 192 + 2 * (256 + 192) * 96
    assert extra["scratchpad_peak_bytes"][0] <= extra["scratchpad_capacity_bytes"][0]
    # aligned k-chunks add no folds: the same compute as the systolic engine's (n tiles are aligned too)
    assert row["compute_cycles"] == systolic.simulate(workload, acc)[0]["compute_cycles"]


def test_k_split_stores_each_output_tile_once_after_its_last_chunk():
    from hwcodesign.simulator.event import lower_network

    graph = lower_network(_gemm(256, 512, 2048), get_accelerator("systolic"))
    stores = [t for t in graph.tasks if t.kind == "store"]
    computes = [t for t in graph.tasks if t.kind == "compute"]
    assert len(stores) == 3 and len(computes) == 66
    for store in stores:
        (key,) = store.free
        chunks = [t for t in computes if t.name.startswith(key.removesuffix(".out") + ".k")]
        assert len(chunks) == 22
        assert [t for t in chunks if t.alloc] == chunks[:1] and chunks[0].alloc[0][0] == key
        assert graph.tasks.index(chunks[-1]) in store.deps


@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
def test_k_chunks_cost_only_the_folds_they_add(dataflow):
    # infinite bandwidth, one core: the compute of a forced k split against the systolic engine's
    acc = get_accelerator("systolic", dataflow=dataflow, dram_bandwidth_bytes_per_cycle=HUGE, dram_latency_cycles=0)
    workload = _gemm(64, 96, 256)  # 4 k-chunks of 64, multiples of the 32 array rows
    theirs = systolic.simulate(workload, acc)[0]["compute_cycles"]
    row = run(workload, acc, tiling={"g": (1, 1, 4)}).table[0]
    assert row["tiles"] == 4 and row["macs"] == 64 * 96 * 256
    if dataflow == "os":  # k is streamed: each extra chunk pays each fold's fill and drain again
        assert row["compute_cycles"] == theirs + 3 * (2 * 3) * (32 + 32 - 2)
    else:  # k maps to the array rows: aligned chunks split the row folds exactly
        assert row["compute_cycles"] == theirs


def test_two_number_tiling_means_k_whole():
    workload, acc = _subset("resnet50", ["layer2_0_conv2"]), get_accelerator("systolic")
    two = run(workload, acc, tiling={"layer2_0_conv2": (16, 4)})
    three = run(workload, acc, tiling={"layer2_0_conv2": (16, 4, 1)})
    assert two.timeline.makespan_cycles == three.timeline.makespan_cycles
    assert two.table[0]["dram_read_bytes"] == three.table[0]["dram_read_bytes"]
    with pytest.raises(ConfigError, match=r"\(m_tiles, n_tiles, k_tiles\).*Got \(1, 1, 0\)"):
        run(workload, acc, tiling={"layer2_0_conv2": (1, 1, 0)})


def test_k_split_cuts_bert_dram_reads_to_a_few_times_its_weights():
    workload = get_workload("bert_base")
    result = run(workload, get_accelerator("systolic"), cores=4)
    weights = sum(op.bytes(workload.precision, "weight") for op in workload.operators())
    extra = result.timeline.extra
    assert extra["loaded_bytes"] == extra["dram_read_bytes"] == result.table.total("dram_read_bytes")
    assert extra["unused_load_bytes"] == 0
    assert all(p <= c for p, c in zip(extra["scratchpad_peak_bytes"], extra["scratchpad_capacity_bytes"]))
    assert result.table.total("macs") == workload.macs
    assert result.table.total("dram_read_bytes") < 2 * weights  # was 4.6x with m/n tiles only
