"""``plan``: whole-network memory planning (COSMA-style ILP and baselines) for one scratchpad budget."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hwcodesign.cli._common import positive_float
from hwcodesign.core.errors import ConfigError


def _cmd_plan(args: argparse.Namespace) -> int:
    from hwcodesign.mapper.graph import GraphProblem, check_plan, plan_methods, resolve_budget, traffic_lower_bound
    from hwcodesign.workloads import load_workload

    if (args.budget is None) == (args.scratchpad_bytes is None):
        raise ConfigError("Give exactly one of --budget (tight, peak, mid) and --scratchpad-bytes.")
    options = {} if args.precision is None else {"precision": args.precision}
    workload = load_workload(args.workload, **options)
    if args.batch is not None:
        workload = workload.with_batch(args.batch)
    problem = GraphProblem.from_workload(workload)
    budget = resolve_budget(problem, args.budget if args.budget is not None else args.scratchpad_bytes)
    plans = plan_methods(problem, budget, solver=args.solver, time_limit_s=args.time_limit)
    for name, plan in plans.items():
        if plan.feasible and not check_plan(problem, plan).ok:  # a bug, not bad input
            raise RuntimeError(f"plan {name!r} fails the checker: {check_plan(problem, plan).violations[:3]}")
    baseline = [p.non_compulsory_bytes for m, p in plans.items() if m != "ilp" and p.feasible]
    best = min(baseline) if baseline else None
    ilp = plans["ilp"]
    reduction = (1 - ilp.non_compulsory_bytes / best if ilp.feasible and best else None)
    bound = (traffic_lower_bound(problem, budget, time_limit_s=args.time_limit).bound_bytes
             if budget >= problem.largest_footprint else None)
    if args.out:
        data = {"workload": workload.name, "budget_bytes": budget, "budget": args.budget,
                "compulsory_bytes": problem.compulsory_bytes, "solver": args.solver,
                "time_limit_s": args.time_limit, "best_baseline_bytes": best, "reduction": reduction,
                "lower_bound_bytes": bound,
                "methods": {m: {"non_compulsory_bytes": p.non_compulsory_bytes, "solve_s": p.solve_s,
                                "status": p.status, "gap": p.gap, "reason": p.reason, "order": list(p.order),
                                "placements": p.to_dict()["placements"], "spills": p.to_dict()["spills"]}
                            for m, p in plans.items()}}
        try:
            Path(args.out).write_text(json.dumps(data, indent=1))
        except OSError as exc:
            raise ConfigError(f"Cannot write --out {args.out}: {exc}.") from exc
    if not args.quiet:
        print(f"{workload.name}: {len(problem.order)} operators, budget {budget} bytes"
              f"{f' ({args.budget})' if args.budget else ''}, compulsory traffic {problem.compulsory_bytes} bytes")
        print(f"{'method':28s} {'non_compulsory_bytes':>20s} {'solve_s':>8s}  status")
        for name, plan in plans.items():
            value = "-" if plan.non_compulsory_bytes is None else str(plan.non_compulsory_bytes)
            note = f" (gap {plan.gap:.1%})" if plan.gap else (f" ({plan.reason})" if plan.reason else "")
            print(f"{name:28s} {value:>20s} {plan.solve_s:8.2f}  {plan.status}{note}")
        if reduction is not None:
            print(f"reduction vs best baseline: {reduction:.1%} ({best} -> {ilp.non_compulsory_bytes} bytes)")
        elif best == 0:
            print("reduction vs best baseline: n/a (the best baseline moves no non-compulsory bytes)")
        if bound is not None:
            print(f"lower bound: no plan moves fewer than {bound} non-compulsory bytes"
                  + (f" (at most {1 - bound / best:.1%} below the best baseline)" if best else ""))
        if args.out:
            print(f"wrote {args.out}")
    return 0


def register(sub) -> None:
    """Add the ``plan`` subcommand."""
    p = sub.add_parser("plan", help="plan operator order, scratchpad offsets and spills (COSMA-style ILP) and "
                                    "compare with baselines")
    p.add_argument("--workload", default="resnet18", help="zoo name or workload file (default resnet18)")
    p.add_argument("--batch", type=int, help="batch size (default: the workload's)")
    p.add_argument("--precision", help="operand precision (default: the workload's, int8 for the zoo)")
    p.add_argument("--scratchpad-bytes", help="scratchpad budget, e.g. 2097152 or '2 MiB'")
    p.add_argument("--budget", choices=("tight", "peak", "mid"),
                   help="tight: largest single-operator footprint; peak: minimum peak footprint; mid: midpoint")
    p.add_argument("--solver", choices=("cbc", "highs"), default="cbc", help="ILP solver (default cbc)")
    p.add_argument("--time-limit", type=positive_float, default=60.0, help="solver time limit in seconds (default 60)")
    p.add_argument("--out", type=Path, help="write plan.json (every method's order, placements, spills)")
    p.add_argument("--quiet", action="store_true", help="print nothing")
    p.set_defaults(func=_cmd_plan)
