"""The home page: a hero that draws the one skeleton, the lineage graph's slot, the filters, and every model
as a compact card and as a row of a sortable table (the reader switches views; both are in the HTML).

The filters have one chip group per taxonomy facet (Taxonomy.facets()), with values and counts from the
registry. Models outside the skeleton (``outside_skeleton``) are left out of the filters, their counts and the
grid; they follow the grid (and the table's rows) in a group of their own, each with its reason.

Card and table formulas come from one SVG sprite (zoo/sitegen/tex_svg.py) so the page stays small: the full
equations, block diagram and live run are on each model page.
"""

from __future__ import annotations

import typing

import numpy as np
from markupsafe import Markup

from zoo.diagrams import blocks_of
from zoo.memory import layer_elements
from zoo.schema.blocks import MixerSizes, resolve_block
from zoo.schema.models import Model
from zoo.sitegen import tex_svg
from zoo.sitegen.context import state_label

SPRITE = "assets/math/home.svg"
# The reference point of the table's "state" column and of the state-size sort: one head after 4,096
# tokens, head dimension 128, a sliding window of 1,024 (the formulas are in the model's block spec).
REF_T, REF_D, REF_W = 4096, 128, 1024
# How the filter bar shows each taxonomy facet: (label, a short hint after it, the group's name for screen
# readers), in the bar's order: gates last, so its short row leaves room for the search box beside it. A
# facet missing here comes after these, labelled by its key, so a new facet shows up without an edit.
FACET_TEXT = {
    "readout": ("Readout", "", "Readout"),
    "decay": ("Decay", "has all", "Decay components (a model must have every selected one)"),
    "layout": ("Decoding keeps", "", "Memory layout: what decoding keeps"),
    "gates": ("Gates", "", "Gates"),
}

# Marks for the facets a card shows in short (templates/_macros.html.j2 card_badges), so its badges fit one
# line of a phone-wide card. Gates get a symbol: none, a fixed gate, a gate computed from the input; the
# filter bar's gate chips show the same symbols, as their legend. Layout values show their key ("state",
# "window"), which says it in one word; a value missing here shows its key too, so a new one needs no edit.
GATE_MARKS = {"none": "∅", "fixed": "γ", "input-dependent": "γ(x)"}
SHORT_FACETS = ("gates", "layout")


def short_marks(tax) -> dict[tuple[str, str], str]:
    """(facet, value) -> the mark a card shows instead of the value's label."""
    facets = tax.facets()
    marks = {}
    for facet in SHORT_FACETS:
        for value in facets.get(facet, {}):
            marks[(facet, value)] = GATE_MARKS.get(value, value) if facet == "gates" else value
    return marks


def generate(ctx) -> None:
    reg = ctx.registry
    models, related = list(reg.skeleton), list(reg.related)
    tax = reg.taxonomy
    defs, formulas = tex_svg.render(
        ctx.root,
        {
            **{f"eq-{m.id}": m.equations.state for m in reg.models},
            **{f"st-{m.id}": m.cost.state for m in reg.models},
        },
    )
    ctx.write(SPRITE, tex_svg.sprite(defs, formulas))
    numbers = state_numbers(reg)
    short = short_marks(tax)
    rows = []
    for order, m in enumerate(reg.models):
        eq_label = state_label(m)
        rows.append(
            {
                "m": m,
                "order": order,
                "first_author": surname(m.paper.authors[0]),
                "search": search_text(m),
                "eq_label": eq_label,
                "eq": tex_svg.use(formulas[f"eq-{m.id}"], SPRITE, f"{eq_label}: {m.equations.state}"),
                "state": tex_svg.use(formulas[f"st-{m.id}"], SPRITE, f"state per head: {m.cost.state}"),
                "numbers": numbers.get(m.id),
                "short": short,
                "numbers_text": human(numbers[m.id]) if m.id in numbers else "—",
            }
        )
    cards = {
        r["m"].id: Markup(ctx.render("card.html.j2", r=r, m=r["m"], slots=ctx.card_slots.get(r["m"].id, [])))
        for r in rows
    }
    grid = {
        (readout, decay): sum(m.readout == readout and decay in m.decay for m in models)
        for readout in tax.readouts
        for decay in tax.decay
    }
    skeleton_ids = {m.id for m in models}
    ctx.write(
        "index.md",
        ctx.render(
            "zoo.md.j2",
            models=models,
            related=related,
            rows=[r for r in rows if r["m"].id in skeleton_ids],
            related_rows=[r for r in rows if r["m"].id not in skeleton_ids],
            cards=cards,
            filters=filter_groups(tax, models),
            grid=grid,
            memory=memory_picture(),
            ref={"T": REF_T, "d": REF_D, "W": REF_W},
            first_year=min(m.year for m in models),
            last_year=max(m.year for m in models),
        ),
    )
    ctx.add_nav("The zoo", "index.md")


