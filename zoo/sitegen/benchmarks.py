"""The Benchmarks page and the "GPU cost" section of every model page, from the committed benchmarks/*.json.

Figures are Plotly figure JSON in the site's chart template (zoo/sitegen/chart_style.py), rendered by
docs/assets/js/figures.js, under assets/data/bench/. Everything shown comes from the result file; a model
without numbers gets a sentence saying why (no public kernel, failed its correctness check, not measured
yet, ...).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from markupsafe import Markup

from zoo.bench import catalog, flops, results
from zoo.sitegen import chart_style

DATA = "assets/data/bench"
PAGE = "benchmarks.md"
HEAD_DIM = 128
MODE_TEXT = {"fwd": "forward", "fwdbwd": "forward + backward"}
POWERS = [2**k for k in range(6, 21)]  # 64 .. 1M: x-axis ticks


STATUS_TEXT = {
    "measured": "measured",
    "failed_check": "failed its correctness check, not timed",
    "error": "the kernel stopped with an error",
    "crashed": "the kernel crashed",
    "timeout": "not measured yet",
    "not_run": "not measured yet",
    "no_kernel": "no public fused kernel",
}


# ------------------------------------------------------------------------------------------ loading


def result_files(root: Path) -> list[Path]:
    return sorted((root / "benchmarks").glob("*.json"))


def _latest_date(doc: dict) -> str:
    return max((r.get("provenance", {}).get("date") or "" for r in doc.get("runs", [])), default="")


def load_all(root: Path) -> list[tuple[dict, Path]]:
    """Every committed result file, newest run first."""
    docs = [(json.loads(p.read_text(encoding="utf-8")), p) for p in result_files(root)]
    return sorted(docs, key=lambda dp: _latest_date(dp[0]), reverse=True)


def load_results(root: Path) -> tuple[dict, Path] | None:
    """The newest result file (by its latest run date), or None when none is committed."""
    docs = load_all(root)
    return docs[0] if docs else None


def _name(names: dict, mid: str) -> str:
    return names.get(mid, mid)


def _measured(doc: dict) -> list[str]:
    """Measured model ids in catalogue order, the softmax baseline first."""
    ids = [m for m in catalog.KERNELS if doc["models"].get(m, {}).get("status") == "measured"]
    ids += [m for m, e in doc["models"].items() if m not in ids and e.get("status") == "measured"]
    return sorted(ids, key=lambda m: m != results.BASELINE)


# ------------------------------------------------------------------------------------------ figures


def _layout(title: str, xtitle: str, ytitle: str, logy: bool = True) -> dict:
    return dict(
        template=chart_style.template(),
        title=dict(text=title),
        # powers of 2 named as in the tables (512, 1K, ... 128K): short enough to stay level on a phone
        xaxis=dict(title=dict(text=xtitle), type="log", tickvals=POWERS, ticktext=[_klen(T) for T in POWERS]),
        yaxis=dict(title=dict(text=ytitle), type="log" if logy else "linear"),
        hovermode="closest",
        legend=chart_style.MODEL_LEGEND,
        margin=dict(l=60, r=10, t=40, b=45),
    )


def _tick_text(v: float) -> str:
    return f"{v:,.0f}" if v >= 1 else f"{v:.4g}"


def _json(fig) -> dict:
    """The figure as Plotly JSON, its logarithmic y axis ticked 1-2-5 (chart_style.log_axis) over its data."""
    out = fig.to_plotly_json()
    yaxis = out["layout"].get("yaxis") or {}
    if yaxis.get("type") != "log":
        return out
    ys = [y for t in out["data"] for y in (t.get("y") or []) if y is not None and y > 0]
    if not ys:
        return out
    yaxis.update(chart_style.log_axis(ys, _tick_text))
    return out


def curve_styles(doc: dict, registry) -> dict[str, dict]:
    """Each measured model's trace style (chart_style.model_styles), the softmax baseline first."""
    return chart_style.model_styles(_measured(doc), registry, results.BASELINE)


