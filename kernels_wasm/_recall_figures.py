"""The recall figures, as plain Plotly JSON: drawn at build time (zoo/sitegen/recall.py) and by the browser's
live runs (``live``, called by the worker), from the same code, so a live redraw at the build's settings is
the build's figure.

``style`` carries the site's chart colours ({"series": [...], "colorscale": [...]}, zoo/sitegen/chart_style.py
at build time, chart-style.js in the browser): Pyodide has no access to the build's Python.
"""

import json

import numpy as np

from . import _recall

GRID = (1, 2, 4, 8, 16, 32, 64, 128, 256)  # N values of the curves, up to 4 d_k
MARGIN = {"l": 50, "r": 10, "t": 40, "b": 40}
ACCURACY_PANEL, ERROR_PANEL = [0.55, 1], [0, 0.45]  # the curves' two panels, as fractions of the plot height


def n_grid(d_k: int) -> list[int]:
    """N from 1 to 4 d_k, in doublings, always through d_k itself (where cross-talk starts)."""
    return sorted({n for n in GRID if n <= 4 * d_k} | {d_k, 4 * d_k})


def _r(a) -> list:
    return [round(float(x), 4) for x in np.ravel(a)]


# Every axis gets its range here rather than from Plotly's autorange: a live redraw whose axes are unchanged
# costs Plotly a third of one that moves them (it re-lays out the ticks, measuring each label), and the
# ranges below move only at a few round values, so a new seed mostly leaves them where they were.
LADDER = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def _nice_top(v: float, floor: float = 0.1) -> float:
    """The smallest round value (1, 1.2, 1.5, 2, ... times a power of 10) above v, at least ``floor``."""
    v = max(float(v), floor)
    scale = 10.0 ** np.floor(np.log10(v))
    return float(next(step * scale for step in LADDER if step * scale >= v * (1 - 1e-12)))


