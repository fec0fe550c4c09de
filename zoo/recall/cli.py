"""Argument parsing for `python -m zoo.recall` (see __main__.py for the commands)."""

from __future__ import annotations

import argparse
import json

from .. import resultdoc
from . import plan, results
from .mixers import MIXERS


def _mixers(text: str) -> list[str]:
    ids = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in ids if m not in MIXERS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"no trainable layer for: {', '.join(unknown)} (known: {', '.join(MIXERS)})"
        )
    if not ids:
        raise argparse.ArgumentTypeError("no mixer ids given")
    return ids


def _points(text: str):
    try:
        return plan.parse_points(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _lrs(text: str) -> list[float]:
    try:
        out = [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"learning rates must be numbers, got {text!r}") from None
    if not out or any(not 0 < x < 1 for x in out):
        raise argparse.ArgumentTypeError(f"learning rates must lie in (0, 1), got {text!r}")
    return out


def _positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {v}")
    return v


def untrained() -> list[str]:
    """Registry models the sweep trains no layer for (their pages say so), in registry order."""
    from zoo.bench.catalog import kernels  # models.yaml read with plain PyYAML: no registry validation

    return [mid for mid in kernels() if mid not in MIXERS]


def run_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m zoo.recall", description="MQAR sweep over the zoo's mixers")
    ap.add_argument("--out", required=True, help="result JSON, e.g. benchmarks/recall/h100-part1.json")
    ap.add_argument("--mixers", type=_mixers, default=list(MIXERS), help="comma-separated model ids")
    ap.add_argument(
        "--points",
        type=_points,
        default=plan.POINTS,
        help="T:d:pairs,... (default: " + ",".join(":".join(map(str, p)) for p in plan.POINTS) + ")",
    )
    ap.add_argument("--lrs", type=_lrs, default=plan.LRS, help="learning rates, comma-separated")
    ap.add_argument("--steps", type=_positive, default=plan.Protocol.steps)
    ap.add_argument("--batch", type=_positive, default=plan.Protocol.batch)
    ap.add_argument("--eval-examples", type=_positive, default=plan.Protocol.eval_examples)
    ap.add_argument("--eval-every", type=_positive, default=plan.Protocol.eval_every)
    ap.add_argument("--seed", type=int, default=plan.Protocol.seed)
    ap.add_argument("--jobs", type=_positive, default=8, help="worker processes at once on the GPU")
    ap.add_argument("--split", type=_positive, default=2, help="jobs per mixer (its lrs dealt round-robin)")
    ap.add_argument("--budget", type=float, default=520, help="seconds for the whole sweep")
    ap.add_argument(
        "--backend",
        choices=("torch", "fake"),
        default="torch",
        help="fake: a deterministic stand-in for the CPU tests",
    )
    ap.add_argument(
        "--missing-from",
        default=None,
        metavar="RESULTS",
        help="only the trials this result file has not trained yet",
    )
    ap.add_argument("--dry-run", action="store_true", help="print the trials and jobs, train nothing")
    return ap


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("merge", "annotate"):
        ap = argparse.ArgumentParser(prog=f"python -m zoo.recall {argv[0]}")
        ap.add_argument("inputs", nargs="+")
        ap.add_argument("--out", required=True)
        a = ap.parse_args(argv[1:])
        try:
            doc = results.merge([results.load(p) for p in a.inputs])
        except ValueError as e:
            ap.error(str(e))
        results.annotate(doc)
        results.write(doc, a.out)
        return resultdoc.report(doc, results.validate, results.summary)
    if argv and argv[0] == "validate":
        return resultdoc.validate_files(argv[1:], results.validate)
    if argv and argv[0] == "summary":
        return resultdoc.summarize_files(argv[1:], results.summary)
    if argv and argv[0] == "list":
        for mid, m in MIXERS.items():
            print(f"{mid:18s} {m.impl:6s} {m.cls or '':22s} {'[fla #640] ' if m.hopper_640 else ''}{m.note}")
        missing = untrained()
        print(f"\nnot trained in this sweep ({len(missing)}): {', '.join(missing)}")
        return 0
    ap = run_parser()
    args = ap.parse_args(argv)
    if args.missing_from:
        try:
            results.load(args.missing_from)
        except ValueError as e:
            ap.error(str(e))
    if args.dry_run:
        todo = plan.trials(args.mixers, args.points, args.lrs)
        if args.missing_from:
            todo = results.still_missing(results.load(args.missing_from), todo)
        jobs = plan.jobs(todo, args.split)
        print(
            f"{len(todo)} trials of {args.steps} steps (batch {args.batch}) in {len(jobs)} jobs, "
            f"{args.jobs} at a time"
        )
        for job in jobs:
            print(
                f"  {job['model']}#{job['part']}: {len(job['trials'])} trials, lrs "
                f"{sorted({t['lr'] for t in job['trials']})}"
            )
        return 0
    from . import runner

    args.command = runner.command_line(argv)
    doc = runner.run(args)
    ok = sum(results.trained(t, e["impl"]) for e in doc["models"].values() for t in e["trials"])
    print(json.dumps({"trained": ok, "out": args.out, "wall_per_trial": results.wall_stats(doc)}))
    return 0
