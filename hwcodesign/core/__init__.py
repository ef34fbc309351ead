"""Errors, units, validated frozen specs, ``a__b`` params, result tables, registries, seeds."""

from hwcodesign.core.errors import ConfigError, HwcodesignError, SimulationError, UnknownNameError
from hwcodesign.core.registry import Registry
from hwcodesign.core.results import ResultTable
from hwcodesign.core.seeds import as_generator
from hwcodesign.core.spec import Spec, get_params, spec_field, with_params
from hwcodesign.core.units import parse_bytes, parse_hz

__all__ = [
    "ConfigError", "HwcodesignError", "SimulationError", "UnknownNameError", "Registry", "ResultTable",
    "as_generator", "Spec", "get_params", "spec_field", "with_params", "parse_bytes", "parse_hz",
]
