"""The parent process of a benchmark run: no torch here. It starts one worker subprocess per kernel family
(zoo.bench.worker) with a time limit, survives workers that crash or hang (a Triton compiler crash kills
the whole process), retries a crashed model with its next configuration, and writes one result document.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .. import resultdoc
from . import catalog, results

DEFAULT_LENGTHS = [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072]


def _say(line: str) -> None:
    print(line, flush=True)  # the GPU machine's log is read while the run goes on


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _tail(path: Path, n: int = 1500) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return text[-n:]


def _start(popen, cmd: list[str], fh):
    """A worker in a session of its own (so its whole process group can be killed), output to fh."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def spawn(cmd: list[str], log: Path, timeout: float) -> tuple[int | None, bool]:
    """Run cmd with stdout+stderr to log; returns (exit code or None, timed_out)."""
    with open(log, "ab") as fh:
        proc = _start(subprocess.Popen, cmd, fh)
        try:
            return proc.wait(timeout=max(1.0, timeout)), False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)  # the worker's whole process group: Triton compile helpers included
            proc.wait()
            return None, True


def _worker_cmd(part: Path, models: list[str], args, deadline: float, lengths: list[int] | None = None):
    flags = {
        "--out": str(part),
        "--models": ",".join(models),
        "--lengths": ",".join(map(str, lengths or args.lengths)),
        "--head-dims": ",".join(map(str, args.head_dims)),
        "--tokens": str(args.tokens),
        "--tolerance": str(args.tolerance),
        "--deadline": str(deadline),
    }
    cmd = [sys.executable, "-m", "zoo.bench.worker", *(a for pair in flags.items() for a in pair)]
    if args.no_decode:
        cmd.append("--no-decode")
    if getattr(args, "fast_autotune", False):
        cmd.append("--fast-autotune")
    return cmd


def warm_jobs(models: list[str], args) -> dict[str, tuple[str, list[int], str | None]]:
    """The warm-up's jobs, {name: (model, lengths, autotune slice)}: one per model, or with --warm-split N one
    per length and slice of the autotune configs, shortest lengths first. Splitting is for kernels that
    compile dozens of configs again at every length (Wall's: its batch size is a compile-time constant)."""
    n = args.warm_split
    if n <= 1:
        return {m: (m, list(args.lengths), None) for m in models}
    return {f"{m}@{T}.{k}": (m, [T], f"{k}/{n}") for T in args.lengths for k in range(n) for m in models}


def warm_phase(jobs: dict, args, workdir: Path, log=print, popen=subprocess.Popen) -> tuple:
    """Run the warm-up jobs (warm_jobs), several at a time, without timing anything: the Triton compilations
    and autotuning results land in the on-disk caches that the sequential timing pass then reads, and the
    correctness checks are done. Returns ({model: entry with its passed checks}, {model: final entry for
    models that failed their check}, {model: variant to start from}); a model counts as warmed only when
    every one of its jobs finished."""
    deadline = time.time() + args.warm_budget
    pending = list(jobs.items())
    running: dict[str, tuple] = {}
    outcomes: dict[str, list] = {}  # model -> (exit code, entry or None) of each job
    while pending or running:
        while pending and len(running) < args.warm_jobs:
            name, (model, lengths, config_slice) = pending.pop(0)
            part = workdir / f"warm-{name}.json"
            fh = open(workdir / f"warm-{name}.log", "ab")
            cmd = _worker_cmd(part, [model], args, deadline - 10, lengths) + ["--warmup-only"]
            if config_slice:
                cmd += ["--config-slice", config_slice]
            running[name] = (_start(popen, cmd, fh), model, part, fh, time.time())
        time.sleep(0.5)
        for name, (proc, model, part, fh, t0) in list(running.items()):
            rc = proc.poll()
            if rc is None and time.time() < deadline:
                continue
            if rc is None:
                os.killpg(proc.pid, 9)
                proc.wait()
            fh.close()
            del running[name]
            log(
                f"[warm {name}] {'killed at the deadline' if rc is None else 'exit ' + str(rc)} after "
                f"{time.time() - t0:.0f} s"
            )
            entry = ((_read(part) or {}).get("models") or {}).get(model)
            outcomes.setdefault(model, []).append((rc, entry))
    return _warm_outcome(outcomes)


def _crowded_out(entry: dict) -> bool:
    """An out-of-memory error in the warm-up, where up to --warm-jobs workers share the GPU, says nothing of
    the kernel alone (on an H100 fifteen of them left Wall and TTT without memory for a 256-token check): the
    timing pass, one worker at a time, checks such a model again instead of taking the error as final."""
    said = [c.get("error") or "" for c in entry.get("checks", [])] + list(entry.get("errors", []))
    return any(results.out_of_memory(e) for e in said)


