"""Numeric precisions: name -> bits per element, and the one tensor-size function.

Sizes are kept in bits so that sub-byte formats (``int4``) are exact: a tensor of
``e`` elements at ``b`` bits occupies ``ceil(e * b / 8)`` bytes. Two ``int4`` values
share a byte and only the tensor as a whole is rounded up, never each element.

Examples
--------
>>> bytes_per_element("fp16")
2.0
>>> bytes_per_element("int4")
0.5
>>> tensor_bytes(3, "int4")
2
>>> tensor_bytes(1000, "bf16")
2000
"""

from __future__ import annotations

from hwcodesign.core.errors import UnknownNameError

__all__ = ["PRECISION_BITS", "PRECISIONS", "bytes_per_element", "tensor_bytes", "check_precision"]

#: Bits per element of each precision name the toolkit knows.
PRECISION_BITS: dict[str, int] = {
    "int4": 4,
    "int8": 8,
    "fp8": 8,
    "int16": 16,
    "fp16": 16,
    "bf16": 16,
    "int32": 32,
    "fp32": 32,
}

#: The known precision names, in the order above.
PRECISIONS: tuple[str, ...] = tuple(PRECISION_BITS)


def check_precision(precision: str) -> str:
    """Return ``precision`` if known; raise `UnknownNameError` (with "did you mean") otherwise."""
    if not isinstance(precision, str) or precision not in PRECISION_BITS:
        raise UnknownNameError("precision", str(precision), PRECISION_BITS)
    return precision


def bytes_per_element(precision: str) -> float:
    """Return the bytes one element takes at ``precision`` (0.5 for ``int4``)."""
    return PRECISION_BITS[check_precision(precision)] / 8


def tensor_bytes(elements: int, precision: str) -> int:
    """Return the bytes of a tensor of ``elements`` values: ``ceil(elements * bits / 8)``."""
    bits = PRECISION_BITS[check_precision(precision)]
    return -(-int(elements) * bits // 8)
