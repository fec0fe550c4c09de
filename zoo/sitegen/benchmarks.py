"""The Benchmarks page and the "GPU cost" section of every model page, from the committed benchmarks/*.json.

Figures are Plotly figure JSON (template "none", rendered by docs/assets/js/figures.js) under
assets/data/bench/. Everything shown comes from the result file; a model without numbers gets a sentence
saying why (no public kernel, failed its correctness check, not run within the GPU budget, ...).
"""

from __future__ import annotations

import json
from pathlib import Path

from markupsafe import Markup

from zoo.bench import catalog, results

DATA = "assets/data/bench"
PAGE = "benchmarks.md"
HEAD_DIM = 128
MODE_TEXT = {"fwd": "forward", "fwdbwd": "forward + backward"}
# 20 distinguishable colours: with more curves than Plotly's default 10, colours would repeat
COLORWAY = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#e7969c",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#31a354",
    "#756bb1",
    "#636363",
]

STATUS_TEXT = {
    "measured": "measured",
    "failed_check": "failed its correctness check, not timed",
    "error": "the kernel raised an error",
    "crashed": "the kernel crashed its process",
    "timeout": "timed out",
    "not_run": "not measured in this run",
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
        template="none",
        title=dict(text=title),
        xaxis=dict(title=dict(text=xtitle), type="log", dtick=0.30102999566, tickformat=".0f"),  # powers of 2
        yaxis=dict(title=dict(text=ytitle), type="log" if logy else "linear"),
        hovermode="closest",
        legend=dict(font=dict(size=10)),
        margin=dict(l=60, r=10, t=40, b=45),
    )


DASHES = ("solid", "dot", "dashdot")  # past 20 models the colours come round again, with another dash


def _styles(doc: dict) -> dict[str, dict]:
    """Each measured model's line, the same in every figure: its colour follows its place among the
    measured models, not among one figure's traces (a model missing from one figure would shift the rest)."""
    # the baseline every other curve is read against; "ink": figures.js draws it in the page's text colour
    styles = {results.BASELINE: dict(line=dict(width=3, dash="dash", color="#111827"), meta="ink")}
    others = [m for m in _measured(doc) if m != results.BASELINE]
    for i, mid in enumerate(others):
        color, dash = COLORWAY[i % len(COLORWAY)], DASHES[i // len(COLORWAY) % len(DASHES)]
        styles[mid] = dict(line=dict(width=1.6, color=color, dash=dash), marker=dict(color=color))
    return styles


def latency_figure(doc: dict, names: dict, mode: str) -> dict:
    import plotly.graph_objects as go

    what = MODE_TEXT[mode]
    styles = _styles(doc)
    traces = []
    for mid in _measured(doc):
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
                **styles[mid],
                hovertemplate=f"{_name(names, mid)}<br>T=%{{x}}, B=%{{customdata}}<br>%{{y:.3f}} ms"
                "<extra></extra>",
            )
        )
    fig = go.Figure(
        traces,
        layout=_layout(
            f"{what} latency per call, {_tokens(doc)} tokens per call",
            "sequence length T",
            f"{what} time (ms)",
        ),
    )
    fig.update_layout(height=600)  # full width, tall enough that the legend lists every model unscrolled
    return fig.to_plotly_json()


def throughput_figure(doc: dict, names: dict) -> dict:
    import plotly.graph_objects as go

    styles = _styles(doc)
    traces = []
    for mid in _measured(doc):
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
                **styles[mid],
                hovertemplate=f"{_name(names, mid)}<br>T=%{{x}}<br>%{{y:.2f}} M tokens/s<extra></extra>",
            )
        )
    fig = go.Figure(
        traces,
        layout=_layout(
            "training throughput (forward + backward)", "sequence length T", "million tokens per second"
        ),
    )
    return fig.to_plotly_json()


def memory_figure(doc: dict, names: dict) -> dict:
    import plotly.graph_objects as go

    styles = _styles(doc)
    traces = []
    for mid in _measured(doc):
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
                **styles[mid],
                hovertemplate=f"{_name(names, mid)}<br>T=%{{x}}<br>%{{y:.2f}} GiB<extra></extra>",
            )
        )
    fig = go.Figure(
        traces,
        layout=_layout(
            "peak GPU memory of one forward + backward call (inputs included)",
            "sequence length T",
            "GiB",
            logy=False,
        ),
    )
    return fig.to_plotly_json()


def decode_figure(doc: dict, names: dict) -> dict:
    import plotly.graph_objects as go

    lengths = doc.get("config", {}).get("lengths") or [512, 131072]
    styles = _styles(doc)
    traces = []
    for mid in _measured(doc):
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
                **styles[mid],
                hovertemplate=f"{_name(names, mid)}<br>context T=%{{x}}<br>%{{y:.1f}} µs<extra></extra>",
            )
        )
    fig = go.Figure(
        traces,
        layout=_layout(
            "one decoding step at context length T (batch 1, 16 heads)",
            "context length T",
            "time per step (µs)",
        ),
    )
    return fig.to_plotly_json()


