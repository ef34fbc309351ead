"""Per-access energy and leakage of an accelerator's components, scaled by technology node.

Every number the energy accounting of every engine uses comes from one
:class:`EnergyTable` (a field of `Accelerator`): engines count accesses, this module
says what one access costs. The defaults describe a 45 nm process and are scaled to
the accelerator's node by :meth:`EnergyTable.node_factor`.

Sources and laws (45 nm, the reference node)
-------------------------------------------
- **Arithmetic**: M. Horowitz, "Computing's energy problem (and what we can do about
  it)", ISSCC 2014, table of 45 nm energies: 8-bit add 0.03 pJ, 16-bit add 0.05 pJ,
  32-bit add 0.1 pJ, 8-bit multiply 0.2 pJ, 32-bit multiply 3.1 pJ (16-bit FP multiply
  1.1 pJ, 32-bit FP multiply 3.7 pJ; floating point is not modelled here). We keep the
  8-bit figures and scale them with the operand width ``b`` bits: a multiplier grows as
  ``b**2`` (array multiplier; gives 3.2 pJ at 32 bits against the table's 3.1) and an
  adder as ``b`` (gives 0.12 pJ at 32 bits against 0.1). One MAC is one multiply plus
  one add at the operand width: 0.23 pJ for int8. Wider accumulators are not modelled;
  raise ``add_8bit_pj`` to account for them.
- **SRAM**: the same table gives a 64-bit read from an 8 KB, 32 KB and 1 MB SRAM as 10,
  20 and 100 pJ, i.e. 1.25, 2.5 and 12.5 pJ per byte (:data:`HOROWITZ_45NM_SRAM_POINTS`).
  Energy per byte is fitted as ``a + b * sqrt(size in KiB)`` (wire length across a
  square array grows as the square root of its capacity). The least-squares fit is
  ``a = 0.245``, ``b = 0.383``; we use ``a = 0.25`` pJ/B and ``b = 0.38`` pJ/B, which is
  within 7 % of all three points. A write costs ``sram_write_to_read_ratio`` times a
  read (1.0: CACTI gives similar read and write energies for these sizes). A banked
  buffer is charged the energy of one bank (see `Accelerator.buffer_access_energy_pj_per_byte`).
- **Register file and PE-to-PE hops**: Y.-H. Chen, J. Emer, V. Sze, "Eyeriss: A spatial
  architecture for energy-efficient dataflow for convolutional neural networks", ISCA
  2016, normalise energy to one 16-bit MAC in 65 nm: register file (0.5 kB) 1x, PE-to-PE
  (NoC) 2x, global buffer 6x, DRAM 200x. Taking a 16-bit MAC from the laws above
  (0.8 + 0.06 = 0.86 pJ per 2-byte word) gives RF 0.43 pJ/B and a PE-to-PE hop
  0.86 pJ/B. Per-PE register files and scratchpads are charged by the SRAM law at their
  own size (monotone in capacity), which gives 0.50 pJ/B for Eyeriss's 0.5 kB filter
  spad, within 20 % of the 1x figure. (As a cross-check, Eyeriss's 6x for its 108 KB buffer is 2.6 pJ/B; the SRAM
  law gives 4.2 pJ/B at that size.)
- **DRAM**: Horowitz gives 1.3-2.6 nJ per 64-bit DRAM access; we use the low end,
  1.3 nJ / 8 B = 162.5 pJ/B. DRAM energy is *not* scaled with the logic node. Modern
  LPDDR4/HBM2 interfaces are nearer 4-7 pJ/bit (32-56 pJ/B); override ``dram_pj_per_byte``
  for them.
- **Leakage**: no single published figure fits every process; the defaults
  (0.01 mW per KiB of SRAM, 0.001 mW per PE) are order-of-magnitude values for a
  low-power 45 nm library, our assumption. Set them from your CACTI run or PDK.
- **Technology node**: dynamic energy ``~ C V**2``; with supply voltage roughly flat
  since 90 nm and capacitance proportional to feature size, energy scales as
  ``(node_nm / 45) ** node_exponent`` with ``node_exponent = 1``. This is a first-order
  law, optimistic below about 16 nm; Stillmaker and Baas, "Scaling equations for the
  accurate prediction of CMOS device performance from 180 nm to 7 nm" (Integration,
  2017) give per-node factors if you need them. Leakage is scaled by the same factor.

Examples
--------
Check by hand against the table: an int8 MAC is 0.2 + 0.03 = 0.23 pJ at 45 nm and half
that at 22.5 nm; a 64 KiB SRAM costs 0.25 + 0.38 * sqrt(64) = 3.29 pJ per byte.

>>> table = EnergyTable()
>>> round(table.mac_energy_pj(1, node_nm=45), 4)
0.23
>>> round(table.mac_energy_pj(1, node_nm=22.5), 4)
0.115
>>> round(table.sram_access_energy_pj_per_byte(64 * 1024, node_nm=45), 4)
3.29
>>> table.dram_energy_pj_per_byte()
162.5
>>> round(table.leakage_mw(sram_bytes=1024 * 1024, num_pes=1000, node_nm=45), 4)
11.24
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from hwcodesign.core.spec import Spec, spec_field

__all__ = ["EnergyTable", "HOROWITZ_45NM_SRAM_POINTS", "REFERENCE_NODE_NM"]

#: The technology node (nm) the default energy and area figures describe.
REFERENCE_NODE_NM = 45.0

#: Horowitz ISSCC 2014, 45 nm: (SRAM size in bytes, energy of one 64-bit read in pJ).
HOROWITZ_45NM_SRAM_POINTS: tuple[tuple[int, float], ...] = ((8 * 1024, 10.0), (32 * 1024, 20.0), (1024 * 1024, 100.0))


@dataclass(frozen=True, kw_only=True)
class EnergyTable(Spec):
    """Energy per operation and per access at ``reference_node_nm``, with scaling laws.

    The fields are the coefficients of the laws in the module docstring; the methods
    evaluate them. Every method that depends on the process takes ``node_nm``.

    Examples
    --------
    >>> EnergyTable(dram_pj_per_byte=40.0).dram_energy_pj_per_byte()
    40.0
    """

    reference_node_nm: float = spec_field(default=REFERENCE_NODE_NM, gt=0, doc="Node the coefficients describe.")
    node_exponent: float = spec_field(default=1.0, ge=0, doc="Energy scales as (node/reference)**node_exponent.")
    mult_8bit_pj: float = spec_field(default=0.2, ge=0, doc="8-bit integer multiply (Horowitz 2014); grows as bits**2.")
    add_8bit_pj: float = spec_field(default=0.03, ge=0, doc="8-bit integer add (Horowitz 2014); grows as bits.")
    sram_fixed_pj_per_byte: float = spec_field(default=0.25, ge=0, doc="SRAM read energy per byte: constant term a.")
    sram_sqrt_kib_pj_per_byte: float = spec_field(
        default=0.38, ge=0, doc="SRAM read energy per byte: coefficient b of sqrt(size in KiB).")
    sram_write_to_read_ratio: float = spec_field(default=1.0, gt=0, doc="Write energy / read energy of an SRAM.")
    rf_pj_per_byte: float = spec_field(default=0.43, ge=0, doc="Register-file access per byte (Eyeriss: 1x MAC).")
    pe_hop_pj_per_byte: float = spec_field(default=0.86, ge=0, doc="Moving a byte to a neighbouring PE (Eyeriss: 2x).")
    dram_pj_per_byte: float = spec_field(default=162.5, ge=0, doc="DRAM access per byte (Horowitz 1.3 nJ / 64 bit).")
    mac_pj: float | None = spec_field(
        default=None, ge=0, doc="Characterised energy of one MAC (e.g. from an Accelergy ERT), used as is; "
                                "None: from the multiply and add laws.")
    sram_leakage_mw_per_kib: float = spec_field(default=0.01, ge=0, doc="SRAM leakage per KiB (assumption).")
    pe_leakage_mw: float = spec_field(default=0.001, ge=0, doc="Leakage of one PE (assumption).")

    def node_factor(self, node_nm: float) -> float:
        """Return the factor that scales reference-node energy to ``node_nm``.

        Examples
        --------
        >>> EnergyTable().node_factor(90)
        2.0
        """
        return (node_nm / self.reference_node_nm) ** self.node_exponent

    def mac_energy_pj(self, word_bytes: int, *, node_nm: float) -> float:
        """Return the energy of one multiply-accumulate on ``word_bytes``-byte integers.

        Examples
        --------
        >>> round(EnergyTable().mac_energy_pj(2, node_nm=45), 4)  # 0.2 * 2**2 + 0.03 * 2
        0.86
        """
        if self.mac_pj is not None:
            return self.mac_pj
        width = word_bytes  # in units of 8 bits
        return (self.mult_8bit_pj * width**2 + self.add_8bit_pj * width) * self.node_factor(node_nm)

    def sram_access_energy_pj_per_byte(
        self, size_bytes: float, *, node_nm: float, access: Literal["read", "write"] = "read"
    ) -> float:
        """Return the energy per byte of reading (or writing) an SRAM array of ``size_bytes``.

        Examples
        --------
        >>> round(EnergyTable().sram_access_energy_pj_per_byte(1024, node_nm=45), 4)
        0.63
        """
        per_byte = self.sram_fixed_pj_per_byte + self.sram_sqrt_kib_pj_per_byte * math.sqrt(size_bytes / 1024)
        if access == "write":
            per_byte *= self.sram_write_to_read_ratio
        elif access != "read":
            raise ValueError(f"access must be 'read' or 'write', got {access!r}")
        return per_byte * self.node_factor(node_nm)

    def rf_access_energy_pj_per_byte(self, *, node_nm: float) -> float:
        """Return the energy per byte of a PE register-file access."""
        return self.rf_pj_per_byte * self.node_factor(node_nm)

    def pe_hop_energy_pj_per_byte(self, *, node_nm: float) -> float:
        """Return the energy per byte of forwarding data from one PE to its neighbour."""
        return self.pe_hop_pj_per_byte * self.node_factor(node_nm)

    def dram_energy_pj_per_byte(self) -> float:
        """Return the energy per byte read from or written to DRAM (not node-scaled)."""
        return self.dram_pj_per_byte

    def leakage_mw(self, *, sram_bytes: float, num_pes: int, node_nm: float) -> float:
        """Return the static power of ``sram_bytes`` of SRAM and ``num_pes`` PEs, in mW."""
        reference = self.sram_leakage_mw_per_kib * sram_bytes / 1024 + self.pe_leakage_mw * num_pes
        return reference * self.node_factor(node_nm)
