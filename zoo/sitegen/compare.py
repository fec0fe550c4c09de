"""What the compare page shows beside the mixing matrices: each model's equations, memory layout (what
decoding keeps, the badge the cards show), state size, cost row and GPU numbers, from the registry and the
newest committed benchmark results, rendered at build time.

    assets/data/compare/<id>.json    {"gpu": "...", "head_dim": 128, "lengths": [...], "facts": {...}}

One small file per model (KaTeX HTML is verbose), so the page fetches only the two to four it shows.

Equations and costs are KaTeX HTML (rendered here, so the page needs no TeX engine); GPU numbers are the
forward milliseconds per call at a few sequence lengths, the same numbers the Benchmarks page draws.
"""

from __future__ import annotations

from zoo.bench import results
from zoo.sitegen import bench_data, bench_tables

FACTS = "assets/data/compare"
LENGTHS = (2048, 32768, 131072)  # lengths every model was timed at: short, long and very long context


def gpu_facts(doc: dict | None, model_id: str) -> dict:
    """Forward and forward+backward ms at LENGTHS (None where not measured) and the decoding step in µs, or a
    short reason."""
    if doc is None:
        return {"status": "no results", "why": "no GPU results are committed"}
    entry = doc["models"].get(model_id)
    if entry is None:
        return {"status": "not_run", "why": bench_tables.STATUS_TEXT["not_run"]}
    status = entry.get("status")
    if status != "measured":
        return {"status": status, "why": bench_tables.STATUS_TEXT.get(status, "not measured")}
    out = {"status": status}
    for mode in ("fwd", "fwdbwd"):
        s = results.series(entry, mode, bench_data.HEAD_DIM)
        out[mode] = [s.get(T) for T in LENGTHS]
    # One decoding step: a recurrent model's costs the same at any context; one that reads a KV cache was
    # timed at several context lengths, shown at LENGTHS like the rows above.
    dec = entry.get("decode") or {}
    if dec.get("ms"):
        out["decode_us"] = round(dec["ms"] * 1000, 1)
    elif dec.get("points"):
        at = {p["T"]: p["ms"] for p in dec["points"]}
        out["decode_us_at"] = [round(at[T] * 1000, 1) if T in at else None for T in LENGTHS]
    return out


def model_facts(ctx, m, doc) -> dict:
    tex = ctx.tex.render
    eq = m.equations
    badge = ctx.env.get_template("_macros.html.j2").module.badge  # the badge cards and model pages show
    return {
        "layout": str(badge("layout", m.layout, ctx.registry.taxonomy.layout[m.layout])),
        "state_eq": tex(eq.state, display=False),
        "readout_eq": tex(eq.readout, display=False),
        "state": tex(m.cost.state, display=False),
        "train": tex(m.cost.train, display=False),
        "decode": tex(m.cost.decode, display=False),
        "gpu": gpu_facts(doc, m.id),
    }


def generate(ctx) -> None:
    loaded = bench_data.load_results(ctx.root)
    doc = loaded[0] if loaded else None
    gpu = bench_data.gpu_name(doc) if doc else None
    for m in ctx.registry.models:
        ctx.write_json(
            f"{FACTS}/{m.id}.json",
            {
                "gpu": gpu,
                "head_dim": bench_data.HEAD_DIM,
                "lengths": list(LENGTHS),
                "facts": model_facts(ctx, m, doc),
            },
        )
