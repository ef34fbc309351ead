"""Load a workload from a zoo name or a file; save one to a file.

File formats by suffix: ``.csv`` (SCALE-Sim topology), ``.json``, ``.toml``, ``.yaml`` /
``.yml`` (`Workload.to_dict` serialised), ``.onnx`` (an ONNX model, through
`hwcodesign.workloads.importers.from_onnx`; needs the ``onnx`` extra).

Examples
--------
>>> load_workload("tiny").macs
78848
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.toml"
>>> _ = save_workload(load_workload("tiny"), path)
>>> load_workload(path) == load_workload("tiny")
True
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from hwcodesign.core.errors import ConfigError, UnknownNameError
from hwcodesign.workloads.scalesim_topology import read_scalesim_topology
from hwcodesign.workloads.workload import Workload
from hwcodesign.workloads.zoo import WORKLOADS, get_workload

__all__ = ["WORKLOAD_FILE_SUFFIXES", "load_workload", "save_workload"]

#: File suffixes `load_workload` understands.
WORKLOAD_FILE_SUFFIXES = (".csv", ".json", ".toml", ".yaml", ".yml", ".onnx")


def _read_dict(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            return json.loads(text)
        if path.suffix == ".toml":
            return tomllib.loads(text)
        import yaml

        return yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # JSON/TOML decode errors are ValueErrors
        raise ConfigError(f"Cannot read workload file {str(path)!r}: {exc}") from None
    except Exception as exc:  # yaml.YAMLError does not share a base with the others
        if type(exc).__module__.startswith("yaml"):
            raise ConfigError(f"Cannot read workload file {str(path)!r}: {exc}") from None
        raise


def load_workload(source: str | Path, **kwargs: Any) -> Workload:
    """Return the workload a zoo name or a file path names.

    Parameters
    ----------
    source
        A registered name (``'resnet50'``) or a path ending in one of `WORKLOAD_FILE_SUFFIXES`.
    **kwargs
        For a zoo name: the factory's options (``batch``, ``precision``, ...). For a CSV:
        those of `read_scalesim_topology`. For an ONNX file: those of `from_onnx`. For a
        dict file: ``batch`` and ``precision`` override the file's.
    """
    if isinstance(source, str) and source in WORKLOADS:
        return get_workload(source, **kwargs)
    path = Path(source)
    if path.suffix not in WORKLOAD_FILE_SUFFIXES:
        if isinstance(source, str) and not path.suffix:
            raise UnknownNameError("workload", source, WORKLOADS.names())
        raise ConfigError(f"The workload file {str(path)!r} must end in one of "
                          f"{', '.join(WORKLOAD_FILE_SUFFIXES)}. Got {path.suffix!r}.")
    if not path.is_file():
        raise ConfigError(f"The workload file {str(path)!r} does not exist.")
    if path.suffix == ".csv":
        return read_scalesim_topology(path, **kwargs)
    if path.suffix == ".onnx":
        from hwcodesign.workloads.importers.onnx import from_onnx

        return from_onnx(path, **kwargs)
    unknown = set(kwargs) - {"batch", "precision"}
    if unknown:
        raise UnknownNameError("option for a workload file", sorted(unknown)[0], ["batch", "precision"])
    workload = Workload.from_dict(_read_dict(path))
    if "batch" in kwargs:
        workload = workload.with_batch(kwargs["batch"])
    if "precision" in kwargs:
        workload = workload.with_precision(kwargs["precision"])
    return workload


def save_workload(workload: Workload, path: str | Path) -> Path:
    """Write ``workload.to_dict()`` as JSON, TOML or YAML (by suffix); return the path."""
    path = Path(path)
    data = workload.to_dict()
    if path.suffix == ".json":
        text = json.dumps(data, indent=1)
    elif path.suffix == ".toml":
        import tomli_w

        text = tomli_w.dumps(data)
    elif path.suffix in (".yaml", ".yml"):
        import yaml

        text = yaml.safe_dump(data, sort_keys=False)
    else:
        raise ConfigError(f"The workload file {str(path)!r} must end in .json, .toml, .yaml or .yml. "
                          f"Got {path.suffix!r}.")
    path.write_text(text, encoding="utf-8")
    return path
