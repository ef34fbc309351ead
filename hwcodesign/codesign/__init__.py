"""codesign"""

from hwcodesign.codesign.accuracy import NB201_TASKS, FunctionAccuracy, NB201Accuracy
from hwcodesign.codesign.evaluate import METRICS, Evaluator, OperatorCosts, Specs
from hwcodesign.codesign.explore import Study, explore, pareto_front, successive
from hwcodesign.codesign.search import STRATEGIES, Dimension, Outcome, SearchSpace, Strategy, make_strategy
from hwcodesign.codesign.space import (
    Chip,
    ChipSpace,
    CodesignSpace,
    CustomNetworkSpace,
    Design,
    GpuTarget,
    NB201Space,
    NetworkSpace,
    SubAccelerator,
)
from hwcodesign.codesign.store import ResultStore
from hwcodesign.codesign.sweep import Sweep, SweepSummary, load_sweep, run_sweep

__all__ = ["Dimension", "SearchSpace", "Outcome", "Strategy", "STRATEGIES", "make_strategy"]
__all__ += ["ResultStore", "Sweep", "SweepSummary", "load_sweep", "run_sweep"]
__all__ += ["NB201_TASKS", "NB201Accuracy", "FunctionAccuracy", "Specs", "METRICS", "Evaluator", "OperatorCosts",
            "Study", "explore", "successive", "pareto_front", "NetworkSpace", "NB201Space", "CustomNetworkSpace",
            "SubAccelerator", "Chip", "ChipSpace", "Design", "CodesignSpace", "GpuTarget"]
