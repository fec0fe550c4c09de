"""Render layouts to SVG: real text, a <title> and aria-label in words, colours from CSS variables.

Colours come from CSS custom properties so diagrams follow the site's light/dark palette. The readout and
decay colours are the taxonomy's (Taxonomy.css_vars, defined for the site in facets.css); a standalone file
(``zoo block <id>``) carries them in its own <style>:

    --zoo-readout-<readout id>   mixer box fill/stroke: the cards' readout colour
    --zoo-decay-<decay id>       decay tags on the mixer box, one per decay type of the taxonomy
    --zoo-diagram-proj | -conv | -act | -norm | -ffn    fills of the other op families
    --zoo-diagram-wire, --zoo-diagram-text              wires and text

Each op is a group (data-op, <title>); hovering it, or on the model page tapping or focusing it
(tabindex=0 there), shows its description in a caption strip under the diagram (pure CSS, in the embedded
<style>). Card-size diagrams are not tab stops: a page of cards would otherwise hold hundreds of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from zoo.diagrams.layout import (
    FONT,
    FONT_SMALL,
    MARGIN,
    TAG_FONT,
    TAG_GAP,
    TAG_H,
    Box,
    Layout,
    caption_text,
    find_overlaps,
    layout_block,
    tag_widths,
    text_width,
    wrap,
)
from zoo.schema.blocks import INPUT, BlockSpec, ResolvedBlock, resolve_block

FAMILY = {
    "linear": "proj",
    "gate": "proj",
    "conv": "conv",
    "shift": "conv",
    "activation": "act",
    "feature_map": "act",
    "rotary": "act",
    "norm": "norm",
    "l2norm": "norm",
    "ffn": "ffn",
    "moe": "ffn",
}
FAMILY_RGB = {
    "proj": "59,130,246",
    "conv": "13,148,136",
    "act": "202,138,4",
    "norm": "100,116,139",
    "ffn": "219,39,119",
}
SCALE = {"card": 1.0, "page": 1.4}

STYLE = (
    ".zb{font-family:var(--md-text-font-family,system-ui),system-ui,-apple-system,'Segoe UI',Roboto,"
    "Helvetica,Arial,sans-serif;max-width:100%;height:auto}"
    ".zb text{fill:var(--zoo-diagram-text,var(--md-default-fg-color,#1f2937))}"
    ".zb .zb-wire{fill:none;stroke:var(--zoo-diagram-wire,var(--md-default-fg-color--light,#6b7280));"
    "stroke-width:1.2}"
    ".zb .zb-skip{stroke-dasharray:none;opacity:.75}"
    ".zb .zb-arrow{fill:var(--zoo-diagram-wire,var(--md-default-fg-color--light,#6b7280))}"
    ".zb .zb-box{stroke-width:1}"
    ".zb .zb-circle{fill:var(--md-default-bg-color,#fff);stroke:var(--zoo-diagram-wire,"
    "var(--md-default-fg-color--light,#6b7280))}"
    + "".join(
        f".zb .zb-{f} .zb-box{{fill:var(--zoo-diagram-{f},rgba({rgb},.14));stroke:rgba({rgb},.8)}}"
        for f, rgb in FAMILY_RGB.items()
    )
    + ".zb .zb-op{cursor:help;outline:none}"
    ".zb .zb-op:hover .zb-box,.zb .zb-op:focus .zb-box,.zb .zb-op:hover .zb-circle,"
    ".zb .zb-op:focus .zb-circle{stroke-width:2.4}"
    ".zb .zb-op:focus-visible .zb-box,.zb .zb-op:focus-visible .zb-circle{stroke:var(--md-accent-fg-color,"
    "#2563eb)}"
    ".zb .zb-cap,.zb .zb-tip{visibility:hidden}"
    ".zb .zb-hint{visibility:visible;opacity:.7}"
    ".zb .zb-op:hover .zb-cap,.zb .zb-op:focus .zb-cap{visibility:visible}"
    ".zb:focus-within .zb-op:not(:focus) .zb-cap{visibility:hidden}"
    ".zb:has(.zb-op:hover) .zb-hint,.zb:focus-within .zb-hint{visibility:hidden}"
    ".zb .zb-mixer .zb-name{font-weight:600}"
    ".zb a:hover .zb-box,.zb a:focus .zb-box{stroke-width:2.4}"
)


def diagram_css() -> str:
    """The diagram stylesheet (also embedded in every SVG so a lone file works)."""
    return STYLE


def _model_attr(model, name: str, default=None):
    return getattr(model, name, None) if not isinstance(model, Mapping) else model.get(name, default)


def _resolve(model_id: str, spec) -> ResolvedBlock:
    """Accept a ResolvedBlock, a self-contained BlockSpec, a mapping id -> BlockSpec, or a Registry."""
    if isinstance(spec, ResolvedBlock):
        return spec
    if isinstance(spec, BlockSpec):
        return resolve_block(model_id, {model_id: spec})
    if hasattr(spec, "all_models"):
        spec = {m.id: m.block for m in spec.all_models if getattr(m, "block", None) is not None}
    if model_id not in spec:
        raise KeyError(f"model '{model_id}' has no block spec")
    return resolve_block(model_id, spec)


def _mixer_lines(model, block: ResolvedBlock) -> dict[str, list[str]]:
    mixers = [op for op in block.ops if op.op == "mixer"]
    name = _model_attr(model, "name") or _model_attr(model, "id")
    if text_width(name, FONT + 0.5, bold=True) > 170:
        name = _model_attr(model, "short_name") or name
    out = {}
    for i, op in enumerate(mixers):
        main = i == len(mixers) - 1
        lines = [op.label or name]
        if main and block.recurrence:
            lines.append(block.recurrence)
        elif op.kind:
            lines.append(op.kind)
        out[op.id] = lines
    return out


def block_layout(model, spec, caption_width: float = 240.0) -> tuple[Layout, ResolvedBlock]:
    """Resolve the spec and lay it out, with decay tags on the main mixer and a caption strip."""
    block = _resolve(_model_attr(model, "id"), spec)
    lines = _mixer_lines(model, block)
    decays = list(_model_attr(model, "decay") or [])
    mixers = [op.id for op in block.ops if op.op == "mixer"]
    tags = {mixers[-1]: [_decay_label(d) for d in decays]} if mixers and decays else {}
    lay = layout_block(
        block.ops,
        lines,
        input_label="x (input)",
        output_label="output",
        caption_width=caption_width,
        mixer_tags=tags,
    )
    for b in lay.boxes:
        if b.shape == "mixer":
            b.extra["readout"] = _model_attr(model, "readout")
            if b.extra.get("tags"):
                b.extra["decay"] = decays
    return lay, block


def _decay_label(d: str) -> str:
    return {"delta": "delta rule", "rope": "RoPE", "none": "no decay"}.get(d, d)


ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")


def describe_block(model, block: ResolvedBlock, by_id: Mapping | None = None) -> str:
    """The block in words (aria-label / <title>): each op in order, with where branches come from.
    ``by_id``: the registry's models by id, to name the parent a block extends as readers know it."""
    name = _model_attr(model, "name") or block.model_id
    texts = {INPUT: "the input"}
    parts = []
    prev = INPUT
    sums = 0
    for op in block.ops:
        ins = op.in_ if op.in_ is not None else [prev]
        t = "the mixer" if op.op == "mixer" else op.text()
        if op.op == "mixer":
            rec = f" ({block.recurrence})" if block.recurrence else ""
            t = f"the {op.label or name} mixer{rec}"
        elif op.op == "residual":
            t = f"residual add of {texts.get(op.skip or INPUT, op.skip)}"
        elif op.op in ("multiply", "add"):
            t = ("product" if op.op == "multiply" else "sum") + " of " + " and ".join(texts[s] for s in ins)
        if ins != [prev] and op.op not in ("multiply", "add"):
            t += " (from " + " and ".join(texts[s] for s in ins) + ")"
        # how a later op names this one: a sum's box shows only "+", which reads as nothing in a sentence
        if op.op == "mixer":
            texts[op.id] = "the mixer output"
        elif op.op == "residual":
            texts[op.id] = f"the {ORDINALS[min(sums, len(ORDINALS) - 1)]} residual sum"
            sums += 1
        elif op.op in ("multiply", "add"):
            texts[op.id] = "the " + t
        else:
            texts[op.id] = op.text()
        parts.append(t)
        prev = op.id
    norm = {"pre": "pre-norm", "post": "post-norm"}.get(block.norm_position or "", "")
    head = f"Block diagram of {name}" + (f" ({norm})" if norm else "") + ", read top to bottom: "
    tail = ""
    if block.differences and len(block.chain) > 1:
        parent = block.chain[1]
        shown = (by_id or {}).get(parent)
        tail = f" Same as {shown.name if shown else parent} except: {block.differences}"
    return head + "; then ".join(parts) + "." + tail


