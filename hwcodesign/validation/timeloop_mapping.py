"""Timeloop loop nests as our `Mapping`: loop names, levels and spatial axes translated.

Loop names
----------
Timeloop's ``cnn-layer`` problem projects the input as ``W = R*Wdilation + P*Wstride``
and ``H = S*Hdilation + Q*Hstride`` and the output as ``[N][M][Q][P]``: **R and P run
along the width, S and Q along the height**, M is the output channels (CoSA's problem
files call it K). Our `Conv2d` nest (`hwcodesign.mapper.problem.problem_of`) has P and
R along the height (``in_h``, ``kernel_h``) and Q and S along the width. So

==========  ====  ===  ===  ===  ===  ===  ===
Timeloop    C     M/K  R    S    P    Q    N
ours        C     K    S    R    Q    P    N
==========  ====  ===  ===  ===  ===  ===  ===

(`TIMELOOP_TO_OURS`). For the square layers of the references the swap changes no
count, but it keeps halo (sliding-window) reuse on the right axis for any layer.

Levels and spatial axes
-----------------------
A nest is given per Timeloop level, outermost loop first, in the form Timeloop prints
(``"Q:55"``, ``"M:12 (Spatial-X)"``), as in the ``[mapping]`` tables of the reference
TOML files. ``levels`` says which of our levels each Timeloop level is; a Timeloop level
we do not model (a buffer that keeps nothing) may have spatial loops but no temporal
ones. ``spatial`` says which of our `SpatialDim` takes the Spatial-X or Spatial-Y loops of
each Timeloop level (Timeloop's loops at a level that fan out *below* it are our
dimension whose ``above`` is that level).

Examples
--------
>>> parse_loop("M:12 (Spatial-X)")
('M', 12, 'X')
>>> parse_loop("Q:55")
('Q', 55, None)
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping as MappingOf
from collections.abc import Sequence

from hwcodesign.accelerators.specs import Accelerator
from hwcodesign.core.errors import ConfigError
from hwcodesign.mapper.mapping import Mapping
from hwcodesign.mapper.problem import Problem

__all__ = ["TIMELOOP_TO_OURS", "parse_loop", "mapping_from_timeloop"]

#: Timeloop loop name -> our conv loop name (see the module docstring).
TIMELOOP_TO_OURS: dict[str, str] = {"C": "C", "M": "K", "K": "K", "R": "S", "S": "R", "P": "Q", "Q": "P", "N": "N"}

_LOOP = re.compile(r"^\s*([A-Z])\s*:\s*(\d+)\s*(?:\(Spatial-([XY])\))?\s*$")


def parse_loop(text: str) -> tuple[str, int, str | None]:
    """``"M:12 (Spatial-X)"`` -> ``('M', 12, 'X')``; a temporal loop has axis None."""
    match = _LOOP.match(text)
    if match is None:
        raise ConfigError(f"A Timeloop loop must read 'D:factor' or 'D:factor (Spatial-X|Y)'. Got {text!r}.")
    return match.group(1), int(match.group(2)), match.group(3)


def mapping_from_timeloop(problem: Problem, acc: Accelerator, nest: MappingOf[str, Sequence[str]], *,
                          levels: MappingOf[str, str | None],
                          spatial: MappingOf[tuple[str, str], str]) -> Mapping:
    """Our `Mapping` of ``problem`` on ``acc`` equal to Timeloop's ``nest``.

    Parameters
    ----------
    problem
        Our problem (`problem_of` of the layer the nest maps).
    acc
        The accelerator set to Timeloop's architecture.
    nest
        Per Timeloop level, its loops outermost first (``"P:55"``, ``"M:12 (Spatial-X)"``).
    levels
        Timeloop level -> our level name, or None for a level we do not model (it may
        hold spatial loops only). Every level of ``acc`` must be named once.
    spatial
        (Timeloop level, ``"X"`` or ``"Y"``) -> our spatial dimension taking those loops.
    """
    ours = [lv.name for lv in acc.levels()]
    dims = problem.dims
    temporal = {lv: [1] * len(dims) for lv in ours}
    orders: dict[str, list[str]] = {lv: [] for lv in ours}
    array = acc.spatial_array()
    spatial_names = [d.name for d in array.dims]
    factors = {name: [1] * len(dims) for name in spatial_names}
    for level, loops in nest.items():
        if level not in levels:
            raise ConfigError(f"Timeloop level {level!r} has no entry in 'levels' ({sorted(levels)}).")
        target = levels[level]
        for text in loops:
            name, factor, axis = parse_loop(text)
            if name not in TIMELOOP_TO_OURS:
                raise ConfigError(f"Unknown Timeloop loop {name!r} in {text!r} (known: {sorted(TIMELOOP_TO_OURS)}).")
            d = dims.index(TIMELOOP_TO_OURS[name])
            if axis is None:
                if factor == 1:
                    continue
                if target is None:
                    raise ConfigError(f"Timeloop level {level!r} is not modelled but has the temporal loop {text!r}.")
                temporal[target][d] *= factor
                orders[target].append(dims[d])
            else:
                if (level, axis) not in spatial:
                    raise ConfigError(f"No spatial dimension is given for {level!r} Spatial-{axis} ({text!r}).")
                factors[spatial[(level, axis)]][d] *= factor
    full_orders = []
    for lv in ours:
        outer = list(dict.fromkeys(orders[lv]))
        full_orders.append(tuple([d for d in dims if d not in outer] + outer))  # unit loops outside, any order
    covered = [math.prod(temporal[lv][d] for lv in ours) * math.prod(f[d] for f in factors.values())
               for d in range(len(dims))]
    if tuple(covered) != problem.bounds:
        raise ConfigError(f"The Timeloop nest covers {dict(zip(dims, covered, strict=True))}, "
                          f"not the problem's {dict(zip(dims, problem.bounds, strict=True))}.")
    return Mapping(dims=dims, bounds=problem.bounds, levels=tuple(ours),
                   temporal=tuple(tuple(temporal[lv]) for lv in ours), orders=tuple(full_orders),
                   spatial_dims=tuple(spatial_names), spatial=tuple(tuple(factors[n]) for n in spatial_names),
                   spatial_above=tuple(d.above for d in array.dims))
