"""An independent check of a `Plan`: it recomputes everything from the problem and the plan's own records.

It shares no code with the planners. It walks the order step by step and reports every
violation: an order that is not topological; a placement outside the budget or
overlapping another in a step they share; a tensor an operator reads that is not
resident at its step; an output not created at its operator's step; a reload of a
tensor that was not stored before; a spill of a tensor that is not resident; and
traffic that differs from what the plan says.

Examples
--------
>>> from hwcodesign.mapper.graph.problem import GraphProblem
>>> from hwcodesign.mapper.graph.plan import Placement, Plan
>>> p = GraphProblem.from_edges("chain", [("a", 8, (), 0, 4), ("b", 8, ("a",), 0, 0)])
>>> plan = Plan(workload="chain", method="hand", budget_bytes=16, order=("a", "b"),
...             placements=(Placement("a.input", 0, 0, 8), Placement("a", 0, 1, 0), Placement("b", 1, 1, 8)),
...             spills=(), status="feasible", solve_s=0.0, compulsory_bytes=12, non_compulsory_bytes=0)
>>> check_plan(p, plan).ok
True
>>> bad = Plan(**{**plan.__dict__, "placements": plan.placements[:2] + (Placement("b", 1, 1, 4),)})
>>> check_plan(p, bad).violations
["step 1: 'b' at [4, 12) overlaps 'a' at [0, 8)."]
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from hwcodesign.mapper.graph.plan import Plan
from hwcodesign.mapper.graph.problem import GraphProblem

__all__ = ["CheckReport", "check_plan"]


@dataclass(frozen=True)
class CheckReport:
    """Violations found (empty when the plan is valid) and the DRAM bytes the plan moves, recounted."""

    violations: list[str]
    dram_read_bytes: int
    dram_write_bytes: int
    non_compulsory_bytes: int

    @property
    def ok(self) -> bool:
        """No violation."""
        return not self.violations


def check_plan(problem: GraphProblem, plan: Plan) -> CheckReport:
    """Check ``plan`` against ``problem`` (see the module docstring)."""
    bad: list[str] = []
    sizes = problem.sizes
    order = list(plan.order)
    n = len(order)
    if sorted(order) != sorted(problem.order):
        bad.append(f"the order runs {sorted(order)}, not each of the operators {sorted(problem.order)} once.")
        return CheckReport(bad, 0, 0, 0)
    step_of = {op: i for i, op in enumerate(order)}
    for op in order:
        for src in problem.inputs[op]:
            if step_of[src] >= step_of[op]:
                bad.append(f"{op!r} runs at step {step_of[op]}, before or with its input {src!r} "
                           f"(step {step_of[src]}).")
    by_step: dict[int, list] = defaultdict(list)
    by_tensor: dict[str, list] = defaultdict(list)
    for pl in plan.placements:
        if pl.tensor not in sizes:
            bad.append(f"placement of unknown tensor {pl.tensor!r}.")
            continue
        if not (0 <= pl.start <= pl.end < n):
            bad.append(f"placement of {pl.tensor!r} over steps {pl.start}..{pl.end} is outside 0..{n - 1}.")
            continue
        if not isinstance(pl.offset_bytes, int) or pl.offset_bytes < 0 \
                or pl.offset_bytes + sizes[pl.tensor] > plan.budget_bytes:
            bad.append(f"{pl.tensor!r} at offset {pl.offset_bytes} ({sizes[pl.tensor]} bytes) does not fit "
                       f"the {plan.budget_bytes}-byte budget.")
        by_tensor[pl.tensor].append(pl)
        for t in range(pl.start, pl.end + 1):
            by_step[t].append(pl)
    for tensor, pls in by_tensor.items():
        pls.sort(key=lambda p: p.start)
        for a, b in zip(pls, pls[1:]):
            if b.start <= a.end:
                bad.append(f"{tensor!r} has two placements in step {b.start}.")
        if tensor in step_of and pls[0].start < step_of[tensor]:
            bad.append(f"{tensor!r} is placed at step {pls[0].start}, before its operator runs "
                       f"(step {step_of[tensor]}).")
    for t in range(n):
        live = sorted(by_step[t], key=lambda p: p.offset_bytes)
        if sum(sizes[p.tensor] for p in live) > plan.budget_bytes:
            bad.append(f"step {t}: {sum(sizes[p.tensor] for p in live)} bytes resident, over the "
                       f"{plan.budget_bytes}-byte budget.")
        for i, a in enumerate(live):
            for b in live[i + 1:]:
                if b.offset_bytes < a.offset_bytes + sizes[a.tensor] and a.offset_bytes < b.offset_bytes + \
                        sizes[b.tensor]:
                    bad.append(f"step {t}: {b.tensor!r} at [{b.offset_bytes}, {b.offset_bytes + sizes[b.tensor]}) "
                               f"overlaps {a.tensor!r} at [{a.offset_bytes}, {a.offset_bytes + sizes[a.tensor]}).")
        op = order[t]
        here = {p.tensor for p in live}
        for tensor in problem.needs(op):
            if tensor not in here:
                bad.append(f"step {t}: {op!r} reads {tensor!r}, which is not resident.")
        if not any(p.tensor == op and p.start == t for p in live):
            bad.append(f"step {t}: {op!r}'s output has no placement starting at its step.")
    stored: dict[str, int] = {}
    for s in plan.spills:
        if s.tensor not in step_of or s.tensor not in problem.readers:
            bad.append(f"spill of {s.tensor!r}, which is not an intermediate tensor.")
            continue
        if not any(p.start <= s.step <= p.end for p in by_tensor.get(s.tensor, ())):
            bad.append(f"spill of {s.tensor!r} at step {s.step}, where it is not resident.")
        stored[s.tensor] = min(stored.get(s.tensor, s.step), s.step)
    reads = writes = extra = 0
    for pl in plan.placements:
        if pl.tensor not in sizes:
            continue
        created = pl.tensor in step_of and pl.start == step_of[pl.tensor]
        if created:
            continue
        reads += sizes[pl.tensor]
        if pl.tensor in step_of:  # a reload
            extra += sizes[pl.tensor]
            if stored.get(pl.tensor, n) >= pl.start:
                bad.append(f"{pl.tensor!r} is reloaded at step {pl.start} without being stored before.")
    for s in plan.spills:
        if s.tensor in sizes:
            writes += sizes[s.tensor]
            extra += sizes[s.tensor]
    writes += sum(sizes[t] for t in problem.network_outputs)
    if plan.non_compulsory_bytes != extra:
        bad.append(f"the plan says {plan.non_compulsory_bytes} non-compulsory bytes; its spills and reloads "
                   f"move {extra}.")
    if plan.compulsory_bytes != problem.compulsory_bytes:
        bad.append(f"the plan says {plan.compulsory_bytes} compulsory bytes; the problem has "
                   f"{problem.compulsory_bytes}.")
    return CheckReport(bad, reads, writes, extra)