def render_block_svg(
    model,
    spec,
    size: str = "card",
    standalone: bool = False,
    check: bool = True,
    embed_style: bool = True,
    taxonomy=None,
    by_id: Mapping | None = None,
) -> str:
    """SVG of one model's block. ``spec``: the registry, a mapping id -> BlockSpec, or a ResolvedBlock.
    ``by_id``: the registry's models by id, so the words under the diagram name a parent block by its name.

    size 'card' fits a card column and a phone (scales down with max-width:100%); 'page' is 1.4x larger.
    With ``check``, a layout that fails the overlap audit raises (a bug in the layout, never silently drawn).
    ``embed_style=False`` leaves out the <style> element, for pages that already carry it once (it is global).
    Colours are the taxonomy's CSS variables (the site defines them in facets.css); a standalone file gets
    them from ``taxonomy`` in its own <style>.
    """
    if size not in SCALE:
        raise ValueError(f"size must be 'card' or 'page', got {size!r}")
    lay, block = block_layout(model, spec)
    if check:
        problems = find_overlaps(lay)
        if problems:
            raise RuntimeError(f"block of '{block.model_id}' has layout problems: {'; '.join(problems)}")
    label = describe_block(model, block, by_id)
    focusable = size == "page"
    return svg_document(
        lay,
        label,
        size,
        standalone or embed_style,
        extra_class=f"zb-block zb-{size}",
        data={"model": block.model_id},
        hint=HINT if focusable else CARD_HINT,
        xml_header=standalone,
        focusable=focusable,
        palette=palette_css(taxonomy) if standalone and taxonomy is not None else "",
    )


