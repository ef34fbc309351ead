"""Parse quantities with units ("256 KiB", "1 GHz") once, at the boundary.

Inside the toolkit every quantity is a plain number whose unit is in its name
(``size_bytes``, ``clock_hz``). These parsers turn what a user typed (a number or a
string with a unit) into that number, and say exactly what was wrong otherwise.

Binary prefixes (KiB, MiB, GiB) are powers of 1024; decimal ones (kB, MB, GB, kHz)
powers of 1000. ``KB`` is read as 1000 bytes, as the SI and IEC standards say.

Examples
--------
>>> parse_bytes("256 KiB")
262144
>>> parse_bytes(4096)
4096
>>> parse_hz("1 GHz")
1000000000.0
>>> parse_bytes("2 MB")
2000000
"""

from __future__ import annotations

import math
import re
from numbers import Real

from hwcodesign.core.errors import ConfigError

__all__ = ["parse_bytes", "parse_hz", "parse_quantity", "UNIT_PARSERS"]

_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z/]*)\s*$")

_DECIMAL = {"": 1, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}

_BYTE_UNITS = {p + "B": f for p, f in {**_DECIMAL, **_BINARY}.items()}
_BYTE_UNITS.update({"": 1, "byte": 1, "bytes": 1})
_HZ_UNITS = {p + "Hz": f for p, f in _DECIMAL.items()}
_HZ_UNITS[""] = 1


def parse_quantity(value: object, units: dict[str, float], *, what: str, field: str = "value") -> float:
    """Return ``value`` as a float in the base unit of ``units``.

    ``value`` is a real number (already in the base unit) or a string
    ``"<number> <unit>"`` whose unit is a key of ``units``.

    Examples
    --------
    >>> parse_quantity("3 kHz", {"Hz": 1, "kHz": 1e3}, what="a frequency")
    3000.0
    """
    if isinstance(value, bool):
        raise ConfigError(f"The {field!r} field must be {what}. Got {value!r}.")
    if isinstance(value, Real):
        number = float(value)
    elif isinstance(value, str):
        match = _NUMBER.match(value)
        if not match or match.group(2) not in units:
            allowed = ", ".join(repr(u) for u in units if u)
            raise ConfigError(
                f"The {field!r} field must be {what}: a number or a string like '<number> <unit>' "
                f"with unit one of {allowed}. Got {value!r}."
            )
        number = float(match.group(1)) * units[match.group(2)]
    else:
        raise ConfigError(f"The {field!r} field must be {what}. Got {value!r} ({type(value).__name__}).")
    if not math.isfinite(number):
        raise ConfigError(f"The {field!r} field must be finite. Got {value!r}.")
    return number


def parse_bytes(value: object, *, field: str = "size_bytes") -> int:
    """Return a byte count from ``4096``, ``"4 KiB"``, ``"1.5 MiB"`` or ``"2 MB"``.

    Raises `ConfigError` when the result is not a whole number of bytes.
    """
    number = parse_quantity(value, _BYTE_UNITS, what="a size in bytes", field=field)
    if number != int(number):
        raise ConfigError(f"The {field!r} field must be a whole number of bytes. Got {value!r}.")
    return int(number)


def parse_hz(value: object, *, field: str = "clock_hz") -> float:
    """Return a frequency in hertz from ``1e9`` or ``"1 GHz"``/``"200 MHz"``."""
    return parse_quantity(value, _HZ_UNITS, what="a frequency in Hz", field=field)


#: The parser for each unit suffix a spec field may carry (see `hwcodesign.core.spec`).
UNIT_PARSERS = {"bytes": parse_bytes, "hz": parse_hz}
