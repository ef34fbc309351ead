"""The spatial array: which loops the PEs unroll, where the data fans out, multicast and reduction.

A `SpatialSpec` describes the PE array as a list of spatial dimensions
(`SpatialDim`): each has a size, the loop dimensions it may unroll, and the memory
level it fans out from (``above``). Levels inside that fan-out (a per-PE register file,
a per-core buffer) exist once per PE (or core): their instance count is the product of
the sizes of the spatial dimensions above them, derived rather than declared.

Loop dimensions are named as operators name them (``'K'``, ``'C'``, ``'R'``, ``'P'``
for a conv; ``'M'``, ``'N'``, ``'K'`` for a GEMM) or by their role in the GEMM view,
lower case: ``'m'`` (output pixels or rows: N, P, Q / B, M), ``'n'`` (filters or output
columns: K / N), ``'k'`` (the reduction: C, R, S / K), ``'g'`` (groups). An empty
``loops`` tuple lets the dimension unroll anything.

Examples
--------
>>> rows = SpatialDim(name="rows", size=12, loops=("R", "C"), above="glb")
>>> cols = SpatialDim(name="cols", size=14, loops=("P", "K"), above="glb")
>>> array = SpatialSpec(dims=(rows, cols), dataflow="rs")
>>> array.num_pes, array.dims[0].allows("R", "k"), array.dims[1].allows("R", "k")
(168, True, False)
>>> SpatialDim(name="rows", size=0, loops=(), above="glb")
Traceback (most recent call last):
...
hwcodesign.core.errors.ConfigError: The 'size' field of SpatialDim(name='rows') must be an int >= 1. Got 0.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass
from typing import Literal

from hwcodesign.core.spec import Spec, spec_field

__all__ = ["SpatialDim", "SpatialSpec", "SpatialDataflow", "SPATIAL_DATAFLOWS", "LOOP_ROLES"]

#: Dataflow labels of a spatial array: weight-, output-, input- or row-stationary.
SpatialDataflow = Literal["ws", "os", "is", "rs"]
SPATIAL_DATAFLOWS: tuple[str, ...] = typing.get_args(SpatialDataflow)

#: Roles of loop dimensions in the GEMM view (usable in `SpatialDim.loops`).
LOOP_ROLES: tuple[str, ...] = ("m", "n", "k", "g")


@dataclass(frozen=True, kw_only=True)
class SpatialDim(Spec):
    """One spatial dimension of the PE array.

    Examples
    --------
    >>> SpatialDim(name="cols", size=32, loops=("n",), above="glb").allows("K", "n")
    True
    """

    name: str = spec_field(doc="Label ('rows', 'cols', 'cores', 'lanes').")
    size: int = spec_field(ge=1, doc="PEs (or cores, lanes) along this dimension.")
    loops: tuple[str, ...] = spec_field(
        default=(), doc="Loop dimensions ('K', 'C', ...) or roles ('m', 'n', 'k', 'g') it may unroll; () = any.")
    above: str = spec_field(doc="The memory level whose data fans out along this dimension.")

    def _check(self) -> None:
        if not self.name.isidentifier():
            self._error("name", "a Python identifier", self.name)

    def allows(self, dim: str, role: str) -> bool:
        """Whether loop dimension ``dim`` (whose GEMM role is ``role``) may be unrolled here."""
        return not self.loops or dim in self.loops or role in self.loops


@dataclass(frozen=True, kw_only=True)
class SpatialSpec(Spec):
    """A PE array as spatial dimensions, with its network's multicast and reduction support.

    ``multicast``: one read of a parent level can feed every PE that needs the same
    word (a bus or tree); otherwise each PE's word is read separately. ``reduction``:
    partial sums of PEs that share an output are added in the network (adder tree or
    PE-to-PE forwarding) before reaching the parent level. ``systolic``: operands are
    skewed through the array, so each fold (each new set of tiles on the array) costs
    fill and drain cycles (see `hwcodesign.mapper.cost`). ``operand_registers``: each
    MAC keeps its current operands in registers, so consecutive MACs that use the same
    word (an inner loop that does not index it) read it once; ``False`` makes every MAC
    read each operand from the innermost level holding it, as Timeloop counts when the
    architecture declares no register level; a tuple of operand names keeps registers for
    those operands only (``("ifmap", "filter")``: the MAC reads and writes its partial sum
    in the innermost level holding outputs on every MAC, as ZigZag's PEs do).

    Examples
    --------
    >>> SpatialSpec(dims=(SpatialDim(name="lanes", size=8, above="glb"),)).num_pes
    8
    """

    dims: tuple[SpatialDim, ...] = spec_field(doc="Spatial dimensions, outermost fan-out first.")
    dataflow: SpatialDataflow = spec_field(default="ws", doc="Label: 'ws', 'os', 'is' or 'rs' (row stationary).")
    multicast: bool = spec_field(default=True, doc="One parent read feeds all PEs needing the word.")
    reduction: bool = spec_field(default=True, doc="Partial sums are reduced in the network.")
    systolic: bool = spec_field(default=False, doc="Fill and drain cycles per fold (skewed systolic array).")
    operand_registers: bool | tuple[Literal["ifmap", "filter", "ofmap"], ...] = spec_field(
        default=True, doc="Each MAC holds its operands in registers (False: every MAC reads them, as Timeloop; "
                          "a tuple: only those operands, e.g. ('ifmap', 'filter') for PEs that accumulate in "
                          "their innermost buffer rather than in the MAC).")

    def _check(self) -> None:
        if not self.dims:
            self._error("dims", "a non-empty tuple of SpatialDim", self.dims)
        names = [d.name for d in self.dims]
        if len(set(names)) != len(names):
            self._error("dims", "a tuple of SpatialDim with unique names", names)

    def registered(self, operand: str) -> bool:
        """Whether the MACs keep ``operand`` in a register (`operand_registers`)."""
        return self.operand_registers if isinstance(self.operand_registers, bool) else (
            operand in self.operand_registers)

    @property
    def num_pes(self) -> int:
        """The number of MAC units: the product of the dimension sizes."""
        return math.prod(d.size for d in self.dims)
