"""A small LSTM policy in numpy: the recurrent controller of Zoph and Le (ICLR 2017) and NASAIC.

The controller picks the dimensions one after another. At step ``d`` its input is the
embedding of the option picked at step ``d - 1`` (a learned start vector at step 0), one
LSTM cell updates the hidden state, and a per-dimension linear head turns the hidden
state into the logits of dimension ``d``'s options. `LSTMPolicy.grad_log_prob` is the
exact gradient of a weighted sum of log-probabilities of whole choices (back-propagation
through the ``D`` steps); REINFORCE weighs each choice by its scaled advantage. Choices are
rows of a ``(batch, D)`` array and go through the network together.

Examples
--------
>>> import numpy as np
>>> policy = LSTMPolicy([3, 2, 4], hidden_size=8, rng=np.random.default_rng(0))
>>> choices = policy.sample(np.random.default_rng(1), 5)
>>> choices.shape, bool((choices < [3, 2, 4]).all())
((5, 3), True)
>>> every = np.array(np.meshgrid(range(3), range(2), range(4), indexing="ij")).reshape(3, -1).T
>>> round(float(np.exp(policy.log_prob(every)).sum()), 9)  # a distribution over the 24 choices
1.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["LSTMPolicy"]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max())
    return e / e.sum()


class LSTMPolicy:
    """An autoregressive policy over dimensions with ``sizes[d]`` options each.

    Parameters are in ``self.params`` (name -> array), initialised uniformly in
    ``[-init_scale, init_scale]`` as in Zoph and Le, so the first policy is near uniform.
    """

    def __init__(self, sizes: Sequence[int], *, hidden_size: int = 16, rng: np.random.Generator,
                 init_scale: float = 0.1) -> None:
        self.sizes = [int(n) for n in sizes]
        h = self.hidden_size = int(hidden_size)

        def init(*shape: int) -> np.ndarray:
            return rng.uniform(-init_scale, init_scale, size=shape)

        self.params: dict[str, np.ndarray] = {"start": init(h), "W": init(4 * h, 2 * h), "b": np.zeros(4 * h)}
        for d, n in enumerate(self.sizes):
            self.params[f"head{d}"] = init(n, h)
            self.params[f"bias{d}"] = np.zeros(n)
            if d + 1 < len(self.sizes):
                self.params[f"embed{d}"] = init(n, h)

    def _step(self, x: np.ndarray, h: np.ndarray, c: np.ndarray) -> tuple:
        """One LSTM cell on a batch: rows of ``x``, ``h``, ``c`` are (input, hidden, cell) states."""
        xh = np.concatenate([x, h], axis=1)
        z = xh @ self.params["W"].T + self.params["b"]
        n = self.hidden_size
        gates = _sigmoid(z[:, :3 * n])
        i, f, o, g = gates[:, :n], gates[:, n:2 * n], gates[:, 2 * n:], np.tanh(z[:, 3 * n:])
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        return h_new, c_new, (xh, c, i, f, o, g, c_new)

    def _probs(self, d: int, h: np.ndarray) -> np.ndarray:
        logits = h @ self.params[f"head{d}"].T + self.params[f"bias{d}"]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def _start(self, batch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        zeros = np.zeros((batch, self.hidden_size))
        return np.broadcast_to(self.params["start"], zeros.shape), zeros, zeros

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` choices, a ``(n, D)`` array of option indices, each conditioned on the earlier picks."""
        x, h, c = self._start(n)
        out = np.zeros((n, len(self.sizes)), dtype=np.int64)
        for d, size in enumerate(self.sizes):
            h, c, _ = self._step(x, h, c)
            cdf = np.cumsum(self._probs(d, h), axis=1)
            out[:, d] = np.minimum((cdf <= rng.random(n)[:, None]).sum(axis=1), size - 1)
            if d + 1 < len(self.sizes):
                x = self.params[f"embed{d}"][out[:, d]]
        return out

    def _forward(self, choices: np.ndarray) -> tuple[np.ndarray, list, list, list]:
        x, h, c = self._start(len(choices))
        rows = np.arange(len(choices))
        logp, caches, hs, probs = np.zeros(len(choices)), [], [], []
        for d in range(len(self.sizes)):
            h, c, cache = self._step(x, h, c)
            p = self._probs(d, h)
            logp += np.log(p[rows, choices[:, d]])
            caches.append(cache)
            hs.append(h)
            probs.append(p)
            if d + 1 < len(self.sizes):
                x = self.params[f"embed{d}"][choices[:, d]]
        return logp, caches, hs, probs

    def log_prob(self, choices: np.ndarray) -> np.ndarray:
        """``log pi(choice)`` of each row of ``choices``."""
        return self._forward(np.asarray(choices))[0]

    def grad_log_prob(self, choices: np.ndarray, weights: np.ndarray) -> dict[str, np.ndarray]:
        """The gradient of ``sum_b weights[b] * log pi(choices[b])`` for every parameter (back-propagation
        through time)."""
        choices, weights = np.asarray(choices), np.asarray(weights, dtype=float)
        _, caches, hs, probs = self._forward(choices)
        n, rows = self.hidden_size, np.arange(len(choices))
        grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        dh_next = dc_next = np.zeros((len(choices), n))
        for d in reversed(range(len(self.sizes))):
            dlogits = -probs[d]
            dlogits[rows, choices[:, d]] += 1.0
            dlogits *= weights[:, None]
            grads[f"head{d}"] += dlogits.T @ hs[d]
            grads[f"bias{d}"] += dlogits.sum(axis=0)
            dh = dlogits @ self.params[f"head{d}"] + dh_next
            xh, c_prev, i, f, o, g, c = caches[d]
            tc = np.tanh(c)
            dc = dc_next + dh * o * (1 - tc**2)
            dz = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dh * tc * o * (1 - o),
                                 dc * i * (1 - g**2)], axis=1)
            grads["W"] += dz.T @ xh
            grads["b"] += dz.sum(axis=0)
            dxh = dz @ self.params["W"]
            if d == 0:
                grads["start"] += dxh[:, :n].sum(axis=0)
            else:
                np.add.at(grads[f"embed{d - 1}"], choices[:, d - 1], dxh[:, :n])
            dh_next, dc_next = dxh[:, n:], dc * f
        return grads

    def ascend(self, choices: np.ndarray, weights: np.ndarray) -> None:
        """``params += grad sum_b weights[b] log pi(choices[b])``: one REINFORCE step for the batch."""
        for k, g in self.grad_log_prob(choices, weights).items():
            self.params[k] += g
