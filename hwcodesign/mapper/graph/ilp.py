"""The COSMA-style ILP: operator order, scratchpad offsets, spills and reloads, solved together.

Time steps ``t = 0..n-1`` run one operator each (see ``docs/graph_mapper.md`` for the
full formulation). Variables:

* ``x[o,t]`` operator ``o`` runs at step ``t`` (constants in ``fixed`` mode), within the
  window its ancestors and descendants leave; one operator per step, each once, every
  operator after the operators it reads;
* per intermediate tensor ``i`` and step of its possible lifetime: created ``c`` (its
  producer's ``x``), preserved ``k`` (kept from the step before, offset unchanged),
  retrieved ``l`` (reloaded from DRAM, at any offset); resident ``r = c + k + l <= 1``;
  ``k[t] <= r[t-1]``; spilled ``s[i]`` (stored once) with ``l <= s``; a reader's step
  needs ``r = 1``;
* offsets ``a[i,t]`` (continuous, made integer afterwards by `compact`), equal across
  a preserved step; weights, network inputs and network outputs (resident at one step)
  have one offset each;
* for each pair of tensors that can be resident at the same step (only those), an order
  binary and two big-M no-overlap constraints active when both are resident;
  capacity per step.

Objective: bytes spilled plus bytes retrieved. With CBC every solve starts from an
incumbent, the cheapest baseline (allocator x replacement) over the window in its
given order (`hwcodesign.mapper.graph.baselines.simulate`), so it always has a plan and
never returns a worse one (HiGHS starts cold). Modes: ``free`` (order chosen too),
``fixed`` (the given order), ``min_peak`` (no spills; minimise the scratchpad size the
layout needs). PuLP with CBC by default, HiGHS (``solver='highs'``, needs ``highspy``);
always a time limit; the status is checked: a proven optimum is ``optimal``, an incumbent
at the time limit ``feasible`` with its gap, no plan ``infeasible`` or ``not_solved``.

Examples
--------
>>> from hwcodesign.mapper.graph.problem import GraphProblem
>>> p = GraphProblem.from_edges("skip", [("a", 8, (), 0, 8), ("b", 8, ("a",), 0, 0), ("c", 8, ("b",), 0, 0),
...                                      ("d", 1, ("a", "c"), 0, 0)])
>>> plan = plan_ilp(p, 17, time_limit_s=10)
>>> plan.status, plan.non_compulsory_bytes  # 'a' spilled once and reloaded once, as Belady does
('optimal', 16)
>>> plan_ilp(p, 24, time_limit_s=10).non_compulsory_bytes
0
"""

from __future__ import annotations

import math
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from hwcodesign.core.checks import require_number
from hwcodesign.core.errors import ConfigError
from hwcodesign.mapper.graph.baselines import simulate
from hwcodesign.mapper.graph.plan import Placement, Plan, Spill, compact, non_compulsory_bytes, unfit_plan
from hwcodesign.mapper.graph.problem import GraphProblem

__all__ = ["plan_ilp", "solve_window", "plan_from_runs", "Window", "WindowResult", "MODES", "SOLVERS", "Mode", "Solver"]

Mode = Literal["free", "fixed", "min_peak"]
MODES = ("free", "fixed", "min_peak")
Solver = Literal["cbc", "highs"]
SOLVERS = ("cbc", "highs")


@dataclass
class Window:
    """A run of consecutive steps to solve: the operators, and the state of tensors carried in and out.

    ``carry_in`` maps a tensor made before the window to its offset if resident at the
    window's start (None if only in DRAM); ``stored`` are the tensors already in DRAM;
    ``needed_after`` are tensors read after the window (each must end resident or
    stored, and ending in DRAM costs one reload, charged here).
    """

    ops: tuple[str, ...]
    fixed: bool
    carry_in: dict[str, int | None] = field(default_factory=dict)
    stored: frozenset[str] = frozenset()
    needed_after: frozenset[str] = frozenset()


