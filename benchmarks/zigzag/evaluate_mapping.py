#!/usr/bin/env python
"""Evaluate given mappings with ZigZag's own cost model (``CostModelEvaluation``), no search, no re-allocation.

Run with the ZigZag venv's python (see README.md). Two uses:

    # ZigZag's cost of each mapping in a JSON list (what bench_mapper_vs_zigzag.py writes: our best mappings)
    .venv-zigzag/bin/python benchmarks/zigzag/evaluate_mapping.py --in mappings.json --out costs.json
    # the translation check: ZigZag's OWN best mappings (results/*.csv, results/*.trace.csv) fed back through
    # this path must give back exactly the latency and energy ZigZag reported for them
    .venv-zigzag/bin/python benchmarks/zigzag/evaluate_mapping.py --check [--network resnet18 --hardware tpu_like]

A mapping is given in the text format of ZigZag's results CSV: ``spatial_mapping`` as ZigZag's user
spatial mapping (``{D1: {K: 32}, D2: {C: 32}}``, integer unrollings; ZigZag's own
``SpatialMappingConversionStage`` turns an unrolling that does not divide the layer into its fractional form,
as in its search) and ``temporal_mapping`` as the loops per operand and per memory level of that operand,
innermost level and loop first (``O:C2FY3FX3|OY56OX56K2| W:FY3FX3|... I:...``). The temporal loops are
handed to ZigZag's ``TemporalMapping`` as they are (its ``innermost_stationary_loop_merge_down`` runs, as it
does on LOMA's output) and the pair to ``CostModelEvaluation`` with ZigZag's search settings
(``access_same_data_considered_as_no_access=True``, uneven mapping type) -- LOMA's memory allocator, which
would re-decide where each operand's loops are cut, is never called. A mapping that LOMA's allocator would
reject for capacity is still evaluated (ZigZag's cost model does not check capacity); ``fits`` reports
whether every operand's tiles fit each memory, computed the way the allocator does
(``MemoryAllocator.calc_loops_size``: temporal and spatial loops up to that level, partial-sum precision
while an irrelevant loop remains above).

Input JSON: a list of objects with ``network``, ``hardware``, ``layer``, ``spatial_mapping``,
``temporal_mapping`` (any other keys are copied to the output). Output: the same objects plus
``zigzag_latency_cycles`` (``latency_total2``, the number the search minimises), ``zigzag_energy_pj``
(``energy_total``), ``zigzag_fits`` and ``zigzag_max_fill`` (largest memory fill / capacity), ``zigzag_fill`` (per
memory), ``zigzag_energy_parts_pj`` (MAC and ``<operand>@<memory>``, ZigZag's ``mem_energy_breakdown``) and
``zigzag_latency_parts_cycles`` (ideal temporal cycles, stall, on-loading, off-loading, the
rest: tpu_like's systolic drain).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run_zigzag as rz  # noqa: E402
from zigzag.cost_model.cost_model import CostModelEvaluation  # noqa: E402
from zigzag.datatypes import LayerDim, LayerOperand, OADimension  # noqa: E402
from zigzag.mapping.spatial_mapping import MappingSingleOADim, SpatialMapping  # noqa: E402
from zigzag.mapping.temporal_mapping import TemporalMapping, TemporalMappingType  # noqa: E402
from zigzag.stages.mapping.spatial_mapping_conversion import SpatialMappingConversionStage  # noqa: E402
from zigzag.stages.stage import Stage  # noqa: E402
from zigzag.workload.layer_attributes import LayerDimSizes  # noqa: E402

_LOOP = re.compile(r"([A-Z]+?)(\d+(?:\.\d+)?)(?=[A-Z]|$)")
#: relative tolerance of the translation check (the numbers are recomputed by the same code: exact in practice)
CHECK_RTOL = 1e-9


def parse_spatial(text: str) -> dict[str, dict[str, int]]:
    """``{D1: {K: 32}, D2: {C: 3}}`` -> {'D1': {'K': 32}, 'D2': {'C': 3}}."""
    return {oa: {d: int(float(s)) for d, s in re.findall(r"(\w+):\s*([\d.]+)", body)}
            for oa, body in re.findall(r"(D\d+):\s*\{([^}]*)\}", text)}


def parse_temporal(text: str) -> dict[str, list[list[tuple[str, float]]]]:
    """``O:C2|OY4| W:... I:...`` -> {'O': [[('C', 2)], [('OY', 4)], []], ...} (innermost level and loop first)."""
    out = {}
    for part in text.split():
        op, levels = part.split(":", 1)
        out[op] = [[(d, float(s)) for d, s in _LOOP.findall(level)] for level in levels.split("|")]
    return out


def _factor(size: float) -> int | float:
    return int(size) if float(size).is_integer() else size


class EvaluateStage(Stage):
    """Below WorkloadStage: evaluates every requested mapping of the current layer with ZigZag's cost model."""

    def __init__(self, list_of_callables, *, layer, accelerator, requests, **kwargs):
        super().__init__(list_of_callables, **kwargs)
        self.layer, self.accelerator, self.requests = layer, accelerator, requests

    def run(self):
        for request in self.requests.get(self.layer.name, []):
            request.update(evaluate(self.layer, self.accelerator, request))
        yield from ()

    def is_leaf(self) -> bool:
        return True


