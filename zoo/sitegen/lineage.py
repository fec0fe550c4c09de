"""The lineage graph: a Plotly figure computed from the registry's lineage edges.

x is the publication year; softmax models sit in the upper lane and linear models in the lower one.
Positions are computed, never typed: each year gets a band as wide as its busiest lane needs, models of
one year take consecutive slots in that band, and labels alternate over three rows so neighbours never
collide. ``label_boxes`` exposes the geometry so tests can check for overlaps.
"""

from dataclasses import dataclass

from zoo.registry import Model, Registry

ROWS_PER_LANE = 3
SLOT_PX = 34  # horizontal room per model at the figure's design width
LABEL_FONT_PX = 11
CHAR_PX = 0.62 * LABEL_FONT_PX  # mean glyph width of the UI sans-serif at that size
ROW_PX = 30
MARKER_PX = 10
LANE_GAP_PX = 40
MARGIN_PX = 40
LANES = ("softmax", "linear")


@dataclass(frozen=True)
class Node:
    model: Model
    x: float  # in slots; year bands are contiguous
    y: float  # in pixels from the top of the plot area (plot y axis is reversed)


def layout(registry: Registry) -> tuple[list[Node], dict[int, tuple[float, float]]]:
    """Place every model; returns nodes and the x-range (in slots) of each year band."""
    years = sorted({m.year for m in registry.models})
    depth = _depths(registry)
    per_lane_year = {
        (lane, y): sorted(
            (m for m in registry.models if m.readout == lane and m.year == y),
            key=lambda m: (depth[m.id], m.id),
        )
        for lane in LANES
        for y in years
    }
    bands: dict[int, tuple[float, float]] = {}
    start = 0.0
    for y in years:
        width = max(len(per_lane_year[(lane, y)]) for lane in LANES)
        bands[y] = (start, start + width)
        start += width
    nodes: list[Node] = []
    for lane_index, lane in enumerate(LANES):
        lane_top = lane_index * (ROWS_PER_LANE * ROW_PX + LANE_GAP_PX)
        slot = 0
        for y in years:
            members = per_lane_year[(lane, y)]
            lo, hi = bands[y]
            # Centre the year's models inside its band so lanes of unequal size stay aligned by year.
            offset = lo + (hi - lo - len(members)) / 2
            for i, m in enumerate(members):
                row = slot % ROWS_PER_LANE
                nodes.append(Node(m, offset + i + 0.5, lane_top + (row + 0.5) * ROW_PX))
                slot += 1
    return nodes, bands


def _depths(registry: Registry) -> dict[str, int]:
    """Longest chain of ancestors above each model, so parents sit left of children within a year."""
    depth: dict[str, int] = {}

    def visit(m: Model) -> int:
        if m.id not in depth:
            parents = [registry.by_id[e.parent] for e in m.lineage if e.parent in registry.by_id]
            depth[m.id] = 1 + max((visit(p) for p in parents), default=-1)
        return depth[m.id]

    for m in registry.models:
        visit(m)
    return depth


def plot_size(bands) -> tuple[float, float]:
    total_slots = max(hi for _, hi in bands.values())
    width = (total_slots + 1.2) * SLOT_PX + MARGIN_PX
    height = len(LANES) * ROWS_PER_LANE * ROW_PX + LANE_GAP_PX + 2 * MARGIN_PX
    return width, height


def label_boxes(nodes: list[Node]) -> list[tuple[str, float, float, float, float]]:
    """(id, left, top, right, bottom) of each label in plot pixels; labels sit just above their marker."""
    boxes = []
    for n in nodes:
        w = len(n.model.short_name) * CHAR_PX + 4
        cx = n.x * SLOT_PX
        bottom = n.y - MARKER_PX / 2 - 1
        boxes.append((n.model.id, cx - w / 2, bottom - LABEL_FONT_PX - 3, cx + w / 2, bottom))
    return boxes


