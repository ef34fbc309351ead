"""Validated, frozen, keyword-only specs and their ``a__b`` parameter names.

A spec is a frozen, keyword-only dataclass that subclasses :class:`Spec`. Each
field's constraints live next to it, in :func:`spec_field`; they are checked when
the object is built, so an invalid spec never exists. Specs nest; a nested field is
addressed as ``outer__inner`` by :func:`get_params` and :func:`with_params`.

Examples
--------
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True, kw_only=True)
... class Buffer(Spec):
...     name: str = spec_field(default="glb")
...     size_bytes: int = spec_field(ge=1, unit="bytes")
>>> @dataclass(frozen=True, kw_only=True)
... class Chip(Spec):
...     glb: Buffer
...     dataflow: str = spec_field(default="ws", choices=("os", "ws", "is"))
>>> chip = Chip(glb=Buffer(size_bytes="64 KiB"))
>>> chip.glb.size_bytes
65536
>>> get_params(chip)
{'glb__name': 'glb', 'glb__size_bytes': 65536, 'dataflow': 'ws'}
>>> with_params(chip, glb__size_bytes=1024).glb.size_bytes
1024
>>> Buffer(size_bytes=0)
Traceback (most recent call last):
...
hwcodesign.core.errors.ConfigError: The 'size_bytes' field of Buffer(name='glb') must be an int >= 1. Got 0.
>>> Chip.from_dict({"glb": {"size_bytes": 8}, "dataflw": "os"})
Traceback (most recent call last):
...
hwcodesign.core.errors.UnknownNameError: Unknown field of Chip 'dataflw'. Did you mean 'dataflow'? Known: dataflow, glb.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any, Literal, TypeVar

from hwcodesign.core.errors import ConfigError, UnknownNameError
from hwcodesign.core.units import UNIT_PARSERS

__all__ = ["Spec", "spec_field", "get_params", "with_params", "field_constraints"]

S = TypeVar("S", bound="Spec")
_MISSING = dataclasses.MISSING


def spec_field(
    *,
    default: Any = _MISSING,
    default_factory: Any = _MISSING,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    choices: tuple[Any, ...] | None = None,
    unit: str | None = None,
    doc: str = "",
) -> Any:
    """Declare a spec field with its constraints.

    Parameters
    ----------
    default, default_factory
        As for :func:`dataclasses.field`.
    ge, gt, le, lt
        Numeric bounds (inclusive ``ge``/``le``, exclusive ``gt``/``lt``).
    choices
        The allowed values (checked after type coercion).
    unit
        A key of `hwcodesign.core.units.UNIT_PARSERS` (``"bytes"``, ``"hz"``): strings
        such as ``"64 KiB"`` are parsed into the field's base unit.
    doc
        One line saying what the field means; shown by docs and error messages.
    """
    if unit is not None and unit not in UNIT_PARSERS:
        raise ValueError(f"unit must be one of {sorted(UNIT_PARSERS)}, got {unit!r}")
    metadata = {"ge": ge, "gt": gt, "le": le, "lt": lt, "choices": choices, "unit": unit, "doc": doc}
    kwargs: dict[str, Any] = {"metadata": metadata}
    if default is not _MISSING:
        kwargs["default"] = default
    if default_factory is not _MISSING:
        kwargs["default_factory"] = default_factory
    return dataclasses.field(**kwargs)


def field_constraints(cls: type, name: str) -> dict[str, Any]:
    """Return the constraints declared for field ``name`` of spec class ``cls``."""
    for f in dataclasses.fields(cls):
        if f.name == name:
            return {k: v for k, v in f.metadata.items() if v is not None and v != ""}
    raise UnknownNameError(f"field of {cls.__name__}", name, [f.name for f in dataclasses.fields(cls)])


_SPEC_CLASSES: dict[str, type] = {}


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    # Spec classes resolve each other by name even when declared outside a module
    # namespace (doctests, notebooks), since annotations may be strings.
    return typing.get_type_hints(cls, localns=dict(_SPEC_CLASSES))


def _describe(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(annotation))
    if annotation is type(None):
        return "None"
    if origin is tuple:
        args = typing.get_args(annotation)
        if len(args) == 2 and args[1] is Ellipsis and args[0] is not Any:
            return f"a tuple, each item {_describe(args[0])}"
        return "a tuple"
    if isinstance(annotation, type):
        article = "an" if annotation.__name__[0] in "aeiou" else "a"
        return f"{article} {annotation.__name__}"
    return str(annotation)


def _coerce(value: Any, annotation: Any) -> tuple[bool, Any]:
    """Return ``(ok, value)`` with ``value`` converted to ``annotation`` where lossless."""
    origin = typing.get_origin(annotation)
    if annotation is Any:
        return True, value
    if origin is Literal:
        return value in typing.get_args(annotation), value
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(annotation):
            ok, converted = _coerce(value, option)
            if ok:
                return True, converted
        return False, value
    if annotation is type(None):
        return value is None, value
    if origin is tuple:
        if isinstance(value, (list, tuple)):
            args = typing.get_args(annotation)
            item_type = args[0] if args else Any
            if len(args) == 2 and args[1] is Ellipsis or len(args) == 1:
                items = [_coerce(v, item_type) for v in value]
            elif len(args) == len(value):
                items = [_coerce(v, a) for v, a in zip(value, args, strict=True)]
            else:
                return False, value
            return all(ok for ok, _ in items), tuple(v for _, v in items)
        return False, value
    if origin in (dict, Mapping):
        return isinstance(value, Mapping), dict(value) if isinstance(value, Mapping) else value
    if annotation is bool:
        return isinstance(value, bool), value
    if annotation is int:
        if isinstance(value, bool):
            return False, value
        if isinstance(value, Integral):
            return True, int(value)
        if isinstance(value, Real) and math.isfinite(value) and float(value) == int(value):
            return True, int(value)
        return False, value
    if annotation is float:
        if isinstance(value, bool) or not isinstance(value, Real):
            return False, value
        try:
            return True, float(value)
        except OverflowError:  # an int too large for a float, e.g. 10**400 from a JSON file
            return False, value
    if isinstance(annotation, type) and issubclass(annotation, Spec) and isinstance(value, Mapping):
        return True, annotation.from_dict(value)
    if isinstance(annotation, type):
        return isinstance(value, annotation), value
    return True, value


@dataclasses.dataclass(frozen=True, kw_only=True)
class Spec:
    """Base of every frozen spec: validates fields, converts to and from dicts.

    Subclasses are declared ``@dataclass(frozen=True, kw_only=True)`` and may add a
    ``_check(self)`` method for constraints that tie several fields together; it
    raises `ConfigError` through :meth:`_error`.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _SPEC_CLASSES[cls.__name__] = cls

    def __post_init__(self) -> None:
        hints = _hints(type(self))
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            meta = f.metadata
            unit = meta.get("unit")
            if unit is not None and isinstance(value, str):
                try:
                    value = UNIT_PARSERS[unit](value, field=f.name)
                except ConfigError as exc:
                    raise ConfigError(f"{self._where()}: {exc}") from None
            ok, value = _coerce(value, hints.get(f.name, Any))
            if not ok:
                self._error(f.name, _describe(hints.get(f.name, Any)) + self._bounds_text(meta), value)
            object.__setattr__(self, f.name, value)
            self._check_bounds(f.name, value, meta)
        self._check()

    def _check(self) -> None:
        """Cross-field constraints; subclasses override."""

    # -- errors -----------------------------------------------------------------
    def _where(self) -> str:
        name = getattr(self, "name", None)
        return f"{type(self).__name__}(name={name!r})" if isinstance(name, str) else type(self).__name__

    def _error(self, field: str, requirement: str, value: Any) -> typing.NoReturn:
        raise ConfigError(f"The {field!r} field of {self._where()} must be {requirement}. Got {value!r}.")

    @staticmethod
    def _bounds_text(meta: Mapping[str, Any]) -> str:
        parts = [f"{sym} {meta[key]:g}" for key, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"))
                 if meta.get(key) is not None]
        return (" " + " and ".join(parts)) if parts else ""

    def _check_bounds(self, name: str, value: Any, meta: Mapping[str, Any]) -> None:
        choices = meta.get("choices")
        if choices is not None and value not in choices:
            self._error(name, "one of " + ", ".join(repr(c) for c in choices), value)
        if not isinstance(value, Real) or isinstance(value, bool):
            return
        hint = _describe(_hints(type(self)).get(name, Any))
        if isinstance(value, float) and not math.isfinite(value):
            self._error(name, hint + " that is finite", value)
        for key, fails in (("ge", lambda b: value < b), ("gt", lambda b: value <= b),
                           ("le", lambda b: value > b), ("lt", lambda b: value >= b)):
            bound = meta.get(key)
            if bound is not None and fails(bound):
                self._error(name, hint + self._bounds_text(meta), value)

    # -- dicts ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return the spec as nested plain dicts, lists and scalars (TOML/YAML-ready)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls: type[S], data: Mapping[str, Any]) -> S:
        """Build the spec from :meth:`to_dict` output; unknown keys raise `UnknownNameError`."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"{cls.__name__} must be given a mapping of fields. Got {data!r}.")
        fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key not in fields:
                raise UnknownNameError(f"field of {cls.__name__}", str(key), fields)
            kwargs[key] = _from_plain(value, _hints(cls).get(key, Any))
        missing = [n for n, f in fields.items() if n not in kwargs
                   and f.default is _MISSING and f.default_factory is _MISSING]
        if missing:
            raise ConfigError(f"{cls.__name__} is missing required field(s): {', '.join(missing)}.")
        return cls(**kwargs)


def _plain(value: Any) -> Any:
    if isinstance(value, Spec):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _spec_types(annotation: Any) -> list[type[Spec]]:
    args = typing.get_args(annotation) or (annotation,)
    return [a for a in args if isinstance(a, type) and issubclass(a, Spec)]


def _from_plain(value: Any, annotation: Any) -> Any:
    """Rebuild nested specs inside tuples (``tuple[BufferSpec, ...]``) from dicts."""
    if typing.get_origin(annotation) is tuple and isinstance(value, (list, tuple)):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        specs = _spec_types(args[0]) if len(args) == 1 else []
        if specs:
            return tuple(specs[0].from_dict(v) if isinstance(v, Mapping) else v for v in value)
        return tuple(value)
    return value


def get_params(spec: Spec) -> dict[str, Any]:
    """Return the flat ``{'a__b': value}`` dict of every scalar field of ``spec``.

    Tuples of specs are addressed by index: ``cores__0__rows``.
    """
    out: dict[str, Any] = {}
    for f in dataclasses.fields(spec):
        value = getattr(spec, f.name)
        if isinstance(value, Spec):
            out.update({f"{f.name}__{k}": v for k, v in get_params(value).items()})
        elif isinstance(value, tuple) and value and all(isinstance(v, Spec) for v in value):
            for i, item in enumerate(value):
                out.update({f"{f.name}__{i}__{k}": v for k, v in get_params(item).items()})
        else:
            out[f.name] = value
    return out


def with_params(spec: S, **params: Any) -> S:
    """Return a copy of ``spec`` with the ``a__b``-named fields replaced (and re-validated)."""
    direct: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    names = {f.name for f in dataclasses.fields(spec)}
    flat = get_params(spec)
    for key in params:
        if key not in names and key not in flat:
            raise UnknownNameError(f"parameter of {type(spec).__name__}", key, sorted(names | set(flat)))
    for key, value in params.items():
        head, _, rest = key.partition("__")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            direct[head] = value
    for head, sub in nested.items():
        current = getattr(spec, head)
        if isinstance(current, Spec):
            direct[head] = with_params(current, **sub)
        elif isinstance(current, tuple) and all(isinstance(v, Spec) for v in current):
            items = list(current)
            by_index: dict[int, dict[str, Any]] = {}
            for key, value in sub.items():
                index, _, rest = key.partition("__")
                by_index.setdefault(int(index), {})[rest] = value
            for index, values in by_index.items():
                items[index] = with_params(items[index], **values)
            direct[head] = tuple(items)
    return dataclasses.replace(spec, **direct)
