"""The Hybrids page: every hybrid stack of zoo mixers, and its memory calculator. Writes:
hybrids.md                      every hybrid stack (render_stack_svg), its composition and memory table
assets/data/hybrids.json        the calculator's inputs: each mixer's memory spec and each stack's sizes
"""

from __future__ import annotations

from markupsafe import Markup

from zoo.diagrams import blocks_of
from zoo.diagrams.render import render_stack_svg
from zoo.memory import DTYPE_BYTES, all_attention_bytes, calculator_data, human_bytes, stack_bytes
from zoo.schema.blocks import resolve_block

PAGE = "hybrids.md"
DATA = "assets/data/hybrids.json"
TABLE_CONTEXTS = [4096, 32768, 131072, 1048576]


def generate(ctx) -> None:
    reg = ctx.registry
    blocks = blocks_of(reg)
    memory_of = {}  # model id -> what one layer of its mixer keeps per sequence
    for m in reg.models:
        if m.id in blocks:
            memory = resolve_block(m.id, blocks).memory
            if memory is not None:
                memory_of[m.id] = memory

    hybrids = list(reg.hybrids)
    if not hybrids:
        return
    root = ctx.root_from(PAGE)
    rows = []
    for h in hybrids:
        paper = (
            h.paper
            if h.paper is not None
            else (reg.by_id[h.paper_from].paper if h.paper_from in reg.by_id else None)
        )
        link = None
        if paper is not None:
            link = f"https://arxiv.org/abs/{paper.arxiv}" if paper.arxiv else paper.url
        usable = all(m in memory_of for lay in h.layers() for m in lay.mixer_ids())
        table = []
        if usable:
            for T in TABLE_CONTEXTS:
                mem = stack_bytes(h, memory_of, T, "bf16")
                base = all_attention_bytes(h, memory_of, T, "bf16")
                table.append(
                    {
                        "T": T,
                        "T_short": f"{T // 1024**2}M" if T >= 1024**2 else f"{T // 1024}K",
                        "kv": human_bytes(mem["kv"]),
                        "state": human_bytes(mem["state"]),
                        "base": human_bytes(base),
                        "kv_bytes": mem["kv"],
                        "state_bytes": mem["state"],
                        "base_bytes": base,
                    }
                )
        rows.append(
            {
                "h": h,
                "paper": paper,
                "link": link,
                "table": table,
                # an all-attention stack keeps no recurrent state: its column would be all zeros
                "has_state": any(t["state_bytes"] for t in table),
                "svg": Markup(render_stack_svg(h, reg, size="page", link_prefix=root, embed_style=not rows)),
                "composition": composition(h, reg.by_id),
                "mixers": [
                    reg.by_id[mid]
                    for mid in dict.fromkeys(m for lay in h.layers() for m in lay.mixer_ids())
                    if mid in reg.by_id
                ],
            }
        )
    models = [(m.id, m.name, m.short_name, m.readout) for m in reg.models]
    ctx.write_json(DATA, calculator_data(hybrids, memory_of, models))
    ctx.write(
        PAGE,
        ctx.render(
            "hybrids.md.j2",
            rows=rows,
            root=root,
            contexts=TABLE_CONTEXTS,
            dtypes=list(DTYPE_BYTES),
            data=root + DATA,
        ),
    )
    ctx.add_nav("Hybrids", PAGE)


def composition(h, by_id) -> list[dict]:
    """Share of sublayers per kind, for the proportion bar: mixers by zoo id and the stack's own label for
    them (gpt-oss's 'Sliding-128 GQA + sinks' and 'Full GQA + sinks' are one zoo mixer in two settings), then
    MLP and MoE. A mixer without a label is named by its zoo name."""
    counts: dict[tuple, int] = {}
    for lay in h.layers():
        for key in ((lay.mixer, lay.label), (lay.parallel, lay.parallel_label), (lay.ffn, None)):
            if key[0]:
                counts[key] = counts.get(key, 0) + 1
    total = sum(counts.values())
    out = []
    for (key, own), c in counts.items():
        m = by_id.get(key)
        label = own or (m.name if m else {"moe": "MoE", "mlp": "MLP"}.get(key, key))
        out.append(
            {
                "key": key,
                "label": label,
                "count": c,
                "pct": round(100 * c / total),
                "readout": m.readout if m else None,
            }
        )
    return out
