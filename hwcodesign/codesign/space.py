"""Co-design spaces: networks with real accuracy, heterogeneous chips, and the product searched.

A co-design point is one plain ``dict`` over ``a__b`` names (`SearchSpace`):

- per task, the network: for NAS-Bench-201, one dimension per cell edge,
  ``<task>__e<i><j>`` (the operation on the edge from node ``i`` to node ``j``), and the
  sub-accelerator it runs on, ``<task>__sub``;
- per sub-accelerator slot ``k``: ``sub<k>__template``, ``sub<k>__pe_array__rows``,
  ``sub<k>__pe_array__cols`` and ``sub<k>__dram__bandwidth_bytes_per_cycle`` (its share of
  the chip's DRAM bandwidth).

`CodesignSpace.decode` turns a point into a `Design`: the network of each task, and a
`Chip` holding only the sub-accelerators some network is assigned to (NASAIC, Yang et
al., DAC 2020: several networks, one chip of heterogeneous dataflow sub-accelerators
sharing a PE budget and the DRAM bandwidth). A point whose used sub-accelerators exceed
the budgets is outside the space (its validity predicate).

Examples
--------
>>> import numpy as np
>>> space = CodesignSpace({"cifar10": NB201Space("cifar10")}, ChipSpace(max_subs=2))
>>> len(space.search_space().names)  # 6 edges + the slot of the network, 4 per slot
15
>>> point = space.search_space().sample(np.random.default_rng(0))
>>> design = space.decode(point)
>>> list(design.networks), 1 <= len(design.chip.subs) <= 2
(['cifar10'], True)
"""

from __future__ import annotations

import functools
import inspect
import itertools
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hwcodesign.accelerators import TEMPLATES, Accelerator
from hwcodesign.codesign.accuracy import NB201_TASKS, FunctionAccuracy, NB201Accuracy
from hwcodesign.codesign.search import Dimension, SearchSpace
from hwcodesign.core.errors import ConfigError, UnknownNameError
from hwcodesign.core.spec import Spec, spec_field
from hwcodesign.workloads import Workload
from hwcodesign.workloads.operators import Operator
from hwcodesign.workloads.zoo.nb201 import (
    NB201_BEST_CIFAR10,
    NB201_CELLS_PER_STAGE,
    NB201_OPS,
    nb201,
    nb201_cell,
    nb201_stages,
    parse_nb201,
)

__all__ = [
    "NetworkSpace", "NB201Space", "CustomNetworkSpace", "SubAccelerator", "Chip", "ChipSpace", "Design",
    "CodesignSpace", "GpuTarget", "CHIP_TEMPLATES", "operator_signature", "NB201_EDGES",
]

#: NAS-Bench-201 cell edges ``(i, j)``: node ``j`` reads node ``i``; in the order of the cell string.
NB201_EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))

#: Templates a chip may use, with the factory arguments setting their PE array's two dimensions.
CHIP_TEMPLATES = {
    "nvdla_like": ("atomic_c", "atomic_k"),
    "shidiannao_like": ("rows", "cols"),
    "eyeriss_like": ("rows", "cols"),
    "edge_tpu_like": ("rows", "cols"),
    "systolic": ("rows", "cols"),
}

Signature = tuple[str, tuple[tuple[str, Any], ...]]


def operator_signature(op: Operator) -> Signature:
    """What the cost of ``op`` depends on: its class and every field but its name.

    Examples
    --------
    >>> from hwcodesign.workloads.operators import Gemm
    >>> operator_signature(Gemm(m=2, n=3, k=4, name="a")) == operator_signature(Gemm(m=2, n=3, k=4, name="b"))
    True
    """
    fields = op.to_dict()
    fields.pop("name", None)
    return type(op).__name__, tuple(sorted((k, _frozen(v)) for k, v in fields.items()))


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _operator_counts(operators: Sequence[Operator]) -> tuple[Counter, dict[Signature, Operator]]:
    counts: Counter = Counter()
    examples: dict[Signature, Operator] = {}
    for op in operators:
        sig = operator_signature(op)
        counts[sig] += 1
        examples.setdefault(sig, op)
    return counts, examples