@dataclass
class WindowResult:
    """What one window solve returns: order, per-tensor residency runs, spills, status."""

    order: tuple[str, ...]
    runs: list[tuple[str, int, int, float]]  # (tensor, first step, last step, offset) within the window
    spilled: set[str]
    status: str
    gap: float | None
    objective: float | None
    peak: float | None = None
    reason: str = ""
    kept_in: set[str] = field(default_factory=set)  # carried-in tensors kept at their offset (not reloaded)


def _solver(name: str, time_limit_s: float, log: Path, *, warm: bool) -> Any:
    import pulp

    from hwcodesign.mapper.lp import cbc

    if name == "cbc":
        return cbc(timeLimit=time_limit_s, msg=False, logPath=str(log), warmStart=warm)
    if name == "highs":
        try:
            import highspy  # noqa: F401
        except ImportError as exc:
            raise ConfigError("The 'solver' 'highs' needs the highspy package (pip install hwcodesign[highs]).") \
                from exc
        return pulp.HiGHS(timeLimit=time_limit_s, msg=False)
    raise ConfigError(f"The 'solver' must be one of {', '.join(map(repr, SOLVERS))}. Got {name!r}.")


def _highs_bound(engine: Any) -> float | None:
    """HiGHS's best bound on the objective (its dual bound), if it reports one."""
    try:
        return float(engine.solverModel.getInfo().mip_dual_bound)
    except (AttributeError, TypeError, ValueError):
        return None


def _cbc_bound(log: Path) -> float | None:
    try:
        text = log.read_text()
    except OSError:
        return None
    found = re.findall(r"Lower bound:\s*(-?[\d.eE+-]+)", text)
    return float(found[-1]) if found else None


def _warm_start(problem: GraphProblem, budget: int, window: Window, x: dict, k: dict, ld: dict, spill: dict,
                a: dict, b: dict, pair_var: dict, pair_at: dict, singles: dict) -> None:
    """Give the solver an incumbent: the best baseline over the window in its given order.

    `simulate` runs each allocator x replacement from the window's carried-in state; the
    values set here are the plan of the cheapest, so the solver never returns a plan
    worse than the baselines find for the window.
    """
    at = {op: i for i, op in enumerate(window.ops)}
    sizes = problem.sizes
    last = len(window.ops) - 1

    def cost(run: tuple) -> int:  # the window objective of a baseline run
        placements, spills, kept_in = run
        loads = [p.tensor for p in placements if p.tensor in sizes and p.tensor in problem.readers
                 and at.get(p.tensor) != p.start and not (p.start == 0 and p.tensor in kept_in)]
        spilled = {s.tensor for s in spills} | (set(loads) - set(window.stored))
        left = [t for t in window.needed_after if not any(p.tensor == t and p.end == last for p in placements)]
        return sum(sizes[t] for t in loads) + sum(sizes[t] for t in spilled) + sum(sizes[t] for t in left)

    runs = [simulate(problem, window.ops, budget, allocator=al, replacement=rp, carry_in=window.carry_in,
                     stored=window.stored, needed_after=window.needed_after)
            for al in ("best_fit", "linear") for rp in ("belady", "lru")]
    placements, spills, kept_in = min(runs, key=cost)
    offset: dict[tuple[str, int], int] = {}
    keep: set[tuple[str, int]] = set()
    loads: set[tuple[str, int]] = set()
    for p in placements:
        for t in range(p.start, p.end + 1):
            offset[p.tensor, t] = p.offset_bytes
            if t > p.start or (t == 0 and p.tensor in kept_in):
                keep.add((p.tensor, t))
        if at.get(p.tensor) != p.start and not (p.start == 0 and p.tensor in kept_in):
            loads.add((p.tensor, p.start))
    for (op, t), var in x.items():
        if not isinstance(var, int):
            var.setInitialValue(1 if at[op] == t else 0)
    for key, var in k.items():
        var.setInitialValue(1 if key in keep else 0)
    for key, var in ld.items():
        var.setInitialValue(1 if key in loads else 0)
    spilled = {s.tensor for s in spills} | {t for t, _ in loads if t in spill}
    for tensor, var in spill.items():
        var.setInitialValue(1 if tensor in spilled else 0)
    for key, var in a.items():
        var.setInitialValue(offset.get(key, 0))
    for name, var in b.items():
        var.setInitialValue(offset[name, at[singles[name]]])
    for key, var in pair_var.items():
        u, v, t = pair_at[key]
        if len(key) == 2:  # one-step tensors of one operator: compare at its step
            t = at[singles[u]]
        both = (u, t) in offset and (v, t) in offset
        var.setInitialValue(1 if both and offset[u, t] < offset[v, t] else 0)


