"""Importers: models users already have, as `Workload` DAGs (ONNX and torch.fx; optional extras).

`from_onnx` reads an ONNX model (a path or an ``onnx.ModelProto``); `from_torch` traces a
PyTorch module with ``torch.fx``. Both map nodes to the zoo's operators through one
shared builder, so an imported network and the zoo's version of it have the same
operators, MACs and parameters. ``load_workload("model.onnx")`` calls `from_onnx`.
"""

from hwcodesign.workloads.importers._builder import UNSUPPORTED_CHOICES, OnUnsupported
from hwcodesign.workloads.importers.onnx import from_onnx
from hwcodesign.workloads.importers.torch_fx import from_torch

__all__ = ["from_onnx", "from_torch", "OnUnsupported", "UNSUPPORTED_CHOICES"]