HINT = "Hover, tap or focus a box to see what it does."
CARD_HINT = "Hover a box to see what it does; the model page explains each one."


def palette_css(taxonomy) -> str:
    """The taxonomy's colour variables for an SVG that is opened on its own, outside the site."""
    return ".zb{" + "".join(f"{var}:{colour};" for var, colour in taxonomy.css_vars().items()) + "}"


def svg_document(
    lay: Layout,
    label: str,
    size: str,
    style: bool,
    extra_class: str = "",
    data: dict | None = None,
    hint: str = HINT,
    xml_header: bool = False,
    focusable: bool = True,
    palette: str = "",
) -> str:
    scale = SCALE[size]
    w, h = lay.width, lay.height
    attrs = {
        "xmlns": "http://www.w3.org/2000/svg",
        "class": f"zb {extra_class}".strip(),
        "viewBox": f"0 0 {w:.1f} {h:.1f}",
        "width": f"{w * scale:.0f}",
        "height": f"{h * scale:.0f}",
        "role": "group",
        "aria-label": label,
    }
    if scale > 1:
        # Shrinks with its column down to scale 1, where the smallest text is still FONT_SMALL (10 px);
        # below that the figure scrolls sideways (theme.css) instead of shrinking the text.
        attrs["style"] = f"min-width:{w:.0f}px"
    for k, v in (data or {}).items():
        attrs[f"data-{k}"] = v
    head = "<svg " + " ".join(f'{k}="{escape(str(v))}"' for k, v in attrs.items()) + ">"
    out = [head, f"<title>{escape(label)}</title>"] + ([f"<style>{palette}{STYLE}</style>"] if style else [])
    if xml_header:
        out.insert(0, '<?xml version="1.0" encoding="UTF-8"?>\n')
    out.append(
        '<defs><marker id="zb-arrow" viewBox="0 0 8 8" refX="7.5" refY="4" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path class="zb-arrow" d="M0,0 L8,4 L0,8 z"/>'
        "</marker></defs>"
    )
    for wire in lay.wires:
        d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in wire.points)
        cls = "zb-wire zb-skip" if wire.kind == "skip" else "zb-wire"
        # marker-end uses a local id: identical markers in several inline SVGs resolve to the same shape.
        out.append(f'<path class="{cls}" d="{d}" marker-end="url(#zb-arrow)"/>')
        if wire.kind == "skip":
            x, y = wire.points[0]
            out.append(f'<circle class="zb-arrow" cx="{x:.1f}" cy="{y:.1f}" r="2.2"/>')
    if lay.caption_lines:
        out.append(_caption(lay, [hint], "zb-hint"))
    for b in lay.boxes:
        out.append(_box_svg(b, lay, focusable))
    out.append("</svg>")
    return "".join(out)


def _caption(lay: Layout, lines: list[str], cls: str) -> str:
    y0 = lay.caption_y + FONT_SMALL * 1.1
    spans = "".join(
        f'<tspan x="{MARGIN:.1f}" y="{y0 + i * FONT_SMALL * 1.35:.1f}">{escape(t)}</tspan>'
        for i, t in enumerate(lines)
    )
    return (
        f'<text class="{cls}" font-size="{FONT_SMALL}" visibility="hidden">{spans}</text>'
        if cls == "zb-cap"
        else f'<text class="{cls}" font-size="{FONT_SMALL}">{spans}</text>'
    )