def solve_window(problem: GraphProblem, budget_bytes: int, window: Window, *, mode: Mode = "free",
                 solver: Solver = "cbc", time_limit_s: float = 60.0) -> WindowResult:
    """Solve the ILP over ``window`` (see the module docstring); offsets are not yet integer."""
    import pulp

    from hwcodesign.mapper.lp import variable

    began = time.perf_counter()
    ops = list(window.ops)
    n = len(ops)
    sizes = problem.sizes
    pos_in = {op: i for i, op in enumerate(ops)}
    readers = problem.readers
    B = budget_bytes
    if mode == "min_peak":
        B = sum(sizes[t] for op in ops for t in (op, *problem.transient_of[op])) + sum(
            sizes[t] for t in window.carry_in)
    # step windows of each operator
    if window.fixed or mode == "fixed":
        lo_op = {op: i for i, op in enumerate(ops)}
        hi_op = dict(lo_op)
    else:
        anc: dict[str, set[str]] = {}
        for op in ops:
            anc[op] = set()
            for s in problem.inputs[op]:
                if s in pos_in:
                    anc[op] |= anc[s] | {s}
        desc = {op: 0 for op in ops}
        for op in ops:
            for a in anc[op]:
                desc[a] += 1
        lo_op = {op: len(anc[op]) for op in ops}
        hi_op = {op: n - 1 - desc[op] for op in ops}
    prob = pulp.LpProblem("cosma", pulp.LpMinimize)
    x: dict[tuple[str, int], Any] = {}
    for op in ops:
        for t in range(lo_op[op], hi_op[op] + 1):
            x[op, t] = 1 if lo_op[op] == hi_op[op] else variable(prob, f"x_{pos_in[op]}_{t}", cat="Binary")
    if not (window.fixed or mode == "fixed"):
        for op in ops:
            prob += pulp.lpSum(x[op, t] for t in range(lo_op[op], hi_op[op] + 1)) == 1
        for t in range(n):
            prob += pulp.lpSum(x[op, t] for op in ops if (op, t) in x) == 1
        for op in ops:
            for s in problem.inputs[op]:
                if s in pos_in:
                    prob += (pulp.lpSum(t * x[s, t] for t in range(lo_op[s], hi_op[s] + 1)) + 1
                             <= pulp.lpSum(t * x[op, t] for t in range(lo_op[op], hi_op[op] + 1)))

    def xs(op: str, t: int) -> Any:
        return x.get((op, t), 0)

    # managed tensors: intermediates made in the window or carried in
    managed: dict[str, tuple[int, int]] = {}
    for tensor in window.carry_in:
        last = max((hi_op[r] for r in readers.get(tensor, ()) if r in pos_in), default=-1)
        managed[tensor] = (0, n - 1 if tensor in window.needed_after else last)
    for op in ops:
        if op in readers:
            in_window = [r for r in readers[op] if r in pos_in]
            later = op in window.needed_after
            last = n - 1 if later else max(hi_op[r] for r in in_window)
            managed[op] = (lo_op[op], last)
    r: dict[tuple[str, int], Any] = {}
    k: dict[tuple[str, int], Any] = {}
    ld: dict[tuple[str, int], Any] = {}
    a: dict[tuple[str, int], Any] = {}
    spill: dict[str, Any] = {}
    cost = []
    for j, (tensor, (lo, hi)) in enumerate(managed.items()):
        carried = tensor in window.carry_in
        stored = tensor in window.stored
        if hi < lo:
            continue
        if not stored and mode != "min_peak":
            spill[tensor] = variable(prob, f"s_{j}", cat="Binary")
            cost.append(sizes[tensor] * spill[tensor])
        st = 1 if stored else spill.get(tensor, 0)
        for t in range(lo, hi + 1):
            created = 0 if carried else xs(tensor, t)
            terms = [created]
            if t > lo or (carried and window.carry_in[tensor] is not None):
                k[tensor, t] = variable(prob, f"k_{j}_{t}", cat="Binary")
                terms.append(k[tensor, t])
                if t > lo:
                    prob += k[tensor, t] <= r[tensor, t - 1]
            can_load = mode != "min_peak" and (stored or carried or t > lo) and (stored or tensor in spill)
            if can_load:
                ld[tensor, t] = variable(prob, f"l_{j}_{t}", cat="Binary")
                terms.append(ld[tensor, t])
                cost.append(sizes[tensor] * ld[tensor, t])
                if not stored:
                    prob += ld[tensor, t] <= st
                if not carried:
                    prob += ld[tensor, t] <= pulp.lpSum(xs(tensor, u) for u in range(lo, t))
            r[tensor, t] = pulp.lpSum(terms)
            prob += r[tensor, t] <= 1
            a[tensor, t] = variable(prob, f"a_{j}_{t}", 0, max(0, B - sizes[tensor]))
            if (tensor, t) in k:
                prev = a[tensor, t - 1] if t > lo else window.carry_in[tensor]
                prob += a[tensor, t] - prev <= B * (1 - k[tensor, t])
                prob += prev - a[tensor, t] <= B * (1 - k[tensor, t])
        for rd in readers.get(tensor, ()):
            if rd in pos_in:
                for t in range(lo_op[rd], hi_op[rd] + 1):
                    prob += xs(rd, t) <= r[tensor, t]
        if tensor in window.needed_after:
            prob += r[tensor, hi] + st >= 1
            if mode != "min_peak":
                cost.append(sizes[tensor] * (1 - r[tensor, hi]))
            else:
                prob += r[tensor, hi] >= 1
    # one-step objects: weights and network inputs of an operator, network outputs
    singles: dict[str, str] = {}
    for op in ops:
        for tensor in problem.transient_of[op]:
            singles[tensor] = op
        if op not in readers:
            singles[op] = op
    b = {s: variable(prob, f"b_{i}", 0, max(0, B - sizes[s])) for i, s in enumerate(singles)}
    peak = variable(prob, "peak", 0, B) if mode == "min_peak" else None
    top = peak if peak is not None else B
    # objects per step: (name, resident expression, offset variable)
    at_step: list[list[tuple[str, Any, Any]]] = [[] for _ in range(n)]
    for (tensor, t), expr in r.items():
        at_step[t].append((tensor, expr, a[tensor, t]))
    for s, op in singles.items():
        for t in range(lo_op[op], hi_op[op] + 1):
            at_step[t].append((s, xs(op, t), b[s]))
    pair_var: dict[tuple, Any] = {}
    pair_at: dict[tuple, tuple[str, str, int]] = {}
    count = 0
    for t in range(n):
        objs = at_step[t]
        prob += pulp.lpSum(sizes[o] * e for o, e, _ in objs) <= top
        if peak is not None:
            for o, e, v in objs:
                prob += v + sizes[o] <= peak + B * (1 - e) if not isinstance(e, int) else v + sizes[o] <= peak
        for i in range(len(objs)):
            for j2 in range(i + 1, len(objs)):
                (u, eu, au), (v, ev, av) = objs[i], objs[j2]
                if sizes[u] == 0 or sizes[v] == 0:
                    continue
                su, sv = singles.get(u), singles.get(v)
                if su is not None and sv is not None and su != sv:
                    continue  # one-step objects of different operators never meet
                same_op_singles = su is not None and su == sv
                key = (u, v) if same_op_singles else (u, v, t)
                if key not in pair_var:
                    count += 1
                    pair_var[key] = variable(prob, f"y_{count}", cat="Binary")
                    pair_at[key] = (u, v, t)
                elif same_op_singles:
                    continue
                y = pair_var[key]
                slack = 0 if same_op_singles else B * (2 - eu - ev)
                prob += au + sizes[u] <= av + B * (1 - y) + slack
                prob += av + sizes[v] <= au + B * y + slack
    if mode == "min_peak":
        prob += peak
    else:
        prob += pulp.lpSum(cost)
    start: dict[Any, float] = {}
    if mode != "min_peak":
        _warm_start(problem, budget_bytes, window, x, k, ld, spill, a, b, pair_var, pair_at, singles)
        start = {v: v.varValue for v in prob.variables()}
    left = max(1.0, time_limit_s - (time.perf_counter() - began))  # building the model counts against the limit
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "cbc.log"
        engine = _solver(solver, left, log, warm=bool(start))
        crash = ""
        try:
            prob.solve(engine)
        except pulp.PulpSolverError as exc:  # the solver process died or wrote no solution
            crash = str(exc).split(",")[0]
        bound = _cbc_bound(log) if solver == "cbc" else _highs_bound(engine)
    sol = prob.sol_status  # 1 optimal, 2 feasible (stopped), 0 not solved, -1 infeasible, -2 unbounded
    note = ""
    solved = (not crash and sol in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
              and prob.status == pulp.LpStatusOptimal)
    if not solved and start:
        # CBC stopped (at the time limit, possibly reporting "infeasible") before accepting the warm start,
        # or failed: the warm start is a valid plan, so it is the incumbent.
        for v, value in start.items():
            v.varValue = value
        sol, bound = pulp.LpSolutionIntegerFeasible, None
        note = (f"the solver failed ({crash}); the warm start is returned" if crash else
                f"the solver improved nothing within {time_limit_s:.3g} s; the warm start is returned")
    elif crash:
        return WindowResult((), [], set(), "not_solved", None, None, reason=f"the solver failed: {crash}")
    if not note and (sol == pulp.LpSolutionInfeasible or prob.status == pulp.LpStatusInfeasible):
        return WindowResult((), [], set(), "infeasible", None, None,
                            reason=f"no plan fits {budget_bytes} bytes (the solver proved the ILP infeasible)")
    if sol not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return WindowResult((), [], set(), "not_solved", None, None,
                            reason=f"the solver found no plan within {time_limit_s} s")
    val = pulp.value
    order = [None] * n
    for (op, t), var in x.items():
        if (var if isinstance(var, int) else val(var) or 0) > 0.5:
            order[t] = op
    runs: list[tuple[str, int, int, float]] = []
    for tensor, (lo, hi) in managed.items():
        cur: list | None = None
        for t in range(lo, hi + 1):
            if (tensor, t) not in r:
                continue
            res = val(r[tensor, t]) or 0
            kept = (tensor, t) in k and (val(k[tensor, t]) or 0) > 0.5
            if res > 0.5 and kept and cur is not None:
                cur[2] = t
            else:
                if cur is not None:
                    runs.append(tuple(cur))
                # clamped to the offset's bounds: the solver's values carry its tolerance
                cur = [tensor, t, t, min(max(val(a[tensor, t]) or 0.0, 0.0), max(0, B - sizes[tensor]))] \
                    if res > 0.5 else None
                if res > 0.5 and kept:  # carried in resident at its given offset
                    cur[3] = window.carry_in[tensor]
        if cur is not None:
            runs.append(tuple(cur))
    for s, op in singles.items():
        runs.append((s, order.index(op), order.index(op), min(max(val(b[s]) or 0.0, 0.0), max(0, B - sizes[s]))))
    spilled = {t for t, v in spill.items() if (val(v) or 0) > 0.5}
    kept_in = {t for t in window.carry_in if (t, 0) in k and (val(k[t, 0]) or 0) > 0.5}
    objective = val(prob.objective)
    status = "optimal" if sol == pulp.LpSolutionOptimal else "feasible"
    gap = None
    if status == "feasible" and bound is not None and objective:
        gap = max(0.0, (objective - bound) / abs(objective))
    return WindowResult(tuple(order), runs, spilled, status, gap, objective,
                        peak=val(peak) if peak is not None else None, kept_in=kept_in, reason=note)


