"""The measuring loop, independent of torch: it drives a Backend (the real one lives in worker.py, a fake
one in the tests) through correctness check -> sweep -> decode for each model, and reports every finished
step to a sink so that a crash loses at most the step in flight.

Vocabulary:
    D         head dim of a sweep (128, optionally 64)
    T, B      sequence length and batch; B * T = tokens per call (B = 1 once T exceeds it)
    mode      'fwd' (inference forward, no autograd) or 'fwdbwd' (forward + backward w.r.t. the inputs)
    variant   one configuration of a kernel; a model may list several, tried in order until one passes
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class OutOfMemory(Exception):
    """Raised by a backend when a shape does not fit on the device."""


class Backend(Protocol):
    def prepare(
        self, model_id: str, variant: int
    ) -> dict: ...  # {'op', 'n_variants', 'variant', 'head_dims', 'max_T'}
    def check(self, model_id: str, D: int) -> dict: ...  # {'rel_err', 'reference', 'shape', ...}
    def time(
        self, model_id: str, D: int, T: int, B: int, mode: str
    ) -> dict: ...  # {'ms', 'method', 'peak_bytes'}
    def decode(self, model_id: str, D: int, T: int) -> dict | None: ...  # {'ms', 'kind', 'op', ...}
    def kernels_seen(self, model_id: str, D: int, T: int, B: int) -> list[str] | None: ...


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

    # -------- pick a variant that passes the correctness check at the first head dim
    chosen = None
    variant = start_variant
    while True:
        progress("prepare", variant=variant)
        try:
            info = backend.prepare(model_id, variant)
        except Exception as exc:  # the kernel package is missing, or the op cannot be imported
            entry["attempts"].append({"variant": variant, "error": _short(exc)})
            entry["errors"].append(_short(exc))
            break
        entry["op"] = info.get("op", entry.get("op"))
        entry["n_variants"] = info.get("n_variants", 1)
        dims = [D for D in plan.head_dims if D in info.get("head_dims", plan.head_dims)]
        if not dims:
            entry["errors"].append(f"none of the head dims {plan.head_dims} is supported")
            break
        reuse = next((c for c in carried if c.get("head_dim") == dims[0]), None) if plan.skip_check else None
        if reuse is not None:
            chk = reuse
        else:
            progress("check", variant=variant, head_dim=dims[0])
            try:
                chk = backend.check(model_id, dims[0])
            except Exception as exc:
                chk = {"error": _short(exc), "head_dim": dims[0]}
            chk["head_dim"] = dims[0]
            chk["passed"] = (
                "error" not in chk and chk.get("rel_err") is not None and chk["rel_err"] <= plan.tolerance
            )
            chk["tolerance"] = plan.tolerance
            entry["attempts"].append({"variant": variant, "config": info.get("variant"), "check": chk})
        if chk["passed"]:
            chosen = (variant, info, dims, chk)
            break
        if variant + 1 >= info.get("n_variants", 1):
            entry["checks"].append(chk)
            entry["status"] = "error" if "error" in chk else "failed_check"
            break
        variant += 1
    if chosen is None:
        progress(None)
        return entry

    variant, info, dims, first_check = chosen
    entry["variant"] = info.get("variant")
    entry["variant_index"] = variant
    if info.get("decode_note"):
        entry["decode_note"] = info["decode_note"]
    entry["checks"].append(first_check)
    max_T = info.get("max_T")
    entry["status"] = "measured"
    truncated = []
    if plan.warmup_only:
        return _warm_model(backend, model_id, plan, entry, dims, max_T, variant, progress, time_left)
    for D in dims:
        if D != dims[0]:
            reuse = next((c for c in carried if c.get("head_dim") == D), None) if plan.skip_check else None
            if reuse is not None:
                entry["checks"].append(reuse)
                chk = reuse
            else:
                progress("check", variant=variant, head_dim=D)
                try:
                    chk = backend.check(model_id, D)
                except Exception as exc:
                    chk = {"error": _short(exc)}
                chk["head_dim"] = D
                chk["passed"] = (
                    "error" not in chk and chk.get("rel_err") is not None and chk["rel_err"] <= plan.tolerance
                )
                chk["tolerance"] = plan.tolerance
                entry["checks"].append(chk)
            if not chk["passed"]:
                continue
        for T in plan.lengths:
            B = batch_for(T, plan.tokens)
            point = {"head_dim": D, "T": T, "B": B}
            if max_T is not None and T > max_T:
                point.update(status="unsupported", error=f"the kernel takes T <= {max_T}")
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
                except OutOfMemory as exc:
                    if mode == "fwd":
                        point["status"] = "oom"
                    point["error" if mode == "fwd" else "fwdbwd_error"] = _short(exc, 200)
                    break
                except Exception as exc:  # a forward that works keeps its time when only the backward fails
                    if mode == "fwd":
                        point["status"] = "error"
                    point["error" if mode == "fwd" else "fwdbwd_error"] = _short(exc)
                    break
                point[f"{mode}_ms"] = r["ms"]
                point[f"{mode}_method"] = r.get("method")
                if r.get("peak_bytes") is not None:
                    point[f"{mode}_peak_bytes"] = r["peak_bytes"]
            point["wall_s"] = round(time.time() - t_point, 2)
            entry["points"].append(point)
            if point["status"] == "ok" and "kernels_seen" not in entry and info.get("profile"):
                try:
                    entry["kernels_seen"] = backend.kernels_seen(model_id, D, T, B)
                except Exception as exc:
                    entry["errors"].append("profiler: " + _short(exc))
            sink(entry)
    if truncated:
        entry["truncated"] = truncated
    if not any(p.get("status") == "ok" for p in entry["points"]):
        entry["status"] = "error" if entry["points"] else ("not_run" if truncated else "error")

    # -------- one decoding step
    if plan.decode and plan.decode_head_dim in dims and time_left() >= plan.min_seconds_left:
        D = plan.decode_head_dim
        progress("decode", variant=variant, head_dim=D)
        dec = None
        try:
            first = backend.decode(model_id, D, plan.lengths[0])
            if first is not None:
                dec = {"head_dim": D, "batch": 1, "kind": first["kind"], "op": first.get("op")}
                if first.get("backend"):
                    dec["backend"] = first["backend"]
                if (
                    first["kind"] == "recurrent"
                ):  # the state does not grow: one number for every context length
                    dec["ms"] = first["ms"]
                    if first.get("state_bytes") is not None:
                        dec["state_bytes"] = first["state_bytes"]
                else:
                    dec["points"] = [{"T": plan.lengths[0], "ms": first["ms"]}]
                    for T in plan.lengths[1:]:
                        if time_left() < plan.min_seconds_left:
                            break
                        progress("decode", variant=variant, head_dim=D, T=T)
                        try:
                            dec["points"].append({"T": T, "ms": backend.decode(model_id, D, T)["ms"]})
                        except OutOfMemory:
                            dec["points"].append({"T": T, "ms": None, "error": "out of memory"})
        except Exception as exc:
            dec = {"head_dim": D, "error": _short(exc)}
        entry["decode"] = dec
    progress(None)
    return entry


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
    out = {}
    for mid in model_ids:

        def time_left():
            return deadline - clock()

        if time_left() < plan.min_seconds_left:
            e = dict((bases or {}).get(mid, {}))
            e.update(status="not_run", errors=["no time left in this run"], checks=[], points=[], decode=None)
            out[mid] = e
            sink(mid, e)
            continue
        out[mid] = run_model(
            backend,
            mid,
            plan,
            lambda e, mid=mid: sink(mid, e),
            time_left,
            (start_variants or {}).get(mid, 0),
            (bases or {}).get(mid),
        )
    return out
