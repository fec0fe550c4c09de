"""Argument parsing for `python -m zoo.bench` (see __main__.py for the commands)."""

from __future__ import annotations

import argparse
import json

from .. import resultdoc
from . import catalog, results, runner


def _ints(text: str) -> list[int]:
    return [int(t) for t in text.split(",") if t.strip()]


def _models(text: str) -> list[str]:
    ids = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in ids if m not in catalog.KERNELS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown model ids: {', '.join(unknown)}")
    return ids


def run_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m zoo.bench", description="GPU benchmark sweep over the zoo's kernels"
    )
    ap.add_argument("--out", required=True, help="result JSON, e.g. benchmarks/h100-2026-12-06.json")
    ap.add_argument("--models", type=_models, default=None, help="comma-separated model ids (default: all)")
    ap.add_argument("--lengths", type=_ints, default=runner.DEFAULT_LENGTHS)
    ap.add_argument("--head-dims", type=_ints, default=[128])
    ap.add_argument("--tokens", type=int, default=131072, help="B * T per call (B = 1 once T exceeds it)")
    ap.add_argument("--tolerance", type=float, default=2e-2, help="relative error above which a kernel fails")
    ap.add_argument("--budget", type=float, default=3600, help="seconds for the whole run")
    ap.add_argument("--family-timeout", type=float, default=None, help="seconds per worker subprocess")
    ap.add_argument("--no-decode", action="store_true")
    ap.add_argument(
        "--warm-jobs",
        type=int,
        default=1,
        help="> 1: first run every family once, this many at a time, to fill the compile caches",
    )
    ap.add_argument("--warm-budget", type=float, default=240, help="seconds for that warm-up pass")
    ap.add_argument(
        "--warm-split",
        type=int,
        default=1,
        metavar="N",
        help="> 1: in the warm-up, one job per model and length, each compiling 1/N of every autotuner's "
        "configs (for kernels that compile dozens of configs at every length)",
    )
    ap.add_argument(
        "--fast-autotune",
        action="store_true",
        help="Triton's autotuner ranks configs by a short benchmark (do_bench 5/20 ms, one call above "
        "100 ms) instead of 25/100 ms: a workaround to fit autotune-heavy kernels (Wall, fla's chunk kernels "
        "at long T) into a time-limited call; the harness's own timings are unchanged, the chosen config may "
        "differ",
    )
    ap.add_argument(
        "--missing-from",
        default=None,
        metavar="RESULTS",
        help="only the models (of --models, or all) that this result file has not measured at one of "
        "--head-dims at least",
    )
    return ap


def still_missing(doc: dict, model_ids: list[str], head_dims: list[int]) -> list[str]:
    """The ids a result document has not measured yet at every one of head_dims, skipping those without a
    public kernel: what a follow-up run on the same GPU should take, so that its results merge into a
    complete file (a model timed at head dim 128 only is still missing from a run at 64)."""

    def measured_at(entry: dict, D: int) -> bool:
        return any(p["head_dim"] == D and p.get("status") == "ok" for p in entry.get("points", []))

    missing = []
    for m in model_ids:
        entry = doc["models"].get(m, {})
        if entry.get("status") == "no_kernel":
            continue
        if entry.get("status") != "measured" or not all(measured_at(entry, D) for D in head_dims):
            missing.append(m)
    return missing


def main(argv: list[str]) -> int:
    if argv and argv[0] == "merge":
        ap = argparse.ArgumentParser(prog="python -m zoo.bench merge")
        ap.add_argument("inputs", nargs="+")
        ap.add_argument("--out", required=True)
        a = ap.parse_args(argv[1:])
        doc = results.merge([results.load(p) for p in a.inputs])
        runner.write(doc, a.out)
        return resultdoc.report(doc, results.validate, results.summary)
    if argv and argv[0] == "validate":
        return resultdoc.validate_files(argv[1:], results.validate)
    if argv and argv[0] == "summary":
        return resultdoc.summarize_files(argv[1:], results.summary)
    args = run_parser().parse_args(argv)
    args.command = runner.command_line(argv)
    if args.missing_from:
        wanted = [m for m in (args.models or catalog.KERNELS) if catalog.KERNELS[m].adapter]
        args.models = still_missing(results.load(args.missing_from), wanted, args.head_dims)
        print(f"not yet measured in {args.missing_from}: {', '.join(args.models) or 'none'}", flush=True)
        if not args.models:
            return 0
    doc = runner.run(args)
    measured = sum(e.get("status") == "measured" for e in doc["models"].values())
    print(json.dumps({"measured": measured, "out": args.out}))
    return 0
