"""The workload registry (kept apart so each zoo module can register without import cycles)."""

from __future__ import annotations

from collections.abc import Callable

from hwcodesign.core.registry import Registry
from hwcodesign.workloads.workload import Workload

__all__ = ["WORKLOADS"]

#: Name -> factory ``f(*, batch=1, precision='int8', ...) -> Workload`` of every zoo network.
WORKLOADS: Registry[Callable[..., Workload]] = Registry("workload")
