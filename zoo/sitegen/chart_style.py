"""One style for every chart on the site: fonts, grid, the light and dark palettes, series colours and the
diverging colour scale.

The build-time Plotly figures (live.py, bench_figures.py, lineage.py) embed ``template()``; the build also
writes the same values as an ES module, assets/js/chart-style.js, which docs/assets/js/figures.js (Plotly
figures, palette switch) and live/draw.js (canvas charts) import. So the Python figures and the browser's
recolouring read the same numbers and cannot drift apart.
"""

from __future__ import annotations

import json
import math

MODULE = "assets/js/chart-style.js"

# "inherit": the SVG text takes the page's own font, whatever the site's theme sets.
FONT = {"family": "inherit", "size": 12, "title": 14, "small": 11}

# Text, grid and axis-line colours per Material scheme ("default" is light, "slate" dark). The plot
# background stays transparent, so a chart sits on the page's own background in both.
PALETTES = {
    "light": {
        "ink": "#1f2937",
        "muted": "#6b7280",
        "grid": "#e5e7eb",
        "line": "#9ca3af",
        "hover_bg": "#ffffff",
        "hover_border": "#d1d5db",
    },
    "dark": {
        "ink": "#e5e7eb",
        "muted": "#9ca3af",
        "grid": "#3a4150",
        "line": "#6b7280",
        "hover_bg": "#1f2937",
        "hover_border": "#4b5563",
    },
}
SCHEMES = {"default": "light", "slate": "dark"}

# Lines of a small chart (state and output norms, live or build-time): readable on both backgrounds.
SERIES = ["#4f46e5", "#d97706", "#059669", "#db2777", "#0891b2", "#65a30d"]

# Many models on one chart (the benchmark curves, the MQAR lines): no palette of 35 distinct hues reads. Each
# family (how the memory is read, and how it fades or is edited) gets one hue, so a reader finds "the
# delta-rule models" at a glance; inside a family, members differ by shade, marker and dash. Shades are
# mid-tones that show on both palettes.
FAMILIES = {  # key: (legend heading, shades)
    "softmax": ("Softmax", ["#ea580c", "#b45309", "#f59e0b"]),
    "softmax-slots": ("Softmax over slots", ["#e11d48", "#f472b6", "#be185d"]),
    "linear": ("Linear, no decay", ["#0d9488", "#2dd4bf", "#0f766e"]),
    "linear-scalar": ("Linear, scalar decay", ["#2563eb", "#60a5fa", "#1d4ed8"]),
    "linear-diagonal": ("Linear, diagonal decay", ["#7c3aed", "#a78bfa", "#6d28d9"]),
    "linear-delta": ("Linear, delta rule", ["#16a34a", "#4ade80", "#15803d"]),
    "conv": ("Long convolution", ["#64748b", "#94a3b8", "#475569"]),
}
MODEL_SYMBOLS = (
    "circle",
    "square",
    "diamond",
    "triangle-up",
    "x",
    "star",
    "triangle-down",
    "cross",
    "pentagon",
)
MODEL_DASHES = ("solid", "dot", "dash")
LEGEND_ROW_PX = 19  # one legend entry at the legend's font size (figures.js puts a phone's legend below)
LEGEND_GROUP_PX = 26  # a family's heading and the gap above it
# The legend of such a chart: a click hides one model, not its whole family.
MODEL_LEGEND = {"font": {"size": 10}, "groupclick": "toggleitem", "tracegroupgap": 6}


def family(model) -> str:
    """The family (FAMILIES) of a registry model: its readout, then what its memory is (a softmax over a
    fixed set of slots, not a cache) or its first kind of decay. It gives the colour of its curves and its
    group in the Models menu and index (pages.menu_groups)."""
    if model.readout == "softmax":  # Wall's diagonal decay acts inside a full cache: not slots
        return "softmax-slots" if model.layout == "state" else "softmax"
    decay = model.decay[0] if model.decay else "none"
    linear = {
        "scalar": "linear-scalar",
        "diagonal": "linear-diagonal",
        "delta": "linear-delta",
        "conv": "conv",
    }
    return linear.get(decay, "linear")


