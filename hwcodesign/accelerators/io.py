"""Read and write accelerators as TOML, YAML or JSON files (and read SCALE-Sim ``.cfg`` files).

A file is `Accelerator.to_dict` plus a ``schema_version`` key (:data:`SCHEMA_VERSION`).
Reading validates everything; any problem (syntax, a non-mapping top level, a missing
or unknown key, a wrong type or range) raises `ConfigError` (or its subclass
`UnknownNameError`, with "did you mean") whose message starts with the file name.
``None`` values (e.g. a buffer bandwidth of "never a bottleneck") are left out of TOML,
which has no null; reading fills them back in as the default.

Examples
--------
>>> from hwcodesign.accelerators import get_accelerator
>>> acc = get_accelerator("scalesim_default")
>>> text = dumps_accelerator(acc, format="toml")
>>> print(text.splitlines()[0])
schema_version = 1
>>> loads_accelerator(text, format="toml") == acc
True
>>> loads_accelerator("schema_version = 1\\nname = 'x'\\ntemplat = 'y'", format="toml", source="my.toml")
Traceback (most recent call last):
...
hwcodesign.core.errors.UnknownNameError: my.toml: Unknown field of Accelerator 'templat'. Did you mean 'template'? Known: area, buffers, clock_hz, dram, energy, name, pe_array, psum_bytes, spatial, tech_node_nm, template, vector_lanes, word_bytes.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import tomli_w
import yaml

from hwcodesign.accelerators.specs import Accelerator
from hwcodesign.core.errors import ConfigError

__all__ = [
    "SCHEMA_VERSION", "FILE_FORMATS", "load_accelerator", "save_accelerator", "loads_accelerator",
    "dumps_accelerator", "accelerator_from_dict", "load_scalesim_cfg",
]

#: Version of the file layout written by `save_accelerator`.
SCHEMA_VERSION = 1

FileFormat = Literal["toml", "yaml", "json"]

#: File suffix -> format.
FILE_FORMATS: dict[str, FileFormat] = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def _format_of(path: Path) -> FileFormat:
    try:
        return FILE_FORMATS[path.suffix.lower()]
    except KeyError:
        raise ConfigError(f"{path}: unsupported file suffix {path.suffix!r}; use one of "
                          f"{', '.join(FILE_FORMATS)}.") from None


def _parse(text: str, format: FileFormat) -> Any:
    if format == "toml":
        return tomllib.loads(text)
    if format == "yaml":
        return yaml.safe_load(text)
    return json.loads(text)


def _drop_none(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _with_source(exc: ConfigError, source: str) -> ConfigError:
    # Prefix the message in place: UnknownNameError cannot be rebuilt from a message.
    exc.args = (f"{source}: {exc.args[0] if exc.args else exc}",) + exc.args[1:]
    return exc


def loads_accelerator(text: str, *, format: FileFormat, source: str = "<string>") -> Accelerator:
    """Return the accelerator described by ``text`` in ``format``; ``source`` names it in errors.

    Examples
    --------
    >>> loads_accelerator("[1, 2]", format="json", source="a.json")
    Traceback (most recent call last):
    ...
    hwcodesign.core.errors.ConfigError: a.json: the top level must be a mapping of Accelerator fields. Got a list.
    """
    if format not in FILE_FORMATS.values():
        raise ValueError(f"format must be one of 'toml', 'yaml', 'json', got {format!r}")
    try:
        data = _parse(text, format)
    except (ValueError, yaml.YAMLError, RecursionError) as exc:  # TOMLDecodeError and JSONDecodeError are ValueErrors
        detail = " ".join(str(exc).split())
        raise ConfigError(f"{source}: not valid {format.upper()}: {detail}") from exc
    return accelerator_from_dict(data, source=source)


def accelerator_from_dict(data: Any, *, source: str = "<dict>") -> Accelerator:
    """Return the accelerator described by ``data`` (a parsed file); ``source`` names it in errors.

    Like `Accelerator.from_dict`, but accepts and checks a ``schema_version`` key and
    raises only `ConfigError`, whatever ``data`` holds.

    Examples
    --------
    >>> accelerator_from_dict({"schema_version": 1, "name": "x", "pe_array": {"rows": 10**400, "cols": 1}},
    ...                       source="sweep.yaml")
    Traceback (most recent call last):
    ...
    hwcodesign.core.errors.ConfigError: sweep.yaml: Accelerator is missing required field(s): buffers, dram.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: the top level must be a mapping of Accelerator fields. "
                          f"Got {'nothing' if data is None else 'a ' + type(data).__name__}.")
    data = dict(data)
    version = data.pop("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise ConfigError(f"{source}: 'schema_version' must be {SCHEMA_VERSION}. Got {version!r}.")
    try:
        return Accelerator.from_dict(data)
    except ConfigError as exc:
        raise _with_source(exc, source) from None
    except (TypeError, RecursionError) as exc:
        # Values a file can hold that the spec machinery does not anticipate.
        raise ConfigError(f"{source}: invalid value: {type(exc).__name__}: {exc}") from exc


def dumps_accelerator(acc: Accelerator, *, format: FileFormat) -> str:
    """Return ``acc`` as TOML, YAML or JSON text with a ``schema_version`` key."""
    data = {"schema_version": SCHEMA_VERSION, **acc.to_dict()}
    if format == "toml":
        return tomli_w.dumps(_drop_none(data))
    if format == "yaml":
        return yaml.safe_dump(data, sort_keys=False)
    if format == "json":
        return json.dumps(data, indent=2) + "\n"
    raise ValueError(f"format must be one of 'toml', 'yaml', 'json', got {format!r}")


def load_accelerator(path: str | os.PathLike[str]) -> Accelerator:
    """Read an accelerator from a ``.toml``, ``.yaml``/``.yml`` or ``.json`` file.

    A SCALE-Sim ``.cfg`` file is read by :func:`load_scalesim_cfg`.
    """
    path = Path(path)
    if path.suffix.lower() == ".cfg":
        return load_scalesim_cfg(path)
    format = _format_of(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    return loads_accelerator(text, format=format, source=str(path))


def save_accelerator(acc: Accelerator, path: str | os.PathLike[str]) -> Path:
    """Write ``acc`` to ``path`` in the format its suffix names; return the path."""
    path = Path(path)
    path.write_text(dumps_accelerator(acc, format=_format_of(path)), encoding="utf-8")
    return path


def load_scalesim_cfg(path: str | os.PathLike[str]) -> Accelerator:
    """Read a SCALE-Sim 3.0.0 ``.cfg`` file as a `scalesim_default`-style accelerator.

    The file is parsed by `hwcodesign.accelerators.scalesim_config.read_scalesim_config`;
    units are mapped as in `hwcodesign.accelerators.templates.scalesim_default`. An
    `Accelerator` has one DRAM bandwidth per operand channel: the file's ifmap bandwidth
    (in ``CALC`` mode SCALE-Sim's fixed 10 words/cycle). Run the file through
    ``hwcodesign scalesim`` to keep SCALE-Sim's per-operand bandwidths exactly.
    """
    from hwcodesign.accelerators.scalesim_config import read_scalesim_config
    from hwcodesign.accelerators.templates import scalesim_default

    cfg = read_scalesim_config(path)
    return scalesim_default(
        name=cfg.run_name,
        rows=cfg.array_rows,
        cols=cfg.array_cols,
        dataflow=cfg.dataflow,
        ifmap_sram_bytes=cfg.ifmap_sram_kb * 1024,
        filter_sram_bytes=cfg.filter_sram_kb * 1024,
        ofmap_sram_bytes=cfg.ofmap_sram_kb * 1024,
        dram_bandwidth_bytes_per_cycle=float(cfg.ifmap_dram_bw_words_per_cycle),
    )
