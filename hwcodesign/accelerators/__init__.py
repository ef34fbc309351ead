"""Accelerator hardware: specs, templates, energy and area tables, file I/O.

Examples
--------
>>> from hwcodesign.accelerators import get_accelerator, TEMPLATES
>>> acc = get_accelerator("systolic", rows=16, cols=16)
>>> acc.num_pes, [b.name for b in acc.buffers]
(256, ['ifmap_sram', 'filter_sram', 'ofmap_sram'])
"""

from hwcodesign.accelerators import dataflow_templates  # noqa: F401  (registers its templates)
from hwcodesign.accelerators.area import AreaTable, accelerator_area_mm2, area_breakdown_mm2
from hwcodesign.accelerators.dataflow_templates import (
    edge_tpu_like,
    eyeriss_like,
    nvdla_like,
    shidiannao_like,
    simba_like,
)
from hwcodesign.accelerators.energy import HOROWITZ_45NM_SRAM_POINTS, REFERENCE_NODE_NM, EnergyTable
from hwcodesign.accelerators.hierarchy import MemoryLevel
from hwcodesign.accelerators.io import (
    FILE_FORMATS,
    SCHEMA_VERSION,
    accelerator_from_dict,
    dumps_accelerator,
    load_accelerator,
    load_scalesim_cfg,
    loads_accelerator,
    save_accelerator,
)
from hwcodesign.accelerators.spatial import LOOP_ROLES, SPATIAL_DATAFLOWS, SpatialDataflow, SpatialDim, SpatialSpec
from hwcodesign.accelerators.specs import (
    DATAFLOWS,
    OPERANDS,
    Accelerator,
    BandwidthScope,
    BufferSpec,
    Dataflow,
    DRAMSpec,
    Operand,
    PEArraySpec,
)
from hwcodesign.accelerators.templates import (
    TEMPLATES,
    get_accelerator,
    scalesim_default,
    scalesim_google,
    systolic,
    tpu_like,
)

__all__ = [
    "Accelerator", "PEArraySpec", "BufferSpec", "DRAMSpec", "EnergyTable", "AreaTable",
    "Operand", "OPERANDS", "Dataflow", "DATAFLOWS", "BandwidthScope",
    "TEMPLATES", "get_accelerator", "systolic", "tpu_like", "scalesim_default", "scalesim_google",
    "eyeriss_like", "nvdla_like", "shidiannao_like", "edge_tpu_like", "simba_like",
    "SpatialSpec", "SpatialDim", "SpatialDataflow", "SPATIAL_DATAFLOWS", "LOOP_ROLES", "MemoryLevel",
    "load_accelerator", "save_accelerator", "loads_accelerator", "dumps_accelerator", "accelerator_from_dict",
    "load_scalesim_cfg",
    "SCHEMA_VERSION", "FILE_FORMATS", "accelerator_area_mm2", "area_breakdown_mm2",
    "HOROWITZ_45NM_SRAM_POINTS", "REFERENCE_NODE_NM",
]
