"""GPU device specs from datasheets, in a catalog users can extend from a TOML file.

A `GPUSpec` is a frozen, validated record of what a datasheet says about one device:
SM count, boost clock, peak FLOP/s per precision with and without tensor cores,
memory bandwidth and size, L2 size, and the document the numbers came from. The
packaged catalog (``accelerators/data/gpus.toml``) holds NVIDIA devices from Maxwell
to Hopper; `load_gpu_catalog` adds a user's own file.

Names match case-insensitively, ignoring spaces, dashes, underscores, brackets and a
leading ``NVIDIA``/``NV``/``GeForce``/``Tesla``, so ``"RTX 3090"``, ``"rtx3090"`` and
``"NV_RTX_3090"`` are the same device; a miss raises `UnknownNameError` with "did you
mean".

Examples
--------
>>> gpu = get_gpu("NV_T4")
>>> gpu.name, gpu.sm_count, gpu.memory_bandwidth_bytes_per_s
('Tesla T4', 40, 320000000000.0)
>>> get_gpu("rtx3090") is get_gpu("GeForce RTX 3090")
True
>>> gpu.peak_flops("fp16", tensor_cores=True), gpu.peak_flops("fp16", tensor_cores=False)
(65000000000000.0, 16200000000000.0)
>>> get_gpu("V1000")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
hwcodesign.core.errors.UnknownNameError: Unknown GPU 'V1000'. Did you mean 'V100' ...
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from hwcodesign.core.errors import ConfigError, UnknownNameError
from hwcodesign.core.spec import Spec, spec_field

__all__ = ["GPUSpec", "GPU_ARCHITECTURES", "GPU_PRECISIONS", "normalize_gpu_name", "gpu_catalog", "get_gpu",
           "gpu_names", "load_gpu_catalog", "loads_gpu_catalog", "dumps_gpu_catalog"]

GPU_ARCHITECTURES = ("maxwell", "pascal", "volta", "turing", "ampere", "ada", "hopper", "blackwell", "other")
#: Precisions a GPU spec gives rates for.
GPU_PRECISIONS = ("fp32", "tf32", "fp16", "bf16", "int8")
GPUPrecision = Literal["fp32", "tf32", "fp16", "bf16", "int8"]

_PREFIXES = ("nvidia", "nv", "geforce", "tesla")


def normalize_gpu_name(name: str) -> str:
    """The matching key of a device name: lower case, letters and digits only, vendor prefix dropped.

    Examples
    --------
    >>> normalize_gpu_name("NV_TitanX_Pascal"), normalize_gpu_name("GeForce RTX-3090")
    ('titanxpascal', 'rtx3090')
    """
    key = re.sub(r"[^a-z0-9]", "", str(name).lower())
    stripped = True
    while stripped:
        stripped = False
        for prefix in _PREFIXES:
            if key.startswith(prefix) and len(key) > len(prefix):
                key, stripped = key[len(prefix):], True
    return key


@dataclass(frozen=True, kw_only=True)
class GPUSpec(Spec):
    """One GPU as its datasheet describes it. Peak rates are dense, at the boost clock; 0 = no such unit.

    Examples
    --------
    >>> GPUSpec(name="toy", sm_count=0, boost_clock_hz=1e9, fp32_flops=1e12, memory_bandwidth_bytes_per_s=1e11,
    ...         memory_size_bytes=2**30, l2_size_bytes=2**20)
    Traceback (most recent call last):
    ...
    hwcodesign.core.errors.ConfigError: The 'sm_count' field of GPUSpec(name='toy') must be an int >= 1. Got 0.
    """

    name: str = spec_field(doc="the device's full name")
    aliases: tuple[str, ...] = spec_field(default=(), doc="other names it is known by")
    architecture: str = spec_field(default="other", choices=GPU_ARCHITECTURES)
    sm_count: int = spec_field(ge=1, doc="streaming multiprocessors")
    boost_clock_hz: float = spec_field(gt=0, unit="hz")
    base_clock_hz: float = spec_field(default=0.0, ge=0, unit="hz", doc="rated base clock (0: not given); the GPU "
                                      "model runs Maxwell boards at it")
    fp32_flops: float = spec_field(gt=0, doc="peak FP32 FLOP/s on CUDA cores")
    fp16_flops: float = spec_field(default=0.0, ge=0, doc="peak FP16 FLOP/s on CUDA cores (0: none)")
    fp16_tensor_flops: float = spec_field(default=0.0, ge=0, doc="FP16 tensor-core FLOP/s, FP32 accumulate")
    bf16_tensor_flops: float = spec_field(default=0.0, ge=0, doc="BF16 tensor-core FLOP/s, FP32 accumulate")
    tf32_tensor_flops: float = spec_field(default=0.0, ge=0, doc="TF32 tensor-core FLOP/s")
    int8_ops: float = spec_field(default=0.0, ge=0, doc="INT8 op/s on CUDA cores (dp4a; 0: none)")
    int8_tensor_ops: float = spec_field(default=0.0, ge=0, doc="INT8 tensor-core op/s")
    memory_bandwidth_bytes_per_s: float = spec_field(gt=0)
    memory_size_bytes: int = spec_field(ge=1, unit="bytes")
    l2_size_bytes: int = spec_field(ge=1, unit="bytes")
    source: str = spec_field(default="", doc="datasheet or whitepaper the numbers come from")

    @property
    def has_tensor_cores(self) -> bool:
        """Whether the device has tensor cores for any precision."""
        return max(self.fp16_tensor_flops, self.bf16_tensor_flops, self.int8_tensor_ops) > 0

    def peak_flops(self, precision: str, *, tensor_cores: bool) -> float:
        """Peak rate for ``precision`` on tensor cores or CUDA cores (0.0 where the unit is missing).

        Without tensor cores, fp16/bf16 fall back to the better of the fp16 and fp32 rates
        (storage in 16 bits, math in 32, as cuBLAS does on GPUs with slow fp16), and int8
        to dp4a or else fp32.
        """
        if precision not in GPU_PRECISIONS:
            raise UnknownNameError("GPU precision", str(precision), GPU_PRECISIONS)
        if tensor_cores:
            return {"fp32": 0.0, "tf32": self.tf32_tensor_flops, "fp16": self.fp16_tensor_flops,
                    "bf16": self.bf16_tensor_flops, "int8": self.int8_tensor_ops}[precision]
        if precision in ("fp16", "bf16"):
            return max(self.fp16_flops if precision == "fp16" else 0.0, self.fp32_flops)
        if precision == "int8":
            return max(self.int8_ops, self.fp32_flops)
        return self.fp32_flops

    def match_keys(self) -> set[str]:
        """The normalised names this device answers to."""
        return {normalize_gpu_name(n) for n in (self.name, *self.aliases)}


def loads_gpu_catalog(text: str, *, source: str = "<string>") -> dict[str, GPUSpec]:
    """Parse catalog TOML (``schema_version = 1`` and ``[[gpu]]`` tables) into ``{name: GPUSpec}``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Cannot parse GPU catalog {source}: {exc}") from None
    return _from_mapping(data, source)


