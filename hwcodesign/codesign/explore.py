"""The co-exploration loop (NASAIC-style) and the successive baseline.

`explore` asks a strategy (`hwcodesign.codesign.search`) for points of a
`CodesignSpace`, scores them with an `Evaluator` and tells the strategy each outcome,
until ``budget`` distinct points have records. Every record is kept, infeasible ones
included; with ``store`` they are written to an SQLite `ResultStore` batch by batch, and
a run on an existing store reuses the records there instead of re-evaluating (so an
interrupted or repeated study resumes, and the same seed replays the same asks).

`successive` is the baseline NASAIC compares against: the most accurate network of each
task first (the measured optimum, found without any hardware in mind), then the same
strategy and budget searching only the hardware (and the assignment of networks to
sub-accelerators) for those networks.

`Study.best` is the design the study recommends: among the points meeting every spec,
the most accurate on average (ties: the smallest sum of metric/spec ratios); when none
meets the specs, the one with the highest reward (least violation).

Examples
--------
>>> from hwcodesign.codesign.space import CodesignSpace, Design
>>> from hwcodesign.codesign.evaluate import Specs
>>> space = CodesignSpace.nb201(["cifar10"], max_subs=1, rows=(16,), cols=(16,), bandwidths=(16,),
...                             templates=("nvdla_like",))
>>> study = explore(space, Specs(latency_ms=5.0), strategy="random", budget=4, seed=1, mapping_budget=10)
>>> len(study.records), study.evaluated, study.best()["latency_ms"] > 0
(4, 4, True)
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hwcodesign.codesign.evaluate import METRICS, Evaluator, OperatorCosts, Specs, latency_lower_bound_ms
from hwcodesign.codesign.search import Outcome, make_strategy
from hwcodesign.codesign.space import CodesignSpace, Design
from hwcodesign.core.checks import require_int
from hwcodesign.core.errors import ConfigError

__all__ = ["Study", "explore", "successive", "pareto_front", "hao_prune", "hao_latency_bound_ms"]

log = logging.getLogger(__name__)

#: Asks without a new point, per point of budget, before the loop stops (a converged strategy).
_MAX_REPEATS = 20


def _rank(record: Mapping[str, Any], specs: Specs) -> tuple:
    """Sort key, best first: feasible, then accuracy, then normalised cost (or reward when infeasible)."""
    if record.get("feasible"):
        cost = sum(record[m] / getattr(specs, m) if getattr(specs, m) else record[m]
                   for m in METRICS if record[m] is not None)
        return (0, -record["accuracy_mean"], cost)
    return (1, -record["reward"], 0.0)


def pareto_front(records: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The records no other record dominates on (max accuracy_mean, min latency_ms, energy_mj, area_mm2).

    Examples
    --------
    >>> a = {"accuracy_mean": 90, "latency_ms": 1, "energy_mj": 1, "area_mm2": 1}
    >>> b = {"accuracy_mean": 80, "latency_ms": 2, "energy_mj": 1, "area_mm2": 1}
    >>> c = {"accuracy_mean": 95, "latency_ms": 3, "energy_mj": 1, "area_mm2": 1}
    >>> pareto_front([a, b, c]) == [a, c]
    True
    """
    metrics = [m for m in METRICS if all(r[m] is not None for r in records)]  # a GPU has latency only
    vectors = [(-r["accuracy_mean"], *(r[m] for m in metrics)) for r in records]
    front = []
    for i, v in enumerate(vectors):
        dominated = any(all(x <= y for x, y in zip(w, v, strict=True)) and w != v for w in vectors)
        if not dominated and v not in [vectors[j] for j in front]:
            front.append(i)
    return [records[i] for i in front]