def evaluate(layer, accelerator, request: dict) -> dict:
    """ZigZag's latency and energy of one (spatial, temporal) mapping of ``layer`` on ``accelerator``."""
    oa_sizes = accelerator.operational_array.dimension_sizes
    user = SpatialMapping({OADimension(oa): MappingSingleOADim({LayerDim(d): s for d, s in loops.items()})
                           for oa, loops in parse_spatial(request["spatial_mapping"]).items()})
    user.initialize_oa_dims(oa_sizes)
    probe = type(layer).__new__(type(layer))
    probe.__dict__.update(layer.__dict__)
    probe.spatial_mapping = user
    spatial, spatial_int = SpatialMappingConversionStage(
        [Stage], accelerator=accelerator, layer=probe).convert_user_spatial_mapping(user)
    loops = {LayerOperand(op): [[(LayerDim(d), _factor(s)) for d, s in level] for level in levels]
             for op, levels in parse_temporal(request["temporal_mapping"]).items()}
    temporal = TemporalMapping(loops, probe, TemporalMappingType.UNEVEN)
    cme = CostModelEvaluation(accelerator=accelerator, layer=probe, spatial_mapping=spatial,
                              spatial_mapping_int=spatial_int, temporal_mapping=temporal,
                              access_same_data_considered_as_no_access=True)
    fill = memory_fill(probe, accelerator, spatial, loops)
    energy = {"MAC": float(cme.mac_energy)}
    for op, per_level in cme.mem_energy_breakdown.items():
        mem_op = probe.memory_operand_links.layer_to_mem_op(op)
        for lv, pj in enumerate(per_level):
            energy[f"{op}@{accelerator.get_memory_level(mem_op, lv).name}"] = float(pj)
    latency = {"ideal": float(cme.ideal_temporal_cycle), "stall": float(cme.stall_slack_comb),
               "onload": float(cme.data_onloading_cycle), "offload": float(cme.data_offloading_cycle)}
    latency["drain"] = float(cme.latency_total2) - sum(latency.values())  # the systolic drain (tpu_like)
    return {"zigzag_latency_cycles": float(cme.latency_total2), "zigzag_energy_pj": float(cme.energy_total),
            "zigzag_fits": max(fill.values()) <= 1.0, "zigzag_max_fill": max(fill.values()),
            "zigzag_fill": fill, "zigzag_energy_parts_pj": energy, "zigzag_latency_parts_cycles": latency}


def memory_fill(layer, accelerator, spatial, loops) -> dict[str, float]:
    """Per memory, the bits its operands' tiles take over its capacity (LOMA's allocator's rule)."""
    used: dict[str, float] = defaultdict(float)
    capacity: dict[str, int] = {}
    links = layer.memory_operand_links
    for op, levels in loops.items():
        mem_op = links.layer_to_mem_op(op)
        ir = layer.loop_relevancy_info.get_ir_layer_dims(op)
        sizes: dict = defaultdict(lambda: 1)
        for lv, level in enumerate(levels[:-1]):  # the top level holds the whole tensor by construction
            for d, s in [*spatial.get_unrolling(op=op, level=lv), *level]:
                sizes[d] *= s
            above = [d for upper in levels[lv + 1:] for d, _ in upper] + [
                d for d, _ in spatial.get_unrolling_all(op, lv + 1)]
            precision = layer.operand_precision[op]
            if op == LayerOperand("O") and not any(d in ir for d in above):
                precision = layer.operand_precision.final_output_precision
            memory = accelerator.get_memory_level(mem_op, lv)
            used[memory.name] += layer.calc_tensor_size(op, LayerDimSizes(sizes)) * precision
            capacity[memory.name] = memory.memory_instance.size
    return {name: used[name] / capacity[name] for name in used}


