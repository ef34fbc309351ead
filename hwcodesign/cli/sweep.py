"""``sweep`` and ``report``: run a sweep definition into an SQLite results store, then rank and plot it."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from hwcodesign.cli._common import fmt, positive_int
from hwcodesign.core.errors import ConfigError


def _cmd_sweep(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from hwcodesign.codesign.sweep import load_sweep, run_sweep

    sweep = load_sweep(args.file)
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if args.quiet or total == 0:
            return
        if bar is None:
            bar = tqdm(total=total, unit="pt", desc=sweep.name, file=sys.stderr, dynamic_ncols=True)
        bar.update(done - bar.n)

    try:
        summary = run_sweep(sweep, args.out, jobs=args.jobs, scheduler=args.scheduler, batch_size=args.batch_size,
                            limit=args.limit, progress=progress)
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
        print(f"interrupted: every finished batch is in {args.out}; run the same command to resume.",
              file=sys.stderr)
        return 130
    if bar is not None:
        bar.close()
    if args.export:
        from hwcodesign.codesign.store import ResultStore

        with ResultStore.read(args.out) as store:
            store.export(args.export)
    if not args.quiet:
        where = f"Dask scheduler {args.scheduler}" if args.scheduler else "this process" if summary.workers == 1 \
            else "a local process pool"
        line = f"{sweep.name}: {summary.points} points, {summary.skipped} already stored"
        if summary.evaluated:
            line += (f", {summary.evaluated} evaluated ({summary.infeasible} infeasible) in {summary.seconds:.1f} s"
                     f" = {summary.points_per_second:.1f} points/s on {summary.workers} worker(s) of {where}, "
                     f"batches of {summary.batch_size}")
        print(line + ".")
        if summary.remaining:
            print(f"{summary.remaining} points remain (--limit); run the same command again to continue.")
        print(f"results: {args.out}" + (f", exported to {args.export}" if args.export else ""))
        print(f"next: hwcodesign report {args.out}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from hwcodesign.codesign.store import ResultStore
    from hwcodesign.codesign.sweep import OBJECTIVES, Sweep
    from hwcodesign.plotting import pareto_front

    with ResultStore.read(args.results) as store:
        meta, frame = store.meta, store.to_dataframe()
    if meta["kind"] != "sweep":
        raise ConfigError(f"{str(args.results)!r} holds a {meta['kind']!r} run; `hwcodesign report` reads sweeps.")
    sweep = Sweep(**{k: v for k, v in meta["definition"].items() if k != "schema_version"})
    objectives = [args.objective] if args.objective else list(sweep.objectives)
    for objective in objectives:
        if objective not in OBJECTIVES:
            raise ConfigError(f"--objective must be one of {', '.join(OBJECTIVES)}. Got {objective!r}.")
    senses = [OBJECTIVES[o] for o in objectives]
    prov = meta["provenance"]
    print(f"{args.results}: sweep {sweep.name!r}, {len(frame)} of {len(sweep)} points stored; written by hwcodesign "
          f"{prov['hwcodesign_version']} on {prov['host']}, started {prov['created_utc']}")
    if frame.empty:
        return 0
    feasible = frame[frame["feasible"].astype(bool)]
    if len(feasible) < len(frame):
        reasons = frame.loc[~frame["feasible"].astype(bool), "reason"].value_counts()
        print(f"{len(frame) - len(feasible)} infeasible; most common reason ({reasons.iloc[0]} points): "
              f"{reasons.index[0]}")
    varying = [n for n in sweep.varying if n in frame.columns and frame[n].nunique() > 1]
    groups = [n for n in ("workload", "engine") if n in varying]  # totals of different networks do not compare
    shown = [n for n in varying if n not in groups]
    for label, part in (feasible.groupby(groups, sort=False) if groups else [((), feasible)]):
        label = label if isinstance(label, tuple) else (label,)
        title = ", ".join(f"{g}={v}" for g, v in zip(groups, label, strict=True))
        head = f"[{title}] " if title else ""
        ranked = part.sort_values(objectives[0], ascending=senses[0] == "min")
        print(f"\n{head}best {min(args.top, len(ranked))} of {len(part)} feasible points by {objectives[0]}:")
        print(fmt(ranked.head(args.top)[[*shown, *_unique(objectives, ["utilization", "area_mm2"])]]))
        if len(objectives) > 1:
            front = pareto_front(part, objectives, senses).sort_values(objectives[0])
            print(f"{head}Pareto front over {', '.join(objectives)}: {len(front)} points")
            print(fmt(front.head(args.top)[[*shown, *objectives]]))
        if args.plots:
            for path in _plots(part, Path(args.plots), title, shown, objectives, senses):
                print(f"wrote {path}")
    return 0


def _unique(*lists: list[str]) -> list[str]:
    return list(dict.fromkeys(n for items in lists for n in items))


def _plots(frame, folder: Path, title: str, shown: list[str], objectives: list[str], senses: list[str]) -> list[Path]:
    """A Pareto scatter of the first two objectives; a heat map of the first over two gridded numeric parameters."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hwcodesign.plotting import plot_heatmap, plot_pareto

    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", title) or "sweep"
    written = []
    categorical = [n for n in shown if frame[n].dtype.kind not in "iuf"]
    numeric = [n for n in shown if frame[n].dtype.kind in "iuf"]
    if len(objectives) > 1:
        fig, ax = plt.subplots(figsize=(6.5, 4.5))
        plot_pareto(frame, objectives[0], objectives[1], senses=senses[:2], ax=ax,
                    color_by=(categorical or numeric or [None])[0])
        ax.set_title(title or "sweep")
        written.append(_save(fig, folder / f"pareto_{stem}.png"))
    gridded = [n for n in numeric if frame[n].nunique() <= 16]  # a heat map of random floats is noise
    if len(gridded) >= 2:
        fig, ax = plt.subplots(figsize=(7, 5))
        plot_heatmap(frame, gridded[1], gridded[0], objectives[0], agg="min" if senses[0] == "min" else "max",
                     ax=ax)
        ax.set_title(f"{title}\nbest {objectives[0]} over the other parameters".strip(), fontsize=10)
        written.append(_save(fig, folder / f"heatmap_{stem}.png"))
    return written


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    try:
        fig.tight_layout()
        fig.savefig(path, dpi=120)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot write the plot to {str(path)!r}: {exc}") from None
    finally:
        plt.close(fig)
    return path


