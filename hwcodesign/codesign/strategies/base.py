"""The ask/tell interface every search strategy implements, and the registry of strategies.

A caller asks a strategy for points, evaluates them, and tells it an `Outcome` for each:
``reward`` (higher is better) for single-objective strategies, ``objectives`` (all
minimised) for multi-objective ones, and ``feasible`` (the specs were met).

Examples
--------
>>> Outcome(reward=0.9, objectives=(1.5, 2), feasible=False)
Outcome(reward=0.9, objectives=(1.5, 2.0), feasible=False)
>>> Outcome(reward=float("nan"))
Traceback (most recent call last):
...
hwcodesign.core.errors.ConfigError: The 'reward' field of Outcome must be a float that is not NaN. Got nan.
"""

from __future__ import annotations

import inspect
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass

from hwcodesign.codesign.strategies.space import SearchSpace
from hwcodesign.core.checks import require_int
from hwcodesign.core.errors import ConfigError, UnknownNameError
from hwcodesign.core.registry import Registry
from hwcodesign.core.seeds import as_generator

__all__ = ["Outcome", "Strategy", "STRATEGIES", "make_strategy", "positive_int"]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return None if math.isnan(value) else value


@dataclass(frozen=True)
class Outcome:
    """What the caller tells a strategy about one evaluated point."""

    reward: float
    objectives: tuple[float, ...] = ()
    feasible: bool = True

    def __post_init__(self) -> None:
        reward = _number(self.reward)
        if reward is None:
            raise ConfigError(f"The 'reward' field of Outcome must be a float that is not NaN. Got {self.reward!r}.")
        objectives = tuple(_number(v) for v in self.objectives)
        if any(v is None for v in objectives):
            raise ConfigError(f"The 'objectives' field of Outcome must be a tuple of floats, none NaN. "
                              f"Got {self.objectives!r}.")
        if not isinstance(self.feasible, bool):
            raise ConfigError(f"The 'feasible' field of Outcome must be a bool. Got {self.feasible!r}.")
        object.__setattr__(self, "reward", reward)
        object.__setattr__(self, "objectives", objectives)


def positive_int(owner: str, field: str, value: object) -> int:
    """Return ``value`` if it is an int >= 1, else raise `ConfigError` naming ``owner`` and ``field``."""
    return require_int(field, value, low=1, where=f"option of {owner}")


class Strategy(ABC):
    """Base class: ``ask`` for points, ``tell`` their outcomes; ``done`` once nothing is left to ask.

    Subclasses implement ``_ask(n)`` and, if they learn, ``_tell(points, outcomes)``. The
    random generator ``self.rng`` comes from ``seed``, so a run is reproduced by the same
    seed and the same tells.
    """

    def __init__(self, space: SearchSpace, *, seed: int = 0) -> None:
        if not isinstance(space, SearchSpace):
            raise ConfigError(f"The 'space' argument of {type(self).__name__} must be a SearchSpace. Got {space!r}.")
        self.space = space
        self.seed = seed
        self.rng = as_generator(seed)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<{len(self.space.names)} dimensions>, seed={self.seed!r})"

    @property
    def done(self) -> bool:
        """True when the strategy has nothing more to propose."""
        return False

    def ask(self, n: int = 1) -> list[dict[str, object]]:
        """Return up to ``n`` valid points to evaluate next (fewer only when ``done``)."""
        positive_int(type(self).__name__ + ".ask", "n", n)
        return self._ask(n)

    def tell(self, points: list[dict], outcomes: list[Outcome]) -> None:
        """Report the ``outcomes`` of evaluating ``points`` (any valid points, asked or not)."""
        points, outcomes = list(points), list(outcomes)
        if len(points) != len(outcomes):
            raise ConfigError(f"tell() needs one Outcome per point: got {len(points)} points "
                              f"and {len(outcomes)} outcomes.")
        for point, outcome in zip(points, outcomes, strict=True):
            self.space.check(point)
            if not isinstance(outcome, Outcome):
                raise ConfigError(f"tell() takes Outcome objects. Got {outcome!r}.")
        self._tell(points, outcomes)

    @abstractmethod
    def _ask(self, n: int) -> list[dict[str, object]]: ...

    def _tell(self, points: list[dict], outcomes: list[Outcome]) -> None:
        """Learn from outcomes; strategies that do not adapt ignore them."""
        return None


#: Search strategies by name: ``make_strategy(name, space, seed=..., **options)`` builds one.
STRATEGIES: Registry[type[Strategy]] = Registry("search strategy")


def make_strategy(name: str, space: SearchSpace, *, seed: int = 0, **options: object) -> Strategy:
    """Build the strategy registered as ``name`` on ``space``; unknown names and options raise `UnknownNameError`."""
    cls = STRATEGIES.get(name)
    allowed = [p for p in inspect.signature(cls).parameters if p not in ("space", "seed")]
    for option in options:
        if option not in allowed:
            raise UnknownNameError(f"option of the {name!r} strategy", option, allowed)
    return cls(space, seed=seed, **options)
