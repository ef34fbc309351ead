"""Analytical engine: a loop-nest cost model (Timeloop/ZigZag style) for any template and mapping.

`simulate` maps every MAC operator of a workload with the layer mapper (or uses the
mappings given) and returns one row per operator; `simulate_operator` evaluates one
operator under one `Mapping`. Both use `hwcodesign.mapper.cost.evaluate`, the
vectorised model the mapper searches with, as a batch of one.
"""

from hwcodesign.simulator.analytical.engine import simulate, simulate_operator

__all__ = ["simulate", "simulate_operator"]