@dataclass
class Study:
    """The records of one exploration, with what produced them."""

    records: list[dict[str, Any]]
    specs: Specs
    strategy: str
    seed: int
    budget: int
    evaluated: int = 0
    reused: int = 0
    seconds: float = 0.0
    pruned: list[dict[str, Any]] = field(default_factory=list)
    networks_fixed: dict[str, str] | None = None

    @property
    def points_per_minute(self) -> float:
        """Newly simulated design points per minute of this run."""
        return 60.0 * self.evaluated / self.seconds if self.seconds > 0 else math.inf

    def best(self) -> dict[str, Any] | None:
        """The recommended design's record (see the module docstring); None without records."""
        return min(self.records, key=lambda r: _rank(r, self.specs)) if self.records else None

    def feasible(self) -> list[dict[str, Any]]:
        """The records meeting every spec (and mappable)."""
        return [r for r in self.records if r["feasible"]]

    def pareto(self) -> list[dict[str, Any]]:
        """The Pareto front of the feasible records (of all records when none is feasible), by accuracy."""
        front = pareto_front(self.feasible() or self.records)
        return sorted(front, key=lambda r: -r["accuracy_mean"])

    def to_dataframe(self):
        """One row per evaluated point (pandas)."""
        import pandas as pd

        return pd.DataFrame(self.records)

    def summary(self) -> dict[str, Any]:
        """The best design as plain data: specs met, accuracy per task, metrics, networks, chip, points evaluated."""
        best = self.best()
        out: dict[str, Any] = {"strategy": self.strategy, "seed": self.seed, "budget": self.budget,
                               "specs": self.specs.to_dict(), "points_evaluated": len(self.records),
                               "points_simulated_this_run": self.evaluated, "points_reused": self.reused,
                               "points_pruned": len(self.pruned), "seconds": self.seconds}
        if best is None:
            return {**out, "specs_met": False}
        tasks = [k[len("network_"):] for k in best if k.startswith("network_")]
        subs = [] if "device" in best else [
            {"template": best[f"sub{k}__template"], "rows": best[f"sub{k}__pe_array__rows"],
             "cols": best[f"sub{k}__pe_array__cols"],
             "bandwidth_bytes_per_cycle": best[f"sub{k}__dram__bandwidth_bytes_per_cycle"],
             "tasks": [t for t in tasks if best[f"{t}__sub"] == k]}
            for k in sorted({best[f"{t}__sub"] for t in tasks})]
        return {**out, "specs_met": bool(best["feasible"]), "violated": best["violated"],
                "accuracy": {t: best[f"accuracy_{t}"] for t in tasks}, "accuracy_mean": best["accuracy_mean"],
                **{m: best[m] for m in METRICS}, "networks": {t: best[f"network_{t}"] for t in tasks},
                "chip": {"label": best["chip"], "subs": subs}, "device": best.get("device"), "key": best["key"]}


def hao_latency_bound_ms(space: CodesignSpace, design: Design, *, time_limit_s: float = 2.0) -> float:
    """HAO's bound (Dong et al., FCCM 2021): the least latency ``design``'s networks, so assigned, reach
    on *any* chip of ``space`` within its PE and bandwidth budgets.

    `hwcodesign.mapper.hao.min_latency_cycles` solves the integer program over every
    (rows, cols, bandwidth) candidate of the space per sub-accelerator, with ideal compute
    and weights read once; ``0.0`` when the solver did not prove optimality in time.
    """
    from hwcodesign.mapper.hao import HAOConfig, min_latency_cycles

    hw = space.hardware
    candidates = [HAOConfig(rows=r, cols=c, bandwidth_bytes_per_cycle=b)
                  for r in hw.rows for c in hw.cols for b in hw.bandwidths]
    limits = {"pes": hw.pe_budget, "bandwidth_bytes_per_cycle": hw.bandwidth_budget}
    tasks = list(design.networks)
    workloads = [space.tasks[t].workload(design.networks[t]) for t in tasks]
    cycles = min_latency_cycles(workloads, [candidates] * len(design.chip.subs), limits,
                                assignment=[design.assignment[t] for t in tasks], time_limit_s=time_limit_s)
    return cycles / hw.clock_hz * 1e3


def hao_prune(space: CodesignSpace, specs: Specs, *, time_limit_s: float = 2.0) -> Callable[[dict], str | None]:
    """A ``prune(point)`` for the ``hao`` strategy: the reason a point cannot meet the latency spec, or None.

    Two lower bounds, cheapest first: `latency_lower_bound_ms` on the point's own chip
    (every PE busy every cycle), then `hao_latency_bound_ms` over every chip of the space
    (cached per networks and assignment). A point over the spec under either is dropped
    without simulation.
    """
    cache: dict[tuple, float] = {}

    def prune(point: dict) -> str | None:
        if specs.latency_ms is None:
            return None
        design = space.decode(point)
        bound = latency_lower_bound_ms(space, design)
        if bound > specs.latency_ms:
            return f"compute bound on its chip {bound:.4g} ms > spec {specs.latency_ms:.4g} ms"
        key = (tuple(design.networks.values()), tuple(design.assignment.values()))
        if key not in cache:
            cache[key] = hao_latency_bound_ms(space, design, time_limit_s=time_limit_s)
        if cache[key] > specs.latency_ms:
            return f"HAO bound on any chip of the space {cache[key]:.4g} ms > spec {specs.latency_ms:.4g} ms"
        return None

    return prune


def _open_store(store: Any, evaluator: Evaluator):
    if store is None:
        return None, False
    from hwcodesign.codesign.store import ResultStore

    if isinstance(store, ResultStore):
        return store, False
    return ResultStore(Path(store), kind="study", definition=evaluator.definition()), True


