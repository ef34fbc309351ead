"""HAO-style pruning (Dong et al., FCCM 2021): any strategy, with the points a cheap bound rules
out dropped before they are evaluated.

``prune(point)`` returns ``None`` to keep a point, or the reason it cannot meet the specs
(typically: the latency lower bound of `hwcodesign.mapper.hao.min_latency_cycles` for the
point's networks on its hardware budget already exceeds the latency spec). Pruned points
never reach the caller through `ask`; they are kept as data in ``pruned`` as
``(point, reason)`` pairs. With ``pruned_outcome`` the inner strategy is told that
outcome for each pruned point, so a learning strategy steers away from them.

Examples
--------
>>> from hwcodesign.codesign.strategies.space import Dimension, SearchSpace
>>> space = SearchSpace([Dimension("pe_array__rows", (4, 8, 16, 32))])
>>> slow = lambda p: "latency bound 9 ms > 5 ms" if p["pe_array__rows"] < 16 else None
>>> hao = HAOPruned(space, prune=slow, inner="grid")
>>> hao.ask(4), hao.done
([{'pe_array__rows': 16}, {'pe_array__rows': 32}], True)
>>> hao.pruned[0]
({'pe_array__rows': 4}, 'latency bound 9 ms > 5 ms')
"""

from __future__ import annotations

from collections.abc import Callable

from hwcodesign.codesign.strategies.base import STRATEGIES, Outcome, Strategy, make_strategy
from hwcodesign.codesign.strategies.space import MAX_TRIES, SearchSpace
from hwcodesign.core.errors import ConfigError

__all__ = ["HAOPruned"]


@STRATEGIES.register("hao")
class HAOPruned(Strategy):
    """Wraps the ``inner`` strategy (any registered name but ``hao``) and drops points ``prune`` rejects.

    ``done`` turns true when the inner strategy is done, or when `MAX_TRIES` inner points in
    a row were pruned (the bound rules out, in practice, everything the inner proposes).
    """

    def __init__(self, space: SearchSpace, *, seed: int = 0, prune: Callable[[dict], str | None],
                 inner: str = "random", inner_options: dict | None = None,
                 pruned_outcome: Outcome | None = None) -> None:
        super().__init__(space, seed=seed)
        if not callable(prune):
            raise ConfigError(f"The 'prune' option of HAOPruned must be a callable point -> str | None. Got {prune!r}.")
        if inner == "hao":
            raise ConfigError("The 'inner' option of HAOPruned must name a strategy other than 'hao'.")
        if pruned_outcome is not None and not isinstance(pruned_outcome, Outcome):
            raise ConfigError(f"The 'pruned_outcome' option of HAOPruned must be an Outcome or None. "
                              f"Got {pruned_outcome!r}.")
        self.inner = make_strategy(inner, space, seed=seed, **dict(inner_options or {}))
        self.prune = prune
        self.pruned_outcome = pruned_outcome
        self.pruned: list[tuple[dict, str]] = []
        self._starved = False

    @property
    def done(self) -> bool:
        return self._starved or self.inner.done

    def _ask(self, n: int) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        misses = 0
        while len(out) < n and not self.done:
            for point in self.inner.ask(n - len(out)):
                reason = self.prune(point)
                if reason is None:
                    out.append(point)
                    misses = 0
                    continue
                if not isinstance(reason, str):
                    raise ConfigError(f"The 'prune' callable must return None or a str reason. Got {reason!r}.")
                self.pruned.append((point, reason))
                misses += 1
                if self.pruned_outcome is not None:
                    self.inner.tell([point], [self.pruned_outcome])
            self._starved = misses >= MAX_TRIES
        return out

    def _tell(self, points: list[dict], outcomes: list[Outcome]) -> None:
        self.inner.tell(points, outcomes)
