"""Our layer mapper against ZigZag on the same layers and equivalent hardware (issue #3).

For ResNet-18 and MobileNetV2 (``benchmarks/zigzag/networks.py``) on hwcodesign accelerators equivalent
to ZigZag's ``tpu_like`` and ``edge_tpu_like`` (``benchmarks/zigzag/equivalent.py``), runs
`hwcodesign.mapper.map_layer` once for latency and once for energy per layer and prints, side by side
with ZigZag's per-layer results (``benchmarks/zigzag/results/*.csv``, produced by
``benchmarks/zigzag/run_zigzag.py``):

* mappings evaluated per second (ours: both searches' evaluations over both searches' wall time, median
  of ``--repeats`` runs; ZigZag: its CSV's ``mappings_per_s``, or a same-run re-run of its search on the
  first ``--rerun-zigzag N`` layers through ``.venv-zigzag``);
* best latency and best energy found (ours: the lower of the two searches' results; ZigZag:
  ``min_latency_cycles``, ``min_energy_pJ`` over everything it evaluated), the ratio ours / ZigZag and
  whether ours is no worse (ratio <= 1);
* ZigZag's chosen mapping evaluated under our cost model (``zz@ours``, its per-operand loop cuts carried
  over as `Mapping.placement`) and the layer's physical lower bounds (`physical_bounds`: compulsory DRAM
  traffic through the one DRAM port), which separate the reasons ours can be worse: ``bound`` (ZigZag's
  number is below what the layer's compulsory DRAM traffic needs: ZigZag's accounting misses traffic),
  ``input`` (energy: ZigZag's energy-best mapping, traced by ``zigzag/trace_layer.py`` into
  ``zigzag/results/*.trace.csv``, reads fewer input bytes from DRAM or ``sram_2MB`` than ours on the same
  mapping, and with its input reads replaced by ours ZigZag's energy is no lower than ours),
  ``model`` (otherwise, when ours beats or matches ZigZag's own mapping under our model: the two cost
  models disagree) and ``search`` (ZigZag's mapping is better under our model too: our search missed it).

Our cost is `hwcodesign.mapper.cost.evaluate` plus the ZigZag terms our spec cannot express
(`equivalent.zigzag_cost`: DRAM write energy, output off-loading, systolic drain).

    python3 benchmarks/bench_mapper_vs_zigzag.py                       # everything (~5.5 min on 2 cores)
    python3 benchmarks/bench_mapper_vs_zigzag.py --networks resnet18 --hardware tpu_like --layers 5
    python3 benchmarks/bench_mapper_vs_zigzag.py --rerun-zigzag 2      # + ZigZag re-run on 2 layers
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ZIGZAG = ROOT / "benchmarks" / "zigzag"
sys.path.insert(0, str(ZIGZAG))

from equivalent import (  # noqa: E402
    DRAM_BYTES_PER_CYCLE,
    DRAM_READ_PJ_PER_BYTE,
    DRAM_WRITE_PJ_PER_BYTE,
    HARDWARE,
    MAC_PJ,
    equivalent_accelerator,
    zigzag_cost,
    zigzag_mapping,
)
from networks import NETWORKS, Layer, get_network  # noqa: E402

from hwcodesign.mapper.cost import batch_of  # noqa: E402
from hwcodesign.mapper.layer import map_layer  # noqa: E402
from hwcodesign.mapper.problem import problem_of  # noqa: E402
from hwcodesign.workloads.operators import Conv2d, Gemm, Operator  # noqa: E402


def operator_of(layer: Layer) -> Operator:
    """The hwcodesign operator of a `networks.Layer` (torch conventions: whole-layer K and C)."""
    if layer.kind == "fc":
        return Gemm(m=1, n=layer.k, k=layer.c, name=layer.name)
    return Conv2d(in_channels=layer.c, out_channels=layer.k, in_h=layer.iy, in_w=layer.ix, kernel_h=layer.fy,
                  kernel_w=layer.fx, stride_h=layer.stride, stride_w=layer.stride, pad_h=layer.pad,
                  pad_w=layer.pad, groups=layer.groups, name=layer.name)


def read_zigzag(network: str, hardware: str) -> dict[str, dict[str, str]]:
    path = ZIGZAG / "results" / f"{network}__{hardware}.csv"
    if not path.exists():
        raise SystemExit(f"{path} missing: run benchmarks/zigzag/run_all.sh (see benchmarks/zigzag/README.md)")
    with path.open() as f:
        return {row["layer"]: row for row in csv.DictReader(f)}


def rerun_zigzag(network: str, hardware: str, layers: int, python: str) -> dict[str, float]:
    """ZigZag's mappings/s per layer on its first ``layers`` layers, run now (same machine, same load)."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([python, str(ZIGZAG / "run_zigzag.py"), "--network", network, "--hardware", hardware,
                        "--layers", str(layers), "--out-dir", tmp], check=True, capture_output=True)
        path = next(Path(tmp).glob("*.csv"))
        with path.open() as f:
            return {row["layer"]: float(row["mappings_per_s"]) for row in csv.DictReader(f)}


