"""``explore``: co-explore NAS-Bench-201 networks and a heterogeneous accelerator chip under specs (NASAIC)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hwcodesign.cli._common import positive_int
from hwcodesign.core.errors import ConfigError

#: The built-in problem of a bare ``hwcodesign explore`` (docs/coexploration.md says how the specs were chosen).
DEFAULT_TASKS = "cifar10,cifar100,imagenet16"
DEFAULT_TEMPLATES = "nvdla_like,shidiannao_like,eyeriss_like"
DEFAULT_SPECS = "latency_ms=0.5,energy_mj=2.5,area_mm2=1.0"

_TABLE_COLUMNS = ("accuracy_mean", "latency_ms", "energy_mj", "area_mm2", "feasible", "chip")


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _table(records: list[dict], tasks: list[str], top: int) -> str:
    import pandas as pd

    from hwcodesign.cli._common import fmt

    frame = pd.DataFrame(records)
    columns = [f"accuracy_{t}" for t in tasks] + list(_TABLE_COLUMNS)
    columns = [c for c in columns if frame[c].notna().any()]  # a GPU has no energy or area
    shown = frame[columns].head(top).rename(columns={f"accuracy_{t}": f"acc_{t}" for t in tasks})
    return fmt(shown)


def _describe(label: str, summary: dict, specs) -> str:
    acc = ", ".join(f"{t} {v:.2f}%" for t, v in summary["accuracy"].items())
    met = "yes" if summary["specs_met"] else f"NO (violates {summary['violated']})"
    limits = {m: getattr(specs, m) for m in ("latency_ms", "energy_mj", "area_mm2") if summary[m] is not None}
    metrics = ", ".join(f"{m} {summary[m]:.4g}" + (f" (spec {limits[m]:g})" if limits[m] else "") for m in limits)
    nets = "\n".join(f"    {t}: {a}" for t, a in summary["networks"].items())
    subs = "\n".join(f"    {s['template']} {s['rows']}x{s['cols']} PEs, {s['bandwidth_bytes_per_cycle']:g} B/cycle"
                     f" <- {', '.join(s['tasks'])}" for s in summary["chip"]["subs"]) or f"    GPU {summary['device']}"
    return (f"{label}: specs met: {met}\n  accuracy: {acc}\n  {metrics}\n  networks:\n{nets}\n  chip:\n{subs}")


def _save_plot(study, path: Path, specs) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hwcodesign.plotting import plot_pareto

    frame = study.to_dataframe()
    gpu = frame["energy_mj"].isna().all()  # a GPU target: latency only
    fig, axes = plt.subplots(1, 1 if gpu else 2, figsize=(6 if gpu else 12, 4.8), squeeze=False)
    left = axes[0][0]
    plot_pareto(frame, "latency_ms", "accuracy_mean", color_by="template_mix", senses=("min", "max"), ax=left)
    left.set_title("accuracy vs latency, by " + ("GPU" if gpu else "sub-accelerator templates"))
    if specs.latency_ms:
        left.axvline(specs.latency_ms, color="red", linestyle="--", linewidth=1)
    if gpu:
        _write(fig, path)
        return
    right = axes[0][1]
    plot_pareto(frame, "area_mm2", "energy_mj", color_by="feasible", ax=right)
    right.set_title("energy vs area (feasible: meets every spec)")
    if specs.area_mm2:
        right.axvline(specs.area_mm2, color="red", linestyle="--", linewidth=1)
    if specs.energy_mj:
        right.axhline(specs.energy_mj, color="red", linestyle="--", linewidth=1)
    _write(fig, path)


def _write(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    try:
        fig.savefig(path, dpi=120)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot write the plot to {str(path)!r}: {exc}") from None
    finally:
        plt.close(fig)


def _cmd_explore(args: argparse.Namespace) -> int:
    from hwcodesign.codesign.evaluate import OperatorCosts, Specs
    from hwcodesign.codesign.explore import explore, successive
    from hwcodesign.codesign.space import CodesignSpace

    tasks = _split(args.tasks)
    if args.gpu:
        space = CodesignSpace.nb201(tasks, gpus=_split(args.gpu))
        specs = Specs.parse(args.spec or "")
    else:
        space = CodesignSpace.nb201(tasks, templates=_split(args.templates), max_subs=args.max_subs)
        specs = Specs.parse(DEFAULT_SPECS if args.spec is None else args.spec)
    costs = OperatorCosts(mapping_budget=args.mapping_budget)
    common = {"strategy": args.strategy, "budget": args.budget, "seed": args.seed, "jobs": args.jobs,
              "progress": not args.quiet, "costs": costs}
    if not args.quiet:
        target = f"GPU {args.gpu}" if args.gpu else f"a chip of up to {args.max_subs} sub-accelerator(s) " \
                                                      f"({args.templates})"
        print(f"co-exploring {len(tasks)} NB201 network(s) ({', '.join(tasks)}) and {target}; specs: "
              + (", ".join(f"{k}<={v:g}" for k, v in specs.to_dict().items() if v) or "none")
              + f"; {args.strategy}, {args.budget} points, seed {args.seed}", file=sys.stderr)
    study = explore(space, specs, store=args.out, **common)
    summary = study.summary()
    baseline = None
    if args.baseline:
        baseline = successive(space, specs, **common).summary()
        summary["successive_baseline"] = baseline
    if args.summary:
        try:
            Path(args.summary).write_text(json.dumps(summary, indent=2) + "\n")
        except OSError as exc:
            raise ConfigError(f"Cannot write the summary to {str(args.summary)!r}: {exc}") from None
    if args.plot:
        _save_plot(study, args.plot, specs)
    if args.quiet:
        return 0
    front = study.pareto()
    kind = "feasible designs" if study.feasible() else "designs (none meets every spec)"
    print(f"Pareto front of {len(study.feasible())} {kind}, by mean accuracy ({len(front)} points):")
    print(_table(front, tasks, args.top))
    print()
    print(_describe("best design", summary, specs))
    if baseline is not None:
        print(_describe("successive baseline (most accurate networks, then hardware)", baseline, specs))
        ratios = ", ".join(f"{m} {baseline[m] / summary[m]:.2f}x lower" for m in ("latency_ms", "energy_mj", "area_mm2")
                           if summary[m] is not None)
        print(f"co-exploration vs successive: {ratios}; accuracy {summary['accuracy_mean'] - baseline['accuracy_mean']:+.2f}"
              " points (mean over tasks)")
    rate = f"{study.points_per_minute:.0f} points/min" if study.evaluated else "all points reused"
    print(f"\n{len(study.records)} points ({study.evaluated} simulated, {study.reused} reused from the store, "
          f"{len(study.pruned)} pruned) in {study.seconds:.1f} s ({rate}; {costs.accelerators} distinct "
          f"sub-accelerators mapped)")
    for label, path in (("study", args.out), ("summary", args.summary), ("plot", args.plot)):
        if path:
            print(f"wrote {label}: {path}")
    return 0


def register(sub) -> None:
    """Add the ``explore`` subcommand."""
    ex = sub.add_parser("explore", help="co-explore NB201 networks and a heterogeneous accelerator chip under specs")
    ex.add_argument("--tasks", default=DEFAULT_TASKS, help=f"NB201 tasks, comma-separated (default {DEFAULT_TASKS})")
    ex.add_argument("--templates", default=DEFAULT_TEMPLATES,
                    help=f"sub-accelerator templates, comma-separated (default {DEFAULT_TEMPLATES})")
    ex.add_argument("--max-subs", type=positive_int, default=3, help="sub-accelerators on the chip, at most (1-4)")
    ex.add_argument("--gpu", metavar="NAMES",
                    help="target GPU(s) of the catalog instead of a chip, e.g. a100,t4 (latency only; "
                         "names as in hwcodesign.accelerators.gpus.gpu_names())")
    ex.add_argument("--spec", default=None,
                    help=f"hard specs, e.g. latency_ms=1,energy_mj=2,area_mm2=3; '' for none (default {DEFAULT_SPECS}; "
                         "with --gpu none)")
    ex.add_argument("--strategy", default="evolution",
                    help="random, grid, evolution, reinforce, nsga2 or hao (default evolution)")
    ex.add_argument("--budget", type=positive_int, default=300, help="distinct design points to evaluate (default 300)")
    ex.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ex.add_argument("--jobs", type=positive_int, default=2, help="processes mapping new sub-accelerators (default 2)")
    ex.add_argument("--mapping-budget", type=positive_int, default=50,
                    help="tilings the layer mapper samples per operator shape (default 50)")
    ex.add_argument("--baseline", action="store_true",
                    help="also run the successive baseline (most accurate networks, then hardware) and compare")
    ex.add_argument("--out", type=Path, help="study store (.sqlite); re-running with it resumes")
    ex.add_argument("--summary", type=Path, help="write the best design as JSON")
    ex.add_argument("--plot", type=Path, help="write the Pareto / accuracy-vs-latency plot (PNG, PDF, SVG)")
    ex.add_argument("--top", type=positive_int, default=10, help="rows of the Pareto table (default 10)")
    ex.add_argument("--quiet", action="store_true", help="no progress bar, no tables")
    ex.set_defaults(func=_cmd_explore)
