"""The Benchmarks page's figures and each model page's own curve, as Plotly figure JSON in the site's chart
template (zoo/sitegen/chart_style.py), drawn by docs/assets/js/figures.js."""

from __future__ import annotations

from zoo.bench import results
from zoo.sitegen import chart_style
from zoo.sitegen.bench_data import HEAD_DIM, MODE_TEXT, klen, measured_ids, model_name
from zoo.sitegen.bench_rates import limits, rate_rows

POWERS = [2**k for k in range(6, 21)]  # 64 .. 1M: x-axis ticks


def _layout(title: str, xtitle: str, ytitle: str, logy: bool = True) -> dict:
    return dict(
        template=chart_style.template(),
        title=dict(text=title),
        # powers of 2 named as in the tables (512, 1K, ... 128K): short enough to stay level on a phone
        xaxis=dict(title=dict(text=xtitle), type="log", tickvals=POWERS, ticktext=[klen(T) for T in POWERS]),
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
    return chart_style.model_styles(measured_ids(doc), registry, results.BASELINE)


def _in_legend_order(doc: dict, style: dict) -> list[str]:
    """Measured models, the baseline first, then family by family (the legend groups them)."""
    order = list(style)
    return sorted(measured_ids(doc), key=lambda m: order.index(m) if m in order else len(order))


def _point_curves(
    doc: dict, names: dict, style: dict, field: str, y, hover: str, batch: bool = False
) -> list:
    """One trace per measured model, in legend order, through its head-dim-128 points that have `field`:
    y(point) against T; the hover names the model, T (and the batch B) and `hover`, the y value's text."""
    import plotly.graph_objects as go

    traces = []
    for mid in _in_legend_order(doc, style):
        pts = [
            p
            for p in doc["models"][mid]["points"]
            if p.get("head_dim") == HEAD_DIM and p.get("status") == "ok" and p.get(field)
        ]
        if not pts:
            continue
        name = model_name(names, mid)
        where = "T=%{x}, B=%{customdata}" if batch else "T=%{x}"
        traces.append(
            go.Scatter(
                x=[p["T"] for p in pts],
                y=[y(p) for p in pts],
                customdata=[p["B"] for p in pts] if batch else None,
                name=name,
                mode="lines+markers",
                **style[mid],
                hovertemplate=f"{name}<br>{where}<br>{hover}<extra></extra>",
            )
        )
    return traces


def latency_figure(doc: dict, names: dict, style: dict, mode: str) -> dict:
    import plotly.graph_objects as go

    what = MODE_TEXT[mode]
    ms = f"{mode}_ms"
    traces = _point_curves(doc, names, style, ms, lambda p: round(p[ms], 4), "%{y:.3f} ms", batch=True)
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

    def mtok(p):
        return round(results.tokens_per_s(p, "fwdbwd") / 1e6, 3)

    traces = _point_curves(doc, names, style, "fwdbwd_ms", mtok, "%{y:.2f} M tokens/s")
    fig = go.Figure(
        traces,
        layout=_layout(
            "training throughput (forward + backward)", "sequence length T", "million tokens per second"
        ),
    )
    return _json(fig)


def memory_figure(doc: dict, names: dict, style: dict) -> dict:
    import plotly.graph_objects as go

    def gib(p):
        return round(p["fwdbwd_peak_bytes"] / 2**30, 3)

    traces = _point_curves(doc, names, style, "fwdbwd_peak_bytes", gib, "%{y:.2f} GiB")
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
                name=model_name(names, mid),
                mode="lines+markers" if dec["kind"] == "kv_cache" else "lines",
                **style[mid],
                hovertemplate=f"{model_name(names, mid)}<br>context T=%{{x}}<br>%{{y:.1f}} µs<extra></extra>",
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
                customdata=[klen(T) for T, _ in pts],
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
