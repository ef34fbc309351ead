#!/usr/bin/env python
"""Run ZigZag 3.9.1's mapping search layer by layer and write a per-layer CSV (the peer side of
benchmarks/bench_mapper_vs_zigzag.py).

Run it with the ZigZag venv's python (see README.md):

    .venv-zigzag/bin/python benchmarks/zigzag/run_zigzag.py --network resnet18 --hardware tpu_like --layers 3

The search is ZigZag's own (the same stages as ``zigzag.api.get_hardware_performance_zigzag``):
SpatialMappingGeneratorStage -> Minimal<opt>Stage -> TemporalMappingGeneratorStage (LOMA) -> CostModelStage,
fed with the layers of networks.py as a ZigZag YAML workload, on ZigZag's bundled example accelerator and
mapping YAMLs (zigzag/inputs/hardware/<hw>.yaml, zigzag/inputs/mapping/<hw>.yaml).  Only the result
saving/visualisation stages of the API are left out; they do no search.

Counting ("mappings evaluated"): every CostModelEvaluation ZigZag builds is one (spatial, temporal) mapping
fully evaluated by its cost model; that count is ``n_mappings_evaluated``.  LOMA orderings that its memory
allocator rejects (operand does not fit) never reach the cost model; they are reported separately
(``n_loma_orderings`` = orderings generated, incl. rejected).  The search is exhaustive over LOMA's loop
prime factor orderings after merging factors down to ``lpf_limit`` (API default 6).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib.metadata import version as pkg_version
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import networks  # noqa: E402

try:
    import zigzag  # noqa: E402
except ImportError:  # pragma: no cover
    raise SystemExit(
        "zigzag is not importable: run this script with the ZigZag venv's python "
        "(python3 -m venv .venv-zigzag && .venv-zigzag/bin/pip install zigzag-dse==3.9.1 six)"
    ) from None

import zigzag.opt.loma.engine as loma_engine  # noqa: E402
from zigzag.cost_model.cost_model import CostModelEvaluation  # noqa: E402
from zigzag.mapping.temporal_mapping import TemporalMappingType  # noqa: E402
from zigzag.stages.evaluation.cost_model_evaluation import CostModelStage  # noqa: E402
from zigzag.stages.main import MainStage  # noqa: E402
from zigzag.stages.mapping.spatial_mapping_generation import SpatialMappingGeneratorStage  # noqa: E402
from zigzag.stages.mapping.temporal_mapping_generator_stage import TemporalMappingGeneratorStage  # noqa: E402
from zigzag.stages.parser.accelerator_parser import AcceleratorParserStage  # noqa: E402
from zigzag.stages.parser.workload_parser import WorkloadParserStage  # noqa: E402
from zigzag.stages.results.reduce_stages import (  # noqa: E402
    MinimalEDPStage,
    MinimalEnergyStage,
    MinimalLatencyStage,
)
from zigzag.stages.stage import Stage  # noqa: E402
from zigzag.stages.workload_iterator import WorkloadStage  # noqa: E402

ZIGZAG_INPUTS = Path(zigzag.__file__).resolve().parent / "inputs"
HARDWARE = ("tpu_like", "edge_tpu_like")

CSV_COLUMNS = [
    "network", "hardware", "layer_idx", "layer", "kind",
    "K", "C", "OX", "OY", "FX", "FY", "stride", "groups", "IX", "IY", "pad", "macs",
    "opt", "lpf_limit", "nb_spatial_mappings_limit",
    "n_spatial_mappings", "n_loma_orderings", "n_loma_rejected", "n_mappings_evaluated",
    "search_wall_s", "cost_model_s", "mappings_per_s",
    "latency_cycles", "energy_pJ",
    "min_latency_cycles", "energy_at_min_latency_pJ", "min_energy_pJ", "latency_at_min_energy_cycles",
    "ideal_cycles", "mac_utilization", "spatial_mapping", "temporal_mapping",
]


# --------------------------------------------------------------------------------------------------------------------
# Counting instrumentation
# --------------------------------------------------------------------------------------------------------------------
@dataclass
class LayerStats:
    n_cme: int = 0
    cme_time: float = 0.0
    n_orderings: int = 0
    n_rejected: int = 0
    n_permutations_planned: int = 0
    spatial_mappings: set = field(default_factory=set)
    min_lat: tuple | None = None  # (latency, energy) lexicographic, as MinimalLatencyStage
    min_en: tuple | None = None  # (energy, latency) lexicographic, as MinimalEnergyStage


STATS = LayerStats()


class CountingMemoryAllocator(loma_engine.MemoryAllocator):
    """LOMA's allocator, counting every loop ordering LOMA generated (accepted or rejected)."""

    def run(self):  # type: ignore[override]
        STATS.n_orderings += 1
        try:
            return super().run()
        except (loma_engine.MemoryHierarchyTooSmallException, loma_engine.MemoryTooSmallException):
            STATS.n_rejected += 1
            raise


