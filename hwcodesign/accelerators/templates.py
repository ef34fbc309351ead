"""Registered accelerator templates: factories with keyword arguments and documented defaults.

=====================  ==================================================================
template               what it is
=====================  ==================================================================
``systolic``           generic systolic array with one SRAM per operand (SCALE-Sim style)
``tpu_like``           Google TPUv1 (Jouppi et al., ISCA 2017): 256 x 256 int8, 700 MHz
``scalesim_default``   SCALE-Sim v2's ``configs/scale.cfg``: 32 x 32 ws, 64 KiB per SRAM
``scalesim_google``    SCALE-Sim v2's ``configs/google.cfg``: 256 x 256 os, TPU-sized SRAMs
=====================  ==================================================================

The three SRAMs of these templates form one memory level, ``sram``. Templates with
deeper hierarchies (``eyeriss_like``, ``nvdla_like``, ``shidiannao_like``,
``edge_tpu_like``, ``simba_like``) live in `hwcodesign.accelerators.dataflow_templates`.

:func:`get_accelerator` builds one by name (or loads a file) and applies overrides.

Examples
--------
>>> TEMPLATES.names()  # doctest: +NORMALIZE_WHITESPACE
['edge_tpu_like', 'eyeriss_like', 'nvdla_like', 'scalesim_default', 'scalesim_google', 'shidiannao_like',
 'simba_like', 'systolic', 'tpu_like']
>>> acc = get_accelerator("tpu_like", dataflow="os", pe_array__rows=128)
>>> acc.pe_array
PEArraySpec(rows=128, cols=256, dataflow='os')
>>> get_accelerator("tpu_lik")
Traceback (most recent call last):
...
hwcodesign.core.errors.UnknownNameError: Unknown accelerator template 'tpu_lik'. Did you mean 'tpu_like' or 'edge_tpu_like'? Known: edge_tpu_like, eyeriss_like, nvdla_like, scalesim_default, scalesim_google, shidiannao_like, simba_like, systolic, tpu_like.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hwcodesign.accelerators.area import AreaTable
from hwcodesign.accelerators.energy import EnergyTable
from hwcodesign.accelerators.specs import (
    Accelerator,
    BandwidthScope,
    BufferSpec,
    Dataflow,
    DRAMSpec,
    PEArraySpec,
)
from hwcodesign.core.errors import UnknownNameError
from hwcodesign.core.registry import Registry
from hwcodesign.core.spec import get_params

__all__ = ["TEMPLATES", "get_accelerator", "systolic", "tpu_like", "scalesim_default", "scalesim_google"]

#: Accelerator templates by name; each entry is a factory taking keyword arguments only.
TEMPLATES: Registry[Callable[..., Accelerator]] = Registry("accelerator template")

#: SCALE-Sim's "kB" is 1024 bytes (``ifmap_buf_size_bytes = 1024 * ifmap_buf_size_kb``).
_SCALESIM_KB = 1024


def _systolic_accelerator(
    *,
    template: str,
    name: str,
    rows: int,
    cols: int,
    dataflow: Dataflow,
    ifmap_sram_bytes: int | str,
    filter_sram_bytes: int | str,
    ofmap_sram_bytes: int | str,
    double_buffered: bool,
    sram_banks: int,
    sram_bandwidth_bytes_per_cycle: float | None,
    dram_bandwidth_bytes_per_cycle: float,
    dram_bandwidth_scope: BandwidthScope,
    dram_latency_cycles: int,
    clock_hz: float | str,
    word_bytes: int,
    tech_node_nm: float,
    vector_lanes: int | None,
    energy: EnergyTable | None,
    area: AreaTable | None,
) -> Accelerator:
    def sram(operand: str, size: int | str) -> BufferSpec:
        return BufferSpec(name=f"{operand}_sram", size_bytes=size, operands=(operand,), banks=sram_banks,
                          bandwidth_bytes_per_cycle=sram_bandwidth_bytes_per_cycle, double_buffered=double_buffered,
                          level="sram")

    return Accelerator(
        name=name,
        template=template,
        pe_array=PEArraySpec(rows=rows, cols=cols, dataflow=dataflow),
        buffers=(sram("ifmap", ifmap_sram_bytes), sram("filter", filter_sram_bytes), sram("ofmap", ofmap_sram_bytes)),
        dram=DRAMSpec(bandwidth_bytes_per_cycle=dram_bandwidth_bytes_per_cycle, bandwidth_scope=dram_bandwidth_scope,
                      latency_cycles=dram_latency_cycles),
        clock_hz=clock_hz,
        word_bytes=word_bytes,
        tech_node_nm=tech_node_nm,
        vector_lanes=cols if vector_lanes is None else vector_lanes,
        energy=EnergyTable() if energy is None else energy,
        area=AreaTable() if area is None else area,
    )


@TEMPLATES.register("systolic")
def systolic(
    *,
    name: str = "systolic",
    rows: int = 32,
    cols: int = 32,
    dataflow: Dataflow = "ws",
    ifmap_sram_bytes: int | str = "64 KiB",
    filter_sram_bytes: int | str = "64 KiB",
    ofmap_sram_bytes: int | str = "64 KiB",
    double_buffered: bool = True,
    sram_banks: int = 1,
    sram_bandwidth_bytes_per_cycle: float | None = None,
    dram_bandwidth_bytes_per_cycle: float = 16.0,
    dram_bandwidth_scope: BandwidthScope = "shared",
    dram_latency_cycles: int = 100,
    clock_hz: float | str = "1 GHz",
    word_bytes: int = 1,
    tech_node_nm: float = 45.0,
    vector_lanes: int | None = None,
    energy: EnergyTable | None = None,
    area: AreaTable | None = None,
) -> Accelerator:
    """A systolic array with one double-buffered SRAM per operand, as SCALE-Sim models it.

    Parameters
    ----------
    name
        Label of the result.
    rows, cols, dataflow
        The PE array (`PEArraySpec`).
    ifmap_sram_bytes, filter_sram_bytes, ofmap_sram_bytes
        Capacity of the buffers ``ifmap_sram``, ``filter_sram``, ``ofmap_sram``
        (ints or strings such as ``"64 KiB"``).
    double_buffered, sram_banks, sram_bandwidth_bytes_per_cycle
        Shared by the three buffers; bandwidth ``None`` means never a bottleneck.
    dram_bandwidth_bytes_per_cycle, dram_bandwidth_scope, dram_latency_cycles
        The `DRAMSpec`; 16 B/cycle shared and 100 cycles are generic defaults.
    clock_hz, word_bytes, tech_node_nm
        Clock, bytes per operand word (1: int8) and technology node.
    vector_lanes
        Elementwise operations per cycle; ``None`` gives one per column.
    energy, area
        Tables; ``None`` gives the 45 nm defaults.

    Examples
    --------
    >>> acc = systolic(rows=8, cols=16, ifmap_sram_bytes="32 KiB")
    >>> acc.num_pes, acc.buffer("ifmap_sram").size_bytes, acc.vector_lanes
    (128, 32768, 16)
    """
    return _systolic_accelerator(template="systolic", **_arguments(locals()))


@TEMPLATES.register("tpu_like")
def tpu_like(
    *,
    name: str = "tpu_like",
    rows: int = 256,
    cols: int = 256,
    dataflow: Dataflow = "ws",
    ifmap_sram_bytes: int | str = "6144 KiB",
    filter_sram_bytes: int | str = "6144 KiB",
    ofmap_sram_bytes: int | str = "2048 KiB",
    double_buffered: bool = True,
    sram_banks: int = 1,
    sram_bandwidth_bytes_per_cycle: float | None = None,
    dram_bandwidth_bytes_per_cycle: float = 34e9 / 700e6,
    dram_bandwidth_scope: BandwidthScope = "shared",
    dram_latency_cycles: int = 70,
    clock_hz: float | str = "700 MHz",
    word_bytes: int = 1,
    tech_node_nm: float = 28.0,
    vector_lanes: int | None = 256,
    energy: EnergyTable | None = None,
    area: AreaTable | None = None,
) -> Accelerator:
    """A TPUv1-like accelerator (N. Jouppi et al., "In-datacenter performance analysis of a TPU", ISCA 2017).

    TPUv1: 256 x 256 int8 MACs, weight stationary, 700 MHz, 28 nm, 24 MiB unified buffer,
    DDR3 at 34 GB/s (48.6 bytes per 700 MHz cycle), activation pipeline 256 wide. The
    unified buffer is split as SCALE-Sim's ``google.cfg`` splits it: 6144 KiB ifmap,
    6144 KiB filter, 2048 KiB ofmap (the real chip streams weights from DRAM through a
    small FIFO; this template keeps SCALE-Sim's three buffers). ``google.cfg`` runs
    this array output-stationary; we default to the real chip's weight stationary
    (``scalesim_google`` reproduces the cfg). DRAM latency is an assumed 100 ns
    (70 cycles). Parameters are those of :func:`systolic`.

    Examples
    --------
    >>> acc = tpu_like()
    >>> acc.peak_macs_per_second / 1e12  # 92 TOPS = 46 T MAC/s
    45.8752
    >>> round(acc.dram.bandwidth_bytes_per_cycle, 2)
    48.57
    """
    return _systolic_accelerator(template="tpu_like", **_arguments(locals()))


@TEMPLATES.register("scalesim_default")
def scalesim_default(
    *,
    name: str = "scalesim_default",
    rows: int = 32,
    cols: int = 32,
    dataflow: Dataflow = "ws",
    ifmap_sram_bytes: int | str = 64 * _SCALESIM_KB,
    filter_sram_bytes: int | str = 64 * _SCALESIM_KB,
    ofmap_sram_bytes: int | str = 64 * _SCALESIM_KB,
    double_buffered: bool = True,
    sram_banks: int = 1,
    sram_bandwidth_bytes_per_cycle: float | None = None,
    dram_bandwidth_bytes_per_cycle: float = 10.0,
    dram_bandwidth_scope: BandwidthScope = "per_operand",
    dram_latency_cycles: int = 0,
    clock_hz: float | str = "1 GHz",
    word_bytes: int = 1,
    tech_node_nm: float = 45.0,
    vector_lanes: int | None = None,
    energy: EnergyTable | None = None,
    area: AreaTable | None = None,
) -> Accelerator:
    """SCALE-Sim v2's ``configs/scale.cfg``: 32 x 32 weight stationary, three 64 KiB SRAMs.

    SCALE-Sim's settings map as: ``ArrayHeight``/``ArrayWidth`` -> ``rows``/``cols``;
    ``*SramSzkB`` -> sizes in KiB (SCALE-Sim multiplies by 1024), double buffered
    (its active fraction is 0.5); ``Bandwidth`` 10 words/cycle -> 10 bytes/cycle *per
    operand* (1-byte words, one backing channel per operand); no DRAM latency; no clock
    (1 GHz assumed). ``scale.cfg`` sets ``InterfaceBandwidth: CALC``, in which SCALE-Sim
    ignores ``Bandwidth`` and reports the bandwidth needed for no stalls; engines that
    reproduce such runs must assume ideal DRAM. Parameters are those of :func:`systolic`.

    Examples
    --------
    >>> scalesim_default().dram
    DRAMSpec(bandwidth_bytes_per_cycle=10.0, bandwidth_scope='per_operand', latency_cycles=0, channels=1)
    """
    return _systolic_accelerator(template="scalesim_default", **_arguments(locals()))


@TEMPLATES.register("scalesim_google")
def scalesim_google(
    *,
    name: str = "scalesim_google",
    rows: int = 256,
    cols: int = 256,
    dataflow: Dataflow = "os",
    ifmap_sram_bytes: int | str = 6144 * _SCALESIM_KB,
    filter_sram_bytes: int | str = 6144 * _SCALESIM_KB,
    ofmap_sram_bytes: int | str = 2048 * _SCALESIM_KB,
    double_buffered: bool = True,
    sram_banks: int = 1,
    sram_bandwidth_bytes_per_cycle: float | None = None,
    dram_bandwidth_bytes_per_cycle: float = 10.0,
    dram_bandwidth_scope: BandwidthScope = "per_operand",
    dram_latency_cycles: int = 0,
    clock_hz: float | str = "700 MHz",
    word_bytes: int = 1,
    tech_node_nm: float = 28.0,
    vector_lanes: int | None = None,
    energy: EnergyTable | None = None,
    area: AreaTable | None = None,
) -> Accelerator:
    """SCALE-Sim v2's ``configs/google.cfg``: 256 x 256 output stationary, TPU-sized SRAMs.

    Mapped as in :func:`scalesim_default`; this cfg sets ``InterfaceBandwidth: USER``, so
    SCALE-Sim does limit each operand's DRAM channel to 10 words per cycle. Clock and
    node (700 MHz, 28 nm) follow TPUv1; the cfg has neither.

    Examples
    --------
    >>> scalesim_google().buffer_for("ofmap").size_bytes
    2097152
    """
    return _systolic_accelerator(template="scalesim_google", **_arguments(locals()))


def _arguments(local_vars: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in local_vars.items() if not k.startswith("_")}


def _is_file_reference(name_or_path: str | os.PathLike[str]) -> bool:
    if isinstance(name_or_path, os.PathLike):
        return True
    return Path(name_or_path).suffix.lower() in {".toml", ".yaml", ".yml", ".json", ".cfg"} or os.sep in name_or_path


def get_accelerator(name_or_path: str | os.PathLike[str], **overrides: Any) -> Accelerator:
    """Return the accelerator of a registered template, or one loaded from a file.

    Parameters
    ----------
    name_or_path
        A name in `TEMPLATES`, or a path to a ``.toml``/``.yaml``/``.yml``/``.json``
        file written by `save_accelerator`, or a SCALE-Sim ``.cfg`` file.
    **overrides
        For a template, its keyword arguments (``rows=64``) are passed to its factory;
        any other key is a parameter name applied afterwards with
        `Accelerator.with_params` (``pe_array__rows=64``, ``ifmap_sram__size_bytes="1 MiB"``,
        ``buffers__0__banks=4``). For a file, only parameter names.

    Raises
    ------
    UnknownNameError
        For an unknown template or parameter name (the message lists the known ones).
    ConfigError
        For an invalid value or file.

    Examples
    --------
    >>> get_accelerator("systolic", rows=64, dram__latency_cycles=0).pe_array.rows
    64
    """
    if _is_file_reference(name_or_path):
        from hwcodesign.accelerators.io import load_accelerator

        acc = load_accelerator(name_or_path)
        params = overrides
    else:
        factory = TEMPLATES.get(str(name_or_path))
        accepted = set(inspect.signature(factory).parameters)
        acc = factory(**{k: v for k, v in overrides.items() if k in accepted})
        params = {k: v for k, v in overrides.items() if k not in accepted}
        fields = {f.name for f in dataclasses.fields(acc)}
        unknown = [k for k in params if "__" not in k and k not in fields]
        if unknown:
            raise UnknownNameError(f"argument of template {name_or_path!r}", unknown[0],
                                   sorted(accepted | set(get_params(acc))))
    return acc.with_params(**params) if params else acc