def plan_from_runs(problem: GraphProblem, budget_bytes: int, order: Sequence[str],
                   runs: Sequence[tuple[str, int, int, float]], *, method: str, status: str, solve_s: float,
                   gap: float | None) -> Plan:
    """A `Plan` from residency runs ``(tensor, first step, last step, offset)`` of the whole order.

    Offsets are made integer by `compact`; each reloaded tensor is spilled at the end of
    its last run before its first reload.
    """
    sizes = problem.sizes
    step_of = {op: i for i, op in enumerate(order)}
    placements = compact([Placement(t, s, e, o) for t, s, e, o in runs], sizes)
    spills = []
    by_tensor: dict[str, list[Placement]] = {}
    for p in placements:
        by_tensor.setdefault(p.tensor, []).append(p)
    for tensor, pls in by_tensor.items():
        if tensor not in step_of:
            continue
        pls.sort(key=lambda p: p.start)
        if len(pls) > 1 or pls[0].start != step_of[tensor]:
            first_reload = next(p for p in pls if p.start != step_of[tensor])
            before = [p for p in pls if p.end < first_reload.start]
            spills.append(Spill(tensor, before[-1].end))
    placements = tuple(sorted(placements, key=lambda p: (p.start, p.offset_bytes, p.tensor)))
    spills.sort(key=lambda s: (s.step, s.tensor))
    return Plan(workload=problem.name, method=method, budget_bytes=budget_bytes, order=tuple(order),
                placements=placements, spills=tuple(spills), status=status, solve_s=solve_s,
                compulsory_bytes=problem.compulsory_bytes,
                non_compulsory_bytes=non_compulsory_bytes(sizes, step_of, placements, spills), gap=gap)


