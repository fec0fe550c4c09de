"""Hybrid stacks: a hybrid's layers as a column of rows (mixer box + feed-forward box), shared renderer.

Glossary
--------
row      one run of identical consecutive layers: [mixer] [FFN] ×count
group    a repeated unit of rows (a StackGroup with repeat > 1), marked by a bracket and "×repeat"
run      consecutive identical layers collapsed into one row (pattern stacks such as 'M-M--' collapse '--')

Rows are read top to bottom (input at the top), like the block diagrams. Mixer boxes carry the address of
that mixer's page (data-href) and take the readout colour of the cards; FFN boxes say MLP or MoE; a dashed
border marks a block whose weights are shared between its applications (Zamba).
"""

from __future__ import annotations

from html import escape

from zoo.diagrams.layout import FONT, FONT_SMALL, MARGIN, PAD_X, Box, Layout, find_overlaps, text_width
from zoo.diagrams.render import SCALE, STYLE
from zoo.schema.blocks import HybridLayer, HybridSpec

ROW_H = 22.0
ROW_GAP = 4.0
GROUP_GAP = 10.0
FFN_W = 46.0
BRACKET_W = 32.0


def _rows(hybrid: HybridSpec) -> list[tuple[int, list[tuple[HybridLayer, int]]]]:
    """[(repeat, [(layer, count), ...]), ...]: groups of rows with runs collapsed."""
    if hybrid.pattern is not None:
        groups = [(1, [lay.model_copy() for lay in hybrid.layers()])]
    else:
        groups = [(g.repeat, [lay for lay in g.layers]) for g in hybrid.stack or []]
    out = []
    for repeat, layers in groups:
        if hybrid.layer_unit == "sublayer":
            layers = _pair_sublayers(layers)
        rows: list[tuple[HybridLayer, int]] = []
        for lay in layers:
            key = lay.model_copy(update={"count": 1})
            if rows and rows[-1][0] == key:
                rows[-1] = (key, rows[-1][1] + lay.count)
            else:
                rows.append((key, lay.count))
        out.append((repeat, rows))
    return out


def _pair_sublayers(layers: list[HybridLayer]) -> list[HybridLayer]:
    """Draw a mixer sublayer and the FFN sublayer right after it on one row (display only: the paper still
    counts them as two layers), so pattern stacks like 'M-M-M--' take half the height."""
    out: list[HybridLayer] = []
    for lay in layers:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.mixer
            and prev.ffn is None
            and lay.mixer is None
            and lay.ffn
            and prev.count == 1
            and lay.count == 1
        ):
            out[-1] = prev.model_copy(update={"ffn": lay.ffn})
        else:
            out.append(lay)
    return out


def _mixer_text(lay: HybridLayer, models: dict, parallel: bool = False) -> str:
    """The box text of a layer's mixer (or of the mixer beside it): the stack's label, else the short name."""
    label, mixer = (lay.parallel_label, lay.parallel) if parallel else (lay.label, lay.mixer)
    if label:
        return label
    m = models.get(mixer)
    return getattr(m, "short_name", None) or mixer


def _mixer_box(box_id: str, lay: HybridLayer, models: dict, width: float, parallel: bool = False) -> Box:
    mixer = lay.parallel if parallel else lay.mixer
    m = models.get(mixer)
    name = getattr(m, "name", mixer)
    shared = " (weights shared between its applications)" if lay.shared else ""
    beside = " beside the other mixer of this layer, on the same input" if lay.parallel else ""
    reuses = "; it reads the KV cache a layer below keeps and keeps none itself" if lay.reuses_cache else ""
    b = Box(
        box_id,
        "mixer",
        "layer",
        [_mixer_text(lay, models, parallel)],
        f"{name} layer{shared}{beside}{reuses}",
        width,
        ROW_H,
        sizes=[FONT],
    )
    readout = getattr(m, "readout", None)
    b.extra = {"readout": readout, "href": f"models/{mixer}/", "mixer": mixer, "shared": lay.shared}
    return b


