"""Measure a workload's per-layer and whole-network latency with PyTorch (an optional extra).

The workload's operators are run in order with ``torch.nn.functional`` on random
tensors: CUDA events on a GPU, ``time.perf_counter`` on the CPU when there is none
(the ``device`` column then says ``cpu``, never a GPU name). Rows are in the
per-network measured form (``device, workload, batch, precision, latency_ms``) plus
``layer`` (empty for the whole network), ``kind`` and ``timer``; the whole-network row
is one forward pass in eager mode, the per-layer rows each operator timed alone.
``fp32`` turns PyTorch's TF32 paths off (``torch.backends.cudnn.allow_tf32`` is on by
default), ``tf32`` turns them on for convolutions and matmuls, so that each row is what its
``precision`` says on Ampere and later GPUs. CNN operators are supported (conv2d,
batchnorm, pool, elementwise, gemm as a linear layer on the flattened input); others raise
`ConfigError`.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd

from hwcodesign.core.errors import ConfigError
from hwcodesign.workloads.operators import BatchNorm, Conv2d, Elementwise, Gemm, Pool

__all__ = ["measure_torch"]

#: Precisions ``measure gpu`` runs; torch dtypes of their storage precisions.
_PRECISIONS = ("fp32", "tf32", "fp16", "bf16")
_DTYPES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ConfigError("'measure gpu' needs PyTorch: pip install 'hwcodesign[torch]'.") from None
    return torch


def _layer_fn(torch, op, dev, dtype):
    F = torch.nn.functional
    if isinstance(op, Conv2d):
        w = torch.randn(op.out_channels, op.in_channels // op.groups, op.kernel_h, op.kernel_w, device=dev, dtype=dtype)
        return lambda x: F.conv2d(x, w, None, (op.stride_h, op.stride_w), (op.pad_h, op.pad_w),
                                  (op.dilation_h, op.dilation_w), op.groups)
    if isinstance(op, BatchNorm):
        mean, var = torch.zeros(op.channels, device=dev, dtype=dtype), torch.ones(op.channels, device=dev, dtype=dtype)
        return lambda x: F.batch_norm(x, mean, var, None, None, False)
    if isinstance(op, Pool):
        if op.global_pool:
            return lambda x: F.adaptive_avg_pool2d(x, 1) if op.mode == "avg" else F.adaptive_max_pool2d(x, 1)
        fn = F.avg_pool2d if op.mode == "avg" else F.max_pool2d
        return lambda x: fn(x, (op.kernel_h, op.kernel_w), (op.stride_h, op.stride_w), (op.pad_h, op.pad_w))
    if isinstance(op, Gemm) and op.b_operand == "weight" and op.groups == 1:
        w = torch.randn(op.n, op.k, device=dev, dtype=dtype)
        return lambda x: F.linear(x.reshape(-1, op.k), w)
    if isinstance(op, Elementwise):
        unary = {"relu": F.relu, "relu6": F.relu6, "gelu": F.gelu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
                 "silu": F.silu, "hardswish": F.hardswish}
        if op.op in unary:
            return unary[op.op]
        if op.op in ("add", "mul"):
            def nary(*xs):
                out = xs[0]
                for x in xs[1:]:
                    out = out + x if op.op == "add" else out * x
                return out
            return nary
    raise ConfigError(f"measure gpu cannot run operator {op.name!r} of kind {op.kind!r} with PyTorch.")


def measure_torch(workload: str, *, batch: int = 1, precision: str = "fp32", repeats: int = 20,
                  warmup: int = 5) -> pd.DataFrame:
    """Measure ``workload`` (a zoo name) with PyTorch; see the module docstring for the rows."""
    from hwcodesign.simulator.gpu.model import storage_precision
    from hwcodesign.workloads import load_workload

    torch = _torch()
    if precision not in _PRECISIONS:
        raise ConfigError(f"measure gpu supports {', '.join(_PRECISIONS)}. Got {precision!r}.")
    storage = storage_precision(precision)
    w = load_workload(workload, precision=storage).with_batch(batch)
    cuda = torch.cuda.is_available()
    dev = torch.device("cuda" if cuda else "cpu")
    dtype = getattr(torch, _DTYPES[storage])
    device_name = torch.cuda.get_device_name(0) if cuda else "cpu"
    fns, shapes = {}, {}
    names = w.names()
    for name in names:
        op = w[name]
        fns[name] = _layer_fn(torch, op, dev, dtype)
        shapes[name] = next(t.shape for t in op.operands() if t.role == "input") if any(
            t.role == "input" for t in op.operands()) else op.output.shape

    def run_layer(name, values):
        srcs = w.inputs(name)
        args = [values[s] for s in srcs] or [torch.randn(*shapes[name], device=dev, dtype=dtype)]
        if isinstance(w[name], Elementwise) and len(args) < w[name].num_inputs:
            args += [args[0]] * (w[name].num_inputs - len(args))
        return fns[name](*args[: max(1, getattr(w[name], "num_inputs", 1))])

    def forward():
        values = {}
        for name in names:
            values[name] = run_layer(name, values)
        return values

    def timed(fn) -> float:
        for _ in range(warmup):
            fn()
        if cuda:
            torch.cuda.synchronize()
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(repeats):
                fn()
            end.record()
            torch.cuda.synchronize()
            return start.elapsed_time(end) / repeats
        t0 = time.perf_counter()
        for _ in range(repeats):
            fn()
        return (time.perf_counter() - t0) * 1e3 / repeats

    timer = "cuda_events" if cuda else "cpu_perf_counter"
    base = {"device": device_name, "workload": workload, "batch": batch, "precision": precision, "timer": timer}
    tf32 = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
    try:
        with torch.no_grad():
            values = forward()
            rows = [{**base, "layer": "", "kind": "network", "latency_ms": timed(forward)}]
            for name in names:
                srcs = {s: values[s] for s in w.inputs(name)}
                rows.append({**base, "layer": name, "kind": w[name].kind,
                             "latency_ms": timed(lambda name=name, srcs=srcs: run_layer(name, srcs))})
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = tf32
    return pd.DataFrame(rows)
