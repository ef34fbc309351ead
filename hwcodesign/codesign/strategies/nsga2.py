"""Multi-objective search in the style of NSGA-II: Deb, Pratap, Agarwal and Meyarivan, "A fast
and elitist multiobjective genetic algorithm: NSGA-II", IEEE TEVC 2002.

Every ``Outcome.objectives`` entry is minimised. Survival keeps the best
``population_size`` points by (feasible first, non-domination rank, crowding distance);
parents are picked by binary tournament on the same order, children are a uniform
crossover of two parents followed by mutating each dimension with probability
``1 / len(dimensions)`` (at least one dimension when the child would repeat an asked
point). Survival runs after each tell (a steady-state variant: points can be told in
any batch size). `NSGA2.front` is the non-dominated set of every feasible point told. An
infeasible `Outcome` without objectives (a point pruned before evaluation) is accepted and
left out of the population.

Examples
--------
>>> pareto_front([(1, 5), (2, 2), (3, 3), (5, 1), (2, 2)])
[0, 1, 3, 4]
>>> non_dominated_sort([(1, 5), (2, 2), (3, 3), (5, 1)])
[[0, 1, 3], [2]]
>>> crowding_distance([(1, 5), (2, 2), (5, 1)]).tolist()  # middle: (5 - 1) / 4 per objective
[inf, 2.0, inf]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hwcodesign.codesign.strategies.base import STRATEGIES, Outcome, Strategy, positive_int
from hwcodesign.codesign.strategies.space import SearchSpace
from hwcodesign.core.checks import require_number
from hwcodesign.core.errors import ConfigError

__all__ = ["NSGA2", "pareto_front", "non_dominated_sort", "crowding_distance"]

#: Children tried for a point not asked before, before accepting a repeat.
FRESH_TRIES = 20


def _dominated_by(objs: np.ndarray) -> np.ndarray:
    """``out[i, j]`` is true when point ``j`` dominates point ``i`` (no worse in all, better in one)."""
    le = (objs[None, :, :] <= objs[:, None, :]).all(axis=2)
    lt = (objs[None, :, :] < objs[:, None, :]).any(axis=2)
    return le & lt


def pareto_front(objectives: Sequence[Sequence[float]]) -> list[int]:
    """Indices of the points no other point dominates (all objectives minimised), ascending."""
    objs = np.asarray(objectives, dtype=float)
    if objs.size == 0:
        return []
    return [int(i) for i in np.flatnonzero(~_dominated_by(objs).any(axis=1))]


def non_dominated_sort(objectives: Sequence[Sequence[float]]) -> list[list[int]]:
    """Deb's fronts: the first is `pareto_front`, each next one is the front once the earlier are removed."""
    objs = np.asarray(objectives, dtype=float)
    if objs.size == 0:
        return []
    dom = _dominated_by(objs)
    remaining = np.ones(len(objs), dtype=bool)
    fronts = []
    while remaining.any():
        front = remaining & ~(dom & remaining[None, :]).any(axis=1)
        fronts.append([int(i) for i in np.flatnonzero(front)])
        remaining &= ~front
    return fronts


def crowding_distance(objectives: Sequence[Sequence[float]]) -> np.ndarray:
    """Deb's crowding distance within one front: per objective, the normalised gap between neighbours."""
    objs = np.asarray(objectives, dtype=float)
    n = len(objs)
    dist = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for m in range(objs.shape[1]):
        order = np.argsort(objs[:, m], kind="stable")
        span = objs[order[-1], m] - objs[order[0], m]
        dist[order[0]] = dist[order[-1]] = np.inf
        if span > 0:
            dist[order[1:-1]] += (objs[order[2:], m] - objs[order[:-2], m]) / span
    return dist