def register(sub) -> None:
    """Add this module's subcommands."""
    sw = sub.add_parser("sweep", help="run a sweep definition (TOML) into an SQLite results store; resumable")
    sw.add_argument("file", type=Path, help="sweep definition, e.g. examples/sweeps/systolic_grid.toml")
    sw.add_argument("--out", type=Path, required=True,
                    help="results store (.sqlite); re-running with the same file skips finished points")
    sw.add_argument("--jobs", type=positive_int, help="local worker processes (default: CPU count; 1: this process)")
    sw.add_argument("--scheduler", metavar="ADDR",
                    help="run on a Dask cluster, e.g. tcp://host:8786 (needs hwcodesign[distributed])")
    sw.add_argument("--batch-size", type=positive_int, help="points per task (default: automatic)")
    sw.add_argument("--limit", type=positive_int, help="evaluate at most this many new points, then stop")
    sw.add_argument("--export", type=Path, help="also write every record to .csv, .parquet or .json")
    sw.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    sw.set_defaults(func=_cmd_sweep)

    rp = sub.add_parser("report", help="print the best points and Pareto front of a sweep; write plots")
    rp.add_argument("results", type=Path, help="results store written by `hwcodesign sweep`")
    rp.add_argument("--top", type=positive_int, default=10, help="rows to print per table (default 10)")
    rp.add_argument("--objective", help="rank by this column instead of the definition's objectives")
    rp.add_argument("--plots", type=Path, metavar="DIR", help="write Pareto and heat-map PNGs into this folder")
    rp.set_defaults(func=_cmd_report)