def model_styles(ids: list[str], registry, baseline: str | None = None) -> dict[str, dict]:
    """Each model's trace style, the same in every figure that draws it: hue from its family, shade, marker
    and dash from its place among ``ids`` of that family, never from one figure's traces (a model missing from
    one figure would shift the rest). Keys in legend order: ``baseline`` first, drawn in the page's text
    colour (figures.js reads meta "ink"), then family by family in FAMILIES' order, each in ``ids``' order."""
    out = {}
    if baseline in ids:
        out[baseline] = dict(line=dict(width=3, dash="dash"), marker=dict(symbol="circle"), meta="ink")
    models = registry.by_id
    members: dict[str, list[str]] = {key: [] for key in FAMILIES}
    for mid in ids:
        if mid != baseline:
            members[family(models[mid]) if mid in models else "linear"].append(mid)
    for key, group in members.items():
        heading, shades = FAMILIES[key]
        for i, mid in enumerate(group):
            color = shades[i % len(shades)]
            out[mid] = dict(
                line=dict(width=1.6, color=color, dash=MODEL_DASHES[i // len(shades) % len(MODEL_DASHES)]),
                # shade and dash repeat every 9 members; the marker steps one further each round, so
                # members 9 apart still differ (a family of up to 81)
                marker=dict(color=color, symbol=MODEL_SYMBOLS[(i + i // 9) % len(MODEL_SYMBOLS)], size=7),
                legendgroup=key,
                legendgrouptitle=dict(text=heading) if i == 0 else None,
            )
    return out


def legend_height(data: list[dict], minimum: int) -> int:
    """A figure height at which a legend beside the plot lists every trace and family heading unscrolled."""
    groups = {t.get("legendgroup") for t in data}
    return max(minimum, 80 + LEGEND_ROW_PX * len(data) + LEGEND_GROUP_PX * len(groups))


def log_ticks(values: list[float]) -> list[float]:
    """Ticks at 1, 2 and 5 times each power of ten that the values span (only the powers of ten when they
    span more than four): every tick labelled with its whole number, where Plotly's own log axis labels the
    2s and 5s of a decade with a bare digit, so a reader saw "5" above "2" above "100"."""
    lo, hi = min(values), max(values)
    steps = (1,) if math.log10(hi / lo) > 4 else (1, 2, 5)
    return [
        m * 10.0**e
        for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1)
        for m in steps
        if lo / 1.5 <= m * 10.0**e <= hi * 1.5
    ]


def log_axis(values: list[float], label) -> dict:
    """A log axis's tickvals and ticktext (``label`` writes one tick) at log_ticks over ``values``; nothing
    where fewer than three of them fall inside the data: Plotly's own finer ticks suit so narrow a range."""
    ticks, lo, hi = log_ticks(values), min(values), max(values)
    if sum(lo <= v <= hi for v in ticks) < 3:
        return {}
    return {"tickvals": ticks, "ticktext": [label(v) for v in ticks]}


# The diverging scale of the mixing matrices (and the Recall Lab's similarity matrix), build-time and live,
# one per palette. Light: blue (negative) - near white (0) - red (positive). Dark: the same two hues (OKLCH
# hue 257 and 24), brightening from a near-background neutral at 0, so a matrix does not glare on the dark
# page and a value's size still reads as its distance from the page's colour: lightness and chroma grow
# linearly in OKLab from the centre to either end (9 stops, as Plotly interpolates in RGB between them); each
# end has over 6:1 contrast with the centre (tests/test_one_source.py checks it). The browser picks the
# variant of the current Material scheme when it draws (docs/assets/js/figures.js colourscale()); the
# build-time figures, the no-JavaScript SVGs and the social image carry the light one.
COLORSCALES = {
    "light": [[0.0, "#2b5c9e"], [0.25, "#8eb2dc"], [0.5, "#f2f2f2"], [0.75, "#e5988a"], [1.0, "#b1262e"]],
    "dark": [
        [0.0, "#77b0fe"],
        [0.125, "#5d8ac9"],
        [0.25, "#496790"],
        [0.375, "#35455b"],
        [0.5, "#202629"],
        [0.625, "#5c3937"],
        [0.75, "#924f4c"],
        [0.875, "#cb6662"],
        [1.0, "#ff847f"],
    ],
}
COLORSCALE = COLORSCALES["light"]


def _axis(p: dict) -> dict:
    return {
        "gridcolor": p["grid"],
        "linecolor": p["line"],
        "zerolinecolor": p["line"],
        "tickcolor": p["line"],
        "showline": True,
        "zeroline": False,
        "ticks": "outside",
        "ticklen": 4,
        "automargin": True,
        "title": {"standoff": 8},
    }


def template(scheme: str = "light") -> dict:
    """The Plotly template (layout defaults) of every chart, in the palette ``scheme``."""
    p = PALETTES[scheme]
    return {
        "layout": {
            "font": {"family": FONT["family"], "size": FONT["size"], "color": p["ink"]},
            "title": {"font": {"size": FONT["title"]}, "x": 0.5, "xanchor": "center"},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "colorway": SERIES,
            "xaxis": _axis(p),
            "yaxis": _axis(p),
            "legend": {"font": {"size": FONT["small"]}, "bgcolor": "rgba(0,0,0,0)"},
            "hoverlabel": {
                "bgcolor": p["hover_bg"],
                "bordercolor": p["hover_border"],
                "font": {"color": p["ink"], "family": FONT["family"]},
            },
            "colorscale": {"diverging": COLORSCALES[scheme]},
            # Shapes without a colour of their own (markers of a chosen value): a grey both palettes show.
            "shapedefaults": {"line": {"color": p["muted"]}},
        }
    }


def style() -> dict:
    """Everything the browser needs, as plain JSON."""
    return {
        "font": FONT,
        "palettes": PALETTES,
        "schemes": SCHEMES,
        "series": SERIES,
        "colorscales": COLORSCALES,
        "legend_row_px": LEGEND_ROW_PX,
        "template": template("light"),
    }


def generate(ctx) -> None:
    ctx.write(
        MODULE,
        "// Generated by zoo/sitegen/chart_style.py at build time: the one chart style of the site.\n"
        f"export const STYLE = {json.dumps(style(), indent=1)};\n",
    )
