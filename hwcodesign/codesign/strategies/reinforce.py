"""A REINFORCE controller in the style of NASAIC (Yang et al., DAC 2020), after Zoph and Le
(ICLR 2017) and Williams (1992).

Two controllers: ``"softmax"`` (default) picks each dimension's option from its own
softmax over learnable logits (the output heads of NASAIC's RNN controller, without the
recurrent state that lets one choice condition the next); ``"lstm"`` is that RNN, a small
LSTM that picks the dimensions in order, each conditioned on the earlier picks
(`hwcodesign.codesign.strategies.lstm.LSTMPolicy`). After each told point the parameters
move along the policy gradient of the reward's advantage over a moving-average baseline:
``theta += learning_rate * (R - b) / s * grad log pi(point)``, where ``b`` and ``s`` are
exponential moving averages of the reward and of ``|R - b|`` (so the step does not depend
on the reward's units), and ``b <- decay * b + (1 - decay) * R``; the first reward only
sets ``b``. The points of one `tell` make one step: their advantages are taken in order
(each updates ``b`` and ``s``), their gradients at the same parameters. Points the validity predicate rejects are redrawn from the policy.

Examples
--------
>>> from hwcodesign.codesign.strategies.base import Outcome
>>> from hwcodesign.codesign.strategies.space import Dimension, SearchSpace
>>> space = SearchSpace([Dimension("x", (0, 1, 2, 3))])
>>> ctl = ReinforceController(space, seed=0, learning_rate=0.5)
>>> for _ in range(50):
...     points = ctl.ask(4)
...     ctl.tell(points, [Outcome(reward=float(p["x"])) for p in points])
>>> int(ctl.probabilities()["x"].argmax()), bool(ctl.probabilities()["x"][3] > 0.9)
(3, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from hwcodesign.codesign.strategies.base import STRATEGIES, Outcome, Strategy, positive_int
from hwcodesign.codesign.strategies.lstm import LSTMPolicy
from hwcodesign.codesign.strategies.space import MAX_TRIES, SearchSpace
from hwcodesign.core.checks import require_number
from hwcodesign.core.errors import ConfigError

__all__ = ["ReinforceController", "SoftmaxPolicy"]


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max())
    return e / e.sum()


class SoftmaxPolicy:
    """Independent per-dimension softmax heads over ``sizes[d]`` options (all logits start at 0: uniform)."""

    def __init__(self, sizes: Sequence[int]) -> None:
        self.logits = [np.zeros(int(n)) for n in sizes]

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` choices: a ``(n, D)`` array of option indices."""
        draws = rng.random((n, len(self.logits)))
        return np.stack([np.minimum((np.cumsum(_softmax(lg)) <= draws[:, d, None]).sum(axis=1), len(lg) - 1)
                         for d, lg in enumerate(self.logits)], axis=1)

    def ascend(self, choices: np.ndarray, weights: np.ndarray) -> None:
        """``logits_d += sum_b weights[b] * (onehot(choices[b, d]) - softmax(logits_d))``, the gradient step."""
        for d, lg in enumerate(self.logits):
            grad = -_softmax(lg) * weights.sum()
            np.add.at(grad, choices[:, d], weights)
            lg += grad


@STRATEGIES.register("reinforce")
class ReinforceController(Strategy):
    """A policy over points trained by REINFORCE with a moving-average baseline on ``Outcome.reward``."""

    def __init__(self, space: SearchSpace, *, seed: int = 0, controller: Literal["softmax", "lstm"] = "softmax",
                 learning_rate: float = 0.1, baseline_decay: float = 0.9, hidden_size: int = 16) -> None:
        super().__init__(space, seed=seed)
        where = "option of ReinforceController"
        learning_rate = require_number("learning_rate", learning_rate, low=0, low_inclusive=False, where=where)
        baseline_decay = require_number("baseline_decay", baseline_decay, low=0, high=1, high_inclusive=False,
                                        where=where)
        sizes = [len(d.options) for d in space.dimensions]
        if controller == "softmax":
            self.policy: SoftmaxPolicy | LSTMPolicy = SoftmaxPolicy(sizes)
        elif controller == "lstm":
            hidden = positive_int("ReinforceController", "hidden_size", hidden_size)
            self.policy = LSTMPolicy(sizes, hidden_size=hidden, rng=self.rng)
        else:
            raise ConfigError(f"The 'controller' option of ReinforceController must be 'softmax' or 'lstm'. "
                              f"Got {controller!r}.")
        self.controller = controller
        self.learning_rate = learning_rate
        self.baseline_decay = baseline_decay
        self.baseline: float | None = None
        self._scale = 0.0

    def probabilities(self) -> dict[str, np.ndarray]:
        """The softmax controller's policy: each dimension's option probabilities."""
        if not isinstance(self.policy, SoftmaxPolicy):
            raise ConfigError("probabilities() describes the 'softmax' controller; the 'lstm' one conditions each "
                              "dimension on the earlier picks.")
        return {d.name: _softmax(lg) for d, lg in zip(self.space.dimensions, self.policy.logits, strict=True)}

    def _ask(self, n: int) -> list[dict[str, object]]:
        points = [self.space.point_at(row) for row in self.policy.sample(self.rng, n)]
        valid = self.space.valid
        for _ in range(MAX_TRIES):
            bad = [i for i, p in enumerate(points) if valid is not None and not valid(p)]
            if not bad:
                return points
            for i, row in zip(bad, self.policy.sample(self.rng, len(bad)), strict=True):
                points[i] = self.space.point_at(row)
        return [p if valid(p) else self.space.sample(self.rng) for p in points]

    def _tell(self, points: list[dict], outcomes: list[Outcome]) -> None:
        decay, weights = self.baseline_decay, np.zeros(len(points))
        for b, (point, outcome) in enumerate(zip(points, outcomes, strict=True)):
            reward = outcome.reward
            if not np.isfinite(reward):
                raise ConfigError(f"ReinforceController needs finite rewards. Got {reward!r} for "
                                  f"{self.space.key(point)}.")
            if self.baseline is None:
                self.baseline = reward
                continue
            advantage = reward - self.baseline
            self._scale = decay * self._scale + (1 - decay) * abs(advantage)
            if self._scale > 0:
                weights[b] = self.learning_rate * advantage / self._scale
            self.baseline = decay * self.baseline + (1 - decay) * reward
        choices = np.array([self.space.indices(p) for p in points], dtype=np.int64)
        self.policy.ascend(choices, weights)
