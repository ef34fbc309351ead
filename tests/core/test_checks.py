"""require_int / require_number: what passes, what is returned, and the message of what fails."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from hwcodesign.core.checks import require_int, require_number
from hwcodesign.core.errors import ConfigError


def test_require_int_accepts_exactly_the_ints_in_range_and_multiples():
    # brute force against the plain definition over a small grid of values and bounds
    for low in (None, -2, 0, 3):
        for high in (None, 4, 9):
            for multiple in (None, 2, 3):
                for v in range(-5, 13):
                    allowed = ((low is None or v >= low) and (high is None or v <= high)
                               and (multiple is None or v % multiple == 0))
                    if allowed:
                        assert require_int("x", v, low=low, high=high, multiple_of=multiple) == v
                    else:
                        with pytest.raises(ConfigError):
                            require_int("x", v, low=low, high=high, multiple_of=multiple)


@pytest.mark.parametrize("bad", [True, False, 1.0, 2.5, "3", None, [1], np.bool_(True)])
def test_require_int_rejects_non_ints(bad):
    with pytest.raises(ConfigError, match=r"^The 'n' argument must be an int >= 0\. Got "):
        require_int("n", bad, low=0)


def test_require_int_takes_numpy_ints_and_returns_a_plain_int():
    out = require_int("n", np.int64(7), low=1)
    assert out == 7 and type(out) is int


def test_require_int_messages():
    cases = [
        (dict(low=1), 0, "The 'n' argument must be an int >= 1. Got 0."),
        (dict(high=5), 6, "The 'n' argument must be an int <= 5. Got 6."),
        (dict(low=1, high=512), 513, "The 'n' argument must be an int in [1, 512]. Got 513."),
        (dict(low=8, multiple_of=8), 12, "The 'n' argument must be an int >= 8 and a multiple of 8. Got 12."),
        (dict(low=0, where="field of Step"), -1, "The 'n' field of Step must be an int >= 0. Got -1."),
        (dict(low=0, none_ok=True), "a", "The 'n' argument must be an int >= 0 or None. Got 'a'."),
        (dict(low=0, none_ok=True, alternatives=("a numpy Generator",)), -3,
         "The 'n' argument must be an int >= 0, a numpy Generator or None. Got -3."),
        (dict(), 1.5, "The 'n' argument must be an int. Got 1.5."),
    ]
    for kwargs, value, message in cases:
        with pytest.raises(ConfigError) as info:
            require_int("n", value, **kwargs)
        assert str(info.value) == message


def test_require_int_none_only_when_allowed():
    assert require_int("n", None, none_ok=True) is None
    with pytest.raises(ConfigError, match="must be an int. Got None"):
        require_int("n", None)


def test_require_number_bounds_and_inclusivity():
    assert require_number("p", 0, low=0, high=1) == 0.0
    assert require_number("p", 1, low=0, high=1) == 1.0
    with pytest.raises(ConfigError, match=r"must be a number in \(0, 1\]\. Got 0"):
        require_number("p", 0, low=0, low_inclusive=False, high=1)
    with pytest.raises(ConfigError, match=r"must be a number in \[0, 1\)\. Got 1"):
        require_number("p", 1, low=0, high=1, high_inclusive=False)
    with pytest.raises(ConfigError, match=r"must be a number <= 2\. Got 3"):
        require_number("p", 3, high=2)
    assert require_number("p", math.inf, low=0) == math.inf  # unbounded above


def test_require_number_types():
    for good, expected in ((3, 3.0), (2.5, 2.5), (np.float32(0.5), 0.5), (Fraction(1, 4), 0.25), (np.int8(-2), -2.0)):
        out = require_number("v", good)
        assert out == expected and type(out) is float
    for bad in (True, "1", None, math.nan, 10**400):
        with pytest.raises(ConfigError, match=r"^The 'v' option of X must be a number"):
            require_number("v", bad, where="option of X")
