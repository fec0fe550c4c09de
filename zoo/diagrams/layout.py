"""Layout: a resolved block (ops in dataflow order) -> boxes and wires with coordinates.

Glossary
--------
rank     row index, 0 = the block input; an op sits one row below the lowest of its inputs.
column   lane index, 0 = the main column (leftmost); a branch moves right when its cell is taken.
cell     (rank, column); holds at most one box, or the vertical part of the wires from one source.
wire     an orthogonal polyline from a box's bottom (or the skip tap) to another box's top or side.
skip     a residual connection: drawn in a channel left of column 0, entering the residual '+' from the left.

Nothing is hand-placed: box sizes come from estimated text widths, cells are claimed greedily in op order
(an op prefers its first input's column), and wires are routed only through cells they have reserved,
so wires never run through boxes. ``find_overlaps`` re-checks the finished geometry independently; the
tests run it on every block and every hybrid stack.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from zoo.schema.blocks import INPUT, Op

# Sizes in SVG user units (px at 100% zoom).
FONT = 11.0  # box text
FONT_SMALL = 10.0  # terminals, captions: 10 px, the smallest text the site draws
PAD_X = 8.0  # text padding inside a box
BOX_H = 24.0
CIRCLE = 20.0  # diameter of the x / + nodes
MIXER_MIN_W = 120.0
COL_GAP = 14.0
GAP = 20.0  # vertical space between rows (wires turn in its middle)
LANE = 5.0  # extra gap height per additional horizontal wire lane
MARGIN = 6.0
SKIP_LANE = 9.0  # horizontal spacing of residual channels
TERMINAL_H = 14.0
TAG_H = 14.0  # decay tags on the mixer box
TAG_FONT = 10.0  # at card size (scale 1) still 10 px
TAG_GAP = 4.0
JOG_W = 6.0  # width of a column that only carries a wire
FAN = 6.0  # spacing of the parallel lines when one box feeds several boxes down the same detour column

_NARROW = set("ijl.,:;'|!()[]ı·ᵀ ")
_WIDE = set("mwMW@%×→")
# Arrows and the minus sign are a full em-ish wide in common sans fonts (0.84 em in DejaVu Sans): a recurrence
# line such as Titans' "U ← ηU − θ(Sk − v)kᵀ; S ← (1−α)S + U" ran into its box's border at 0.56-0.66.
_OPERATOR = set("←−")


def text_width(text: str, size: float = FONT, bold: bool = False) -> float:
    """Estimated rendered width of ``text`` in a sans-serif font (deliberately generous, never measured)."""
    w = 0.0
    for ch in text:
        if ch in _NARROW:
            w += 0.32
        elif ch in _WIDE:
            w += 0.88
        elif ch in _OPERATOR:
            w += 0.84
        elif ch.isupper():
            w += 0.68
        elif ch.isdigit():
            w += 0.58
        elif ord(ch) > 0x2000:  # math symbols, arrows, Greek: usually a little wider than lowercase
            w += 0.66
        else:
            w += 0.56
    return w * size * (1.1 if bold else 1.04)


def wrap(text: str, width: float, size: float = FONT_SMALL) -> list[str]:
    """Greedy word wrap by estimated width."""
    lines: list[str] = []
    cur = ""
    for word in text.split():
        trial = f"{cur} {word}".strip()
        if cur and text_width(trial, size) > width:
            lines.append(cur)
            cur = word
        else:
            cur = trial
    if cur:
        lines.append(cur)
    return lines or [""]


@dataclass
class Box:
    id: str
    op: str  # an op name from spec.OPS, or 'terminal'
    shape: str  # rect | circle | mixer | terminal | layer
    lines: list[str]  # text lines drawn inside (centred)
    desc: str  # hover/focus description
    w: float
    h: float
    rank: int = 0
    col: int = 0
    x: float = 0.0  # top-left corner
    y: float = 0.0
    sizes: list[float] = field(default_factory=list)  # font size per line
    extra: dict = field(default_factory=dict)  # renderer hints (decay tags, link, css class)

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass
class Wire:
    src: str
    dst: str
    points: list[tuple[float, float]]
    kind: str = "data"  # data | skip
    arrow: bool = True


@dataclass
class Layout:
    width: float
    height: float
    boxes: list[Box]
    wires: list[Wire]
    caption_y: float = 0.0  # top of the strip where hover descriptions appear
    caption_lines: int = 0

    def box(self, box_id: str) -> Box:
        return next(b for b in self.boxes if b.id == box_id)


def _inputs(ops: list[Op]) -> dict[str, list[str]]:
    return {
        op.id: (op.in_ if op.in_ is not None else [ops[i - 1].id if i else INPUT]) for i, op in enumerate(ops)
    }


def tag_widths(tags: list[str]) -> list[float]:
    """Widths of the small decay tags drawn in a row at the bottom of the mixer box."""
    return [text_width(t, TAG_FONT) + 8 for t in tags]


def op_box(op: Op, mixer_lines: list[str] | None = None, tags: list[str] | None = None) -> Box:
    """The box for one op, sized from its text."""
    if op.op in ("multiply", "add", "residual"):
        text = op.label or ("×" if op.op == "multiply" else "+")
        if text_width(text, FONT) + 8 <= CIRCLE:
            return Box(op.id, op.op, "circle", [text], op.description(), CIRCLE, CIRCLE, sizes=[13.0])
        # a labelled merge ("+ skip") is drawn as a pill wide enough for its text
        return Box(
            op.id, op.op, "pill", [text], op.description(), text_width(text) + 2 * PAD_X, CIRCLE, sizes=[FONT]
        )
    if op.op == "mixer" and mixer_lines is not None:
        sizes = [FONT + 0.5, FONT, FONT_SMALL][: len(mixer_lines)]
        w = max(
            MIXER_MIN_W,
            *(
                text_width(t, s, bold=(i == 0)) + 2 * PAD_X
                for i, (t, s) in enumerate(zip(mixer_lines, sizes, strict=True))
            ),
        )
        h = 8 + sum(s * 1.3 for s in sizes) + 4
        if tags:
            tw = tag_widths(tags)
            w = max(w, sum(tw) + TAG_GAP * (len(tw) - 1) + 2 * PAD_X)
            h += TAG_H + 4
        return Box(
            op.id,
            op.op,
            "mixer",
            mixer_lines,
            op.description(),
            w,
            h,
            sizes=sizes,
            extra={"tags": list(tags or [])},
        )
    text = op.text()
    return Box(
        op.id, op.op, "rect", [text], op.description(), text_width(text) + 2 * PAD_X, BOX_H, sizes=[FONT]
    )


class _Grid:
    """Which cells are taken by boxes, and which by the vertical wires of which source."""

    def __init__(self):
        self.box: dict[tuple[int, int], str] = {}
        self.wire: dict[tuple[int, int], set[str]] = {}

    def free_for_box(self, r: int, c: int, who: str = "") -> bool:
        return self.box.get((r, c), who) == who and not (self.wire.get((r, c), set()) - {who})

    def free_for_wire(self, r: int, c: int, src: str) -> bool:
        return (r, c) not in self.box and self.wire.get((r, c), set()) <= {src}


def layout_block(
    ops: list[Op],
    mixer_lines: dict[str, list[str]],
    input_label: str = "x",
    output_label: str = "output",
    caption_width: float | None = None,
    mixer_tags: dict[str, list[str]] | None = None,
) -> Layout:
    """Place every op of a resolved block.

    ``mixer_lines`` maps mixer op ids to their text lines, ``mixer_tags`` to the decay tags under them.
    """
    ins = _inputs(ops)
    boxes: dict[str, Box] = {}
    term_in = Box(
        INPUT,
        "terminal",
        "terminal",
        [input_label],
        "The block input: one token's feature vector.",
        text_width(input_label, FONT_SMALL) + 4,
        TERMINAL_H,
        sizes=[FONT_SMALL],
    )
    boxes[INPUT] = term_in
    grid = _Grid()
    grid.box[(0, 0)] = INPUT
    routes: dict[tuple[str, str], str] = {}  # (src, dst) -> 'straight' | 'side' | 'down' | 'across'

    # Ranks do not depend on columns, so compute them first.
    rank = {INPUT: 0}
    for op in ops:
        rank[op.id] = 1 + max(rank[s] for s in ins[op.id])
    # The spine: from the last op back along first inputs. It owns column 0 (its cells and the straight
    # wires between them are reserved up front), so side branches never push the main path sideways.
    spine = [ops[-1].id]
    while spine[-1] != INPUT:
        spine.append(ins[spine[-1]][0] if spine[-1] in ins else INPUT)
    for below, above in zip(spine, spine[1:], strict=False):
        grid.box[(rank[below], 0)] = below
        for q in range(rank[above] + 1, rank[below]):
            grid.wire.setdefault((q, 0), set()).add(above)

    for op in ops:
        box = op_box(op, mixer_lines.get(op.id), (mixer_tags or {}).get(op.id))
        srcs = [boxes[s] for s in ins[op.id]]
        r = rank[op.id]
        pref = 0 if op.id in spine else srcs[0].col
        for c in [pref, *range(pref + 1, pref + 8), *range(pref - 1, -1, -1)]:
            plan = _plan(grid, srcs, r, c, op.id)
            if plan is not None:
                break
        else:
            raise RuntimeError(f"layout: no free cell for op '{op.id}'")  # 16 columns: never in practice
        box.rank, box.col = r, c
        grid.box[(r, c)] = op.id
        for s, (how, cells) in zip(srcs, plan, strict=True):
            routes[(s.id, op.id)] = how
            for cell in cells:
                grid.wire.setdefault(cell, set()).add(s.id)
        boxes[op.id] = box

    last = ops[-1]
    out_r = boxes[last.id].rank + 1
    term_out = Box(
        "output",
        "terminal",
        "terminal",
        [output_label],
        "The block output, passed to the next layer.",
        text_width(output_label, FONT_SMALL) + 4,
        TERMINAL_H,
        rank=out_r,
        col=boxes[last.id].col,
        sizes=[FONT_SMALL],
    )
    boxes["output"] = term_out
    routes[(last.id, "output")] = "straight"

    # Residual channels: one lane per overlapping skip span, left of column 0.
    skips = [(op.skip or INPUT, op.id) for op in ops if op.op == "residual"]
    lanes: list[list[tuple[int, int]]] = []
    skip_lane: dict[str, int] = {}
    for s, d in skips:
        span = (boxes[s].rank, boxes[d].rank)
        for li, used in enumerate(lanes):
            if all(span[1] <= a or span[0] >= b for a, b in used):
                used.append(span)
                skip_lane[d] = li
                break
        else:
            lanes.append([span])
            skip_lane[d] = len(lanes) - 1
    left = MARGIN + (len(lanes) * SKIP_LANE + 4 if lanes else 0)

    # One box feeding several boxes down the same detour column (Hyena's x1 and x2 gates): each wire gets its
    # own line there, else they read as one input. The farthest-reaching runs outermost and turns highest,
    # so no line crosses another.
    fans: dict[tuple[str, int], list[str]] = {}
    for (s, d), how in routes.items():
        if how.startswith("jog"):
            fans.setdefault((s, int(how.split(":")[1])), []).append(d)
    fan_off: dict[tuple[str, str], float] = {}
    fan_w: dict[int, float] = {}
    for (s, j), dsts in fans.items():
        dsts.sort(key=lambda d: -boxes[d].rank)
        for i, d in enumerate(dsts):
            fan_off[(s, d)] = ((len(dsts) - 1) / 2 - i) * FAN  # positive: away from the source
        fan_w[j] = max(fan_w.get(j, 0.0), (len(dsts) - 1) * FAN)

    # Column x positions from the widest box in each column (a column holding only a wire is narrow).
    jog_cols = [int(how.split(":")[1]) for how in routes.values() if how.startswith("jog")]
    ncols = 1 + max([b.col for b in boxes.values()] + jog_cols)
    col_w = [
        max([b.w for b in boxes.values() if b.col == c] or [JOG_W + fan_w.get(c, 0.0)]) for c in range(ncols)
    ]
    col_x = []
    x = left
    for c in range(ncols):
        col_x.append(x)
        x += col_w[c] + COL_GAP
    width = x - COL_GAP + MARGIN

    # Horizontal lanes per gap: count the wires that turn in each gap so they get distinct heights.
    # Top entry points: spread over the box top when several wires enter from above.
    entries: dict[str, list[str]] = {}
    for (s, d), how in routes.items():
        if how not in ("side",) and not how.startswith("jogside"):
            entries.setdefault(d, []).append(s)
    nranks = out_r + 1
    gap_users: dict[int, list[tuple[str, str]]] = {r: [] for r in range(nranks)}  # gap above rank r
    for (s, d), how in routes.items():
        if how == "down" or (how == "straight" and len(entries[d]) > 1):
            gap_users[boxes[d].rank].append((s, d))
        elif how == "across":
            gap_users[boxes[s].rank + 1].append((s, d))
        elif how.startswith("jog"):
            gap_users[boxes[s].rank + 1].append((s, d))
            if how.startswith("jog:"):
                gap_users[boxes[d].rank].append((s, d + ":in"))
    for s, d in skips:
        gap_users[boxes[s].rank + 1].append((s, "skip:" + d))
    for (s, _), dsts in fans.items():  # a fan turns farthest-reaching first (see fan_off)
        users = gap_users[boxes[s].rank + 1]
        at = sorted(users.index((s, d)) for d in dsts)
        for i, d in zip(at, dsts, strict=True):
            users[i] = (s, d)
    row_h = [max([b.h for b in boxes.values() if b.rank == r] or [0.0]) for r in range(nranks)]
    row_y = []
    y = MARGIN
    gap_mid: dict[int, list[float]] = {}
    for r in range(nranks):
        if r:
            n = max(1, len(gap_users[r]))
            g = GAP + (n - 1) * LANE
            gap_mid[r] = [y + GAP / 2 + i * LANE for i in range(n)]
            y += g
        row_y.append(y)
        y += row_h[r]
    height = y + MARGIN

    for b in boxes.values():
        b.x = col_x[b.col] + (col_w[b.col] - b.w) / 2
        b.y = row_y[b.rank] + (row_h[b.rank] - b.h) / 2

    def gap_y(r: int, key: tuple[str, str]) -> float:
        users = gap_users[r]
        return gap_mid[r][users.index(key)] if key in users else row_y[r] - GAP / 2

    entry_x: dict[tuple[str, str], float] = {}
    for d, srcs in entries.items():
        bd = boxes[d]
        srcs.sort(key=lambda s: boxes[s].cx)
        k = len(srcs)
        span = min(bd.w * 0.6, 14.0 * (k - 1)) if bd.shape != "circle" else min(bd.w * 0.5, 5.0 * (k - 1))
        for i, s in enumerate(srcs):
            entry_x[(s, d)] = bd.cx + (0 if k == 1 else -span / 2 + span * i / (k - 1))

    # Side entry points: several wires entering one side get distinct heights, the nearest column on top
    # (so a far wire's horizontal run never crosses a near wire's vertical one).
    side_x_of: dict[tuple[str, str], float] = {}
    for (s, d), how in routes.items():
        if how == "side":
            side_x_of[(s, d)] = boxes[s].cx
        elif how.startswith("jogside"):
            j = int(how.split(":")[1])
            side_x_of[(s, d)] = col_x[j] + col_w[j] / 2
    side_y: dict[tuple[str, str], float] = {}
    for d in {d for _, d in side_x_of}:
        bd = boxes[d]
        for right in (True, False):
            group = [(s, x) for (s, dd), x in side_x_of.items() if dd == d and (x > bd.cx) == right]
            group.sort(key=lambda sx: abs(sx[1] - bd.cx))
            k = len(group)
            for i, (s, _) in enumerate(group):
                off = 0.0 if k == 1 else (i - (k - 1) / 2) * min(7.0, bd.h * 0.7 / (k - 1))
                side_y[(s, d)] = bd.cy + off

    def side_point(bd: Box, key: tuple[str, str], from_right: bool) -> tuple[float, float]:
        y = side_y[key]
        if bd.shape == "circle":
            r = bd.w / 2
            dx = math.sqrt(max(r * r - (y - bd.cy) ** 2, 0.0))
            return (bd.cx + dx if from_right else bd.cx - dx, y)
        return (bd.x + bd.w if from_right else bd.x, y)

    wires: list[Wire] = []
    for (s, d), how in routes.items():
        bs, bd = boxes[s], boxes[d]
        if how == "side":
            sx, sy = side_point(bd, (s, d), bs.cx > bd.cx)
            pts = [(bs.cx, bs.bottom), (bs.cx, sy), (sx, sy)]
        elif how == "straight" and abs(entry_x[(s, d)] - bs.cx) < 0.01:
            pts = [(bs.cx, bs.bottom), (bs.cx, bd.y)]
        elif how in ("straight", "down"):
            gy = gap_y(bd.rank, (s, d))
            ex = entry_x[(s, d)]
            pts = [(bs.cx, bs.bottom), (bs.cx, gy), (ex, gy), (ex, bd.y)]
        elif how.startswith("jog"):  # across below the source, down a free column, then into the box
            jx = col_x[int(how.split(":")[1])] + col_w[int(how.split(":")[1])] / 2
            jx += fan_off[(s, d)] if jx > bs.cx else -fan_off[(s, d)]
            gy = gap_y(bs.rank + 1, (s, d))
            if how.startswith("jogside"):
                sx, sy = side_point(bd, (s, d), jx > bd.cx)
                pts = [(bs.cx, bs.bottom), (bs.cx, gy), (jx, gy), (jx, sy), (sx, sy)]
            else:
                gy2 = gap_y(bd.rank, (s, d + ":in"))
                ex = entry_x[(s, d)]
                pts = [(bs.cx, bs.bottom), (bs.cx, gy), (jx, gy), (jx, gy2), (ex, gy2), (ex, bd.y)]
        else:  # across: turn right below the source, then down the destination's column
            gy = gap_y(bs.rank + 1, (s, d))
            ex = entry_x[(s, d)]
            pts = [(bs.cx, bs.bottom), (bs.cx, gy), (ex, gy), (ex, bd.y)]
        wires.append(Wire(s, d, _simplify(pts), "data"))
    for s, d in skips:
        bs, bd = boxes[s], boxes[d]
        lane_x = MARGIN + 2 + skip_lane[d] * SKIP_LANE
        ty = gap_y(bs.rank + 1, (s, "skip:" + d))
        pts = [(bs.cx, ty), (lane_x, ty), (lane_x, bd.cy), (bd.x, bd.cy)]
        wires.append(Wire(s, d, pts, "skip"))

    lay = Layout(width, height, list(boxes.values()), wires)
    if caption_width is not None:
        _add_caption_strip(lay, caption_width)
    return lay


def _add_caption_strip(lay: Layout, min_width: float) -> None:
    """Reserve room under the diagram for the description of the hovered/focused op."""
    lay.width = max(lay.width, min_width)
    n = max(len(wrap(caption_text(b), lay.width - 2 * MARGIN)) for b in lay.boxes)
    lay.caption_y = lay.height
    lay.caption_lines = n
    lay.height += n * FONT_SMALL * 1.35 + MARGIN


def caption_text(b: Box) -> str:
    """What the caption strip says while box ``b`` is hovered or focused."""
    return f"{' '.join(b.lines)}: {b.desc}"


def _plan(grid: _Grid, srcs: list[Box], r: int, c: int, who: str):
    """Can box ``who`` go in cell (r, c) with a clean route from every source? -> [(how, cells)] or None."""
    if not grid.free_for_box(r, c, who):
        return None
    plan = []
    saved = {cell: set(v) for cell, v in grid.wire.items()}
    try:
        for s in srcs:
            step = _plan_one(grid, s, r, c)
            if step is None:
                return None
            plan.append(step)
            for cell in step[1]:  # claim now, so the next source of this box cannot reuse the cells
                grid.wire.setdefault(cell, set()).add(s.id)
        return plan
    finally:
        grid.wire = saved  # the caller claims the cells of the accepted plan


def _plan_one(grid: _Grid, s: Box, r: int, c: int):
    """Route from source ``s`` into cell (r, c): (how, cells) or None. Cheapest shape first."""
    between = range(s.rank + 1, r)

    def free(cells):
        return all(grid.free_for_wire(q, cc, s.id) for q, cc in cells)

    if s.col == c:
        cells = [(q, c) for q in between]
        # blocked in its own column: detour through a free one
        return ("straight", cells) if free(cells) else _jog(grid, s, r, c)
    lo, hi = sorted((s.col, c))
    # side entry: down the source column to the box's middle, then straight across its row
    cells = [(q, s.col) for q in range(s.rank + 1, r + 1)]
    if all((r, cc) not in grid.box for cc in range(lo + 1, hi)) and free(cells):
        return ("side", cells)
    cells = [(q, s.col) for q in between]
    if free(cells):
        return ("down", cells)
    cells = [(q, c) for q in between]
    # 'across' starts its vertical in the gap under row s.rank: that column must not hold another box
    # there, whose own outgoing wire would run down the same line.
    if free(cells) and (s.rank, c) not in grid.box:
        return ("across", [(s.rank, c), *cells])  # keep later boxes out of the turning point
    return _jog(grid, s, r, c)


def _jog(grid: _Grid, s: Box, r: int, c: int):
    """Across below the source to a free column j, down it, then into the box (from the side if the box's
    row is clear, else from the top). A fresh column on the right always works."""
    ncols = 1 + max([cc for _, cc in grid.box] + [cc for _, cc in grid.wire] + [c])
    for j in sorted(set(range(ncols + 1)) - {s.col, c}, key=lambda j: (abs(j - c), -j)):
        if (s.rank, j) in grid.box:  # that box's own outgoing wire uses the same gap and line
            continue
        lo, hi = sorted((j, c))
        row_clear = all((r, cc) not in grid.box for cc in range(lo + 1, hi))
        # (s.rank, j) is claimed too: a box placed there later would send its own wire down this line
        cells = [(q, j) for q in range(s.rank, r + 1)]
        if row_clear and all(grid.free_for_wire(q, cc, s.id) for q, cc in cells):
            return (f"jogside:{j}", cells)
        cells = cells[:-1]
        if all(grid.free_for_wire(q, cc, s.id) for q, cc in cells):
            return (f"jog:{j}", cells)
    return None


def _simplify(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop repeated and collinear middle points."""
    out: list[tuple[float, float]] = []
    for p in pts:
        if (
            out
            and math.isclose(out[-1][0], p[0], abs_tol=0.01)
            and math.isclose(out[-1][1], p[1], abs_tol=0.01)
        ):
            continue
        if len(out) >= 2:
            (x0, y0), (x1, y1) = out[-2], out[-1]
            if (math.isclose(x0, x1, abs_tol=0.01) and math.isclose(x1, p[0], abs_tol=0.01)) or (
                math.isclose(y0, y1, abs_tol=0.01) and math.isclose(y1, p[1], abs_tol=0.01)
            ):
                out[-1] = p
                continue
        out.append(p)
    return out