class NetworkSpace(ABC):
    """A family of networks for one task: its search dimensions, the networks, their accuracy.

    Subclasses define `dimensions`, `network` (point -> identifier), `params` (its
    inverse), `workload`, `accuracy` (percent), `best` and `fixed`. `operator_counts`
    (how many operators of each `operator_signature` a network has) defaults to building
    the workload.
    """

    task: str
    batch: int = 1
    precision: str = "int8"

    @abstractmethod
    def dimensions(self) -> tuple[Dimension, ...]:
        """The search dimensions, named ``<task>__<name>``."""

    @abstractmethod
    def network(self, point: Mapping[str, object]) -> str:
        """The identifier of the network ``point`` selects."""

    @abstractmethod
    def params(self, network: str) -> dict[str, object]:
        """The dimension values selecting ``network`` (the inverse of `network`)."""

    @abstractmethod
    def workload(self, network: str) -> Workload:
        """The network as a `Workload`."""

    @abstractmethod
    def accuracy(self, network: str) -> float:
        """Its accuracy on the task, in percent (measured or user-supplied, never invented)."""

    @abstractmethod
    def best(self, k: int = 1) -> list[str]:
        """The ``k`` most accurate networks, best first."""

    @abstractmethod
    def fixed(self, network: str) -> NetworkSpace:
        """This space restricted to ``network`` (each dimension keeps one option; names unchanged)."""

    def operator_counts(self, network: str) -> tuple[Counter, dict[Signature, Operator]]:
        """``(signature -> count, signature -> one such operator)`` for ``network``."""
        return _operator_counts(self.workload(network).operators())


class NB201Space(NetworkSpace):
    """NAS-Bench-201 cells on ``task`` (``cifar10``, ``cifar100`` or ``imagenet16``) with measured accuracy.

    ``ops`` restricts the operations each edge may carry (default: all five). A network's
    operators are counted from its three distinct cells (`nb201_cell`) plus the fixed
    stem, reductions and head, so a new cell costs a few milliseconds, not a whole build
    (tests check the count against `nb201`).

    Examples
    --------
    >>> space = NB201Space("imagenet16")
    >>> arch = space.network(space.params(NB201_BEST_CIFAR10))
    >>> arch == NB201_BEST_CIFAR10, space.accuracy(arch)
    (True, 46.3444)
    """

    def __init__(self, task: str = "cifar10", *, ops: Mapping[str, Sequence[str]] | None = None, batch: int = 1,
                 precision: str = "int8") -> None:
        if task not in NB201_TASKS:
            raise UnknownNameError("NAS-Bench-201 task", task, list(NB201_TASKS))
        self.task, self.batch, self.precision = task, batch, precision
        self.dataset = NB201_TASKS[task][0]
        self.source = NB201Accuracy(task)
        self.edge_names = tuple(f"{task}__e{i}{j}" for i, j in NB201_EDGES)
        ops = dict(ops or {})
        for name in ops:
            if name not in self.edge_names:
                raise UnknownNameError("NB201 edge", name, self.edge_names)
        self._options = {name: tuple(ops.get(name, NB201_OPS)) for name in self.edge_names}
        for name, options in self._options.items():
            bad = [o for o in options if o not in NB201_OPS]
            if bad or not options:
                raise ConfigError(f"The ops of edge {name!r} must be a non-empty subset of {list(NB201_OPS)}. "
                                  f"Got {list(options)}.")

    def __repr__(self) -> str:
        return f"NB201Space({self.task!r})"

    def dimensions(self) -> tuple[Dimension, ...]:
        return tuple(Dimension(name, self._options[name]) for name in self.edge_names)

    def network(self, point: Mapping[str, object]) -> str:
        ops = [point[name] for name in self.edge_names]
        return f"|{ops[0]}~0|+|{ops[1]}~0|{ops[2]}~1|+|{ops[3]}~0|{ops[4]}~1|{ops[5]}~2|"

    def params(self, network: str) -> dict[str, object]:
        edges = [op for node in parse_nb201(network) for op, _ in node]
        return dict(zip(self.edge_names, edges, strict=True))

    def workload(self, network: str) -> Workload:
        return nb201(network, batch=self.batch, precision=self.precision, dataset=self.dataset)

    def accuracy(self, network: str) -> float:
        return self.source(network)

    def best(self, k: int = 1) -> list[str]:
        """The ``k`` most accurate networks of the whole NB201 table on this task."""
        return self.source.best(k)

    def fixed(self, network: str) -> NB201Space:
        return NB201Space(self.task, ops={n: (op,) for n, op in self.params(network).items()}, batch=self.batch,
                          precision=self.precision)

    def operator_counts(self, network: str) -> tuple[Counter, dict[Signature, Operator]]:
        return _nb201_counts(network, self.dataset, self.batch, self.precision)


