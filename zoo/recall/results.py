"""MQAR result documents: assembling, merging partial files, the best trial per point, validation, and the
text summary. Pure Python (jsonschema only for ``validate``; zoo.recall.state, which needs the registry,
only in ``annotate``).

Layout (schema/recall.schema.json is the contract):
    schema_version  1
    protocol        data and training settings common to the file (vocab, power_a, batch, steps, ...)
    runs            [{id, command, provenance, wall_s, jobs}]  one per harness invocation
    models          {model id: {impl, cls, note, hopper_640, trials: [...], errors: [...]}}
                    a trial: {T, d, n_kv, lr, status, accuracy, loss, steps, wall_s, ms_per_step, curve,
                              sizes, run, state_bytes (after annotate)}
"""

from __future__ import annotations

from pathlib import Path

from .. import resultdoc
from .mixers import MIXERS
from .plan import key

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schema" / "recall.schema.json"
TRIAL_STATUSES = ("ok", "error", "kernel_refused", "wrong_gradients", "timeout", "not_run")
# layers whose backward pass is a Triton kernel of a package (fla, mamba_ssm): their accuracies count only
# when the layer passed zoo.recall.gradcheck at that width. torch's own attention and FFT are not checked
# here, and results trained before the check existed keep counting for them.
CHECKED_IMPLS = ("fla", "mamba2")
# zoo.recall.gradcheck's tolerances: float32 autograd against finite differences, and bf16 autograd against
# float32 (or, for a kernel that refuses float32, against bf16 differences). Right layers stay far inside,
# a halved backward fails at 50 % (scripts/check_gradcheck_cpu.py).
FD_TOL, BF16_TOL = 0.1, 0.25


def trained(t: dict, impl: str) -> bool:
    """A trial that ran its whole schedule (or stopped early at the target accuracy) on a layer whose
    gradients are known right. One the deadline cut short keeps status ok and its partial curve, but its
    accuracy is not comparable; one of an unchecked Triton layer may have learned from wrong gradients.
    Neither is a result, and a later run trains both again."""
    checked = impl not in CHECKED_IMPLS or bool(t.get("grad_check", {}).get("passed"))
    return t.get("status") == "ok" and not t.get("truncated") and checked


# A sweep runs many trainings at once on one GPU; one that found the GPU's memory taken by the others says
# nothing about its model (two layers of width <= 512 need well under a gigabyte): it is simply not run yet.
_OUT_OF_MEMORY = ("out of memory", "CUBLAS_STATUS_ALLOC_FAILED")


def outcome(t: dict, impl: str) -> str:
    """A trial's status; for one with an accuracy that is not a result, 'cut_short' or 'unchecked'; for an
    error that was the GPU's memory running out under the other trainings, 'not_run'."""
    if t.get("status") == "ok" and t.get("truncated"):
        return "cut_short"
    if t.get("status") == "ok" and not trained(t, impl):
        return "unchecked"
    if t.get("status") == "error" and any(s in (t.get("error") or "") for s in _OUT_OF_MEMORY):
        return "not_run"
    return t.get("status")


def mixer_fields(model_id: str) -> dict:
    m = MIXERS[model_id]
    return {"impl": m.impl, "cls": m.cls, "note": m.note, "hopper_640": m.hopper_640}


def new_document(protocol: dict, run: dict) -> dict:
    return {"schema_version": SCHEMA_VERSION, "protocol": dict(protocol), "runs": [run], "models": {}}


def add_trials(doc: dict, model_id: str, trials: list[dict], run_id: str) -> None:
    """Put a worker's trials into the document (a later trial of the same key replaces an earlier one)."""
    entry = doc["models"].setdefault(model_id, {**mixer_fields(model_id), "trials": [], "errors": []})
    entry["trials"] = _merge_trials(entry["trials"], [{**t, "run": t.get("run", run_id)} for t in trials])