def _warm_outcome(outcomes: dict[str, list]) -> tuple:
    warm, final, start = {}, {}, {}
    for model, ends in outcomes.items():
        entries = [e for _, e in ends if e]
        failed = [
            e
            for e in entries
            if "in_progress" not in e and e.get("status") in ("failed_check", "error") and not _crowded_out(e)
        ]
        if failed:
            final[model] = failed[0]
        elif len(entries) == len(ends) and all(
            "in_progress" not in e and e.get("status") == "warmed" for e in entries
        ):
            warm[model] = entries[0]
            start[model] = entries[0].get("variant_index", 0)
        else:
            for rc, e in ends:  # a worker that crashed in prepare or check: its next variant goes first
                stage = (e or {}).get("in_progress") or {}
                if rc not in (0, None) and stage.get("stage") in ("prepare", "check"):
                    start[model] = stage.get("variant", 0) + 1
    return warm, final, start


def run_family(
    family: str,
    models: list[str],
    args,
    workdir: Path,
    t_end: float,
    log=print,
    spawn_fn=spawn,
    carry: Path | None = None,
    start_variant: dict | None = None,
) -> dict:
    """Measure the models of one family, relaunching the worker after a crash; returns {model: entry}."""
    done: dict[str, dict] = {}
    remaining = list(models)
    start_variant = dict(start_variant or {})
    attempt = 0
    while remaining:
        attempt += 1
        left = t_end - time.time()
        timeout = min(left, args.family_timeout) if args.family_timeout else left
        if timeout < 30:
            why = "the run's time budget was spent before this model"
            done.update({m: results.empty_entry(m, "not_run", why) for m in remaining})
            break
        part = workdir / f"{family}-{attempt}.json"
        cmd = _worker_cmd(part, remaining, args, time.time() + timeout - 15)
        cmd += [f"--start-variant={m}={v}" for m, v in start_variant.items() if m in remaining]
        if carry is not None:
            cmd += ["--carry", str(carry)]
        logfile = workdir / f"{family}.log"
        t0 = time.time()
        rc, timed_out = spawn_fn(cmd, logfile, timeout)
        log(
            f"[{family}] worker {attempt}: {'timeout' if timed_out else 'exit ' + str(rc)} after "
            f"{time.time() - t0:.0f} s ({', '.join(remaining)})"
        )
        got = (_read(part) or {}).get("models", {})
        crashed_model = None
        for m, entry in got.items():
            if "in_progress" in entry and (rc != 0 or timed_out):
                crashed_model = m
                continue
            done[m] = entry
        if rc == 0 and not timed_out:
            remaining = [m for m in remaining if m not in done]
            why = "the worker exited without measuring this model"  # it ended without touching them
            done.update({m: results.empty_entry(m, "error", why) for m in remaining})
            break
        why = "timeout" if timed_out else f"crashed (exit code {rc})"
        tail = _tail(logfile)
        if crashed_model not in remaining:  # died before writing anything: blame the first model not done
            crashed_model = next((m for m in remaining if m not in done), None)
        if crashed_model is not None:
            entry = got.get(crashed_model) or {
                **results.catalog_fields(crashed_model),
                "checks": [],
                "points": [],
                "decode": None,
                "errors": [],
                "attempts": [],
            }
            stage = entry.pop("in_progress", {}) or {}
            partial = stage.pop("point", None)
            if partial and partial.get("fwd_ms") is not None:  # died in the backward: the forward stands
                partial["fwdbwd_error"] = f"worker {why} while timing the backward"
                entry.setdefault("points", []).append(partial)
            variant = stage.get("variant", start_variant.get(crashed_model, 0))
            entry.setdefault("attempts", []).append(
                {
                    "variant": variant,
                    "error": f"worker {why} during {stage.get('stage', 'start-up')}",
                    "log_tail": tail[-600:],
                }
            )
            n_var = entry.get("n_variants", 1)
            has_points = any(p.get("status") == "ok" for p in entry.get("points", []))
            if not timed_out and stage.get("stage") in ("prepare", "check") and variant + 1 < n_var:
                start_variant[crashed_model] = variant + 1  # try its next configuration in a fresh worker
                done.pop(crashed_model, None)
            else:
                entry["status"] = "measured" if has_points else ("timeout" if timed_out else "crashed")
                entry.setdefault("errors", []).append(results.step_error(why, stage))
                if has_points:  # the lengths after the one it died in were never reached: say which
                    entry["truncated"] = never_reached(entry, args)
                done[crashed_model] = entry
        remaining = [m for m in remaining if m not in done]
    return done


