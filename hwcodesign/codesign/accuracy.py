"""Accuracy sources for network spaces: measured tables, or a function the user supplies.

An accuracy source maps a network's identifier (for NAS-Bench-201, its cell string) to
its test accuracy in percent. Accuracy is never invented here: `NB201Accuracy` reads the
measured NAS-Bench-201 table shipped with the package (every one of the 15,625 cells
trained for 200 epochs on CIFAR-10, CIFAR-100 and ImageNet16-120; source and licence in
``hwcodesign/validation/data/measured/README.md``); `FunctionAccuracy` wraps the user's
own function (a lookup in their benchmark, a short training run, a trained predictor).

Examples
--------
>>> from hwcodesign.workloads.zoo.nb201 import NB201_BEST_CIFAR10
>>> source = NB201Accuracy("cifar10")
>>> source(NB201_BEST_CIFAR10)
94.3633
>>> [source(arch) for arch in source.best(3)]
[94.3733, 94.3733, 94.3633]
>>> FunctionAccuracy(lambda net: 50.0 + len(net))("abcd")
54.0
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from importlib import resources

import numpy as np

from hwcodesign.core.errors import ConfigError, UnknownNameError

__all__ = ["NB201_TASKS", "NB201Accuracy", "FunctionAccuracy", "nb201_table"]

#: NAS-Bench-201 tasks: our short name -> (dataset name of `hwcodesign.workloads.zoo.nb201.nb201`, column).
NB201_TASKS = {
    "cifar10": ("cifar10", "cifar10_pct"),
    "cifar100": ("cifar100", "cifar100_pct"),
    "imagenet16": ("ImageNet16-120", "imagenet16_pct"),
}

_DATA = "validation/data/measured/nb201"


@functools.cache
def nb201_table():
    """The measured NB201 table: ``nb201_index, arch_str`` and one accuracy column (%) per task, read once.

    Examples
    --------
    >>> table = nb201_table()
    >>> len(table), list(table.columns)
    (15625, ['nb201_index', 'arch_str', 'cifar10_pct', 'cifar100_pct', 'imagenet16_pct'])
    """
    import pandas as pd

    root = resources.files("hwcodesign").joinpath(_DATA)
    with root.joinpath("archs.csv").open() as f:
        archs = pd.read_csv(f)
    with root.joinpath("accuracy.csv").open() as f:
        accuracy = pd.read_csv(f)
    return archs.merge(accuracy, on="nb201_index", validate="one_to_one")


class NB201Accuracy:
    """Measured NAS-Bench-201 test accuracy (%) of a cell string on ``task`` (a key of `NB201_TASKS`)."""

    def __init__(self, task: str = "cifar10") -> None:
        if task not in NB201_TASKS:
            raise UnknownNameError("NAS-Bench-201 task", task, list(NB201_TASKS))
        self.task = task
        self.column = NB201_TASKS[task][1]

    def __repr__(self) -> str:
        return f"NB201Accuracy({self.task!r})"

    @functools.cached_property
    def _by_arch(self) -> dict[str, float]:
        table = nb201_table()
        return dict(zip(table["arch_str"], table[self.column].astype(float), strict=True))

    def __call__(self, arch_str: str) -> float:
        try:
            return self._by_arch[arch_str]
        except KeyError:
            raise ConfigError(f"{arch_str!r} is not a NAS-Bench-201 cell string of the measured table.") from None

    def best(self, k: int = 1) -> list[str]:
        """The ``k`` most accurate cells, best first (ties by table index)."""
        table = nb201_table()
        order = np.argsort(-table[self.column].to_numpy(), kind="stable")[:k]
        return [str(a) for a in table["arch_str"].to_numpy()[order]]


class FunctionAccuracy:
    """Accuracy (%) from the user's function of a network identifier; results are cached per identifier.

    The function must return a finite number in [0, 100]; anything else raises `ConfigError`.
    """

    def __init__(self, fn: Callable[[str], float]) -> None:
        if not callable(fn):
            raise ConfigError(f"FunctionAccuracy needs a callable network -> accuracy (%). Got {fn!r}.")
        self.fn = fn
        self._cache: dict[str, float] = {}

    def __repr__(self) -> str:
        return f"FunctionAccuracy({getattr(self.fn, '__name__', self.fn)!r})"

    def __call__(self, network: str) -> float:
        if network not in self._cache:
            value = self.fn(network)
            ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
            if not ok or not 0 <= value <= 100:
                raise ConfigError(f"The accuracy function returned {value!r} for {network!r}; "
                                  "it must return a number in [0, 100] (percent).")
            self._cache[network] = float(value)
        return self._cache[network]
