"""The one place the mappers touch the PuLP API that PuLP 4 changes: variables and the CBC command.

PuLP 3.3 deprecates constructing ``LpVariable`` on its own (PuLP 4 creates variables through the
problem, ``prob.add_variable``) and the bundled ``PULP_CBC_CMD`` (PuLP 4 drops it and wants a separately
installed CBC behind ``COIN_CMD``). The package allows PuLP 2.8 to 3.x (``pyproject.toml``), so
:func:`variable` uses ``add_variable`` where the installed PuLP has it, and :func:`cbc` builds the
bundled CBC command without its deprecation warning. Moving to PuLP 4 changes only this module.

>>> import pulp
>>> prob = pulp.LpProblem("demo", pulp.LpMinimize)
>>> x = variable(prob, "x", 0, 4, cat="Integer")
>>> prob += x
>>> prob += x >= 2.5
>>> pulp.LpStatus[prob.solve(cbc(msg=False))], x.value()
('Optimal', 3.0)
"""

from __future__ import annotations

import warnings
from typing import Any

import pulp


def variable(prob: pulp.LpProblem, name: str, lowBound: float | None = None, upBound: float | None = None,
             cat: str = "Continuous") -> pulp.LpVariable:
    """A new variable of ``prob`` (PuLP's argument names; ``cat``: Continuous, Integer or Binary)."""
    if hasattr(prob, "add_variable"):  # PuLP >= 3.3
        return prob.add_variable(name, lowBound, upBound, cat=cat)
    return pulp.LpVariable(name, lowBound, upBound, cat)


def cbc(**options: Any) -> pulp.LpSolver_CMD:
    """PuLP's bundled CBC command with ``options`` (``msg``, ``timeLimit``, ``gapAbs``, ``logPath``, ...)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PULP_CBC_CMD is deprecated", category=DeprecationWarning)
        return pulp.PULP_CBC_CMD(**options)