def _terminal(box_id: str, label: str, note: str, x: float, y: float) -> Box:
    """The small caption box at the top (embeddings) or bottom (LM head) of a stack."""
    box = Box(
        box_id,
        "terminal",
        "terminal",
        [label],
        note,
        text_width(label, FONT_SMALL) + 4,
        14.0,
        sizes=[FONT_SMALL],
    )
    box.x, box.y = x, y
    return box


def stack_layout(hybrid: HybridSpec, models: dict) -> Layout:
    """Boxes for every row; ``models`` maps zoo ids to registry models (for names and readouts)."""
    groups = _rows(hybrid)
    texts = [_mixer_text(lay, models) for _, rows in groups for lay, _ in rows if lay.mixer]
    mixer_w = max([text_width(t) + 2 * PAD_X for t in texts] + [96.0])
    # a second column of mixer boxes for layers that run two mixers side by side (Falcon-H1)
    beside = [_mixer_text(lay, models, True) for _, rows in groups for lay, _ in rows if lay.parallel]
    par_w = max([text_width(t) + 2 * PAD_X for t in beside], default=0.0)
    any_bracket = any(rep > 1 for rep, _ in groups)
    x0 = MARGIN + (BRACKET_W if any_bracket else 0)
    boxes: list[Box] = []
    y = MARGIN
    boxes.append(_terminal("input", "input embeddings", "Token embeddings enter here.", x0, y))
    y += 14.0 + ROW_GAP
    for gi, (repeat, rows) in enumerate(groups):
        g_top = y
        for ri, (lay, count) in enumerate(rows):
            rid = f"g{gi}r{ri}"
            x = x0
            if lay.mixer:
                b = _mixer_box(rid + "m", lay, models, mixer_w)
                b.x, b.y = x, y
                boxes.append(b)
            x += mixer_w + 6
            if par_w:
                if lay.parallel:
                    b = _mixer_box(rid + "p", lay, models, par_w, parallel=True)
                    b.x, b.y = x, y
                    boxes.append(b)
                x += par_w + 6
            if lay.ffn:
                label = "MoE" if lay.ffn == "moe" else "MLP"
                what = "Mixture-of-experts feed-forward" if lay.ffn == "moe" else "Feed-forward MLP"
                b = Box(rid + "f", lay.ffn, "ffn", [label], what, FFN_W, ROW_H, sizes=[FONT])
                b.extra = {"shared": lay.shared}
                b.x, b.y = x, y
                boxes.append(b)
            x += FFN_W + 6
            if count > 1:
                t = f"×{count}"
                b = Box(
                    rid + "c",
                    "count",
                    "terminal",
                    [t],
                    f"{count} consecutive layers",
                    text_width(t, FONT) + 4,
                    ROW_H,
                    sizes=[FONT],
                )
                b.x, b.y = x, y
                boxes.append(b)
            y += ROW_H + ROW_GAP
        if repeat > 1:
            t = f"×{repeat}"
            b = Box(
                f"g{gi}",
                "repeat",
                "bracket",
                [t],
                f"the rows beside this bracket repeat {repeat} times",
                BRACKET_W - 6,
                y - ROW_GAP - g_top,
                sizes=[FONT],
            )
            b.x, b.y = MARGIN, g_top
            boxes.append(b)
        y += GROUP_GAP - ROW_GAP
    boxes.append(_terminal("output", "output (LM head)", "Final norm and language-model head.", x0, y))
    width = max(b.x + b.w for b in boxes) + MARGIN
    return Layout(width, y + 14.0 + MARGIN, boxes, [])


def describe_stack(hybrid: HybridSpec, models: dict) -> str:
    parts = []
    for repeat, rows in _rows(hybrid):
        items = []
        for lay, count in rows:
            sides = [False, True] if lay.parallel else [False]
            mixers = " ∥ ".join(_mixer_text(lay, models, side) for side in sides) if lay.mixer else ""
            what = " + ".join(x for x in (mixers or None, (lay.ffn or "").upper() or None) if x)
            items.append(f"{count} × {what}" if count > 1 else what)
        text = ", ".join(items)
        parts.append(f"{repeat} times: [{text}]" if repeat > 1 else text)
    counts = {}
    for lay in hybrid.layers():
        for mixer in lay.mixer_ids():
            counts[mixer] = counts.get(mixer, 0) + 1
    total = ", ".join(f"{c} {getattr(models.get(m), 'name', m)}" for m, c in counts.items())
    return f"Layer stack of {hybrid.name}, top to bottom: " + "; ".join(parts) + f". Mixer layers: {total}."