loma_engine.MemoryAllocator = CountingMemoryAllocator  # LomaEngine.run looks the name up in its module

_orig_compute_nb_permutations = loma_engine.LomaEngine.compute_nb_permutations


def _counting_compute_nb_permutations(self):
    _orig_compute_nb_permutations(self)
    STATS.n_permutations_planned += self.nb_permutations


loma_engine.LomaEngine.compute_nb_permutations = _counting_compute_nb_permutations


class CountingCostModelStage(CostModelStage):
    """ZigZag's CostModelStage, counting and timing each cost model evaluation."""

    def run(self):
        t0 = time.perf_counter()
        results = list(super().run())
        STATS.cme_time += time.perf_counter() - t0
        for cme, extra in results:
            STATS.n_cme += 1
            STATS.spatial_mappings.add(str(cme.layer.spatial_mapping))
            lat, en = cme.latency_total2, cme.energy_total
            if STATS.min_lat is None or (lat, en) < STATS.min_lat:
                STATS.min_lat = (lat, en)
            if STATS.min_en is None or (en, lat) < STATS.min_en:
                STATS.min_en = (en, lat)
            yield cme, extra


class LayerRecorderStage(Stage):
    """Sits right below WorkloadStage: times the whole mapping search of one layer and records its result."""

    records: list[dict[str, Any]] = []

    def __init__(self, list_of_callables, *, layer, **kwargs):
        super().__init__(list_of_callables, **kwargs)
        self.layer = layer

    def run(self):
        global STATS
        STATS = LayerStats()
        t0 = time.perf_counter()
        sub_stage = self.list_of_callables[0](self.list_of_callables[1:], layer=self.layer, **self.kwargs)
        results = list(sub_stage.run())
        wall = time.perf_counter() - t0
        assert len(results) == 1, "the reduce stage yields exactly one best CME per layer"
        best = results[0][0]
        LayerRecorderStage.records.append(
            {
                "zigzag_layer": self.layer.name,
                "search_wall_s": wall,
                "cost_model_s": STATS.cme_time,
                "n_mappings_evaluated": STATS.n_cme,
                "n_loma_orderings": STATS.n_orderings,
                "n_loma_rejected": STATS.n_rejected,
                "n_loma_permutations_planned": STATS.n_permutations_planned,
                "n_spatial_mappings": len(STATS.spatial_mappings),
                "latency_cycles": best.latency_total2,
                "energy_pJ": best.energy_total,
                "min_latency_cycles": STATS.min_lat[0],
                "energy_at_min_latency_pJ": STATS.min_lat[1],
                "min_energy_pJ": STATS.min_en[0],
                "latency_at_min_energy_cycles": STATS.min_en[1],
                "ideal_cycles": best.ideal_cycle,
                "mac_utilization": best.mac_utilization2,
                "spatial_mapping": str(best.layer.spatial_mapping),
                "temporal_mapping": _temporal_str(best),
            }
        )
        print(
            f"  {self.layer.name:28s} {STATS.n_cme:6d} mappings in {wall:8.3f} s "
            f"({STATS.n_cme / wall if wall else 0:8.1f}/s)  lat {best.latency_total2:14.1f} cyc  "
            f"E {best.energy_total:16.1f} pJ",
            flush=True,
        )
        yield from results


