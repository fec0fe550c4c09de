"""The Benchmarks page's tables and sentences: crossovers, the status of every model and why one has no
numbers (recorded tool errors said in reader words), the comparison with another GPU, the head-dimension
ratios."""

from __future__ import annotations

import re

from zoo.bench import results
from zoo.sitegen.bench_data import (
    COMPARE_T,
    HEAD_DIM,
    MODE_TEXT,
    fwd_point,
    gpu_name,
    klen,
    latest_date,
    lengths_text,
    measured_ids,
    model_name,
    shown_head_dim,
)
from zoo.sitegen.bench_rates import achieved, limits

STATUS_TEXT = {
    "measured": "measured",
    "failed_check": "failed its correctness check, not timed",
    "error": "the kernel stopped with an error",
    "crashed": "the kernel crashed",
    "timeout": "not measured yet",
    "not_run": "not measured yet",
    "no_kernel": "no public fused kernel",
}


def crossover_text(c: dict | None) -> str:
    if c is None:
        return "–"
    span = f"{klen(c['lengths'][0])}–{klen(c['lengths'][-1])}"
    if len(c["lengths"]) == 1:
        word = "faster" if c["kind"] == "always" else "not faster"
        return f"{word} at T = {klen(c['lengths'][0])}, the only length measured"
    if c["kind"] == "always":
        return f"faster at every measured length ({span})"
    if c["kind"] == "never":
        return f"not faster within {span}"
    meet = f"; curves meet near T ≈ {klen(round(c['estimate']))}" if c.get("estimate") else ""
    return f"faster from T = {klen(c['T'])}{meet}"


def crossover_rows(doc: dict, names: dict) -> list[dict]:
    rows = []
    for mid in measured_ids(doc):
        if mid == results.BASELINE:
            continue
        D = shown_head_dim(doc["models"][mid])
        fwd, bwd = (results.crossover(doc, mid, m, D) for m in ("fwd", "fwdbwd"))
        rows.append(
            {
                "id": mid,
                "name": model_name(names, mid),
                "head_dim": None if D == HEAD_DIM else D,  # a model so far timed only with smaller heads
                "fwd": crossover_text(fwd),
                "fwdbwd": crossover_text(bwd),
                "ratio": None if fwd is None else fwd["ratio_at_longest"],
                "ratio_T": None if fwd is None else fwd["lengths"][-1],
            }
        )
    return rows


def tflops_rows(doc: dict) -> list[dict]:
    return [{**r, "T_text": klen(r["T"])} for r in results.softmax_tflops(doc) if r["head_dim"] == HEAD_DIM]


def measured_elsewhere(mid: str, others: list[dict]) -> str | None:
    """The GPU of the newest other result file that measured this model, or None."""
    return next((gpu_name(o) for o in others if o["models"].get(mid, {}).get("status") == "measured"), None)


def status_rows(doc: dict, names: dict, registry_ids: list[str], others: list[dict] = ()) -> list[dict]:
    """One row per model of the registry (and any extra id in the results), with why it has no numbers."""
    ids = list(registry_ids) + [m for m in doc["models"] if m not in registry_ids]
    rows = []
    for mid in ids:
        # A model the run did not include (added after it, or with no adapter yet) is, for a reader, a model
        # not measured yet; which file holds which model is not theirs to know.
        e = doc["models"].get(mid) or {"status": "not_run"}
        err = results.check_error(e, shown_head_dim(e))
        rows.append(
            {
                "id": mid,
                "name": model_name(names, mid),
                "status": e["status"],
                "text": STATUS_TEXT.get(e["status"], e["status"]),
                "op": e.get("op"),
                "err": err,
                "reason": why_not(e, measured_elsewhere(mid, others), gpu_name(doc)),
            }
        )
    return rows


