"""The two strategies that ignore outcomes: random sampling and exhaustive grid.

Examples
--------
>>> from hwcodesign.codesign.strategies.space import Dimension, SearchSpace
>>> space = SearchSpace([Dimension("a", (1, 2)), Dimension("b", ("x", "y"))])
>>> grid = GridSearch(space)
>>> grid.ask(3), grid.done
([{'a': 1, 'b': 'x'}, {'a': 1, 'b': 'y'}, {'a': 2, 'b': 'x'}], False)
>>> grid.ask(3), grid.done
([{'a': 2, 'b': 'y'}], True)
>>> rand = RandomSearch(space, seed=0)
>>> len({space.key(p) for p in rand.ask(4)}), rand.done  # without replacement by default
(4, True)
"""

from __future__ import annotations

from hwcodesign.codesign.strategies.base import STRATEGIES, Strategy
from hwcodesign.codesign.strategies.space import MAX_TRIES, SearchSpace
from hwcodesign.core.errors import ConfigError

__all__ = ["RandomSearch", "GridSearch", "ENUMERATE_LIMIT"]

#: Spaces whose product is at most this size are enumerated once so that sampling without replacement is exact.
ENUMERATE_LIMIT = 1 << 16


@STRATEGIES.register("random")
class RandomSearch(Strategy):
    """Uniform random points; with ``unique`` (default) none is proposed twice.

    Without replacement, a space of at most `ENUMERATE_LIMIT` points is enumerated and
    shuffled, so ``done`` turns true exactly when every valid point was asked; a larger
    space is sampled with rejection of seen points, and declared done only if
    ``MAX_TRIES`` draws in a row were all seen.
    """

    def __init__(self, space: SearchSpace, *, seed: int = 0, unique: bool = True) -> None:
        super().__init__(space, seed=seed)
        if not isinstance(unique, bool):
            raise ConfigError(f"The 'unique' option of RandomSearch must be a bool. Got {unique!r}.")
        self.unique = unique
        self._seen: set[str] = set()
        self._order: list[dict] | None = None  # shuffled valid points of a small space, consumed from the end
        self._exhausted = False

    @property
    def done(self) -> bool:
        return self._exhausted or (self._order is not None and not self._order)

    def _ask(self, n: int) -> list[dict[str, object]]:
        if not self.unique:
            return [self.space.sample(self.rng) for _ in range(n)]
        if self._order is None and self.space.size <= ENUMERATE_LIMIT:
            points = list(self.space.grid())
            self._order = [points[i] for i in self.rng.permutation(len(points))][::-1]
        if self._order is not None:
            return [self._order.pop() for _ in range(min(n, len(self._order)))]
        out = []
        while len(out) < n and not self._exhausted:
            for _ in range(MAX_TRIES):
                point = self.space.sample(self.rng)
                key = self.space.key(point)
                if key not in self._seen:
                    self._seen.add(key)
                    out.append(point)
                    break
            else:
                self._exhausted = True
        return out


@STRATEGIES.register("grid")
class GridSearch(Strategy):
    """Every valid point once, in `SearchSpace.grid` order (the seed is unused)."""

    def __init__(self, space: SearchSpace, *, seed: int = 0) -> None:
        super().__init__(space, seed=seed)
        self._points = space.grid()
        self._next = next(self._points, None)

    @property
    def done(self) -> bool:
        return self._next is None

    def _ask(self, n: int) -> list[dict[str, object]]:
        out = []
        while self._next is not None and len(out) < n:
            out.append(self._next)
            self._next = next(self._points, None)
        return out