@functools.lru_cache(maxsize=256)
def _nb201_cell_counts(arch: str, channels: int, size: int, batch: int, precision: str):
    return _operator_counts(nb201_cell(arch, channels=channels, size=size, batch=batch, precision=precision))


@functools.lru_cache(maxsize=8)
def _nb201_skeleton(dataset: str, batch: int, precision: str):
    """Stem, reductions and head: the reference network's operators minus its cells'."""
    reference = nb201(NB201_BEST_CIFAR10, batch=batch, precision=precision, dataset=dataset)
    counts, examples = _operator_counts(reference.operators())
    for channels, size in nb201_stages(dataset):
        cell, _ = _nb201_cell_counts(NB201_BEST_CIFAR10, channels, size, batch, precision)
        for sig, n in cell.items():
            counts[sig] -= NB201_CELLS_PER_STAGE * n
    return +counts, examples


@functools.lru_cache(maxsize=8192)
def _nb201_counts(arch: str, dataset: str, batch: int, precision: str):
    skeleton, skeleton_examples = _nb201_skeleton(dataset, batch, precision)
    counts, examples = Counter(skeleton), dict(skeleton_examples)
    for channels, size in nb201_stages(dataset):
        cell, cell_examples = _nb201_cell_counts(arch, channels, size, batch, precision)
        for sig, n in cell.items():
            counts[sig] += NB201_CELLS_PER_STAGE * n
            examples.setdefault(sig, cell_examples[sig])
    return counts, {sig: examples[sig] for sig in counts}


class CustomNetworkSpace(NetworkSpace):
    """Any network family: ``choices`` (name -> options), ``build(params) -> Workload`` and
    ``accuracy(params) -> percent`` (the user's measured or trained figure; never invented here).

    Dimension names are prefixed with ``task``; a network's identifier is its
    ``name=value`` pairs joined by ``;``.

    Examples
    --------
    >>> from hwcodesign.workloads import get_workload
    >>> space = CustomNetworkSpace("toy", {"batch": (1, 2)}, build=lambda p: get_workload("tiny").with_batch(p["batch"]),
    ...                            accuracy=lambda p: 60.0 + p["batch"])
    >>> [d.name for d in space.dimensions()], space.accuracy("batch=2")
    (['toy__batch'], 62.0)
    """

    def __init__(self, task: str, choices: Mapping[str, Sequence[object]], *, build: Callable[[dict], Workload],
                 accuracy: Callable[[dict], float], batch: int = 1, precision: str = "int8") -> None:
        if not choices:
            raise ConfigError("The 'choices' of CustomNetworkSpace must name at least one dimension.")
        self.task, self.batch, self.precision = task, batch, precision
        self.choices = {str(k): tuple(v) for k, v in choices.items()}
        self.build = build
        self.source = FunctionAccuracy(lambda network: accuracy(self._decode(network)))
        self._workloads: dict[str, Workload] = {}

    def __repr__(self) -> str:
        return f"CustomNetworkSpace({self.task!r}, {self.choices!r})"

    def dimensions(self) -> tuple[Dimension, ...]:
        return tuple(Dimension(f"{self.task}__{k}", v) for k, v in self.choices.items())

    def network(self, point: Mapping[str, object]) -> str:
        return ";".join(f"{k}={point[f'{self.task}__{k}']!r}" for k in self.choices)

    def _decode(self, network: str) -> dict[str, object]:
        values = {}
        for part in network.split(";"):
            key, _, raw = part.partition("=")
            options = self.choices.get(key, ())
            match = [o for o in options if repr(o) == raw]
            if not match:
                raise ConfigError(f"{network!r} is not a network of {self!r}.")
            values[key] = match[0]
        return values

    def params(self, network: str) -> dict[str, object]:
        return {f"{self.task}__{k}": v for k, v in self._decode(network).items()}

    def workload(self, network: str) -> Workload:
        if network not in self._workloads:
            self._workloads[network] = self.build(self._decode(network))
        return self._workloads[network]

    def accuracy(self, network: str) -> float:
        return self.source(network)

    def best(self, k: int = 1) -> list[str]:
        """The ``k`` most accurate networks (every network's accuracy is asked for once)."""
        names = list(self.choices)
        networks = [";".join(f"{n}={v!r}" for n, v in zip(names, values, strict=True))
                    for values in itertools.product(*self.choices.values())]
        return sorted(networks, key=lambda net: -self.accuracy(net))[:k]

    def fixed(self, network: str) -> CustomNetworkSpace:
        values = self._decode(network)
        space = CustomNetworkSpace(self.task, {k: (v,) for k, v in values.items()}, build=self.build,
                                   accuracy=lambda p: 0.0, batch=self.batch, precision=self.precision)
        space.source = self.source
        return space


