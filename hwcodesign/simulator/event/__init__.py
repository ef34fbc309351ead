"""Event-driven NPU engine (SimPy): cores, DMA engines, DRAM channels, a NoC and scratchpads.

`run` returns an `EventRun` (per-operator `ResultTable` and `Timeline`); `simulate`
returns the table alone. Whole-network plans are replayed from a `Schedule`.

Examples
--------
>>> from hwcodesign.workloads import get_workload
>>> from hwcodesign.accelerators import get_accelerator
>>> result = run(get_workload("tiny"), get_accelerator("systolic"), cores=2, noc=NoCSpec(topology="mesh"))
>>> sorted(result.timeline.link_bytes())[:2]
['dram.ch0', 'noc.(0,0)->(1,0)']
"""

from hwcodesign.simulator.event.components import DRAM, Core, DMAEngine, NoC, Scratchpad
from hwcodesign.simulator.event.engine import EventRun, execute, run, simulate
from hwcodesign.simulator.event.lowering import STRATEGIES, Strategy, lower_network, lower_schedule
from hwcodesign.simulator.event.probe import Probe, Record, Timeline
from hwcodesign.simulator.event.specs import NoCSpec, scratchpad_bytes
from hwcodesign.simulator.event.tasks import Schedule, Step, Task, TaskGraph, input_tensor, weights_tensor

__all__ = [
    "run", "simulate", "execute", "EventRun", "Timeline", "Probe", "Record", "NoCSpec", "scratchpad_bytes",
    "Schedule", "Step", "Task", "TaskGraph", "input_tensor", "weights_tensor", "lower_network", "lower_schedule",
    "STRATEGIES", "Strategy", "Core", "DRAM", "NoC", "DMAEngine", "Scratchpad",
]