def _in_legend_order(doc: dict, style: dict) -> list[str]:
    """Measured models, the baseline first, then family by family (the legend groups them)."""
    order = list(style)
    return sorted(_measured(doc), key=lambda m: order.index(m) if m in order else len(order))


def latency_figure(doc: dict, names: dict, style: dict, mode: str) -> dict:
    import plotly.graph_objects as go

    what = MODE_TEXT[mode]
    traces = []
    for mid in _in_legend_order(doc, style):
        pts = [
            p
            for p in doc["models"][mid]["points"]
            if p.get("head_dim") == HEAD_DIM and p.get("status") == "ok" and p.get(f"{mode}_ms")
        ]
        if not pts:
            continue
        traces.append(
            go.Scatter(
                x=[p["T"] for p in pts],
                y=[round(p[f"{mode}_ms"], 4) for p in pts],
                customdata=[p["B"] for p in pts],
                name=_name(names, mid),
                mode="lines+markers",
                **style[mid],
                hovertemplate=f"{_name(names, mid)}<br>T=%{{x}}, B=%{{customdata}}<br>%{{y:.3f}} ms"
                "<extra></extra>",
            )
        )
    fig = go.Figure(
        traces,
        layout=_layout(
            f"{what} time per call",  # short enough for a phone; the text gives the tokens per call
            "sequence length T",
            f"{what} time (ms)",
        ),
    )
    return _json(fig)


def throughput_figure(doc: dict, names: dict, style: dict) -> dict:
    import plotly.graph_objects as go

    traces = []
    for mid in _in_legend_order(doc, style):
        pts = [
            p
            for p in doc["models"][mid]["points"]
            if p.get("head_dim") == HEAD_DIM and p.get("status") == "ok" and p.get("fwdbwd_ms")
        ]
        if not pts:
            continue
        traces.append(
            go.Scatter(
                x=[p["T"] for p in pts],
                y=[round(results.tokens_per_s(p, "fwdbwd") / 1e6, 3) for p in pts],
                name=_name(names, mid),
                mode="lines+markers",
                **style[mid],
                hovertemplate=f"{_name(names, mid)}<br>T=%{{x}}<br>%{{y:.2f}} M tokens/s<extra></extra>",
            )
        )
    fig = go.Figure(
        traces,
        layout=_layout(
            "training throughput (forward + backward)", "sequence length T", "million tokens per second"
        ),
    )
    return _json(fig)


def memory_figure(doc: dict, names: dict, style: dict) -> dict:
    import plotly.graph_objects as go

    traces = []
    for mid in _in_legend_order(doc, style):
        pts = [
            p
            for p in doc["models"][mid]["points"]
            if p.get("head_dim") == HEAD_DIM and p.get("status") == "ok" and p.get("fwdbwd_peak_bytes")
        ]
        if not pts:
            continue
        traces.append(
            go.Scatter(
                x=[p["T"] for p in pts],
                y=[round(p["fwdbwd_peak_bytes"] / 2**30, 3) for p in pts],
                name=_name(names, mid),
                mode="lines+markers",
                **style[mid],
                hovertemplate=f"{_name(names, mid)}<br>T=%{{x}}<br>%{{y:.2f}} GiB<extra></extra>",
            )
        )
    fig = go.Figure(
        traces,
        layout=_layout(
            "peak memory, forward + backward",
            "sequence length T",
            "GiB",
            logy=False,
        ),
    )
    return _json(fig)


