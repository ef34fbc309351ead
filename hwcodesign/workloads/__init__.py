"""Workloads: operators as loop nests, `Workload` DAGs, the model zoo and importers.

Examples
--------
>>> from hwcodesign.workloads import get_workload
>>> w = get_workload("tiny")
>>> w.macs, w.params, len(w)
(78848, 5418, 4)
>>> w["conv"].gemm_view()
GemmView(m=256, n=8, k=27, groups=1)
"""

from hwcodesign.workloads.loaders import WORKLOAD_FILE_SUFFIXES, load_workload, save_workload
from hwcodesign.workloads.operators import (
    OPERATORS,
    BatchNorm,
    Conv2d,
    Elementwise,
    Embedding,
    Gemm,
    GemmView,
    LayerNorm,
    Operator,
    Pool,
    ScaleSimConvRow,
    Softmax,
    Tensor,
    Upsample,
)
from hwcodesign.workloads.precision import PRECISION_BITS, PRECISIONS, bytes_per_element, tensor_bytes
from hwcodesign.workloads.scalesim_topology import (
    parse_scalesim_topology,
    read_scalesim_topology,
    scalesim_topology_text,
    write_scalesim_topology,
)
from hwcodesign.workloads.workload import Workload
from hwcodesign.workloads.zoo import (
    NB201_BEST_CIFAR10,
    NB201_OPS,
    WORKLOADS,
    attention_block,
    get_workload,
    parse_nb201,
)

__all__ = [
    "Operator", "Conv2d", "Gemm", "Pool", "Elementwise", "Softmax", "LayerNorm", "BatchNorm", "Embedding",
    "Upsample", "Tensor", "GemmView", "ScaleSimConvRow", "OPERATORS",
    "PRECISION_BITS", "PRECISIONS", "bytes_per_element", "tensor_bytes",
    "Workload",
    "WORKLOADS", "get_workload", "attention_block", "parse_nb201", "NB201_OPS", "NB201_BEST_CIFAR10",
    "read_scalesim_topology", "parse_scalesim_topology", "write_scalesim_topology", "scalesim_topology_text",
    "load_workload", "save_workload", "WORKLOAD_FILE_SUFFIXES",
]
