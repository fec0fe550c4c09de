"""The measuring loop, independent of torch: it drives a Backend (the real one lives in worker.py, a fake
one in the tests) through correctness check -> sweep -> decode for each model, and reports every finished
step to a sink so that a crash loses at most the step in flight. The backend answers in typed records
(Prepared, Check, Timing, Step); the loop writes them into the result entry, a plain JSON dict
(schema/benchmarks.schema.json).

Vocabulary:
    D         head dim of a sweep (128, optionally 64)
    T, B      sequence length and batch; B * T = tokens per call (B = 1 once T exceeds it)
    mode      'fwd' (inference forward, no autograd) or 'fwdbwd' (forward + backward w.r.t. the inputs)
    variant   one configuration of a kernel; a model may list several, tried in order until one passes
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Protocol


class OutOfMemory(Exception):
    """Raised by a backend when a shape does not fit on the device."""


@dataclass
class Prepared:
    """What a backend reports once it has loaded a kernel's adapter (one variant of it)."""

    op: str
    n_variants: int = 1
    variant: dict | None = None  # the configuration tried, recorded with the result
    head_dims: list[int] = field(default_factory=lambda: [128, 64])
    max_T: int | None = None
    profile: bool = False  # record the CUDA kernels the op launches (once per model)
    decode_note: str | None = None


@dataclass
class Check:
    """A kernel's output against its float64 reference at one head dim."""

    rel_err: float
    reference: str
    shape: dict | None = None


@dataclass
class Timing:
    ms: float
    method: str | None = None
    peak_bytes: int | None = None


@dataclass
class Step:
    """One decoding step: 'recurrent' (a state, the same cost at every context length) or 'kv_cache'."""

    ms: float
    kind: str
    op: str | None = None
    backend: str | None = None
    state_bytes: int | None = None


class Backend(Protocol):
    def prepare(self, model_id: str, variant: int) -> Prepared: ...
    def check(self, model_id: str, D: int) -> Check: ...
    def time(self, model_id: str, D: int, T: int, B: int, mode: str) -> Timing: ...
    def decode(self, model_id: str, D: int, T: int) -> Step | None: ...
    def kernels_seen(self, model_id: str, D: int, T: int, B: int) -> list[str] | None: ...
    def warm(self, model_id: str, D: int, T: int, B: int) -> None: ...


@dataclass
class Plan:
    lengths: list[int]
    head_dims: list[int] = field(default_factory=lambda: [128])
    tokens: int = 131072  # B * T per call
    tolerance: float = 2e-2  # relative error above which a kernel is reported failing and not timed
    decode: bool = True
    decode_head_dim: int = 128
    min_seconds_left: float = 20.0  # stop starting new points when less than this is left
    warmup_only: bool = False  # run every shape once (compile, autotune) and the check, time nothing
    skip_check: bool = False  # trust the passed check carried in the base entry (from a warm-up run)


