"""The one error hierarchy of hwcodesign.

Every error subclasses :class:`HwcodesignError` and also the built-in exception a
caller would naturally catch, so ``except ValueError`` keeps working.

Examples
--------
>>> from hwcodesign.core.errors import ConfigError
>>> try:
...     raise ConfigError("The 'rows' field of PEArraySpec must be an int >= 1. Got 0.")
... except ValueError as exc:
...     print(type(exc).__name__)
ConfigError
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "HwcodesignError",
    "ConfigError",
    "UnknownNameError",
    "SimulationError",
    "did_you_mean",
]


class HwcodesignError(Exception):
    """Base class of every error raised by hwcodesign."""


class ConfigError(HwcodesignError, ValueError):
    """A user-supplied value (spec field, file line, CLI flag) is invalid."""


class UnknownNameError(ConfigError, LookupError):
    """A name (template, workload, field, key) is not known; the message suggests close matches."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        known = sorted(known)
        self.kind, self.name, self.known = kind, name, known
        super().__init__(f"Unknown {kind} {name!r}.{did_you_mean(name, known)} Known: {', '.join(known)}.")


class SimulationError(HwcodesignError, RuntimeError):
    """An engine reached a state its model does not allow (a bug or an unsupported case)."""


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest known names, or ``""``.

    Examples
    --------
    >>> did_you_mean("resnet81", ["resnet18", "vgg16"])
    " Did you mean 'resnet18'?"
    """
    close = difflib.get_close_matches(str(name), list(known), n=3, cutoff=0.6)
    if not close:
        return ""
    return " Did you mean " + " or ".join(repr(c) for c in close) + "?"