def _better(new: dict, old: dict) -> bool:
    """A newer trial replaces an older one unless it got less far: a failure never replaces a trial with an
    accuracy, a cut-short trial never replaces a finished one; a verdict of the gradient check (passed, or
    wrong gradients) replaces a trial trained before the check existed."""

    def rank(t):  # checked and finished; finished or found wrong; cut short; failed
        if t.get("status") == "wrong_gradients":
            return 2
        if t.get("status") != "ok":
            return 0
        return 1 if t.get("truncated") else 3 if t.get("grad_check", {}).get("passed") else 2

    return rank(new) >= rank(old)


def _merge_trials(old: list[dict], new: list[dict]) -> list[dict]:
    out = {key(t): t for t in old}
    for t in new:
        k = key(t)
        if k not in out or _better(t, out[k]):
            out[k] = t
    return sorted(out.values(), key=lambda t: (t["T"], t["d"], t["n_kv"], t["lr"]))


def _run_date(doc: dict) -> str:
    return max((r.get("provenance", {}).get("date") or "" for r in doc.get("runs", [])), default="")


def merge(docs: list[dict]) -> dict:
    """Merge documents in date order; for the same (model, T, d, pairs, lr) the later trial wins unless
    it failed where an earlier one trained. Protocols must agree: points trained differently do not mix."""
    docs = sorted(docs, key=_run_date)
    out = {"schema_version": SCHEMA_VERSION, "protocol": None, "runs": [], "models": {}}
    for doc in docs:
        if out["protocol"] is None:
            out["protocol"] = doc["protocol"]
        elif doc["protocol"] != out["protocol"]:
            diff = sorted(
                k
                for k in set(doc["protocol"]) | set(out["protocol"])
                if doc["protocol"].get(k) != out["protocol"].get(k)
            )
            raise ValueError(
                f"cannot merge runs trained under different protocols (differ in: {', '.join(diff)})"
            )
        seen = {r["id"] for r in out["runs"]}
        out["runs"] += [r for r in doc.get("runs", []) if r["id"] not in seen]
        for mid, entry in doc.get("models", {}).items():
            mine = out["models"].setdefault(mid, {**entry, "trials": [], "errors": []})
            mine["trials"] = _merge_trials(mine["trials"], entry.get("trials", []))
            mine["errors"] = list(dict.fromkeys(mine["errors"] + entry.get("errors", [])))
    # every result enters the repository through a merge: tool output and commands keep no folder of the
    # machine they ran on
    out["models"], out["runs"] = resultdoc.portable(out["models"]), resultdoc.portable(out["runs"])
    return out


def best_points(entry: dict) -> list[dict]:
    """One row per (T, d, pairs): the trial with the highest accuracy over the learning rates trained."""
    groups: dict[tuple, list[dict]] = {}
    for t in entry.get("trials", []):
        groups.setdefault((t["T"], t["d"], t["n_kv"]), []).append(t)
    rows = []
    for (T, d, n), ts in sorted(groups.items()):
        ok = [t for t in ts if trained(t, entry["impl"]) and t.get("accuracy") is not None]
        best = max(ok, key=lambda t: (t["accuracy"], -t["lr"])) if ok else None
        rows.append(
            {
                "T": T,
                "d": d,
                "n_kv": n,
                "accuracy": best["accuracy"] if best else None,
                "lr": best["lr"] if best else None,
                "lrs_tried": sorted(t["lr"] for t in ok),
                "lrs_planned": sorted({t["lr"] for t in ts}),  # a sweep still missing some is not final
                "state_bytes": (best or ts[0]).get("state_bytes"),
                "wall_s": best.get("wall_s") if best else None,
            }
        )
    return rows


def partial(row: dict) -> bool:
    """Is a best_points row's best taken over only some of its planned learning rates (the others not trained
    yet, so it may still rise)?"""
    tried = row.get("lrs_tried")
    return tried is not None and len(tried) < len(row.get("lrs_planned") or tried)


