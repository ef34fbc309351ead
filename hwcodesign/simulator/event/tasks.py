"""The task graph the event engine runs, and the whole-network schedule it can replay.

A `Task` is one command for one unit of one core: a DMA ``load`` (DRAM -> scratchpad)
or ``store`` (scratchpad -> DRAM), a ``compute`` on the MAC array, a ``vector``
operation, or a zero-time ``free`` or ``join`` (a barrier over other tasks). It fires when every task in ``deps`` is done and
its unit is free. Scratchpad effects are explicit: ``alloc`` (tensor key, bytes,
offset or None) when it starts, ``reads`` (keys it consumes) and ``free`` (keys
released when it ends).

A `Schedule` is what a graph mapper (COSMA-style ILP, greedy, Belady) produces for a
whole network: ordered `Step`\\ s, each with its core and, for tensors it places, the
scratchpad offset. Tensor names: an operator's output is the operator's name; its
weights are ``'<op>.weights'``; the network input read by an operator without
producers is ``'<op>.input'``. Weights and network inputs start in DRAM.

========== =============================================================================
action     meaning
========== =============================================================================
compute    run operator ``target`` whole; its inputs (and weights, and network input)
           must be resident on ``core``; its output is allocated at ``offset_bytes``
load       DRAM -> scratchpad of ``core`` at ``offset_bytes`` (a reload if it was spilled)
store      scratchpad -> DRAM (a spill, or the network output); the copy stays resident
free       release the tensor's scratchpad space (after every earlier reader is done)
========== =============================================================================

Steps of one unit of one core (MAC array and vector unit, one DMA queue) are issued
in order, as a command stream; a step waiting for a tensor that only a later step
provides therefore deadlocks, which the engine reports.

Examples
--------
>>> from hwcodesign.workloads import get_workload
>>> s = Schedule.layer_by_layer(get_workload("tiny"))
>>> [f"{st.action} {st.target}" for st in s.steps[:4]]
['load conv.input', 'load conv.weights', 'compute conv', 'store conv']
>>> Step(action="spill", target="conv")
Traceback (most recent call last):
...
hwcodesign.core.errors.ConfigError: The 'action' field of Step must be one of 'compute', 'load', 'store', 'free'. Got 'spill'.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from hwcodesign.core.checks import require_int
from hwcodesign.core.errors import ConfigError
from hwcodesign.workloads import Workload

__all__ = ["Task", "TaskGraph", "Step", "Schedule", "ACTIONS", "weights_tensor", "input_tensor"]

Action = Literal["compute", "load", "store", "free"]
ACTIONS = ("compute", "load", "store", "free")


def weights_tensor(op: str) -> str:
    """Name of operator ``op``'s weights in a `Schedule`."""
    return f"{op}.weights"


def input_tensor(op: str) -> str:
    """Name of the network input read by operator ``op`` (one without producers) in a `Schedule`."""
    return f"{op}.input"


@dataclass(slots=True, eq=False)
class Task:
    """One command for one unit (see the module docstring). Byte counts are per operand."""

    name: str
    op: str
    core: int
    unit: Literal["mac", "vector", "dma", "none"]
    kind: Literal["load", "store", "compute", "vector", "free", "join"]
    deps: list[int] = field(default_factory=list)
    cycles: float = 0.0
    nbytes: int = 0
    operand: str = ""
    engine: int = 0
    stream: int = 0
    alloc: tuple[tuple[str, int, int | None], ...] = ()
    reads: tuple[str, ...] = ()
    free: tuple[str, ...] = ()
    arithmetic: int = 0
    macs: int = 0
    ifmap_sram_bytes: float = 0.0
    filter_sram_bytes: float = 0.0
    ofmap_sram_bytes: float = 0.0
    waits_for: str = ""  # set when a dependency can never be met: why (for the deadlock report)


@dataclass(slots=True)
class TaskGraph:
    """Tasks (a task's deps index into ``tasks``), the operators in result order, and how it was made."""

    tasks: list[Task]
    ops: list[str]
    strategy: str
    cores: int
    tiles: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Step:
    """One step of a `Schedule`: ``action`` on ``target`` (an operator or a tensor) on ``core``."""

    action: Action
    target: str
    core: int = 0
    offset_bytes: int | None = None

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ConfigError(f"The 'action' field of Step must be one of {', '.join(map(repr, ACTIONS))}. "
                              f"Got {self.action!r}.")
        if not isinstance(self.target, str) or not self.target:
            raise ConfigError(f"The 'target' field of Step must be a non-empty str. Got {self.target!r}.")
        object.__setattr__(self, "core", require_int("core", self.core, low=0, where="field of Step"))
        object.__setattr__(self, "offset_bytes", require_int("offset_bytes", self.offset_bytes, low=0, none_ok=True,
                                                             where="field of Step"))


@dataclass(frozen=True)
class Schedule:
    """An ordered list of `Step` for a whole network (see the module docstring)."""

    steps: tuple[Step, ...]
    name: str = "schedule"

    def __init__(self, steps: Iterable[Step], name: str = "schedule") -> None:
        steps = tuple(steps)
        for i, step in enumerate(steps):
            if not isinstance(step, Step):
                raise ConfigError(f"Step {i} of a Schedule must be a Step. Got {step!r}.")
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "name", name)

    def __len__(self) -> int:
        return len(self.steps)

    @classmethod
    def layer_by_layer(cls, workload: Workload, *, core: int = 0) -> Schedule:
        """The naive plan: per operator, load its inputs and weights, compute, store, free everything.

        Every intermediate tensor goes through DRAM: the baseline a graph mapper improves on.
        """
        steps: list[Step] = []
        for op in workload.operators():
            inputs = list(workload.inputs(op.name))
            if not inputs and op.bytes(workload.precision, "input"):
                inputs = [input_tensor(op.name)]
            if op.bytes(workload.precision, "weight"):
                inputs.append(weights_tensor(op.name))
            steps += [Step(action="load", target=t, core=core) for t in inputs]
            steps += [Step(action="compute", target=op.name, core=core),
                      Step(action="store", target=op.name, core=core)]
            steps += [Step(action="free", target=t, core=core) for t in [*inputs, op.name]]
        return cls(steps, name=f"layer_by_layer({workload.name})")
