"""Specs of the parts of a multi-core NPU that the `Accelerator` does not describe: the NoC.

The cores replicate the accelerator's PE array, vector unit and staging buffers
(`scratchpad_bytes`); DRAM is the accelerator's `DRAMSpec` (``channels`` of
``bandwidth_bytes_per_cycle`` each, ``latency_cycles``).

Examples
--------
>>> NoCSpec(topology="mesh", link_bandwidth_bytes_per_cycle=32)
NoCSpec(topology='mesh', link_bandwidth_bytes_per_cycle=32.0, hop_latency_cycles=1)
>>> from hwcodesign.accelerators import get_accelerator
>>> scratchpad_bytes(get_accelerator("systolic"))  # the three 64 KiB SRAMs pooled
196608
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hwcodesign.accelerators import Accelerator
from hwcodesign.core.spec import Spec, spec_field

__all__ = ["NoCSpec", "Topology", "scratchpad_bytes"]

#: ``ideal``: no contention, no latency; ``bus``: one shared link; ``mesh``: XY-routed 2-D mesh.
Topology = Literal["ideal", "bus", "mesh"]


@dataclass(frozen=True, kw_only=True)
class NoCSpec(Spec):
    """The on-chip network between the DRAM controller and the cores.

    On a ``mesh`` the cores sit row-major on a ``ceil(sqrt(cores))``-wide grid and the
    DRAM controller attaches to the router of core 0; a transfer holds every link of
    its XY route (one direction) for ``bytes / link_bandwidth_bytes_per_cycle`` cycles
    and pays ``hop_latency_cycles`` per router crossed. A ``bus`` is one link, one hop.
    """

    topology: Topology = spec_field(default="ideal", doc="'ideal', 'bus' or 'mesh'.")
    link_bandwidth_bytes_per_cycle: float = spec_field(default=64.0, gt=0, doc="Bytes per cycle per link.")
    hop_latency_cycles: int = spec_field(default=1, ge=0, doc="Cycles per router crossed.")


def scratchpad_bytes(accelerator: Accelerator) -> int:
    """Capacity of one core's scratchpad: the accelerator's staging buffers (`buffer_for` each operand), pooled."""
    names = dict.fromkeys(accelerator.buffer_for(o).name for o in ("ifmap", "filter", "ofmap"))
    return sum(accelerator.buffer(name).size_bytes for name in names)
