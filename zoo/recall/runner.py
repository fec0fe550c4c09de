"""The parent of a sweep: no torch here. It deals the trials into jobs (zoo.recall.plan.jobs), keeps up to
``--jobs`` worker subprocesses (zoo.recall.worker) running at once on the one GPU, kills any still running
at the deadline, and writes the result document after every finished job, so a killed parent still leaves
everything done so far. Many small trainings share the GPU this way; each trial reports its own wall time.
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

from . import plan, results
from .mixers import MIXERS

POLL_S = 0.5
# the share of the GPU's memory the workers split evenly; the rest is for their CUDA contexts, which the
# cap does not count
MEMORY_SHARE = 0.9


def command_line(argv: list[str]) -> str:
    return shlex.join(["python", "-m", "zoo.recall", *argv])


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _tail(path: Path, n: int = 800) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def run(args, popen=subprocess.Popen, log=print) -> dict:
    started = time.time()
    deadline = started + args.budget
    run_id = "run-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    workdir = Path(tempfile.mkdtemp(prefix="zoo-recall-"))
    protocol = plan.Protocol(
        steps=args.steps,
        batch=args.batch,
        eval_examples=args.eval_examples,
        eval_every=args.eval_every,
        seed=args.seed,
    ).as_dict()
    todo = plan.trials(args.mixers, args.points, args.lrs)
    if args.missing_from:
        before = len(todo)
        todo = results.still_missing(results.load(args.missing_from), todo)
        log(f"{before - len(todo)} of {before} trials already trained in {args.missing_from}")
    jobs = plan.jobs(todo, args.split)
    run_rec = {
        "id": run_id,
        "command": args.command,
        "provenance": {
            "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "backend": args.backend,
        },
        "jobs": args.jobs,
        "budget_s": args.budget,
    }
    doc = results.new_document(protocol, run_rec)
    log(
        f"zoo.recall {run_id}: {len(todo)} trials of {len(args.mixers)} mixers in {len(jobs)} jobs, "
        f"{args.jobs} at a time; logs in {workdir}"
    )
    pending = list(enumerate(jobs))
    running: dict[int, tuple] = {}
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    while pending or running:
        while pending and len(running) < args.jobs:
            i, job = pending.pop(0)
            spec = workdir / f"job{i}.json"
            part = workdir / f"part{i}.json"
            spec.write_text(
                json.dumps(
                    {
                        **job,
                        "protocol": protocol,
                        "backend": args.backend,
                        "deadline": deadline - 10,
                        "memory_share": MEMORY_SHARE / args.jobs,
                    }
                )
            )
            fh = open(workdir / f"job{i}.log", "ab")
            cmd = [sys.executable, "-m", "zoo.recall.worker", "--job", str(spec), "--out", str(part)]
            proc = popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True)
            running[i] = (proc, job, part, fh, time.time())
        time.sleep(POLL_S)
        for i, (proc, job, part, fh, t0) in list(running.items()):
            rc = proc.poll()
            if rc is None and time.time() < deadline:
                continue
            if rc is None:
                os.killpg(proc.pid, 9)  # the worker and its Triton compile helpers
                proc.wait()
            fh.close()
            del running[i]
            got = _read(part) or {}
            trained = got.get("trials", [])
            done = {plan.key(t) for t in trained}
            why = "killed at the deadline" if rc is None else f"worker exit {rc}"
            lost = [
                {
                    **t,
                    "status": "timeout" if rc is None else "error",
                    "error": f"{why} before this trial finished; log: {_tail(workdir / f'job{i}.log', 400)}",
                }
                for t in job["trials"]
                if plan.key(t) not in done
            ]
            results.add_trials(doc, job["model"], trained + lost, run_id)
            if got.get("provenance") and "device" not in run_rec["provenance"]:
                run_rec["provenance"].update(got["provenance"])
            ok = sum(results.trained(t, MIXERS[job["model"]].impl) for t in trained)
            log(
                f"[{job['model']}#{job['part']}] {why if rc else 'done'} after {time.time() - t0:.0f} s: "
                f"{ok}/{len(job['trials'])} trials trained"
            )
            run_rec["wall_s"] = round(time.time() - started, 1)
            results.write(doc, args.out)
    run_rec["wall_s"] = round(time.time() - started, 1)
    results.write(doc, args.out)
    log(results.summary(doc))
    return doc