def model_figure(doc: dict, mid: str, name: str) -> dict | None:
    """The model's fwd and fwd+bwd curves beside the softmax baseline's, or None without points."""
    import plotly.graph_objects as go

    entry = doc["models"].get(mid, {})
    if entry.get("status") != "measured":
        return None
    traces = []
    ids = [mid] if mid == results.BASELINE else [results.BASELINE, mid]
    for other in ids:
        for mode, dash in (("fwd", "solid"), ("fwdbwd", "dot")):
            s = results.series(doc["models"].get(other, {}), mode, HEAD_DIM)
            if not s:
                continue
            label = ("softmax (cuDNN)" if other == results.BASELINE else name) + (
                " fwd" if mode == "fwd" else " fwd+bwd"
            )
            color = "#6b7280" if other == results.BASELINE and other != mid else "#2563eb"
            traces.append(
                go.Scatter(
                    x=sorted(s),
                    y=[round(s[T], 4) for T in sorted(s)],
                    name=label,
                    mode="lines+markers",
                    line=dict(color=color, dash=dash, width=2),
                    hovertemplate=f"{label}<br>T=%{{x}}<br>%{{y:.3f}} ms<extra></extra>",
                )
            )
    if not traces:
        return None
    fig = go.Figure(
        traces, layout=_layout(f"{name} vs softmax attention on the GPU", "sequence length T", "ms per call")
    )
    return fig.to_plotly_json()


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
    return f"from T = {_klen(c['T'])}{meet}"


def crossover_rows(doc: dict, names: dict) -> list[dict]:
    rows = []
    for mid in _measured(doc):
        if mid == results.BASELINE:
            continue
        fwd, bwd = (results.crossover(doc, mid, m) for m in ("fwd", "fwdbwd"))
        rows.append(
            {
                "id": mid,
                "name": _name(names, mid),
                "fwd": crossover_text(fwd),
                "fwdbwd": crossover_text(bwd),
                "ratio": None if fwd is None else fwd["ratio_at_longest"],
                "ratio_T": None if fwd is None else fwd["lengths"][-1],
            }
        )
    return rows


def tflops_rows(doc: dict) -> list[dict]:
    return [{**r, "T_text": _klen(r["T"])} for r in results.softmax_tflops(doc) if r["head_dim"] == HEAD_DIM]


def status_rows(doc: dict, names: dict, registry_ids: list[str]) -> list[dict]:
    """One row per model of the registry (and any extra id in the results), with why it has no numbers."""
    ids = list(registry_ids) + [m for m in doc["models"] if m not in registry_ids]
    rows = []
    for mid in ids:
        e = doc["models"].get(mid)
        if e is None:
            rows.append(
                {
                    "id": mid,
                    "name": _name(names, mid),
                    "status": "absent",
                    "text": "not in this result file",
                    "op": None,
                    "err": None,
                    "reason": None,
                }
            )
            continue
        err = min((c["rel_err"] for c in e.get("checks", []) if c.get("rel_err") is not None), default=None)
        rows.append(
            {
                "id": mid,
                "name": _name(names, mid),
                "status": e["status"],
                "text": STATUS_TEXT.get(e["status"], e["status"]),
                "op": e.get("op"),
                "err": err,
                "reason": why_not(e),
            }
        )
    return rows


def why_not(e: dict) -> str | None:
    """One sentence on what is missing for this model, or None when fully measured."""
    status = e.get("status")
    if status == "no_kernel":
        return e.get("note") or "no public fused kernel"
    if status == "failed_check":
        c = next((c for c in e.get("checks", []) if c.get("rel_err") is not None), {})
        return (
            f"its output differed from the float64 reference by {c.get('rel_err', float('nan')):.1e} "
            f"(tolerance {c.get('tolerance', 0):.0e}), so it was not timed"
        )
    if status == "timeout":
        return (
            "timed out: its worker reached the run's time limit before the first timing finished "
            "(compiling and autotuning this kernel's Triton code for a new shape takes minutes); "
            "a longer run will measure it"
        )
    if status in ("error", "crashed"):
        msg = (e.get("errors") or [""])[0] or next(
            (c.get("error") for c in e.get("checks", []) if c.get("error")), ""
        )
        return f"{STATUS_TEXT[status]}: {error_line(msg)}" if msg else STATUS_TEXT[status]
    if status == "not_run":
        return (
            "not measured: the session's 30 minutes of GPU time ran out before this kernel's turn "
            "(compiling and autotuning a Triton kernel took one to two minutes per model on a fresh machine)"
        )
    notes = []
    pts = [p for p in e.get("points", []) if p.get("status") == "ok"]
    failed = [p for p in pts if p.get("fwdbwd_error")]
    if failed:
        # "forward only" when the backward pass never ran; otherwise name the lengths where it failed
        where = (
            "forward only"
            if all(p.get("fwdbwd_ms") is None for p in pts)
            else "forward + backward failed at T = "
            + ", ".join(_klen(T) for T in sorted({p["T"] for p in failed}))
        )
        notes.append(f"{where}: " + error_line(failed[0]["fwdbwd_error"]))
    cut = [c["T"] for c in e.get("truncated", []) if c["head_dim"] == HEAD_DIM]
    if cut:
        notes.append(
            "T = "
            + ", ".join(_klen(T) for T in cut)
            + " not measured: the run's time ran out before "
            + ("them" if len(cut) > 1 else "it")
        )
        # a later run that tried again and died in a step says more than "ran out of time"
        for T, mode, why in results.died_at(e):
            if T in cut:
                notes.append(
                    f"a later run's worker hit its {why} while timing T = {_klen(T)} ({MODE_TEXT[mode]}): "
                    "compiling and autotuning this kernel's Triton code for a new length takes minutes"
                )
    return "; ".join(notes) or None


