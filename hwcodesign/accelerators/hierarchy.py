"""Memory levels and the spatial array of an accelerator, derived from its specs.

A memory level is a group of sibling buffers (`BufferSpec.level`) at the same depth,
each holding different operands; DRAM is the outermost level, ``'dram'``. A level
inside a spatial fan-out exists once per PE (or core): its ``instances`` is the
product of the sizes of the spatial dimensions that fan out from levels outside it.

An accelerator without a `SpatialSpec` is a systolic array: its PE array's rows and
columns unroll the GEMM-view roles of its dataflow (the fold model of
`hwcodesign.simulator.systolic.folds`) and fan out from the innermost level.

========  ==========  ==========
dataflow  array rows  array cols
========  ==========  ==========
``os``    ``m``       ``n``
``ws``    ``k``       ``n``
``is``    ``k``       ``m``
========  ==========  ==========

Examples
--------
>>> from hwcodesign.accelerators import get_accelerator
>>> acc = get_accelerator("systolic", rows=8, cols=4, dataflow="os")
>>> [(lv.name, [b.name for b in lv.buffers]) for lv in memory_levels(acc)]
[('sram', ['ifmap_sram', 'filter_sram', 'ofmap_sram']), ('dram', [])]
>>> [(d.name, d.size, d.loops, d.above) for d in spatial_array(acc).dims]
[('rows', 8, ('m',), 'sram'), ('cols', 4, ('n',), 'sram')]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hwcodesign.accelerators.spatial import SpatialDim, SpatialSpec

if TYPE_CHECKING:
    from hwcodesign.accelerators.specs import Accelerator, BufferSpec

__all__ = ["MemoryLevel", "memory_levels", "spatial_array", "SYSTOLIC_ROLES"]

#: (array-row role, array-column role) of each systolic dataflow.
SYSTOLIC_ROLES: dict[str, tuple[str, str]] = {"os": ("m", "n"), "ws": ("k", "n"), "is": ("k", "m")}


@dataclass(frozen=True)
class MemoryLevel:
    """One level of the memory hierarchy: its buffers (none for DRAM) and instance count."""

    name: str
    index: int
    buffers: tuple[BufferSpec, ...]
    instances: int

    @property
    def is_dram(self) -> bool:
        """Whether this is the off-chip level."""
        return not self.buffers

    def buffer_for(self, operand: str) -> BufferSpec | None:
        """The buffer of this level holding ``operand``; None if it bypasses the level."""
        return next((b for b in self.buffers if operand in b.operands), None)

    def holds(self, operand: str) -> bool:
        """Whether ``operand`` is kept at this level (DRAM holds every operand)."""
        return self.is_dram or self.buffer_for(operand) is not None


def spatial_array(acc: Accelerator) -> SpatialSpec:
    """The accelerator's `SpatialSpec`, or the systolic one derived from ``pe_array``."""
    if acc.spatial is not None:
        return acc.spatial
    pe = acc.pe_array
    row_role, col_role = SYSTOLIC_ROLES[pe.dataflow]
    inner = acc.buffers[0].level_name
    return SpatialSpec(dims=(SpatialDim(name="rows", size=pe.rows, loops=(row_role,), above=inner),
                             SpatialDim(name="cols", size=pe.cols, loops=(col_role,), above=inner)),
                       dataflow=pe.dataflow, systolic=True)


def memory_levels(acc: Accelerator) -> tuple[MemoryLevel, ...]:
    """The memory levels of ``acc``, innermost first, DRAM last."""
    names = list(dict.fromkeys(b.level_name for b in acc.buffers)) + ["dram"]
    index = {name: i for i, name in enumerate(names)}
    dims = acc.spatial_array().dims
    return tuple(
        MemoryLevel(name=name, index=i, buffers=tuple(b for b in acc.buffers if b.level_name == name),
                    instances=math.prod(d.size for d in dims if index[d.above] > i))
        for i, name in enumerate(names))
