"""Search strategies behind one ask/tell interface, and the spaces they search.

Strategies (see ``docs/search.md``): ``random``, ``grid``, ``evolution`` (regularized
evolution), ``reinforce`` (NASAIC-style policy-gradient controller), ``nsga2``
(multi-objective) and ``hao`` (any of them, with the points an integer-program bound rules
out dropped before evaluation). Each lives in a module of `hwcodesign.codesign.strategies`;
this module is the import path of the public names.

Examples
--------
>>> space = SearchSpace([Dimension("net__arch", ("a", "b", "c")), Dimension("pe_array__rows", (8, 16))])
>>> strategy = make_strategy("evolution", space, seed=3, population_size=4)
>>> points = strategy.ask(2)
>>> strategy.tell(points, [Outcome(reward=1.0), Outcome(reward=0.5, feasible=False)])
>>> points == make_strategy("evolution", space, seed=3, population_size=4).ask(2)
True
>>> make_strategy("evolutoin", space)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
hwcodesign.core.errors.UnknownNameError: Unknown search strategy 'evolutoin'. Did you mean 'evolution'? Known: ...
>>> make_strategy("evolution", space, populaton_size=4)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
hwcodesign.core.errors.UnknownNameError: Unknown option of the 'evolution' strategy 'populaton_size'. Did you mean 'population_size'? ...
"""

from __future__ import annotations

from hwcodesign.codesign.strategies.base import STRATEGIES, Outcome, Strategy, make_strategy
from hwcodesign.codesign.strategies.evolution import RegularizedEvolution
from hwcodesign.codesign.strategies.nsga2 import NSGA2, crowding_distance, non_dominated_sort, pareto_front
from hwcodesign.codesign.strategies.pruned import HAOPruned
from hwcodesign.codesign.strategies.reinforce import ReinforceController
from hwcodesign.codesign.strategies.simple import GridSearch, RandomSearch
from hwcodesign.codesign.strategies.space import Dimension, SearchSpace

__all__ = [
    "Dimension", "SearchSpace", "Outcome", "Strategy", "STRATEGIES", "make_strategy",
    "RandomSearch", "GridSearch", "RegularizedEvolution", "ReinforceController", "NSGA2", "HAOPruned",
    "pareto_front", "non_dominated_sort", "crowding_distance",
]