def decode_figure(doc: dict, names: dict, style: dict) -> dict:
    import plotly.graph_objects as go

    lengths = doc.get("config", {}).get("lengths") or [512, 131072]
    traces = []
    for mid in _in_legend_order(doc, style):
        dec = doc["models"][mid].get("decode") or {}
        if dec.get("kind") == "kv_cache" and dec.get("points"):
            pts = [p for p in dec["points"] if p.get("ms")]
            xs, ys = [p["T"] for p in pts], [round(p["ms"] * 1e3, 2) for p in pts]
        elif dec.get("kind") == "recurrent" and dec.get("ms"):
            xs, ys = [min(lengths), max(lengths)], [round(dec["ms"] * 1e3, 2)] * 2  # the state does not grow
        else:
            continue
        traces.append(
            go.Scatter(
                x=xs,
                y=ys,
                name=_name(names, mid),
                mode="lines+markers" if dec["kind"] == "kv_cache" else "lines",
                **style[mid],
                hovertemplate=f"{_name(names, mid)}<br>context T=%{{x}}<br>%{{y:.1f}} µs<extra></extra>",
            )
        )
    fig = go.Figure(
        traces,
        layout=_layout(
            "one decoding step (batch 1)",
            "context length T",
            "time per step (µs)",
        ),
    )
    return _json(fig)


RATE_T = (8192, 32768)  # the lengths of the achieved-rate table and the roofline figure
ALGORITHM_TEXT = {
    "attention": "attention",
    "linear": "chunked linear",
    "delta": "chunked delta rule",
    "slots": "two passes over slots",
    "ttt": "mini-batch TTT",
    "scan": "per-channel scan",
    "fft": "FFT convolution",
    "mimo": "complex diagonal scan, dense in and out",
}


