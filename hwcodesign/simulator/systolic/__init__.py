"""Systolic-array engine: closed-form cycles, traffic and energy per layer.

`simulate` runs a workload (``mode="default"`` models what real hardware moves;
``mode="scalesim"`` reproduces SCALE-Sim 3.0.0 exactly). `scalesim_conv_layer` and
`scalesim_gemm_layer` give SCALE-Sim's report numbers for one layer.
"""

from hwcodesign.simulator.systolic.engine import MODES, simulate, simulate_operator
from hwcodesign.simulator.systolic.folds import FoldGrid, fold_grid
from hwcodesign.simulator.systolic.scalesim_model import (
    ScaleSimLayerStats,
    scalesim_conv_layer,
    scalesim_gemm_layer,
)

__all__ = [
    "MODES", "simulate", "simulate_operator", "FoldGrid", "fold_grid",
    "ScaleSimLayerStats", "scalesim_conv_layer", "scalesim_gemm_layer",
]
