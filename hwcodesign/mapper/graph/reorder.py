"""Local search over orders: reorder short windows of steps where the sizes-only eviction cost drops.

Relax and lay out (`hwcodesign.mapper.graph.relaxed`) is optimal for its order, so on
wide graphs (NAS cells) the order decides the traffic. `improve_order` slides a window
of ``window_ops`` consecutive steps over the order; for each window it tries every
order of the window's operators (at most ``max_orders``, precedence kept), ranks them
by a quick estimate (`window_cost`: a sizes-only Belady simulation of the window from
the tensors live at its start), and when the best estimate beats the current one it
evaluates the whole new order exactly (`evictions`, the sizes-only optimum, the cost
relax and lay out reaches when the layout fits) and keeps it if that is lower. Every
accepted order moves strictly fewer bytes by sizes, so the search ends; it also stops
at ``time_limit_s``.

Examples
--------
>>> from hwcodesign.mapper.graph.problem import GraphProblem
>>> # 'a' feeds a big branch (b1 -> c1) and a small one (b2); the join needs c1 and b2
>>> p = GraphProblem.from_edges("fork", [("a", 4, (), 0, 4), ("b2", 4, ("a",), 0, 0), ("b1", 8, ("a",), 0, 0),
...                                      ("c1", 1, ("b1",), 0, 0), ("join", 1, ("c1", "b2"), 0, 0)])
>>> sizes_only_bytes(p, p.order, 13)  # b2 waits across b1 (a 4 + b2 4 + b1 8 > 13): stored and reloaded
8
>>> better = improve_order(p, 13, p.order, time_limit_s=10)
>>> better, sizes_only_bytes(p, better, 13)
(('a', 'b1', 'c1', 'b2', 'join'), 0)
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from hwcodesign.mapper.graph.problem import GraphProblem
from hwcodesign.mapper.graph.relaxed import evictions, run_bytes

__all__ = ["improve_order", "window_cost", "sizes_only_bytes", "topological_orders"]


def sizes_only_bytes(problem: GraphProblem, order: Sequence[str], budget_bytes: int, *,
                     time_limit_s: float = 30.0) -> int | None:
    """Non-compulsory bytes of the cheapest keep-or-evict choice over ``order`` by sizes alone (`evictions`).

    A lower bound for every plan over ``order``, met when a layout fits. None when the
    solver finds no choice in time.
    """
    runs = evictions(problem, order, [budget_bytes] * len(order), time_limit_s=time_limit_s)
    return None if runs is None else run_bytes(problem, runs)


def topological_orders(ops: Sequence[str], inputs: Mapping[str, tuple[str, ...]],
                       cap: int) -> list[tuple[str, ...]] | None:
    """Every topological order of ``ops`` (their ``inputs`` outside ``ops`` ignored); None if more than ``cap``.

    Examples
    --------
    >>> topological_orders(["a", "b", "c"], {"a": (), "b": ("a",), "c": ()}, 10)
    [('a', 'b', 'c'), ('a', 'c', 'b'), ('c', 'a', 'b')]
    >>> topological_orders(["a", "b", "c"], {"a": (), "b": (), "c": ()}, 5) is None
    True
    """
    out: list[tuple[str, ...]] = []
    inside = set(ops)
    prefix: list[str] = []
    done: set[str] = set()

    def extend() -> bool:
        if len(prefix) == len(ops):
            out.append(tuple(prefix))
            return len(out) <= cap
        for op in ops:
            if op not in done and all(s not in inside or s in done for s in inputs[op]):
                prefix.append(op)
                done.add(op)
                ok = extend()
                prefix.pop()
                done.discard(op)
                if not ok:
                    return False
        return True

    return out if extend() else None


def window_cost(problem: GraphProblem, order: Sequence[str], lo: int, window: Sequence[str],
                budget_bytes: int) -> int:
    """Estimated bytes stored and reloaded while ``window`` runs in place of ``order[lo:lo + len(window)]``.

    Starts with every tensor live at step ``lo`` resident; at each step the inputs not
    resident are reloaded, and while the step exceeds the budget the resident tensor
    the operator does not read that is used farthest in the future (Belady, by sizes)
    is evicted: stored once, reloaded once. Comparable between orders of one window.

    Examples
    --------
    >>> from hwcodesign.mapper.graph.problem import GraphProblem
    >>> p = GraphProblem.from_edges("fork", [("a", 4, (), 0, 4), ("b2", 4, ("a",), 0, 0), ("b1", 8, ("a",), 0, 0),
    ...                                      ("c1", 1, ("b1",), 0, 0), ("join", 1, ("c1", "b2"), 0, 0)])
    >>> window_cost(p, p.order, 1, ["b2", "b1", "c1"], 13), window_cost(p, p.order, 1, ["b1", "c1", "b2"], 13)
    (8, 0)
    """
    sizes, readers = problem.sizes, problem.readers
    step = {op: i for i, op in enumerate(order)}
    step.update({op: lo + k for k, op in enumerate(window)})
    uses = {t: sorted(step[r] for r in rs) for t, rs in readers.items()}
    resident = {op for op in order[:lo] if op in readers and uses[op][-1] >= lo}
    stored: set[str] = set()
    cost = 0
    for k, op in enumerate(window):
        now = lo + k
        needs = problem.inputs[op]
        for t in needs:
            if t not in resident:
                resident.add(t)
                cost += sizes[t]
        used = problem.footprint(op) + sum(sizes[t] for t in resident if t not in needs)
        while used > budget_bytes:
            victim = max((t for t in resident if t not in needs),
                         key=lambda t: (next(u for u in uses[t] if u > now), sizes[t]))
            resident.discard(victim)
            used -= sizes[victim]
            cost += sizes[victim] * (1 + (victim not in stored))  # its store (once) and its reload
            stored.add(victim)
        resident -= {t for t in needs if uses[t][-1] <= now}
        if op in readers:
            resident.add(op)
    return cost


def improve_order(problem: GraphProblem, budget_bytes: int, order: Sequence[str], *, window_ops: int = 10,
                  max_orders: int = 400, stop_at: int = 0, time_limit_s: float = 20.0) -> tuple[str, ...]:
    """``order`` with windows of steps reordered wherever that lowers the sizes-only traffic (module docstring).

    Windows of ``window_ops`` steps slide by half their length, in passes over the
    order until a pass changes nothing or ``time_limit_s`` runs out; a window with more
    than ``max_orders`` orders is skipped. It stops at ``stop_at`` bytes (a known lower bound).
    """
    began = time.perf_counter()
    order = tuple(problem.check_order(order))
    cost = sizes_only_bytes(problem, order, budget_bytes, time_limit_s=time_limit_s)
    if cost is None:
        return order
    stride = max(1, window_ops // 2)
    changed = True
    while changed and cost > stop_at:
        changed = False
        for lo in range(0, max(1, len(order) - window_ops + stride), stride):
            if time.perf_counter() - began > time_limit_s:
                return order
            current = order[lo:lo + window_ops]
            orders = topological_orders(current, problem.inputs, max_orders)
            if orders is None or len(orders) < 2:
                continue
            estimate = window_cost(problem, order, lo, current, budget_bytes)
            best_cost, k = min((window_cost(problem, order, lo, w, budget_bytes), k) for k, w in enumerate(orders))
            if best_cost >= estimate:
                continue
            best = orders[k]
            candidate = order[:lo] + best + order[lo + window_ops:]
            left = time_limit_s - (time.perf_counter() - began)
            exact = sizes_only_bytes(problem, candidate, budget_bytes, time_limit_s=max(1.0, left))
            if exact is not None and exact < cost:
                order, cost, changed = candidate, exact, True
                if cost <= stop_at:
                    return order
    return order
