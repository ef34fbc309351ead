"""A workload: a DAG of operators (networkx underneath) with a name, batch size and precision.

Nodes are operator names (the operator is the node's ``op`` attribute); an edge
``a -> b`` says that ``b`` reads ``a``'s output and carries that tensor's size in
``bytes`` at the workload's precision. Every operator in a workload has the
workload's ``batch``.

Examples
--------
>>> from hwcodesign.workloads import Conv2d, Gemm, Pool, Workload
>>> w = Workload("toy", batch=1, precision="int8")
>>> c = w.add(Conv2d(in_channels=3, out_channels=8, in_h=8, in_w=8, kernel_h=3, kernel_w=3, pad_h=1, pad_w=1))
>>> p = w.add(Pool(channels=8, in_h=8, in_w=8, mode="avg", global_pool=True), inputs=[c])
>>> fc = w.add(Gemm(m=1, n=10, k=8, bias=True), inputs=[p], name="fc")
>>> [op.name for op in w.operators()]
['conv2d_0', 'pool_1', 'fc']
>>> w.macs, w.params
(13904, 306)
>>> w.graph.edges["conv2d_0", "pool_1"]["bytes"]
512
>>> w.with_batch(4).macs
55616
>>> Workload.from_dict(w.to_dict()) == w
True
>>> w.add(Gemm(m=1, n=2, k=10), inputs=["fc1"])
Traceback (most recent call last):
...
hwcodesign.core.errors.UnknownNameError: Unknown input operator of workload 'toy' 'fc1'. Did you mean 'fc'? Known: conv2d_0, fc, pool_1.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

import networkx as nx

from hwcodesign.core.checks import require_int
from hwcodesign.core.errors import ConfigError, UnknownNameError
from hwcodesign.core.results import ResultTable
from hwcodesign.workloads.operators import Operator
from hwcodesign.workloads.precision import check_precision

__all__ = ["Workload", "SCHEMA_VERSION"]

#: Version of the `Workload.to_dict` layout.
SCHEMA_VERSION = 1

_DICT_KEYS = ("schema_version", "name", "batch", "precision", "operators")


class Workload:
    """A DAG of operators with a ``name``, a ``batch`` size and a ``precision``.

    Parameters
    ----------
    name
        Name of the network (``'resnet50'``).
    batch
        Samples per inference; set on every operator added.
    precision
        Element type of every tensor (a key of `hwcodesign.workloads.PRECISION_BITS`).
    """

    def __init__(self, name: str, *, batch: int = 1, precision: str = "int8") -> None:
        if not isinstance(name, str) or not name:
            raise ConfigError(f"The 'name' of a Workload must be a non-empty str. Got {name!r}.")
        self._name = name
        self._batch = require_int("batch", batch, low=1, where="argument of Workload")
        self._precision = check_precision(precision)
        self._graph = nx.DiGraph(name=name)
        self._order: list[str] = []
        # The zoo records (factory name, kwargs) here so that repr pastes back as code.
        self._origin: tuple[str, dict[str, Any]] | None = None

    # -- building -----------------------------------------------------------------
    def add(self, op: Operator, inputs: Iterable[str] = (), *, name: str | None = None) -> str:
        """Add ``op``, reading the outputs of the operators named in ``inputs``; return its name.

        The name is ``name``, else ``op.name``, else ``'<kind>_<index>'``. The operator is
        stored with the workload's batch size.
        """
        if not isinstance(op, Operator):
            raise ConfigError(f"Workload.add takes an Operator. Got {op!r} ({type(op).__name__}).")
        if isinstance(inputs, str):
            inputs = (inputs,)
        inputs = tuple(inputs)
        for src in inputs:
            if src not in self._graph:
                raise UnknownNameError(f"input operator of workload {self._name!r}", src, self._order)
        if len(set(inputs)) != len(inputs):
            raise ConfigError(f"The inputs of an operator must be distinct. Got {list(inputs)!r}.")
        label = name or op.name or f"{op.kind}_{len(self._order)}"
        if label in self._graph:
            raise ConfigError(f"Workload {self._name!r} already has an operator named {label!r}.")
        op = replace(op, name=label, batch=self._batch) if (op.name, op.batch) != (label, self._batch) else op
        self._graph.add_node(label, op=op, inputs=inputs)
        for src in inputs:
            producer = self._graph.nodes[src]["op"].output
            self._graph.add_edge(src, label, tensor=f"{src}.{producer.name}",
                                 bytes=producer.bytes(self._precision))
        self._order.append(label)
        return label

    # -- reading ------------------------------------------------------------------
    @property
    def name(self) -> str:
        """Name of the network."""
        return self._name

    @property
    def batch(self) -> int:
        """Samples per inference."""
        return self._batch

    @property
    def precision(self) -> str:
        """Element type of every tensor."""
        return self._precision

    @property
    def graph(self) -> nx.DiGraph:
        """The DAG (treat as read-only): node attrs ``op``, ``inputs``; edge attrs ``tensor``, ``bytes``."""
        return self._graph

    def operators(self) -> list[Operator]:
        """The operators in a deterministic topological order (the order they were added)."""
        return [self._graph.nodes[n]["op"] for n in self._order]

    def names(self) -> list[str]:
        """Operator names, in the order of :meth:`operators`."""
        return list(self._order)

    def inputs(self, name: str) -> tuple[str, ...]:
        """The names of the operators whose outputs ``name`` reads, in the order given to `add`."""
        return self._graph.nodes[self._lookup(name)]["inputs"]

    def _lookup(self, name: str) -> str:
        if name not in self._graph:
            raise UnknownNameError(f"operator of workload {self._name!r}", name, self._order)
        return name

    def __getitem__(self, name: str) -> Operator:
        return self._graph.nodes[self._lookup(name)]["op"]

    def __contains__(self, name: object) -> bool:
        return name in self._graph

    def __len__(self) -> int:
        return len(self._order)

    def __iter__(self) -> Iterator[Operator]:
        return iter(self.operators())

    # -- totals -------------------------------------------------------------------
    @property
    def macs(self) -> int:
        """Total multiply-accumulates."""
        return sum(op.macs for op in self.operators())

    @property
    def params(self) -> int:
        """Total parameters."""
        return sum(op.params for op in self.operators())

    @property
    def vector_ops(self) -> int:
        """Total non-MAC arithmetic operations."""
        return sum(op.vector_ops for op in self.operators())

    # -- variants -----------------------------------------------------------------
    def _rebuild(self, *, batch: int | None = None, precision: str | None = None) -> Workload:
        new = Workload(self._name, batch=self._batch if batch is None else batch,
                       precision=self._precision if precision is None else precision)
        for label in self._order:
            new.add(self._graph.nodes[label]["op"], self.inputs(label), name=label)
        if self._origin is not None:
            factory, kwargs = self._origin
            new._origin = (factory, {**kwargs, "batch": new.batch, "precision": new.precision})
        return new

    def with_batch(self, batch: int) -> Workload:
        """Return a copy with ``batch`` samples (every operator rescaled)."""
        return self._rebuild(batch=require_int("batch", batch, low=1, where="argument of Workload"))

    def with_precision(self, precision: str) -> Workload:
        """Return a copy whose tensors are of ``precision`` (edge byte counts recomputed)."""
        return self._rebuild(precision=check_precision(precision))

    # -- dicts --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data (TOML/YAML/JSON-ready): name, batch, precision, operators with their inputs."""
        ops = []
        for op in self.operators():
            data = op.to_dict()
            data.pop("batch")  # the workload's batch applies to every operator
            data["inputs"] = list(self.inputs(op.name))
            ops.append(data)
        return {"schema_version": SCHEMA_VERSION, "name": self._name, "batch": self._batch,
                "precision": self._precision, "operators": ops}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Workload:
        """Build from :meth:`to_dict` output; unknown keys, unknown inputs and cycles raise `ConfigError`."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"Workload.from_dict must be given a mapping. Got {data!r}.")
        for key in data:
            if key not in _DICT_KEYS:
                raise UnknownNameError("key of a workload dict", str(key), _DICT_KEYS)
        version = data.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise ConfigError(f"The 'schema_version' of a workload dict must be {SCHEMA_VERSION}. Got {version!r}.")
        if "name" not in data:
            raise ConfigError("A workload dict needs a 'name'.")
        raw_ops = data.get("operators", [])
        if not isinstance(raw_ops, (list, tuple)):
            raise ConfigError(f"The 'operators' of a workload dict must be a list. Got {raw_ops!r}.")
        ops: dict[str, tuple[Operator, tuple[str, ...]]] = {}
        for i, raw in enumerate(raw_ops):
            if not isinstance(raw, Mapping):
                raise ConfigError(f"Operator {i} of a workload dict must be a mapping. Got {raw!r}.")
            fields = dict(raw)
            inputs = fields.pop("inputs", [])
            if isinstance(inputs, str) or not isinstance(inputs, (list, tuple)):
                raise ConfigError(f"The 'inputs' of operator {i} must be a list of names. Got {inputs!r}.")
            op = Operator.from_dict(fields)
            if not op.name:
                raise ConfigError(f"Operator {i} of a workload dict needs a 'name'.")
            if op.name in ops:
                raise ConfigError(f"Two operators are named {op.name!r}.")
            ops[op.name] = (op, tuple(inputs))
        dag = nx.DiGraph()
        dag.add_nodes_from(ops)
        for label, (_, inputs) in ops.items():
            for src in inputs:
                if src not in ops:
                    raise UnknownNameError(f"input operator of {label!r}", str(src), ops)
                dag.add_edge(src, label)
        if not nx.is_directed_acyclic_graph(dag):
            cycle = nx.find_cycle(dag)
            path = " -> ".join([str(u) for u, _ in cycle] + [str(cycle[0][0])])
            raise ConfigError(f"The operators of workload {data['name']!r} form a cycle: {path}. "
                              "A workload must be acyclic.")
        index = {label: i for i, label in enumerate(ops)}
        new = cls(data["name"], batch=data.get("batch", 1), precision=data.get("precision", "int8"))
        for label in nx.lexicographical_topological_sort(dag, key=index.__getitem__):
            op, inputs = ops[label]
            new.add(op, inputs, name=label)
        return new

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Workload):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable while being built

    # -- tables and display -----------------------------------------------------
    def summary(self) -> ResultTable:
        """One row per operator: name, kind, macs, vector_ops, params and bytes per operand role.

        Examples
        --------
        >>> from hwcodesign.workloads import get_workload
        >>> table = get_workload("tiny").summary()
        >>> table.columns[:4], len(table)
        (['workload', 'operator', 'kind', 'macs'], 4)
        """
        rows = []
        for op in self.operators():
            rows.append({
                "workload": self._name, "operator": op.name, "kind": op.kind, "macs": op.macs,
                "vector_ops": op.vector_ops, "params": op.params,
                "input_bytes": op.bytes(self._precision, "input"),
                "weight_bytes": op.bytes(self._precision, "weight"),
                "output_bytes": op.bytes(self._precision, "output"),
                "batch": self._batch, "precision": self._precision,
            })
        return ResultTable(rows)

    def __repr__(self) -> str:
        if self._origin is not None:
            factory, kwargs = self._origin
            args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
            return f"get_workload({factory!r}{args})"
        return (f"<Workload {self._name!r}: {len(self)} operators, batch={self._batch}, "
                f"precision={self._precision!r}, macs={self.macs}, params={self.params}>")

    def _repr_html_(self) -> str:
        head = (f"<p><b>Workload {html.escape(self._name)}</b>: {len(self)} operators, batch {self._batch}, "
                f"{html.escape(self._precision)}, {self.macs / 1e9:.3f} GMACs, {self.params / 1e6:.3f} M params</p>")
        if not len(self):
            return head
        return head + self.summary().to_dataframe().head(30).to_html(index=False)
