"""What each model can remember: the Recall page and every model page's "What it can remember" section.

Every figure comes from kernels_wasm/_recall.py (write N key-value pairs with the model's own kernel, read
them back with the keys as queries) through kernels_wasm/_recall_figures.py, the code the browser's live
recall runs too:

    assets/data/figs/<id>-recall-{curves,forgetting,similarity}.json   the model page, at d = MODEL["d"]
    assets/data/recall/page-<name>.json                                 the Recall page's figures
    assets/data/recall/models.json                                      what the live recall offers
    assets/data/recall/mqar-*.json                                      trained on MQAR (zoo/sitegen/mqar.py)
    recall.md                                                           the Recall page
"""

from __future__ import annotations

from markupsafe import Markup

from zoo.sitegen import mqar, pyodide_assets
from zoo.sitegen.chart_style import COLORSCALE, SERIES
from zoo.sitegen.live import FIGS, SEED, defaults, py_value

DATA = "assets/data/recall"
STYLE = {"series": SERIES, "colorscale": COLORSCALE}
MODEL = {"d": 8}  # the model pages' and the live recall's default width: d_k = 8, N up to 32
PAGE_D = 16  # the Recall page's several-model figures: room for a forgetting curve over 16 ages
# The Recall page's cast: one model per behaviour the page explains, in the order the text takes them.
CAST = ("linear-attention", "deltanet", "retnet", "mamba-2", "swa", "transformer")
TEMPERATURE = "transformer"  # the softmax model whose slider sharpens the logits
OVERWRITE = ("linear-attention", "deltanet", "gated-deltanet", "transformer")


def unit_keys(m) -> bool:
    """Linear readouts read S k = v ||k||^2: unit keys make exact recall 1. A softmax readout keeps its keys'
    own length, its temperature (kernels_wasm/_recall.py)."""
    return m.readout != "softmax"


def _settings(m) -> dict:
    return {"unit_keys": unit_keys(m), **defaults(m)}


def _section(ctx, m, root: str, trained: mqar.Trained) -> Markup:
    return _probe(ctx, m, root) + mqar.model_part(ctx, trained, m, root)


def _probe(ctx, m, root: str) -> Markup:
    from kernels_wasm import _recall, _recall_figures

    params = defaults(m)
    try:
        figs = _recall_figures.model_figures(
            m.kernel.module, MODEL["d"], params, STYLE, seed=SEED, unit_keys=unit_keys(m)
        )
    except _recall.NotApplicable as err:
        return Markup(
            ctx.render("recall_section.html.j2", m=m, root=root, reason=str(err), figs=FIGS, s=None)
        )
    for name in ("curves", "forgetting", "similarity"):
        ctx.write_json(f"{FIGS}/{m.id}-recall-{name}.json", figs[name])
    return Markup(
        ctx.render(
            "recall_section.html.j2", m=m, root=root, reason=None, figs=FIGS, s=figs["summary"], params=params
        )
    )


def _page_figures(ctx) -> dict[str, str]:
    """The Recall page's figures, several models each; returns {name: data file}."""
    from kernels_wasm import _recall
    from kernels_wasm import _recall_figures as F

    by_id = ctx.registry.by_id
    # The page's text names each of these models: one renamed or unpublished would leave its curve out and
    # the text describing nothing, as the figures once did without a word.
    gone = sorted({*CAST, *OVERWRITE, TEMPERATURE} - set(by_id))
    if not gone and not by_id[TEMPERATURE].kernel.params:
        gone = [f"{TEMPERATURE} with a temperature slider"]
    if gone:
        from zoo.sitegen.build import BuildError  # (zoo.sitegen.build imports the generators)

        raise BuildError(
            f"Recall page: no published model {', '.join(gone)}; the page's figures and text are written "
            "about it: update CAST, OVERWRITE or TEMPERATURE in zoo/sitegen/recall.py and the page's text"
        )
    cast = [by_id[i] for i in CAST]
    out = {}

    series = []
    for m in cast:
        s = _recall.sweep(
            m.kernel.module, PAGE_D, F.n_grid(PAGE_D), SEED, geometry="orthogonal", **_settings(m)
        )
        series.append({"name": m.short_name, **s})
    out["curves"] = F.curves(series, PAGE_D, STYLE, title="recall vs N, orthogonal keys up to d<sub>k</sub>")

    soft = by_id[TEMPERATURE]
    p = soft.kernel.params[0]
    temps = []
    for value in (p.default, (p.default + p.max) / 2, p.max):
        params = {**_settings(soft), p.name: value}
        s = _recall.sweep(soft.kernel.module, PAGE_D, F.n_grid(PAGE_D), SEED, **params)
        temps.append({"name": f"{p.label} = {value:g}", **s})
    out["temperature"] = F.curves(temps, PAGE_D, STYLE, title=f"{soft.short_name}, random keys")

    forget = []
    for m in cast:
        r = _recall.recall(
            m.kernel.module, PAGE_D, PAGE_D, seed=SEED, geometry="orthogonal", reads=PAGE_D, **_settings(m)
        )
        forget.append({"name": m.short_name, "age": r["age"], "strength": r["strength"]})
    out["forgetting"] = F.forgetting(
        forget, STYLE, title="strength vs age, N = d<sub>k</sub> orthogonal keys"
    )

    bars_new, bars_old, names = [], [], []
    for m in (by_id[i] for i in OVERWRITE):
        # at the defaults, and with the first parameter at its slider's end (DeltaNet's beta = 1: a full edit)
        variants = [("", _settings(m))]
        if m.kernel.params and m.kernel.params[0].max != m.kernel.params[0].default:
            p = m.kernel.params[0]
            variants.append((f", {p.label} = {p.max:g}", {**_settings(m), p.name: py_value(p.max)}))
        for suffix, settings in variants:
            r = _recall.recall(
                m.kernel.module,
                PAGE_D // 2,
                PAGE_D,
                seed=SEED,
                geometry="orthogonal",
                repeat=True,
                **settings,
            )
            o, stored = r["out"][0], r["stored"]
            names.append(m.short_name + suffix)
            bars_new.append(round(float(o @ stored[0]), 4))
            bars_old.append(round(float(o @ stored[-1]), 4))
    # Horizontal bars: the model names read level on a phone (tilted under vertical bars, they ran into the
    # legend), first model on top.
    bar = {"type": "bar", "orientation": "h", "y": names}
    out["overwrite"] = {
        "data": [
            {**bar, "name": "new value", "x": bars_new, "marker": {"color": SERIES[0]}},
            {**bar, "name": "old value", "x": bars_old, "marker": {"color": SERIES[1]}},
        ],
        "layout": {
            "title": {"text": "key 1 written twice: what comes back"},
            "height": 120 + 34 * len(names),
            "barmode": "group",
            "xaxis": {"title": {"text": "strength o·v"}},
            "yaxis": {"autorange": "reversed", "automargin": True},
            "legend": {"orientation": "h", "y": 1, "yanchor": "bottom", "x": 0, "traceorder": "normal"},
            "margin": {"l": 10, "r": 10, "t": 60, "b": 50},
        },
    }
    files = {}
    for name, fig in out.items():
        files[name] = f"{DATA}/page-{name}.json"
        ctx.write_json(files[name], fig)
    return files


