"""Scoring a co-design point: whole networks on the analytical engine, per chip, against specs.

Each network runs on its sub-accelerator as `hwcodesign.simulator.analytical.simulate`
runs it: every MAC operator mapped by `hwcodesign.mapper.map_layer` (objective and
mapping ``budget`` as given; a small budget inside the search loop), every other operator
on the vector unit. Networks assigned to one sub-accelerator run one after another;
sub-accelerators run in parallel. So, per design:

- ``latency_ms``: the largest, over sub-accelerators, of the summed latency of its networks;
- ``energy_mj``: the energy of all networks (each sub-accelerator's leakage counted while it runs);
- ``area_mm2``: the area of the used sub-accelerators (`Chip.area_mm2`).

Speed comes from caching, not from approximation: an operator's cost depends only on its
shape (`operator_signature`) and the sub-accelerator, and NAS-Bench-201 networks share a
few dozen shapes, so `OperatorCosts` maps each (sub-accelerator, shape) once and a
network's cost is a sum over its shapes' cached records. The totals equal
`simulate(...)`'s row sums (the tests check it).

`Specs` (``latency_ms``, ``energy_mj``, ``area_mm2``, each optional) make a point
infeasible; the record keeps which spec was violated and by how much: an infeasible design
is data. The NASAIC-style ``reward`` is the mean accuracy (as a fraction) minus
``penalty`` times the summed relative violations.

Examples
--------
>>> Specs.parse("latency_ms=2, area_mm2=5")
Specs(latency_ms=2.0, energy_mj=None, area_mm2=5.0)
>>> Specs(latency_ms=2.0).violations({"latency_ms": 3.0, "energy_mj": 1.0, "area_mm2": 9.0})
{'latency_ms': 0.5}
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import asdict, dataclass
from typing import Any

from hwcodesign.accelerators import Accelerator
from hwcodesign.codesign.search import Outcome
from hwcodesign.codesign.space import CodesignSpace, Design, Signature
from hwcodesign.core.checks import require_int
from hwcodesign.core.errors import ConfigError, UnknownNameError
from hwcodesign.mapper.layer import OBJECTIVES, Objective, map_layer
from hwcodesign.simulator.systolic.engine import simulate_operator as vector_operator
from hwcodesign.workloads.operators import Operator

__all__ = ["Specs", "METRICS", "OperatorCosts", "Evaluator", "latency_lower_bound_ms"]

#: The design metrics specs may bound, all minimised.
METRICS = ("latency_ms", "energy_mj", "area_mm2")

#: Reward of a design some operator of which cannot be mapped at all (no mapping fits a buffer).
UNMAPPABLE_REWARD = -10.0


@dataclass(frozen=True)
class Specs:
    """Hard design specs; ``None`` leaves a metric free."""

    latency_ms: float | None = None
    energy_mj: float | None = None
    area_mm2: float | None = None

    def __post_init__(self) -> None:
        for name in METRICS:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 or math.isinf(value):
                raise ConfigError(f"The {name!r} spec must be a finite number > 0 or None. Got {value!r}.")
            object.__setattr__(self, name, float(value))

    @classmethod
    def parse(cls, text: str | None) -> Specs:
        """``"latency_ms=1.5,energy_mj=2"`` -> `Specs`; empty or ``None`` -> no specs."""
        values: dict[str, float] = {}
        for item in (text or "").split(","):
            if not item.strip():
                continue
            name, sep, raw = item.partition("=")
            name = name.strip()
            if not sep:
                raise ConfigError(f"A spec is NAME=VALUE (e.g. latency_ms=1.5). Got {item.strip()!r}.")
            if name not in METRICS:
                raise UnknownNameError("spec", name, METRICS)
            try:
                values[name] = float(raw)
            except ValueError:
                raise ConfigError(f"The {name!r} spec must be a number (e.g. {name}=1.5). Got {raw.strip()!r}.") \
                    from None
        return cls(**values)

    def to_dict(self) -> dict[str, float | None]:
        return asdict(self)

    def violations(self, metrics: Mapping[str, float]) -> dict[str, float]:
        """Each violated spec -> its relative excess (``value / bound - 1``)."""
        out = {}
        for name in METRICS:
            bound = getattr(self, name)
            if bound is not None and metrics[name] is not None and metrics[name] > bound:
                out[name] = metrics[name] / bound - 1
        return out


def _operator_cost(op: Operator, acc: Accelerator, precision: str, objective: str, budget: int,
                   seed: int, refine: int, climb_rounds: int) -> tuple[float, float, bool, str]:
    """``(latency_cycles, energy_pj, feasible, constraint)`` of ``op`` as the analytical engine computes it."""
    if op.gemm_view() is None:
        record = vector_operator(op, acc, precision=precision)
        return float(record["latency_cycles"]), float(record["energy_pj"]), True, ""
    record = map_layer(op, acc, objective=objective, precision=precision, budget=budget, seed=seed, refine=refine,
                       climb_rounds=climb_rounds).record
    return (float(record["latency_cycles"]), float(record["energy_pj"]), bool(record["feasible"]),
            "" if record["feasible"] else str(record.get("constraint", "")))


def _cost_batch(args: tuple) -> list[tuple[Signature, tuple[float, float, bool, str]]]:
    acc, items, precision, settings = args
    return [(sig, _operator_cost(op, acc, precision, *settings)) for sig, op in items]


class OperatorCosts:
    """Cache of per-operator costs by (sub-accelerator, precision, operator shape).

    ``mapping_budget``, ``objective``, ``refine`` and ``climb_rounds`` go to `map_layer`
    (``seed`` too, so results are reproducible). The defaults are for the search loop: 50
    sampled tilings, the best 4 hill-climbed one round (about 20-80 ms per operator shape;
    `map_layer`'s own defaults, 20,000 and 16 for 8 rounds, take 3-10x longer for mappings
    a few percent better on most layers). ``hits``/``misses`` count lookups;
    ``accelerators`` the distinct sub-accelerators costed.
    """

    def __init__(self, *, mapping_budget: int = 50, objective: Objective = "edp", seed: int = 0, refine: int = 4,
                 climb_rounds: int = 1) -> None:
        if objective not in OBJECTIVES:
            raise UnknownNameError("mapping objective", objective, OBJECTIVES)
        require_int("mapping_budget", mapping_budget, low=1, where="option of OperatorCosts")
        self.mapping_budget, self.objective, self.seed = mapping_budget, objective, seed
        self.refine, self.climb_rounds = refine, climb_rounds
        self._costs: dict[tuple[Accelerator, str, Signature], tuple[float, float, bool, str]] = {}
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._costs)

    @property
    def settings(self) -> tuple[str, int, int, int, int]:
        """``(objective, budget, seed, refine, climb_rounds)`` of every `map_layer` call."""
        return self.objective, self.mapping_budget, self.seed, self.refine, self.climb_rounds

    @property
    def accelerators(self) -> int:
        """How many distinct sub-accelerators have been costed."""
        return len({acc for acc, _, _ in self._costs})

    def cost(self, acc: Accelerator, precision: str, sig: Signature, op: Operator) -> tuple[float, float, bool, str]:
        """The cached cost of ``op`` (shape ``sig``) on ``acc``, computed on a miss."""
        key = (acc, precision, sig)
        found = self._costs.get(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        found = self._costs[key] = _operator_cost(op, acc, precision, *self.settings)
        return found

    def fill(self, needed: Iterable[tuple[Accelerator, str, Signature, Operator]], *,
             pool: Executor | None = None) -> int:
        """Compute the missing costs of ``needed`` (in ``pool``, one task per sub-accelerator); return how many."""
        groups: dict[tuple[Accelerator, str], dict[Signature, Operator]] = {}
        for acc, precision, sig, op in needed:
            if (acc, precision, sig) not in self._costs:
                groups.setdefault((acc, precision), {})[sig] = op
        tasks = [(acc, list(items.items()), precision, self.settings) for (acc, precision), items in groups.items()]
        if not tasks:
            return 0
        if pool is not None and len(tasks) > 1:
            results = list(pool.map(_cost_batch, tasks))
        else:
            results = [_cost_batch(t) for t in tasks]
        count = 0
        for task, result in zip(tasks, results, strict=True):
            for sig, cost in result:
                self._costs[(task[0], task[2], sig)] = cost
                count += 1
        self.misses += count
        return count


def latency_lower_bound_ms(space: CodesignSpace, design: Design) -> float:
    """A bound no mapping beats: per sub-accelerator, its networks' MACs at one MAC per PE per cycle.

    Examples
    --------
    >>> from hwcodesign.codesign.space import ChipSpace, NB201Space
    >>> from hwcodesign.workloads.zoo.nb201 import NB201_BEST_CIFAR10, nb201
    >>> space = CodesignSpace({"cifar10": NB201Space("cifar10")}, ChipSpace(max_subs=1))
    >>> point = {**space.tasks["cifar10"].params(NB201_BEST_CIFAR10), "cifar10__sub": 0, "sub0__template": "nvdla_like",
    ...          "sub0__pe_array__rows": 16, "sub0__pe_array__cols": 16, "sub0__dram__bandwidth_bytes_per_cycle": 8}
    >>> latency_lower_bound_ms(space, space.decode(point)) == nb201(NB201_BEST_CIFAR10).macs / 256 / 1e9 * 1e3
    True
    """
    if design.chip is None:
        raise ConfigError("latency_lower_bound_ms bounds a chip; this design runs on a GPU.")
    cycles = [0.0] * len(design.chip.subs)
    for task, network in design.networks.items():
        counts, examples = space.tasks[task].operator_counts(network)
        macs = sum(n * examples[sig].macs for sig, n in counts.items())
        cycles[design.assignment[task]] += macs / design.chip.subs[design.assignment[task]].num_pes
    return max(cycles) / design.chip.clock_hz * 1e3


class Evaluator:
    """Scores points of ``space`` against ``specs``: one flat, JSON-ready record per point.

    Examples
    --------
    >>> from hwcodesign.codesign.space import ChipSpace, NB201Space
    >>> from hwcodesign.workloads.zoo.nb201 import NB201_BEST_CIFAR10
    >>> space = CodesignSpace({"cifar10": NB201Space("cifar10")}, ChipSpace(max_subs=1))
    >>> point = {**space.tasks["cifar10"].params(NB201_BEST_CIFAR10), "cifar10__sub": 0, "sub0__template": "nvdla_like",
    ...          "sub0__pe_array__rows": 16, "sub0__pe_array__cols": 16, "sub0__dram__bandwidth_bytes_per_cycle": 8}
    >>> record = Evaluator(space, Specs(area_mm2=0.1), mapping_budget=20).evaluate(point)
    >>> record["accuracy_cifar10"], record["feasible"], record["violated"], record["area_mm2_excess"] > 0
    (94.3633, False, 'area_mm2', True)
    """

    def __init__(self, space: CodesignSpace, specs: Specs | None = None, *, mapping_budget: int = 50,
                 objective: Objective = "edp", penalty: float = 1.0, seed: int = 0,
                 costs: OperatorCosts | None = None) -> None:
        self.space, self.specs, self.penalty = space, specs or Specs(), float(penalty)
        self.costs = costs if costs is not None else OperatorCosts(mapping_budget=mapping_budget, objective=objective, seed=seed)
        self._networks: dict[tuple[str, str, Accelerator], tuple[float, float, bool, str]] = {}
        self._gpu_ms: dict[tuple[str, str, str], float] = {}
        if space.gpu and (self.specs.energy_mj is not None or self.specs.area_mm2 is not None):
            raise ConfigError("A GPU target has latency only (the GPU catalog has no power or die area); "
                              f"drop the energy_mj and area_mm2 specs. Got {self.specs}.")

    def definition(self) -> dict[str, object]:
        """What a record depends on besides the point (stored with a study)."""
        return {"space": self.space.definition(), "specs": self.specs.to_dict(), "penalty": self.penalty,
                "mapping": dict(zip(("objective", "budget", "seed", "refine", "climb_rounds"), self.costs.settings,
                                    strict=True))}

    def network_cost(self, task: str, network: str, acc: Accelerator) -> tuple[float, float, bool, str]:
        """``(latency_cycles, energy_pj, mappable, constraint)`` of ``task``'s ``network`` on ``acc``."""
        key = (task, network, acc)
        found = self._networks.get(key)
        if found is None:
            net_space = self.space.tasks[task]
            counts, examples = net_space.operator_counts(network)
            cycles = energy = 0.0
            mappable, constraint = True, ""
            for sig, n in counts.items():
                c, e, ok, why = self.costs.cost(acc, net_space.precision, sig, examples[sig])
                cycles += n * c
                energy += n * e
                if not ok and mappable:
                    mappable, constraint = False, why
            found = self._networks[key] = (cycles, energy, mappable, constraint)
        return found

    def prefetch(self, points: Sequence[Mapping[str, object]], *, pool: Executor | None = None) -> int:
        """Compute (in ``pool``, e.g. a `ProcessPoolExecutor`) the operator costs ``points`` need; return how many."""
        needed = []
        for point in points:
            design = self.space.decode(point)
            if design.chip is None:  # a GPU: nothing to map
                continue
            accs = design.chip.accelerators()
            for task, network in design.networks.items():
                net_space = self.space.tasks[task]
                counts, examples = net_space.operator_counts(network)
                acc = accs[design.assignment[task]]
                needed += [(acc, net_space.precision, sig, examples[sig]) for sig in counts]
        return self.costs.fill(needed, pool=pool)

    def gpu_latency_ms(self, task: str, network: str, device: str) -> float:
        """``task``'s ``network`` on GPU ``device`` by the GPU engine (`predict_network`), in ms."""
        from hwcodesign.simulator.gpu import predict_network

        key = (task, network, device)
        if key not in self._gpu_ms:
            self._gpu_ms[key] = predict_network(self.space.tasks[task].workload(network), device).latency_ms
        return self._gpu_ms[key]

    def _finish(self, record: dict[str, Any], accuracies: list[float], metrics: dict[str, float | None],
                mappable: bool) -> dict[str, Any]:
        violations = self.specs.violations(metrics)
        accuracy_mean = sum(accuracies) / len(accuracies)
        reward = accuracy_mean / 100 - self.penalty * sum(violations.values()) if mappable else UNMAPPABLE_REWARD
        record.update({"accuracy_mean": accuracy_mean, **metrics, "specs_met": not violations,
                       "feasible": mappable and not violations, "violated": ",".join(violations),
                       **{f"{name}_excess": violations.get(name, 0.0) for name in METRICS}, "reward": reward})
        return record

    def _evaluate_gpu(self, point: Mapping[str, object], design: Design) -> dict[str, Any]:
        record: dict[str, Any] = {"key": self.space.search_space().key(point), **point}
        accuracies, total = [], 0.0
        for task, network in design.networks.items():
            ms = self.gpu_latency_ms(task, network, design.device)
            accuracy = self.space.tasks[task].accuracy(network)
            accuracies.append(accuracy)
            total += ms
            record.update({f"network_{task}": network, f"accuracy_{task}": accuracy, f"latency_{task}_ms": ms})
        record.update({"device": design.device, "templates": design.device, "template_mix": design.device,
                       "chip": design.device, "mappable": True, "unmappable_constraint": ""})
        return self._finish(record, accuracies, {"latency_ms": total, "energy_mj": None, "area_mm2": None}, True)

    def evaluate(self, point: Mapping[str, object]) -> dict[str, Any]:
        """The record of ``point``: its parameters, networks, accuracies, metrics, feasibility and reward.

        On a `GpuTarget` the networks run one after another on the GPU; ``energy_mj`` and
        ``area_mm2`` are ``None``.
        """
        design = self.space.decode(point)
        if design.chip is None:
            return self._evaluate_gpu(point, design)
        chip = design.chip
        accs = chip.accelerators()
        sub_cycles = [0.0] * len(accs)
        energy_pj, mappable, constraint = 0.0, True, ""
        record: dict[str, Any] = {"key": self.space.search_space().key(point), **point}
        accuracies = []
        for task, network in design.networks.items():
            sub = design.assignment[task]
            cycles, energy, ok, why = self.network_cost(task, network, accs[sub])
            sub_cycles[sub] += cycles
            energy_pj += energy
            if not ok and mappable:
                mappable, constraint = False, f"{task}: {why}"
            accuracy = self.space.tasks[task].accuracy(network)
            accuracies.append(accuracy)
            record[f"network_{task}"] = network
            record[f"accuracy_{task}"] = accuracy
            record[f"latency_{task}_ms"] = cycles / chip.clock_hz * 1e3
            record[f"sub_{task}"] = sub
        metrics = {"latency_ms": max(sub_cycles) / chip.clock_hz * 1e3, "energy_mj": energy_pj * 1e-9,
                   "area_mm2": chip.area_mm2()}
        record.update({
            "num_subs": len(chip.subs), "pes": sum(s.num_pes for s in chip.subs),
            "bandwidth_bytes_per_cycle": sum(s.bandwidth_bytes_per_cycle for s in chip.subs),
            "templates": "+".join(s.template for s in chip.subs),
            "template_mix": "+".join(sorted({s.template for s in chip.subs})), "chip": chip.label(),
            "sub_latency_ms": [c / chip.clock_hz * 1e3 for c in sub_cycles],
            "mappable": mappable, "unmappable_constraint": constraint,
        })
        return self._finish(record, accuracies, metrics, mappable)

    @staticmethod
    def outcome(record: Mapping[str, Any]) -> Outcome:
        """What a strategy is told: the reward, objectives (-accuracy, latency, energy, area), feasibility."""
        metrics = (float(record[m]) for m in METRICS if record[m] is not None)  # a GPU has latency only
        return Outcome(reward=float(record["reward"]), objectives=(-float(record["accuracy_mean"]), *metrics),
                       feasible=bool(record["feasible"]))