@dataclass(frozen=True, kw_only=True)
class SubAccelerator(Spec):
    """One sub-accelerator of a `Chip`: a dataflow template, its PE array and its share of DRAM bandwidth.

    Examples
    --------
    >>> SubAccelerator(template="eyeriss_like", rows=16, cols=16, bandwidth_bytes_per_cycle=8).num_pes
    256
    >>> SubAccelerator(template="tpu", rows=16, cols=16, bandwidth_bytes_per_cycle=8)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hwcodesign.core.errors.ConfigError: The 'template' field of SubAccelerator must be one of 'nvdla_like', ...
    """

    template: str = spec_field(choices=tuple(CHIP_TEMPLATES), doc="Dataflow template (a key of CHIP_TEMPLATES).")
    rows: int = spec_field(ge=1, doc="PE array rows (NVDLA: Atomic-C).")
    cols: int = spec_field(ge=1, doc="PE array columns (NVDLA: Atomic-K).")
    bandwidth_bytes_per_cycle: float = spec_field(gt=0, doc="Its share of the chip's DRAM bandwidth.")

    @property
    def num_pes(self) -> int:
        """PEs (MAC units) of the array."""
        return self.rows * self.cols

    def label(self) -> str:
        """A short name: ``nvdla_like 32x32 @16B/c``."""
        return f"{self.template} {self.rows}x{self.cols} @{self.bandwidth_bytes_per_cycle:g}B/c"


@dataclass(frozen=True, kw_only=True)
class Chip(Spec):
    """1-4 heterogeneous sub-accelerators sharing a PE budget and the DRAM bandwidth (NASAIC).

    Every sub-accelerator is built from its template's defaults (buffers, energy and
    area tables) at the chip's ``clock_hz``, ``tech_node_nm`` and ``word_bytes``, so that
    latency, energy and area compare across templates on one process.

    Examples
    --------
    >>> sub = SubAccelerator(template="nvdla_like", rows=32, cols=32, bandwidth_bytes_per_cycle=32)
    >>> chip = Chip(subs=(sub, sub), pe_budget=2048, bandwidth_budget_bytes_per_cycle=64)
    >>> [a.num_pes for a in chip.accelerators()], chip.area_mm2() == 2 * chip.accelerators()[0].area_mm2()
    ([1024, 1024], True)
    >>> Chip(subs=(sub, sub, sub), pe_budget=2048, bandwidth_budget_bytes_per_cycle=128)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hwcodesign.core.errors.ConfigError: The 'subs' field of Chip must be ... PEs <= pe_budget (2048). Got '3072 PEs'.
    """

    subs: tuple[SubAccelerator, ...] = spec_field(doc="The sub-accelerators (1 to 4).")
    pe_budget: int = spec_field(default=4096, ge=1, doc="Total PEs of all sub-accelerators, at most.")
    bandwidth_budget_bytes_per_cycle: float = spec_field(default=64.0, gt=0, doc="Total DRAM bandwidth, at most.")
    clock_hz: float = spec_field(default=1e9, gt=0, unit="hz", doc="Clock of every sub-accelerator.")
    tech_node_nm: float = spec_field(default=28.0, gt=0, doc="Technology node of every sub-accelerator.")
    word_bytes: int = spec_field(default=1, ge=1, le=8, doc="Bytes per operand word (1: int8).")

    def _check(self) -> None:
        if not 1 <= len(self.subs) <= 4:
            self._error("subs", "a tuple of 1 to 4 SubAccelerator", f"{len(self.subs)} sub-accelerators")
        pes = sum(s.num_pes for s in self.subs)
        if pes > self.pe_budget:
            self._error("subs", f"sub-accelerators with in all PEs <= pe_budget ({self.pe_budget})", f"{pes} PEs")
        bandwidth = sum(s.bandwidth_bytes_per_cycle for s in self.subs)
        if bandwidth > self.bandwidth_budget_bytes_per_cycle + 1e-9:
            self._error("subs", "sub-accelerators with in all bandwidth_bytes_per_cycle <= "
                        f"bandwidth_budget_bytes_per_cycle ({self.bandwidth_budget_bytes_per_cycle:g})",
                        f"{bandwidth:g} bytes/cycle")

    def accelerators(self) -> list[Accelerator]:
        """The sub-accelerators as `Accelerator` objects, in order."""
        return [build_sub_accelerator(s, clock_hz=self.clock_hz, tech_node_nm=self.tech_node_nm,
                                      word_bytes=self.word_bytes) for s in self.subs]

    def area_mm2(self) -> float:
        """Total area of the sub-accelerators (the on-chip network and DRAM PHY are not modelled)."""
        return sum(a.area_mm2() for a in self.accelerators())

    def label(self) -> str:
        """The sub-accelerators' labels joined by `` + ``."""
        return " + ".join(s.label() for s in self.subs)


