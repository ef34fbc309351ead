"""Layer mapping: problems, mappings, the vectorised cost model, the mapping space and search.

Examples
--------
>>> from hwcodesign.accelerators import get_accelerator
>>> from hwcodesign.workloads.operators import Gemm
>>> result = map_layer(Gemm(m=64, n=64, k=64), get_accelerator("simba_like"), objective="latency")
>>> result.feasible, result.record["utilization"] > 0.5
(True, True)
"""

from hwcodesign.mapper.cost import BatchCost, MappingBatch, arch_view, batch_of, evaluate, mapping_at
from hwcodesign.mapper.layer import OBJECTIVES, SEARCHES, CostFunction, LayerMapping, map_layer
from hwcodesign.mapper.mapping import Mapping
from hwcodesign.mapper.milp import milp_tiling
from hwcodesign.mapper.problem import OperandView, Problem, problem_of

__all__ = [
    "Mapping", "Problem", "OperandView", "problem_of", "MappingBatch", "BatchCost", "arch_view", "batch_of",
    "evaluate", "mapping_at", "map_layer", "LayerMapping", "CostFunction", "OBJECTIVES", "SEARCHES",
    "milp_tiling",
]
