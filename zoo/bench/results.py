"""Result documents: assembling, merging partial files, validating, and the derived numbers the site shows
(crossover lengths against softmax attention, softmax TFLOP/s). Pure Python; no torch.

Document layout (schema/benchmarks.schema.json is the contract):
    schema_version   1
    runs             [{id, command, provenance, calibration, config}]   one per harness invocation
    config           shapes common to the file: dtype, heads, tokens_per_call, lengths, head_dims, tolerance
    models           {model id: entry}; an entry holds status, the kernel (adapter, op), correctness checks,
                     points [{head_dim, T, B, fwd_ms, fwdbwd_ms, *_peak_bytes, status, run}], decode
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from .. import resultdoc
from . import catalog

SCHEMA_VERSION = 1
BASELINE = "transformer"
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schema" / "benchmarks.schema.json"
NOT_ATTEMPTED = "not attempted in any of the merged runs"
BUDGET_NOTES = ("time budget was spent", "no time left")


KERNEL_FIELDS = ("adapter", "op", "family", "note")  # what an entry says of the kernel that measured it


def catalog_fields(model_id: str) -> dict:
    k = catalog.KERNELS[model_id]
    return {key: getattr(k, key) for key in KERNEL_FIELDS}


def empty_entry(model_id: str, status: str, *errors: str) -> dict:
    """The entry of a model with no measurement: its catalogue fields, a status and why."""
    fields = {"status": status, "checks": [], "points": [], "decode": None, "errors": list(errors)}
    return {**catalog_fields(model_id), **fields}


def new_document(run: dict, config: dict) -> dict:
    return {"schema_version": SCHEMA_VERSION, "runs": [run], "config": dict(config), "models": {}}


def no_kernel_entries() -> dict:
    """Entries for the models that have no public fused kernel: listed, never silently dropped."""
    return {mid: empty_entry(mid, "no_kernel") for mid, k in catalog.KERNELS.items() if k.adapter is None}


def stamp(entry: dict, run_id: str) -> dict:
    """Mark an entry and its points and checks with the run that produced them."""
    entry = dict(entry)
    entry.pop("in_progress", None)
    entry["run"] = run_id
    entry["points"] = [{**p, "run": p.get("run", run_id)} for p in entry.get("points", [])]
    entry["checks"] = [{**c, "run": c.get("run", run_id)} for c in entry.get("checks", [])]
    return entry


def _run_date(doc: dict) -> str:
    return max((r.get("provenance", {}).get("date") or "" for r in doc.get("runs", [])), default="")


def merge(docs: list[dict]) -> dict:
    """Merge result documents; for the same (model, head dim, T) the later run (by date) wins.

    A model measured in one file and missing in another keeps its measurements; a later file's failure does
    not erase earlier good points of the same model (its errors are kept beside them)."""
    docs = sorted(docs, key=_run_date)
    out = {"schema_version": SCHEMA_VERSION, "runs": [], "config": {}, "models": {}}
    seen_runs = set()
    for doc in docs:
        for run in doc.get("runs", []):
            if run["id"] not in seen_runs:
                seen_runs.add(run["id"])
                out["runs"].append(run)
        cfg = doc.get("config", {})
        for key, val in cfg.items():
            if key in ("lengths", "head_dims"):
                out["config"][key] = sorted(set(out["config"].get(key, [])) | set(val))
            else:
                out["config"].setdefault(key, val)
        for mid, entry in doc.get("models", {}).items():
            out["models"][mid] = _merge_entry(out["models"].get(mid), entry)
    run_id = out["runs"][-1]["id"] if out["runs"] else None
    for mid, entry in no_kernel_entries().items():  # every model of the catalogue appears in a merged file
        if mid not in out["models"] and run_id:
            out["models"][mid] = stamp(entry, run_id)
    for mid, k in catalog.KERNELS.items():
        if k.adapter and mid not in out["models"] and run_id:
            out["models"][mid] = stamp(empty_entry(mid, "not_run", NOT_ATTEMPTED), run_id)
    stale = (*BUDGET_NOTES, NOT_ATTEMPTED)  # notes from runs that did not get to a model measured since
    for entry in out["models"].values():
        if entry.get("status") == "measured":
            entry["errors"] = [e for e in entry.get("errors", []) if not any(b in e for b in stale)]
    # every result enters the repository through a merge: error text and commands keep no folder of the
    # machine they ran on
    out["models"], out["runs"] = resultdoc.portable(out["models"]), resultdoc.portable(out["runs"])
    return out


def _completeness(point: dict) -> tuple[bool, bool]:
    return point.get("status") == "ok", point.get("fwdbwd_ms") is not None


def _disproved_backward_errors(old_points: dict, new_points: list[dict]) -> set[tuple]:
    """(head dim, error) of backward failures that a newer run measured past at the same length: the error
    belonged to the older run's packages (fla refusing its Hopper backward before TileLang was carried), not
    to the length, so the older run's other points with that error go too. Left in, they would keep a
    half-measured length, and a reason that no longer holds, beside the full ones."""
    disproved = set()
    for p in new_points:
        before = old_points.get((p["head_dim"], p["T"]))
        if p.get("fwdbwd_ms") is not None and before and before.get("fwdbwd_error"):
            disproved.add((p["head_dim"], before["fwdbwd_error"]))
    return disproved


def _merge_entry(old: dict | None, new: dict) -> dict:
    if old is None:
        return json.loads(json.dumps(new))
    if new.get("status") == "no_kernel" and old.get("status") != "no_kernel":
        return old
    merged = json.loads(json.dumps(new))
    if new.get("status") == "measured" and new.get("adapter") != old.get("adapter"):
        # the model's kernel changed (models.yaml names another adapter): one model's points and checks
        # come from one kernel, so the other kernel's go
        return merged
    points = {(p["head_dim"], p["T"]): p for p in old.get("points", [])}
    disproved = _disproved_backward_errors(points, new.get("points", []))
    for p in new.get("points", []):
        key = (p["head_dim"], p["T"])
        if key not in points or _completeness(p) >= _completeness(points[key]):
            points[key] = p  # the newer run, unless it measured less (a forward alone after a full point)
    points = {k: p for k, p in points.items() if (k[0], p.get("fwdbwd_error")) not in disproved}
    merged["points"] = sorted(points.values(), key=lambda p: (p["head_dim"], p["T"]))
    checks = {c.get("head_dim"): c for c in old.get("checks", [])}
    for c in new.get("checks", []):
        if c.get("passed") or c.get("head_dim") not in checks:
            checks[c.get("head_dim")] = c
    merged["checks"] = sorted(checks.values(), key=lambda c: c.get("head_dim") or 0)
    if not new.get("decode") or "error" in (new.get("decode") or {}):
        merged["decode"] = old.get("decode") or new.get("decode")
    merged["errors"] = [
        e
        for e in dict.fromkeys(old.get("errors", []) + new.get("errors", []))
        if not _answered(e, merged["points"])
    ]
    # lengths a run skipped for lack of time stay listed until some run measures them
    measured = {(p["head_dim"], p["T"]) for p in merged["points"] if p.get("status") == "ok"}
    cut = {(c["head_dim"], c["T"]): c for c in old.get("truncated", []) + new.get("truncated", [])}
    merged.pop("truncated", None)
    if cut.keys() - measured:
        merged["truncated"] = [cut[k] for k in sorted(cut.keys() - measured)]
    if any(p.get("status") == "ok" for p in merged["points"]):
        merged["status"] = "measured"
        if old.get("status") == "measured" and new.get("status") != "measured":
            for key in ("variant", *KERNEL_FIELDS):  # the kernel that measured the points kept
                merged[key] = old.get(key)
    for key in ("kernels_seen", "decode_note"):
        if key not in merged and key in old:
            merged[key] = old[key]
    return merged


def step_error(why: str, stage: dict) -> str:
    """The note a worker that died mid-step leaves on its model; _step reads the step back from it."""
    return (
        f"worker {why} during {stage.get('stage', 'start-up')} (T={stage.get('T')}, mode={stage.get('mode')})"
    )


_STEP_ERROR = re.compile(r"worker (.+?) during \S+ \(T=(\d+), mode=(fwd|fwdbwd)\)")


def _step(error: str) -> tuple[int, str, str] | None:
    """(T, mode, why) of a step_error note about one timing step, else None."""
    m = _STEP_ERROR.search(error)
    return (int(m.group(2)), m.group(3), m.group(1)) if m else None


def out_of_memory(error: str) -> bool:
    """Whether a recorded error says the device ran out of memory: torch's 'CUDA out of memory. ...', or the
    worker's OutOfMemory with whatever first line it carried."""
    low = error.lower()
    return "out of memory" in low or low.startswith("outofmemory")