# ------------------------------------------------------------------------------------------------------
# Geometry checks (used by tests and by the build as a guard)


def _rects_overlap(a: Box, b: Box, gap: float = 2.0) -> bool:
    return a.x < b.x + b.w + gap and b.x < a.x + a.w + gap and a.y < b.y + b.h + gap and b.y < a.y + a.h + gap


def _segment_hits_box(p: tuple[float, float], q: tuple[float, float], b: Box, inset: float = 1.0) -> bool:
    """Does the axis-parallel segment p-q pass through the interior of box b (shrunk by ``inset``)?"""
    x0, x1 = sorted((p[0], q[0]))
    y0, y1 = sorted((p[1], q[1]))
    bx0, bx1, by0, by1 = b.x + inset, b.x + b.w - inset, b.y + inset, b.y + b.h - inset
    return x0 < bx1 and x1 > bx0 and y0 < by1 and y1 > by0


def find_overlaps(lay: Layout) -> list[str]:
    """Independent geometric audit of a finished layout. Returns human-readable problems (empty = clean).

    Checks: boxes overlap (with a 2-unit gap); a wire crosses a box that is not its own end; two wires from
    different sources run along the same line; text is wider than its box; anything leaves the canvas.
    """
    problems = []
    bs = lay.boxes
    for i, a in enumerate(bs):
        for b in bs[i + 1 :]:
            if _rects_overlap(a, b):
                problems.append(f"boxes '{a.id}' and '{b.id}' overlap")
    for w in lay.wires:
        for p, q in zip(w.points, w.points[1:], strict=False):
            if not (math.isclose(p[0], q[0], abs_tol=0.01) or math.isclose(p[1], q[1], abs_tol=0.01)):
                problems.append(f"wire {w.src}->{w.dst} has a diagonal segment")
            for b in bs:
                if b.id in (w.src, w.dst):
                    continue
                if _segment_hits_box(p, q, b):
                    problems.append(f"wire {w.src}->{w.dst} crosses box '{b.id}'")
    segs = [(w, p, q) for w in lay.wires for p, q in zip(w.points, w.points[1:], strict=False)]
    for i, (w1, p1, q1) in enumerate(segs):
        for w2, p2, q2 in segs[i + 1 :]:
            if w1.src == w2.src:
                continue
            if _collinear_overlap(p1, q1, p2, q2):
                problems.append(f"wires {w1.src}->{w1.dst} and {w2.src}->{w2.dst} run along the same line")
    for b in bs:
        for t, s in zip(b.lines, b.sizes or [FONT] * len(b.lines), strict=False):
            need = text_width(t, s) + (2 if b.shape in ("circle", "terminal", "bracket") else 2 * PAD_X - 4)
            if need > b.w + 0.5:
                problems.append(f"text {t!r} is wider than box '{b.id}'")
        if b.x < -0.01 or b.y < -0.01 or b.x + b.w > lay.width + 0.01 or b.y + b.h > lay.height + 0.01:
            problems.append(f"box '{b.id}' leaves the canvas")
    for w in lay.wires:
        for x, y in w.points:
            if x < 0 or y < 0 or x > lay.width or y > lay.height:
                problems.append(f"wire {w.src}->{w.dst} leaves the canvas")
                break
    return problems


def _collinear_overlap(p1, q1, p2, q2, tol: float = 0.5) -> bool:
    if math.isclose(p1[0], q1[0], abs_tol=0.01) and math.isclose(p2[0], q2[0], abs_tol=0.01):
        if abs(p1[0] - p2[0]) > tol:
            return False
        a0, a1 = sorted((p1[1], q1[1]))
        b0, b1 = sorted((p2[1], q2[1]))
    elif math.isclose(p1[1], q1[1], abs_tol=0.01) and math.isclose(p2[1], q2[1], abs_tol=0.01):
        if abs(p1[1] - p2[1]) > tol:
            return False
        a0, a1 = sorted((p1[0], q1[0]))
        b0, b1 = sorted((p2[0], q2[0]))
    else:
        return False
    return min(a1, b1) - max(a0, b0) > 1.0
