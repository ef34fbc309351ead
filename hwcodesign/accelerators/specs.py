"""Hardware specs: the PE array, on-chip buffers, DRAM, and the `Accelerator` that holds them.

All specs are frozen, keyword-only and validated on construction (see
`hwcodesign.core.spec`); sizes accept strings such as ``"256 KiB"`` and clocks
``"700 MHz"``.

Parameter names
---------------
An accelerator's on-chip buffers are a tuple, innermost first, so that templates can
have any number of them; each buffer has a unique ``name``.
The generic :func:`~hwcodesign.core.spec.get_params` and
:func:`~hwcodesign.core.spec.with_params` address a buffer by its position:
``buffers__0__size_bytes``. Because positions differ between templates,
:meth:`Accelerator.with_params` also accepts the buffer's name in place of
``buffers__<index>``: ``acc.with_params(ifmap_sram__size_bytes="128 KiB")``; buffer
names are checked not to clash with field names, so both spellings are unambiguous.
:meth:`Accelerator.param_name` turns a buffer name into the positional parameter name,
for sweeps written against the generic functions.

Examples
--------
>>> from hwcodesign.core import get_params, with_params
>>> acc = Accelerator(
...     name="tiny",
...     pe_array=PEArraySpec(rows=4, cols=4, dataflow="ws"),
...     buffers=(BufferSpec(name="glb", size_bytes="8 KiB", operands=("ifmap", "filter", "ofmap")),),
...     dram=DRAMSpec(bandwidth_bytes_per_cycle=8),
...     clock_hz="500 MHz",
... )
>>> acc.num_pes, acc.buffer_for("filter").name, acc.clock_hz
(16, 'glb', 500000000.0)
>>> get_params(acc)["buffers__0__size_bytes"]
8192
>>> with_params(acc, pe_array__rows=8).num_pes
32
>>> acc.with_params(glb__size_bytes="16 KiB").buffer("glb").size_bytes
16384
>>> acc.param_name("glb", "size_bytes")
'buffers__0__size_bytes'
>>> PEArraySpec(rows=4, cols=4, dataflow="rs")
Traceback (most recent call last):
...
hwcodesign.core.errors.ConfigError: The 'dataflow' field of PEArraySpec must be one of 'os', 'ws', 'is'. Got 'rs'.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import typing
from dataclasses import dataclass
from typing import Any, Literal

from hwcodesign.accelerators.area import AreaTable, accelerator_area_mm2, area_breakdown_mm2
from hwcodesign.accelerators.energy import EnergyTable
from hwcodesign.accelerators.hierarchy import MemoryLevel, memory_levels, spatial_array
from hwcodesign.accelerators.spatial import SpatialSpec
from hwcodesign.core.errors import ConfigError, UnknownNameError
from hwcodesign.core.spec import Spec, get_params, spec_field
from hwcodesign.core.spec import with_params as _with_params

__all__ = [
    "Operand", "OPERANDS", "Dataflow", "DATAFLOWS", "BandwidthScope",
    "PEArraySpec", "BufferSpec", "DRAMSpec", "Accelerator",
]

#: A tensor operand of a layer: input feature map, filter (weights), output feature map.
Operand = Literal["ifmap", "filter", "ofmap"]
OPERANDS: tuple[str, ...] = typing.get_args(Operand)

#: Which operand stays in the PEs: output-, weight- or input-stationary.
Dataflow = Literal["os", "ws", "is"]
DATAFLOWS: tuple[str, ...] = typing.get_args(Dataflow)

#: Whether DRAM bandwidth is one channel for all traffic or one channel per operand.
BandwidthScope = Literal["shared", "per_operand"]


@dataclass(frozen=True, kw_only=True)
class PEArraySpec(Spec):
    """A two-dimensional array of processing elements (one MAC each) and its dataflow.

    Examples
    --------
    >>> PEArraySpec(rows=16, cols=8, dataflow="os").num_pes
    128
    """

    rows: int = spec_field(ge=1, doc="PE rows.")
    cols: int = spec_field(ge=1, doc="PE columns.")
    dataflow: Dataflow = spec_field(default="ws", doc="Which operand stays in the PEs: 'os', 'ws' or 'is'.")

    @property
    def num_pes(self) -> int:
        """The number of PEs, ``rows * cols``."""
        return self.rows * self.cols


@dataclass(frozen=True, kw_only=True)
class BufferSpec(Spec):
    """An on-chip SRAM buffer holding one or more operands.

    ``size_bytes`` is the total capacity. A double-buffered buffer fills one half while
    the array works out of the other (SCALE-Sim's model), so only
    :attr:`working_bytes` holds the tile being computed on. A buffer with
    ``overlapped_fills`` (a buffet, Pellauer et al. ASPLOS 2019, or a sliding-window
    FIFO) also hides its fills behind the reads but keeps its full capacity: words
    arrive as the ones no longer needed leave. Fills of any other buffer stall the
    array (`hwcodesign.mapper.cost`).

    Examples
    --------
    >>> b = BufferSpec(name="glb", size_bytes="256 KiB", operands=("ifmap", "ofmap"), double_buffered=True)
    >>> b.size_bytes, b.working_bytes
    (262144, 131072)
    >>> BufferSpec(name="glb", size_bytes=-1, operands=("ifmap",))
    Traceback (most recent call last):
    ...
    hwcodesign.core.errors.ConfigError: The 'size_bytes' field of BufferSpec(name='glb') must be an int >= 1. Got -1.
    """

    name: str = spec_field(doc="Unique name; usable in parameter names ('glb__size_bytes').")
    size_bytes: int = spec_field(ge=1, unit="bytes", doc="Total capacity.")
    operands: tuple[Operand, ...] = spec_field(doc="The operands it holds: 'ifmap', 'filter', 'ofmap'.")
    banks: int = spec_field(default=1, ge=1, doc="Independently addressed banks (an access costs one bank's energy).")
    bandwidth_bytes_per_cycle: float | None = spec_field(
        default=None, gt=0, doc="Bytes it can deliver per cycle; None: sized to never stall the array.")
    double_buffered: bool = spec_field(default=False, doc="Half is filled while the other half is used.")
    overlapped_fills: bool = spec_field(
        default=False, doc="Fills overlap the reads at full capacity (a buffet or FIFO, as Timeloop's smartbuffer); "
                           "otherwise only a double-buffered buffer hides its fills.")
    level: str | None = spec_field(
        default=None, doc="Memory level it belongs to (siblings share one); None: a level named after it.")
    operand_bytes: tuple[int, ...] | None = spec_field(
        default=None, doc="Capacity of each operand's own partition (as Eyeriss's spads), in `operands` order; "
                          "None: the operands share size_bytes.")
    access_energy_pj_per_byte: tuple[float, ...] | None = spec_field(
        default=None, doc="Characterised energy per byte read or written (as an Accelergy ERT entry): one value, "
                          "or one per operand in `operands` order; None: the EnergyTable's SRAM law by size.")
    write_energy_pj_per_byte: tuple[float, ...] | None = spec_field(
        default=None, doc="Characterised energy per byte written, where it differs from reads (same shape as "
                          "access_energy_pj_per_byte); None: writes cost what reads cost.")

    def __post_init__(self) -> None:
        # Checked before the generic type check, whose message would only say "a tuple".
        if isinstance(self.operands, (list, tuple)) and any(o not in OPERANDS for o in self.operands):
            self._error("operands", "a tuple of " + ", ".join(map(repr, OPERANDS)), self.operands)
        super().__post_init__()

    def _check(self) -> None:
        if not self.name.isidentifier() or "__" in self.name:
            self._error("name", "a Python identifier without '__' (it appears in parameter names)", self.name)
        if not self.operands:
            self._error("operands", "a non-empty tuple of " + ", ".join(map(repr, OPERANDS)), self.operands)
        if len(set(self.operands)) != len(self.operands):
            self._error("operands", "a tuple without repeats", self.operands)
        if self.level is not None and (not self.level.isidentifier() or "__" in self.level):
            self._error("level", "None or a Python identifier without '__'", self.level)
        if self.operand_bytes is not None:
            if len(self.operand_bytes) != len(self.operands) or min(self.operand_bytes) < 1:
                self._error("operand_bytes", f"None or {len(self.operands)} ints >= 1 (one per operand)",
                            self.operand_bytes)
            if sum(self.operand_bytes) > self.size_bytes:
                self._error("operand_bytes", f"partitions summing to <= size_bytes={self.size_bytes}",
                            self.operand_bytes)
        for field in ("access_energy_pj_per_byte", "write_energy_pj_per_byte"):
            energies = getattr(self, field)
            if energies is not None and (len(energies) not in (1, len(self.operands)) or min(energies) < 0):
                self._error(field, f"None, or 1 or {len(self.operands)} floats >= 0 (one per operand)", energies)
        if self.write_energy_pj_per_byte is not None and self.access_energy_pj_per_byte is None:
            self._error("write_energy_pj_per_byte", "None unless access_energy_pj_per_byte is given",
                        self.write_energy_pj_per_byte)

    @property
    def level_name(self) -> str:
        """The name of the memory level it belongs to (`level`, or its own name)."""
        return self.level if self.level is not None else self.name

    def capacity_bytes(self, operand: str) -> int:
        """The capacity ``operand`` may use for the tile being computed on (its partition, or all).

        Halved when double-buffered, as `working_bytes`.

        Examples
        --------
        >>> spad = BufferSpec(name="rf", size_bytes=520, operands=("ifmap", "filter", "ofmap"),
        ...                   operand_bytes=(24, 448, 48))
        >>> spad.capacity_bytes("filter"), spad.storage_bytes("filter")
        (448, 448)
        """
        size = self.storage_bytes(operand)
        return size // 2 if self.double_buffered else size

    def storage_bytes(self, operand: str) -> float:
        """The size of the array ``operand`` is stored in: its partition, else one bank."""
        if self.operand_bytes is not None:
            return self.operand_bytes[self.operands.index(operand)]
        return self.bank_bytes if self.banks > 1 else self.size_bytes

    @property
    def working_bytes(self) -> int:
        """The capacity available to the tile being computed on (half if double-buffered)."""
        return self.size_bytes // 2 if self.double_buffered else self.size_bytes

    @property
    def bank_bytes(self) -> float:
        """The capacity of one bank."""
        return self.size_bytes / self.banks


@dataclass(frozen=True, kw_only=True)
class DRAMSpec(Spec):
    """Off-chip memory as seen from the accelerator, in accelerator clock cycles.

    With ``bandwidth_scope='shared'`` all reads and writes share
    ``bandwidth_bytes_per_cycle``; with ``'per_operand'`` each operand (ifmap, filter,
    ofmap) has its own channel of that bandwidth, as SCALE-Sim models its ``Bandwidth``
    setting (``InterfaceBandwidth: USER``).

    Examples
    --------
    >>> DRAMSpec(bandwidth_bytes_per_cycle=16, latency_cycles=100)
    DRAMSpec(bandwidth_bytes_per_cycle=16.0, bandwidth_scope='shared', latency_cycles=100, channels=1)
    """

    bandwidth_bytes_per_cycle: float = spec_field(gt=0, doc="Bytes per accelerator cycle (per channel).")
    bandwidth_scope: BandwidthScope = spec_field(default="shared", doc="'shared' or 'per_operand' channels.")
    latency_cycles: int = spec_field(default=0, ge=0, doc="Cycles from request to first byte.")
    channels: int = spec_field(
        default=1, ge=1, doc="Independent channels of bandwidth_bytes_per_cycle each, addresses interleaved across "
                             "them (the event engine models them; the closed-form engines see one channel).")


#: Keys of `area_breakdown_mm2` besides buffer names; buffers may not use them.
_NON_BUFFER_COMPONENTS = ("vector_unit",)


@dataclass(frozen=True, kw_only=True)
class Accelerator(Spec):
    """A DNN accelerator: PE array, on-chip buffers, DRAM, clock, precision, energy and area tables.

    Buffers are listed from the PE array outwards and grouped into memory levels
    (`BufferSpec.level`; DRAM is the outermost level, ``'dram'``). Each operand is held
    by at least one on-chip buffer and by at most one buffer per level. ``spatial``
    describes the PE array's unrolling (`SpatialSpec`); ``None`` derives it from
    ``pe_array``'s systolic dataflow, fanning out from the innermost level. See the
    module docstring for parameter names.

    Examples
    --------
    >>> from hwcodesign.accelerators import get_accelerator
    >>> acc = get_accelerator("scalesim_default")
    >>> acc.peak_macs_per_cycle, acc.buffer_for("ofmap").name
    (1024, 'ofmap_sram')
    >>> round(acc.area_mm2(), 3), round(acc.mac_energy_pj(), 3)
    (1.572, 0.23)
    >>> round(acc.buffer_access_energy_pj_per_byte("ifmap_sram"), 2)
    3.29
    """

    name: str = spec_field(doc="A label for tables and plots.")
    template: str = spec_field(default="custom", doc="The template it was built from (provenance).")
    pe_array: PEArraySpec = spec_field(doc="The compute array.")
    buffers: tuple[BufferSpec, ...] = spec_field(doc="On-chip buffers, innermost first.")
    dram: DRAMSpec = spec_field(doc="Off-chip memory.")
    spatial: SpatialSpec | None = spec_field(
        default=None, doc="The PE array's spatial unrolling; None: derived from pe_array (a systolic array).")
    clock_hz: float = spec_field(default=1e9, gt=0, unit="hz", doc="Clock of the array and buffers.")
    word_bytes: int = spec_field(default=1, ge=1, le=8, doc="Bytes per operand word (1 for int8).")
    psum_bytes: int | None = spec_field(
        default=None, ge=1, le=8,
        doc="Bytes per partial sum (the accumulator width; e.g. 4 for int8 MACs with 32-bit accumulators). "
            "Partial sums move and sit on chip, and spill, at this width; each output's final value is "
            "written at the operand word. None: the operand word. Analytical engine and layer mapper only.")
    tech_node_nm: float = spec_field(default=45.0, gt=0, doc="Technology node the energy and area are scaled to.")
    vector_lanes: int = spec_field(default=32, ge=1, doc="Elementwise operations per cycle of the vector unit.")
    energy: EnergyTable = spec_field(default_factory=EnergyTable, doc="Per-access energies.")
    area: AreaTable = spec_field(default_factory=AreaTable, doc="Area coefficients.")

    def _check(self) -> None:
        if self.psum_bytes is not None and self.psum_bytes < self.word_bytes:
            self._error("psum_bytes", f"None or an int >= word_bytes ({self.word_bytes}): an accumulator is at "
                        "least as wide as the words it sums", self.psum_bytes)
        names = [b.name for b in self.buffers]
        if not names:
            self._error("buffers", "a non-empty tuple of BufferSpec", self.buffers)
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            self._error("buffers", "a tuple of BufferSpec with unique names", names)
        reserved = {f.name for f in dataclasses.fields(self)} | set(_NON_BUFFER_COMPONENTS)
        clashing = sorted(set(names) & reserved)
        if clashing:
            self._error("buffers", "named differently from the fields " + ", ".join(map(repr, sorted(reserved))),
                        clashing)
        for operand in OPERANDS:
            holders = [b.name for b in self.buffers if operand in b.operands]
            if not holders:
                raise ConfigError(
                    f"The 'buffers' field of {self._where()} must hold each operand "
                    f"({', '.join(map(repr, OPERANDS))}) in at least one buffer. Got {operand!r} in 0: [].")
        levels = [b.level_name for b in self.buffers]
        order = list(dict.fromkeys(levels))
        for level in order:
            members = [b for b in self.buffers if b.level_name == level]
            first = levels.index(level)
            if levels[first:first + len(members)] != [level] * len(members):
                self._error("buffers", f"a tuple in which the buffers of level {level!r} are adjacent", levels)
            for operand in OPERANDS:
                holders = [b.name for b in members if operand in b.operands]
                if len(holders) > 1:
                    raise ConfigError(
                        f"The 'buffers' field of {self._where()} must hold each operand in at most one buffer "
                        f"per level. Got {operand!r} in {len(holders)}: {holders!r} (level {level!r}).")
        clashing = sorted((set(order) - set(names)) & (reserved | {"dram"}))
        if clashing:
            self._error("buffers", "levels named differently from the fields " + ", ".join(map(repr, sorted(reserved)))
                        + " and 'dram'", clashing)
        if self.spatial is not None:
            known = [*order, "dram"]
            for dim in self.spatial.dims:
                if dim.above not in known:
                    raise UnknownNameError(f"level for SpatialDim {dim.name!r} of {self._where()}", dim.above, known)
            if self.spatial.num_pes != self.pe_array.num_pes:
                self._error("spatial", f"a SpatialSpec with as many MAC units as pe_array "
                            f"({self.pe_array.rows} x {self.pe_array.cols} = {self.pe_array.num_pes})",
                            f"{self.spatial.num_pes} MAC units")

    # -- derived quantities ------------------------------------------------------
    @property
    def num_pes(self) -> int:
        """The number of PEs in the array."""
        return self.pe_array.num_pes

    @property
    def peak_macs_per_cycle(self) -> int:
        """MACs per cycle with every PE busy (one MAC per PE per cycle)."""
        return self.pe_array.num_pes

    @property
    def peak_macs_per_second(self) -> float:
        """MACs per second with every PE busy."""
        return self.peak_macs_per_cycle * self.clock_hz

    @property
    def sram_bytes(self) -> int:
        """Total on-chip buffer capacity, every instance of a per-PE or per-core buffer counted."""
        return sum(b.size_bytes * self.buffer_instances(b.name) for b in self.buffers)

    @property
    def dataflow(self) -> str:
        """The dataflow label: the spatial array's (``'rs'`` possible) or ``pe_array``'s."""
        return self.spatial.dataflow if self.spatial is not None else self.pe_array.dataflow

    # -- hierarchy -------------------------------------------------------------------
    def levels(self) -> tuple[MemoryLevel, ...]:
        """The memory levels, innermost first, DRAM (``'dram'``) last.

        Examples
        --------
        >>> from hwcodesign.accelerators import get_accelerator
        >>> [(lv.name, lv.instances) for lv in get_accelerator("eyeriss_like").levels()]
        [('rf', 168), ('glb', 1), ('dram', 1)]
        """
        return self._cached_levels

    def spatial_array(self) -> SpatialSpec:
        """The spatial array: `spatial`, or the one derived from ``pe_array``'s systolic dataflow."""
        return self._cached_spatial_array

    # Derived once per instance: a sweep point asks for them thousands of times. cached_property
    # writes the instance __dict__ directly, so it works on a frozen dataclass; fields, equality,
    # hash and repr ignore it, dataclasses.replace builds a fresh instance, and pickles leave it out.
    @functools.cached_property
    def _cached_levels(self) -> tuple[MemoryLevel, ...]:
        return memory_levels(self)

    @functools.cached_property
    def _cached_spatial_array(self) -> SpatialSpec:
        return spatial_array(self)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in _DERIVED}

    def buffer_instances(self, name: str) -> int:
        """How many copies of buffer ``name`` exist (one per PE for a per-PE register file)."""
        level = self.buffer(name).level_name
        return next(lv.instances for lv in self.levels() if lv.name == level)

    def holders(self, operand: Operand) -> tuple[BufferSpec, ...]:
        """The on-chip buffers holding ``operand``, innermost first."""
        if operand not in OPERANDS:
            raise UnknownNameError("operand", operand, OPERANDS)
        return tuple(b for b in self.buffers if operand in b.operands)

    def seconds(self, cycles: float) -> float:
        """Convert ``cycles`` of this accelerator's clock to seconds.

        Examples
        --------
        >>> from hwcodesign.accelerators import get_accelerator
        >>> get_accelerator("systolic", clock_hz="1 GHz").seconds(2000)
        2e-06
        """
        return cycles / self.clock_hz

    # -- buffers -------------------------------------------------------------------
    def buffer(self, name: str) -> BufferSpec:
        """Return the buffer called ``name``; `UnknownNameError` lists the others."""
        for b in self.buffers:
            if b.name == name:
                return b
        raise UnknownNameError(f"buffer of {self._where()}", name, [b.name for b in self.buffers])

    def buffer_for(self, operand: Operand) -> BufferSpec:
        """Return the outermost on-chip buffer holding ``operand`` ('ifmap', 'filter' or 'ofmap').

        This is the buffer the systolic engine stages the operand in (next to DRAM);
        in a one-level template it is the operand's only buffer.
        """
        return self.holders(operand)[-1]

    def param_name(self, buffer: str, field: str) -> str:
        """Return the positional parameter name of ``field`` of the buffer called ``buffer``."""
        index = self.buffers.index(self.buffer(buffer))
        name = f"buffers__{index}__{field}"
        if name not in get_params(self):
            raise UnknownNameError("field of BufferSpec", field, [f.name for f in dataclasses.fields(BufferSpec)])
        return name

    def with_params(self, **params: Any) -> Accelerator:
        """Return a copy with fields replaced, as `hwcodesign.core.with_params`.

        Also accepts a buffer's name in place of ``buffers__<index>``:
        ``acc.with_params(glb__size_bytes="1 MiB")``.
        """
        index = {b.name: i for i, b in enumerate(self.buffers)}
        resolved: dict[str, Any] = {}
        for key, value in params.items():
            head, sep, rest = key.partition("__")
            resolved[f"buffers__{index[head]}__{rest}" if sep and head in index else key] = value
        return _with_params(self, **resolved)

    # -- energy and area (the tables hold the laws; these bind this accelerator) -------
    def mac_energy_pj(self) -> float:
        """Energy of one MAC at this accelerator's word size and node."""
        return self.energy.mac_energy_pj(self.word_bytes, node_nm=self.tech_node_nm)

    def buffer_access_energy_pj_per_byte(self, name: str, access: Literal["read", "write"] = "read",
                                         *, operand: Operand | None = None) -> float:
        """Energy per byte read from (or written to) buffer ``name``.

        A buffer's characterised `BufferSpec.access_energy_pj_per_byte` wins; otherwise
        the array accessed is one bank, or ``operand``'s partition when the buffer has
        them (`BufferSpec.storage_bytes`), and its energy follows
        `EnergyTable.sram_access_energy_pj_per_byte`.
        """
        buffer = self.buffer(name)
        characterised = buffer.access_energy_pj_per_byte
        if access == "write" and buffer.write_energy_pj_per_byte is not None:
            characterised = buffer.write_energy_pj_per_byte
        if characterised is not None:
            return characterised[buffer.operands.index(operand)] if operand and len(characterised) > 1 else max(
                characterised)
        size = buffer.storage_bytes(operand) if operand is not None else (
            buffer.bank_bytes if buffer.operand_bytes is None else max(buffer.operand_bytes))
        return self.energy.sram_access_energy_pj_per_byte(size, node_nm=self.tech_node_nm, access=access)

    def noc_energy_pj_per_byte(self) -> float:
        """Energy per byte delivered over the on-chip network to one PE (one hop)."""
        return self.energy.pe_hop_energy_pj_per_byte(node_nm=self.tech_node_nm)

    def dram_energy_pj_per_byte(self) -> float:
        """Energy per byte moved to or from DRAM."""
        return self.energy.dram_energy_pj_per_byte()

    def leakage_mw(self) -> float:
        """Static power of all buffers and PEs, in mW."""
        return self.energy.leakage_mw(sram_bytes=self.sram_bytes, num_pes=self.num_pes, node_nm=self.tech_node_nm)

    def area_mm2(self) -> float:
        """Total area in mm^2 (see `hwcodesign.accelerators.area`)."""
        return accelerator_area_mm2(self)

    def area_breakdown_mm2(self) -> dict[str, float]:
        """Area of each component in mm^2."""
        return area_breakdown_mm2(self)

    def _repr_html_(self) -> str:
        pe = self.pe_array
        rows = [
            ("template", self.template),
            ("PE array", f"{pe.rows} x {pe.cols} ({pe.dataflow}), {self.word_bytes}-byte words"),
            ("clock", f"{self.clock_hz / 1e6:g} MHz, {self.tech_node_nm:g} nm"),
            *((f"buffer {b.name}", f"{b.size_bytes / 1024:g} KiB: {', '.join(b.operands)}") for b in self.buffers),
            ("DRAM", f"{self.dram.bandwidth_bytes_per_cycle:g} B/cycle ({self.dram.bandwidth_scope}), "
                     f"{self.dram.latency_cycles} cycles"),
            ("area", f"{self.area_mm2():.3g} mm^2"),
        ]
        body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
        return f"<table><caption>Accelerator {html.escape(self.name)}</caption>{body}</table>"


#: The per-instance caches of `Accelerator`, left out of its pickles.
_DERIVED = ("_cached_levels", "_cached_spatial_array")