def explore(space: CodesignSpace, specs: Specs | None = None, *, strategy: str = "evolution", budget: int = 200,
            seed: int = 0, batch: int = 10, store: Any = None, progress: bool = False, jobs: int = 1,
            mapping_budget: int = 50, costs: OperatorCosts | None = None,
            strategy_options: Mapping[str, Any] | None = None, penalty: float = 1.0) -> Study:
    """Co-explore ``space`` under ``specs`` with ``strategy`` until ``budget`` distinct points have records.

    Parameters
    ----------
    space, specs
        What is searched and the hard specs (`Specs`; none by default).
    strategy, strategy_options, seed
        A registered strategy (``random``, ``grid``, ``evolution``, ``reinforce``, ``nsga2``,
        ``hao``) and its options; ``hao`` gets `hao_prune` unless ``prune`` is given.
    budget, batch
        Distinct design points to evaluate; points asked per round.
    store
        A path (or open `ResultStore`): records are written as batches finish, and
        records already there are reused, not re-evaluated.
    progress
        Show a tqdm progress bar on stderr.
    jobs
        Processes that map new (sub-accelerator, operator shape) pairs in parallel.
    mapping_budget, penalty, costs
        `Evaluator` settings; ``costs``, an `OperatorCosts` cache to share between studies
        (its own mapping settings then apply).
    """
    budget = require_int("budget", budget, low=1)
    batch = require_int("batch", batch, low=1)
    specs = specs or Specs()
    evaluator = Evaluator(space, specs, mapping_budget=mapping_budget, penalty=penalty, costs=costs)
    options = dict(strategy_options or {})
    if strategy == "hao" and space.gpu:
        raise ConfigError("The 'hao' strategy bounds the latency of a chip; it does not apply to a GPU target.")
    if strategy == "hao":
        options.setdefault("prune", hao_prune(space, specs))
        options.setdefault("pruned_outcome", Outcome(reward=-1.0, feasible=False))
    search = space.search_space()
    strat = make_strategy(strategy, search, seed=seed, **options)
    db, owned = _open_store(store, evaluator)
    stored = dict(db.records()) if db is not None else {}
    records: dict[str, dict[str, Any]] = {}
    study = Study(records=[], specs=specs, strategy=strategy, seed=seed, budget=budget)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=budget, unit="pt", desc=f"explore ({strategy})", leave=False)
    start = time.perf_counter()
    repeats = 0
    pool = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None
    try:
        while len(records) < budget and not strat.done and repeats < _MAX_REPEATS * budget:
            points = strat.ask(min(batch, budget - len(records)))
            if not points:
                break
            keys = [search.key(p) for p in points]
            fresh: dict[str, dict] = {}
            for key, point in zip(keys, points, strict=True):
                if key not in records and key not in stored and key not in fresh:
                    fresh[key] = point
            if pool is not None and len(fresh) > 1:
                evaluator.prefetch(list(fresh.values()), pool=pool)
            new = {key: evaluator.evaluate(point) for key, point in fresh.items()}
            if db is not None and new:
                db.put_many(new.items())
            before = len(records)
            for key in keys:
                if key not in records and len(records) < budget:
                    if key in new:
                        study.evaluated += 1
                    else:
                        study.reused += key in stored
                    records[key] = new.get(key) or stored[key]
            repeats += len(points) - (len(records) - before)
            strat.tell(points, [Evaluator.outcome(records.get(k) or new.get(k) or stored[k]) for k in keys])
            if bar is not None:
                bar.update(len(records) - before)
                best = min(records.values(), key=lambda r: _rank(r, specs))
                bar.set_postfix_str(f"best {best['accuracy_mean']:.2f}% {'ok' if best['feasible'] else 'violates'}")
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if bar is not None:
            bar.close()
        if owned:
            db.close()
    study.seconds = time.perf_counter() - start
    study.records = list(records.values())
    for point, reason in getattr(strat, "pruned", []):
        study.pruned.append({"key": search.key(point), **point, "pruned": reason})
    log.info("explore: %d points (%d simulated, %d reused) in %.1f s", len(records), study.evaluated, study.reused,
             study.seconds)
    return study


def successive(space: CodesignSpace, specs: Specs | None = None, *, strategy: str = "evolution", budget: int = 200,
               seed: int = 0, store: Any = None, **options: Any) -> Study:
    """The successive baseline: each task's most accurate network, then `explore` over the hardware only.

    ``options`` are those of `explore`; each task's most accurate network is its space's ``best(1)``.
    """
    networks = {task: net_space.best(1)[0] for task, net_space in space.tasks.items()}
    fixed = space.fix_networks(networks)
    study = explore(fixed, specs, strategy=strategy, budget=budget, seed=seed, store=store, **options)
    study.networks_fixed = networks
    return study
