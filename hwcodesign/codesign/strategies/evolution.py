"""Regularized (aging) evolution: Real, Aggarwal, Huang and Le, "Regularized evolution for
image classifier architecture search", AAAI 2019.

The population is the ``population_size`` most recently told points (a queue: the
oldest dies, not the worst). The first ``population_size`` asks are random; after that
each child is a one-dimension mutation of the best-reward point of a random sample of
``sample_size`` population members (tournament selection).

Examples
--------
>>> from hwcodesign.codesign.strategies.base import Outcome
>>> from hwcodesign.codesign.strategies.space import Dimension, SearchSpace
>>> space = SearchSpace([Dimension(f"x{i}", tuple(range(8))) for i in range(4)])
>>> evo = RegularizedEvolution(space, seed=0, population_size=10, sample_size=3)
>>> for _ in range(30):
...     points = evo.ask(5)
...     evo.tell(points, [Outcome(reward=sum(p.values())) for p in points])
>>> max(o.reward for _, o in evo.population) >= 24  # the optimum is 28
True
"""

from __future__ import annotations

from collections import deque

from hwcodesign.codesign.strategies.base import STRATEGIES, Outcome, Strategy, positive_int
from hwcodesign.codesign.strategies.space import SearchSpace

__all__ = ["RegularizedEvolution"]

#: Mutations tried for a child not asked before, before accepting a repeat.
FRESH_TRIES = 20


@STRATEGIES.register("evolution")
class RegularizedEvolution(Strategy):
    """Aging evolution with tournament selection on ``Outcome.reward`` (put spec penalties in the reward)."""

    def __init__(self, space: SearchSpace, *, seed: int = 0, population_size: int = 20, sample_size: int = 5,
                 mutations: int = 1) -> None:
        super().__init__(space, seed=seed)
        self.population_size = positive_int("RegularizedEvolution", "population_size", population_size)
        self.sample_size = positive_int("RegularizedEvolution", "sample_size", sample_size)
        self.mutations = positive_int("RegularizedEvolution", "mutations", mutations)
        self.population: deque[tuple[dict, Outcome]] = deque(maxlen=self.population_size)
        self._asked: set[str] = set()

    def _ask(self, n: int) -> list[dict[str, object]]:
        out = []
        for _ in range(n):
            if len(self._asked) < self.population_size or not self.population:
                point = self._fresh(lambda: self.space.sample(self.rng))
            else:
                picks = self.rng.choice(len(self.population), size=min(self.sample_size, len(self.population)),
                                        replace=False)
                parent = max((self.population[int(i)] for i in picks), key=lambda po: po[1].reward)[0]
                point = self._fresh(lambda parent=parent: self.space.mutate(parent, self.rng, n=self.mutations))
            self._asked.add(self.space.key(point))
            out.append(point)
        return out

    def _fresh(self, propose) -> dict[str, object]:
        for _ in range(FRESH_TRIES):
            point = propose()
            if self.space.key(point) not in self._asked:
                return point
        return point

    def _tell(self, points: list[dict], outcomes: list[Outcome]) -> None:
        self.population.extend(zip(points, outcomes, strict=True))
