"""CoSA-style tile-factor choice as a mixed-integer linear program (PuLP, CBC by default).

Each loop bound is split into its prime factors; a binary variable puts each prime
factor in one slot: a spatial dimension (if it may unroll that loop) or a memory
level's temporal loops. In the log domain tile sizes are linear in these variables
(Huang et al., "CoSA: scheduling by constrained optimization for spatial
accelerators", ISCA 2021):

- spatial: the log of each spatial dimension's product is at most ``log(size)``;
- capacity: each operand's log footprint at a level is at most the log of its share
  of the buffer (its partition, or the working capacity divided among the operands
  the buffer holds). A sliding-window axis ``p * stride + r`` is bounded by
  ``p * stride * r`` so that the constraint stays linear and conservative;
- objective: use as many PEs as possible (the sum of spatial logs), then keep as much
  of every operand on chip as fits (a small weight on the on-chip tile logs, which
  lowers refetches from DRAM).

Loop orders are not part of the program; the layer mapper tries them afterwards with
the cost model. The solver always runs with a time limit and its status is checked:
a program it cannot solve returns ``None``.

Examples
--------
>>> from hwcodesign.accelerators import get_accelerator
>>> from hwcodesign.workloads.operators import Gemm
>>> from hwcodesign.mapper.problem import problem_of
>>> from hwcodesign.mapper.cost import arch_view
>>> acc = get_accelerator("systolic", rows=4, cols=4, dataflow="ws")
>>> batch = milp_tiling(problem_of(Gemm(m=16, n=8, k=8)), arch_view(acc), time_limit_s=5)
>>> batch.spatial[0].prod(axis=1).tolist()  # all 16 PEs used
[4, 4]
"""

from __future__ import annotations

import math

import numpy as np

from hwcodesign.mapper.cost import ArchView, MappingBatch, allowed_mask, psum_bytes
from hwcodesign.mapper.problem import Problem

__all__ = ["prime_factors", "milp_tiling"]


def prime_factors(n: int) -> list[int]:
    """Prime factors of ``n`` with multiplicity, ascending."""
    out, p = [], 2
    while p * p <= n:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out + ([n] if n > 1 else [])


def milp_tiling(problem: Problem, av: ArchView, *, time_limit_s: float = 10.0,
                reuse_weight: float = 0.05) -> MappingBatch | None:
    """Solve for tile factors; return a batch of one mapping (canonical loop order) or ``None``."""
    import pulp  # imported here: no solver work at import time

    from hwcodesign.mapper.lp import cbc, variable

    levels, dims = len(av.level_names), len(problem.dims)
    spatial_n = len(av.spatial_sizes)
    allowed = allowed_mask(problem, av)
    slots = [("s", j) for j in range(spatial_n)] + [("t", lv) for lv in range(levels)]
    prog = pulp.LpProblem("cosa_tiling", pulp.LpMinimize)
    x: dict[tuple[int, int, int], pulp.LpVariable] = {}
    logs: dict[tuple[int, int], float] = {}
    for d in range(dims):
        for i, p in enumerate(prime_factors(problem.bounds[d])):
            logs[(d, i)] = math.log(p)
            options = [k for k, (kind, j) in enumerate(slots) if kind == "t" or allowed[j, d]]
            for k in options:
                x[(d, i, k)] = variable(prog, f"x_{d}_{i}_{k}", cat="Binary")
            prog += pulp.lpSum(x[(d, i, k)] for k in options) == 1
    def log_in(d: int, ks: list[int]) -> pulp.LpAffineExpression:
        return pulp.lpSum(logs[(dd, i)] * v for (dd, i, k), v in x.items() if dd == d and k in ks)

    for j in range(spatial_n):
        prog += pulp.lpSum(log_in(d, [j]) for d in range(dims)) <= math.log(av.spatial_sizes[j])
    onchip_logs = []
    for lv in range(levels - 1):
        inside = [k for k, (kind, j) in enumerate(slots)
                  if (kind == "t" and j <= lv) or (kind == "s" and av.spatial_above[j] <= lv)]
        for bname, _, operand, capacity in av.constraints:
            buffer = av.acc.buffer(bname)
            if buffer.level_name != av.level_names[lv]:
                continue
            held = buffer.operands if operand is None else (operand,)
            share = capacity / (len(held) if operand is None else 1)
            for o in held:
                view = problem.operand(o)
                # an output tile on chip may hold partial sums: size it at the accumulator width
                word = psum_bytes(problem, av.acc) if view.is_output else problem.elem_bytes
                expr = pulp.lpSum(math.log(c) + log_in(d, inside) for axis in view.axes for d, c in axis)
                prog += expr <= math.log(max(share / word, 1))
                onchip_logs.append(expr)
    parallel = pulp.lpSum(log_in(d, list(range(spatial_n))) for d in range(dims))
    prog += -parallel - reuse_weight * pulp.lpSum(onchip_logs)
    status = prog.solve(cbc(msg=False, timeLimit=time_limit_s))
    if pulp.LpStatus[status] != "Optimal":
        return None
    temporal = np.ones((1, levels, dims), dtype=np.int64)
    spatial = np.ones((1, spatial_n, dims), dtype=np.int64)
    for (d, i, k), v in x.items():
        if v.value() is not None and v.value() > 0.5:
            kind, j = slots[k]
            target = spatial if kind == "s" else temporal
            target[0, j, d] *= round(math.exp(logs[(d, i)]))
    orders = np.broadcast_to(np.arange(dims)[::-1], (1, levels, dims)).copy()
    return MappingBatch(temporal, spatial, orders)