def render_stack_svg(
    hybrid: HybridSpec,
    registry,
    size: str = "page",
    link_prefix: str = "",
    check: bool = True,
    embed_style: bool = True,
) -> str:
    """SVG of a hybrid's layer stack; mixer boxes link to ``link_prefix + models/<id>/``."""
    models = (
        {m.id: m for m in getattr(registry, "all_models", ())} if not isinstance(registry, dict) else registry
    )
    lay = stack_layout(hybrid, models)
    if check:
        problems = find_overlaps(lay)
        if problems:
            raise RuntimeError(f"stack of '{hybrid.id}' has layout problems: {'; '.join(problems)}")
    label = describe_stack(hybrid, models)
    scale = SCALE[size] * 0.8
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="zb zb-stack" viewBox="0 0 {lay.width:.1f} '
        f'{lay.height:.1f}" width="{lay.width * scale:.0f}" height="{lay.height * scale:.0f}" '
        f'role="group" aria-label="{escape(label)}" data-hybrid="{escape(hybrid.id)}">',
        f"<title>{escape(label)}</title>",
    ] + ([f"<style>{STYLE}</style>"] if embed_style else [])
    for b in lay.boxes:
        out.append(_stack_box(b, link_prefix))
    out.append("</svg>")
    return "".join(out)


def _stack_box(b: Box, prefix: str) -> str:
    ty = b.y + b.h / 2 + 3.8
    if b.shape == "terminal":
        return (
            f'<text class="zb-term" x="{b.x + 2:.1f}" y="{ty:.1f}" font-size="{b.sizes[0]}">'
            f"{escape(b.lines[0])}</text>"
        )
    if b.shape == "bracket":
        x1 = b.x + b.w
        return (
            f'<g class="zb-repeat" data-repeat="{escape(b.lines[0])}"><title>{escape(b.desc)}</title>'
            f'<path class="zb-wire" d="M{x1:.1f},{b.y:.1f} L{x1 - 5:.1f},{b.y:.1f} L{x1 - 5:.1f},'
            f'{b.y + b.h:.1f} L{x1:.1f},{b.y + b.h:.1f}"/>'
            f'<text x="{b.x:.1f}" y="{b.y + b.h / 2 + 4:.1f}" font-size="{FONT}">'
            f"{escape(b.lines[0])}</text></g>"
        )
    dash = ' stroke-dasharray="4 3"' if b.extra.get("shared") else ""
    if b.shape == "layer":
        ro = b.extra.get("readout") or "linear"
        col = f"var(--zoo-readout-{ro})"
        tip = f"{b.lines[0]}: {b.desc}"
        # Not an SVG <a>: Material's instant navigation rewrites link hrefs, which SVG anchors do not allow.
        # The page lists the same links as HTML under the stack; calculator.js makes the boxes clickable.
        return (
            f'<g class="zb-op zb-mixer" data-href="{escape(prefix + b.extra["href"])}" data-op="mixer" '
            f'data-mixer="{escape(b.extra["mixer"])}"><title>{escape(tip)}</title>'
            f'<rect class="zb-box" x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" '
            f'rx="4" style="fill:{col};fill-opacity:.16;stroke:{col};stroke-width:1.4"{dash}/>'
            f'<text x="{b.cx:.1f}" y="{ty:.1f}" font-size="{FONT}" text-anchor="middle">'
            f"{escape(b.lines[0])}</text></g>"
        )
    # feed-forward box
    return (
        f'<g class="zb-op zb-ffn" data-op="{escape(b.op)}"><title>{escape(b.desc)}</title>'
        f'<rect class="zb-box" x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" '
        f'rx="4"{dash}/><text x="{b.cx:.1f}" y="{ty:.1f}" font-size="{FONT}" text-anchor="middle">'
        f"{escape(b.lines[0])}</text></g>"
    )