@functools.lru_cache(maxsize=4096)
def build_sub_accelerator(sub: SubAccelerator, *, clock_hz: float, tech_node_nm: float,
                          word_bytes: int) -> Accelerator:
    """``sub`` as an `Accelerator` from its template at the given clock, node and word size (cached)."""
    factory = TEMPLATES.get(sub.template)
    rows_arg, cols_arg = CHIP_TEMPLATES[sub.template]
    accepted = inspect.signature(factory).parameters
    kwargs = {rows_arg: sub.rows, cols_arg: sub.cols, "dram_bandwidth_bytes_per_cycle": sub.bandwidth_bytes_per_cycle,
              "clock_hz": clock_hz, "tech_node_nm": tech_node_nm, "word_bytes": word_bytes,
              "name": f"{sub.template}_{sub.rows}x{sub.cols}"}
    return factory(**{k: v for k, v in kwargs.items() if k in accepted})


@dataclass(frozen=True)
class Design:
    """A decoded co-design point: each task's network, the chip (or GPU ``device``), each task's sub-accelerator."""

    networks: dict[str, str]
    chip: Chip | None
    assignment: dict[str, int]
    device: str | None = None


class GpuTarget:
    """A GPU of the catalog as the target instead of a chip (GPUNet-style): one dimension, ``gpu__device``.

    The networks run one after another on the GPU, scored by the GPU engine
    (`hwcodesign.simulator.gpu.predict_network`). The catalog has no power or die area, so
    designs on a GPU have latency only (energy and area specs are refused).

    Examples
    --------
    >>> GpuTarget(["a100", "t4"]).devices
    ('A100 SXM4 40GB', 'Tesla T4')
    """

    def __init__(self, devices: Sequence[str] = ("a100",)) -> None:
        from hwcodesign.accelerators.gpus import get_gpu

        if isinstance(devices, str) or not devices:
            raise ConfigError(f"The 'devices' of GpuTarget must be a non-empty list of GPU names. Got {devices!r}.")
        self.devices = tuple(dict.fromkeys(get_gpu(d).name for d in devices))

    def __repr__(self) -> str:
        return f"GpuTarget({list(self.devices)!r})"

    def definition(self) -> dict[str, object]:
        """The target as plain data (stored with a study)."""
        return {"gpu_devices": list(self.devices)}

    def dimensions(self) -> tuple[Dimension, ...]:
        return (Dimension("gpu__device", self.devices),)