@STRATEGIES.register("nsga2")
class NSGA2(Strategy):
    """Elitist multi-objective evolution on ``Outcome.objectives`` (minimised), feasible points first."""

    def __init__(self, space: SearchSpace, *, seed: int = 0, population_size: int = 20,
                 crossover_prob: float = 0.9) -> None:
        super().__init__(space, seed=seed)
        self.population_size = positive_int("NSGA2", "population_size", population_size)
        self.crossover_prob = require_number("crossover_prob", crossover_prob, low=0, high=1, where="option of NSGA2")
        self.population: list[tuple[dict, Outcome]] = []
        self._order: list[tuple[int, float]] = []  # (rank, -crowding) per population member; lower is better
        self._archive: dict[str, tuple[dict, Outcome]] = {}
        self._asked: set[str] = set()
        self._n_objectives: int | None = None

    def front(self) -> list[tuple[dict, Outcome]]:
        """The feasible told points that no other feasible told point dominates, in the order first told."""
        return list(self._archive.values())

    def _ask(self, n: int) -> list[dict[str, object]]:
        out = []
        for _ in range(n):
            for _ in range(FRESH_TRIES):
                if len(self._asked) < self.population_size or len(self.population) < 2:
                    point = self.space.sample(self.rng)
                else:
                    point = self._child()
                if self.space.key(point) not in self._asked:
                    break
            self._asked.add(self.space.key(point))
            out.append(point)
        return out

    def _tournament(self) -> dict:
        i, j = self.rng.choice(len(self.population), size=2, replace=False)
        return self.population[min(int(i), int(j), key=lambda k: self._order[k])][0]

    def _child(self) -> dict[str, object]:
        a, b = self.space.indices(self._tournament()), self.space.indices(self._tournament())
        if self.rng.random() < self.crossover_prob:
            idx = [x if take else y for x, y, take in zip(a, b, self.rng.random(len(a)) < 0.5, strict=True)]
        else:
            idx = list(a)
        rate = 1.0 / len(idx)
        for d, dim in enumerate(self.space.dimensions):
            if len(dim.options) > 1 and self.rng.random() < rate:
                idx[d] = (idx[d] + 1 + int(self.rng.integers(len(dim.options) - 1))) % len(dim.options)
        child = self.space.point_at(idx)
        if (self.space.valid is not None and not self.space.valid(child)) or self.space.key(child) in self._asked:
            child = self.space.mutate(self.space.point_at(a), self.rng)
        return child

    def _tell(self, points: list[dict], outcomes: list[Outcome]) -> None:
        told = [(p, o) for p, o in zip(points, outcomes, strict=True) if o.objectives or o.feasible]
        for point, outcome in told:
            k = len(outcome.objectives)
            if k == 0 or (self._n_objectives is not None and k != self._n_objectives):
                raise ConfigError(f"NSGA2 needs the same number (>= 1) of objectives in every Outcome: "
                                  f"expected {self._n_objectives or 'at least 1'}, got {k} for "
                                  f"{self.space.key(point)}.")
            self._n_objectives = k
            if outcome.feasible:
                self._add_to_archive(point, outcome)
        merged = {self.space.key(p): (p, o) for p, o in [*self.population, *told]}
        self._survive(list(merged.values()))

    def _add_to_archive(self, point: dict, outcome: Outcome) -> None:
        new = np.asarray(outcome.objectives)
        for _, o in self._archive.values():
            old = np.asarray(o.objectives)
            if (old <= new).all() and (old < new).any():
                return
        self._archive = {key: (p, o) for key, (p, o) in self._archive.items()
                         if not ((new <= np.asarray(o.objectives)).all() and (new < np.asarray(o.objectives)).any())}
        self._archive[self.space.key(point)] = (point, outcome)

    def _survive(self, members: list[tuple[dict, Outcome]]) -> None:
        ranked: list[tuple[tuple[int, float], tuple[dict, Outcome]]] = []
        offset = 0
        for feasible in (True, False):
            group = [m for m in members if m[1].feasible is feasible]
            if not group:
                continue
            fronts = non_dominated_sort([o.objectives for _, o in group])
            for r, front in enumerate(fronts):
                crowd = crowding_distance([group[i][1].objectives for i in front])
                ranked.extend(((offset + r, -float(c)), group[i]) for i, c in zip(front, crowd, strict=True))
            offset += len(fronts)
        ranked.sort(key=lambda rm: rm[0])
        kept = ranked[:self.population_size]
        self._order = [o for o, _ in kept]
        self.population = [m for _, m in kept]