def _text_lines(b: Box, top_pad: float | None = None) -> str:
    out = []
    sizes = b.sizes or [FONT] * len(b.lines)
    total = sum(s * 1.3 for s in sizes)
    tags = bool(b.extra.get("decay"))
    avail = b.h - (TAG_H + 2 if tags else 0)
    y = b.y + (avail - total) / 2 + (2 if tags else 0)
    for i, (t, s) in enumerate(zip(b.lines, sizes, strict=True)):
        y += s * 1.3
        cls = ' class="zb-name"' if b.shape == "mixer" and i == 0 else ""
        out.append(
            f'<text{cls} x="{b.cx:.1f}" y="{y - s * 0.32:.1f}" font-size="{s}" '
            f'text-anchor="middle">{escape(t)}</text>'
        )
    return "".join(out)


def _decay_tags(b: Box) -> str:
    decays = b.extra.get("decay") or []
    labels = [_decay_label(d) for d in decays]
    widths = tag_widths(labels)
    total = sum(widths) + TAG_GAP * (len(widths) - 1)
    x = b.cx - total / 2
    y = b.y + b.h - TAG_H - 4
    out = []
    for d, t, w in zip(decays, labels, widths, strict=True):
        col = f"var(--zoo-decay-{d})"
        out.append(
            f'<rect class="zb-tag" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{TAG_H}" rx="6" '
            f'style="fill:{col};fill-opacity:.22;stroke:{col}" data-decay="{escape(d)}"/>'
            f'<text x="{x + w / 2:.1f}" y="{y + TAG_H - 3.6:.1f}" font-size="{TAG_FONT}" '
            f'text-anchor="middle">{escape(t)}</text>'
        )
        x += w + TAG_GAP
    return "".join(out)


def _box_svg(b: Box, lay: Layout, focusable: bool = True) -> str:
    if b.shape == "terminal":
        return (
            f'<text class="zb-term" x="{b.cx:.1f}" y="{b.y + b.h - 3:.1f}" font-size="{FONT_SMALL}" '
            f'text-anchor="middle" data-terminal="{escape(b.id)}">{escape(b.lines[0])}</text>'
        )
    label = " ".join(b.lines)
    if b.extra.get("decay"):
        label += " (decay: " + ", ".join(_decay_label(d) for d in b.extra["decay"]) + ")"
    tip = f"{label}: {b.desc}"
    family = FAMILY.get(b.op, "mixer" if b.shape == "mixer" else "merge")
    # the <title> child is the group's accessible name (SVG-AAM), so no aria-label repeating it
    g = [
        f'<g class="zb-op zb-{family}" data-op="{escape(b.op)}" data-id="{escape(b.id)}"'
        + (' tabindex="0"' if focusable else "")
        + f' role="img"><title>{escape(tip)}</title>'
    ]
    if b.shape == "circle":
        g.append(
            f'<circle class="zb-circle" cx="{b.cx:.1f}" cy="{b.cy:.1f}" r="{b.w / 2:.1f}"/>'
            f'<text x="{b.cx:.1f}" y="{b.cy + 4.4:.1f}" font-size="{b.sizes[0]}" '
            f'text-anchor="middle">{escape(b.lines[0])}</text>'
        )
    elif b.shape == "pill":
        g.append(
            f'<rect class="zb-circle" x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" '
            f'rx="{b.h / 2:.1f}"/>'
        )
        g.append(_text_lines(b))
    elif b.shape == "mixer":
        ro = b.extra.get("readout") or "linear"
        col = f"var(--zoo-readout-{ro})"
        g.append(
            f'<rect class="zb-box zb-readout-{escape(ro)}" x="{b.x:.1f}" y="{b.y:.1f}" '
            f'width="{b.w:.1f}" height="{b.h:.1f}" rx="6" '
            f'style="fill:{col};fill-opacity:.16;stroke:{col};stroke-width:1.6"/>'
        )
        g.append(_text_lines(b))
        g.append(_decay_tags(b))
    else:
        g.append(
            f'<rect class="zb-box" x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" rx="4"/>'
        )
        g.append(_text_lines(b))
    if lay.caption_lines:
        g.append(_caption(lay, wrap(caption_text(b), lay.width - 2 * MARGIN), "zb-cap"))
    g.append("</g>")
    return "".join(g)


def render_stack_svg(
    hybrid, registry, size: str = "page", link_prefix: str = "", check: bool = True, embed_style: bool = True
) -> str:
    """A hybrid's layer stack (see zoo.diagrams.stack); kept here so both renderers live behind one import."""
    from zoo.diagrams.stack import render_stack_svg as _render

    return _render(hybrid, registry, size=size, link_prefix=link_prefix, check=check, embed_style=embed_style)


__all__ = [
    "render_block_svg",
    "render_stack_svg",
    "block_layout",
    "describe_block",
    "diagram_css",
    "svg_document",
]
