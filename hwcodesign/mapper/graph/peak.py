"""The minimum-peak order: a topological order of least peak resident bytes without spills.

With nothing spilled, a tensor is resident from the step that makes it to its last
read, so the bytes resident after a set of operators has run depend only on the set;
running operator ``i`` after the set ``S`` takes ``live(S) + output(i) + weights and
network input of i`` bytes. The minimum peak is a bottleneck shortest path over the
executed sets (down-sets of the DAG), which `min_peak_order` searches best first
(Dijkstra on the bottleneck, states popped in order of their peak), with three things
that keep the search small without losing exactness:

1. **Free steps.** When a ready operator's step takes no more bytes than the peak
   already reached and leaves no more bytes resident than before it (it frees at least
   its output's bytes), some best completion runs it first: moved to the front of any
   completion, it adds its output to each step it passes but frees its inputs there at
   least as early, at least as many bytes, so no step rises. The search runs such steps
   at once and branches only on the others. In a chain of same-sized tensors (a ReLU, a
   convolution, a batch norm) every step but the first is free; in a NAS cell this
   leaves mostly the choice of which branch to start next.
2. **An upper bound.** The better of the workload order and a greedy order (run the
   ready operator that leaves the fewest bytes resident); when a first search of 2,000
   states does not finish, also a beam search over the same states (per number of
   operators run, the ``beam_width`` executed sets of least peak, then fewest resident
   bytes), and the search starts again below the best. States that reach the upper
   bound are not searched.
3. **A lower bound.** The largest single-operator footprint is the root's peak (every
   order has a step at least that high, so steps below it are free in the sense of 1).
   When the search pops a state at peak ``P``, no order peaks below ``P``.

The search stops when it reaches the set of every operator (the order is optimal), when
no state below the upper bound is left (the upper bound's order is optimal), or after
``max_states`` states (``exact=False``; ``bound_bytes`` is the peak where it stopped).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hwcodesign.core.checks import require_int

if TYPE_CHECKING:
    from hwcodesign.mapper.graph.problem import GraphProblem

__all__ = ["PeakOrder", "min_peak_order"]

#: States the first, short search may pop before the beam search is run for a better upper bound.
_FIRST_STATES = 2_000

#: An executed set (bitmask over operator indices), its resident bytes, its ready operators.
_State = tuple[int, int, tuple[int, ...]]


@dataclass(frozen=True)
class PeakOrder:
    """A topological order, its peak resident bytes without spills, and whether that peak is the proven minimum.

    ``bound_bytes`` is a proven lower bound on the minimum peak of every order (equal to
    ``peak_bytes`` when ``exact``): where the search stopped, or the largest footprint.
    """

    order: tuple[str, ...]
    peak_bytes: int
    exact: bool
    bound_bytes: int


class _Dag:
    """The operators as indices in the workload order, with the bytes each step takes, makes and frees."""

    def __init__(self, problem: GraphProblem) -> None:
        order = problem.order
        index = {op: i for i, op in enumerate(order)}
        readers = problem.readers
        self.names = order
        self.n = len(order)
        self.full = (1 << self.n) - 1
        self.preds = [tuple(sorted({index[s] for s in problem.inputs[op]})) for op in order]
        self.succs = [tuple(sorted({index[r] for r in readers.get(op, ())})) for op in order]
        self.pred_mask = [sum(1 << p for p in ps) for ps in self.preds]
        self.succ_mask = [sum(1 << s for s in ss) for ss in self.succs]
        self.size = [problem.sizes[op] for op in order]
        self.made = [s if self.succs[i] else 0 for i, s in enumerate(self.size)]  # a network output is not kept
        self.own = [problem.footprint(op) - sum(problem.sizes[t] for t in problem.inputs[op]) for op in order]

    def root(self) -> _State:
        return 0, 0, tuple(i for i in range(self.n) if not self.preds[i])

    def freed(self, done: int, i: int) -> int:
        """Bytes of ``i``'s inputs that no operator outside ``done`` + ``i`` reads."""
        nxt = done | 1 << i
        return sum(self.size[p] for p in self.preds[i] if not self.succ_mask[p] & ~nxt)

    def step(self, state: _State, i: int) -> tuple[int, _State]:
        """The bytes resident while ``i`` runs after ``state``, and the state after it."""
        done, live, ready = state
        nxt = done | 1 << i
        woken = tuple(s for s in self.succs[i] if not self.pred_mask[s] & ~nxt)
        return live + self.own[i], (nxt, live + self.made[i] - self.freed(done, i),
                                    tuple(sorted([r for r in ready if r != i] + list(woken))))

    def close(self, state: _State, peak: int) -> tuple[_State, tuple[int, ...]]:
        """Run free steps (at most ``peak`` bytes, no more bytes left resident), the first in workload order first."""
        ran: list[int] = []
        while True:
            done, live, ready = state
            free = next((i for i in ready if live + self.own[i] <= peak
                         and self.made[i] <= self.freed(done, i)), None)
            if free is None:
                return state, tuple(ran)
            state = self.step(state, free)[1]
            ran.append(free)

    def order(self, parent: dict[int, tuple[int, tuple[int, ...]]], done: int) -> tuple[str, ...]:
        """The operator names along the ``parent`` links from the empty set to ``done``."""
        runs = []
        while done:
            done, ran = parent[done]
            runs.append(ran)
        return tuple(self.names[i] for ran in reversed(runs) for i in ran)


