"""``tiny``: a four-operator toy network for examples, doctests and conformance checks."""

from __future__ import annotations

from hwcodesign.workloads.operators import Conv2d, Gemm, Pool
from hwcodesign.workloads.workload import Workload
from hwcodesign.workloads.zoo._registry import WORKLOADS

__all__ = ["tiny"]


@WORKLOADS.register("tiny")
def tiny(*, batch: int = 1, precision: str = "int8") -> Workload:
    """3x3 conv (3 -> 8 channels, 16x16), 3x3 depthwise conv, 2x2 max pool, linear 512 -> 10.

    Examples
    --------
    >>> w = tiny()
    >>> [(op.name, op.macs) for op in w.operators()]
    [('conv', 55296), ('dwconv', 18432), ('pool', 0), ('fc', 5120)]
    >>> w.macs, w.params
    (78848, 5418)
    """
    w = Workload("tiny", batch=batch, precision=precision)
    x = w.add(Conv2d(in_channels=3, out_channels=8, in_h=16, in_w=16, kernel_h=3, kernel_w=3, pad_h=1, pad_w=1),
              name="conv")
    x = w.add(Conv2d.depthwise(8, 16, 16, 3), (x,), name="dwconv")
    x = w.add(Pool(channels=8, in_h=16, in_w=16, kernel_h=2, kernel_w=2, stride_h=2, stride_w=2), (x,), name="pool")
    w.add(Gemm(m=1, n=10, k=8 * 8 * 8, bias=True), (x,), name="fc")
    w._origin = ("tiny", {"batch": w.batch, "precision": w.precision})
    return w
