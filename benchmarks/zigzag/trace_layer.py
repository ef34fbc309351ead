#!/usr/bin/env python
"""ZigZag's per-memory accounting of its energy-best mapping, layer by layer (evidence for README.md).

Run with the ZigZag venv's python:

    .venv-zigzag/bin/python benchmarks/zigzag/trace_layer.py --network mobilenet_v2 --hardware edge_tpu_like \\
        --layer features.7.conv.2 [--layer ...] [--csv results/mobilenet_v2__edge_tpu_like.trace.csv]

Runs ZigZag's search (as run_zigzag.py, opt=energy) on each layer alone and prints, for the mapping with
the least energy (its energy is the CSV's ``min_energy_pJ``), the temporal mapping per operand, MAC
energy, and per operand and memory level the word accesses (``memory_word_access``: reads/writes per
direction, in accesses of ``bandwidth_max`` bits) and the energy (``mem_energy_breakdown``), next to the
layer's operand sizes. ``--csv`` writes one row per (layer, operand, memory) with those access counts.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run_zigzag as rz  # noqa: E402
from zigzag.hardware.architecture.memory_port import DataDirection  # noqa: E402

#: ZigZag's four port directions: read towards the higher level, write from it, read towards the lower
#: level, write from it (accesses of the memory's ``bandwidth_max`` bits; 64 bits = 8 B for the DRAM).
DIRECTIONS = {"rd_up": DataDirection.RD_OUT_TO_HIGH, "wr_down": DataDirection.WR_IN_BY_HIGH,
              "rd_down": DataDirection.RD_OUT_TO_LOW, "wr_up": DataDirection.WR_IN_BY_LOW}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--network", required=True, choices=list(rz.networks.NETWORKS))
    parser.add_argument("--hardware", default="edge_tpu_like")
    parser.add_argument("--layer", required=True, action="append", help="a layer name (repeatable)")
    parser.add_argument("--csv", type=Path, default=None)
    args = parser.parse_args(argv)
    rows = []
    for name in args.layer:
        layer = next(x for x in rz.networks.get_network(args.network) if x.name == name)
        rows.extend(trace(layer, args.network, args.hardware))
    if args.csv:
        with args.csv.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


def trace(layer, network: str, hardware: str) -> list[dict]:
    """Run ZigZag on ``layer`` alone; print and return its energy-best mapping's per-memory accounting."""
    path = Path(tempfile.mkdtemp(prefix="zigzag_trace_")) / "one.yaml"
    rz.write_workload(network, [layer], path)
    best = []

    class Keep(rz.CountingCostModelStage):
        def run(self):
            for cme, extra in super().run():
                if not best or cme.energy_total < best[0].energy_total:
                    best[:] = [cme]
                yield cme, extra

    main = rz.MainStage(
        list_of_callables=[rz.WorkloadParserStage, rz.AcceleratorParserStage, rz.WorkloadStage,
                           rz.MinimalEnergyStage, rz.SpatialMappingGeneratorStage, rz.MinimalEnergyStage,
                           rz.TemporalMappingGeneratorStage, Keep],
        accelerator=str(rz.ZIGZAG_INPUTS / "hardware" / f"{hardware}.yaml"), workload=str(path),
        mapping=str(rz.ZIGZAG_INPUTS / "mapping" / f"{hardware}.yaml"), loma_lpf_limit=6,
        loma_show_progress_bar=False, nb_mappings_generated=3, enable_mix_spatial_mapping_generation=False,
        access_same_data_considered_as_no_access=True, temporal_mapping_type=rz.TemporalMappingType("uneven"))
    main.run()
    cme = best[0]
    print(layer)
    print("spatial", cme.layer.spatial_mapping)
    print("temporal", rz._temporal_str(cme))
    print(f"latency_total2 {cme.latency_total2}  energy_total {cme.energy_total:.1f} pJ  MAC {cme.mac_energy:.1f} pJ")
    for op, size in cme.layer.operand_size_bit.items():
        print(f"operand {op}: {size} bits = {size / 8:.0f} B")
    rows = []
    for op, levels in cme.memory_word_access.items():
        mem_op = cme.layer.memory_operand_links.layer_to_mem_op(op)
        for lv, (acc, energy) in enumerate(zip(levels, cme.mem_energy_breakdown[op], strict=False)):
            memory = cme.accelerator.get_memory_level(mem_op, lv)
            print(f"{op} {memory.name:10s} accesses {acc}  energy {energy:.1f} pJ")
            rows.append({"layer": layer.name, "operand": op, "memory": memory.name,
                         "operand_bytes": cme.layer.operand_size_bit[op] / 8, "energy_pj": energy,
                         **{f"accesses_{key}": acc.get(direction) for key, direction in DIRECTIONS.items()}})
    rows[0].update(energy_total_pj=cme.energy_total, latency_total2=cme.latency_total2,
                   temporal=rz._temporal_str(cme))
    return rows


if __name__ == "__main__":
    main()