def _children(dag: _Dag, state: _State, peak: int) -> Iterator[tuple[int, _State, tuple[int, ...]]]:
    """Each ready operator's successor state, closed under free steps: (peak, state, operators run)."""
    for i in state[2]:
        cost, nxt = dag.step(state, i)
        top = max(peak, cost)
        closed, ran = dag.close(nxt, top)
        yield top, closed, (i,) + ran


def _beam(dag: _Dag, floor: int, width: int) -> tuple[int, tuple[str, ...]]:
    """A beam search: per number of operators run, the ``width`` states of least (peak, resident bytes)."""
    root, ran = dag.close(dag.root(), floor)
    parent = {root[0]: (0, ran)}
    layers: dict[int, dict[int, tuple[int, _State]]] = {root[0].bit_count(): {root[0]: (floor, root)}}
    for k in range(dag.n):
        for peak, state in heapq.nsmallest(width, layers.pop(k, {}).values(), key=lambda v: (v[0], v[1][1])):
            for top, child, ran in _children(dag, state, peak):
                into = layers.setdefault(child[0].bit_count(), {})
                if child[0] not in into or (top, child[1]) < (into[child[0]][0], into[child[0]][1][1]):
                    into[child[0]] = (top, child)
                    parent[child[0]] = (state[0], ran)
    (peak, _), = layers[dag.n].values()
    return peak, dag.order(parent, dag.full)


def _search(dag: _Dag, floor: int, ceiling: int, max_states: int) -> tuple[int, tuple[str, ...] | None, bool]:
    """Best first below ``ceiling``: (peak or bound, the order if one below ``ceiling`` was found, finished)."""
    root, ran = dag.close(dag.root(), floor)
    parent = {root[0]: (0, ran)}
    best = {root[0]: (floor, root)}
    heap = [(floor, -root[0].bit_count(), root[0])]
    popped = 0
    while heap:
        peak, _, done = heapq.heappop(heap)
        if peak > best[done][0]:
            continue
        if done == dag.full:
            return peak, dag.order(parent, done), True
        popped += 1
        if popped > max_states:
            return peak, None, False
        for top, child, ran in _children(dag, best[done][1], peak):
            if top < ceiling and top < best.get(child[0], (ceiling,))[0]:
                best[child[0]] = (top, child)
                parent[child[0]] = (done, ran)
                heapq.heappush(heap, (top, -child[0].bit_count(), child[0]))
    return ceiling, None, True


def min_peak_order(problem: GraphProblem, *, max_states: int = 20_000, beam_width: int = 16) -> PeakOrder:
    """A topological order of least peak resident bytes without spills (see the module docstring).

    Exact (``exact=True``) when the best-first search finishes within ``max_states``
    popped states; otherwise the best order found, with ``bound_bytes`` the peak below
    which the search proved no order exists.

    Examples
    --------
    >>> from hwcodesign.mapper.graph.problem import GraphProblem
    >>> # two branches from 'a', each making a big tensor and shrinking it: one after the other
    >>> # peaks at 13 (a 4, c1 1, b2 8), the workload order at 20 (a 4, b1 8, b2 8)
    >>> p = GraphProblem.from_edges("fork", [("a", 4, (), 0, 1), ("b1", 8, ("a",), 0, 0), ("b2", 8, ("a",), 0, 0),
    ...                                      ("c1", 1, ("b1",), 0, 0), ("c2", 1, ("b2",), 0, 0),
    ...                                      ("join", 1, ("c1", "c2"), 0, 0)])
    >>> max(p.resident_without_spills(p.order))
    20
    >>> r = min_peak_order(p)
    >>> r.order, r.peak_bytes, r.exact, r.bound_bytes
    (('a', 'b1', 'c1', 'b2', 'c2', 'join'), 13, True, 13)
    """
    require_int("max_states", max_states, low=1, where="argument of min_peak_order")
    require_int("beam_width", beam_width, low=1, where="argument of min_peak_order")
    dag = _Dag(problem)
    floor = problem.largest_footprint
    peak, order = min((max(problem.resident_without_spills(o)), o) for o in (problem.order, _greedy_order(problem)))
    # a short search first: most graphs finish in it, and then the beam costs nothing
    bound, better, finished = _search(dag, floor, peak, min(max_states, _FIRST_STATES))
    if not finished and max_states > _FIRST_STATES:
        peak, order = min((peak, order), _beam(dag, floor, beam_width))
        bound, better, finished = _search(dag, floor, peak, max_states)
    if better is not None:
        return PeakOrder(better, bound, True, bound)
    return PeakOrder(order, peak, finished, peak if finished else bound)


def _greedy_order(problem: GraphProblem) -> tuple[str, ...]:
    """Run the ready operator that leaves the fewest bytes resident (ties: workload order)."""
    readers = problem.readers
    remaining = {t: len(r) for t, r in readers.items()}
    waiting = {op: len(problem.inputs[op]) for op in problem.order}
    index = {op: i for i, op in enumerate(problem.order)}
    ready = {op for op, k in waiting.items() if k == 0}
    out = []

    def delta(op: str) -> tuple[int, int]:
        freed = sum(problem.sizes[s] for s in problem.inputs[op] if remaining[s] == 1)
        made = problem.sizes[op] if op in readers else 0
        return made - freed, index[op]

    while ready:
        op = min(ready, key=delta)
        ready.remove(op)
        for s in problem.inputs[op]:
            remaining[s] -= 1
        for r in readers.get(op, ()):
            waiting[r] -= 1
            if waiting[r] == 0:
                ready.add(r)
        out.append(op)
    return tuple(out)