def run_ours(layer: Layer, hardware: str, *, repeats: int, budget: int, seed: int,
             placement: bool = True) -> dict[str, float | str]:
    """Our latency and energy searches on one layer: best results, evaluations, median wall time."""
    op = operator_of(layer)
    acc = equivalent_accelerator(hardware, layer.kind)
    cost = zigzag_cost(hardware, input_words(layer))
    results, walls = {}, []
    for _ in range(repeats):
        start = time.perf_counter()
        for objective in ("latency", "energy"):
            results[objective] = map_layer(op, acc, objective=objective, budget=budget, seed=seed, cost=cost,
                                           padding=True, placement=placement)
        walls.append(time.perf_counter() - start)
    lat, en = results["latency"], results["energy"]
    evaluated = lat.evaluated + en.evaluated
    wall = statistics.median(walls)
    return {"latency_cycles": min(lat.record["latency_cycles"], en.record["latency_cycles"]),
            "energy_pj": min(lat.record["energy_pj"], en.record["energy_pj"]),
            "feasible": lat.feasible and en.feasible, "evaluated": evaluated, "wall_s": wall,
            "mappings_per_s": evaluated / wall, "search": lat.search, "mapping_latency": str(lat.mapping),
            "mapping_energy": str(en.mapping)}


def zigzag_in_ours(layer: Layer, hardware: str, zz: dict[str, str]) -> tuple[float, float, bool, float]:
    """ZigZag's chosen mapping (its opt=latency answer) under our cost: latency, energy, feasible, and the
    energy of the same nest with every operand cut at our level boundaries (no `Mapping.placement`)."""
    problem = problem_of(operator_of(layer))
    acc = equivalent_accelerator(hardware, layer.kind)
    mapping = zigzag_mapping(problem, acc, hardware, layer.kind, zz["spatial_mapping"], zz["temporal_mapping"])
    cost = zigzag_cost(hardware, input_words(layer))
    row = cost(problem, acc, batch_of(problem, acc, [mapping])).record(0)
    shared = cost(problem, acc, batch_of(problem, acc, [dataclasses.replace(mapping, placement=())])).record(0)
    return row["latency_cycles"], row["energy_pj"], row["feasible"], shared["energy_pj"]


def _rows_read(out: int, kernel: int, stride: int, pad: int, size: int) -> int:
    """Stored input rows (of ``size``) that the windows of ``out`` outputs reach (padding excluded)."""
    return len({o * stride + r - pad for o in range(out) for r in range(kernel)} & set(range(size)))


def input_words(layer: Layer) -> int:
    """Input words the layer reads at least once: stored (unpadded) rows and columns its windows reach."""
    if layer.kind == "fc":
        return layer.c
    return layer.c * _rows_read(layer.oy, layer.fy, layer.stride, layer.pad, layer.iy) * _rows_read(
        layer.ox, layer.fx, layer.stride, layer.pad, layer.ix)