def run(requests: list[dict]) -> list[dict]:
    """Evaluate ``requests`` (see the module docstring), grouped per (network, hardware): one ZigZag parse each."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for request in requests:
        groups[(request["network"], request["hardware"])].append(request)
    for (network, hardware), group in groups.items():
        wanted = {r["layer"] for r in group}
        layers = [x for x in rz.networks.get_network(network) if x.name in wanted]
        path = Path(tempfile.mkdtemp(prefix="zigzag_eval_")) / f"{network}.yaml"
        rz.write_workload(network, layers, path)
        by_layer: dict[str, list[dict]] = defaultdict(list)
        for r in group:
            by_layer[r["layer"]].append(r)
        main = rz.MainStage(
            list_of_callables=[rz.WorkloadParserStage, rz.AcceleratorParserStage, rz.WorkloadStage, EvaluateStage],
            accelerator=str(rz.ZIGZAG_INPUTS / "hardware" / f"{hardware}.yaml"), workload=str(path),
            mapping=str(rz.ZIGZAG_INPUTS / "mapping" / f"{hardware}.yaml"), requests=by_layer)
        main.run()
    return requests


def check(networks: list[str], hardware: list[str]) -> int:
    """Feed ZigZag's own best mappings back; return the number that do not reproduce ZigZag's numbers."""
    requests = []
    for network in networks:
        for hw in hardware:
            with (HERE / "results" / f"{network}__{hw}.csv").open() as f:
                rows = {r["layer"]: r for r in csv.DictReader(f)}
            for r in rows.values():  # the search's answer (opt=latency)
                requests.append({"network": network, "hardware": hw, "layer": r["layer"], "source": "csv",
                                 "spatial_mapping": r["spatial_mapping"], "temporal_mapping": r["temporal_mapping"],
                                 "latency": float(r["latency_cycles"]), "energy": float(r["energy_pJ"])})
            trace = HERE / "results" / f"{network}__{hw}.trace.csv"
            if trace.exists():  # energy-best mappings traced by trace_layer.py
                with trace.open() as f:
                    for r in csv.DictReader(f):
                        if r["temporal"]:
                            requests.append({"network": network, "hardware": hw, "layer": r["layer"],
                                             "source": "trace", "spatial_mapping": rows[r["layer"]]["spatial_mapping"],
                                             "temporal_mapping": r["temporal"], "latency": float(r["latency_total2"]),
                                             "energy": float(r["energy_total_pj"])})
    run(requests)
    bad = 0
    for r in requests:
        ok = math.isclose(r["zigzag_latency_cycles"], r["latency"], rel_tol=CHECK_RTOL) and math.isclose(
            r["zigzag_energy_pj"], r["energy"], rel_tol=CHECK_RTOL) and r["zigzag_fits"]
        bad += not ok
        if not ok:
            print(f"MISMATCH {r['network']} {r['hardware']} {r['layer']} ({r['source']}): latency "
                  f"{r['zigzag_latency_cycles']} vs {r['latency']}, energy {r['zigzag_energy_pj']} vs {r['energy']}, "
                  f"fill {r['zigzag_max_fill']:.3f}")
    print(f"translation check: {len(requests) - bad} of {len(requests)} ZigZag mappings reproduce ZigZag's reported "
          f"latency and energy (rel. tol. {CHECK_RTOL}) and fit its memories")
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--in", dest="inp", type=Path, help="JSON list of mappings to evaluate")
    parser.add_argument("--out", type=Path, help="where to write the evaluated list (JSON)")
    parser.add_argument("--check", action="store_true", help="feed ZigZag's own results back (translation check)")
    parser.add_argument("--network", nargs="+", default=list(rz.networks.NETWORKS))
    parser.add_argument("--hardware", nargs="+", default=list(rz.HARDWARE))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # ZigZag warns about every clipped unrolling
    if args.check:
        return 1 if check(args.network, args.hardware) else 0
    if not args.inp or not args.out:
        parser.error("--in and --out are required without --check")
    requests = json.loads(args.inp.read_text())
    args.out.write_text(json.dumps(run(requests), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