def never_reached(entry: dict, args) -> list[dict]:
    """{head_dim, T} of the planned shapes a model has no point at, and no earlier truncation names."""
    have = {(p["head_dim"], p["T"]) for p in entry.get("points", [])}
    have |= {(c["head_dim"], c["T"]) for c in entry.get("truncated", [])}
    missing = [(D, T) for D in args.head_dims for T in args.lengths if (D, T) not in have]
    return entry.get("truncated", []) + [{"head_dim": D, "T": T} for D, T in missing]


def timing_order(groups: dict[str, list[str]], warm: dict) -> dict[str, list[str]]:
    """Warmed first: families whose every model finished its warm-up, and inside each family the warmed
    models. Their kernels are compiled, so they time in seconds, while a model cut off mid-compile may spend
    the rest of the budget compiling (on an H200 Mamba-3 did, and three warmed families behind it never ran;
    Wall did the same to Stick-Breaking inside their family)."""
    ready = [f for f, ms in groups.items() if all(m in warm for m in ms)]
    return {
        f: sorted(groups[f], key=lambda m: m not in warm)
        for f in ready + [f for f in groups if f not in ready]
    }


def run(args) -> dict:
    started = time.time()
    t_end = started + args.budget
    workdir = Path(tempfile.mkdtemp(prefix="zoo-bench-"))
    run_id = "run-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    wanted = args.models or list(catalog.KERNELS)
    _say(
        f"zoo.bench {run_id}: {len(wanted)} models, lengths {args.lengths}, head dims {args.head_dims}, "
        f"logs in {workdir}"
    )

    cal_path = workdir / "calibration.json"
    rc, timed_out = spawn(
        [sys.executable, "-m", "zoo.bench.worker", "--calibrate", "--out", str(cal_path)],
        workdir / "calibration.log",
        min(180, args.budget / 4),
    )
    cal = _read(cal_path) or {}
    if not cal:
        _say("calibration failed:\n" + _tail(workdir / "calibration.log"))
    run_rec = {
        "id": run_id,
        "command": args.command,
        "provenance": cal.get("provenance")
        or {
            "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "error": "calibration worker failed",
        },
        "calibration": cal.get("calibration"),
        "budget_s": args.budget,
    }
    config = {
        "dtype": "bfloat16",
        "heads": 16,
        "check_heads": 4,
        "check_T": 256,
        "decode_batch": 1,
        "tokens_per_call": args.tokens,
        "lengths": list(args.lengths),
        "head_dims": list(args.head_dims),
        "tolerance": args.tolerance,
    }
    doc = results.new_document(run_rec, config)
    for mid, entry in results.no_kernel_entries().items():
        if mid in wanted:
            doc["models"][mid] = results.stamp(entry, run_id)

    groups = catalog.families(wanted)
    carry, start = None, {}
    if args.warm_jobs > 1:
        # one process per model in the warm-up: compilation is single-threaded per process, so this is what
        # spreads it over the machine's cores
        models = [m for ms in groups.values() for m in ms]
        warm, final, start = warm_phase(warm_jobs(models, args), args, workdir, log=_say)
        for mid, entry in final.items():
            doc["models"][mid] = results.stamp(entry, run_id)
        carry = workdir / "carry.json"
        carry.write_text(json.dumps({m: {"checks": e.get("checks", [])} for m, e in warm.items()}))
        groups = timing_order({f: [m for m in ms if m not in final] for f, ms in groups.items()}, warm)
        run_rec["warm_up"] = {
            "jobs": args.warm_jobs,
            "split": args.warm_split,
            "wall_s": round(time.time() - started, 1),
            "note": "families compiled and autotuned concurrently; timing ran one family at a time",
        }
    for family, models in groups.items():
        if not models:
            continue
        got = run_family(family, models, args, workdir, t_end, log=_say, carry=carry, start_variant=start)
        for mid, entry in got.items():
            doc["models"][mid] = results.stamp(entry, run_id)
        write(doc, args.out)  # a partial file after every family: a killed parent still leaves results
    run_rec["wall_s"] = round(time.time() - started, 1)
    write(doc, args.out)
    try:
        for e in results.validate(doc):
            print("schema:", e)
    except ImportError:  # jsonschema is not on every GPU image; `python -m zoo.bench validate` runs anywhere
        print("schema: jsonschema not installed here, not validated")
    _say(results.summary(doc))
    return doc


write = resultdoc.write  # the one atomic writer of result documents


def command_line(argv: list[str]) -> str:
    return shlex.join(["python", "-m", "zoo.bench", *argv])