class ChipSpace:
    """Chips of up to ``max_subs`` sub-accelerators over ``templates``, PE array sizes and bandwidth shares.

    A slot with no network assigned is not on the chip; the used slots must fit
    ``pe_budget`` and ``bandwidth_budget_bytes_per_cycle`` (the space's validity predicate).
    """

    def __init__(self, *, templates: Sequence[str] = ("nvdla_like", "shidiannao_like", "eyeriss_like"),
                 max_subs: int = 3, rows: Sequence[int] = (8, 16, 32), cols: Sequence[int] = (8, 16, 32),
                 bandwidths: Sequence[float] = (8, 16, 32), pe_budget: int = 2048,
                 bandwidth_budget_bytes_per_cycle: float = 64.0, clock_hz: float = 1e9, tech_node_nm: float = 28.0,
                 word_bytes: int = 1) -> None:
        for template in templates:
            if template not in CHIP_TEMPLATES:
                raise UnknownNameError("chip template", template, list(CHIP_TEMPLATES))
        if not isinstance(max_subs, int) or not 1 <= max_subs <= 4:
            raise ConfigError(f"The 'max_subs' of ChipSpace must be an int in [1, 4]. Got {max_subs!r}.")
        self.templates, self.max_subs = tuple(templates), max_subs
        self.rows, self.cols, self.bandwidths = tuple(rows), tuple(cols), tuple(bandwidths)
        self.pe_budget, self.bandwidth_budget = pe_budget, float(bandwidth_budget_bytes_per_cycle)
        self.clock_hz, self.tech_node_nm, self.word_bytes = clock_hz, tech_node_nm, word_bytes

    def __repr__(self) -> str:
        return (f"ChipSpace(templates={self.templates!r}, max_subs={self.max_subs}, rows={self.rows!r}, "
                f"cols={self.cols!r}, bandwidths={self.bandwidths!r}, pe_budget={self.pe_budget}, "
                f"bandwidth_budget_bytes_per_cycle={self.bandwidth_budget:g})")

    def definition(self) -> dict[str, object]:
        """The space as plain data (stored with a study)."""
        return {"templates": list(self.templates), "max_subs": self.max_subs, "rows": list(self.rows),
                "cols": list(self.cols), "bandwidths": list(self.bandwidths), "pe_budget": self.pe_budget,
                "bandwidth_budget_bytes_per_cycle": self.bandwidth_budget, "clock_hz": self.clock_hz,
                "tech_node_nm": self.tech_node_nm, "word_bytes": self.word_bytes}

    def dimensions(self) -> tuple[Dimension, ...]:
        dims = []
        for k in range(self.max_subs):
            dims += [Dimension(f"sub{k}__template", self.templates), Dimension(f"sub{k}__pe_array__rows", self.rows),
                     Dimension(f"sub{k}__pe_array__cols", self.cols),
                     Dimension(f"sub{k}__dram__bandwidth_bytes_per_cycle", self.bandwidths)]
        return tuple(dims)

    def sub(self, point: Mapping[str, object], k: int) -> SubAccelerator:
        """Slot ``k`` of ``point`` as a `SubAccelerator`."""
        return SubAccelerator(template=point[f"sub{k}__template"], rows=point[f"sub{k}__pe_array__rows"],
                              cols=point[f"sub{k}__pe_array__cols"],
                              bandwidth_bytes_per_cycle=point[f"sub{k}__dram__bandwidth_bytes_per_cycle"])

    def fits(self, point: Mapping[str, object], used: Sequence[int]) -> bool:
        """Whether the slots ``used`` fit the PE and bandwidth budgets."""
        pes = sum(point[f"sub{k}__pe_array__rows"] * point[f"sub{k}__pe_array__cols"] for k in used)
        bandwidth = sum(point[f"sub{k}__dram__bandwidth_bytes_per_cycle"] for k in used)
        return pes <= self.pe_budget and bandwidth <= self.bandwidth_budget + 1e-9

    def chip(self, point: Mapping[str, object], used: Sequence[int]) -> Chip:
        """The chip of the slots ``used`` (in that order)."""
        return Chip(subs=tuple(self.sub(point, k) for k in used), pe_budget=self.pe_budget,
                    bandwidth_budget_bytes_per_cycle=self.bandwidth_budget, clock_hz=self.clock_hz,
                    tech_node_nm=self.tech_node_nm, word_bytes=self.word_bytes)


