"""One way to turn a ``seed`` argument into a random generator.

Examples
--------
>>> rng = as_generator(7)
>>> int(rng.integers(0, 100)) == int(as_generator(7).integers(0, 100))
True
"""

from __future__ import annotations

import numpy as np

from hwcodesign.core.errors import ConfigError

__all__ = ["Seed", "as_generator"]

Seed = int | np.random.Generator | None


def as_generator(seed: Seed) -> np.random.Generator:
    """Return a `numpy.random.Generator` from an int, a generator or ``None`` (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0):
        return np.random.default_rng(seed)
    raise ConfigError(f"The 'seed' argument must be an int >= 0, a numpy Generator or None. Got {seed!r}.")