def died_at(entry: dict) -> list[tuple[int, str, str]]:
    """(T, mode, why) for each step_error note still on a model: the steps a worker died in, unanswered."""
    return [step for step in map(_step, entry.get("errors", [])) if step]


def _answered(error: str, points: list[dict]) -> bool:
    """True for a worker error about one (T, mode) step ("worker timeout during time (T=512, mode=fwd)")
    that a later run has since measured at every head dim it tried: the note would contradict the numbers."""
    step = _step(error)
    if not step:
        return False
    T, mode, _ = step
    at_T = [p for p in points if p["T"] == T]
    return bool(at_T) and all(p.get(f"{mode}_ms") is not None for p in at_T)


# ------------------------------------------------------------------------------------------ derived


def series(entry: dict, mode: str, head_dim: int = 128) -> dict[int, float]:
    """{T: ms} for the ok points of one mode ('fwd' or 'fwdbwd')."""
    return {
        p["T"]: p[f"{mode}_ms"]
        for p in entry.get("points", [])
        if p.get("head_dim") == head_dim and p.get("status") == "ok" and p.get(f"{mode}_ms") is not None
    }


MARGIN = 0.05  # "faster" means at least 5% faster: two runs of the same cuDNN kernel differ by up to that


def crossover(
    doc: dict, model_id: str, mode: str, head_dim: int = 128, baseline: str = BASELINE, margin: float = MARGIN
) -> dict | None:
    """Where `model_id` becomes faster than the softmax baseline, from the measured lengths.

    A length counts as faster when model / baseline < 1 - margin. Returns {'kind': 'always' | 'never' |
    'at' | 'mixed', 'T': first length from which it stays faster, 'estimate': log-log interpolated length
    where the two curves meet, 'lengths': the common lengths, 'ratio_at_longest': model / baseline at the
    longest common length} or None without common points."""
    base = series(doc["models"].get(baseline, {}), mode, head_dim)
    mine = series(doc["models"].get(model_id, {}), mode, head_dim)
    common = sorted(set(base) & set(mine))
    if not common:
        return None
    ratio = {T: mine[T] / base[T] for T in common}
    faster = [ratio[T] < 1.0 - margin for T in common]
    out = {"lengths": common, "ratio_at_longest": ratio[common[-1]], "T": None, "estimate": None}
    if all(faster):
        out["kind"] = "always"
        out["T"] = common[0]
        return out
    if not faster[-1]:
        out["kind"] = "never" if not any(faster) else "mixed"
        return out
    i = max(j for j, f in enumerate(faster) if not f) + 1  # from here on it stays faster
    out["T"] = common[i]
    out["kind"] = "at" if not any(faster[:i]) else "mixed"
    slower = [j for j, T in enumerate(common) if ratio[T] >= 1.0]
    if slower and slower[-1] + 1 < len(common):  # the curves last meet between these two lengths
        T0, T1 = common[slower[-1]], common[slower[-1] + 1]
        r0, r1 = math.log(ratio[T0]), math.log(ratio[T1])  # interpolate log ratio linearly in log T
        out["estimate"] = float(math.exp(math.log(T0) + r0 / (r0 - r1) * (math.log(T1) - math.log(T0))))
    return out


