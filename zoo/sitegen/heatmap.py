"""The heatmap colour scale, defined once for the build-time figures and the browser's live charts.

Python figures (Plotly heatmaps, the cards' SVG grids) import COLORSCALE; the build writes it into
``assets/css/heatmap.css`` as the custom property ``--zoo-heatmap-scale`` ("stop colour, stop colour, ...")
which docs/assets/js/live/draw.js reads, so the JavaScript side carries no copy of the stops.
"""

# Blue (negative) - near white (0) - red (positive).
COLORSCALE = [[0.0, "#2b5c9e"], [0.25, "#8eb2dc"], [0.5, "#f2f2f2"], [0.75, "#e5988a"], [1.0, "#b1262e"]]
CSS = "assets/css/heatmap.css"


def stylesheet() -> str:
    stops = ", ".join(f"{stop:g} {colour}" for stop, colour in COLORSCALE)
    return (
        "/* Generated from zoo/sitegen/heatmap.py (COLORSCALE); do not edit. */\n"
        f":root {{ --zoo-heatmap-scale: {stops}; }}\n"
    )


def generate(ctx) -> None:
    ctx.write(CSS, stylesheet())
