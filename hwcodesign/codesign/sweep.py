"""Sweeps: grids, random samples and zips over workloads, engines and ``a__b`` accelerator parameters.

A `Sweep` is a definition (a TOML file or a dict): values every point shares
(``fixed``), a ``grid`` (every combination), ``zip`` groups (lists that vary together)
and ``random`` samples (drawn from a seeded generator). The points are the product of
the grid, each zip group and the random samples. A point names its ``workload`` (a zoo
name or a topology file), ``engine`` (``systolic``, ``analytical``, ``event``),
``template`` (an accelerator template or spec file), optionally ``batch`` and
``precision``, engine options as ``ENGINE__OPTION`` (``systolic__mode``,
``analytical__budget``, ``event__cores``) and any accelerator parameter the template
takes (``rows``, ``pe_array__rows``, ``ifmap_sram__size_bytes``, ``dram__bandwidth_bytes_per_cycle``).

`run_sweep` evaluates the points not yet in the results store, in batches, on any
`concurrent.futures.Executor` (a local process pool by default, or a Dask cluster), and
writes each batch to the store as it finishes: a sweep killed at any moment is resumed by
running it again. One record per point: the whole-workload totals (latency, energy and its
parts, traffic, utilization, area) next to the point's parameters.

Examples
--------
>>> import tempfile, pathlib
>>> sweep = Sweep.from_dict({
...     "fixed": {"workload": "tiny"},
...     "grid": {"pe_array__rows": [8, 16]},
...     "zip": [{"ifmap_sram__size_bytes": [4096, 8192], "filter_sram__size_bytes": [4096, 8192]}],
... })
>>> len(sweep)  # a grid of 2 x one zip group of 2
4
>>> out = pathlib.Path(tempfile.mkdtemp()) / "sweep.sqlite"
>>> summary = run_sweep(sweep, out, jobs=1)
>>> summary.evaluated, summary.skipped, summary.infeasible
(4, 0, 0)
>>> run_sweep(sweep, out, jobs=1).skipped  # finished points are not evaluated again
4
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import functools
import hashlib
import inspect
import itertools
import json
import logging
import math
import os
import threading
import time
import tomllib
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from hwcodesign import __version__
from hwcodesign.codesign.store import ResultStore, to_jsonable
from hwcodesign.core.checks import require_int
from hwcodesign.core.errors import ConfigError, HwcodesignError, UnknownNameError
from hwcodesign.core.seeds import as_generator

__all__ = [
    "Sweep", "SweepSummary", "load_sweep", "run_sweep", "evaluate_point", "point_key",
    "ENGINES", "OBJECTIVES", "DISTRIBUTIONS", "RESERVED",
]

log = logging.getLogger(__name__)

#: The engines a point can name, with the keyword options a sweep may set as ``ENGINE__OPTION``.
ENGINES: dict[str, tuple[str, ...]] = {
    "systolic": ("mode", "fuse"),
    "analytical": ("objective", "search", "budget", "seed"),
    "event": ("cores", "strategy", "double_buffering", "fuse", "dma_engines", "row_buffer_miss_cycles"),
}
#: Names with a meaning of their own in a point; every other name is an accelerator parameter.
RESERVED = ("workload", "engine", "template", "batch", "precision")
#: Defaults of the reserved names a definition may leave out.
DEFAULTS = {"engine": "systolic", "template": "systolic"}
#: Record columns a sweep can rank by, and whether smaller or larger is better.
OBJECTIVES: dict[str, str] = {
    "latency_cycles": "min", "latency_s": "min", "energy_pj": "min", "edp_pj_cycles": "min",
    "area_mm2": "min", "dram_bytes": "min", "utilization": "max",
}
#: Distributions of a ``random`` parameter: ``{NAME = [lo, hi]}`` (``choice`` takes a list of values).
DISTRIBUTIONS = ("choice", "uniform", "log_uniform", "int_uniform", "pow2")
#: Keys of a definition.
_TOP_KEYS = ("schema_version", "name", "seed", "objectives", "fixed", "grid", "zip", "random")
SCHEMA_VERSION = 1
#: Per-operator columns summed into a point's totals (with every ``energy_*_pj``).
_SUMMED = ("macs", "latency_cycles", "compute_cycles", "stall_cycles", "sram_read_bytes", "sram_write_bytes",
           "dram_read_bytes", "dram_write_bytes")


# -- definition ---------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, kw_only=True)
class Sweep:
    """A sweep definition (see the module docstring); build with `Sweep.from_dict` or `load_sweep`.

    Those validate the definition and fill in the defaults; the constructor itself takes a
    definition as `to_dict` wrote it (e.g. read back from a results store) without checking it again.

    Attributes
    ----------
    name
        A label.
    seed
        Seeds the ``random`` samples (the same seed gives the same points).
    objectives
        Columns of `OBJECTIVES` ``hwcodesign report`` ranks by (the first) and takes the Pareto front of.
    fixed
        Values every point shares; ``engine`` and ``template`` default to ``'systolic'``.
    grid
        ``{name: [values]}``: every combination.
    zip
        Groups ``{name: [values]}`` of equal-length lists that vary together.
    random
        ``{"samples": N, "params": {name: {distribution: [lo, hi]}}}``.
    """

    name: str = "sweep"
    seed: int = 0
    objectives: tuple[str, ...] = ("latency_cycles", "energy_pj")
    fixed: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    grid: Mapping[str, Sequence[Any]] = dataclasses.field(default_factory=dict)
    zip: Sequence[Mapping[str, Sequence[Any]]] = ()
    random: Mapping[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "the sweep definition") -> Sweep:
        """Validate a definition dict (as read from TOML); raise `ConfigError` naming the bad entry."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"{source} must be a table of {', '.join(_TOP_KEYS)}. Got {type(data).__name__}.")
        for key in data:
            if key not in _TOP_KEYS:
                raise UnknownNameError(f"key in {source}", key, _TOP_KEYS)
        if data.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
            raise ConfigError(f"The 'schema_version' of {source} must be {SCHEMA_VERSION}. "
                              f"Got {data['schema_version']!r}.")
        name = data.get("name", "sweep")
        if not isinstance(name, str):
            raise ConfigError(f"The 'name' of {source} must be a str. Got {name!r}.")
        seed = require_int("seed", data.get("seed", 0), low=0, where=f"of {source}")
        objectives = data.get("objectives", ("latency_cycles", "energy_pj"))
        if isinstance(objectives, str) or not isinstance(objectives, Sequence) or not objectives:
            raise ConfigError(f"The 'objectives' of {source} must be a non-empty list of "
                              f"{', '.join(OBJECTIVES)}. Got {objectives!r}.")
        for objective in objectives:
            if objective not in OBJECTIVES:
                raise UnknownNameError(f"objective in {source}", objective, OBJECTIVES)
        fixed = _table(data.get("fixed", {}), "fixed", source)
        grid = _table(data.get("grid", {}), "grid", source)
        for axis, values in grid.items():
            _check_values(values, f"grid parameter {axis!r}", source)
        zips = data.get("zip", ())
        if isinstance(zips, Mapping):
            zips = [zips]
        if not isinstance(zips, Sequence) or isinstance(zips, str):
            raise ConfigError(f"The 'zip' of {source} must be a list of tables ([[zip]] in TOML). Got {zips!r}.")
        zips = [_table(group, f"zip[{i}]", source) for i, group in enumerate(zips)]
        for i, group in enumerate(zips):
            lengths = {}
            for axis, values in group.items():
                _check_values(values, f"zip[{i}] parameter {axis!r}", source, distinct=False)
                lengths[axis] = len(values)
            if len(set(lengths.values())) > 1:
                raise ConfigError(f"The lists of zip[{i}] in {source} must have equal lengths. Got {lengths}.")
        random = _check_random(data.get("random"), source)
        blocks = [("fixed", fixed), ("grid", grid), *((f"zip[{i}]", g) for i, g in enumerate(zips)),
                  ("random", (random or {}).get("params", {}))]
        seen: dict[str, str] = {}
        for block, names in blocks:
            for axis in names:
                if axis in seen:
                    raise ConfigError(f"The parameter {axis!r} is given twice in {source}: in {seen[axis]} "
                                      f"and in {block}.")
                seen[axis] = block
        fixed = {**{k: v for k, v in DEFAULTS.items() if k not in seen}, **fixed}
        if "workload" not in seen:
            raise ConfigError(f"{source} must name a 'workload' (in fixed, grid, zip or random), e.g. "
                              "fixed.workload = 'resnet18' or grid.workload = ['tiny', 'resnet18'].")
        sweep = cls(name=name, seed=seed, objectives=tuple(objectives), fixed=fixed, grid=grid, zip=tuple(zips),
                    random=random)
        sweep._check_names(source)
        return sweep

    def to_dict(self) -> dict[str, Any]:
        """The definition as a JSON-able dict (defaults filled in); `from_dict` reads it back."""
        out = {"schema_version": SCHEMA_VERSION, "name": self.name, "seed": self.seed,
               "objectives": list(self.objectives), "fixed": dict(self.fixed), "grid": dict(self.grid),
               "zip": [dict(group) for group in self.zip]}
        if self.random is not None:
            out["random"] = self.random
        return to_jsonable(out)

    # -- points ------------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        """Number of points (before removing duplicate random samples)."""
        sizes = [len(v) for v in self.grid.values()] + [len(next(iter(g.values()))) for g in self.zip if g]
        if self.random is not None:
            sizes.append(self.random["samples"])
        return math.prod(sizes)

    def values_of(self, name: str) -> list[Any]:
        """The distinct values ``name`` takes in the definition (a random distribution gives ``[]``)."""
        if name in self.fixed:
            return [self.fixed[name]]
        if name in self.grid:
            return list(self.grid[name])
        for group in self.zip:
            if name in group:
                return list(dict.fromkeys(_hashable(v) for v in group[name]))
        params = (self.random or {}).get("params", {})
        if name in params and "choice" in params[name]:
            return list(params[name]["choice"])
        return []

    @property
    def names(self) -> list[str]:
        """Every parameter name of the points, in definition order."""
        names = [*self.fixed, *self.grid, *(n for g in self.zip for n in g)]
        return names + list((self.random or {}).get("params", {}))

    @property
    def varying(self) -> list[str]:
        """The parameter names that take more than one value."""
        return [n for n in self.names if n not in self.fixed and len(self.values_of(n)) != 1]

    def points(self) -> Iterator[dict[str, Any]]:
        """Yield every point in a fixed order (grid, then zip groups, then random samples, last varying fastest)."""
        grid_axes = [[(name, v) for v in values] for name, values in self.grid.items()]
        zip_axes = [[tuple(zip(group, values, strict=True)) for values in zip(*group.values(), strict=True)]
                    for group in self.zip if group]
        samples = [tuple(s.items()) for s in self._samples()] if self.random is not None else []
        axes: list[list[Any]] = [[(item,) for item in axis] for axis in grid_axes] + zip_axes
        if self.random is not None:
            axes.append(samples)
        for combo in itertools.product(*axes):
            point = dict(self.fixed)
            for pairs in combo:
                point.update(pairs)
            yield point

    def _samples(self) -> list[dict[str, Any]]:
        rng = as_generator(self.seed)
        params = self.random["params"]
        return [{name: _draw(rng, dist) for name, dist in params.items()} for _ in range(self.random["samples"])]

    def keyed_points(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield ``(point_key(point), point)`` once per distinct point."""
        seen: set[str] = set()
        for point in self.points():
            key = point_key(point)
            if key not in seen:
                seen.add(key)
                yield key, point

    # -- validation --------------------------------------------------------------------------------------------
    def _check_names(self, source: str) -> None:
        """Refuse unknown names and values before any point runs (value errors of combinations are data)."""
        from hwcodesign.accelerators import get_accelerator
        from hwcodesign.workloads import load_workload

        for engine in self.values_of("engine") or [None]:
            if engine not in ENGINES:
                raise ConfigError(f"The 'engine' of {source} must be one of {', '.join(ENGINES)}. Got {engine!r}.")
        for workload in self.values_of("workload"):
            if not isinstance(workload, str):
                raise ConfigError(f"A 'workload' of {source} must be a zoo name or a file. Got {workload!r}.")
            for batch, precision in itertools.product(self.values_of("batch") or [None],
                                                      self.values_of("precision") or [None]):
                options = {k: v for k, v in (("batch", batch), ("precision", precision)) if v is not None}
                load_workload(workload, **options)
        templates = self.values_of("template")
        if not templates or not all(isinstance(t, str) for t in templates):
            raise ConfigError(f"The 'template' of {source} must be one or more template names or spec files "
                              f"(fixed, grid or zip). Got {templates or 'a random distribution'}.")
        engines = set(self.values_of("engine"))
        for name in self.names:
            if name in RESERVED:
                continue
            head, sep, option = name.partition("__")
            if sep and head in ENGINES:
                if option not in ENGINES[head]:
                    raise UnknownNameError(f"option of the {head} engine in {source}", option, ENGINES[head])
                if head not in engines:
                    raise ConfigError(f"{source} sets {name!r} but never runs the {head} engine "
                                      f"(engines: {', '.join(sorted(engines))}).")
                for value in self.values_of(name):
                    _check_engine_option(head, option, value, source)
                continue
            for template in templates:
                for value in self.values_of(name) or [None]:
                    try:
                        if value is None:  # a random distribution: check the name only
                            acc = get_accelerator(template)
                            if name not in _template_names(template, acc):
                                raise UnknownNameError(f"parameter of template {template!r}", name,
                                                       _template_names(template, acc))
                        else:
                            get_accelerator(template, **{name: value})
                    except UnknownNameError:
                        raise
                    except ConfigError as exc:
                        raise ConfigError(f"The value {value!r} of {name!r} in {source} does not suit template "
                                          f"{template!r}: {exc}") from None


def _template_names(template: str, acc: Any) -> list[str]:
    from hwcodesign.accelerators import TEMPLATES
    from hwcodesign.core.spec import get_params

    try:
        factory_args = list(inspect.signature(TEMPLATES.get(template)).parameters)
    except LookupError:  # a spec file: parameter names only
        factory_args = []
    params = set(get_params(acc))
    aliases = {f"{buffer.name}__{name.split('__', 2)[2]}"  # Accelerator.with_params takes buffer names
               for i, buffer in enumerate(acc.buffers) for name in params if name.startswith(f"buffers__{i}__")}
    return sorted(set(factory_args) | params | aliases)


def _table(value: Any, block: str, source: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"The '{block}' of {source} must be a table of parameter names. Got {value!r}.")
    for name in value:
        if not isinstance(name, str) or not name:
            raise ConfigError(f"The '{block}' of {source} has a bad parameter name {name!r}.")
    return dict(value)


def _check_values(values: Any, what: str, source: str, *, distinct: bool = True) -> None:
    if isinstance(values, str) or not isinstance(values, Sequence) or not values:
        raise ConfigError(f"The {what} of {source} must be a non-empty list of values. Got {values!r}.")
    if distinct:
        keys = [json.dumps(to_jsonable(v), sort_keys=True) for v in values]
        repeated = sorted({v for v in keys if keys.count(v) > 1})
        if repeated:
            raise ConfigError(f"The {what} of {source} repeats {', '.join(repeated)}; list each value once.")


def _check_random(random: Any, source: str) -> dict[str, Any] | None:
    if random is None:
        return None
    where = f"the 'random' table of {source}"
    if not isinstance(random, Mapping):
        raise ConfigError(f"{where} must be a table with 'samples' and 'params'. Got {random!r}.")
    for key in random:
        if key not in ("samples", "params"):
            raise UnknownNameError(f"key in {where}", key, ("samples", "params"))
    samples = require_int("samples", random.get("samples"), low=1, where=f"of {where}")
    params = random.get("params")
    if not isinstance(params, Mapping) or not params:
        raise ConfigError(f"The 'params' of {where} must be a non-empty table of NAME = {{distribution = ...}}, "
                          f"distributions: {', '.join(DISTRIBUTIONS)}. Got {params!r}.")
    out: dict[str, dict[str, Any]] = {}
    for name, dist in params.items():
        if isinstance(dist, Sequence) and not isinstance(dist, str):
            dist = {"choice": list(dist)}
        if not isinstance(dist, Mapping) or len(dist) != 1:
            raise ConfigError(f"The random parameter {name!r} of {source} must be one of "
                              f"{{{' | '.join(f'{d} = [...]' for d in DISTRIBUTIONS)}}} or a list. Got {dist!r}.")
        ((kind, args),) = dist.items()
        if kind not in DISTRIBUTIONS:
            raise UnknownNameError(f"distribution of random parameter {name!r}", kind, DISTRIBUTIONS)
        if kind == "choice":
            _check_values(args, f"choice of random parameter {name!r}", source)
        else:
            ok = (isinstance(args, Sequence) and len(args) == 2 and all(
                isinstance(a, int | float) and not isinstance(a, bool) for a in args) and args[0] <= args[1])
            ok = ok and (kind not in ("log_uniform", "pow2") or args[0] > 0)
            ok = ok and (kind not in ("int_uniform", "pow2") or all(isinstance(a, int) for a in args))
            ok = ok and (kind != "pow2" or all(a & (a - 1) == 0 for a in args))
            if not ok:
                need = {"uniform": "numbers", "log_uniform": "numbers > 0", "int_uniform": "ints",
                        "pow2": "powers of two"}[kind]
                raise ConfigError(f"The {kind} of random parameter {name!r} in {source} must be [lo, hi] with "
                                  f"lo <= hi, both {need}. Got {args!r}.")
        out[name] = {kind: list(args)}
    return {"samples": samples, "params": out}


def _draw(rng: Any, dist: Mapping[str, Sequence[Any]]) -> Any:
    ((kind, args),) = dist.items()
    if kind == "choice":
        return args[int(rng.integers(len(args)))]
    lo, hi = args
    if kind == "uniform":
        return float(rng.uniform(lo, hi))
    if kind == "log_uniform":
        return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))
    if kind == "int_uniform":
        return int(rng.integers(lo, hi, endpoint=True))
    return 2 ** int(rng.integers(lo.bit_length() - 1, hi.bit_length() - 1, endpoint=True))  # pow2


def _hashable(value: Any) -> Any:
    return json.dumps(to_jsonable(value)) if isinstance(value, list | dict) else value


def _engine_function(engine: str) -> Callable[..., Any]:
    if engine == "systolic":
        from hwcodesign.simulator.systolic import simulate
        return simulate
    if engine == "analytical":
        from hwcodesign.simulator.analytical import simulate
        return simulate
    from hwcodesign.simulator.event import run
    return run


def _check_engine_option(engine: str, option: str, value: Any, source: str) -> None:
    """Check ``value`` against the engine function's own annotation of ``option`` (Literal, bool, int, float)."""
    function = _engine_function(engine)
    annotation = inspect.signature(function).parameters[option].annotation
    hint = eval(annotation, function.__globals__) if isinstance(annotation, str) else annotation  # noqa: S307
    allowed: list[Any] = []
    for member in typing.get_args(hint) if typing.get_origin(hint) is not typing.Literal else [hint]:
        allowed.extend(typing.get_args(member) if typing.get_origin(member) is typing.Literal else [member])
    for item in allowed:
        if isinstance(item, type):
            if isinstance(value, item) and (item is bool or not isinstance(value, bool)):
                return
            if item is float and isinstance(value, int) and not isinstance(value, bool):
                return
        elif value == item and type(value) is type(item):
            return
    shown = ", ".join(a.__name__ if isinstance(a, type) else repr(a) for a in allowed)
    raise ConfigError(f"The value of '{engine}__{option}' in {source} must be one of {shown}. Got {value!r}.")


def load_sweep(path: str | Path) -> Sweep:
    """Read a sweep definition from a TOML file (see ``examples/sweeps/``).

    Examples
    --------
    >>> import hwcodesign, pathlib
    >>> example = pathlib.Path(hwcodesign.__file__).parents[1] / "examples" / "sweeps" / "systolic_grid.toml"
    >>> sweep = load_sweep(example)
    >>> len(sweep), sweep.varying[:2]
    (288, ['workload', 'pe_array__rows'])
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"Cannot read the sweep definition {str(path)!r}: {exc.strerror}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The sweep definition {str(path)!r} is not valid TOML: {exc}.") from None
    return Sweep.from_dict(data, source=repr(str(path)))


def point_key(point: Mapping[str, Any]) -> str:
    """A stable key of a point: the first 20 hex digits of the SHA-256 of its canonical JSON.

    Examples
    --------
    >>> point_key({"b": 2, "a": "x"}) == point_key({"a": "x", "b": 2})
    True
    """
    text = json.dumps(to_jsonable(point), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


# -- evaluation (runs in the workers) -----------------------------------------------------------------------------
@functools.lru_cache(maxsize=32)
def _workload(name: str, batch: int | None, precision: str | None) -> Any:
    from hwcodesign.workloads import load_workload

    options = {k: v for k, v in (("batch", batch), ("precision", precision)) if v is not None}
    return load_workload(name, **options)


def evaluate_point(point: Mapping[str, Any]) -> dict[str, Any]:
    """Simulate one point; return its record: the point's parameters and the whole-workload totals.

    An accelerator the values do not make (an invalid combination) or a layer the engine
    cannot map gives ``feasible=False`` with the ``reason``, not an exception.

    Examples
    --------
    >>> record = evaluate_point({"workload": "tiny", "engine": "systolic", "template": "systolic",
    ...                          "rows": 8, "cols": 8})
    >>> record["feasible"], record["num_pes"], record["layers"]
    (True, 64, 4)
    >>> evaluate_point({"workload": "tiny", "engine": "systolic", "template": "systolic", "rows": 0})["reason"]
    "ConfigError: The 'rows' field of PEArraySpec must be an int >= 1. Got 0."
    """
    from hwcodesign.accelerators import get_accelerator

    params = dict(point)
    engine = params.pop("engine")
    template = params.pop("template")
    workload_name = params.pop("workload")
    batch, precision = params.pop("batch", None), params.pop("precision", None)
    options = {}
    for name in [n for n in params if n.partition("__")[0] in ENGINES]:
        head, _, option = name.partition("__")
        value = params.pop(name)
        if head == engine:
            options[option] = value
    record: dict[str, Any] = {**to_jsonable(dict(point)), "hwcodesign_version": __version__}
    try:
        workload = _workload(workload_name, batch, precision)
        accelerator = get_accelerator(template, **params)
        function = _engine_function(engine)
        result = function(workload, accelerator, **options)
    except HwcodesignError as exc:
        return {**record, "feasible": False, "reason": f"{type(exc).__name__}: {exc}"}
    if engine == "event":
        table, makespan = result.table, result.timeline.makespan_cycles
    else:
        table, makespan = result, None
    return {**record, **_totals(table, accelerator, makespan=makespan)}


def _totals(table: Any, accelerator: Any, *, makespan: float | None) -> dict[str, Any]:
    """Whole-workload totals of a per-operator table (latency is the event engine's makespan when given)."""
    rows = list(table)
    columns = table.columns
    summed = [c for c in _SUMMED if c in columns] + [c for c in columns if c.startswith("energy_") and
                                                      c.endswith("_pj") and c != "energy_pj"] + ["energy_pj"]
    totals: dict[str, Any] = {c: sum(r.get(c) or 0 for r in rows) for c in summed}
    if makespan is not None:
        totals["latency_cycles"] = makespan
    cores = rows[0].get("cores", 1) if rows else 1
    infeasible = [r for r in rows if r.get("feasible") is False]
    latency = totals["latency_cycles"]
    peak = accelerator.peak_macs_per_cycle * cores
    return {
        "feasible": not infeasible,
        "reason": (f"{infeasible[0]['layer']}: {infeasible[0]['constraint']} needs {infeasible[0]['demand']:.6g} "
                   f"{infeasible[0]['constraint_unit']} > {infeasible[0]['bound']:.6g}" if infeasible else ""),
        "layers": len(rows),
        **totals,
        "latency_s": accelerator.seconds(latency),
        "utilization": totals["macs"] / (latency * peak) if latency else 0.0,
        "dram_bytes": totals.get("dram_read_bytes", 0) + totals.get("dram_write_bytes", 0),
        "edp_pj_cycles": totals["energy_pj"] * latency,
        "area_mm2": accelerator.area_mm2(),
        "num_pes": accelerator.num_pes * cores,
        "sram_bytes": accelerator.sram_bytes * cores,
        "clock_hz": accelerator.clock_hz,
    }


def evaluate_batch(batch: Sequence[tuple[str, Mapping[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """`evaluate_point` over ``(key, point)`` pairs: the unit of work sent to a worker."""
    return [(key, evaluate_point(point)) for key, point in batch]


def _exit_with_parent() -> None:
    """Worker initializer: leave when the parent dies (even by SIGKILL) instead of idling forever.

    The parent is the sweep process (fork, spawn) or a forkserver, which leaves with the sweep process.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="hwcodesign-parent-watch").start()


# -- execution ----------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class SweepSummary:
    """What one `run_sweep` call did."""

    path: Path
    points: int        #: distinct points of the definition
    skipped: int       #: already in the store when the run started
    evaluated: int     #: evaluated and stored by this run
    infeasible: int    #: of those, records with ``feasible=False``
    seconds: float
    workers: int
    batch_size: int

    @property
    def remaining(self) -> int:
        """Points still missing from the store (non-zero after a ``limit``)."""
        return self.points - self.skipped - self.evaluated

    @property
    def points_per_second(self) -> float:
        """Points evaluated per second of this run."""
        return self.evaluated / self.seconds if self.seconds > 0 else 0.0


def _batches(items: Iterable[tuple[str, dict[str, Any]]], size: int) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def _connect(scheduler: Any) -> tuple[Any, Any]:
    """``(client, owned)`` for a Dask scheduler address or Client."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise ConfigError("A Dask scheduler needs dask.distributed: pip install 'hwcodesign[distributed]'.") from None
    if isinstance(scheduler, Client):
        return scheduler, False
    if not isinstance(scheduler, str) or not scheduler:
        raise ConfigError(f"The scheduler must be an address such as 'tcp://host:8786' or a dask Client. "
                          f"Got {scheduler!r}.")
    try:
        return Client(scheduler, timeout="20s"), True
    except (OSError, TimeoutError) as exc:
        raise ConfigError(f"Cannot reach the Dask scheduler at {scheduler!r}: {exc}.") from None


def run_sweep(sweep: Sweep, out: str | Path, *, jobs: int | None = None, executor: cf.Executor | None = None,
              scheduler: Any = None, batch_size: int | None = None, limit: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> SweepSummary:
    """Evaluate the points of ``sweep`` missing from the store ``out``, writing each batch as it finishes.

    Parameters
    ----------
    sweep
        The definition. The store refuses a file written by another definition.
    out
        The SQLite results store (`ResultStore`), created if missing.
    jobs
        Worker processes of the default local pool (default: the CPU count); ``1`` runs in this process.
    executor
        Any `concurrent.futures.Executor` to use instead (you keep its ownership).
    scheduler
        A Dask scheduler address (``'tcp://host:8786'``) or a ``dask.distributed.Client``; its workers
        must have hwcodesign installed.
    batch_size
        Points per task; default about a sixteenth of each worker's share, between 1 and 256.
    limit
        Evaluate at most this many new points in this call.
    progress
        Called as ``progress(done, total)`` at the start and after each batch is stored: points stored
        by this call so far, and points this call evaluates.
    """
    if sum(x is not None for x in (executor, scheduler)) > 1:
        raise ConfigError("Give at most one of 'executor' and 'scheduler'.")
    for name, value in (("jobs", jobs), ("batch_size", batch_size), ("limit", limit)):
        require_int(name, value, low=1, none_ok=True, where="argument of run_sweep")
    start = time.perf_counter()
    with ResultStore(out, kind="sweep", definition=sweep.to_dict()) as store:
        done = store.done_keys()
        # Two passes over the points (count, then stream) keep memory to the keys, not the points.
        points = missing = 0
        for key, _ in sweep.keyed_points():
            points += 1
            missing += key not in done
        skipped = points - missing
        n_todo = missing if limit is None else min(missing, limit)
        todo = itertools.islice(((k, p) for k, p in sweep.keyed_points() if k not in done), n_todo)
        client, owned_client, own_pool = None, False, None
        if scheduler is not None:
            client, owned_client = _connect(scheduler)
            executor = client.get_executor()
            workers = max(1, sum(client.nthreads().values()))
        elif executor is not None:
            workers = getattr(executor, "_max_workers", 1)
        else:
            workers = jobs or os.cpu_count() or 1
        size = batch_size or max(1, min(256, math.ceil(n_todo / (16 * workers))))
        log.info("sweep %s: %d points, %d done, %d to evaluate on %d worker(s) in batches of %d",
                 sweep.name, points, skipped, n_todo, workers, size)
        written = infeasible = 0
        if progress is not None:
            progress(0, n_todo)
        try:
            if executor is None and workers > 1 and n_todo > size:
                own_pool = executor = cf.ProcessPoolExecutor(max_workers=workers, initializer=_exit_with_parent)
            if executor is None:
                results: Iterator[list[tuple[str, dict[str, Any]]]] = map(evaluate_batch, _batches(todo, size))
            else:
                results = _pipelined(executor, _batches(todo, size), in_flight=4 * workers)
            finished = 0
            for batch in results:
                written += store.put_many(batch)
                finished += len(batch)
                infeasible += sum(not record["feasible"] for _, record in batch)
                if progress is not None:
                    progress(finished, n_todo)
        finally:
            if own_pool is not None:
                own_pool.shutdown(wait=True, cancel_futures=True)
            if owned_client:
                client.close()
    return SweepSummary(path=Path(out), points=points, skipped=skipped, evaluated=written, infeasible=infeasible,
                        seconds=time.perf_counter() - start, workers=workers, batch_size=size)


def _pipelined(executor: cf.Executor, batches: Iterator[list], *, in_flight: int) -> Iterator[list]:
    """Results of ``evaluate_batch`` over ``batches`` as they finish, keeping ``in_flight`` tasks queued."""
    pending: set[cf.Future] = set()
    try:
        for batch in itertools.islice(batches, in_flight):
            pending.add(executor.submit(evaluate_batch, batch))
        while pending:
            finished, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                yield future.result()
                nxt = next(batches, None)
                if nxt is not None:
                    pending.add(executor.submit(evaluate_batch, nxt))
    finally:
        for future in pending:
            future.cancel()
