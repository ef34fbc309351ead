"""Checks of plain arguments: an int in a range, a number in a range.

Spec fields are checked by `hwcodesign.core.spec`; these are for function arguments,
options and fields of small records that are not specs. Each returns the value
(``int`` or ``float``) or raises `ConfigError` naming the field and what is allowed.
A bool is never accepted as a number.

Examples
--------
>>> require_int("cores", 4, low=1)
4
>>> require_int("cores", True, low=1)
Traceback (most recent call last):
...
hwcodesign.core.errors.ConfigError: The 'cores' argument must be an int >= 1. Got True.
>>> require_int("size", 40, low=32, multiple_of=32, where="argument of yolov3_tiny")
Traceback (most recent call last):
...
hwcodesign.core.errors.ConfigError: The 'size' argument of yolov3_tiny must be an int >= 32 and a multiple of 32. Got 40.
>>> require_number("baseline_decay", 1, low=0, high=1, high_inclusive=False, where="option of Reinforce")
Traceback (most recent call last):
...
hwcodesign.core.errors.ConfigError: The 'baseline_decay' option of Reinforce must be a number in [0, 1). Got 1.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any, NoReturn

from hwcodesign.core.errors import ConfigError

__all__ = ["require_int", "require_number"]


def require_int(field: str, value: Any, *, low: int | None = None, high: int | None = None,
                multiple_of: int | None = None, none_ok: bool = False, alternatives: tuple[str, ...] = (),
                where: str = "argument") -> int | None:
    """Return ``value`` as an ``int`` if it is an integer (not a bool) in ``[low, high]``; None only with ``none_ok``.

    Parameters
    ----------
    field
        The name the message quotes.
    value
        What was given; any `numbers.Integral` but a bool passes (numpy ints too).
    low, high
        Inclusive bounds; None: unbounded.
    multiple_of
        ``value`` must also be a multiple of this.
    none_ok
        Also accept ``None`` (and return it).
    alternatives
        Other forms the caller accepts and has already checked for (``"a numpy Generator"``); the
        message lists them among the allowed values.
    where
        The words after the quoted field: ``"argument"``, ``"field of Step"``, ``"option of NSGA2"``.

    Examples
    --------
    >>> require_int("seq_len", 128, low=1, high=512)
    128
    >>> require_int("offset_bytes", None, low=0, none_ok=True) is None
    True
    >>> require_int("seq_len", 600, low=1, high=512)
    Traceback (most recent call last):
    ...
    hwcodesign.core.errors.ConfigError: The 'seq_len' argument must be an int in [1, 512]. Got 600.
    >>> require_int("seed", -1, low=0, none_ok=True, alternatives=("a numpy Generator",))
    Traceback (most recent call last):
    ...
    hwcodesign.core.errors.ConfigError: The 'seed' argument must be an int >= 0, a numpy Generator or None. Got -1.
    """
    if value is None and none_ok:
        return None
    ok = isinstance(value, Integral) and not isinstance(value, bool)
    ok = ok and (low is None or value >= low) and (high is None or value <= high)
    ok = ok and (multiple_of is None or value % multiple_of == 0)
    if not ok:
        requirement = "an int" + _range_text(low, high, True, True)
        if multiple_of is not None:
            requirement += f" and a multiple of {multiple_of}"
        _fail(field, value, where, requirement, alternatives, none_ok)
    return int(value)


def require_number(field: str, value: Any, *, low: float | None = None, low_inclusive: bool = True,
                   high: float | None = None, high_inclusive: bool = True, where: str = "argument") -> float:
    """Return ``value`` as a ``float`` if it is a real number (not a bool, not NaN) within the bounds.

    ``low`` and ``high`` are inclusive unless ``low_inclusive`` / ``high_inclusive`` is False;
    None leaves that side unbounded (infinities then pass). ``field`` and ``where`` are as
    for `require_int`.

    Examples
    --------
    >>> require_number("time_limit_s", 10, low=0, low_inclusive=False)
    10.0
    >>> require_number("learning_rate", 0.0, low=0, low_inclusive=False, where="option of Reinforce")
    Traceback (most recent call last):
    ...
    hwcodesign.core.errors.ConfigError: The 'learning_rate' option of Reinforce must be a number > 0. Got 0.0.
    >>> require_number("reward", float("nan"))
    Traceback (most recent call last):
    ...
    hwcodesign.core.errors.ConfigError: The 'reward' argument must be a number that is not NaN. Got nan.
    """
    try:
        number = float(value) if isinstance(value, Real) and not isinstance(value, bool) else math.nan
    except OverflowError:  # an int beyond the float range, e.g. 10**400
        number = math.nan
    ok = not math.isnan(number)
    if ok and low is not None:
        ok = number >= low if low_inclusive else number > low
    if ok and high is not None:
        ok = number <= high if high_inclusive else number < high
    if not ok:
        bounds = _range_text(low, high, low_inclusive, high_inclusive)
        _fail(field, value, where, "a number" + (bounds or " that is not NaN"), (), False)
    return number


def _range_text(low: float | None, high: float | None, low_inclusive: bool, high_inclusive: bool) -> str:
    if low is not None and high is not None:
        return f" in {'[' if low_inclusive else '('}{low}, {high}{']' if high_inclusive else ')'}"
    if low is not None:
        return f" {'>=' if low_inclusive else '>'} {low}"
    if high is not None:
        return f" {'<=' if high_inclusive else '<'} {high}"
    return ""


def _fail(field: str, value: Any, where: str, requirement: str, alternatives: tuple[str, ...], none_ok: bool) -> NoReturn:
    allowed = [requirement, *alternatives, *(["None"] if none_ok else [])]
    text = allowed[0] if len(allowed) == 1 else ", ".join(allowed[:-1]) + " or " + allowed[-1]
    raise ConfigError(f"The {field!r} {where} must be {text}. Got {value!r}.")