def attention_flops(B: int, T: int, H: int, D: int, mode: str) -> float:
    """Causal attention FLOPs: 2 matmuls of 2*T*T*D per head, halved by the mask; backward = 2.5 x forward."""
    fwd = 4.0 * B * H * T * T * D / 2
    return fwd if mode == "fwd" else 3.5 * fwd


def softmax_tflops(doc: dict, model_id: str = BASELINE) -> list[dict]:
    """Achieved TFLOP/s of the softmax baseline at every measured point, and its share of the matmul rate."""
    heads = doc.get("config", {}).get("heads", 16)
    rates = {r["id"]: (r.get("calibration") or {}).get("matmul_bf16_tflops") for r in doc.get("runs", [])}
    out = []
    for p in doc["models"].get(model_id, {}).get("points", []):
        if p.get("status") != "ok":
            continue
        rate = rates.get(p.get("run"))  # the matmul rate measured on the same machine, in the same run
        row = {"head_dim": p["head_dim"], "T": p["T"], "B": p["B"], "matmul_tflops": rate}
        for mode in ("fwd", "fwdbwd"):
            if p.get(f"{mode}_ms"):
                tf = (
                    attention_flops(p["B"], p["T"], heads, p["head_dim"], mode)
                    / (p[f"{mode}_ms"] * 1e-3)
                    / 1e12
                )
                row[f"{mode}_tflops"] = tf
                row[f"{mode}_fraction"] = tf / rate if rate else None
        out.append(row)
    return out


