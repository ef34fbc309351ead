"""Fit `GPUModelParams` to measured times: scipy least squares on log error.

Parameters are fitted in log space within their declared bounds, with a weak pull
towards the starting values (``prior_weight``) so that a parameter the data cannot
identify (tensor-core efficiency when no tensor-core kernel is in the training set)
stays at its default instead of drifting.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

import numpy as np

from hwcodesign.core.errors import ConfigError
from hwcodesign.core.spec import field_constraints, with_params
from hwcodesign.simulator.gpu.params import GPUModelParams

__all__ = ["fit_params"]


def _bounds(name: str, start: float) -> tuple[float, float]:
    c = field_constraints(GPUModelParams, name)
    lo = max(c.get("ge", c.get("gt", 0.0)), 1e-9, start * 1e-3)
    hi = min(c.get("le", c.get("lt", start * 1e3)), start * 1e3)
    return math.log(lo * (1 + 1e-9)), math.log(hi * (1 - 1e-9))


def fit_params(predict: Callable[[GPUModelParams], np.ndarray], measured_s: np.ndarray, names: Sequence[str], *,
               start: GPUModelParams | None = None, prior_weight: float = 0.05) -> GPUModelParams:
    """Return ``start`` with ``names`` refitted so that ``predict(params)`` matches ``measured_s``.

    Minimises ``sum(log(pred/measured)^2) + prior_weight^2 * n * sum(log(p/p0)^2)``.
    """
    from scipy.optimize import least_squares

    start = start or GPUModelParams()
    known = [f.name for f in dataclasses.fields(GPUModelParams)]
    for name in names:
        if name not in known:
            raise ConfigError(f"Unknown GPUModelParams field {name!r}; known: {', '.join(known)}.")
    measured_s = np.asarray(measured_s, dtype=float)
    if not len(measured_s) or np.any(measured_s <= 0):
        raise ConfigError("fit_params needs at least one measured time, all > 0.")
    x0 = np.array([math.log(max(getattr(start, n), 1e-9)) for n in names])
    bounds = np.array([_bounds(n, math.exp(x)) for n, x in zip(names, x0, strict=True)]).T
    x0 = np.clip(x0, bounds[0] + 1e-12, bounds[1] - 1e-12)
    log_meas = np.log(measured_s)
    prior = prior_weight * math.sqrt(len(measured_s))

    def residuals(x: np.ndarray) -> np.ndarray:
        params = with_params(start, **{n: float(math.exp(v)) for n, v in zip(names, x, strict=True)})
        pred = np.maximum(predict(params), 1e-12)
        return np.concatenate([np.log(pred) - log_meas, prior * (x - x0)])

    if not names:
        return start
    fit = least_squares(residuals, x0, bounds=bounds, x_scale=1.0, diff_step=1e-3, max_nfev=200, loss="soft_l1",
                        f_scale=0.2)
    return with_params(start, **{n: float(math.exp(v)) for n, v in zip(names, fit.x, strict=True)})
