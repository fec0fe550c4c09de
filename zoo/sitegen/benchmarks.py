"""The Benchmarks page and the "GPU cost" section of every model page, from the committed benchmarks/*.json.

Everything shown comes from the result files: bench_data reads them, bench_rates sets each kernel against
the hardware's limits, bench_figures draws, bench_tables writes the tables and the sentences saying why a
model has no numbers (no public kernel, failed its correctness check, not measured yet, ...). This module
puts them on the pages.
"""

from __future__ import annotations

from markupsafe import Markup

from zoo.bench import results
from zoo.sitegen import chart_style
from zoo.sitegen.bench_data import (
    COMPARE_T,
    DATA,
    HEAD_DIM,
    PAGE,
    RATE_T,
    gpu_name,
    klen,
    latest_date,
    load_all,
    load_results,
    measured_ids,
    shown_head_dim,
    tokens_text,
)
from zoo.sitegen.bench_figures import (
    curve_styles,
    decode_figure,
    latency_figure,
    memory_figure,
    model_figure,
    roofline_figure,
    throughput_figure,
)
from zoo.sitegen.bench_rates import limits, rate_rows
from zoo.sitegen.bench_tables import (
    comparison,
    crossover_rows,
    crossover_text,
    head_dim_rows,
    head_dims_elsewhere,
    measured_elsewhere,
    status_rows,
    tflops_rows,
    why_not,
)


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
        older = next((o for o in _others(ctx) if model.id in measured_ids(o)), None)
        if older is not None:
            main_gpu, doc = gpu_name(doc), older
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
            reason=why_not(entry, measured_elsewhere(model.id, _others(ctx)), gpu_name(doc)),
            root=root,
            page=PAGE,
            doc=doc,
            cross=cross,
            err=err,
            note=note,
            gpu=gpu_name(doc),
            main_gpu=main_gpu,
            date=latest_date(doc)[:10],
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
            gpu=gpu_name(doc),
            tokens=tokens_text(doc),
            n_measured=len(measured_ids(doc)),
            n_curves=len(figs["fwd"]["data"]),  # fewer when a model was timed only with smaller heads
            baseline=results.BASELINE,
            margin=results.MARGIN,
            others=others,
            head_dims=head_dim_rows(doc, names),
            compare_T=COMPARE_T,
            rates=rate_rows(doc, names),
            rate_T=[{"T": T, "text": klen(T)} for T in RATE_T],
            limit=limits(doc)[None],
        ),
    )
    ctx.add_nav("Benchmarks", PAGE)