def is_multi(facet: str) -> bool:
    """Whether a model may have several values of this facet (its field is a list, as decay is)."""
    field = Model.model_fields.get(facet)
    return field is not None and typing.get_origin(field.annotation) is list


def values_of(m: Model, facet: str) -> list[str]:
    value = getattr(m, facet)
    return list(value) if is_multi(facet) else [value]


def filter_groups(tax, models: list[Model]) -> list[dict]:
    """One filter group per taxonomy facet: its values, and how many of ``models`` have each."""
    facets = tax.facets()
    order = [k for k in FACET_TEXT if k in facets] + [k for k in facets if k not in FACET_TEXT]
    groups = []
    for key in order:
        label, hint, name = FACET_TEXT.get(key, (key.capitalize(), "", key.capitalize()))
        groups.append(
            {
                "key": key,
                "label": label,
                "hint": hint,
                "aria": name,
                "multi": is_multi(key),
                "values": facets[key],
                "counts": {v: sum(v in values_of(m, key) for m in models) for v in facets[key]},
                # the gate chips show the cards' gate marks: the legend of those marks
                "marks": {v: GATE_MARKS.get(v, v) for v in facets[key]} if key == "gates" else {},
            }
        )
    return groups


def surname(author: str) -> str:
    """'Songlin Yang' -> 'Yang'; a group author ('Kimi Team') stays whole."""
    return author if author.endswith((" Team", " team")) else author.split()[-1]


def search_text(m) -> str:
    """What the card search matches: names, summary, paper title, authors, venue and year."""
    parts = [m.name, m.short_name, m.summary, m.paper.title, *m.paper.authors, m.venue or "preprint"]
    return " ".join([*parts, str(m.year)]).lower()


def state_numbers(reg) -> dict[str, int]:
    """Numbers one head keeps at the reference point, from each model's block memory spec."""
    blocks = blocks_of(reg)
    sizes = MixerSizes(heads=1, head_dim=REF_D, d_inner=REF_D)
    windowed = sizes.model_copy(update={"window": REF_W})  # only a sliding-window mixer has one
    out = {}
    for m in reg.models:
        if m.id not in blocks:
            continue
        memory = resolve_block(m.id, blocks).memory
        if memory is not None:
            per = layer_elements(memory, windowed if memory.kind == "kv_window" else sizes, REF_T)
            out[m.id] = per.kv + per.state
    return out


def human(n: int) -> str:
    """16384 -> '16 K', 1048576 -> '1.0 M' (decimal prefixes: counts of numbers, not bytes)."""
    if n >= 1_000_000:
        return f"{n / 1e6:.1f} M"
    if n >= 1_000:
        return f"{n / 1e3:.0f} K"
    return str(n)


def memory_picture(size: int = 5, steps: int = 6, decay: float = 0.7, seed: int = 3) -> list[list[float]]:
    """A small decayed sum of outer products S = sum_j decay^(t-j) v_j k_j^T for the hero figure, scaled
    to [-1, 1]: a real memory, not a decorative pattern."""
    rng = np.random.default_rng(seed)
    k = rng.standard_normal((steps, size))
    v = rng.standard_normal((steps, size))
    weights = decay ** np.arange(steps)[::-1]
    state = np.einsum("t,ti,tj->ij", weights, v, k)
    return (state / np.abs(state).max()).round(3).tolist()