def still_missing(doc: dict, todo: list[dict]) -> list[dict]:
    """The trials of ``todo`` that the document has not trained yet (cut-short ones included)."""
    models = doc.get("models", {})
    done = {(mid, key(t)) for mid, e in models.items() for t in e.get("trials", []) if trained(t, e["impl"])}
    return [t for t in todo if (t["model"], key(t)) not in done]


def annotate(doc: dict) -> dict:
    """Fill in every trial's state size from the registry (zoo.recall.state). CPU side: needs pydantic."""
    from . import state

    for mid, entry in doc["models"].items():
        entry["state_grows"] = state.grows(mid)
        for t in entry["trials"]:
            t["state_bytes"] = state.state_bytes(mid, t["d"], t["T"])
    doc["state_definition"] = (
        "bytes (bf16) one mixer layer keeps per sequence after T tokens: recurrent state with its short-conv "
        "cache for fixed-state models, KV cache (or window) for softmax ones; zoo.memory.layer_elements on "
        "the model's block memory spec at the trained sizes"
    )
    return doc


def wall_stats(doc: dict) -> dict:
    """Wall time per trial (s) over the trained trials: count, median, min, max, total."""
    trials = [t for e in doc["models"].values() for t in e["trials"] if trained(t, e["impl"])]
    walls = sorted(t["wall_s"] for t in trials if t.get("wall_s") is not None)
    if not walls:
        return {"trials": 0}
    mid = len(walls) // 2
    median = walls[mid] if len(walls) % 2 else (walls[mid - 1] + walls[mid]) / 2
    return {
        "trials": len(walls),
        "median_s": median,
        "min_s": walls[0],
        "max_s": walls[-1],
        "total_s": round(sum(walls), 1),
    }


def _check_text(d: int, c: dict) -> str:
    """'d=128 float32 0.0012 (x), bf16 0.034 (q_proj.weight): pass' for the summary."""
    text = f"d={d} {c.get('precision', '?')} {c['rel_err']} ({c.get('worst', '')})"
    if "bf16_rel_err" in c:
        text += f", bf16 {c['bf16_rel_err']} ({c.get('bf16_worst', '')})"
    return text + (": pass" if c["passed"] else ": FAIL")


def summary(doc: dict) -> str:
    """A text table: per model and point, the best accuracy, its lr, and the state size when known."""
    lines = [f"{'model':18s} {'T':>5s} {'d':>4s} {'pairs':>5s} {'acc':>6s} {'lr':>8s} {'state':>10s}  trials"]
    for mid, entry in doc["models"].items():
        for row in best_points(entry):
            acc = f"{row['accuracy']:.3f}" if row["accuracy"] is not None else "-"
            lr = f"{row['lr']:.1e}" if row["lr"] is not None else "-"
            sb = str(row["state_bytes"]) if row["state_bytes"] is not None else "-"
            lines.append(
                f"{mid:18s} {row['T']:5d} {row['d']:4d} {row['n_kv']:5d} {acc:>6s} {lr:>8s} {sb:>10s}  "
                f"{len(row['lrs_tried'])}"
            )
        checks = {t["d"]: t["grad_check"] for t in entry["trials"] if t.get("grad_check")}
        if checks:
            lines.append(
                f"{'':18s} gradient check: " + "; ".join(_check_text(d, c) for d, c in sorted(checks.items()))
            )
        failed = [t for t in entry["trials"] if not trained(t, entry["impl"])]
        if failed:
            lines.append(
                f"{'':18s} {len(failed)} trial(s) not trained: {outcome(failed[0], entry['impl'])}: "
                f"{(failed[0].get('error') or '')[:120]}"
            )
    w = wall_stats(doc)
    if w.get("trials"):
        lines.append(
            f"wall time per trial: median {w['median_s']:.1f} s (min {w['min_s']:.1f}, max "
            f"{w['max_s']:.1f}) over {w['trials']} trials"
        )
    return "\n".join(lines)


def validate(doc: dict) -> list[str]:
    """Schema errors (empty list when valid), as 'path: message' strings."""
    return resultdoc.schema_errors(doc, SCHEMA_PATH)


load, write = resultdoc.load, resultdoc.write