def _live_models(ctx) -> list[dict]:
    from kernels_wasm import _recall

    models = []
    for m in ctx.registry.models:
        reason = _recall.applies(m.kernel.module, MODEL["d"], **defaults(m))
        models.append(
            {
                "id": m.id,
                "name": m.name,
                "module": m.kernel.module,
                "unit_keys": unit_keys(m),
                "params": [{**p.model_dump(), "default": defaults(m)[p.name]} for p in m.kernel.params],
                "reason": reason,
            }
        )
    return models


# The equations the Recall page explains its curves with, rendered by KaTeX at build time.
EQUATIONS = {
    "read": r"o_j = \operatorname{read}\big(\mathcal{M}_{N+D},\ q = k_j\big),\qquad "
    r"\text{accuracy} = \tfrac{1}{N}\textstyle\sum_j \big[\arg\max_i \cos(o_j, v_i) = j\big]",
    "linear": r"S_N k_j = \sum_{i} v_i\, k_i^\top k_j = v_j + \sum_{i \ne j} (k_i^\top k_j)\, v_i",
    "delta": r"S_t = S_{t-1}\big(I - \beta_t k_t k_t^\top\big) + \beta_t v_t k_t^\top "
    r"\ \Rightarrow\ S_t k_t = (1 - \beta_t)\, S_{t-1} k_t + \beta_t v_t",
    "decay": r"S_t = \gamma_t S_{t-1} + v_t k_t^\top \ \Rightarrow\ "
    r"o_j \cdot v_j = \textstyle\prod_{s = j+1}^{t} \gamma_s"
    r" \;(= \gamma^{a} \text{ for a constant } \gamma)",
    "window": r"A_{tj} = 0 \ \text{ for }\ t - j \ge W",
    "softmax": r"o_j \cdot v_j = \frac{e^{\|k\|^2/\sqrt{d_k}}}{e^{\|k\|^2/\sqrt{d_k}} + "
    r"\sum_{i \ne j} e^{k_i^\top k_j/\sqrt{d_k}} + 1}",
}


def generate(ctx) -> None:
    trained = mqar.load(ctx)
    for m in ctx.registry.models:
        root = ctx.root_from(f"models/{m.id}.md")
        ctx.add_page_section(m.id, "What it can remember", _section(ctx, m, root, trained))
    files = _page_figures(ctx)
    ctx.write_json(f"{DATA}/models.json", {"defaults": {**MODEL, "seed": SEED}, "models": _live_models(ctx)})
    names = {m.id: m.name for m in ctx.registry.models}
    swa = ctx.registry.by_id.get("swa")  # the window the forgetting figure shows, as the registry sets it
    ctx.write(
        "recall.md",
        ctx.render(
            "recall.md.j2",
            files=files,
            eq={k: ctx.tex.render(v, display=True) for k, v in EQUATIONS.items()},
            names=names,
            data=DATA,
            d=PAGE_D,
            live_d=MODEL["d"],
            download_mb=pyodide_assets.download_mb(ctx.docs),
            window=defaults(swa).get("window") if swa else None,
            root=ctx.root_from("recall.md"),
            trained=mqar.page_part(ctx, trained),
        ),
    )
    ctx.add_nav("Recall", "recall.md")
