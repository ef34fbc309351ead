"""The analytical engine: per-operator rows from the loop-nest cost model.

MAC operators (conv, GEMM) run on the PE array under a `Mapping`: the one given in
``mappings`` (by operator name), or the best the layer mapper finds for
``objective``. Each row has the systolic engine's columns (``latency_cycles``,
``compute_cycles``, ``stall_cycles``, ``utilization``, ``sram_*``/``dram_*`` bytes,
``energy_*_pj``) plus ``<level>_read_bytes``/``<level>_write_bytes`` and
``<operand>_<level>_read_bytes`` per memory level, ``energy_<component>_pj`` per
component (``mac``, each on-chip level, ``noc``, ``dram``, ``leakage``; they sum to
``energy_pj``), ``area_mm2``, the mapping as a loop nest (``mapping``) and
feasibility (``feasible``, ``constraint``, ``demand``, ``bound``). Operators without
MACs run on the vector unit exactly as in the systolic engine.

Examples
--------
>>> from hwcodesign.workloads import get_workload
>>> from hwcodesign.accelerators import get_accelerator
>>> table = simulate(get_workload("tiny"), get_accelerator("eyeriss_like"), budget=2000)
>>> row = table[0]
>>> row["engine"], row["feasible"], 0 < row["utilization"] <= 1
('analytical', True, True)
>>> parts = [c for c in row if c.startswith("energy_") and c != "energy_pj"]
>>> abs(sum(row[c] for c in parts) - row["energy_pj"]) < 1e-6 * row["energy_pj"]
True
"""

from __future__ import annotations

from collections.abc import Mapping as MappingOf
from typing import Any

from hwcodesign import __version__
from hwcodesign.accelerators import Accelerator
from hwcodesign.core.results import ResultTable
from hwcodesign.core.seeds import Seed
from hwcodesign.mapper.cost import batch_of, evaluate
from hwcodesign.mapper.layer import Objective, Search, map_layer
from hwcodesign.mapper.mapping import Mapping
from hwcodesign.mapper.problem import problem_of
from hwcodesign.simulator.systolic.engine import simulate_operator as _vector_operator
from hwcodesign.workloads import Workload
from hwcodesign.workloads.operators import Operator

__all__ = ["simulate", "simulate_operator"]


def simulate_operator(op: Operator, accelerator: Accelerator, mapping: Mapping, *,
                      precision: str = "int8") -> dict[str, Any]:
    """Evaluate MAC operator ``op`` on ``accelerator`` under ``mapping``; return its row.

    Examples
    --------
    >>> from hwcodesign.accelerators import get_accelerator
    >>> from hwcodesign.mapper import map_layer
    >>> from hwcodesign.workloads.operators import Gemm
    >>> acc, op = get_accelerator("nvdla_like"), Gemm(m=16, n=64, k=128)
    >>> best = map_layer(op, acc, objective="latency")
    >>> simulate_operator(op, acc, best.mapping)["latency_cycles"] == best.record["latency_cycles"]
    True
    """
    problem = problem_of(op, precision)
    cost = evaluate(problem, accelerator, batch_of(problem, accelerator, [mapping]))
    return {**cost.record(0), "mapping": str(mapping)}


def simulate(workload: Workload, accelerator: Accelerator, *, objective: Objective = "edp",
             search: Search = "auto", mappings: MappingOf[str, Mapping] | None = None, budget: int = 20_000,
             seed: Seed = 0) -> ResultTable:
    """Map and evaluate every operator of ``workload`` on ``accelerator``; one row per operator.

    Parameters
    ----------
    workload
        The network (batch size and precision included).
    accelerator
        Any template.
    objective, search, budget, seed
        Passed to `hwcodesign.mapper.map_layer` for operators without a given mapping.
    mappings
        Mappings to use instead of searching, by operator name.
    """
    provenance = {"hwcodesign_version": __version__, "engine": "analytical", "workload": workload.name,
                  "batch": workload.batch, "precision": workload.precision, "accelerator": accelerator.name,
                  "template": accelerator.template, "objective": objective, "seed": seed}
    given = dict(mappings or {})
    rows = []
    for op in workload.operators():
        if op.gemm_view() is None:
            record = {**_vector_operator(op, accelerator, precision=workload.precision), "feasible": True}
        elif op.name in given:
            record = simulate_operator(op, accelerator, given[op.name], precision=workload.precision)
        else:
            result = map_layer(op, accelerator, objective=objective, search=search, precision=workload.precision,
                               budget=budget, seed=seed)
            record = {**result.record, "mapping": str(result.mapping), "search": result.search}
        rows.append({**provenance, **record})
    return ResultTable(rows)
