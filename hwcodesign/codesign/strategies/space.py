"""Discrete search spaces: a product of named choices with an optional validity predicate.

A point is a plain ``dict`` from dimension name (an ``a__b`` parameter name such as
``"sub0__pe_array__rows"``) to one of that dimension's options.

Examples
--------
>>> import numpy as np
>>> space = SearchSpace([Dimension("net__arch", ("a", "b")), Dimension("pe_array__rows", (8, 16, 32))],
...                     valid=lambda p: not (p["net__arch"] == "b" and p["pe_array__rows"] == 8))
>>> space.size, space.names
(6, ('net__arch', 'pe_array__rows'))
>>> [space.key(p) for p in space.grid()][:2]
["net__arch='a';pe_array__rows=8", "net__arch='a';pe_array__rows=16"]
>>> len(list(space.grid()))
5
>>> point = space.sample(np.random.default_rng(0))
>>> space.is_valid(point) and space.is_valid(space.mutate(point, np.random.default_rng(1)))
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from hwcodesign.core.errors import ConfigError, UnknownNameError

__all__ = ["Dimension", "SearchSpace"]

#: How many draws `SearchSpace.sample` and `SearchSpace.mutate` try before deciding the predicate is too strict.
MAX_TRIES = 10_000


@dataclass(frozen=True)
class Dimension:
    """One discrete choice: a parameter ``name`` and its ``options`` (distinct, hashable values).

    Examples
    --------
    >>> Dimension("pe_array__rows", [8, 16])
    Dimension(name='pe_array__rows', options=(8, 16))
    >>> Dimension("pe_array__rows", ())
    Traceback (most recent call last):
    ...
    hwcodesign.core.errors.ConfigError: The 'options' field of Dimension(name='pe_array__rows') must be a non-empty sequence of distinct hashable values. Got ().
    """

    name: str
    options: tuple

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError(f"The 'name' field of Dimension must be a non-empty str. Got {self.name!r}.")
        options = tuple(self.options) if not isinstance(self.options, str | bytes) else None
        ok = bool(options)
        if ok:
            try:
                ok = len(set(options)) == len(options)
            except TypeError:
                ok = False
        if not ok:
            raise ConfigError(f"The 'options' field of Dimension(name={self.name!r}) must be a non-empty sequence "
                              f"of distinct hashable values. Got {self.options!r}.")
        object.__setattr__(self, "options", options)


class SearchSpace:
    """The product of ``dimensions``, restricted to the points for which ``valid(point)`` is true.

    ``size`` counts the whole product (the predicate is not applied: counting the valid
    points may need a full enumeration, which `grid` does on demand).
    """

    def __init__(self, dimensions: Sequence[Dimension], *, valid: Callable[[dict], bool] | None = None) -> None:
        dimensions = tuple(dimensions)
        if not dimensions or not all(isinstance(d, Dimension) for d in dimensions):
            raise ConfigError(f"The 'dimensions' argument of SearchSpace must be a non-empty sequence of Dimension. "
                              f"Got {dimensions!r}.")
        names = tuple(d.name for d in dimensions)
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ConfigError(f"The 'dimensions' argument of SearchSpace must have distinct names. "
                              f"Repeated: {', '.join(duplicates)}.")
        self.dimensions = dimensions
        self.names: tuple[str, ...] = names
        self.size: int = math.prod(len(d.options) for d in dimensions)
        self.valid = valid
        self._index = [{o: i for i, o in enumerate(d.options)} for d in dimensions]

    def __repr__(self) -> str:
        valid = "" if self.valid is None else f", valid={self.valid!r}"
        return f"SearchSpace({list(self.dimensions)!r}{valid})"

    def is_valid(self, point: dict) -> bool:
        """True when ``point`` names every dimension with one of its options and passes ``valid``."""
        if set(point) != set(self.names):
            return False
        if any(point[d.name] not in self._index[i] for i, d in enumerate(self.dimensions)):
            return False
        return self.valid is None or bool(self.valid(point))

    def check(self, point: dict) -> None:
        """Raise `ConfigError` naming the first unknown, missing or out-of-range entry of ``point``."""
        for name in point:
            if name not in self.names:
                raise UnknownNameError("search dimension", name, self.names)
        for i, d in enumerate(self.dimensions):
            if d.name not in point:
                raise ConfigError(f"The point lacks the {d.name!r} dimension. Allowed values: {list(d.options)}.")
            if point[d.name] not in self._index[i]:
                raise ConfigError(f"The {d.name!r} value of the point must be one of {list(d.options)}. "
                                  f"Got {point[d.name]!r}.")
        if self.valid is not None and not self.valid(point):
            raise ConfigError(f"The point {self.key(point)} is rejected by the space's validity predicate.")

    def indices(self, point: dict) -> tuple[int, ...]:
        """The option index of each dimension's value, in dimension order."""
        return tuple(self._index[i][point[d.name]] for i, d in enumerate(self.dimensions))

    def point_at(self, indices: Sequence[int]) -> dict[str, object]:
        """The point whose dimension ``i`` takes option ``indices[i]`` (validity not checked)."""
        return {d.name: d.options[int(j)] for d, j in zip(self.dimensions, indices, strict=True)}

    def sample(self, rng: np.random.Generator) -> dict[str, object]:
        """A uniformly random valid point (rejection sampling over the product)."""
        counts = [len(d.options) for d in self.dimensions]
        for _ in range(MAX_TRIES):
            point = self.point_at([rng.integers(c) for c in counts])
            if self.valid is None or self.valid(point):
                return point
        raise ConfigError(f"The space's validity predicate rejected {MAX_TRIES} random points; "
                          f"it accepts too few (or none) of the {self.size} points.")

    def mutate(self, point: dict, rng: np.random.Generator, *, n: int = 1) -> dict[str, object]:
        """A valid copy of ``point`` with ``n`` dimensions (of those with > 1 option) set to other values."""
        free = [i for i, d in enumerate(self.dimensions) if len(d.options) > 1]
        if not isinstance(n, int) or not 1 <= n <= max(len(free), 1):
            raise ConfigError(f"The 'n' argument of mutate must be an int in [1, {max(len(free), 1)}]. Got {n!r}.")
        if not free:
            return dict(point)
        base = self.indices(point)
        for _ in range(MAX_TRIES):
            idx = list(base)
            for i in rng.choice(len(free), size=n, replace=False):
                d = free[int(i)]
                shift = 1 + int(rng.integers(len(self.dimensions[d].options) - 1))
                idx[d] = (idx[d] + shift) % len(self.dimensions[d].options)
            child = self.point_at(idx)
            if self.valid is None or self.valid(child):
                return child
        raise ConfigError(f"No valid point differs from {self.key(point)} in {n} dimension(s) "
                          f"after {MAX_TRIES} tries.")

    def grid(self) -> Iterator[dict[str, object]]:
        """Every valid point, the last dimension varying fastest."""
        for values in itertools.product(*(d.options for d in self.dimensions)):
            point = dict(zip(self.names, values, strict=True))
            if self.valid is None or self.valid(point):
                yield point

    def key(self, point: dict) -> str:
        """A stable canonical string for ``point``: ``name=repr(value)`` in dimension order, ``;``-joined."""
        missing = [name for name in self.names if name not in point]
        if missing:
            raise ConfigError(f"The point lacks the {missing[0]!r} dimension. Dimensions: {', '.join(self.names)}.")
        return ";".join(f"{name}={point[name]!r}" for name in self.names)
