"""One way to turn a ``seed`` argument into a random generator.

Examples
--------
>>> rng = as_generator(7)
>>> int(rng.integers(0, 100)) == int(as_generator(7).integers(0, 100))
True
"""

from __future__ import annotations

import numpy as np

from hwcodesign.core.checks import require_int

__all__ = ["Seed", "as_generator"]

Seed = int | np.random.Generator | None


def as_generator(seed: Seed) -> np.random.Generator:
    """Return a `numpy.random.Generator` from an int, a generator or ``None`` (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(require_int("seed", seed, low=0, none_ok=True, alternatives=("a numpy Generator",)))
