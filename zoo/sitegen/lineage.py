"""The lineage graph on the home page: a layout computed here from the registry's lineage edges, drawn as
HTML links (one per model) over an SVG of lanes, year bands and edges.

x is the publication year. Each year is a band as wide as its busiest lane needs (a few columns of
``COL_PX``); a run of years with no model is collapsed into a narrow break on the axis, so every tick is a
real year. Softmax models sit in the upper lane, linear ones in the lower; within a lane, models of one year
fill a grid of slots. Which model takes which slot is chosen to keep edges from crossing each other and from
running through other models: an initial barycentric order (each model near the mean height of its parents),
then deterministic sweeps of pairwise slot swaps that keep any swap lowering the local cost.

A model with no parent in the registry is a root; it is drawn with a ring and labelled as such, and nothing
here assumes the graph is one connected tree.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from markupsafe import Markup

from zoo.registry import Model

LANES = ("softmax", "linear")
MAX_ROWS = 5  # rows of slots per lane; a lane with fewer models in its busiest year gets fewer
COL_PX = 96  # one column of slots: wider than the longest short_name at LABEL_FONT_PX
ROW_PX = 46
LANE_HEAD_PX = 22  # the lane's title above its first row
LANE_GAP_PX = 12
BREAK_PX = 34  # a collapsed run of years without models
SIDE_PX = 14
AXIS_PX = 30
LABEL_FONT_PX = 12
CHAR_PX = 0.62 * LABEL_FONT_PX  # mean glyph width of the UI sans-serif at that size (upper bound)
MARKER_PX = 12
SWEEPS = 6

# Weights of the layout cost: crossings matter most to a reader after edges that hide a model.
W_CROSS = 1.0
W_HIT = 4.0  # an edge passing through another model's marker
W_BACK = 4.0  # a child drawn left of its parent
W_LENGTH = 0.002  # per pixel of vertical travel: among equal layouts, prefer flatter edges


@dataclass(frozen=True)
class Node:
    model: Model
    x: float  # pixels from the left of the canvas (marker centre)
    y: float  # pixels from the top of the canvas (marker centre)
    root: bool  # no parent in the registry


@dataclass(frozen=True)
class GraphEdge:
    parent: str
    child: str
    kind: str  # direct | influence


@dataclass(frozen=True)
class Graph:
    nodes: list[Node]
    edges: list[GraphEdge]
    years: list[tuple[int, float, float]]  # (year, left, right) of each year band
    breaks: list[tuple[int, int, float, float]]  # (first, last year collapsed, left, right)
    lanes: list[tuple[str, float, float]]  # (readout, top, bottom)
    width: float
    height: float

    def node(self, model_id: str) -> Node:
        return next(n for n in self.nodes if n.model.id == model_id)


def edges_of(models: list[Model]) -> list[GraphEdge]:
    ids = {m.id for m in models}
    return [GraphEdge(e.parent, m.id, e.kind) for m in models for e in m.lineage if e.parent in ids]


def depths(models: list[Model]) -> dict[str, int]:
    """Longest chain of ancestors above each model (0 for a root); works for any forest of DAGs."""
    by_id = {m.id: m for m in models}
    depth: dict[str, int] = {}

    def visit(m: Model) -> int:
        if m.id not in depth:
            parents = [by_id[e.parent] for e in m.lineage if e.parent in by_id]
            depth[m.id] = 1 + max((visit(p) for p in parents), default=-1)
        return depth[m.id]

    for m in models:
        visit(m)
    return depth


def layout(models: list[Model], sweeps: int = SWEEPS) -> Graph:
    """Place every model (any set: several roots and unconnected families are fine); deterministic.

    ``sweeps`` bounds the passes of slot swaps after the barycentric start (0 keeps the start)."""
    models = sorted(models, key=lambda m: (m.year, m.id))
    edges = edges_of(models)
    depth = depths(models)
    years = sorted({m.year for m in models})
    groups = {
        (lane, y): sorted(
            (m for m in models if m.readout == lane and m.year == y), key=lambda m: (depth[m.id], m.id)
        )
        for lane in LANES
        for y in years
    }
    rows = {lane: max(1, min(MAX_ROWS, max(len(groups[(lane, y)]) for y in years))) for lane in LANES}
    cols = {y: max(1, max(-(-len(groups[(lane, y)]) // rows[lane]) for lane in LANES)) for y in years}

    # x: year bands left to right, with a break wherever whole years are missing.
    bands, breaks = [], []
    x = SIDE_PX
    for i, y in enumerate(years):
        if i and y > years[i - 1] + 1:
            breaks.append((years[i - 1] + 1, y - 1, x, x + BREAK_PX))
            x += BREAK_PX
        bands.append((y, x, x + cols[y] * COL_PX))
        x += cols[y] * COL_PX
    width = x + SIDE_PX
    band_left = {y: left for y, left, _ in bands}

    # y: lanes top to bottom, each with its title and its rows.
    lanes, top = [], 0.0
    for lane in LANES:
        bottom = top + LANE_HEAD_PX + rows[lane] * ROW_PX
        lanes.append((lane, top, bottom))
        top = bottom + LANE_GAP_PX
    lane_top = {lane: t for lane, t, _ in lanes}
    height = lanes[-1][2] + AXIS_PX

    def slot_xy(lane: str, year: int, slot: tuple[int, int]) -> tuple[float, float]:
        col, row = slot
        return (band_left[year] + (col + 0.5) * COL_PX, lane_top[lane] + LANE_HEAD_PX + (row + 0.5) * ROW_PX)

    # Initial placement, years left to right: parents (lower depth) in earlier columns, and inside a column
    # rows ordered by the mean height of each model's already placed parents (barycentric ordering).
    pos: dict[str, tuple[float, float]] = {}
    slots: dict[tuple[str, int], list[tuple[int, int]]] = {}
    occupant: dict[tuple[str, int], dict[tuple[int, int], str | None]] = {}
    parents_of = {m.id: [e.parent for e in edges if e.child == m.id] for m in models}
    for y in years:
        for lane in LANES:
            members = groups[(lane, y)]
            key = (lane, y)
            slots[key] = [(c, r) for c in range(cols[y]) for r in range(rows[lane])]
            occupant[key] = dict.fromkeys(slots[key])
            if not members:
                continue
            per_col = -(-len(members) // cols[y])
            for c in range(cols[y]):
                column = members[c * per_col : (c + 1) * per_col]
                mid = lane_top[lane] + LANE_HEAD_PX + rows[lane] * ROW_PX / 2
                ys = {m.id: _mean([pos[p][1] for p in parents_of[m.id] if p in pos], mid) for m in column}
                column.sort(key=lambda m, h=ys: (h[m.id], m.id))
                first = (rows[lane] - len(column)) // 2  # a short column sits in the middle of the lane
                for r, m in enumerate(column):
                    occupant[key][(c, first + r)] = m.id
                    pos[m.id] = slot_xy(lane, y, (c, first + r))

    index = {m.id: i for i, m in enumerate(models)}
    boxes = np.array([_box(m) for m in models])
    ends = np.array([(index[e.parent], index[e.child]) for e in edges], dtype=int).reshape(-1, 2)

    def local_cost(ids: set[str]) -> float:
        # The cost of the edges that touch ``ids``, vectorised over those edges and the other edges (this
        # runs for every candidate swap: thousands of times per layout). The terms are added edge by edge,
        # in edge order, so the sum is the same float whatever the vectorisation.
        xy = np.array([pos[m.id] for m in models])
        c, d = xy[ends[:, 0]], xy[ends[:, 1]]
        mine = [index[i] for i in ids]
        touching = np.isin(ends, mine).any(axis=1)
        ks = np.flatnonzero(touching)
        drawn = _curves(c, d)  # (E, n, 2)
        cost = 0.0
        if len(ks):
            a, b = c[ks], d[ks]  # the touching edges' ends, (k, 2)
            # pairs of edges that share no model and cross: (k, E)
            apart = (ends[None, :, 0] != ends[ks, 0, None]) & (ends[None, :, 1] != ends[ks, 0, None])
            apart &= (ends[None, :, 0] != ends[ks, 1, None]) & (ends[None, :, 1] != ends[ks, 1, None])
            cross = (apart & _crosses(a[:, None], b[:, None], c[None], d[None])).sum(axis=1)
            # models each drawn curve runs through, all but the edge's own ends: (k, models)
            others = np.ones((len(ks), len(models)), dtype=bool)
            others[np.arange(len(ks))[:, None], ends[ks]] = False
            hits = (_inside(drawn[ks], xy, boxes).any(axis=1) & others).sum(axis=1)
            for j, k in enumerate(ks):
                (ax, ay), (bx, by) = pos[edges[k].parent], pos[edges[k].child]
                cost += W_LENGTH * abs(by - ay) + (W_BACK if bx < ax - 1 else 0.0)
                cost += W_CROSS * int(cross[j])
                cost += W_HIT * int(hits[j])
        # Edges of other models that now pass through one of these models.
        if not touching.all():
            cost += W_HIT * _inside_each(drawn[~touching], xy[mine], boxes[mine])
        return cost

    # Local search: swap the occupants of two slots of one (lane, year) group when that lowers the cost.
    for _ in range(sweeps):
        improved = False
        for key in sorted(slots):
            lane, y = key
            if not any(occupant[key].values()):
                continue
            for s, t in combinations(slots[key], 2):
                a, b = occupant[key][s], occupant[key][t]
                if a is None and b is None:
                    continue
                moved = {i for i in (a, b) if i is not None}
                before = local_cost(moved)
                xy = functools.partial(slot_xy, lane, y)
                _place(pos, occupant[key], s, t, xy)
                if local_cost(moved) < before - 1e-9:
                    improved = True
                else:
                    _place(pos, occupant[key], s, t, xy)  # swap back
        if not improved:
            break

    nodes = [Node(m, *pos[m.id], root=not parents_of[m.id]) for m in models]
    return Graph(nodes, edges, bands, breaks, lanes, width, height)


def _place(pos, occupant, s, t, xy) -> None:
    """Swap the occupants of slots s and t (either may be empty) and update their positions."""
    occupant[s], occupant[t] = occupant[t], occupant[s]
    for slot in (s, t):
        if occupant[slot] is not None:
            pos[occupant[slot]] = xy(slot)


def _mean(values: list[float], default: float) -> float:
    return sum(values) / len(values) if values else default


def _orient(a, b, c) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _cross(a, b, c, d) -> int:
    """1 if segments ab and cd cross at a point inside both (shared endpoints are not crossings)."""
    d1, d2, d3, d4 = _orient(c, d, a), _orient(c, d, b), _orient(a, b, c), _orient(a, b, d)
    return int(d1 * d2 < 0 and d3 * d4 < 0)


def _crosses(a, b, c, d) -> np.ndarray:
    """_cross of segments a[i] b[i] against segments c[j] d[j], broadcast over the leading axes (the same
    arithmetic, elementwise)."""

    def orient(p, q, r):
        (px, py), (qx, qy), (rx, ry) = ((v[..., 0], v[..., 1]) for v in (p, q, r))
        return (qx - px) * (ry - py) - (qy - py) * (rx - px)

    a, b = np.asarray(a), np.asarray(b)
    d1, d2, d3, d4 = orient(c, d, a), orient(c, d, b), orient(a, b, c), orient(a, b, d)
    return (d1 * d2 < 0) & (d3 * d4 < 0)


def _box(m: Model) -> tuple[float, float, float, float]:
    """A node's marker and label relative to the marker centre: (left, top, right, bottom)."""
    half = (len(m.short_name) * CHAR_PX + 6) / 2
    return (-half, -MARKER_PX / 2 - 2 - LABEL_FONT_PX * 1.3, half, MARKER_PX / 2)