def _temporal_str(cme: CostModelEvaluation) -> str:
    """Temporal loops of the best mapping per operand, innermost memory level first, e.g. W:[(K,2)]|[(OX,56)]..."""
    try:
        tm = cme.temporal_mapping.mapping_dic_stationary
        parts = []
        for op, levels in tm.items():
            lv = "|".join("".join(f"{d}{s}" for d, s in lvl) for lvl in levels)
            parts.append(f"{op}:{lv}")
        return " ".join(parts)
    except Exception:  # pragma: no cover - cosmetic only
        return ""


def _short(path: str | Path) -> str:
    """Path relative to the repo root, or to the zigzag package for its bundled inputs."""
    p = Path(path).resolve()
    for base, prefix in ((ZIGZAG_INPUTS.parent, "zigzag/"), (HERE.parent.parent, "")):
        try:
            return prefix + str(p.relative_to(base))
        except ValueError:
            pass
    return str(p)


# --------------------------------------------------------------------------------------------------------------------
def write_workload(network: str, layers: list[networks.Layer], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        f.write(f"# ZigZag 3.9.1 workload: torchvision {network}, batch 1, generated by benchmarks/zigzag/networks.py\n")
        yaml.safe_dump(networks.zigzag_workload(layers), f, sort_keys=False, default_flow_style=None)


def run(args: argparse.Namespace) -> None:
    layers = networks.get_network(args.network)
    if args.layers:
        layers = layers[: args.layers]
    if args.layers:  # a partial workload goes to a scratch folder, the full one is kept under workloads/
        workload_path = Path(tempfile.mkdtemp(prefix="zigzag_wl_")) / f"{args.network}_first{args.layers}.yaml"
    else:
        workload_path = HERE / "workloads" / f"{args.network}.yaml"
    write_workload(args.network, layers, workload_path)

    accelerator = args.accelerator or str(ZIGZAG_INPUTS / "hardware" / f"{args.hardware}.yaml")
    mapping = args.mapping or str(ZIGZAG_INPUTS / "mapping" / f"{args.hardware}.yaml")
    opt_stage = {"latency": MinimalLatencyStage, "energy": MinimalEnergyStage, "EDP": MinimalEDPStage}[args.opt]

    stages = [
        WorkloadParserStage,
        AcceleratorParserStage,
        WorkloadStage,
        LayerRecorderStage,
        opt_stage,
        SpatialMappingGeneratorStage,
        opt_stage,
        TemporalMappingGeneratorStage,
        CountingCostModelStage,
    ]
    main = MainStage(
        list_of_callables=stages,
        accelerator=accelerator,
        workload=str(workload_path),
        mapping=mapping,
        # the same settings get_hardware_performance_zigzag passes with its defaults
        loma_lpf_limit=args.lpf_limit,
        loma_show_progress_bar=False,
        nb_mappings_generated=args.nb_spatial_mappings,
        enable_mix_spatial_mapping_generation=False,
        access_same_data_considered_as_no_access=True,
        temporal_mapping_type=TemporalMappingType("uneven"),
    )

    print(f"ZigZag {pkg_version('zigzag-dse')}: {args.network} ({len(layers)} layers) on {args.hardware}, "
          f"opt={args.opt}, lpf_limit={args.lpf_limit}", flush=True)
    LayerRecorderStage.records = []
    load_start = os.getloadavg()[0]
    t0 = time.perf_counter()
    main.run()
    total_wall = time.perf_counter() - t0

    records = LayerRecorderStage.records
    assert len(records) == len(layers), (len(records), len(layers))
    rows = []
    for idx, (layer, rec) in enumerate(zip(layers, records)):
        assert rec["zigzag_layer"] == layer.name, (rec["zigzag_layer"], layer.name)
        row = {
            "network": args.network, "hardware": args.hardware, "layer_idx": idx, "layer": layer.name,
            "kind": layer.kind, "K": layer.k, "C": layer.c, "OX": layer.ox, "OY": layer.oy, "FX": layer.fx,
            "FY": layer.fy, "stride": layer.stride, "groups": layer.groups, "IX": layer.ix, "IY": layer.iy,
            "pad": layer.pad, "macs": layer.macs, "opt": args.opt, "lpf_limit": args.lpf_limit,
            "nb_spatial_mappings_limit": args.nb_spatial_mappings,
            "mappings_per_s": rec["n_mappings_evaluated"] / rec["search_wall_s"],
        }
        row.update({k: rec[k] for k in CSV_COLUMNS if k in rec})
        rows.append(row)

    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{args.network}__{args.hardware}" + (f"__first{args.layers}" if args.layers else "")
    csv_path = out_dir / f"{stem}.csv"
    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        w.writeheader()
        for row in rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) and k.endswith("_s") else v) for k, v in row.items()})

    n_maps = sum(r["n_mappings_evaluated"] for r in rows)
    search = sum(r["search_wall_s"] for r in rows)
    summary = {
        "network": args.network, "hardware": args.hardware, "n_layers": len(rows), "opt": args.opt,
        "lpf_limit": args.lpf_limit, "nb_spatial_mappings_limit": args.nb_spatial_mappings,
        "total_wall_s": total_wall, "search_wall_s": search, "n_mappings_evaluated": n_maps,
        "mappings_per_s": n_maps / search if search else 0.0,
        "n_loma_orderings": sum(r["n_loma_orderings"] for r in rows),
        "sum_latency_cycles": sum(r["latency_cycles"] for r in rows),
        "sum_energy_pJ": sum(r["energy_pJ"] for r in rows),
        "zigzag_version": pkg_version("zigzag-dse"), "python": platform.python_version(),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu", "accelerator_yaml": _short(accelerator),
        "mapping_yaml": _short(mapping), "workload_yaml": _short(workload_path),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        # other processes on the machine slow ZigZag down (single-threaded): keep the load next to the timings
        "loadavg_1m_start": load_start, "loadavg_1m_end": os.getloadavg()[0],
    }
    with open(out_dir / f"{stem}.summary.json", "w") as f:
        json.dump(summary, f, indent=2)
    print(f"total: {n_maps} mappings in {search:.2f} s search ({summary['mappings_per_s']:.1f}/s), "
          f"{total_wall:.2f} s wall incl. parsing; sum latency {summary['sum_latency_cycles']:.0f} cyc, "
          f"sum energy {summary['sum_energy_pJ']:.4g} pJ")
    print(f"wrote {csv_path}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--network", required=True, choices=sorted(networks.NETWORKS))
    p.add_argument("--hardware", required=True, help=f"ZigZag example accelerator name, e.g. {', '.join(HARDWARE)}")
    p.add_argument("--layers", type=int, default=0, help="only the first N conv/FC layers (0 = all)")
    p.add_argument("--opt", default="latency", choices=["latency", "energy", "EDP"],
                   help="ZigZag's reduce criterion (API default: latency); min latency and min energy over all "
                        "evaluated mappings are recorded either way")
    p.add_argument("--lpf-limit", type=int, default=6, help="LOMA loop-prime-factor limit (API default 6)")
    p.add_argument("--nb-spatial-mappings", type=int, default=3,
                   help="max spatial mappings generated when the mapping YAML leaves some unset (API default 3)")
    p.add_argument("--accelerator", help="accelerator YAML (default: ZigZag's bundled inputs/hardware/<hw>.yaml)")
    p.add_argument("--mapping", help="mapping YAML (default: ZigZag's bundled inputs/mapping/<hw>.yaml)")
    p.add_argument("--out-dir", default=str(HERE / "results"))
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    run(args)


if __name__ == "__main__":
    main()
