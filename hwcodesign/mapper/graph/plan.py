"""The result of memory planning: operator order, scratchpad placements, spills and their traffic.

A `Plan` runs its ``order`` one operator per step. A `Placement` keeps a tensor at one
offset during steps ``start..end`` (inclusive) of the order: the operator's output is
created there at its step; any other placement is a load from DRAM before the step's
operator runs (a weight or network input: compulsory; an intermediate tensor: a
reload). A `Spill` stores an intermediate tensor to DRAM after the operator of its step
(the copy stays resident until its placement ends). At each step: loads, the
operator, stores (spills and network outputs), then frees of the placements that end.

Examples
--------
>>> plan = Plan(workload="w", method="demo", budget_bytes=64, order=("a", "b"),
...             placements=(Placement("a", 0, 1, 0), Placement("b", 1, 1, 16)), spills=(),
...             status="optimal", solve_s=0.0, compulsory_bytes=10, non_compulsory_bytes=0)
>>> Plan.from_dict(plan.to_dict()) == plan
True
>>> plan.dram_bytes
10
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from hwcodesign.core.errors import ConfigError

if TYPE_CHECKING:
    from hwcodesign.mapper.graph.problem import GraphProblem

__all__ = ["Placement", "Spill", "Plan", "Status", "STATUSES", "non_compulsory_bytes", "compact"]

Status = Literal["optimal", "feasible", "infeasible", "not_solved"]
#: ``optimal``: proven; ``feasible``: a valid plan without proof (time limit, heuristic);
#: ``infeasible``: no plan fits the budget (``reason`` says why); ``not_solved``: the solver found nothing in time.
STATUSES = ("optimal", "feasible", "infeasible", "not_solved")


@dataclass(frozen=True)
class Placement:
    """``tensor`` resident at ``offset_bytes`` during steps ``start..end`` of the plan's order."""

    tensor: str
    start: int
    end: int
    offset_bytes: int


@dataclass(frozen=True)
class Spill:
    """``tensor`` stored to DRAM after the operator of step ``step``."""

    tensor: str
    step: int


@dataclass(frozen=True, kw_only=True)
class Plan:
    """A memory plan for one workload and budget (see the module docstring).

    ``non_compulsory_bytes`` is the spill and reload traffic; ``compulsory_bytes`` the
    traffic of every plan (`GraphProblem.compulsory_bytes`). ``gap`` is the relative
    gap between the plan and the solver's bound when the time limit stopped it.
    """

    workload: str
    method: str
    budget_bytes: int
    order: tuple[str, ...]
    placements: tuple[Placement, ...]
    spills: tuple[Spill, ...]
    status: Status
    solve_s: float
    compulsory_bytes: int
    non_compulsory_bytes: int | None
    gap: float | None = None
    reason: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ConfigError(f"The 'status' field of Plan must be one of {', '.join(map(repr, STATUSES))}. "
                              f"Got {self.status!r}.")

    @property
    def feasible(self) -> bool:
        """Whether the plan holds a valid order and placements."""
        return self.status in ("optimal", "feasible")

    @property
    def dram_bytes(self) -> int | None:
        """Compulsory plus non-compulsory DRAM bytes (None without a plan)."""
        return None if self.non_compulsory_bytes is None else self.compulsory_bytes + self.non_compulsory_bytes

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready)."""
        data = asdict(self)
        data["order"] = list(self.order)
        data["placements"] = [asdict(p) for p in self.placements]
        data["spills"] = [asdict(s) for s in self.spills]
        data["extra"] = dict(self.extra)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        """Inverse of `to_dict`."""
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"Unknown keys of a plan dict: {sorted(unknown)}. Known: {sorted(known)}.")
        fields = dict(data)
        fields["order"] = tuple(fields.get("order", ()))
        fields["placements"] = tuple(Placement(**p) for p in fields.get("placements", ()))
        fields["spills"] = tuple(Spill(**s) for s in fields.get("spills", ()))
        return cls(**fields)

    def with_method(self, method: str) -> Plan:
        """A copy named ``method``."""
        return replace(self, method=method)


def unfit_plan(problem: GraphProblem, method: str, budget_bytes: int, order: Sequence[str],
               began: float) -> Plan | None:
    """The ``infeasible`` plan when one operator of ``order`` alone needs more than ``budget_bytes``, else None.

    ``began`` is the ``time.perf_counter()`` of the method's start (for ``solve_s``).
    """
    worst = max(problem.footprint(op) for op in order)
    if worst <= budget_bytes:
        return None
    return Plan(workload=problem.name, method=method, budget_bytes=budget_bytes, order=tuple(order), placements=(),
                spills=(), status="infeasible", solve_s=time.perf_counter() - began,
                compulsory_bytes=problem.compulsory_bytes, non_compulsory_bytes=None,
                reason=f"an operator needs {worst} bytes at once, more than the {budget_bytes}-byte budget")


def non_compulsory_bytes(sizes: Mapping[str, int], position: Mapping[str, int],
                         placements: Sequence[Placement], spills: Sequence[Spill]) -> int:
    """Spilled plus reloaded bytes: stores of `Spill`, loads of placements of operator outputs not at their creation.

    ``position`` maps each operator to its step.
    """
    reloads = sum(sizes[p.tensor] for p in placements if p.tensor in position and p.start != position[p.tensor])
    return reloads + sum(sizes[s.tensor] for s in spills)


def compact(placements: Sequence[Placement], sizes: Mapping[str, int]) -> tuple[Placement, ...]:
    """Integer offsets no higher than the given ones: first fit, in order of the given offsets.

    Placed in order of increasing offset, each placement goes to the lowest offset clear of
    the earlier ones that share a step with it; that offset is never above its given one
    (the earlier ones only moved down), so a valid layout stays valid and fits the same
    budget. It turns an LP solver's fractional offsets into integer ones.

    Examples
    --------
    >>> ps = [Placement("a", 0, 1, 0), Placement("b", 1, 2, 7.5), Placement("c", 2, 2, 20.25)]
    >>> [p.offset_bytes for p in compact(ps, {"a": 7, "b": 8, "c": 3})]
    [0, 7, 0]
    """
    done: list[tuple[Placement, int]] = []
    out: dict[int, Placement] = {}
    for i in sorted(range(len(placements)), key=lambda i: (placements[i].offset_bytes, i)):
        p = placements[i]
        busy = sorted((q.offset_bytes, q.offset_bytes + sizes[q.tensor]) for q, _ in done
                      if q.start <= p.end and p.start <= q.end)
        at = 0
        for lo, hi in busy:
            if at + sizes[p.tensor] <= lo:
                break
            at = max(at, hi)
        p = replace(p, offset_bytes=at)
        done.append((p, i))
        out[i] = p
    return tuple(out[i] for i in range(len(placements)))