def _from_mapping(data: Mapping[str, Any], source: str) -> dict[str, GPUSpec]:
    unknown = set(data) - {"schema_version", "gpu"}
    if unknown:
        raise UnknownNameError(f"key of GPU catalog {source}", sorted(unknown)[0], ["schema_version", "gpu"])
    if data.get("schema_version", 1) != 1:
        raise ConfigError(f"GPU catalog {source} has schema_version {data['schema_version']!r}; this version reads 1.")
    entries = data.get("gpu", [])
    if not isinstance(entries, list):
        raise ConfigError(f"GPU catalog {source}: 'gpu' must be an array of tables ([[gpu]]). Got {entries!r}.")
    out: dict[str, GPUSpec] = {}
    for entry in entries:
        spec = GPUSpec.from_dict(entry)
        out[spec.name] = spec
    return out


def dumps_gpu_catalog(specs: Iterable[GPUSpec]) -> str:
    """Write specs as catalog TOML that `loads_gpu_catalog` reads back to equal specs."""
    lines = ["schema_version = 1", ""]
    for spec in specs:
        lines.append("[[gpu]]")
        for key, value in spec.to_dict().items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


@functools.cache
def _packaged() -> tuple[GPUSpec, ...]:
    text = resources.files("hwcodesign.accelerators").joinpath("data", "gpus.toml").read_text(encoding="utf-8")
    return tuple(loads_gpu_catalog(text, source="gpus.toml").values())


_USER: dict[str, GPUSpec] = {}


def load_gpu_catalog(path: str | Path) -> dict[str, GPUSpec]:
    """Read a user catalog file and add its devices to the catalog (a same-named device is replaced)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot read GPU catalog {str(path)!r}: {exc}") from None
    specs = loads_gpu_catalog(text, source=repr(str(path)))
    _USER.update(specs)
    return specs


def gpu_catalog() -> dict[str, GPUSpec]:
    """Every known device by full name: the packaged catalog, then the user's additions."""
    out = {spec.name: spec for spec in _packaged()}
    out.update(_USER)
    return out


def _index() -> dict[str, GPUSpec]:
    return _index_of(tuple(_USER.values()))


@functools.lru_cache(maxsize=8)
def _index_of(user: tuple[GPUSpec, ...]) -> dict[str, GPUSpec]:
    index: dict[str, GPUSpec] = {}
    for spec in gpu_catalog().values():  # later (user) entries win on a shared key
        for key in spec.match_keys():
            index[key] = spec
    return index


def gpu_names() -> list[str]:
    """The full names of every known device, sorted."""
    return sorted(gpu_catalog())


def get_gpu(name: str | GPUSpec) -> GPUSpec:
    """Look a device up by any of its names (see `normalize_gpu_name`); a `GPUSpec` is returned as is."""
    if isinstance(name, GPUSpec):
        return name
    index = _index()
    key = normalize_gpu_name(name)
    if key in index:
        return index[key]
    known = {n for spec in gpu_catalog().values() for n in (spec.name, *spec.aliases)}
    raise UnknownNameError("GPU", str(name), known)
