"""Read SCALE-Sim 3.0.0 ``.cfg`` files, so its users' configs run unchanged.

SCALE-Sim reads its config with ``configparser`` and warns on what it does not
understand; this reader fails instead, with one `ConfigError` that names the file,
the section, the key and the allowed values. Where SCALE-Sim crashes on a missing
``[layout]`` section, this reader takes SCALE-Sim's own defaults for it (bank
bandwidth 10 words/cycle, 10 banks, 2 ports).

What the keys mean (SCALE-Sim's semantics, kept):

* ``IfmapSramSzkB`` etc. are KiB of 1-byte words: SCALE-Sim's word size is 1 byte.
* ``[run_presets] InterfaceBandwidth``: ``USER`` takes the DRAM bandwidths from the
  file: the ifmap and filter read bandwidths are ``[layout] IfmapSRAMBankBandwidth``
  and ``FilterSRAMBankBandwidth``, and the ofmap write bandwidth is the first value of
  ``[architecture_presets] Bandwidth``. ``CALC`` lets SCALE-Sim size the bandwidth
  (its buffers then prefetch at 10 words/cycle and drain at ``ArrayWidth``).

Examples
--------
>>> import tempfile, pathlib
>>> text = '''
... [general]
... run_name = demo
... [architecture_presets]
... ArrayHeight: 8
... ArrayWidth: 16
... IfmapSramSzkB: 4
... FilterSramSzkB: 4
... OfmapSramSzkB: 2
... IfmapOffset: 0
... FilterOffset: 10000000
... OfmapOffset: 20000000
... Dataflow: ws
... Bandwidth: 4
... ReadRequestBuffer: 32
... WriteRequestBuffer: 32
... [run_presets]
... InterfaceBandwidth: USER
... '''
>>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.cfg"
>>> _ = path.write_text(text)
>>> cfg = read_scalesim_config(path)
>>> cfg.run_name, cfg.array_rows, cfg.array_cols, cfg.dataflow, cfg.ofmap_dram_bw_words_per_cycle
('demo', 8, 16, 'ws', 4)
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hwcodesign.core.errors import ConfigError

__all__ = ["ScaleSimConfig", "read_scalesim_config"]

DATAFLOWS = ("os", "ws", "is")
BANDWIDTH_MODES = ("USER", "CALC")


@dataclass(frozen=True, slots=True)
class ScaleSimConfig:
    """The fields of a SCALE-Sim config that determine its results."""

    run_name: str
    array_rows: int
    array_cols: int
    ifmap_sram_kb: int
    filter_sram_kb: int
    ofmap_sram_kb: int
    dataflow: Literal["os", "ws", "is"]
    bandwidth_mode: Literal["USER", "CALC"]
    ifmap_dram_bw_words_per_cycle: int
    filter_dram_bw_words_per_cycle: int
    ofmap_dram_bw_words_per_cycle: int
    read_request_buffer: int
    write_request_buffer: int


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.parser = configparser.ConfigParser()
        try:
            with open(path, encoding="utf-8") as handle:
                self.parser.read_file(handle)
        except FileNotFoundError:
            raise ConfigError(f"SCALE-Sim config {str(path)!r} does not exist.") from None
        except (configparser.Error, UnicodeDecodeError) as exc:
            first = str(exc).splitlines()[0]
            raise ConfigError(f"SCALE-Sim config {str(path)!r} is not a valid .cfg file: {first}") from None

    def _raw(self, section: str, key: str, default: str | None) -> str:
        if self.parser.has_option(section, key):
            try:
                return self.parser.get(section, key).strip()
            except configparser.Error as exc:  # e.g. a lone '%' (configparser interpolates, as SCALE-Sim's does)
                first = str(exc).splitlines()[0]
                raise ConfigError(f"SCALE-Sim config {str(self.path)!r}: [{section}] {key} cannot be read: {first}") \
                    from None
        if default is not None:
            return default
        raise ConfigError(f"SCALE-Sim config {str(self.path)!r}: [{section}] has no {key!r} key (it is required).")

    def text(self, section: str, key: str, default: str | None = None) -> str:
        return self._raw(section, key, default)

    def integer(self, section: str, key: str, default: int | None = None, *, minimum: int = 1) -> int:
        raw = self._raw(section, key, None if default is None else str(default))
        first = raw.split(",")[0].strip()
        try:
            value = int(first)
        except ValueError:
            raise ConfigError(
                f"SCALE-Sim config {str(self.path)!r}: [{section}] {key} must be an int >= {minimum}. Got {raw!r}."
            ) from None
        if value < minimum:
            raise ConfigError(
                f"SCALE-Sim config {str(self.path)!r}: [{section}] {key} must be an int >= {minimum}. Got {value}."
            )
        return value

    def choice(self, section: str, key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = self._raw(section, key, default)
        if value not in allowed:
            raise ConfigError(
                f"SCALE-Sim config {str(self.path)!r}: [{section}] {key} must be one of "
                f"{', '.join(allowed)}. Got {value!r}."
            )
        return value


def read_scalesim_config(path: str | Path) -> ScaleSimConfig:
    """Parse a SCALE-Sim 3.0.0 config file into a `ScaleSimConfig`."""
    r = _Reader(Path(path))
    arch = "architecture_presets"
    rows, cols = r.integer(arch, "ArrayHeight"), r.integer(arch, "ArrayWidth")
    sizes = [r.integer(arch, key) for key in ("IfmapSramSzkB", "FilterSramSzkB", "OfmapSramSzkB")]
    dataflow = r.choice(arch, "Dataflow", DATAFLOWS)
    sparse = r.text("sparsity", "SparsitySupport", "false").lower()
    if sparse not in ("false", "true"):
        raise ConfigError(f"SCALE-Sim config {str(path)!r}: [sparsity] SparsitySupport must be true or false.")
    if sparse == "true":
        raise ConfigError(
            f"SCALE-Sim config {str(path)!r}: [sparsity] SparsitySupport = true is not supported; set it to false."
        )
    for key in ("IfmapCustomLayout", "FilterCustomLayout"):
        if r.choice("layout", key, ("False", "True", "false", "true"), "False").lower() == "true":
            raise ConfigError(
                f"SCALE-Sim config {str(path)!r}: [layout] {key} = True (custom SRAM bank layouts) is not "
                "supported; set it to False."
            )
    mode = r.choice("run_presets", "InterfaceBandwidth", BANDWIDTH_MODES)
    return ScaleSimConfig(
        run_name=r.text("general", "run_name", Path(path).stem),
        array_rows=rows,
        array_cols=cols,
        ifmap_sram_kb=sizes[0],
        filter_sram_kb=sizes[1],
        ofmap_sram_kb=sizes[2],
        dataflow=dataflow,  # type: ignore[arg-type]
        bandwidth_mode=mode,  # type: ignore[arg-type]
        ifmap_dram_bw_words_per_cycle=r.integer("layout", "IfmapSRAMBankBandwidth", 10),
        filter_dram_bw_words_per_cycle=r.integer("layout", "FilterSRAMBankBandwidth", 10),
        ofmap_dram_bw_words_per_cycle=r.integer(arch, "Bandwidth") if mode == "USER" else cols,
        read_request_buffer=r.integer(arch, "ReadRequestBuffer", 60),
        write_request_buffer=r.integer(arch, "WriteRequestBuffer", 60),
    )