def plan_ilp(problem: GraphProblem, budget_bytes: int | None = None, *, mode: Mode = "free",
             order: Sequence[str] | None = None, solver: Solver = "cbc", time_limit_s: float = 60.0) -> Plan:
    """Solve the whole graph as one ILP (see the module docstring); ``order`` is required in ``fixed`` mode.

    ``budget_bytes`` is ignored in ``min_peak`` mode, whose plan's budget is the peak found.
    """
    if mode not in MODES:
        raise ConfigError(f"The 'mode' must be one of {', '.join(map(repr, MODES))}. Got {mode!r}.")
    require_number("time_limit_s", time_limit_s, low=0, low_inclusive=False)
    if mode == "fixed":
        if order is None:
            raise ConfigError("The 'order' argument is required in 'fixed' mode.")
        ops = problem.check_order(order)
    else:
        ops = problem.order
    if mode != "min_peak" and budget_bytes is None:
        raise ConfigError("The 'budget_bytes' argument is required in the 'free' and 'fixed' modes.")
    began = time.perf_counter()
    method = f"ilp/{mode}"
    budget = budget_bytes if mode != "min_peak" else 0
    unfit = unfit_plan(problem, method, budget, ops, began) if mode != "min_peak" else None
    if unfit is not None:
        return unfit
    res = solve_window(problem, budget, Window(tuple(ops), fixed=mode == "fixed"), mode=mode, solver=solver,
                       time_limit_s=time_limit_s)
    elapsed = time.perf_counter() - began
    if res.status not in ("optimal", "feasible"):
        return Plan(workload=problem.name, method=method, budget_bytes=budget, order=tuple(ops), placements=(),
                    spills=(), status=res.status, solve_s=elapsed, compulsory_bytes=problem.compulsory_bytes,
                    non_compulsory_bytes=None, reason=res.reason)
    if mode == "min_peak":
        budget = math.ceil(res.peak - 1e-6)
    plan = plan_from_runs(problem, budget, res.order, res.runs, method=method, status=res.status,
                          solve_s=elapsed, gap=res.gap)
    return replace(plan, reason=res.reason)