def error_line(msg: str, limit: int = 240) -> str:
    """A kernel's error as one readable line: the page shows it inside one HTML block, and a Triton
    CompilationError's message is a dump of kernel source (the full text stays in the JSON)."""
    kind = msg.split(":", 1)[0]
    if kind == "CompilationError":
        return "Triton raised a CompilationError compiling the kernel for this GPU (full message in the JSON)"
    line = " ".join(msg.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


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
    for mid in _measured(main):
        if other["models"].get(mid, {}).get("status") != "measured":
            continue
        row = {
            "id": mid,
            "name": _name(names, mid),
            **_side_by_side((other["models"][mid], HEAD_DIM), (main["models"][mid], HEAD_DIM), T),
        }
        if row["fwd"][2] or row["fwdbwd"][2]:
            rows.append(row)
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
        "median_fwd_ratio": ratios[len(ratios) // 2] if ratios else None,
        "softmax_top": tops,
    }


def head_dim_rows(doc: dict, names: dict, T: int = COMPARE_T) -> list[dict]:
    """Models also measured at another head dimension: time per call at T beside the head-dim-128 time.
    A smaller head shrinks the d x d state and the matmul width, so the ratio shows what a kernel's cost
    scales with."""
    rows = []
    for mid in _measured(doc):
        entry = doc["models"][mid]
        for D in sorted({p["head_dim"] for p in entry.get("points", [])} - {HEAD_DIM}):
            row = {"id": mid, "name": _name(names, mid), "D": D}
            row.update(_side_by_side((entry, D), (entry, HEAD_DIM), T))
            if row["fwd"][0] or row["fwdbwd"][0]:
                rows.append(row)
    return rows


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
                gpu="GPU",
            )
        )
    doc, _ = loaded
    entry = doc["models"].get(model.id) or _not_in_results(model)
    fig = None
    if entry is not None and entry.get("status") == "measured":
        figure = model_figure(doc, model.id, name)
        if figure is not None:
            fig = f"{DATA}/model-{model.id}.json"
            ctx.write_json(fig, figure)
    cross = None
    if entry is not None and entry.get("status") == "measured" and model.id != results.BASELINE:
        cross = {m: crossover_text(results.crossover(doc, model.id, m)) for m in ("fwd", "fwdbwd")}
    err = None
    if entry is not None:
        err = min(
            (c["rel_err"] for c in entry.get("checks", []) if c.get("rel_err") is not None), default=None
        )
    return Markup(
        ctx.render(
            "benchmarks_model.html.j2",
            m=model,
            entry=entry,
            fig=fig,
            reason=None if entry is None else why_not(entry),
            root=root,
            page=PAGE,
            doc=doc,
            cross=cross,
            err=err,
            gpu=_gpu(doc),
        )
    )


def _not_in_results(model) -> dict:
    """A model newer than the committed run: its registry binding says why it has no timing yet."""
    gk = model.gpu_kernel
    note = gk.note
    if gk.adapter is not None:
        note = f"added after the committed run; its kernel ({gk.op}) is timed next"
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
    "baseline",
    "margin",
    "others",
    "head_dims",
    "compare_T",
)


def generate(ctx) -> None:
    names = {m.id: m.name for m in ctx.registry.models}
    every = load_all(ctx.root)
    loaded = every[0] if every else None
    ctx._bench_results = loaded or False
    for m in ctx.registry.models:
        ctx.add_page_section(m.id, "GPU cost", model_section(ctx, m))
    if not loaded:
        ctx.write(PAGE, ctx.render("benchmarks.md.j2", doc=None, **{k: None for k in _PAGE_VARS}))
        ctx.add_nav("Benchmarks", PAGE)
        return
    doc, path = loaded
    figs = {
        "fwd": latency_figure(doc, names, "fwd"),
        "fwdbwd": latency_figure(doc, names, "fwdbwd"),
        "throughput": throughput_figure(doc, names),
        "memory": memory_figure(doc, names),
        "decode": decode_figure(doc, names),
    }
    for key, fig in figs.items():
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
            statuses=status_rows(doc, names, [m.id for m in ctx.registry.models]),
            runs=doc["runs"],
            config=doc["config"],
            gpu=_gpu(doc),
            tokens=_tokens(doc),
            n_measured=len(_measured(doc)),
            baseline=results.BASELINE,
            margin=results.MARGIN,
            others=others,
            head_dims=head_dim_rows(doc, names),
            compare_T=COMPARE_T,
        ),
    )
    ctx.add_nav("Benchmarks", PAGE)
