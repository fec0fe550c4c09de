"""One worker subprocess: trains the trials of one job, one after another, and rewrites its part file after
each, so a worker killed at the deadline still leaves every finished trial behind.

    python -m zoo.recall.worker --job job.json --out part.json

job.json: {"model", "trials": [{T, d, n_kv, lr}], "protocol": {...}, "backend": "torch" | "fake",
"deadline": unix time, "memory_share": this worker's fraction of the GPU's memory}. The torch backend
(zoo.recall.train) imports torch only here, inside the run.
"""

from __future__ import annotations

import argparse
import json
import time
import traceback
from pathlib import Path

# the message fla raises for the gated chunk backward on Hopper with Triton 3.4 - 3.7.0 (fla #640)
REFUSED = ("#640", "produces incorrect results")


def trainer(backend: str):
    """(train_one, check_gradients) of the backend."""
    if backend == "fake":
        from .fake import check_gradients, train_one
    elif backend == "torch":
        from .gradcheck import check as check_gradients
        from .train import train_one
    else:
        raise ValueError(f"unknown backend {backend!r}")
    return train_one, check_gradients


def run_job(job: dict, out: Path, train_one=None, check_gradients=None) -> dict:
    """Train the job's trials in order. Before the first trial at each width the layer's gradients are
    checked (zoo.recall.gradcheck); a layer that fails is not trained at that width, its trials say why."""
    default_train, default_check = trainer(job["backend"])
    train_one, check_gradients = train_one or default_train, check_gradients or default_check
    if job["backend"] == "torch":
        from .autotune import first_config_that_runs

        first_config_that_runs()
    if job["backend"] == "torch" and job.get("memory_share"):
        from .train import limit_memory

        limit_memory(job["memory_share"])
    done: list[dict] = []
    checked: dict[int, dict] = {}  # width -> the gradient check's result
    doc = {"model": job["model"], "trials": done, "provenance": None}
    for trial in job["trials"]:
        left = job["deadline"] - time.time()
        if left < 5:
            done.append({**trial, "status": "not_run", "error": "the run's time budget was spent first"})
            continue
        t0 = time.time()
        try:
            d = trial["d"]
            if d not in checked:
                checked[d] = check_gradients(job["model"], d, trial["T"])
            if not checked[d]["passed"]:
                why = checked[d]["why"]
                done.append({**trial, "status": "wrong_gradients", "error": why, "grad_check": checked[d]})
                _write(doc, out)
                continue
            got = train_one(job["model"], trial, job["protocol"], deadline=job["deadline"])
            provenance = got.pop("provenance", None)  # once per worker, not on every trial
            doc["provenance"] = doc["provenance"] or provenance
            done.append({**trial, **got, "grad_check": checked[d]})
        except Exception as e:  # one bad trial (a kernel that refuses, out of memory) must not end the job
            text = f"{type(e).__name__}: {e}"
            status = "kernel_refused" if all(s in text for s in REFUSED) else "error"
            done.append(
                {
                    **trial,
                    "status": status,
                    "error": text[:600],
                    "wall_s": round(time.time() - t0, 2),
                    "traceback": traceback.format_exc()[-1500:],
                }
            )
            if status == "kernel_refused":  # every other trial of this mixer would end the same way
                for rest in job["trials"][len(done) :]:
                    done.append({**rest, "status": status, "error": text[:600]})
                _write(doc, out)
                break
        _write(doc, out)
    _write(doc, out)
    return doc


def _write(doc: dict, out: Path) -> None:
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc))
    tmp.replace(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m zoo.recall.worker")
    ap.add_argument("--job", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    run_job(json.loads(Path(a.job).read_text()), Path(a.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