def figure(registry: Registry, root_prefix: str) -> dict:
    """Plotly figure JSON (data + layout) for the graph; ``root_prefix`` makes node links relative."""
    nodes, bands = layout(registry)
    tax = registry.taxonomy
    pos = {n.model.id: (n.x, n.y) for n in nodes}
    traces = []
    for kind, dash, width in (("direct", "solid", 1.6), ("influence", "dot", 1.2)):
        xs, ys = [], []
        for n in nodes:
            for e in n.model.lineage:
                if e.kind == kind and e.parent in pos:
                    (x0, y0), (x1, y1) = pos[e.parent], pos[n.model.id]
                    xs += [x0, x1, None]
                    ys += [y0, y1, None]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": xs,
                "y": ys,
                "hoverinfo": "skip",
                "name": "direct lineage" if kind == "direct" else "influence",
                "line": {"dash": dash, "width": width, "color": "rgba(100,116,139,0.55)"},
            }
        )
    # Filled by the browser on hover with the edges touching the hovered model.
    traces.append(
        {
            "type": "scatter",
            "mode": "lines",
            "x": [],
            "y": [],
            "hoverinfo": "skip",
            "name": "highlight",
            "line": {"width": 2.6, "color": "rgba(245,158,11,0.9)"},
        }
    )
    customdata = [
        [
            f"{root_prefix}models/{n.model.id}/",
            n.model.id,
            n.model.name,
            str(n.model.year),
            n.model.summary,
            " + ".join(tax.decay[d].label for d in n.model.decay),
            " ".join(e.parent for e in n.model.lineage if e.parent in pos),
        ]
        for n in nodes
    ]
    traces.append(
        {
            "type": "scatter",
            "mode": "markers+text",
            "name": "models",
            "x": [n.x * 1.0 for n in nodes],
            "y": [n.y for n in nodes],
            "text": [n.model.short_name for n in nodes],
            "textposition": "top center",
            "textfont": {"size": LABEL_FONT_PX},
            "customdata": customdata,
            "hovertemplate": "<b>%{customdata[2]}</b> (%{customdata[3]})<br>%{customdata[4]}"
            "<br>decay: %{customdata[5]}<extra></extra>",
            "marker": {
                "size": MARKER_PX,
                "color": [tax.readouts[n.model.readout].colour for n in nodes],
                "line": {"width": 1, "color": "rgba(255,255,255,0.8)"},
            },
        }
    )
    width, height = plot_size(bands)
    lane_h = ROWS_PER_LANE * ROW_PX
    shapes, annotations = [], []
    for i, lane in enumerate(LANES):
        top = i * (lane_h + LANE_GAP_PX)
        shapes.append(
            {
                "type": "rect",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": top - 4,
                "y1": top + lane_h + 4,
                "fillcolor": tax.readouts[lane].colour,
                "opacity": 0.06,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        annotations.append(
            {
                "xref": "paper",
                "x": 0,
                "xanchor": "left",
                "yref": "y",
                "y": top - 6,
                "yanchor": "bottom",
                "text": f"{tax.readouts[lane].label} readout",
                "showarrow": False,
                "font": {"size": 11},
            }
        )
    for lo, _hi in bands.values():
        if lo > 0:
            shapes.append(
                {
                    "type": "line",
                    "x0": lo,
                    "x1": lo,
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "line": {"width": 1, "color": "rgba(100,116,139,0.25)", "dash": "dot"},
                }
            )
    return {
        "data": traces,
        "layout": {
            "width": width,
            "height": height,
            "margin": {"l": MARGIN_PX / 2, "r": MARGIN_PX / 2, "t": MARGIN_PX / 2, "b": MARGIN_PX},
            "showlegend": False,
            "hovermode": "closest",
            "dragmode": "pan",
            "xaxis": {
                # Half a slot of slack on each side keeps the first and last labels inside the plot.
                "range": [-0.6, max(hi for _, hi in bands.values()) + 0.6],
                "tickvals": [(lo + hi) / 2 for lo, hi in bands.values()],
                "ticktext": [str(y) for y in bands],
                "showgrid": False,
                "zeroline": False,
                "fixedrange": True,
            },
            "yaxis": {
                "range": [len(LANES) * lane_h + LANE_GAP_PX, -ROW_PX],
                "visible": False,
                "fixedrange": True,
            },
            "shapes": shapes,
            "annotations": annotations,
        },
    }


def generate(ctx) -> None:
    ctx.write_json("assets/data/figs/lineage.json", figure(ctx.registry, ""))