def why_not(e: dict, elsewhere: str | None = None, here: str = "GPU") -> str | None:
    """One sentence for a reader on what is missing for this model, or None when fully measured. Recorded
    tool errors are translated (reader_error), never shown raw: they are in the result file for those who
    want them. `elsewhere`: another GPU whose results have the model, for one not measured on `here`."""
    status = e.get("status")
    if status == "no_kernel":
        return e.get("note") or "no public fused kernel"
    if status == "failed_check":
        c = next((c for c in e.get("checks", []) if c.get("rel_err") is not None), {})
        return (
            f"its output differed from the float64 reference by {c.get('rel_err', float('nan')):.1e} "
            f"(tolerance {c.get('tolerance', 0):.0e}), so it was not timed"
        )
    if status in ("timeout", "not_run"):
        if elsewhere:
            return f"not measured on the {here} yet; a run on the {elsewhere} measured it, shown on its page"
        # a kernel that was checked but whose timings were not kept (or not reached) still showed it is right
        checks = e.get("checks", [])
        checked = next((c for c in checks if c.get("passed") and c.get("rel_err") is not None), None)
        if checked:
            return (
                f"its kernel matched the float64 reference on the {here} "
                f"(relative error {checked['rel_err']:.1e}); the timings are still to come"
            )
        return "not measured yet"
    if status in ("error", "crashed"):
        msg = (e.get("errors") or [""])[0] or next(
            (c.get("error") for c in e.get("checks", []) if c.get("error")), ""
        )
        said = reader_error(msg)
        generic = said == "the kernel stopped with an error"
        return STATUS_TEXT[status] if generic else f"{STATUS_TEXT[status]}: {said}"
    if shown_head_dim(e) != HEAD_DIM:  # timed, but only with smaller heads
        smaller = [p for p in e.get("points", []) if p.get("status") == "ok"]
        dims = " and ".join(str(D) for D in sorted({p["head_dim"] for p in smaller}))
        span = lengths_text(p["T"] for p in smaller)
        return f"timed with heads of dimension {dims} only so far (T = {span})"
    notes = []
    pts = [p for p in e.get("points", []) if p.get("head_dim") == HEAD_DIM]
    ok = [p for p in pts if p.get("status") == "ok"]
    failed = [p for p in ok if p.get("fwdbwd_error")]
    if failed:
        # "forward only" when the backward pass never ran; otherwise name the lengths where it failed
        where = (
            "forward pass only"
            if all(p.get("fwdbwd_ms") is None for p in ok)
            else "forward + backward not measured at T = " + lengths_text(p["T"] for p in failed)
        )
        notes.append(f"{where}: " + reader_error(failed[0]["fwdbwd_error"], backward=True))
    unsupported = [p for p in pts if p.get("status") == "unsupported"]
    if unsupported:
        notes.append(
            f"not measured at T = {lengths_text(p['T'] for p in unsupported)}: "
            + reader_error(unsupported[0].get("error", ""))
        )
    cut = [c["T"] for c in e.get("truncated", []) if c["head_dim"] == HEAD_DIM]
    # a worker that died timing the backward leaves its forward time: the note above already says so. A
    # worker's note names no head dim: one that died at another head dim says nothing about these numbers
    noted = {p["T"] for p in failed}
    timed = {(p["T"], mode) for p in ok for mode in ("fwd", "fwdbwd") if p.get(f"{mode}_ms")}
    died = [
        (T, mode, why)
        for T, mode, why in results.died_at(e)
        if not (mode == "fwdbwd" and T in noted) and (T, mode) not in timed
    ]
    cut += [T for T, _, _ in died if T not in cut]
    if cut:
        note = f"not measured at T = {lengths_text(cut)}"
        if died:  # the step that stopped the measurement: the lengths after it were never reached
            T, mode, why = died[0]
            ended = "did not finish" if why == "timeout" else "stopped with an error"
            note += f": timing the {MODE_TEXT[mode]} at T = {klen(T)} {ended}"
        notes.append(note)
    return "; ".join(notes) or None


_MAX_LENGTH = re.compile(r"T\s*<=\s*(\d+)")
_CAPACITY = re.compile(r"total capacity of ([\d.]+) GiB")


def reader_error(msg: str, backward: bool = False) -> str:
    """A recorded kernel error as a plain clause for readers. Tool output (CUDA messages, Triton source
    dumps, library advice) means nothing to a reader of the page, so only what it implies is said."""
    what = "the backward pass" if backward else "the kernel"
    low = msg.lower()
    if results.out_of_memory(msg):
        cap = _CAPACITY.search(msg)
        size = f"the GPU's {round(float(cap.group(1)))} GiB of memory" if cap else "the GPU's memory"
        return f"{what} ran out of {size}"
    if "compilationerror" in low or "compil" in low:
        return f"{what} failed to compile"
    if "incorrect results" in low:
        # fla's advice names the way out (TileLang); the reader gets the fact, not the install command
        unless = ", unless TileLang is installed" if "tilelang" in low else ""
        return (
            f"the library refuses to run {what} with this Triton version on this GPU, "
            f"where it gives wrong results{unless}"
        )
    if "timeout" in low:
        return f"{what} did not finish"
    limit = _MAX_LENGTH.search(msg)
    if limit:
        return f"the kernel takes sequences of at most {int(limit.group(1)):,} tokens".replace(",", " ")
    return f"{what} stopped with an error"


def _side_by_side(a: tuple[dict, int], b: tuple[dict, int], T: int) -> dict:
    """{mode: (ms of a, ms of b, a / b)} at length T for two (entry, head dim) pairs; None where missing."""
    out = {}
    for mode in ("fwd", "fwdbwd"):
        ta, tb = (results.series(entry, mode, D).get(T) for entry, D in (a, b))
        out[mode] = (ta, tb, ta / tb if ta and tb else None)
    return out


