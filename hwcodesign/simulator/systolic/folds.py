"""The fold model of a systolic array: how a GEMM is cut into array-sized folds.

A layer is an ``m x k`` by ``k x n`` GEMM (``m`` output pixels, ``k = R*S*C`` the
window, ``n`` filters). Each dataflow maps two of the three dimensions on the array's
rows and columns and streams the third (``t``) through it:

========  ==========  ==========  ========
dataflow  array rows  array cols  temporal
========  ==========  ==========  ========
``os``    ``m``       ``n``       ``k``
``ws``    ``k``       ``n``       ``m``
``is``    ``k``       ``m``       ``n``
========  ==========  ==========  ========

Folds are visited column fold outer, row fold inner. A fold lasts ``t + R + C - 2``
cycles for OS (operands skewed in, results out of the far corner) and ``2R + C + t - 2``
for WS and IS (the stationary operand is loaded through the ``R`` rows first), on an
``R x C`` array. This is SCALE-Sim's compute model, which both systolic modes share.

Examples
--------
>>> g = fold_grid(m=100, n=64, k=27, rows=32, cols=32, dataflow="os")
>>> g.row_folds, g.col_folds, g.cycles_per_fold, g.compute_cycles
(4, 2, 89, 712)
>>> g.sram_reads()  # ifmap words, filter words
(5400, 6912)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Dataflow", "FoldGrid", "fold_grid", "FOLD_DIMS"]

Dataflow = Literal["os", "ws", "is"]

#: (array-row dim, array-column dim, temporal dim) of each dataflow.
FOLD_DIMS: dict[str, tuple[str, str, str]] = {"os": ("m", "n", "k"), "ws": ("k", "n", "m"), "is": ("k", "m", "n")}


@dataclass(frozen=True, slots=True)
class FoldGrid:
    """A GEMM's folds on an array: the mapped extents, fold counts and cycles per fold."""

    dataflow: Dataflow
    rows: int
    cols: int
    m: int
    n: int
    k: int
    sr: int
    sc: int
    t: int
    row_folds: int
    col_folds: int
    cycles_per_fold: int

    @property
    def n_folds(self) -> int:
        """Number of folds."""
        return self.row_folds * self.col_folds

    @property
    def compute_cycles(self) -> int:
        """Cycles of all folds back to back, with no memory stall."""
        return self.n_folds * self.cycles_per_fold

    @property
    def mapping_efficiency(self) -> float:
        """Mean over folds of the fraction of PEs mapped (in [0, 1])."""
        return (self.sr * self.sc) / (self.n_folds * self.rows * self.cols)

    def sram_reads(self) -> tuple[int, int]:
        """Words the array reads from the ifmap and the filter SRAM (each mapped element once per use).

        The stationary operand is read once per fold; a streamed operand once per fold of
        the dimension it does not span.
        """
        m, n, k = self.m, self.n, self.k
        if self.dataflow == "os":
            return self.col_folds * m * k, self.row_folds * k * n
        if self.dataflow == "ws":
            return self.col_folds * m * k, k * n
        return m * k, self.col_folds * k * n

    def ofmap_writes(self) -> int:
        """Words written to the ofmap SRAM: each output once, plus partial sums per extra row fold."""
        if self.dataflow == "os":
            return self.m * self.n
        return self.row_folds * self.m * self.n


def fold_grid(*, m: int, n: int, k: int, rows: int, cols: int, dataflow: Dataflow) -> FoldGrid:
    """Return the `FoldGrid` of an ``m x k`` by ``k x n`` GEMM on a ``rows x cols`` array."""
    extent = {"m": m, "n": n, "k": k}
    row_dim, col_dim, t_dim = FOLD_DIMS[dataflow]
    sr, sc, t = extent[row_dim], extent[col_dim], extent[t_dim]
    cycles = t + rows + cols - 2 if dataflow == "os" else 2 * rows + cols + t - 2
    return FoldGrid(dataflow, rows, cols, m, n, k, sr, sc, t, -(-sr // rows), -(-sc // cols), cycles)
