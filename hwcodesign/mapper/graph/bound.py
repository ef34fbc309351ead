"""A lower bound on the non-compulsory bytes of every plan for a budget: what no order or layout can avoid.

The bound relaxes the planning problem in two ways: offsets are ignored (only the sum
of resident sizes must fit, so fragmentation costs nothing) and the order is left open
by using only what holds in *every* topological order. A tensor ``i`` is *forced live*
at operator ``o`` when one of its uses (its producer or a reader) is an ancestor of
``o`` and one of its readers a descendant: in every order it has been made and is
still to be read when ``o`` runs. If ``o`` does not read it, it may be evicted there,
but then it is stored once and reloaded at least once: ``2 x size`` bytes. At ``o``'s
step the resident bytes are at least ``footprint(o)`` plus the forced-live tensors kept,
so the forced-live tensors evicted there must total at least
``excess(o) = footprint(o) + sum(forced live) - budget``. *Crossing paths* raise the
excess: on a path of tensors from an ancestor of ``o`` through operators unordered with
``o`` to a descendant, one tensor is live when ``o`` runs (the one whose next reader on
the path has not run), so the smallest one of each path (disjoint paths) adds to it.

*Pairs*: for two operators ``a`` and ``b`` that no path orders, every order runs one
of them first. If ``a`` runs first, ``b`` and its descendants run after ``a`` and ``a``
and its ancestors before ``b``, so more paths cross each of them (a dead branch, an
output nobody reads, then holds a tensor of the main chain live when it runs, or the
other way round). An order variable per pair charges those extra paths to the rows of
the order it picks.

The bound is the optimum of the covering ILP: choose which tensors are ever evicted
(``z_i``) so that every operator's excess is covered, at ``size_i`` per store and per
reload. When a tensor's uses form a chain (each an ancestor of the next), the gaps
between consecutive uses are the same in every order; an operator that falls in one
gap in every order charges that gap, and each gap evicted in costs its own reload
(``size_i (z_i + sum_j g_ij)``). Every valid plan gives a solution of this ILP of at
most its own traffic, so the optimum (or, when the solver stops early, the LP
relaxation's optimum) is a lower bound.

*Blocks*: a sequence point (an operator every other one precedes or follows) splits
every order the same way; the runs between sequence points that no tensor outlives
are independent, so their bounds add up. For a block with few orders (at most
`MAX_BLOCK_ORDERS`), every order is tried with the sizes-only ILP of
`hwcodesign.mapper.graph.relaxed.evictions` solved to optimality; the least is the
block's bound if above its covering ILP's. This sees what a single operator cannot:
in a residual block with a downsampling branch, whichever branch runs first, the
other's input or output is live across it.

Last, an order-free bound: below the minimum peak (`PeakOrder.bound_bytes`) some step
must evict at least ``peak - budget`` bytes, which cost twice that.
`traffic_lower_bound` returns the larger of the two totals.

For a graph whose order is unique (a chain with skip connections: DenseNet,
Transformer, ViT as the zoo builds them) the forced-live tensors are the live ones and
the ILP is the exact optimum without fragmentation.

Examples
--------
>>> from hwcodesign.mapper.graph.problem import GraphProblem
>>> p = GraphProblem.from_edges("skip", [("a", 8, (), 0, 8), ("b", 8, ("a",), 0, 0), ("c", 8, ("b",), 0, 0),
...                                      ("d", 1, ("a", "c"), 0, 0)])
>>> b = traffic_lower_bound(p, 17)  # at c's step a (8) + b (8) + c (8) > 17: 'a' is stored and reloaded
>>> b.bound_bytes, b.proven
(16, True)
>>> traffic_lower_bound(p, 24).bound_bytes
0
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from hwcodesign.core.checks import require_int
from hwcodesign.core.errors import ConfigError
from hwcodesign.mapper.graph.problem import GraphProblem

__all__ = ["TrafficBound", "traffic_lower_bound", "MAX_BLOCK_ORDERS"]


@dataclass(frozen=True)
class TrafficBound:
    """A lower bound on the non-compulsory bytes of any plan within ``budget_bytes``.

    ``bound_bytes`` is the larger of the sum over blocks (each block's covering ILP or,
    where larger, its least traffic over all its orders) and ``peak_bytes`` (twice the
    bytes below the minimum peak); ``cover_bytes`` is the covering ILP's part alone;
    ``proven`` says every covering ILP was solved to optimality (else its LP relaxation
    is used);
    ``squeezed_ops`` counts the operators whose forced-live tensors exceed the budget.
    """

    budget_bytes: int
    bound_bytes: int
    cover_bytes: int
    peak_bytes: int
    proven: bool
    squeezed_ops: int
    solve_s: float


def _relatives(problem: GraphProblem) -> tuple[dict[str, int], list[int], list[int]]:
    """Operator index, ancestor and descendant bitsets (over ``problem.order``)."""
    index = {op: i for i, op in enumerate(problem.order)}
    n = len(index)
    anc = [0] * n
    for i, op in enumerate(problem.order):
        for src in problem.inputs[op]:
            anc[i] |= anc[index[src]] | 1 << index[src]
    desc = [0] * n
    for i in reversed(range(n)):
        for src in problem.inputs[problem.order[i]]:
            desc[index[src]] |= desc[i] | 1 << i
    return index, anc, desc


def _crossing_paths(readers: dict[str, tuple[str, ...]], i: int, index: dict[str, int], before: int, after: int,
                    starts: list[str], taken: set[str]) -> list[list[str]]:
    """Disjoint paths of tensors from an operator run before operator ``i`` through others to one run after it.

    ``before`` and ``after`` are bitsets of operators that run before and after ``i`` (in
    every order considered: its ancestors and descendants, or more when the order of a
    pair is fixed). When ``i`` runs, one tensor of each path is made and not yet read by
    the next operator of the path, so it is live. The paths begin at ``starts`` (outputs
    of operators run before), avoid ``taken`` (the forced-live tensors and the paths
    already counted) and each other; they are found greedily, depth first.
    """
    used = set(taken)
    paths = []
    for t in starts:
        if t in used:
            continue
        stack = [[t]]
        while stack:
            path = stack.pop()
            nxt = [r for r in readers.get(path[-1], ()) if r not in used]
            if any(after >> index[r] & 1 for r in nxt):
                paths.append(path)
                used.update(path)
                break
            for r in nxt:
                j = index[r]
                if r in readers and j != i and not (before >> j & 1 or after >> j & 1):
                    used.add(r)  # each operator is tried on one path only, so the paths stay disjoint
                    stack.append(path + [r])
    return paths


def _pair_rows(near: dict[int, tuple[int, set[str], list, list[str]]], readers: dict[str, tuple[str, ...]],
               index: dict[str, int], anc: list[int], desc: list[int], sizes: dict[str, int],
               deadline: float) -> list[tuple]:
    """Rows for pairs of unordered operators ``a``, ``b``: each order of the pair adds paths crossing both.

    When ``a`` runs before ``b``, ``b`` and its descendants run after ``a``, and ``a`` and
    its ancestors before ``b``: more paths of tensors cross each of them (those ending at
    ``b``'s side, those starting from ``a``'s). ``near`` holds, per operator that may be
    squeezed, its excess, the tensors already counted (forced live or on a path), its
    cover and the tensors that may be live when it runs (made by an operator not after
    it, not read by it, read by one not before it). Each pair gets an order variable; a
    row is (operator, excess, cover, (key, extra bytes, True: charged when ``a`` runs
    first, False: when ``b`` does)). Pairs not reached by ``deadline`` (a
    `time.perf_counter` value) get no rows: fewer rows only weaken the bound.
    """
    out = []
    ops = sorted(near)
    for k, a in enumerate(ops):
        if time.perf_counter() > deadline:
            break
        for b in ops[k + 1:]:
            if anc[b] >> a & 1:
                continue
            rows = []
            for first, (x, y) in ((True, (a, b)), (False, (b, a))):
                # x runs before y: x gains y's side after it, y gains x's side before it
                for i, before, after in ((x, anc[x], desc[x] | desc[y] | 1 << y), (y, anc[y] | anc[x] | 1 << x, desc[y])):
                    excess, taken, cover, maybe = near[i]
                    starts = [t for t in maybe if before >> index[t] & 1 and t not in taken
                              and any(not before >> index[r] & 1 for r in readers[t])]
                    if excess + sum(sizes[t] for t in starts) <= 0:  # each path adds at most its first tensor
                        continue
                    paths = _crossing_paths(readers, i, index, before, after, starts, taken)
                    extra = sum(min(sizes[t] for t in path) for path in paths)
                    if excess + extra > 0:
                        rows.append((i, excess, cover + [(t, None) for path in paths for t in path],
                                     ((a, b), extra, first)))
                if not rows:  # the first order of the pair squeezes nothing: the pair adds nothing
                    break
            if len({row[3][2] for row in rows}) == 2:  # both orders of the pair squeeze some operator
                out += rows
    return out


def traffic_lower_bound(problem: GraphProblem, budget_bytes: int, *, time_limit_s: float = 30.0) -> TrafficBound:
    """A lower bound on the non-compulsory bytes of every plan for ``problem`` in ``budget_bytes``.

    See the module docstring. ``budget_bytes`` must be at least the largest operator
    footprint (below it no plan exists). The covering ILPs are solved with CBC within
    ``time_limit_s`` (when that is not enough, their LP relaxations give the bound); the
    pairs of unordered operators are searched within a quarter of it (pairs not reached
    add no rows) and the orders of blocks tried within half of it (a block not finished
    keeps its covering bound).
    """
    require_int("budget_bytes", budget_bytes, low=1)
    tight = problem.largest_footprint
    if budget_bytes < tight:
        raise ConfigError(f"The 'budget_bytes' of a traffic bound must be at least the largest operator footprint, "
                          f"{tight} bytes. Got {budget_bytes}.")
    if isinstance(time_limit_s, bool) or not isinstance(time_limit_s, (int, float)) or not time_limit_s > 0:
        raise ConfigError(f"The 'time_limit_s' must be a number > 0. Got {time_limit_s!r}.")
    began = time.perf_counter()
    sizes = problem.sizes
    index, anc, desc = _relatives(problem)
    readers = problem.readers
    uses: dict[str, list[int]] = {}  # tensor -> indices of its producer and readers, in topological order
    chain: dict[str, bool] = {}
    for t, rs in readers.items():
        u = sorted([index[t], *(index[r] for r in rs)])
        uses[t] = u
        chain[t] = all(anc[b] >> a & 1 for a, b in zip(u, u[1:]))
    use_mask = {t: sum(1 << i for i in u) for t, u in uses.items()}
    read_mask = {t: sum(1 << index[r] for r in rs) for t, rs in readers.items()}
    # per squeezed operator: its excess and the (tensor, gap) it may evict; gap None: order-dependent
    rows: list[tuple[int, int, list[tuple[str, int | None]], tuple | None]] = []
    near: dict[int, tuple[int, set[str], list, list[str]]] = {}  # full enough that a pair may squeeze it
    for i, op in enumerate(problem.order):
        forced, starts = [], []
        for t in readers:
            if anc[i] & use_mask[t] and not use_mask[t] >> i & 1:
                if desc[i] & read_mask[t]:
                    forced.append(t)
                elif anc[i] >> index[t] & 1 and read_mask[t] & ~anc[i]:
                    starts.append(t)  # made before i, and read by an operator unordered with it
        excess = problem.footprint(op) + sum(sizes[t] for t in forced) - budget_bytes
        # what may be live at i in some order: made by an operator not after it, read by one not before it
        maybe = [t for t in readers if t not in forced and not desc[i] >> index[t] & 1 and i != index[t]
                 and not read_mask[t] >> i & 1 and read_mask[t] & ~anc[i]]
        if excess + sum(sizes[t] for t in maybe) <= 0:
            continue
        paths = _crossing_paths(readers, i, index, anc[i], desc[i], starts, set(forced))
        excess += sum(min(sizes[t] for t in path) for path in paths)
        cover = [(t, None) for path in paths for t in path]
        for t in forced:
            gap = None
            if chain[t]:
                u = uses[t]
                gap = next((j for j in range(1, len(u)) if anc[i] >> u[j - 1] & 1 and desc[i] >> u[j] & 1), None)
            cover.append((t, gap))
        if excess > 0:
            rows.append((i, excess, cover, None))
        near[i] = (excess, set(forced) | {t for path in paths for t in path}, cover, maybe)
    rows += _pair_rows(near, readers, index, anc, desc, sizes, began + time_limit_s / 4)
    peak_bound = problem.min_peak().bound_bytes
    peak_bytes = 2 * max(0, peak_bound - budget_bytes)
    multi = {t for t in readers if chain[t] and len(uses[t]) > 2}  # chains of more than one gap
    blocks = _blocks(problem, anc, desc, uses)
    block_of = {i: b for b, ops in enumerate(blocks) for i in ops}
    per_block: dict[int, list] = {}
    for i, excess, cover, pair in rows:
        per_block.setdefault(block_of[i], []).append((excess, cover, pair))
    cover_bytes = enum_bytes = 0
    proven = True
    for b, ops in enumerate(blocks):
        value = 0
        if b in per_block:
            value, ok = _cover(per_block[b], sizes, multi, time_limit_s - (time.perf_counter() - began))
            proven &= ok
        cover_bytes += value
        spare = time_limit_s / 2 - (time.perf_counter() - began)
        exact = _block_optimum(problem, [problem.order[i] for i in ops], budget_bytes, floor=value,
                               time_limit_s=spare) if spare > 0 and _may_squeeze(problem, ops, budget_bytes,
                                                                                  anc, desc, uses) else None
        enum_bytes += value if exact is None else max(value, exact)
    return TrafficBound(budget_bytes, max(enum_bytes, peak_bytes), cover_bytes, peak_bytes, proven,
                        sum(pair is None for *_, pair in rows),
                        time.perf_counter() - began)


def _cover(rows: list, sizes: dict[str, int], multi: set[str], time_limit_s: float) -> tuple[int, bool]:
    """The covering ILP over ``rows`` (excess, [(tensor, gap)], pair): its optimum, or its LP relaxation's; proven?

    ``pair`` is None or (key, extra, first): the row needs ``extra`` more bytes when the
    pair's order variable is 1 (``first``) or 0 (not ``first``).
    """
    import pulp

    from hwcodesign.mapper.lp import cbc, variable

    prob = pulp.LpProblem("traffic_bound", pulp.LpMinimize)
    z: dict[str, pulp.LpVariable] = {}
    g: dict[str, dict[int, pulp.LpVariable]] = {}
    y: dict[tuple, pulp.LpVariable] = {}
    for _, cover, pair in rows:
        if pair is not None:
            y.setdefault(pair[0], variable(prob, f"y_{len(y)}", cat="Binary"))
        for t, gap in cover:
            z.setdefault(t, variable(prob, f"z_{len(z)}", cat="Binary"))
            if t in multi and gap is not None and gap not in g.setdefault(t, {}):
                g[t][gap] = variable(prob, f"g_{len(z)}_{gap}", cat="Binary")
    cost = []
    for t, var in z.items():
        if t not in multi:
            cost.append(2 * sizes[t] * var)
            continue
        # one store, plus one reload per gap evicted in; eviction in no fixed gap still needs one reload
        gaps = list(g.get(t, {}).values())
        for v in gaps:
            prob += v <= var
        other = variable(prob, f"o_{len(cost)}", 0)  # reloads in the gaps with no variable
        prob += pulp.lpSum(gaps) + other >= var
        cost.append(sizes[t] * (var + pulp.lpSum(gaps) + other))
    prob += pulp.lpSum(cost)
    for excess, cover, pair in rows:
        need = excess
        if pair is not None:
            key, extra, first = pair
            need = excess + extra * (y[key] if first else 1 - y[key])
        prob += pulp.lpSum(sizes[t] * (g[t][gap] if t in multi and gap is not None else z[t])
                           for t, gap in cover) >= need
    prob.solve(cbc(timeLimit=max(1.0, time_limit_s), msg=False))
    if prob.sol_status == pulp.LpSolutionOptimal and prob.status == pulp.LpStatusOptimal:
        return round(pulp.value(prob.objective)), True
    for v in prob.variables():  # the LP relaxation's optimum bounds the ILP's
        v.cat = pulp.LpContinuous
    prob.solve(cbc(msg=False))
    return math.ceil(pulp.value(prob.objective) - 1e-6), False


def _blocks(problem: GraphProblem, anc: list[int], desc: list[int], uses: dict[str, list[int]]) -> list[list[int]]:
    """Runs of operator indices between sequence points that no tensor outlives (merged where one does).

    A sequence point is an operator every other one precedes or follows; in the
    topological ``problem.order`` the operators up to each of them form a block, which
    every order runs after the blocks before it. Blocks a tensor can be evicted in (from
    the step after it is made to its last read) are merged, so no tensor spans two.
    """
    n = len(problem.order)
    everything = (1 << n) - 1
    ends = {i for i in range(n) if anc[i] | desc[i] | 1 << i == everything} | {n - 1}
    block, b = [0] * n, 0
    for i in range(n):
        block[i] = b
        b += i in ends
    merge = list(range(b))  # merge[k]: the last block that must join block k
    for u in uses.values():
        p, q = u[0], u[-1]
        first = block[p] + 1 if p in ends else block[p]  # made at a block's end: evictable only after it
        for k in range(first, block[q]):
            merge[k] = max(merge[k], block[q])
    out: list[list[int]] = []
    k = 0
    while k < b:
        last, j = merge[k], k
        while j <= last:
            last = max(last, merge[j])
            j += 1
        out.append([i for i in range(n) if k <= block[i] <= last])
        k = last + 1
    return out


def _may_squeeze(problem: GraphProblem, ops: list[int], budget_bytes: int, anc: list[int], desc: list[int],
                 uses: dict[str, list[int]]) -> bool:
    """Whether some order of the block could hold more than the budget at one of its steps (a quick upper bound)."""
    order = problem.order
    inside = set(ops)
    tensors = [t for t, u in uses.items() if any(j in inside for j in u[1:])]
    for i in ops:
        live = sum(problem.sizes[t] for t in tensors if i not in uses[t] and not desc[i] >> uses[t][0] & 1
                   and not all(anc[i] >> j & 1 for j in uses[t][1:]))
        if problem.footprint(order[i]) + live > budget_bytes:
            return True
    return False


#: Blocks with more orders than this are bounded by the covering ILP alone.
MAX_BLOCK_ORDERS = 200


def _block_optimum(problem: GraphProblem, ops: list[str], budget_bytes: int, *, floor: int,
                   time_limit_s: float) -> int | None:
    """Least traffic of a block over all its orders, sizes only (no layout); None if too many orders or no time.

    The block becomes a problem of its own: each tensor made before it is the output of
    a source operator run first (resident, evictable at store-and-reload cost). Stops
    early once an order reaches ``floor`` (a lower bound already known).
    """
    from hwcodesign.mapper.graph.relaxed import evictions, run_bytes
    from hwcodesign.mapper.graph.reorder import topological_orders

    began = time.perf_counter()
    if len(ops) > 24:
        return None
    inside = set(ops)
    carried = list(dict.fromkeys(s for op in ops for s in problem.inputs[op] if s not in inside))
    rows = [(f"@{s}", problem.sizes[s], (), 0, 0) for s in carried]
    for op in ops:
        ins = tuple(s if s in inside else f"@{s}" for s in problem.inputs[op])
        rows.append((op, problem.sizes[op], ins, problem.sizes.get(f"{op}.weights", 0),
                     problem.sizes.get(f"{op}.input", 0) if not problem.inputs[op] else 0))
    sub = GraphProblem.from_edges(f"{problem.name}[block]", rows)
    orders = topological_orders(list(ops), problem.inputs, MAX_BLOCK_ORDERS)
    if orders is None:
        return None
    head = [f"@{s}" for s in carried]
    best = None
    for order in orders:
        if time.perf_counter() - began > time_limit_s:
            return None
        runs = evictions(sub, [*head, *order], [budget_bytes] * (len(head) + len(order)), proven=True,
                         time_limit_s=max(1.0, time_limit_s - (time.perf_counter() - began)))
        if runs is None:
            return None
        cost = run_bytes(sub, runs)
        best = cost if best is None else min(best, cost)
        if best <= floor:
            break
    return best
