"""Silicon area of an accelerator, summed from its components and scaled by technology node.

The coefficients live in one :class:`AreaTable` (a field of `Accelerator`) and describe
a 45 nm process; area scales as ``(node_nm / 45) ** 2`` (``node_exponent = 2``, ideal
shrink; optimistic below about 16 nm, where SRAM cells have scaled far less).

Sources (45 nm)
---------------
- **Arithmetic**: M. Horowitz, ISSCC 2014 ("Computing's energy problem"), area table:
  8-bit add 36 um^2, 32-bit add 137 um^2, 8-bit multiply 282 um^2, 32-bit multiply
  3495 um^2. As for energy (`hwcodesign.accelerators.energy`), a multiplier grows as
  ``bits**2`` and an adder as ``bits`` from the 8-bit figures.
- **PE registers**: a flip-flop is 4.522 um^2 per bit (NanGate FreePDK45 Open Cell
  Library, ``DFF_X1``). A systolic PE is charged ``pe_register_words`` (default 4:
  input, weight, shadow weight, partial sum) registers at the operand width.
- **SRAM**: Intel's 45 nm 6T bit cell is 0.346 um^2 (K. Mistry et al., IEDM 2007);
  with an array efficiency (cells / total macro area, periphery included) of 0.5, a KiB
  takes 8192 * 0.346 / 0.5 um^2 = 0.00567 mm^2, i.e. 0.363 mm^2 per 64 KiB (within the
  0.3-0.5 mm^2 range commonly quoted from CACTI for 64 KiB at 45 nm; the 0.5 efficiency
  is our assumption). Banking overhead is not modelled.
- The vector unit is charged one MAC (multiplier and adder) per lane; DRAM PHYs and
  the on-chip network are not modelled.

Examples
--------
Check by hand: an int8 PE is 282 + 36 + 4 * 8 * 4.522 = 462.704 um^2; 64 KiB of SRAM
is 0.363 mm^2.

>>> table = AreaTable()
>>> round(table.pe_area_mm2(1, node_nm=45) * 1e6, 3)
462.704
>>> round(table.sram_area_mm2(64 * 1024, node_nm=45), 4)
0.3628
>>> round(table.sram_area_mm2(64 * 1024, node_nm=22.5), 4)  # a quarter at half the node
0.0907
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hwcodesign.accelerators.energy import REFERENCE_NODE_NM
from hwcodesign.core.spec import Spec, spec_field

if TYPE_CHECKING:
    from hwcodesign.accelerators.specs import Accelerator

__all__ = ["AreaTable", "area_breakdown_mm2", "accelerator_area_mm2"]

_UM2_PER_MM2 = 1e6


@dataclass(frozen=True, kw_only=True)
class AreaTable(Spec):
    """Area coefficients at ``reference_node_nm`` (see the module docstring for sources).

    Examples
    --------
    >>> AreaTable(sram_array_efficiency=0.7).sram_area_mm2(1024, node_nm=45) < AreaTable().sram_area_mm2(
    ...     1024, node_nm=45)
    True
    """

    reference_node_nm: float = spec_field(default=REFERENCE_NODE_NM, gt=0, doc="Node the coefficients describe.")
    node_exponent: float = spec_field(default=2.0, ge=0, doc="Area scales as (node/reference)**node_exponent.")
    mult_8bit_um2: float = spec_field(default=282.0, ge=0, doc="8-bit integer multiplier (Horowitz 2014); ~bits**2.")
    add_8bit_um2: float = spec_field(default=36.0, ge=0, doc="8-bit integer adder (Horowitz 2014); ~bits.")
    register_bit_um2: float = spec_field(default=4.522, ge=0, doc="One flip-flop (NanGate45 DFF_X1).")
    pe_register_words: int = spec_field(default=4, ge=0, doc="Operand-width registers per PE.")
    sram_bitcell_um2: float = spec_field(default=0.346, gt=0, doc="6T SRAM bit cell (Intel 45 nm, IEDM 2007).")
    sram_array_efficiency: float = spec_field(default=0.5, gt=0, le=1, doc="Bit-cell area / SRAM macro area.")

    def node_factor(self, node_nm: float) -> float:
        """Return the factor that scales reference-node area to ``node_nm``."""
        return (node_nm / self.reference_node_nm) ** self.node_exponent

    def mac_area_mm2(self, word_bytes: int, *, node_nm: float) -> float:
        """Return the area of one multiplier plus one adder at ``word_bytes`` width."""
        um2 = self.mult_8bit_um2 * word_bytes**2 + self.add_8bit_um2 * word_bytes
        return um2 / _UM2_PER_MM2 * self.node_factor(node_nm)

    def pe_area_mm2(self, word_bytes: int, *, node_nm: float) -> float:
        """Return the area of one PE: a MAC and ``pe_register_words`` registers."""
        registers_um2 = self.pe_register_words * 8 * word_bytes * self.register_bit_um2
        return self.mac_area_mm2(word_bytes, node_nm=node_nm) + registers_um2 / _UM2_PER_MM2 * self.node_factor(node_nm)

    def sram_area_mm2(self, size_bytes: float, *, node_nm: float) -> float:
        """Return the area of an SRAM macro of ``size_bytes``, periphery included."""
        um2 = size_bytes * 8 * self.sram_bitcell_um2 / self.sram_array_efficiency
        return um2 / _UM2_PER_MM2 * self.node_factor(node_nm)


def area_breakdown_mm2(acc: Accelerator) -> dict[str, float]:
    """Return the area of each component of ``acc`` in mm^2.

    Keys are ``"pe_array"``, ``"vector_unit"`` and the name of each on-chip buffer
    (buffer names may not clash with these; `Accelerator` checks).

    Examples
    --------
    >>> from hwcodesign.accelerators import get_accelerator
    >>> {k: round(v, 4) for k, v in area_breakdown_mm2(get_accelerator("scalesim_default")).items()}
    {'pe_array': 0.4738, 'vector_unit': 0.0102, 'ifmap_sram': 0.3628, 'filter_sram': 0.3628, 'ofmap_sram': 0.3628}
    """
    table, node = acc.area, acc.tech_node_nm
    out = {
        "pe_array": acc.num_pes * table.pe_area_mm2(acc.word_bytes, node_nm=node),
        "vector_unit": acc.vector_lanes * table.mac_area_mm2(acc.word_bytes, node_nm=node),
    }
    for buffer in acc.buffers:  # a per-PE buffer is charged once per PE
        out[buffer.name] = acc.buffer_instances(buffer.name) * table.sram_area_mm2(buffer.size_bytes, node_nm=node)
    return out


def accelerator_area_mm2(acc: Accelerator) -> float:
    """Return the total area of ``acc`` in mm^2: the sum of :func:`area_breakdown_mm2`.

    Examples
    --------
    >>> from hwcodesign.accelerators import get_accelerator
    >>> round(accelerator_area_mm2(get_accelerator("scalesim_default")), 3)
    1.572
    """
    return sum(area_breakdown_mm2(acc).values())
