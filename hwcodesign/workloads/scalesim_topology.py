"""Read and write SCALE-Sim topology CSV files (conv form and GEMM form).

Conv form (header ``Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter
Width, Channels, Num Filter, Strides,``): each row becomes a `Conv2d` with no padding
(SCALE-Sim's ifmap is the padded input), the same stride on both axes and
``ceil_mode=True``, because SCALE-Sim 3.0.0 rounds the output size up:
``ceil((H - R + stride) / stride)``. As in
SCALE-Sim 3.0.0, a row whose name contains ``'DP'`` is a depthwise layer run once per
channel with one input channel and ``Num Filter`` filters; it becomes a grouped conv
with ``groups = Channels``. Other rows, including ``Num Filter = 1`` rows (as in
SCALE-Sim's ``mobilenet.csv``), are plain convolutions, which is how SCALE-Sim runs them.

GEMM form (header ``Layer, M, N, K,``): SCALE-Sim 3.0.0 turns a row into a conv with
an ``M x K`` ifmap, a ``1 x K`` filter, one channel and ``N`` filters, i.e. output rows
``M``, filters ``N``, window ``K``: ``M*N*K`` MACs. Each row becomes a ``Gemm(m=M,
n=N, k=K)`` whose `gemm_view` is exactly that.

Cells after the required ones (SCALE-Sim's optional sparsity ``N:M`` column, or the
extra columns some example files carry) are ignored, up to the header's width; empty
lines and lines of empty cells are skipped. Any other malformed line raises one
`ConfigError` naming the file, the line, the column and the allowed values. Layers
form a chain, in file order.

Examples
--------
>>> text = '''Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
... Conv1, 34, 34, 3, 3, 3, 8, 1,
... DP2, 32, 32, 3, 3, 8, 1, 1,
... '''
>>> w = parse_scalesim_topology(text, name="example")
>>> [(op.name, op.macs, op.gemm_view()) for op in w.operators()]
[('Conv1', 221184, GemmView(m=1024, n=8, k=27, groups=1)), ('DP2', 64800, GemmView(m=900, n=1, k=9, groups=8))]
>>> parse_scalesim_topology("Layer, M, N, K,\\nqk, 64, 64, x,\\n", source="attn.csv")
Traceback (most recent call last):
...
hwcodesign.core.errors.ConfigError: attn.csv, line 2: column 'K' must be an int >= 1. Got 'x'.
>>> print(scalesim_topology_text(w, form="gemm"), end="")
Layer, M, N, K,
Conv1, 1024, 8, 27,
DP2_g0, 900, 1, 9,
DP2_g1, 900, 1, 9,
DP2_g2, 900, 1, 9,
DP2_g3, 900, 1, 9,
DP2_g4, 900, 1, 9,
DP2_g5, 900, 1, 9,
DP2_g6, 900, 1, 9,
DP2_g7, 900, 1, 9,
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from hwcodesign.core.errors import ConfigError
from hwcodesign.workloads.operators import Conv2d, Gemm, Operator
from hwcodesign.workloads.workload import Workload

__all__ = [
    "CONV_COLUMNS", "GEMM_COLUMNS", "read_scalesim_topology", "parse_scalesim_topology",
    "write_scalesim_topology", "scalesim_topology_text",
]

#: Columns of SCALE-Sim's conv-form topology, in order.
CONV_COLUMNS = ("Layer name", "IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width", "Channels",
                "Num Filter", "Strides")
#: Columns of SCALE-Sim's GEMM-form topology, in order.
GEMM_COLUMNS = ("Layer", "M", "N", "K")

Form = Literal["auto", "conv", "gemm"]


def _cells(line: str) -> list[str]:
    cells = [c.strip() for c in line.split(",")]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def _detect(header: list[str], source: str) -> Literal["conv", "gemm"]:
    lowered = [h.lower() for h in header]
    if len(lowered) >= 4 and lowered[1:4] == ["m", "n", "k"]:
        return "gemm"
    if len(lowered) >= 8 and "ifmap" in lowered[1]:
        return "conv"
    raise ConfigError(
        f"{source}, line 1: the header must start with the conv columns ({', '.join(CONV_COLUMNS)}) or the "
        f"GEMM columns ({', '.join(GEMM_COLUMNS)}). Got {', '.join(header)!r}.")


def parse_scalesim_topology(text: str, *, source: str = "<string>", name: str | None = None, batch: int = 1,
                            precision: str = "int8", form: Form = "auto") -> Workload:
    """Build a chain `Workload` from the text of a SCALE-Sim topology CSV.

    Parameters
    ----------
    text
        The file's contents.
    source
        What to call the file in error messages.
    name
        Workload name (default: ``source``'s stem).
    batch, precision
        Of the workload (SCALE-Sim itself models one sample).
    form
        ``'conv'``, ``'gemm'`` or ``'auto'`` (decided by the header).
    """
    if not isinstance(text, str):
        raise ConfigError(f"{source}: a topology must be text. Got {type(text).__name__}.")
    lines = text.splitlines()
    if not lines or not _cells(lines[0]):
        raise ConfigError(f"{source}, line 1: the file is empty; a SCALE-Sim topology starts with a header line.")
    header = _cells(lines[0])
    if form == "auto":
        form = _detect(header, source)
    elif form not in ("conv", "gemm"):
        raise ConfigError(f"The 'form' argument must be one of 'auto', 'conv', 'gemm'. Got {form!r}.")
    columns = CONV_COLUMNS if form == "conv" else GEMM_COLUMNS
    widest = max(len(header), len(columns) + 1)
    workload = Workload(name or Path(source).stem or "topology", batch=batch, precision=precision)
    previous: str | None = None
    for lineno, line in enumerate(lines[1:], start=2):
        cells = _cells(line)
        if not cells:
            continue
        where = f"{source}, line {lineno}"
        if len(cells) < len(columns) or len(cells) > widest:
            raise ConfigError(
                f"{where}: expected {len(columns)} columns ({', '.join(columns)}) plus at most "
                f"{widest - len(columns)} ignored one(s), found {len(cells)}.")
        if not cells[0]:
            raise ConfigError(f"{where}: column {columns[0]!r} must be a non-empty layer name.")
        values = []
        for column, cell in zip(columns[1:], cells[1:len(columns)]):
            try:
                value = int(cell)
            except ValueError:
                value = None
            if value is None or value < 1:
                raise ConfigError(f"{where}: column {column!r} must be an int >= 1. Got {cell!r}.")
            values.append(value)
        label = cells[0]
        if label in workload:
            suffix = 2
            while f"{label}#{suffix}" in workload:
                suffix += 1
            label = f"{label}#{suffix}"
        op = _conv_row(label, values, where) if form == "conv" else Gemm(name=label, m=values[0], n=values[1],
                                                                           k=values[2])
        previous = workload.add(op, () if previous is None else (previous,))
    return workload


def _conv_row(label: str, values: list[int], where: str) -> Operator:
    h, w, r, s, c, k, stride = values
    for column, size, limit, limit_column in (("Filter Height", r, h, "IFMAP Height"),
                                              ("Filter Width", s, w, "IFMAP Width")):
        if size > limit:
            raise ConfigError(f"{where}: column {column!r} must be an int <= {limit_column} ({limit}). Got {size}.")
    depthwise = "DP" in label  # SCALE-Sim 3.0.0 runs such a row once per channel
    try:
        return Conv2d(name=label, in_channels=c, out_channels=c * k if depthwise else k, in_h=h, in_w=w,
                      kernel_h=r, kernel_w=s, stride_h=stride, stride_w=stride, groups=c if depthwise else 1,
                      ceil_mode=True)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def read_scalesim_topology(path: str | Path, *, name: str | None = None, batch: int = 1, precision: str = "int8",
                           form: Form = "auto") -> Workload:
    """Read a SCALE-Sim topology CSV file into a chain `Workload` (see `parse_scalesim_topology`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read SCALE-Sim topology {str(path)!r}: {exc}.") from None
    return parse_scalesim_topology(text, source=str(path), name=name or path.stem, batch=batch,
                                   precision=precision, form=form)


def _label(name: str) -> str:
    return name.replace(",", "_").replace("\n", "_").replace("\r", "_")


def _conv_rows(op: Operator) -> list[tuple[object, ...]]:
    if isinstance(op, Conv2d):
        if op.batch != 1:
            raise ConfigError(f"Operator {op.name!r} has batch {op.batch}; SCALE-Sim's conv form models one "
                              "sample. Write form='gemm' (which folds the batch into M) or use with_batch(1).")
        if op.stride_h != op.stride_w:
            raise ConfigError(f"Operator {op.name!r} has strides ({op.stride_h}, {op.stride_w}); SCALE-Sim's conv "
                              "form has a single 'Strides' column. Write form='gemm' instead.")
        row = op.scalesim_form()
        base = (row.ifmap_h, row.ifmap_w, row.filter_h, row.filter_w)
        if row.repeat == 1:
            return [(_label(op.name), *base, row.channels, row.num_filters, row.stride_h)]
        if row.channels == 1:  # depthwise: SCALE-Sim's own 'DP' expansion runs it once per channel
            label = _label(op.name) if "DP" in op.name else _label(op.name) + "_DP"
            return [(label, *base, row.repeat, row.num_filters, row.stride_h)]
        return [(f"{_label(op.name)}_g{g}", *base, row.channels, row.num_filters, row.stride_h)
                for g in range(row.repeat)]
    view = op.gemm_view()
    if view is None:
        return []
    # SCALE-Sim's own GEMM-to-conv mapping: ifmap M x K, filter 1 x K, 1 channel, N filters.
    row = (view.m, view.k, 1, view.k, 1, view.n, 1)
    if view.groups == 1:
        return [(_label(op.name), *row)]
    return [(f"{_label(op.name)}_g{g}", *row) for g in range(view.groups)]


def _gemm_rows(op: Operator) -> list[tuple[object, ...]]:
    view = op.gemm_view()
    if view is None:
        return []
    if view.groups == 1:
        return [(_label(op.name), view.m, view.n, view.k)]
    return [(f"{_label(op.name)}_g{g}", view.m, view.n, view.k) for g in range(view.groups)]


def scalesim_topology_text(workload: Workload, *, form: Literal["conv", "gemm"] = "conv") -> str:
    """Return ``workload``'s conv and GEMM operators as SCALE-Sim topology CSV text.

    Operators without MACs are left out. ``form='conv'`` writes convs as SCALE-Sim conv
    rows (padding folded into the ifmap; depthwise as a ``'DP'`` row; other groups one
    row each) and GEMMs through SCALE-Sim's GEMM-as-conv mapping; it needs batch 1 and
    equal strides. ``form='gemm'`` writes every operator's `gemm_view`, one row per group.
    Importing the result gives the same MAC count.
    """
    if form not in ("conv", "gemm"):
        raise ConfigError(f"The 'form' argument must be 'conv' or 'gemm'. Got {form!r}.")
    columns, rows_of = (CONV_COLUMNS, _conv_rows) if form == "conv" else (GEMM_COLUMNS, _gemm_rows)
    lines = [", ".join(columns) + ","]
    for op in workload.operators():
        lines.extend(", ".join(str(v) for v in row) + "," for row in rows_of(op))
    return "\n".join(lines) + "\n"


def write_scalesim_topology(workload: Workload, path: str | Path, *,
                            form: Literal["conv", "gemm"] = "conv") -> Path:
    """Write `scalesim_topology_text` to ``path``; return the path."""
    path = Path(path)
    path.write_text(scalesim_topology_text(workload, form=form))
    return path