def limits(doc: dict) -> dict[str | None, tuple[float | None, float | None]]:
    """{run id: (bf16 matmul TFLOP/s, copy TB/s)} as measured in each run; key None: the medians over runs,
    for points whose run recorded none."""
    out = {}
    for r in doc.get("runs", []):
        cal = r.get("calibration") or {}
        out[r["id"]] = (cal.get("matmul_bf16_tflops"), cal.get("copy_tb_per_s"))
    medians = []
    for i in (0, 1):
        vals = sorted(v[i] for v in out.values() if v[i])
        medians.append(vals[len(vals) // 2] if vals else None)
    out[None] = tuple(medians)
    return out


def achieved(doc: dict, mid: str, point: dict, lims: dict) -> dict | None:
    """A forward point's achieved TFLOP/s against the roofline of the run that measured it: {'tflops',
    'intensity' (FLOP per byte), 'ceiling' (min of the matmul rate and intensity x copy bandwidth, TFLOP/s),
    'of_ceiling', 'of_matmul', 'bound': 'compute' | 'memory'}; None without a count or a time."""
    heads = doc.get("config", {}).get("heads", 16)
    B, T, D = point["B"], point["T"], point["head_dim"]
    f, b = flops.forward_flops(mid, B, T, heads, D), flops.forward_bytes(mid, B, T, heads, D)
    ms = point.get("fwd_ms")
    if not (f and b and ms):
        return None
    mm, bw = lims.get(point.get("run")) or lims[None]
    mm, bw = mm or lims[None][0], bw or lims[None][1]
    tflops, ai = f / (ms * 1e-3) / 1e12, f / b
    out = {"tflops": tflops, "intensity": ai, "ceiling": None, "of_ceiling": None, "of_matmul": None}
    out["bound"] = None
    if mm and bw:
        ceiling = min(mm, ai * bw)  # TB/s x FLOP/byte = TFLOP/s
        out.update(ceiling=ceiling, of_ceiling=tflops / ceiling, of_matmul=tflops / mm)
        out["bound"] = "compute" if ai * bw >= mm else "memory"
    return out


def _fwd_point(entry: dict, T: int, D: int = HEAD_DIM) -> dict | None:
    return next(
        (
            p
            for p in entry.get("points", [])
            if p.get("T") == T and p.get("head_dim") == D and p.get("status") == "ok" and p.get("fwd_ms")
        ),
        None,
    )


def decode_rate(doc: dict, mid: str, lims: dict, T: int = RATE_T[-1]) -> dict | None:
    """One decoding step's achieved bandwidth: bytes it must move (KV cache at context T, or the matrix
    state) over its time, against the copy bandwidth; None where no step was timed or nothing is counted."""
    dec = doc["models"][mid].get("decode") or {}
    heads = doc.get("config", {}).get("heads", 16)
    if dec.get("kind") == "kv_cache":
        p = next((p for p in dec.get("points", []) if p.get("T") == T and p.get("ms")), None)
        ms, run = (p["ms"], p.get("run") or dec.get("run")) if p else (None, None)
    else:
        ms, run = dec.get("ms"), dec.get("run")
    nbytes = flops.decode_bytes(mid, dec.get("kind"), T, heads, HEAD_DIM)
    if not (ms and nbytes):
        return None
    bw = (lims.get(run) or lims[None])[1] or lims[None][1]
    gbs = nbytes / (ms * 1e-3) / 1e9
    return {"gb_s": gbs, "of_copy": gbs / (bw * 1e3) if bw else None, "T": T, "kind": dec["kind"]}


def rate_rows(doc: dict, names: dict) -> list[dict]:
    """How close each measured kernel gets to the machine's limits at the RATE_T lengths (head dim 128)."""
    lims = limits(doc)
    rows = []
    for mid in _measured(doc):
        cost = flops.COSTS.get(mid)
        if cost is None:
            continue
        entry = doc["models"][mid]
        at = {}
        for T in RATE_T:
            p = _fwd_point(entry, T)
            at[T] = achieved(doc, mid, p, lims) if p else None
        if not any(at.values()):
            continue
        last = next(a for a in reversed(list(at.values())) if a)
        rows.append(
            {
                "id": mid,
                "name": _name(names, mid),
                "algorithm": ALGORITHM_TEXT[cost.kind],
                "intensity": last["intensity"],
                "bound": last["bound"],
                "at": at,
                "decode": decode_rate(doc, mid, lims),
            }
        )
    return rows


def headroom(rows: list[dict], T: int = RATE_T[-1]) -> tuple[list[dict], list[dict]]:
    """(the three kernels furthest from their roofline ceiling, the three closest) at length T."""
    ranked = sorted(
        (r for r in rows if (r["at"].get(T) or {}).get("of_ceiling")), key=lambda r: r["at"][T]["of_ceiling"]
    )
    return ranked[:3], ranked[::-1][:3]


def roofline_figure(doc: dict, names: dict, style: dict) -> dict:
    """Achieved forward TFLOP/s against arithmetic intensity, one marker per model and length (RATE_T), under
    the roof drawn from the matmul rate and copy bandwidth measured in the same runs."""
    import plotly.graph_objects as go

    lims = limits(doc)
    mm, bw = lims[None]
    traces = []
    xs_all = []
    for r in rate_rows(doc, names):
        pts = [(T, a) for T, a in r["at"].items() if a]
        xs_all += [a["intensity"] for _, a in pts]
        traces.append(
            go.Scatter(
                x=[round(a["intensity"], 2) for _, a in pts],
                y=[round(a["tflops"], 3) for _, a in pts],
                customdata=[_klen(T) for T, _ in pts],
                name=r["name"],
                mode="lines+markers",
                **style[r["id"]],
                hovertemplate=f"{r['name']}<br>T=%{{customdata}}<br>%{{x:.0f}} FLOP/byte, %{{y:.1f}} TFLOP/s"
                "<extra></extra>",
            )
        )
    if mm and bw and xs_all:
        lo, hi = min(xs_all) / 2, max(xs_all) * 2
        ridge = mm / bw
        xs = [x for x in (lo, ridge, hi) if lo <= x <= hi]
        traces.insert(
            0,
            go.Scatter(
                x=[round(x, 3) for x in xs],
                y=[round(min(mm, x * bw), 3) for x in xs],
                name=f"limit: {mm:.0f} TFLOP/s, {bw:.2f} TB/s",
                mode="lines",
                line=dict(width=2, dash="dot"),
                meta="ink",
                hoverinfo="skip",
            ),
        )
    layout = _layout("achieved forward rate under the roofline", "", "TFLOP/s")
    layout["xaxis"] = dict(title=dict(text="arithmetic intensity (FLOP per byte moved)"), type="log")
    return _json(go.Figure(traces, layout=layout))


def shown_head_dim(entry: dict) -> int:
    """The head dimension a model's own curve and crossover are given at: the page's (128) where the model
    was timed with it, else the largest it was timed with (a kernel so far timed only with smaller heads)."""
    dims = {p["head_dim"] for p in entry.get("points", []) if p.get("status") == "ok"}
    return HEAD_DIM if HEAD_DIM in dims or not dims else max(dims)


def model_figure(doc: dict, mid: str, name: str, style: dict, D: int = HEAD_DIM) -> dict | None:
    """The model's fwd and fwd+bwd curves beside the softmax baseline's at head dimension D, or None without
    points. The model keeps its colour and marker from the Benchmarks page; the baseline is drawn in the
    text colour."""
    import plotly.graph_objects as go

    entry = doc["models"].get(mid, {})
    if entry.get("status") != "measured":
        return None
    traces = []
    ids = [mid] if mid == results.BASELINE else [results.BASELINE, mid]
    for other in ids:
        own = style.get(other, {})
        color, mark = own.get("line", {}).get("color"), own.get("marker", {})
        for mode, dash in (("fwd", "solid"), ("fwdbwd", "dot")):
            s = results.series(doc["models"].get(other, {}), mode, D)
            if not s:
                continue
            label = ("softmax (cuDNN)" if other == results.BASELINE else name) + (
                " fwd" if mode == "fwd" else " fwd+bwd"
            )
            traces.append(
                go.Scatter(
                    x=sorted(s),
                    y=[round(s[T], 4) for T in sorted(s)],
                    name=label,
                    mode="lines+markers",
                    line=dict(color=color, dash=dash, width=2),
                    marker=dict(color=color, symbol=mark.get("symbol")),
                    meta=own.get("meta"),
                    hovertemplate=f"{label}<br>T=%{{x}}<br>%{{y:.3f}} ms<extra></extra>",
                )
            )
    if not traces:
        return None
    fig = go.Figure(
        traces, layout=_layout("time per call, beside softmax attention", "sequence length T", "ms per call")
    )
    return _json(fig)


# ------------------------------------------------------------------------------------------ tables


def _tokens(doc: dict) -> str:
    n = doc.get("config", {}).get("tokens_per_call", 0)
    return f"{n:,}".replace(",", " ")


def _klen(T: float | None) -> str:
    if T is None:
        return "–"
    return (
        f"{T / 1024:.0f}K"
        if T >= 1024 and T % 1024 == 0
        else (f"{T / 1024:.1f}K" if T >= 1024 else f"{T:.0f}")
    )


def crossover_text(c: dict | None) -> str:
    if c is None:
        return "–"
    span = f"{_klen(c['lengths'][0])}–{_klen(c['lengths'][-1])}"
    if len(c["lengths"]) == 1:
        word = "faster" if c["kind"] == "always" else "not faster"
        return f"{word} at T = {_klen(c['lengths'][0])}, the only length measured"
    if c["kind"] == "always":
        return f"faster at every measured length ({span})"
    if c["kind"] == "never":
        return f"not faster within {span}"
    meet = f"; curves meet near T ≈ {_klen(round(c['estimate']))}" if c.get("estimate") else ""
    return f"faster from T = {_klen(c['T'])}{meet}"


def crossover_rows(doc: dict, names: dict) -> list[dict]:
    rows = []
    for mid in _measured(doc):
        if mid == results.BASELINE:
            continue
        D = shown_head_dim(doc["models"][mid])
        fwd, bwd = (results.crossover(doc, mid, m, D) for m in ("fwd", "fwdbwd"))
        rows.append(
            {
                "id": mid,
                "name": _name(names, mid),
                "head_dim": None if D == HEAD_DIM else D,  # a model so far timed only with smaller heads
                "fwd": crossover_text(fwd),
                "fwdbwd": crossover_text(bwd),
                "ratio": None if fwd is None else fwd["ratio_at_longest"],
                "ratio_T": None if fwd is None else fwd["lengths"][-1],
            }
        )
    return rows


def tflops_rows(doc: dict) -> list[dict]:
    return [{**r, "T_text": _klen(r["T"])} for r in results.softmax_tflops(doc) if r["head_dim"] == HEAD_DIM]


def measured_elsewhere(mid: str, others: list[dict]) -> str | None:
    """The GPU of the newest other result file that measured this model, or None."""
    return next((_gpu(o) for o in others if o["models"].get(mid, {}).get("status") == "measured"), None)


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
                "name": _name(names, mid),
                "status": e["status"],
                "text": STATUS_TEXT.get(e["status"], e["status"]),
                "op": e.get("op"),
                "err": err,
                "reason": why_not(e, measured_elsewhere(mid, others), _gpu(doc)),
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
        return f"timed with heads of dimension {dims} only so far (T = {_lengths(p['T'] for p in smaller)})"
    notes = []
    pts = [p for p in e.get("points", []) if p.get("head_dim") == HEAD_DIM]
    ok = [p for p in pts if p.get("status") == "ok"]
    failed = [p for p in ok if p.get("fwdbwd_error")]
    if failed:
        # "forward only" when the backward pass never ran; otherwise name the lengths where it failed
        where = (
            "forward pass only"
            if all(p.get("fwdbwd_ms") is None for p in ok)
            else "forward + backward not measured at T = " + _lengths(p["T"] for p in failed)
        )
        notes.append(f"{where}: " + reader_error(failed[0]["fwdbwd_error"], backward=True))
    unsupported = [p for p in pts if p.get("status") == "unsupported"]
    if unsupported:
        notes.append(
            f"not measured at T = {_lengths(p['T'] for p in unsupported)}: "
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
        note = f"not measured at T = {_lengths(cut)}"
        if died:  # the step that stopped the measurement: the lengths after it were never reached
            T, mode, why = died[0]
            ended = "did not finish" if why == "timeout" else "stopped with an error"
            note += f": timing the {MODE_TEXT[mode]} at T = {_klen(T)} {ended}"
        notes.append(note)
    return "; ".join(notes) or None


def _lengths(Ts) -> str:
    return ", ".join(_klen(T) for T in sorted(set(Ts)))


_MAX_LENGTH = re.compile(r"T\s*<=\s*(\d+)")
_CAPACITY = re.compile(r"total capacity of ([\d.]+) GiB")


def reader_error(msg: str, backward: bool = False) -> str:
    """A recorded kernel error as a plain clause for readers. Tool output (CUDA messages, Triton source
    dumps, library advice) means nothing to a reader of the page, so only what it implies is said."""
    what = "the backward pass" if backward else "the kernel"
    low = msg.lower()
    if "out of memory" in low or low.startswith("outofmemory"):
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


COMPARE_T = 32768  # a length every sweep measures, long enough that launch overhead is noise


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
    for mid in _measured(main):
        if other["models"].get(mid, {}).get("status") != "measured":
            continue
        p = _fwd_point(main["models"][mid], T)
        rate = achieved(main, mid, p, lims) if p else None
        row = {
            "id": mid,
            "name": _name(names, mid),
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
                why = why_not(doc["models"][r["id"]], here=_gpu(doc)) or f"not measured at T = {_klen(T)}"
                gaps.append({"id": r["id"], "name": r["name"], "gpu": _gpu(doc), "reason": why})
    tops = {}
    for key, doc in (("other", other), ("main", main)):
        best = max(results.softmax_tflops(doc), key=lambda r: r["fwd_tflops"], default=None)
        tops[key] = None if best is None else {**best, "T_text": _klen(best["T"])}
    ratios = sorted(r["fwd"][2] for r in rows if r["fwd"][2])
    return {
        "gpu": _gpu(other),
        "date": _latest_date(other)[:10],
        "n_measured": len(_measured(other)),
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
        {"id": mid, "name": _name(names, mid)}
        for mid in _measured(doc)
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
    for mid in _measured(doc):
        if only is not None and mid not in only:
            continue
        entry = doc["models"][mid]
        for D in sorted({p["head_dim"] for p in entry.get("points", [])} - {HEAD_DIM}):
            row = {"id": mid, "name": _name(names, mid), "D": D}
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
    timed = _measured(doc)
    timed += [m for other in others for m in _measured(other) if m not in timed]
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
            tables.append({"gpu": _gpu(other), "date": _latest_date(other)[:10], "rows": rows})
            missing -= {r["id"] for r in rows}
    return tables, [{"id": m, "name": _name(names, m)} for m in timed if m in missing]


# ------------------------------------------------------------------------------------------ output


def model_section(ctx, model) -> Markup:
    """HTML for the model page: its curve against softmax attention, or a sentence saying why it has none."""
    loaded = getattr(ctx, "_bench_results", None)
    if loaded is None:
        loaded = ctx._bench_results = load_results(ctx.root) or False
    name = model.name
    root = ctx.root_from(f"models/{model.id}.md")
    if not loaded:
        return Markup(
            ctx.render(
                "benchmarks_model.html.j2",
                m=model,
                entry=None,
                fig=None,
                reason=None,
                root=root,
                page=PAGE,
                doc=None,
                cross=None,
                err=None,
                note=None,
                gpu="GPU",
                main_gpu=None,
                date=None,
            )
        )
    doc, _ = loaded
    main_gpu = None  # set when the numbers shown come from an older file: the main GPU has not measured it
    style = getattr(ctx, "_bench_styles", None) or curve_styles(doc, ctx.registry)
    if doc["models"].get(model.id, {}).get("status") != "measured":
        older = next((o for o in _others(ctx) if model.id in _measured(o)), None)
        if older is not None:
            main_gpu, doc = _gpu(doc), older
            # the model's own shade after the main file's members of its family, so none of theirs moves
            style = chart_style.model_styles([*style, model.id], ctx.registry, results.BASELINE)
    entry = doc["models"].get(model.id) or _not_in_results(model)
    D = shown_head_dim(entry)
    fig = None
    if entry.get("status") == "measured":
        figure = model_figure(doc, model.id, name, style, D)
        if figure is not None:
            fig = f"{DATA}/model-{model.id}.json"
            ctx.write_json(fig, figure)
    cross = None
    if entry.get("status") == "measured" and model.id != results.BASELINE:
        cross = {m: crossover_text(results.crossover(doc, model.id, m, D)) for m in ("fwd", "fwdbwd")}
    # how the kernel runs: from the registry (its one source) unless another adapter timed these results
    gk = model.gpu_kernel
    note = gk.note if entry.get("adapter") == gk.adapter else entry.get("note")
    err = results.check_error(entry, D)
    return Markup(
        ctx.render(
            "benchmarks_model.html.j2",
            m=model,
            entry=entry,
            fig=fig,
            reason=why_not(entry, measured_elsewhere(model.id, _others(ctx)), _gpu(doc)),
            root=root,
            page=PAGE,
            doc=doc,
            cross=cross,
            err=err,
            note=note,
            gpu=_gpu(doc),
            main_gpu=main_gpu,
            date=_latest_date(doc)[:10],
            head_dim=D,
            page_head_dim=HEAD_DIM,
        )
    )


def _others(ctx) -> list[dict]:
    """The result files after the newest one (other GPUs or older runs), loaded once per build."""
    if getattr(ctx, "_bench_others", None) is None:
        ctx._bench_others = [doc for doc, _ in load_all(ctx.root)[1:]]
    return ctx._bench_others


def _not_in_results(model) -> dict:
    """A model the committed results do not cover: its registry binding says why it has no timing."""
    gk = model.gpu_kernel
    note = gk.note
    if gk.adapter is not None:
        note = f"its kernel ({gk.op}) has not been measured on this GPU yet"
    entry = {"status": "no_kernel", "adapter": gk.adapter, "op": gk.op, "note": note}
    return {**entry, "checks": [], "points": []}


def _gpu(doc: dict) -> str:
    return next(
        (r["provenance"].get("gpu") for r in doc.get("runs", []) if r.get("provenance", {}).get("gpu")), "GPU"
    )


_PAGE_VARS = (
    "data",
    "raw",
    "source",
    "crossovers",
    "tflops",
    "statuses",
    "runs",
    "config",
    "gpu",
    "tokens",
    "n_measured",
    "n_curves",
    "baseline",
    "margin",
    "others",
    "head_dims",
    "compare_T",
    "rates",
    "rate_T",
    "no_64",
    "head_dims_other",
    "limit",
)


def generate(ctx) -> None:
    names = {m.id: m.name for m in ctx.registry.models}
    every = load_all(ctx.root)
    ctx._bench_others = [other for other, _ in every[1:]]  # read once: the model pages use them too
    loaded = every[0] if every else None
    ctx._bench_results = loaded or False
    ctx._bench_styles = curve_styles(loaded[0], ctx.registry) if loaded else {}
    for m in ctx.registry.models:
        ctx.add_page_section(m.id, "GPU cost", model_section(ctx, m))
    if not loaded:
        ctx.write(PAGE, ctx.render("benchmarks.md.j2", doc=None, **{k: None for k in _PAGE_VARS}))
        ctx.add_nav("Benchmarks", PAGE)
        return
    doc, path = loaded
    style = ctx._bench_styles
    figs = {
        "fwd": latency_figure(doc, names, style, "fwd"),
        "fwdbwd": latency_figure(doc, names, style, "fwdbwd"),
        "throughput": throughput_figure(doc, names, style),
        "memory": memory_figure(doc, names, style),
        "decode": decode_figure(doc, names, style),
        "roofline": roofline_figure(doc, names, style),
    }
    for key, fig in figs.items():
        fig["layout"]["height"] = chart_style.legend_height(fig["data"], 600)
        ctx.write_json(f"{DATA}/{key}.json", fig)
    ctx.write_json(f"{DATA}/{path.name}", doc)  # the raw numbers, for readers who want them
    others = []
    for other, other_path in every[1:]:  # earlier runs, on other GPUs or older software
        ctx.write_json(f"{DATA}/{other_path.name}", other)
        others.append(
            {
                **comparison(doc, other, names),
                "raw": f"{DATA}/{other_path.name}",
                "source": f"benchmarks/{other_path.name}",
            }
        )
    head_dims_other, no_64 = head_dims_elsewhere(doc, _others(ctx), names)
    ctx.write(
        PAGE,
        ctx.render(
            "benchmarks.md.j2",
            doc=doc,
            data=DATA,
            raw=f"{DATA}/{path.name}",
            source=f"benchmarks/{path.name}",
            crossovers=crossover_rows(doc, names),
            tflops=tflops_rows(doc),
            statuses=status_rows(doc, names, [m.id for m in ctx.registry.models], _others(ctx)),
            no_64=no_64,
            head_dims_other=head_dims_other,
            runs=doc["runs"],
            config=doc["config"],
            gpu=_gpu(doc),
            tokens=_tokens(doc),
            n_measured=len(_measured(doc)),
            n_curves=len(figs["fwd"]["data"]),  # fewer when a model was timed only with smaller heads
            baseline=results.BASELINE,
            margin=results.MARGIN,
            others=others,
            head_dims=head_dim_rows(doc, names),
            compare_T=COMPARE_T,
            rates=rate_rows(doc, names),
            rate_T=[{"T": T, "text": _klen(T)} for T in RATE_T],
            limit=limits(doc)[None],
        ),
    )
    ctx.add_nav("Benchmarks", PAGE)
