"""Rows of an ours-versus-published comparison, one quantity each (a tidy table).

Every validation function returns a `ResultTable` of rows made by `comparison_row`:
``reference`` (which published run), ``quantity``, ``unit``, ``ours``, ``theirs``,
``rel_error`` ((ours - theirs) / theirs; None where theirs is 0) and ``source``.

Examples
--------
>>> row = comparison_row("demo", "cycles", "cycles", 110.0, 100.0, source="paper")
>>> row["rel_error"]
0.1
>>> print(format_table([row]))
reference  quantity  unit    ours  theirs   error
demo       cycles    cycles   110     100  +10.0%
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["comparison_row", "rel_error", "format_table", "timeloop_stats_rows"]


def rel_error(ours: float, theirs: float) -> float | None:
    """``(ours - theirs) / theirs``, or None when ``theirs`` is 0."""
    return None if theirs == 0 else (ours - theirs) / theirs


def comparison_row(reference: str, quantity: str, unit: str, ours: float, theirs: float, *,
                   source: str, **extra: Any) -> dict[str, Any]:
    """One row of a comparison table (module docstring); ``extra`` adds columns (layer, level...)."""
    return {"reference": reference, **extra, "quantity": quantity, "unit": unit, "ours": float(ours),
            "theirs": float(theirs), "rel_error": rel_error(float(ours), float(theirs)), "source": source}


def format_table(rows: Iterable[Mapping[str, Any]]) -> str:
    """The rows as aligned text: reference, any extra columns, quantity, unit, ours, theirs, error."""
    rows = list(rows)
    fixed = ("reference", "quantity", "unit", "ours", "theirs", "rel_error", "source")
    extra = [k for k in (rows[0] if rows else {}) if k not in fixed]
    header = ["reference", *extra, "quantity", "unit", "ours", "theirs", "error"]
    cells = [[str(r["reference"]), *(str(r[k]) for k in extra), str(r["quantity"]), str(r["unit"]),
              f"{r['ours']:.4g}", f"{r['theirs']:.4g}",
              "n/a" if r["rel_error"] is None else f"{r['rel_error']:+.1%}"] for r in rows]
    numeric = {"ours", "theirs", "error"}
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(header)]
    lines = []
    for line in [header, *cells]:
        parts = [c.rjust(w) if h in numeric else c.ljust(w) for c, w, h in zip(line, widths, header, strict=True)]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def timeloop_stats_rows(reference: str, source: str, ref: dict[str, Any], row: dict[str, Any], word_bytes: int,
                        access_keys: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """Comparison rows of one Timeloop-model run (Timeloop and CoSA references).

    ``access_keys`` maps each entry of the reference's [accesses] table to (our level,
    our operand); our energy components are named after our levels.
    """
    macs = row["macs"]
    results, accesses = ref["results"], ref["accesses"]
    out = [comparison_row(reference, "cycles", "cycles", row["latency_cycles"], results["cycles"], source=source),
           comparison_row(reference, "energy_per_mac", "pJ/MAC", row["energy_pj"] / macs,
                          results["energy_total_pJ"] / macs, source=source)]
    theirs_pj = {"mac": next(v for k, v in accesses.items() if k.endswith("energy_total_pJ"))}
    for key, (level, _) in access_keys.items():
        theirs_pj[level] = theirs_pj.get(level, 0.0) + accesses[key]["energy_total_pJ"]
    for name, pj in theirs_pj.items():
        out.append(comparison_row(reference, f"energy_per_mac_{name}", "pJ/MAC", row[f"energy_{name}_pj"] / macs,
                                  pj / macs, source=source))
    out.append(comparison_row(reference, "energy_per_mac_noc", "pJ/MAC", row["energy_noc_pj"] / macs, 0.0,
                              source=source))
    for key, (level, operand) in access_keys.items():
        entry = accesses[key]
        theirs = sum(entry.get(k, 0) for k in ("reads", "fills", "updates")) * entry.get("instances", 1)
        ours = row.get(f"{operand}_{level}_read_bytes", 0.0) + row.get(f"{operand}_{level}_write_bytes", 0.0)
        out.append(comparison_row(reference, f"accesses_{level}_{operand}", "words", ours / word_bytes, theirs,
                                  source=source))
    return out
