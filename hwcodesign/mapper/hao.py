"""HAO-style accelerator configuration as an integer program (PuLP, CBC by default).

After Dong et al., "HAO: Hardware-aware neural architecture optimization for efficient
inference", FCCM 2021: given the work of each layer (or subgraph) and a set of candidate
configurations for each sub-accelerator, choose one configuration per sub-accelerator
so that the latency is minimal and the chosen configurations together fit the resource
limits. The same program covers a NASAIC-style chip (sub-accelerators run in parallel,
each its assigned networks: latency is the max over sub-accelerators) and an FPGA
dataflow design with one engine per subgraph (resources ``dsp``/``bram``/``lut``).

The per-layer latency model is closed form (`latency_cycles`), so the program is exact
with respect to it: with ``x[k, c]`` = 1 when sub-accelerator ``k`` takes candidate
``c``, and ``L[k, c]`` the sum of `latency_cycles` of the demands assigned to ``k``,

- one candidate each: ``sum_c x[k, c] == 1``; candidates whose buffer cannot hold one
  of the sub-accelerator's demands get no variable;
- limits: ``sum_{k, c} use_r(c) * x[k, c] <= limit_r`` for every limited resource ``r``;
- objective ``"max"``: minimise ``T`` with ``T >= sum_c L[k, c] x[k, c]`` for every ``k``;
  ``"sum"``: minimise ``sum_{k, c} L[k, c] x[k, c]``.

The solver runs with a time limit and an absolute gap below one cycle; its status is
checked, and an infeasible problem is a result with a reason, not an exception. Problems
with few combinations are enumerated instead (exact as well, and faster than starting the
solver), which keeps the bound cheap enough to call for every point of a search.

Examples
--------
>>> conv = Demand(name="conv", macs=4096, dram_bytes=512, parallel=(16, 16))
>>> small, big = HAOConfig(rows=4, cols=4, bandwidth_bytes_per_cycle=8), HAOConfig(rows=8, cols=8,
...                                                                                 bandwidth_bytes_per_cycle=8)
>>> latency_cycles(conv, small), latency_cycles(conv, big)  # 4096/16 = 256, 4096/64 = 64 (> 512/8)
(256, 64)
>>> fc = Demand(name="fc", macs=1024, dram_bytes=512, parallel=(16, 16), sub=1)
>>> latency_cycles(fc, small), latency_cycles(fc, big)  # 4 * 4 * 4 = 64; memory-bound 512 / 8 = 64
(64, 64)
>>> result = hao_configure([conv, fc], [[small, big], [small, big]], {"pes": 80})
>>> result.status, result.choice, result.latency_cycles  # one big array fits, two do not: the conv gets it
('optimal', (1, 0), 64)
>>> hao_configure([conv], [[big]], {"pes": 32}).reason
'the smallest candidates already use pes = 64 > 32'
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from numbers import Integral
from typing import Literal

from hwcodesign.core.checks import require_int, require_number
from hwcodesign.core.errors import ConfigError, UnknownNameError
from hwcodesign.core.spec import Spec, spec_field
from hwcodesign.workloads.workload import Workload

__all__ = ["Demand", "HAOConfig", "HAOResult", "latency_cycles", "demands_of", "hao_configure",
           "min_latency_cycles", "RESOURCES", "ENUMERATE_LIMIT"]

Objective = Literal["max", "sum"]
Status = Literal["optimal", "feasible", "infeasible", "no_solution"]

#: Resources every candidate uses; a candidate's ``resources`` dict adds others (``dsp``, ``bram``, ``lut``...).
RESOURCES = ("pes", "buffer_bytes", "bandwidth_bytes_per_cycle")

#: ``method="auto"`` enumerates problems with at most this many combinations instead of starting the solver.
ENUMERATE_LIMIT = 256


@dataclass(frozen=True, kw_only=True)
class Demand:
    """The work of one layer or subgraph, run on sub-accelerator ``sub``.

    A plain validated dataclass rather than a `Spec`: a network makes hundreds of them
    per bound, and the generic field checks would dominate the cost.
    """

    name: str = ""
    #: multiply-accumulates
    macs: int
    #: bytes moved to or from DRAM
    dram_bytes: int = 0
    #: sizes of the two loops unrolled over PE rows and cols; None: no quantisation loss
    parallel: tuple[int, int] | None = None
    #: on-chip bytes the layer needs to run with ``dram_bytes``
    buffer_bytes: int = 0
    #: index of the sub-accelerator that runs it
    sub: int = 0

    def __post_init__(self) -> None:
        for name in ("macs", "dram_bytes", "buffer_bytes", "sub"):
            value = require_int(name, getattr(self, name), low=0, where=f"field of Demand(name={self.name!r})")
            object.__setattr__(self, name, value)
        parallel = self.parallel
        if parallel is not None:
            parallel = tuple(parallel) if isinstance(parallel, list | tuple) else ()
            if len(parallel) != 2 or not all(isinstance(v, Integral) and not isinstance(v, bool) and v >= 1
                                             for v in parallel) or math.prod(parallel) > max(self.macs, 1):
                raise ConfigError(f"The 'parallel' field of Demand(name={self.name!r}) must be None or two ints "
                                  f">= 1 whose product is at most macs={self.macs}. Got {self.parallel!r}.")
            object.__setattr__(self, "parallel", tuple(int(v) for v in parallel))

    def with_sub(self, sub: int) -> Demand:
        """A copy run on sub-accelerator ``sub``."""
        return replace(self, sub=sub)


@dataclass(frozen=True, kw_only=True)
class HAOConfig(Spec):
    """One candidate configuration of a sub-accelerator (or of one FPGA engine)."""

    rows: int = spec_field(ge=1, doc="PE rows (or the first parallelism factor)")
    cols: int = spec_field(default=1, ge=1, doc="PE columns (or the second parallelism factor)")
    buffer_bytes: int = spec_field(default=0, ge=0, doc="on-chip buffer bytes")
    bandwidth_bytes_per_cycle: float = spec_field(gt=0, doc="share of DRAM bandwidth")
    resources: dict[str, float] = spec_field(default_factory=dict, doc="other resources used (dsp, bram, lut...)")

    def __post_init__(self) -> None:
        super().__post_init__()
        for name, amount in self.resources.items():
            if not isinstance(name, str) or name in RESOURCES or isinstance(amount, bool) \
                    or not isinstance(amount, int | float) or not amount >= 0:
                raise ConfigError(f"The 'resources' field of HAOConfig must map names other than "
                                  f"{', '.join(RESOURCES)} to numbers >= 0. Got {name!r}: {amount!r}.")

    def usage(self) -> dict[str, float]:
        """Every resource this candidate uses: `RESOURCES` and the extra ``resources``."""
        return {"pes": self.rows * self.cols, "buffer_bytes": self.buffer_bytes,
                "bandwidth_bytes_per_cycle": self.bandwidth_bytes_per_cycle, **self.resources}


@dataclass(frozen=True)
class HAOResult:
    """The program's answer: the chosen candidate index per sub-accelerator and its latency.

    ``status`` is ``"optimal"`` (proven), ``"feasible"`` (the time limit stopped the solver
    with a solution; ``gap`` unknown), ``"infeasible"`` (``reason`` says which limit) or
    ``"no_solution"`` (the time limit came first). ``latency_cycles`` is recomputed from the
    choice with `latency_cycles`, not read from the solver.
    """

    choice: tuple[int, ...] | None
    latency_cycles: int | None
    status: Status
    gap: float | None
    solve_s: float
    sub_latency_cycles: tuple[int, ...] = ()
    usage: dict[str, float] = field(default_factory=dict)
    reason: str = ""

    @property
    def feasible(self) -> bool:
        """True when a choice was found."""
        return self.choice is not None


def latency_cycles(demand: Demand, config: HAOConfig) -> int | None:
    """Cycles of ``demand`` on ``config``: ``max(compute, memory)``; ``None`` if its buffer is too small.

    compute = ``ceil(p / rows) * ceil(q / cols) * ceil(macs / (p * q))`` for ``parallel = (p, q)``
    (the PE array's quantisation loss), or ``ceil(macs / (rows * cols))`` without ``parallel``;
    memory = ``ceil(dram_bytes / bandwidth_bytes_per_cycle)``.

    Examples
    --------
    >>> cfg = HAOConfig(rows=4, cols=4, bandwidth_bytes_per_cycle=2)
    >>> latency_cycles(Demand(macs=6 * 5 * 10, parallel=(6, 5)), cfg)  # ceil(6/4) * ceil(5/4) * 10
    40
    >>> latency_cycles(Demand(macs=300, dram_bytes=101), cfg)  # memory-bound: ceil(101 / 2)
    51
    """
    if demand.buffer_bytes > config.buffer_bytes:
        return None
    if demand.parallel is None:
        compute = -(-demand.macs // (config.rows * config.cols))
    else:
        p, q = demand.parallel
        compute = -(-p // config.rows) * -(-q // config.cols) * -(-demand.macs // (p * q))
    return max(compute, math.ceil(demand.dram_bytes / config.bandwidth_bytes_per_cycle))


def demands_of(workload: Workload, *, sub: int = 0, quantised: bool = True,
               traffic: Literal["operands", "weights"] = "operands") -> list[Demand]:
    """One `Demand` per operator of ``workload`` that does work under the model, on sub-accelerator ``sub``.

    MAC operators unroll their im2col GEMM's reduction ``k`` over PE rows and its output
    columns ``n`` over PE cols (weight-stationary), ``m * groups`` times in sequence; with
    ``quantised=False`` the compute is the ideal ``macs / PEs``. ``traffic="operands"``
    moves every operand once; ``"weights"`` only the weights (a lower bound for engines that
    keep activations on chip).

    Examples
    --------
    >>> from hwcodesign.workloads import Conv2d, Workload
    >>> w = Workload("one", precision="int8")
    >>> _ = w.add(Conv2d(in_channels=4, out_channels=8, in_h=4, in_w=4, kernel_h=3, kernel_w=3, pad_h=1, pad_w=1))
    >>> d = demands_of(w)[0]
    >>> d.macs, d.parallel, d.dram_bytes  # 16 pixels * 8 filters * 36; bytes 64 + 288 + 128
    (4608, (36, 8), 480)
    """
    if traffic not in ("operands", "weights"):
        raise ConfigError(f"The 'traffic' argument of demands_of must be 'operands' or 'weights'. Got {traffic!r}.")
    out = []
    for op in workload.operators():
        moved = op.bytes(workload.precision, "weight" if traffic == "weights" else None)
        if not op.macs and not moved:
            continue  # no cycles under the model
        view = op.gemm_view()
        parallel = (view.k, view.n) if quantised and view is not None and op.macs else None
        out.append(Demand(name=op.name, macs=op.macs, dram_bytes=moved, parallel=parallel, sub=sub))
    return out


def _check(demands: Sequence[Demand], options: Sequence[Sequence[HAOConfig]], limits: Mapping[str, float],
           objective: str, time_limit_s: float) -> None:
    if not options or not all(options) or not all(isinstance(c, HAOConfig) for opts in options for c in opts):
        raise ConfigError(f"The 'options' argument of hao_configure must be a non-empty list, per sub-accelerator, "
                          f"of non-empty lists of HAOConfig. Got {options!r}.")
    if not all(isinstance(d, Demand) for d in demands):
        raise ConfigError(f"The 'demands' argument of hao_configure must be a sequence of Demand. Got {demands!r}.")
    for d in demands:
        if d.sub >= len(options):
            raise ConfigError(f"The 'sub' field of Demand(name={d.name!r}) must be < {len(options)} (the number of "
                              f"sub-accelerators with options). Got {d.sub}.")
    known = set(RESOURCES).union(*(c.resources for opts in options for c in opts))
    for name, bound in limits.items():
        if name not in known:
            raise UnknownNameError("resource limit", name, known)
        require_number(name, bound, low=0, where="limit")
    if objective not in ("max", "sum"):
        raise ConfigError(f"The 'objective' argument must be 'max' or 'sum'. Got {objective!r}.")
    require_number("time_limit_s", time_limit_s, low=0, low_inclusive=False)


def hao_configure(demands: Sequence[Demand], options: Sequence[Sequence[HAOConfig]], limits: Mapping[str, float],
                  *, objective: Objective = "max", time_limit_s: float = 10.0,
                  method: Literal["auto", "ip", "enumerate"] = "auto") -> HAOResult:
    """Choose one candidate of ``options[k]`` per sub-accelerator ``k`` minimising latency under ``limits``.

    Parameters
    ----------
    demands
        The layers or subgraphs, each with the index ``sub`` of the sub-accelerator that runs it.
    options
        Candidate configurations for each sub-accelerator.
    limits
        Upper bounds on the summed use of resources: any of `RESOURCES` or a key of the
        candidates' ``resources`` (``{"pes": 1024, "bandwidth_bytes_per_cycle": 64}``).
    objective
        ``"max"``: sub-accelerators run in parallel; ``"sum"``: one after another.
    time_limit_s
        Wall-clock limit given to the solver.
    method
        ``"ip"``: the integer program; ``"enumerate"``: every combination (exact, for small
        problems); ``"auto"``: enumerate when there are at most `ENUMERATE_LIMIT`
        combinations (faster than starting the solver), else the program.
    """
    _check(demands, options, limits, objective, time_limit_s)
    if method not in ("auto", "ip", "enumerate"):
        raise ConfigError(f"The 'method' argument must be 'auto', 'ip' or 'enumerate'. Got {method!r}.")
    start = time.perf_counter()
    # L[k][c]: latency of sub-accelerator k's demands under its candidate c (None: a buffer is too small)
    lat: list[list[int | None]] = []
    for k, opts in enumerate(options):
        mine = [d for d in demands if d.sub == k]
        row = []
        for cfg in opts:
            each = [latency_cycles(d, cfg) for d in mine]
            row.append(None if None in each else sum(each))
        lat.append(row)

    def infeasible(reason: str) -> HAOResult:
        return HAOResult(None, None, "infeasible", None, time.perf_counter() - start, reason=reason)

    for k, row in enumerate(lat):
        if all(v is None for v in row):
            need = max(d.buffer_bytes for d in demands if d.sub == k)
            return infeasible(f"sub-accelerator {k}: no candidate buffer holds its demands (needs {need} bytes)")
    for name, bound in limits.items():
        least = sum(min(c.usage().get(name, 0.0) for c, v in zip(opts, row, strict=True) if v is not None)
                    for opts, row in zip(options, lat, strict=True))
        if least > bound:
            return infeasible(f"the smallest candidates already use {name} = {least:g} > {bound:g}")
    combinations = math.prod(sum(v is not None for v in row) for row in lat)
    if method == "enumerate" or (method == "auto" and combinations <= ENUMERATE_LIMIT):
        choice, status = _enumerate(lat, options, limits, objective)
    else:
        choice, status = _solve(lat, options, limits, objective, time_limit_s)
    if status == "infeasible":
        return infeasible("no combination of candidates meets the limits "
                          + ", ".join(f"{n} <= {b:g}" for n, b in limits.items()))
    if choice is None:
        return HAOResult(None, None, "no_solution", None, time.perf_counter() - start,
                         reason=f"the solver found no solution within {time_limit_s:g} s")
    subs = tuple(int(lat[k][c]) for k, c in enumerate(choice))
    return HAOResult(choice, max(subs) if objective == "max" else sum(subs), status,
                     0.0 if status == "optimal" else None, time.perf_counter() - start, subs,
                     _usage([options[k][c] for k, c in enumerate(choice)]))


def _usage(configs: Sequence[HAOConfig]) -> dict[str, float]:
    total: dict[str, float] = {}
    for cfg in configs:
        for name, amount in cfg.usage().items():
            total[name] = total.get(name, 0.0) + amount
    return total


def _enumerate(lat: list[list[int | None]], options: Sequence[Sequence[HAOConfig]], limits: Mapping[str, float],
               objective: str) -> tuple[tuple[int, ...] | None, str]:
    best, best_latency = None, math.inf
    allowed = [[c for c, v in enumerate(row) if v is not None] for row in lat]
    for combo in itertools.product(*allowed):
        subs = [lat[k][c] for k, c in enumerate(combo)]
        total = max(subs) if objective == "max" else sum(subs)
        if total >= best_latency:
            continue
        usage = _usage([options[k][c] for k, c in enumerate(combo)])
        if all(usage.get(name, 0.0) <= bound for name, bound in limits.items()):
            best, best_latency = combo, total
    return best, "optimal" if best is not None else "infeasible"


def _solve(lat: list[list[int | None]], options: Sequence[Sequence[HAOConfig]], limits: Mapping[str, float],
           objective: str, time_limit_s: float) -> tuple[tuple[int, ...] | None, str]:
    import pulp  # imported here: no solver work at import time

    from hwcodesign.mapper.lp import cbc, variable

    prog = pulp.LpProblem("hao", pulp.LpMinimize)
    x = [{c: variable(prog, f"x_{k}_{c}", cat="Binary") for c, v in enumerate(row) if v is not None}
         for k, row in enumerate(lat)]
    for xk in x:
        prog += pulp.lpSum(xk.values()) == 1
    for name, bound in limits.items():
        prog += pulp.lpSum(options[k][c].usage().get(name, 0.0) * v for k, xk in enumerate(x)
                           for c, v in xk.items()) <= bound
    if objective == "max":
        t = variable(prog, "latency", lowBound=0)
        for k, xk in enumerate(x):
            prog += t >= pulp.lpSum(lat[k][c] * v for c, v in xk.items())
        prog += t
    else:
        prog += pulp.lpSum(lat[k][c] * v for k, xk in enumerate(x) for c, v in xk.items())
    prog.solve(cbc(msg=False, timeLimit=time_limit_s, gapAbs=0.5))
    solution = prog.sol_status
    if solution == pulp.LpSolutionInfeasible or pulp.LpStatus[prog.status] == "Infeasible":
        return None, "infeasible"
    if solution not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return None, "no_solution"
    choice = tuple(next(c for c, v in xk.items() if v.value() > 0.5) for xk in x)
    return choice, "optimal" if solution == pulp.LpSolutionOptimal else "feasible"


def min_latency_cycles(workloads: Sequence[Workload], options: Sequence[Sequence[HAOConfig]],
                       limits: Mapping[str, float], *, assignment: Sequence[int] | None = None,
                       objective: Objective = "max", time_limit_s: float = 10.0) -> float:
    """A lower bound on the latency of ``workloads`` on any choice of ``options`` within ``limits``.

    Each workload runs on sub-accelerator ``assignment[i]`` (default: workload ``i`` on
    sub-accelerator ``i``). The bound is the program's optimum with ideal compute (one MAC
    per PE per cycle, no quantisation) and only the weights moved from DRAM, so it holds
    for any engine that runs one layer at a time per sub-accelerator. It is ``math.inf``
    when no choice fits the limits, and ``0.0`` when the solver did not prove optimality
    in time (a bound that prunes nothing). A point whose bound exceeds the latency spec
    can be dropped without simulating it (the ``"hao"`` search strategy).

    Examples
    --------
    >>> from hwcodesign.workloads.zoo import get_workload
    >>> tiny = get_workload("tiny")
    >>> arrays = [HAOConfig(rows=r, cols=r, bandwidth_bytes_per_cycle=16) for r in (4, 8, 16)]
    >>> min_latency_cycles([tiny], [arrays], {"pes": 64}) == min_latency_cycles([tiny], [arrays[1:2]], {})
    True
    """
    if assignment is None:
        if len(workloads) != len(options):
            raise ConfigError(f"min_latency_cycles needs an 'assignment' when the number of workloads "
                              f"({len(workloads)}) differs from the number of sub-accelerators ({len(options)}).")
        assignment = range(len(workloads))
    assignment = list(assignment)
    if len(assignment) != len(workloads):
        raise ConfigError(f"The 'assignment' argument must give one sub-accelerator index per workload "
                          f"({len(workloads)}). Got {assignment!r}.")
    demands = list(itertools.chain.from_iterable(
        demands_of(w, sub=k, quantised=False, traffic="weights") for w, k in zip(workloads, assignment, strict=True)))
    result = hao_configure(demands, options, limits, objective=objective, time_limit_s=time_limit_s)
    if result.status == "infeasible":
        return math.inf
    return float(result.latency_cycles) if result.status == "optimal" else 0.0
