"""The memory-planning problem of a whole network: tensors, sizes, producers and consumers, budgets.

Tensors follow the event engine's names (`hwcodesign.simulator.event.tasks`): an
operator's output is the operator's name, its weights ``'<op>.weights'``, the network
input read by an operator without producers ``'<op>.input'``. Every tensor lives in the
scratchpad while it is used, weights included (the engine's compute reads them there).

What is compulsory: every weight tensor and every network input is loaded from DRAM
once, and every network output (an operator no other operator reads) is stored once.
Those bytes (`GraphProblem.compulsory_bytes`) are the same for every plan. Weights and
network inputs have one reader, so a plan loads them right before it and frees them
right after: they are *transient*, resident at one step. An intermediate tensor
(an output some operator reads) is created by its producer and must be resident at
each reader; storing it to DRAM (a spill) and loading it again (a reload) is
*non-compulsory* traffic, the quantity a plan minimises.

Budgets: ``tight`` is the largest single-operator footprint (its inputs, weights,
network input and output); ``peak`` the minimum, over topological orders, of the peak
resident bytes when nothing is spilled (`min_peak_order` in `hwcodesign.mapper.graph.peak`:
a best-first search over the executed sets, exact when it finishes within its state
limit, else the best of greedy and beam-searched orders, and `PeakOrder.exact` says
which); ``mid`` their midpoint, rounded down.

Examples
--------
>>> from hwcodesign.workloads import get_workload
>>> p = GraphProblem.from_workload(get_workload("tiny"))
>>> p.order
('conv', 'dwconv', 'pool', 'fc')
>>> p.sizes["conv"], p.sizes["conv.weights"], p.sizes["conv.input"]
(2048, 216, 768)
>>> p.footprint("dwconv")  # conv's output in, dwconv's weights, dwconv's output
4168
>>> p.budget("tight"), p.budget("peak")  # fc: 512 in, 5130 weights and bias, 10 out
(5652, 5652)
>>> p.compulsory_bytes == sum(p.sizes[t] for t in p.transients) + p.sizes["fc"]
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from hwcodesign.core.checks import require_int
from hwcodesign.core.errors import ConfigError
from hwcodesign.core.units import parse_bytes
from hwcodesign.mapper.graph.peak import PeakOrder, min_peak_order
from hwcodesign.workloads import Workload

__all__ = ["GraphProblem", "PeakOrder", "BudgetName", "BUDGETS", "resolve_budget", "min_peak_order"]

BudgetName = Literal["tight", "peak", "mid"]
BUDGETS = ("tight", "peak", "mid")


@dataclass(frozen=True, eq=False)
class GraphProblem:
    """Operators (in a topological order), tensors with their sizes, producers and readers.

    ``sizes`` maps every tensor to bytes; ``producer`` maps an operator output to its
    operator; ``readers`` maps an intermediate tensor to the operators that read it;
    ``transients`` are the weights and network inputs; ``needs[op]`` is every tensor the
    operator reads (its inputs, weights, network input). Build it with `from_workload`
    or, for hand-made graphs, `from_edges`.
    """

    name: str
    order: tuple[str, ...]
    sizes: Mapping[str, int]
    inputs: Mapping[str, tuple[str, ...]]
    transient_of: Mapping[str, tuple[str, ...]]  # op -> its weights / network input tensors
    _peak: list = field(default_factory=list, repr=False)

    # -- construction ---------------------------------------------------------------
    @classmethod
    def from_workload(cls, workload: Workload) -> GraphProblem:
        """Tensors and sizes of ``workload`` at its precision, named as the event engine names them."""
        precision = workload.precision
        rows = [(op.name, op.bytes(precision, "output"), workload.inputs(op.name), op.bytes(precision, "weight"),
                 op.bytes(precision, "input")) for op in workload.operators()]
        return cls.from_edges(workload.name, rows)

    @classmethod
    def from_edges(cls, name: str, ops: Sequence[tuple[str, int, Iterable[str], int, int]]) -> GraphProblem:
        """A problem from ``(op, output_bytes, inputs, weight_bytes, network_input_bytes)`` rows, in topological order.

        Examples
        --------
        >>> p = GraphProblem.from_edges("chain", [("a", 10, (), 0, 4), ("b", 6, ("a",), 2, 0)])
        >>> p.footprint("a"), p.footprint("b"), p.readers["a"]
        (14, 18, ('b',))
        """
        sizes: dict[str, int] = {}
        inputs: dict[str, tuple[str, ...]] = {}
        transient_of: dict[str, tuple[str, ...]] = {}
        for row in ops:
            if len(row) != 5:
                raise ConfigError(f"Each operator row must be (op, output_bytes, inputs, weight_bytes, "
                                  f"network_input_bytes). Got {row!r}.")
            op, out, ins, w, x = row
            if not isinstance(op, str) or not op or op in inputs:
                raise ConfigError(f"Operator names must be distinct non-empty strs. Got {op!r}.")
            for label, value in (("output_bytes", out), ("weight_bytes", w), ("network_input_bytes", x)):
                require_int(label, value, low=0, where=f"of operator {op!r}")
            ins = tuple(ins)
            for src in ins:
                if src not in inputs:
                    raise ConfigError(f"Operator {op!r} reads {src!r}, which is not an earlier operator.")
            sizes[op] = out
            inputs[op] = ins
            extra = []
            if w:
                sizes[f"{op}.weights"] = w
                extra.append(f"{op}.weights")
            if x and not ins:
                sizes[f"{op}.input"] = x
                extra.append(f"{op}.input")
            transient_of[op] = tuple(extra)
        if not inputs:
            raise ConfigError(f"A graph problem needs at least one operator. Got none for {name!r}.")
        return cls(name, tuple(inputs), sizes, inputs, transient_of)

    # -- derived facts --------------------------------------------------------------
    @property
    def readers(self) -> dict[str, tuple[str, ...]]:
        """Intermediate tensor -> the operators that read it (in `order`)."""
        out: dict[str, list[str]] = {}
        for op in self.order:
            for src in self.inputs[op]:
                out.setdefault(src, []).append(op)
        return {t: tuple(r) for t, r in out.items()}

    @property
    def intermediates(self) -> tuple[str, ...]:
        """Operator outputs that some operator reads (the tensors a plan may spill)."""
        readers = self.readers
        return tuple(op for op in self.order if op in readers)

    @property
    def network_outputs(self) -> tuple[str, ...]:
        """Operator outputs no operator reads (stored once, compulsory)."""
        readers = self.readers
        return tuple(op for op in self.order if op not in readers)

    @property
    def transients(self) -> tuple[str, ...]:
        """Weights and network inputs (loaded once before their one reader, compulsory)."""
        return tuple(t for op in self.order for t in self.transient_of[op])

    def needs(self, op: str) -> tuple[str, ...]:
        """Every tensor ``op`` reads: its inputs, then its weights and network input."""
        return self.inputs[op] + self.transient_of[op]

    def footprint(self, op: str) -> int:
        """Bytes resident while ``op`` runs if nothing else is: what it reads plus its output."""
        return sum(self.sizes[t] for t in self.needs(op)) + self.sizes[op]

    @property
    def largest_footprint(self) -> int:
        """The largest `footprint` of any operator: every plan needs that much at one step (the ``tight`` budget)."""
        return max(self.footprint(op) for op in self.order)

    @property
    def compulsory_bytes(self) -> int:
        """DRAM bytes every plan moves: weights and network inputs loaded once, network outputs stored once."""
        return sum(self.sizes[t] for t in self.transients) + sum(self.sizes[t] for t in self.network_outputs)

    def is_order(self, order: Sequence[str]) -> bool:
        """Whether ``order`` runs every operator once, after the operators it reads."""
        if sorted(order) != sorted(self.order):
            return False
        pos = {op: i for i, op in enumerate(order)}
        return all(pos[src] < pos[op] for op in order for src in self.inputs[op])

    def check_order(self, order: Sequence[str]) -> tuple[str, ...]:
        """``order`` as a tuple; `ConfigError` if it is not a topological order of every operator."""
        order = tuple(order)
        if not self.is_order(order):
            raise ConfigError(f"The 'order' of a plan for {self.name!r} must run each of its {len(self.order)} "
                              "operators once, after the operators it reads.")
        return order

    def resident_without_spills(self, order: Sequence[str]) -> list[int]:
        """Resident bytes at each step of ``order`` when nothing is spilled (tensors live from creation to last read)."""
        last = {}
        for i, op in enumerate(order):
            for src in self.inputs[op]:
                last[src] = i
        live = 0
        out = []
        ends: dict[int, int] = {}
        for i, op in enumerate(order):
            step = live + self.sizes[op] + sum(self.sizes[t] for t in self.transient_of[op])
            out.append(step)
            if op in last:
                live += self.sizes[op]
                ends[last[op]] = ends.get(last[op], 0) + self.sizes[op]
            live -= ends.pop(i, 0)
        return out

    # -- budgets --------------------------------------------------------------------
    def min_peak(self) -> PeakOrder:
        """The minimum-peak order (cached; see the module docstring and `min_peak_order`)."""
        if not self._peak:
            self._peak.append(min_peak_order(self))
        return self._peak[0]

    def budget(self, name: BudgetName) -> int:
        """Scratchpad bytes of the ``tight``, ``peak`` or ``mid`` budget (see the module docstring)."""
        if name not in BUDGETS:
            raise ConfigError(f"The 'budget' must be one of {', '.join(map(repr, BUDGETS))}. Got {name!r}.")
        tight = self.largest_footprint
        if name == "tight":
            return tight
        peak = self.min_peak().peak_bytes
        return peak if name == "peak" else (tight + peak) // 2


def resolve_budget(problem: GraphProblem, budget: object) -> int:
    """Bytes of ``budget``: a name in `BUDGETS`, an int, or a string such as ``'256 KiB'``.

    Examples
    --------
    >>> p = GraphProblem.from_edges("one", [("a", 10, (), 0, 4)])
    >>> resolve_budget(p, "tight"), resolve_budget(p, "1 KiB"), resolve_budget(p, 99)
    (14, 1024, 99)
    """
    if isinstance(budget, str) and budget in BUDGETS:
        return problem.budget(budget)  # type: ignore[arg-type]
    return parse_bytes(budget, field="budget_bytes")