class CodesignSpace:
    """Networks for several tasks (one `NetworkSpace` each) searched together with a `ChipSpace`
    (or a `GpuTarget`: then only the networks and the device are searched)."""

    def __init__(self, tasks: Mapping[str, NetworkSpace], hardware: ChipSpace | GpuTarget) -> None:
        if not tasks:
            raise ConfigError("A CodesignSpace needs at least one task.")
        if not isinstance(hardware, ChipSpace | GpuTarget):
            raise ConfigError(f"The hardware of a CodesignSpace must be a ChipSpace or a GpuTarget. Got {hardware!r}.")
        self.tasks, self.hardware = dict(tasks), hardware
        self.gpu = isinstance(hardware, GpuTarget)
        self._search = SearchSpace(self._dimensions(), valid=None if self.gpu else self._valid)

    @classmethod
    def nb201(cls, tasks: Sequence[str] = ("cifar10", "cifar100", "imagenet16"), *,
              gpus: Sequence[str] | None = None, **chip: Any) -> CodesignSpace:
        """NAS-Bench-201 networks for ``tasks`` and a `ChipSpace(**chip)` (or `GpuTarget(gpus)`).

        Examples
        --------
        >>> size = CodesignSpace.nb201(["cifar10", "imagenet16"], max_subs=2).search_space().size
        >>> size == (5**6 * 2) ** 2 * (3 * 3 * 3 * 3) ** 2  # per task 6 edges and 2 slots; per slot 4 choices
        True
        """
        if gpus is not None:
            if chip:
                raise ConfigError(f"A GPU target takes no chip options. Got {', '.join(chip)}.")
            return cls({t: NB201Space(t) for t in tasks}, GpuTarget(gpus))
        return cls({t: NB201Space(t) for t in tasks}, ChipSpace(**chip))

    def __repr__(self) -> str:
        return f"CodesignSpace({self.tasks!r}, {self.hardware!r})"

    def _dimensions(self) -> list[Dimension]:
        dims: list[Dimension] = []
        for task, space in self.tasks.items():
            dims += space.dimensions()
            if not self.gpu:
                dims.append(Dimension(f"{task}__sub", tuple(range(self.hardware.max_subs))))
        return dims + list(self.hardware.dimensions())

    def _used(self, point: Mapping[str, object]) -> list[int]:
        return sorted({int(point[f"{task}__sub"]) for task in self.tasks})

    def _valid(self, point: Mapping[str, object]) -> bool:
        return self.hardware.fits(point, self._used(point))

    def search_space(self) -> SearchSpace:
        """The `SearchSpace` strategies search."""
        return self._search

    def definition(self) -> dict[str, object]:
        """The space as plain data (stored with a study; a different space cannot resume it)."""
        return {"tasks": {t: repr(s) for t, s in self.tasks.items()},
                "dimensions": {d.name: list(d.options) for d in self._search.dimensions},
                "hardware": self.hardware.definition()}

    def decode(self, point: Mapping[str, object]) -> Design:
        """The `Design` of ``point``: networks, the chip of the used slots, the slot of each task on the chip."""
        networks = {t: s.network(point) for t, s in self.tasks.items()}
        if self.gpu:
            return Design(networks=networks, chip=None, assignment=dict.fromkeys(self.tasks, 0),
                          device=point["gpu__device"])
        used = self._used(point)
        position = {k: i for i, k in enumerate(used)}
        return Design(networks=networks,
                      chip=self.hardware.chip(point, used),
                      assignment={t: position[int(point[f"{t}__sub"])] for t in self.tasks})

    def fix_networks(self, networks: Mapping[str, str]) -> CodesignSpace:
        """This space with each task's network fixed (hardware and assignment still free), same names."""
        return CodesignSpace({t: s.fixed(networks[t]) if t in networks else s for t, s in self.tasks.items()},
                             self.hardware)

    def points_of(self, networks: Mapping[str, str], chip_point: Mapping[str, object]) -> dict[str, object]:
        """A full point from each task's network and the hardware/assignment entries of ``chip_point``."""
        point = dict(chip_point)
        for task, space in self.tasks.items():
            point.update(space.params(networks[task]))
        return {name: point[name] for name in self._search.names}