def _value_range(values, pad: float = 0.05) -> list[float]:
    """A y range for curves that start near 0: from 0 (or a round value below the lowest point) to a round
    value above the highest, with ``pad`` of headroom so no marker sits on the edge."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]  # a range is for the points Plotly can draw
    top = _nice_top(v.max() * (1 + pad)) if v.size else 1.0
    low = v.min() if v.size else 0.0
    bottom = -_nice_top(-low * (1 + pad)) if low < 0 else -pad * top
    return [round(bottom, 6), round(top, 6)]


def _log_range(xs) -> list[float]:
    """A log axis through every x, 4% of the span (in decades) of margin each side (log10 units, as Plotly's
    range on a log axis is)."""
    lo, hi = np.log10(min(xs)), np.log10(max(xs))
    margin = 0.04 * (hi - lo) if hi > lo else 0.5
    return [round(float(lo - margin), 6), round(float(hi + margin), 6)]


def _marker(x: float, label: str) -> tuple[dict, dict]:
    shape = {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"dash": "dot", "width": 1},
    }
    note = {
        "x": float(np.log10(x)),  # annotations on a log axis take log10 of the value (shapes take the value)
        "xref": "x",
        # in the gap between the curves' two panels (the top one has no tick labels), where no curve is ever
        # drawn: at the top of the plot it covered the accuracy = 1 lines
        "y": (ERROR_PANEL[1] + ACCURACY_PANEL[0]) / 2,
        "yref": "paper",
        "text": label,
        "showarrow": False,
        "xanchor": "left",
        "yanchor": "middle",
        "font": {"size": 11},
    }
    return shape, note


def curves(series: list[dict], d_k: int, style: dict, title: str = "recall vs number of pairs N") -> dict:
    """Accuracy (top) and mean relative error (bottom) against N, one colour per series, d_k marked.

    series: [{"name", "N": [...], "accuracy": [...], "error": [...]}].
    """
    data = []
    for i, s in enumerate(series):
        colour = style["series"][i % len(style["series"])]
        common = {
            "x": s["N"],
            "mode": "lines+markers",
            "legendgroup": s["name"],
            "line": {"color": colour},
            "marker": {"color": colour, "size": 5},
        }
        data.append(
            {
                **common,
                "y": _r(s["accuracy"]),
                "name": s["name"],
                "type": "scatter",
                "hovertemplate": "N=%{x}<br>accuracy %{y:.2f}<extra>" + s["name"] + "</extra>",
            }
        )
        data.append(
            {
                **common,
                "y": _r(s["error"]),
                "name": s["name"],
                "type": "scatter",
                "showlegend": False,
                "xaxis": "x2",
                "yaxis": "y2",
                "hovertemplate": "N=%{x}<br>error %{y:.2f}<extra>" + s["name"] + "</extra>",
            }
        )
    shape, note = _marker(d_k, f" N = d<sub>k</sub> = {d_k}")
    ticks = sorted({n for s in series for n in s["N"]})
    x_range = _log_range(ticks + [d_k])
    errors = [e for s in series for e in s["error"]]
    return {
        "data": data,
        "layout": {
            "title": {"text": title},
            "height": 420,
            "xaxis": {
                "type": "log",
                "anchor": "y",
                "showticklabels": False,
                "tickvals": ticks,
                "range": x_range,
            },
            "yaxis": {"domain": ACCURACY_PANEL, "range": [-0.04, 1.04], "title": {"text": "accuracy"}},
            "xaxis2": {
                "type": "log",
                "anchor": "y2",
                "matches": "x",
                "tickvals": ticks,
                "range": x_range,
                "title": {"text": "pairs written N"},
            },
            "yaxis2": {"domain": ERROR_PANEL, "range": _value_range(errors), "title": {"text": "error"}},
            "shapes": [shape, {**shape, "xref": "x2"}],
            "annotations": [note],
            "legend": {"orientation": "h", "y": -0.22, "yanchor": "top", "x": 0},
            "margin": {**MARGIN, "b": 60},
        },
    }


def forgetting(
    series: list[dict], style: dict, title: str = "recall vs age of the pair", oldest: int | None = None
) -> dict:
    """The strength of recall, o_j . v_j, against the pair's age (tokens written since): the forgetting curve.

    series: [{"name", "age": [...], "strength": [...]}]. ``oldest``: the x axis's end (the most tokens any
    pair can have been written before the read, which depends on N and the distractors, not on the draw);
    by default the oldest age shown.
    """
    data = []
    for i, s in enumerate(series):
        colour = style["series"][i % len(style["series"])]
        order = np.argsort(s["age"])
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": s["name"],
                "x": [int(a) for a in np.asarray(s["age"])[order]],
                "y": _r(np.asarray(s["strength"])[order]),
                "line": {"color": colour},
                "marker": {"color": colour, "size": 5},
                "hovertemplate": "age %{x}<br>strength %{y:.2f}<extra>" + s["name"] + "</extra>",
            }
        )
    strengths = [float(v) for s in series for v in np.ravel(s["strength"])]
    if oldest is None:
        oldest = max(int(a) for s in series for a in np.ravel(s["age"]))
    return {
        "data": data,
        "layout": {
            "title": {"text": title},
            "height": 320,
            "xaxis": {
                "title": {"text": "age: tokens written since the pair"},
                "range": [0, round(1.05 * oldest, 6)],
            },
            "yaxis": {"title": {"text": "strength o·v"}, "range": _value_range(strengths)},
            "legend": {"orientation": "h", "y": -0.3, "yanchor": "top", "x": 0},
            "margin": {**MARGIN, "b": 60},
        },
    }


def similarity(run: dict, style: dict, title: str = "retrieved vs stored") -> dict:
    """cos(o_j, v_i): row j is the read with key j, column i the stored value i (exact recall: a diagonal)."""
    sim = np.asarray(run["similarity"])
    cols = list(range(1, sim.shape[1] + 1))
    labels = [str(c) for c in cols]
    if sim.shape[1] > run["N"]:
        labels[-1] = "old 1"  # the first key's value before it was written again
    return {
        "data": [
            {
                "type": "heatmap",
                "z": [_r(row) for row in sim],
                "x": labels,
                "y": [str(int(j) + 1) for j in run["read"]],
                "zmin": -1,
                "zmax": 1,
                "colorscale": style["colorscale"],
                "colorbar": {"thickness": 10, "len": 0.8},
                "hovertemplate": "read with key %{y}<br>stored value %{x}<br>cos %{z:.2f}<extra></extra>",
            }
        ],
        "layout": {
            "title": {"text": title},
            "height": 340,
            "xaxis": {"title": {"text": "stored value i"}, "type": "category", "constrain": "domain"},
            "yaxis": {
                "title": {"text": "read with key j"},
                "type": "category",
                "autorange": "reversed",
                "scaleanchor": "x",
                "constrain": "domain",
            },
            "margin": MARGIN,
        },
    }


def model_figures(
    module: str,
    d: int,
    params: dict,
    style: dict,
    seed: int = 0,
    N: int | None = None,
    geometry: str = "random",
    correlation: float = 0.0,
    distractors: int = 0,
    repeat: bool = False,
    unit_keys: bool = False,
    both: bool = True,
    sweep: bool = True,
    read: bool = True,
) -> dict:
    """One model's three figures at one setting: the curves over N (this geometry; with ``both``, orthogonal
    keys beside random ones), the forgetting curve and the similarity matrix at N pairs (default d_k).
    ``sweep`` False leaves the curves out: they do not depend on N, so a live change of N alone skips them.
    ``read`` False leaves out the run at N (forgetting, similarity, summary): the page asks for the curves
    separately, so it draws the other two while Python sweeps N."""
    settings = {
        "correlation": correlation,
        "distractors": distractors,
        "repeat": repeat,
        "unit_keys": unit_keys,
    }
    d_k = _recall.d_width(module, d, params)
    N = d_k if N is None else N
    geometries = ["random", "orthogonal"] if geometry == "random" and both else [geometry]
    grid = n_grid(d_k)
    series = [
        {"name": f"{g} keys", **_recall.sweep(module, d, grid, seed, geometry=g, **settings, **params)}
        for g in (geometries if sweep else [])
    ]
    out = {"curves": curves(series, d_k, style) if sweep else None, "forgetting": None, "similarity": None}
    if not read:
        return out
    run = _recall.recall(module, N, d, seed=seed, geometry=geometry, **settings, **params)
    forget = [{"name": f"N = {N}, D = {distractors}", "age": run["age"], "strength": run["strength"]}]
    writes = N + int(repeat) + distractors  # the first pair's age, whichever pairs the reads pick
    return {
        **out,
        "forgetting": forgetting(forget, style, oldest=writes),
        "similarity": similarity(run, style),
        "summary": {
            "N": N,
            "d_k": d_k,
            "accuracy": run["accuracy"],
            "error": run["mean_error"],
            "positive": run["positive"],
        },
    }


def live(args_json: str) -> str:
    """The worker's recall run: {"module", "d", "seed", "params", "N", "geometry", "correlation",
    "distractors", "repeat", "unit_keys", "sweep", "read", "style"} as JSON -> its figures (those not asked
    for are null), "summary" (with ``read``) and "ms", or {"error": message}, as JSON."""
    import time

    a = json.loads(args_json)
    t0 = time.perf_counter()
    try:
        figs = model_figures(
            a["module"],
            a["d"],
            a["params"],
            a["style"],
            seed=a["seed"],
            N=a["N"],
            geometry=a["geometry"],
            correlation=a["correlation"],
            distractors=a["distractors"],
            repeat=a["repeat"],
            unit_keys=a["unit_keys"],
            both=False,
            sweep=a.get("sweep", True),
            read=a.get("read", True),
        )  # one geometry per live run: half the reads
    except ValueError as err:  # NotApplicable and bad settings: a sentence for the page
        return json.dumps({"error": str(err)})
    figs["ms"] = (time.perf_counter() - t0) * 1000
    return json.dumps(figs)
