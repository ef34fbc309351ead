"""Replay a memory `Plan` (`hwcodesign.mapper.graph`) in the event engine and measure its DRAM traffic.

`plan_schedule` turns the plan into a `Schedule`: per step of the order, the loads of
the placements that start there (weights, network inputs, reloads) at their offsets, the
compute (its output at its offset), the stores (spills and network outputs), then the
frees of the placements that end there. `replay` lowers that schedule
(`lower_schedule`), adds one ordering the plan implies but the command streams do not:
a step that allocates waits for the frees listed before it, and frees happen in list
order, so memory is reused only once released. It then runs it on a scratchpad of the
plan's budget, where every allocation is checked for capacity and overlap and every
read for residency. The DRAM bytes returned are those the DRAM channels moved.

Examples
--------
>>> from hwcodesign.workloads import get_workload
>>> from hwcodesign.accelerators import get_accelerator
>>> from hwcodesign.mapper.graph import GraphProblem, plan_baseline
>>> w = get_workload("tiny")
>>> p = GraphProblem.from_workload(w)
>>> plan = plan_baseline(p, p.budget("tight"))
>>> r = replay(w, plan, get_accelerator("systolic"))
>>> r.dram_bytes == plan.dram_bytes, r.dram_read_bytes + r.dram_write_bytes == r.dram_bytes
(True, True)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from hwcodesign.accelerators import Accelerator
from hwcodesign.core.errors import ConfigError
from hwcodesign.mapper.graph import Plan
from hwcodesign.simulator.event.engine import execute
from hwcodesign.simulator.event.lowering import lower_schedule
from hwcodesign.simulator.event.probe import Timeline
from hwcodesign.simulator.event.tasks import Schedule, Step
from hwcodesign.workloads import Workload

__all__ = ["plan_schedule", "replay", "Replay"]


@dataclass(frozen=True)
class Replay:
    """DRAM bytes measured on the DRAM channels while replaying a plan, and the run's timeline."""

    dram_read_bytes: int
    dram_write_bytes: int
    timeline: Timeline

    @property
    def dram_bytes(self) -> int:
        """Read plus written bytes."""
        return self.dram_read_bytes + self.dram_write_bytes


def plan_schedule(workload: Workload, plan: Plan) -> Schedule:
    """The `Schedule` of ``plan`` (see the module docstring); `ConfigError` for a plan without an order."""
    if not plan.feasible:
        raise ConfigError(f"Only a feasible plan can be replayed; this one is {plan.status!r}: {plan.reason}")
    step_of = {op: i for i, op in enumerate(plan.order)}
    starts: dict[int, list] = defaultdict(list)
    ends: dict[int, list] = defaultdict(list)
    for p in plan.placements:
        starts[p.start].append(p)
        ends[p.end].append(p)
    spills: dict[int, list[str]] = defaultdict(list)
    for s in plan.spills:
        spills[s.step].append(s.tensor)
    readers = {src for op in workload.names() for src in workload.inputs(op)}
    steps: list[Step] = []
    for t, op in enumerate(plan.order):
        out = None
        for p in starts[t]:
            if p.tensor == op:
                out = p
            elif p.tensor not in step_of or p.start != step_of[p.tensor]:
                steps.append(Step(action="load", target=p.tensor, offset_bytes=p.offset_bytes))
        steps.append(Step(action="compute", target=op, offset_bytes=out.offset_bytes if out else None))
        for tensor in spills[t]:
            steps.append(Step(action="store", target=tensor))
        if op not in readers:
            steps.append(Step(action="store", target=op))
        for p in ends[t]:
            steps.append(Step(action="free", target=p.tensor))
    return Schedule(steps, name=f"{plan.method}({plan.workload})")


def replay(workload: Workload, plan: Plan, accelerator: Accelerator) -> Replay:
    """Run ``plan`` on one core of ``accelerator`` with a scratchpad of ``plan.budget_bytes`` (module docstring)."""
    schedule = plan_schedule(workload, plan)
    graph = lower_schedule(workload, accelerator, schedule)
    # lower_schedule makes one task per step, in order
    last_free: int | None = None
    for i, step in enumerate(schedule.steps):
        task = graph.tasks[i]
        if step.action == "free":
            if last_free is not None:
                task.deps.append(last_free)
            last_free = i
        elif step.action in ("load", "compute") and last_free is not None:
            task.deps.append(last_free)
    _, _, timeline = execute(graph, accelerator, scratchpad_capacity_bytes=plan.budget_bytes)
    kind = {task.name: task.kind for task in graph.tasks}
    moved = {"load": 0.0, "store": 0.0}
    for record in timeline.records:
        if record.component.startswith("dram."):
            moved[kind[record.event]] += record.bytes
    return Replay(round(moved["load"]), round(moved["store"]), timeline)