def comparison(main: dict, other: dict, names: dict, T: int = COMPARE_T) -> dict:
    """The models measured in both result files, side by side at one length: how the same kernels fare on
    another GPU (memory-bound kernels gain more from a faster memory than compute-bound ones)."""
    rows = []
    lims, other_lims = limits(main), limits(other)
    for mid in measured_ids(main):
        if other["models"].get(mid, {}).get("status") != "measured":
            continue
        p = fwd_point(main["models"][mid], T)
        rate = achieved(main, mid, p, lims) if p else None
        row = {
            "id": mid,
            "name": model_name(names, mid),
            "bound": (rate or {}).get("bound"),
            **_side_by_side((other["models"][mid], HEAD_DIM), (main["models"][mid], HEAD_DIM), T),
        }
        if row["fwd"][2] or row["fwdbwd"][2]:
            rows.append(row)
    # a dash in the table is explained: which card lacks the time, and the reason that card's table gives
    gaps = []
    for r in rows:
        for side, doc in enumerate((other, main)):
            if any(r[mode][side] is None for mode in ("fwd", "fwdbwd")):
                why = why_not(doc["models"][r["id"]], here=gpu_name(doc)) or f"not measured at T = {klen(T)}"
                gaps.append({"id": r["id"], "name": r["name"], "gpu": gpu_name(doc), "reason": why})
    tops = {}
    for key, doc in (("other", other), ("main", main)):
        best = max(results.softmax_tflops(doc), key=lambda r: r["fwd_tflops"], default=None)
        tops[key] = None if best is None else {**best, "T_text": klen(best["T"])}
    ratios = sorted(r["fwd"][2] for r in rows if r["fwd"][2])
    return {
        "gpu": gpu_name(other),
        "date": latest_date(other)[:10],
        "n_measured": len(measured_ids(other)),
        "T": T,
        "rows": rows,
        "gaps": gaps,
        # measured on one card only, so absent from the table
        "main_only": _only_in(main, other, names),
        "other_only": _only_in(other, main, names),
        "median_fwd_ratio": ratios[len(ratios) // 2] if ratios else None,
        # the measured limits of both GPUs: main / other is the time ratio a purely bandwidth-bound (copy)
        # or compute-bound (matmul) kernel would show
        "copy_tb": (other_lims[None][1], lims[None][1]),
        "matmul_tflops": (other_lims[None][0], lims[None][0]),
        "softmax_top": tops,
        "decode_spread": decode_spread(main, other),
    }


def _only_in(doc: dict, other: dict, names: dict) -> list[dict]:
    """The models measured in `doc` and not in `other`."""
    return [
        {"id": mid, "name": model_name(names, mid)}
        for mid in measured_ids(doc)
        if other["models"].get(mid, {}).get("status") != "measured"
    ]


def decode_spread(main: dict, other: dict) -> dict | None:
    """How far the same recurrent decoding steps moved between two result files (time in `other` over time
    in `main`): at batch 1 a step is mostly the CPU launching it, so the spread tells a reader how much of a
    decode number is the kernel. None with fewer than three models timed in both."""
    ratios = sorted(
        o["ms"] / m["ms"]
        for mid, e in main["models"].items()
        if (m := e.get("decode") or {}).get("kind") == "recurrent"
        and m.get("ms")
        and (o := other["models"].get(mid, {}).get("decode") or {}).get("kind") == "recurrent"
        and o.get("ms")
    )
    if len(ratios) < 3:
        return None
    return {"n": len(ratios), "lo": ratios[0], "hi": ratios[-1], "median": ratios[len(ratios) // 2]}


def head_dim_rows(doc: dict, names: dict, T: int = COMPARE_T, only: set[str] | None = None) -> list[dict]:
    """Models also measured at another head dimension (of `only`, if given): time per call at T beside the
    head-dim-128 time. A smaller head shrinks the d x d state and the matmul width, so the ratio shows what a
    kernel's cost scales with."""
    rows = []
    for mid in measured_ids(doc):
        if only is not None and mid not in only:
            continue
        entry = doc["models"][mid]
        for D in sorted({p["head_dim"] for p in entry.get("points", [])} - {HEAD_DIM}):
            row = {"id": mid, "name": model_name(names, mid), "D": D}
            row.update(_side_by_side((entry, D), (entry, HEAD_DIM), T))
            if row["fwd"][0] or row["fwdbwd"][0]:
                rows.append(row)
    return rows


def head_dims_elsewhere(
    doc: dict, others: list[dict], names: dict, D: int = 64
) -> tuple[list[dict], list[dict]]:
    """For the models the main file has no head dimension D for: the head-dimension rows of the other result
    files that have them (each card's ratio is its own, so they get a table per file), and the models no file
    has at D. Missing means no time at D and COMPARE_T, the table's cell. A model only another file measured
    (Wall, on the H200) counts too: the page names every kernel that lacks the smaller head."""
    timed = measured_ids(doc)
    timed += [m for other in others for m in measured_ids(other) if m not in timed]
    missing = {
        m
        for m in timed
        if not any(
            results.series(doc["models"].get(m, {}), mode, D).get(COMPARE_T) for mode in ("fwd", "fwdbwd")
        )
    }
    tables = []
    for other in others:
        rows = [r for r in head_dim_rows(other, names, only=missing) if r["D"] == D]
        if rows:
            tables.append({"gpu": gpu_name(other), "date": latest_date(other)[:10], "rows": rows})
            missing -= {r["id"] for r in rows}
    return tables, [{"id": m, "name": model_name(names, m)} for m in timed if m in missing]
