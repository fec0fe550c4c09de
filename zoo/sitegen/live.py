"""Live runs and the figures they start from: every model's mixing matrix, computed by its own kernel.

At build time, for every model in the registry, ``kernels_wasm.api.simulate`` runs on a fixed seeded input
and its results become static figures, correct by construction and readable without JavaScript:

    assets/data/figs/<id>-mixing-t8.svg           A (o = A v) for T = 8: the card's small grid
    assets/data/figs/<id>-mixing-t8-dark.svg      the same grid on the dark palette's colour scale
    assets/data/figs/<id>-mixing-t32.{json,svg}   A for T = 32: the model page
    assets/data/figs/<id>-norms-t32.json          ||S_t||_F (state norm) and ||o_t|| over t, same run

The same files then run in the reader's browser, in one download with the worker's own Python program:

    assets/data/live/python.json                  {"kernels_wasm": {file name: source}, "worker": source of
                                                  docs/assets/js/live/worker.py}
    assets/data/live/<id>.json                    the panel's settings: module, sliders, defaults, and the
                                                  layout of the next file
    assets/data/live/<id>-run.bin                 the build-time run at the defaults (float32 A, o, states,
                                                  state norms): the panel draws it the moment Run is
                                                  pressed, labelled as computed at build time, while
                                                  Pyodide starts; the live run then replaces it
    assets/data/live/compare.json                 the models the compare page offers
    compare.md                                    the compare page

Mixing matrices use one diverging colour scale, symmetric around 0 (delta-rule models write negative
weights), so colours mean the same on every card, page and compare panel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from markupsafe import Markup, escape

from zoo.sitegen import live_snapshot, pyodide_assets
from zoo.sitegen.chart_style import COLORSCALE, COLORSCALES, template
from zoo.sitegen.tex import plain_math

SEED = 0
CARD = {"T": 8, "d": 8}
PAGE = {"T": 32, "d": 16}
# Slider ranges (min, max, step) for the live panel; T = 128, d = 32 is the latency target of issue 4.
RANGES = {"T": (4, 256, 4), "d": (2, 64, 2), "seed": (0, 99, 1)}
FIGS = "assets/data/figs"
LIVE = "assets/data/live"
PYTHON = f"{LIVE}/python.json"
WORKER_PY = "assets/js/live/worker.py"  # under docs/


def py_value(x: float) -> int | float:
    """A live parameter as the browser sends it: JSON has one number type, so 4.0 arrives as the int 4.

    Build-time figures use the same conversion, so a default run in the browser equals the static figure.
    """
    x = float(x)
    return int(x) if x.is_integer() else x


def defaults(model) -> dict[str, int | float]:
    return {p.name: py_value(p.default) for p in model.kernel.params}


@dataclass
class Run:
    """One simulate() call: the arrays the figures show, in plain numpy."""

    A: np.ndarray  # (T, T); (d_v, T, T) per channel (Mamba-1) or (H, T, T) per query head (GQA);
    #                (d_v, T, T d_v) for multi-input SSMs (S5)
    o: np.ndarray  # (T, d_v); (T, H d_v) with the heads side by side
    state_norm: np.ndarray | None  # (T,) Frobenius norm of S_t; None for softmax (KV cache) models
    checksum: float
    states: np.ndarray | None = None  # (T, ...) the state after each step; None for softmax models
    slices: str | None = None  # what the first axis of a 3-D A indexes: "channel" or "query head"

    @property
    def A2(self) -> np.ndarray:
        """The (T, T n) matrix to draw: per-channel (per-head) models show their first channel (head)."""
        return self.A[0] if self.A.ndim == 3 else self.A

    @property
    def per_step(self) -> int:
        """Columns of A per step: n when each step writes n values (DeltaProduct's n_h), else 1."""
        return self.A2.shape[1] // self.A2.shape[0]


def simulate(model, T: int, d: int, seed: int = SEED) -> Run:
    from kernels_wasm import api  # imported here so that `zoo` stays light for commands that build nothing
    from zoo.sitegen.build import BuildError  # (zoo.sitegen.build imports this module: no top-level import)

    where = f"model '{model.id}': kernels_wasm/{model.kernel.module}.py, simulate(T={T}, d={d}, seed={seed})"
    try:
        r = api.simulate(model.kernel.module, T=T, d=d, seed=seed, **defaults(model))
    except Exception as err:  # name the model: a kernel bug otherwise surfaces as a bare numpy trace
        raise BuildError(f"{where} failed: {type(err).__name__}: {err}") from err
    A = np.asarray(r["A"], dtype=np.float64)
    # (T, T); (d_v, T, T) per channel or (H, T, T) per query head; (T, T n) when each step writes n
    # values (DeltaProduct); (d_v, T, T d_v) when every output channel reads every input channel (S5, LRU):
    # a sub-step per channel.
    shape_ok = (A.ndim == 3 and A.shape[1] == T and A.shape[2] % T == 0 and A.shape[2] > 0) or (
        A.ndim == 2 and A.shape[0] == T and A.shape[1] % T == 0 and A.shape[1] > 0
    )
    if not shape_ok or not np.all(np.isfinite(A)):
        raise BuildError(
            f"{where}: the mixing matrix has shape {A.shape} or non-finite entries; expected a finite "
            f"({T}, {T}), (d_v, {T}, {T} n) or ({T}, {T} n) array"
        )
    norm, S = r.get("state_norm"), r.get("states")
    return Run(
        A,
        np.asarray(r["o"], dtype=np.float64),
        None if norm is None else np.asarray(norm),
        r["checksum"],
        None if S is None else np.asarray(S, dtype=np.float64),
        r.get("slices"),
    )


# The arrays a live run sends the panel (docs/assets/js/live/worker.py ARRAYS), in the .bin's order.
RUN_ARRAYS = ("A", "o", "states", "state_norm")


def run_binary(run: Run) -> tuple[bytes, dict]:
    """The build-time run as the panel draws it: float32, little-endian, arrays one after the other.

    Float32 halves the download and is far finer than a heatmap's colours or a tooltip's 3 digits; the
    checksum the panel compares with stays the float64 one. Returns (bytes, {name: shape or None}).
    """
    parts, shapes = [], {}
    for name in RUN_ARRAYS:
        a = getattr(run, name)
        shapes[name] = None if a is None else list(a.shape)
        if a is not None:
            parts.append(np.ascontiguousarray(a, dtype="<f4").tobytes())
    return b"".join(parts), shapes


def _round(a: np.ndarray) -> list:
    # 6 significant digits: invisible in a heatmap, and it keeps 38 x 3 figures small.
    return np.vectorize(lambda x: float(f"{x:.6g}"), otypes=[float])(a).tolist()


def _zmax(A: np.ndarray) -> float:
    m = float(np.max(np.abs(A))) if A.size else 0.0
    return m if m > 0 else 1.0


def mixing_figure(model, run: Run, T: int, d: int) -> dict:
    import plotly.graph_objects as go

    A = run.A2
    zmax = _zmax(A)
    channel = f" ({run.slices} 1)" if run.A.ndim == 3 else ""
    n = run.per_step  # sub-step j of step s sits at x = s + j / n, so steps stay unit squares
    fig = go.Figure(
        go.Heatmap(
            z=_round(A),
            x=[c // n + 1 + (c % n) / n for c in range(A.shape[1])],
            y=list(range(1, T + 1)),
            zmin=-zmax,
            zmax=zmax,
            colorscale=COLORSCALE,
            showscale=True,
            hovertemplate="output t=%{y}<br>source s=%{x}<br>A=%{z:.4g}<extra></extra>",
        ),
        layout=dict(
            template=template(),
            # short titles fit a phone-wide column; the intro above the figures gives T, d and the seed
            title=dict(text=f"mixing matrix A{channel}"),
            xaxis=dict(title=dict(text="source step s"), constrain="domain"),
            # a square matrix at any column width: the plot area shrinks, the ranges stay 1..T
            yaxis=dict(
                title=dict(text="output step t"), autorange="reversed", scaleanchor="x", constrain="domain"
            ),
            margin=dict(l=50, r=10, t=40, b=40),
        ),
    )
    return fig.to_plotly_json()


def norms_figure(model, run: Run, T: int, d: int) -> dict:
    import plotly.graph_objects as go

    t = list(range(1, T + 1))
    traces = [go.Scatter(x=t, y=_round(np.linalg.norm(run.o, axis=1)), name="‖oₜ‖ output", mode="lines")]
    if run.state_norm is not None:
        traces.insert(
            0, go.Scatter(x=t, y=_round(run.state_norm), name="‖Sₜ‖ state (Frobenius)", mode="lines")
        )
    fig = go.Figure(
        traces,
        layout=dict(
            template=template(),
            title=dict(text="state and output norms"),
            xaxis=dict(title=dict(text="step t")),
            yaxis=dict(title=dict(text="norm"), rangemode="tozero"),
            legend=dict(orientation="h", y=-0.25),
            margin=dict(l=50, r=10, t=40, b=40),
        ),
    )
    return fig.to_plotly_json()


def _colour(x: float, scale: list) -> str:
    """``scale`` at x in [0, 1], linearly interpolated in RGB (what Plotly does)."""
    for (a, ca), (b, cb) in zip(scale, scale[1:], strict=False):
        if x <= b:
            f = 0.0 if b == a else (x - a) / (b - a)
            rgb = [round(int(ca[i : i + 2], 16) * (1 - f) + int(cb[i : i + 2], 16) * f) for i in (1, 3, 5)]
            return "#" + "".join(f"{c:02x}" for c in rgb)
    return scale[-1][1]


def mixing_svg(model, run: Run, T: int, d: int, scheme: str = "light") -> str:
    """The mixing matrix as a plain SVG grid: readable without JavaScript and cheap on a page of 38 cards.

    ``scheme`` picks the palette's colour scale: an <img> cannot follow the page's palette, so the home
    page's cards carry one grid per palette and CSS shows the current one (home.css)."""
    scale = COLORSCALES[scheme]
    A = run.A2
    zmax = _zmax(A)
    n = run.per_step
    cell = 10  # one step; each of a step's n columns is cell / n wide
    rects = []
    for i in range(T):  # row i = output step t, column j = source step s, as in the Plotly figure
        for j in range(A.shape[1]):
            if j // n > i and A[i, j] == 0:
                continue  # causal zeros: no cell, so the empty triangle reads as "cannot see the future"
            fill = _colour((A[i, j] / zmax + 1) / 2, scale)
            rects.append(
                f'<rect x="{j * cell / n:g}" y="{i * cell}" width="{cell / n:g}" height="{cell}" '
                f'fill="{fill}"/>'
            )
    size = T * cell
    title = escape(
        f"{model.name}: effective mixing matrix A (o = A v), T={T}, d={d}, seed {SEED}; "
        f"largest |A| = {zmax:.3g}"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" height="{size}" '
        f'role="img"><title>{title}</title>{"".join(rects)}</svg>\n'
    )


def write_python(ctx) -> list[str]:
    """Every Python source a live run needs, in one file: kernels_wasm and the worker's own program."""
    src = ctx.root / "kernels_wasm"
    files = sorted(p.name for p in src.glob("*.py"))
    ctx.write_json(
        PYTHON,
        {
            "kernels_wasm": {name: (src / name).read_text(encoding="utf-8") for name in files},
            "worker": (ctx.docs / WORKER_PY).read_text(encoding="utf-8"),
        },
    )
    return files


def panel_config(model, checksum: float, build_run: dict, slices: str | None = None) -> dict:
    return {
        "id": model.id,
        "name": model.name,
        "short_name": model.short_name,
        "module": model.kernel.module,
        "defaults": {**PAGE, "seed": SEED},
        "ranges": RANGES,
        "params": [
            # label and help are drawn as plain text: kₜ rather than k_t
            {
                **p.model_dump(),
                "default": py_value(p.default),
                "label": plain_math(p.label),
                "help": plain_math(p.help),
            }
            for p in model.kernel.params
        ],
        "static_checksum": checksum,  # api.simulate at the defaults, for a quick "matches the build" check
        "build_run": build_run,  # {"file", "shapes"}: the same run's arrays, drawn while Pyodide starts
        "slices": slices,  # what the slider over a 3-D mixing matrix picks: "channel", "query head" or None
    }


def generate(ctx) -> None:
    assets = pyodide_assets.install(ctx.docs, ctx.root)  # whether live runs are available is in its manifest
    write_python(ctx)
    models = list(ctx.registry.models)
    if assets.available:
        warm = [{"module": m.kernel.module, "params": defaults(m)} for m in models]
        assets.snapshot = live_snapshot.make(ctx.docs / pyodide_assets.VENDOR_DIR, ctx.docs / PYTHON, warm)
        pyodide_assets.write_manifest(ctx.docs, assets)
    slices = {}
    for m in models:
        small = simulate(m, **CARD)
        ctx.write(f"{FIGS}/{m.id}-mixing-t8.svg", mixing_svg(m, small, **CARD))
        ctx.write(f"{FIGS}/{m.id}-mixing-t8-dark.svg", mixing_svg(m, small, **CARD, scheme="dark"))
        big = simulate(m, **PAGE)
        ctx.write_json(f"{FIGS}/{m.id}-mixing-t32.json", mixing_figure(m, big, **PAGE))
        ctx.write(f"{FIGS}/{m.id}-mixing-t32.svg", mixing_svg(m, big, **PAGE))
        ctx.write_json(f"{FIGS}/{m.id}-norms-t32.json", norms_figure(m, big, **PAGE))
        data, shapes = run_binary(big)
        binary = ctx.docs / LIVE / f"{m.id}-run.bin"
        binary.parent.mkdir(parents=True, exist_ok=True)
        binary.write_bytes(data)
        build_run = {"file": f"{LIVE}/{m.id}-run.bin", "shapes": shapes}
        ctx.write_json(f"{LIVE}/{m.id}.json", panel_config(m, big.checksum, build_run, big.slices))
        slices[m.id] = big.slices

        ctx.add_card_slot(m.id, Markup(ctx.render("live_card.html.j2", m=m, root="", figs=FIGS, **CARD)))
        root = ctx.root_from(f"models/{m.id}.md")
        ctx.add_page_section(
            m.id,
            "Run it live",
            Markup(
                ctx.render(
                    "live_panel.html.j2",
                    m=m,
                    root=root,
                    figs=FIGS,
                    live=LIVE,
                    seed=SEED,
                    download_mb=round(assets.download_bytes / 1e6),
                    **PAGE,
                )
            ),
        )

    ctx.write_json(
        f"{LIVE}/compare.json",
        {
            "defaults": {**PAGE, "seed": SEED},
            "ranges": RANGES,
            "models": [
                {
                    "id": m.id,
                    "name": m.name,
                    "short_name": m.short_name,
                    "readout": m.readout,
                    "decay": list(m.decay),
                    "module": m.kernel.module,
                    "params": defaults(m),
                    "slices": slices[m.id],
                }
                for m in models
            ],
        },
    )
    readouts = [
        (key, facet, [m for m in models if m.readout == key])
        for key, facet in ctx.registry.taxonomy.readouts.items()
    ]
    ctx.write(
        "compare.md",
        ctx.render(
            "live_compare.md.j2",
            readouts=readouts,
            root=ctx.root_from("compare.md"),
            live=LIVE,
            seed=SEED,
            **PAGE,
        ),
    )
    ctx.add_nav("Compare", "compare.md")