CURVE_T = np.linspace(0.0, 1.0, 24)[1:-1]


def _curves(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Points along the drawn edges from a[i] to b[i] (the cubic of ``edge_path``), endpoints excluded:
    shape (edges, n, 2)."""
    x0, y0, x1, y1 = a[:, 0, None], a[:, 1, None], b[:, 0, None], b[:, 1, None]
    bend = np.maximum(np.abs(x1 - x0) / 2, COL_PX / 3)  # _bend, elementwise
    t = CURVE_T
    u = 1 - t
    xs = u**3 * x0 + 3 * u * u * t * (x0 + bend) + 3 * u * t * t * (x1 - bend) + t**3 * x1
    ys = u**3 * y0 + 3 * u * u * t * y0 + 3 * u * t * t * y1 + t**3 * y1
    return np.stack([xs, ys], axis=-1)


def _inside(curves: np.ndarray, centres: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Whether each point of each curve (shape (..., n, 2)) lies in each box (relative to its centre):
    shape (..., n, boxes)."""
    dx = curves[..., :, None, 0] - centres[:, 0]
    dy = curves[..., :, None, 1] - centres[:, 1]
    return (dx > boxes[:, 0]) & (dx < boxes[:, 2]) & (dy > boxes[:, 1]) & (dy < boxes[:, 3])


def _inside_any(pts: np.ndarray, centres: np.ndarray, boxes: np.ndarray) -> int:
    """How many of the boxes (relative to their centres) contain at least one of the points."""
    if not len(centres):
        return 0
    return int(_inside(pts, centres, boxes).any(axis=0).sum())


def _inside_each(curves: np.ndarray, centres: np.ndarray, boxes: np.ndarray) -> int:
    """_inside_any summed over several curves (shape (k, n, 2)) against the same boxes."""
    return int(_inside(curves, centres, boxes).any(axis=1).sum())


def crossings(graph: Graph) -> int:
    """Pairs of edges (straight, centre to centre) that cross: what the ordering minimises."""
    pos = {n.model.id: (n.x, n.y) for n in graph.nodes}
    return sum(
        _cross(pos[e.parent], pos[e.child], pos[f.parent], pos[f.child])
        for e, f in combinations(graph.edges, 2)
        if not {e.parent, e.child} & {f.parent, f.child}
    )


def obstructions(graph: Graph) -> int:
    """(edge, model) pairs where the drawn edge runs through a model's marker or label."""
    pos = {n.model.id: (n.x, n.y) for n in graph.nodes}
    total = 0
    for e in graph.edges:
        others = [n for n in graph.nodes if n.model.id not in (e.parent, e.child)]
        total += _inside_any(
            _curves(np.array([pos[e.parent]]), np.array([pos[e.child]]))[0],
            np.array([(n.x, n.y) for n in others]),
            np.array([_box(n.model) for n in others]),
        )
    return total


def label_boxes(graph: Graph) -> list[tuple[str, float, float, float, float]]:
    """(id, left, top, right, bottom) of each label in canvas pixels: centred just above its marker."""
    boxes = []
    for n in graph.nodes:
        w = len(n.model.short_name) * CHAR_PX + 6
        bottom = n.y - MARKER_PX / 2 - 2
        boxes.append((n.model.id, n.x - w / 2, bottom - LABEL_FONT_PX * 1.3, n.x + w / 2, bottom))
    return boxes


def edge_path(a: tuple[float, float], b: tuple[float, float]) -> str:
    """A cubic curve leaving the parent and reaching the child horizontally (an S for vertical edges)."""
    (x0, y0), (x1, y1) = a, b
    bend = _bend(x0, x1)
    return f"M{x0:.1f},{y0:.1f} C{x0 + bend:.1f},{y0:.1f} {x1 - bend:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"


def _bend(x0: float, x1: float) -> float:
    return max(abs(x1 - x0) / 2, COL_PX / 3)


def render(ctx, graph: Graph, root_prefix: str) -> Markup:
    tax = ctx.registry.taxonomy
    pos = {n.model.id: (n.x, n.y) for n in graph.nodes}
    parents = {n.model.id: [e.parent for e in graph.edges if e.child == n.model.id] for n in graph.nodes}
    return Markup(
        ctx.render(
            "lineage.html.j2",
            g=graph,
            root=root_prefix,
            tax=tax,
            paths=[(e, edge_path(pos[e.parent], pos[e.child])) for e in graph.edges],
            parents=parents,
            first_year=graph.years[0][0],
            last_year=graph.years[-1][0],
        )
    )


def generate(ctx) -> None:
    # The home page template places the graph with {{ lineage_graph }}; pages run after this generator.
    ctx.env.globals["lineage_graph"] = render(ctx, layout(list(ctx.registry.models)), "")