def tokens_per_s(point: dict, mode: str) -> float | None:
    ms = point.get(f"{mode}_ms")
    return point["B"] * point["T"] / (ms * 1e-3) if ms else None


# ------------------------------------------------------------------------------------------ validation


def validate(doc: dict) -> list[str]:
    """Schema errors (empty list when valid), as 'path: message' strings."""
    return resultdoc.schema_errors(doc, SCHEMA_PATH)


load = resultdoc.load


def check_error(entry: dict, head_dim: int) -> float | None:
    """The relative error of the model's check with heads of this dimension, the size its numbers are shown
    at (another head dim's check is a different kernel instance); any check's smallest where none was made
    with this size."""
    checks = [c for c in entry.get("checks", []) if c.get("rel_err") is not None]
    same = [c["rel_err"] for c in checks if c.get("head_dim") == head_dim]
    return min(same or [c["rel_err"] for c in checks], default=None)


def summary(doc: dict, lengths=(2048, 16384, 131072)) -> str:
    """A short text table: status, check error, fwd / fwd+bwd ms at a few lengths, crossovers."""
    lines = [
        f"{'model':22s} {'status':12s} {'rel.err':>8s} "
        + " ".join(f"{'fwd@' + str(T):>11s}" for T in lengths)
        + "  crossover fwd / fwd+bwd"
    ]
    for mid in catalog.KERNELS:
        e = doc["models"].get(mid)
        if e is None:
            continue
        err = check_error(e, 128)
        fwd = series(e, "fwd")
        cells = " ".join(f"{fwd[T]:11.3f}" if T in fwd else f"{'-':>11s}" for T in lengths)
        cx = []
        for mode in ("fwd", "fwdbwd"):
            c = crossover(doc, mid, mode) if mid != BASELINE else None
            cx.append("-" if c is None else (c["kind"] if c["kind"] in ("always", "never") else str(c["T"])))
        lines.append(
            f"{mid:22s} {e.get('status', '?'):12s} {err if err is not None else float('nan'):8.1e} "
            f"{cells}  {cx[0]} / {cx[1]}"
        )
    return "\n".join(lines)