def batch_for(T: int, tokens: int) -> int:
    return max(1, tokens // T)


def _short(exc: BaseException, limit: int = 400) -> str:
    msg = f"{type(exc).__name__}: {exc}"
    return msg if len(msg) <= limit else msg[: limit - 3] + "..."


def run_model(
    backend: Backend,
    model_id: str,
    plan: Plan,
    sink: Callable[[dict], None],
    time_left: Callable[[], float],
    start_variant: int = 0,
    base: dict | None = None,
) -> dict:
    """Measure one model; `base` carries the catalogue fields (adapter, op, family, note).

    sink(entry) is called after every finished step with the entry so far; it also sees
    entry['in_progress'] while a step that might crash is running."""
    entry = dict(base or {})
    carried = [c for c in entry.get("checks", []) if c.get("passed")]
    entry.update(
        {"status": "error", "checks": [], "points": [], "decode": None, "errors": [], "attempts": []}
    )

    def progress(stage: str | None, **extra):
        if stage is None:
            entry.pop("in_progress", None)
        else:
            entry["in_progress"] = {"stage": stage, **extra}
        sink(entry)

    def check(D: int, variant: int) -> tuple[dict, bool]:
        """The check at head dim D as the result file records it, and whether it was carried over (a check
        that passed in the warm-up pass is not repeated). The one place a check passes or fails."""
        reuse = next((c for c in carried if c.get("head_dim") == D), None) if plan.skip_check else None
        if reuse is not None:
            return reuse, True
        progress("check", variant=variant, head_dim=D)
        try:
            chk = {k: v for k, v in asdict(backend.check(model_id, D)).items() if v is not None}
        except Exception as exc:
            chk = {"error": _short(exc)}
        chk["head_dim"] = D
        chk["passed"] = "error" not in chk and chk["rel_err"] <= plan.tolerance
        chk["tolerance"] = plan.tolerance
        return chk, False

    # -------- pick a variant that passes the correctness check at the first head dim
    variant = start_variant
    while True:
        progress("prepare", variant=variant)
        try:
            info = backend.prepare(model_id, variant)
        except Exception as exc:  # the kernel package is missing, or the op cannot be imported
            entry["attempts"].append({"variant": variant, "error": _short(exc)})
            entry["errors"].append(_short(exc))
            progress(None)
            return entry
        entry["op"], entry["n_variants"] = info.op, info.n_variants
        dims = [D for D in plan.head_dims if D in info.head_dims]
        if not dims:
            entry["errors"].append(f"none of the head dims {plan.head_dims} is supported")
            progress(None)
            return entry
        chk, reused = check(dims[0], variant)
        if not reused:
            entry["attempts"].append({"variant": variant, "config": info.variant, "check": chk})
        if chk["passed"]:
            break
        if variant + 1 >= info.n_variants:
            entry["checks"].append(chk)
            entry["status"] = "error" if "error" in chk else "failed_check"
            progress(None)
            return entry
        variant += 1

    entry["variant"], entry["variant_index"] = info.variant, variant
    if info.decode_note:
        entry["decode_note"] = info.decode_note
    entry["checks"].append(chk)
    entry["status"] = "measured"
    if plan.warmup_only:
        return _warm_model(backend, model_id, plan, entry, dims, info.max_T, variant, progress, time_left)
    truncated = []
    for D in dims:
        if D != dims[0]:
            chk, _ = check(D, variant)
            entry["checks"].append(chk)
            if not chk["passed"]:
                continue
        for T in plan.lengths:
            B = batch_for(T, plan.tokens)
            point = {"head_dim": D, "T": T, "B": B}
            if info.max_T is not None and T > info.max_T:
                point.update(status="unsupported", error=f"the kernel takes T <= {info.max_T}")
                entry["points"].append(point)
                continue
            if time_left() < plan.min_seconds_left:
                truncated.append({"head_dim": D, "T": T})
                continue
            point["status"] = "ok"
            t_point = time.time()
            for mode in ("fwd", "fwdbwd"):
                # the point so far rides along, so a worker killed in the backward still leaves its forward
                done = {"point": dict(point)} if mode == "fwdbwd" else {}
                progress("time", variant=variant, head_dim=D, T=T, mode=mode, **done)
                try:
                    r = backend.time(model_id, D, T, B, mode)
                except Exception as exc:  # a forward that works keeps its time when only the backward fails
                    oom = isinstance(exc, OutOfMemory)
                    if mode == "fwd":
                        point["status"] = "oom" if oom else "error"
                    point["error" if mode == "fwd" else "fwdbwd_error"] = _short(exc, 200 if oom else 400)
                    break
                point[f"{mode}_ms"], point[f"{mode}_method"] = r.ms, r.method
                if r.peak_bytes is not None:
                    point[f"{mode}_peak_bytes"] = r.peak_bytes
            point["wall_s"] = round(time.time() - t_point, 2)
            entry["points"].append(point)
            if point["status"] == "ok" and "kernels_seen" not in entry and info.profile:
                try:
                    entry["kernels_seen"] = backend.kernels_seen(model_id, D, T, B)
                except Exception as exc:
                    entry["errors"].append("profiler: " + _short(exc))
            sink(entry)
    if truncated:
        entry["truncated"] = truncated
    if not any(p.get("status") == "ok" for p in entry["points"]):
        entry["status"] = "error" if entry["points"] else ("not_run" if truncated else "error")
    if plan.decode and plan.decode_head_dim in dims and time_left() >= plan.min_seconds_left:
        progress("decode", variant=variant, head_dim=plan.decode_head_dim)
        entry["decode"] = _decode(backend, model_id, plan, time_left, progress, variant)
    progress(None)
    return entry


def _decode(backend, model_id, plan, time_left, progress, variant) -> dict | None:
    """One decoding step at batch 1: one number for a recurrent state, one per context length for a cache."""
    D = plan.decode_head_dim
    try:
        first = backend.decode(model_id, D, plan.lengths[0])
        if first is None:
            return None
        dec = {"head_dim": D, "batch": 1, "kind": first.kind, "op": first.op}
        if first.backend:
            dec["backend"] = first.backend
        if first.kind == "recurrent":  # the state does not grow: one number for every context length
            dec["ms"] = first.ms
            if first.state_bytes is not None:
                dec["state_bytes"] = first.state_bytes
            return dec
        dec["points"] = [{"T": plan.lengths[0], "ms": first.ms}]
        for T in plan.lengths[1:]:
            if time_left() < plan.min_seconds_left:
                break
            progress("decode", variant=variant, head_dim=D, T=T)
            try:
                dec["points"].append({"T": T, "ms": backend.decode(model_id, D, T).ms})
            except OutOfMemory:
                dec["points"].append({"T": T, "ms": None, "error": "out of memory"})
        return dec
    except Exception as exc:
        return {"head_dim": D, "error": _short(exc)}


def _warm_model(backend, model_id, plan, entry, dims, max_T, variant, progress, time_left) -> dict:
    """Warm-up pass: every shape once (fwd and fwd+bwd) so compiled kernels and autotuning results land in
    the on-disk caches for the timing pass; records what failed, times nothing."""
    entry["status"] = "warmed"
    entry["warmed"] = []
    for D in dims:
        for T in plan.lengths:
            if (max_T is not None and T > max_T) or time_left() < plan.min_seconds_left:
                continue
            progress("warm", variant=variant, head_dim=D, T=T)
            t0 = time.time()
            try:
                backend.warm(model_id, D, T, batch_for(T, plan.tokens))
                entry["warmed"].append({"head_dim": D, "T": T, "wall_s": round(time.time() - t0, 2)})
            except Exception as exc:
                entry["warmed"].append({"head_dim": D, "T": T, "error": _short(exc, 200)})
    if plan.decode and plan.decode_head_dim in dims and time_left() >= plan.min_seconds_left:
        progress("decode", variant=variant, head_dim=plan.decode_head_dim)
        try:
            backend.decode(model_id, plan.decode_head_dim, plan.lengths[0])
        except Exception as exc:
            entry["errors"].append("decode warm-up: " + _short(exc))
    progress(None)
    return entry


def run_models(
    backend: Backend,
    model_ids: list[str],
    plan: Plan,
    sink: Callable[[str, dict], None],
    deadline: float,
    bases: dict[str, dict] | None = None,
    start_variants: dict[str, int] | None = None,
    clock: Callable[[], float] = time.time,
) -> dict:
    """Run several models in order; returns {model_id: entry}."""
    bases, start_variants, out = bases or {}, start_variants or {}, {}

    def time_left():
        return deadline - clock()

    for mid in model_ids:
        if time_left() < plan.min_seconds_left:
            e = dict(bases.get(mid, {}))
            e.update(status="not_run", errors=["no time left in this run"], checks=[], points=[], decode=None)
            out[mid] = e
            sink(mid, e)
            continue
        report = lambda e, mid=mid: sink(mid, e)  # noqa: E731
        first = start_variants.get(mid, 0)
        out[mid] = run_model(backend, mid, plan, report, time_left, first, bases.get(mid))
    return out