def physical_bounds(layer: Layer, hardware: str) -> tuple[float, float]:
    """Lower bounds on any mapping's latency and energy, from the traffic every mapping must move.

    Each input word a window reaches (`input_words`) and each weight must be read from DRAM once, each
    8-bit output written to it once, through the one 64-bit DRAM port (8 B/cycle): latency >= those bytes
    / 8. Energy >= MACs x 0.04 pJ + those bytes x ZigZag's DRAM energy (700 pJ per 64-bit read, 750 per
    write) + for every on-chip memory that stores an operand on its way (equivalent.py's levels, the same as
    ZigZag's), one write and one read of each of its words at ZigZag's cheapest per-bit rate (per access of
    ``bandwidth_max`` bits); ZigZag's ``rf_1B`` of edge_tpu_like (not in our spec) is left out.
    """
    words = {"ifmap": input_words(layer), "filter": layer.k * (layer.c // layer.groups) * layer.fy * layer.fx,
             "ofmap": layer.k * layer.oy * layer.ox}
    latency = sum(words.values()) / DRAM_BYTES_PER_CYCLE
    energy = layer.macs * MAC_PJ + (words["ifmap"] + words["filter"]) * DRAM_READ_PJ_PER_BYTE + (
        words["ofmap"] * DRAM_WRITE_PJ_PER_BYTE)
    acc = equivalent_accelerator(hardware, layer.kind)
    for buffer in acc.buffers:
        for operand in buffer.operands:
            energy += words[operand] * sum(acc.buffer_access_energy_pj_per_byte(buffer.name, kind, operand=operand)
                                           for kind in ("read", "write"))
    return latency, energy


def read_trace(network: str, hardware: str) -> dict[str, dict[str, float | str]]:
    """Per layer traced by ``zigzag/trace_layer.py``: ZigZag's energy-best mapping (``temporal``), its energy and
    the input bytes it reads from DRAM (64-bit accesses) and from ``sram_2MB`` towards the array (2048-bit)."""
    path = ZIGZAG / "results" / f"{network}__{hardware}.trace.csv"
    if not path.exists():
        return {}
    out: dict[str, dict[str, float | str]] = {}
    with path.open() as f:
        for r in csv.DictReader(f):
            row = out.setdefault(r["layer"], {})
            if r["temporal"]:
                row.update(temporal=r["temporal"], energy_pj=float(r["energy_total_pj"]))
            if r["operand"] == "I":
                width = {"dram": 8, "sram_2MB": 256}[r["memory"]]
                row[f"input_{r['memory']}_read_bytes"] = width * float(r["accesses_rd_down"])
    return out


def traced_gap(layer: Layer, hardware: str, zz: dict[str, str], trace: dict[str, float | str]) -> dict[str, float]:
    """ZigZag's traced energy-best mapping under our cost: its input reads against ZigZag's own, and ZigZag's
    energy with its input reads (DRAM, ``sram_2MB``) replaced by ours (at ZigZag's per-byte read energies)."""
    problem = problem_of(operator_of(layer))
    acc = equivalent_accelerator(hardware, layer.kind)
    mapping = zigzag_mapping(problem, acc, hardware, layer.kind, zz["spatial_mapping"], str(trace["temporal"]))
    row = zigzag_cost(hardware, input_words(layer))(problem, acc, batch_of(problem, acc, [mapping])).record(0)
    dram, sram = row["ifmap_dram_read_bytes"], row["ifmap_sram_read_bytes"]
    zz_dram, zz_sram = float(trace["input_dram_read_bytes"]), float(trace["input_sram_2MB_read_bytes"])
    sram_pj = acc.buffer_access_energy_pj_per_byte("sram_2MB", "read", operand="ifmap")
    return {"traced_energy_ours_pj": row["energy_pj"], "traced_input_dram_ratio": zz_dram / dram,
            "traced_input_sram_ratio": zz_sram / sram,
            "zigzag_energy_input_aligned_pj": float(trace["energy_pj"]) + (dram - zz_dram) * DRAM_READ_PJ_PER_BYTE
            + (sram - zz_sram) * sram_pj}


def gap_reason(ours: float, zz: float, zz_in_ours: float, zz_feasible: bool, bound: float,
               traced: dict[str, float] | None = None) -> str:
    """'' when ours <= ZigZag; else 'bound', 'input', 'model' or 'search' (module docstring)."""
    if ours <= zz:
        return ""
    if zz < bound:
        return "bound"
    if traced and min(traced["traced_input_dram_ratio"], traced["traced_input_sram_ratio"]) < 1 and (
            ours <= traced["zigzag_energy_input_aligned_pj"]):
        return "input"
    if zz_feasible and zz_in_ours < ours:
        return "search"
    return "model"


def fmt(x: float) -> str:
    return f"{x:.4g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--networks", nargs="+", default=list(NETWORKS), choices=list(NETWORKS))
    parser.add_argument("--hardware", nargs="+", default=list(HARDWARE), choices=list(HARDWARE))
    parser.add_argument("--layers", type=int, default=None, help="first N layers of each network only")
    parser.add_argument("--repeats", type=int, default=3, help="runs of our searches per layer (median time)")
    parser.add_argument("--budget", type=int, default=20_000, help="map_layer's budget")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-placement", action="store_true",
                        help="search shared level cuts only (map_layer(placement=False)), for an ablation")
    parser.add_argument("--rerun-zigzag", type=int, default=0, metavar="N",
                        help="also re-run ZigZag's search on the first N layers now, for same-run mappings/s")
    parser.add_argument("--zigzag-python", default=str(ROOT / ".venv-zigzag" / "bin" / "python"))
    parser.add_argument("--csv", type=Path, default=None, help="write the per-layer table here")
    parser.add_argument("--json", type=Path, default=None, help="write the summary here")
    args = parser.parse_args(argv)

    rows, summary = [], []
    for network in args.networks:
        layers = get_network(network)[:args.layers]
        for hardware in args.hardware:
            zz_rows = read_zigzag(network, hardware)
            traced = read_trace(network, hardware)
            rerun = rerun_zigzag(network, hardware, args.rerun_zigzag, args.zigzag_python) if args.rerun_zigzag else {}
            print(f"\n== {network} on {hardware} (ZigZag-equivalent) ==")
            print(f"{'layer':<24} {'lat ours':>10} {'lat zz':>10} {'ratio':>6} {'':6} {'E ours pJ':>10} "
                  f"{'E zz pJ':>10} {'ratio':>6} {'':6} {'zz@ours lat':>11} {'zz@ours E':>10} {'map/s ours':>10} "
                  f"{'map/s zz':>9}")
            block = []
            for layer in layers:
                zz = zz_rows[layer.name]
                ours = run_ours(layer, hardware, repeats=args.repeats, budget=args.budget, seed=args.seed,
                                placement=not args.no_placement)
                zl, ze = float(zz["min_latency_cycles"]), float(zz["min_energy_pJ"])
                il, ie, ifeas, ie_shared = zigzag_in_ours(layer, hardware, zz)
                bl, be = physical_bounds(layer, hardware)
                gap = traced_gap(layer, hardware, zz, traced[layer.name]) if layer.name in traced else {}
                row = {"network": network, "hardware": hardware, "layer": layer.name, "kind": layer.kind,
                       "groups": layer.groups, "macs": layer.macs,
                       "ours_latency_cycles": ours["latency_cycles"], "zigzag_latency_cycles": zl,
                       "latency_ratio": ours["latency_cycles"] / zl,
                       "ours_energy_pj": ours["energy_pj"], "zigzag_energy_pj": ze,
                       "energy_ratio": ours["energy_pj"] / ze,
                       "zigzag_mapping_in_ours_latency_cycles": il, "zigzag_mapping_in_ours_energy_pj": ie,
                       "zigzag_mapping_in_ours_feasible": ifeas,
                       "zigzag_mapping_in_ours_shared_cuts_energy_pj": ie_shared,
                       "latency_bound_cycles": bl, "energy_bound_pj": be,
                       "latency_gap": gap_reason(ours["latency_cycles"], zl, il, ifeas, bl),
                       "energy_gap": gap_reason(ours["energy_pj"], ze, ie, ifeas, be, gap),
                       **{k: gap.get(k, float("nan")) for k in ("traced_energy_ours_pj", "traced_input_dram_ratio",
                                                                 "traced_input_sram_ratio",
                                                                 "zigzag_energy_input_aligned_pj")},
                       "ours_feasible": ours["feasible"], "ours_search": ours["search"],
                       "ours_evaluated": ours["evaluated"], "ours_wall_s": ours["wall_s"],
                       "ours_mappings_per_s": ours["mappings_per_s"],
                       "zigzag_evaluated": int(zz["n_mappings_evaluated"]),
                       "zigzag_wall_s": float(zz["search_wall_s"]),
                       "zigzag_mappings_per_s": float(zz["mappings_per_s"]),
                       "zigzag_rerun_mappings_per_s": rerun.get(layer.name, float("nan"))}
                block.append(row)
                print(f"{layer.name:<24} {fmt(row['ours_latency_cycles']):>10} {fmt(zl):>10} "
                      f"{row['latency_ratio']:6.3f} {row['latency_gap']:6} {fmt(row['ours_energy_pj']):>10} "
                      f"{fmt(ze):>10} {row['energy_ratio']:6.3f} {row['energy_gap']:6} {fmt(il):>11} {fmt(ie):>10} "
                      f"{row['ours_mappings_per_s']:10.0f} {row['zigzag_mappings_per_s']:9.1f}", flush=True)
            ours_mps = statistics.median(r["ours_mappings_per_s"] for r in block)
            zz_mps = statistics.median(r["zigzag_mappings_per_s"] for r in block)
            same_run = [r["zigzag_rerun_mappings_per_s"] for r in block if r["zigzag_rerun_mappings_per_s"] > 0]
            n = len(block)
            s = {"network": network, "hardware": hardware, "layers": n,
                 "ours_mappings_per_s_median": ours_mps, "zigzag_mappings_per_s_median": zz_mps,
                 "speed_ratio": ours_mps / zz_mps,
                 "zigzag_rerun_mappings_per_s_median": statistics.median(same_run) if same_run else None,
                 "latency_no_worse_pct": 100 * sum(r["latency_ratio"] <= 1 for r in block) / n,
                 "energy_no_worse_pct": 100 * sum(r["energy_ratio"] <= 1 for r in block) / n,
                 "latency_worse_bound": sum(r["latency_gap"] == "bound" for r in block),
                 "energy_worse_bound": sum(r["energy_gap"] in ("bound", "input") for r in block),
                 "latency_worse_model": sum(r["latency_gap"] == "model" for r in block),
                 "latency_worse_search": sum(r["latency_gap"] == "search" for r in block),
                 "energy_worse_model": sum(r["energy_gap"] == "model" for r in block),
                 "energy_worse_search": sum(r["energy_gap"] == "search" for r in block),
                 "sum_latency_ratio": sum(r["ours_latency_cycles"] for r in block) / sum(
                     r["zigzag_latency_cycles"] for r in block),
                 "sum_energy_ratio": sum(r["ours_energy_pj"] for r in block) / sum(
                     r["zigzag_energy_pj"] for r in block),
                 "ours_wall_s": sum(r["ours_wall_s"] for r in block)}
            summary.append(s)
            rows.extend(block)

    print("\n== summary (mappings/s: median over layers; ours measured now, ZigZag from its CSV) ==")
    print(f"{'network':<13} {'hardware':<14} {'layers':>6} {'map/s ours':>10} {'map/s zz':>9} {'ratio':>7} "
          f"{'zz rerun':>8} {'lat <=':>7} {'E <=':>7} {'lat worse b/m/s':>15} {'E worse b/m/s':>13} "
          f"{'sum lat':>7} {'sum E':>6}")
    for s in summary:
        rerun = f"{s['zigzag_rerun_mappings_per_s_median']:8.1f}" if s["zigzag_rerun_mappings_per_s_median"] else (
            f"{'-':>8}")
        print(f"{s['network']:<13} {s['hardware']:<14} {s['layers']:6d} {s['ours_mappings_per_s_median']:10.0f} "
              f"{s['zigzag_mappings_per_s_median']:9.1f} {s['speed_ratio']:6.0f}x {rerun} "
              f"{s['latency_no_worse_pct']:6.1f}% {s['energy_no_worse_pct']:6.1f}% "
              f"{s['latency_worse_bound']:>7d}/{s['latency_worse_model']}/{s['latency_worse_search']:<4d} "
              f"{s['energy_worse_bound']:>6d}/{s['energy_worse_model']}/{s['energy_worse_search']:<4d} "
              f"{s['sum_latency_ratio']:7.3f} {s['sum_energy_ratio']:6.3f}")
    total = len(rows)
    print(f"all: {total} layer x hardware; latency no worse on "
          f"{100 * sum(r['latency_ratio'] <= 1 for r in rows) / total:.1f}%, energy no worse on "
          f"{100 * sum(r['energy_ratio'] <= 1 for r in rows) / total:.1f}% "
          "(worse: b = ZigZag below the layer's compulsory-traffic bound, or its traced input reads short, m = other cost-model difference, "
          "s = our search missed ZigZag's mapping)")
    if args.csv:
        with args.csv.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
