"""Trained on MQAR: the Recall page's part with the GPU sweep's results (python -m zoo.recall), and each model
page's own trained points. Called by zoo/sitegen/recall.py, which owns both pages.

Reads the merged result file of benchmarks/recall/ (``python -m zoo.recall merge`` writes it, with each
trial's state size; a part not merged yet is skipped) and benchmarks/recall/published.json. Without a result
file the page says so in one sentence and still shows the protocol and the published points.

    assets/data/recall/mqar-state.json   accuracy vs state bytes (log x), one line per model
    assets/data/recall/mqar-pairs.json   accuracy vs key-value pairs at one width
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from markupsafe import Markup

from zoo.bench.results import BASELINE
from zoo.recall import claims, plan, results
from zoo.recall.data import POWER_A, VOCAB
from zoo.recall.mixers import HEADS, MIXERS
from zoo.recall.state import DTYPE, RECIPE_CONV
from zoo.sitegen import chart_style

RESULTS = "benchmarks/recall"
PUBLISHED = "published.json"
DATA = "assets/data/recall"
NOT_YET = (
    "Trained results are not on this site yet: below are how the models are trained and what the papers "
    "report, to compare them with."
)
STATUS = {  # why a trial has no accuracy, in a reader's words (a sentence of the page opens with it)
    "error": "Training failed",
    "kernel_refused": "The layer's GPU kernel refuses to train on this GPU",
    "wrong_gradients": (
        "The layer's gradients on this GPU did not match finite differences of its forward pass"
    ),
    "unchecked": "Trained before the gradients of its GPU kernel were verified on this GPU, so not shown",
    "cut_short": "Stopped before the end of its schedule, so not comparable",
    "timeout": "Not trained yet",
    "not_run": "Not trained yet",
}


@dataclass
class Trained:
    doc: dict | None  # the merged result document, or None
    source: str | None  # its path in the repository
    published: list[dict]
    rows: dict[str, list[dict]]  # model id -> results.best_points of its entry, for models with an accuracy


def _date(doc: dict) -> str:
    return max((r.get("provenance", {}).get("date") or "" for r in doc.get("runs", [])), default="")


def load(ctx) -> Trained:
    folder = ctx.recall_results or ctx.root / RESULTS
    docs = []
    for path in sorted(folder.glob("*.json")):
        if path.name == PUBLISHED:
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        if "state_definition" in doc:  # merged and annotated: every trial has its state size
            docs.append((doc, path))
    pub_path = ctx.root / RESULTS / PUBLISHED
    if not pub_path.is_file():  # committed data, not a run's output: without it the papers' points vanish
        from zoo.sitegen.build import BuildError  # (zoo.sitegen.build imports the generators)

        raise BuildError(
            f"{RESULTS}/{PUBLISHED} is missing: the recall pages set the papers' own numbers beside ours; "
            f"restore it (git checkout -- {RESULTS}/{PUBLISHED})"
        )
    published = json.loads(pub_path.read_text(encoding="utf-8"))["points"]
    if not docs:
        return Trained(None, None, published, {})
    doc, path = max(docs, key=lambda dp: _date(dp[0]))
    rows = {mid: results.best_points(e) for mid, e in doc["models"].items()}
    rows = {mid: rs for mid, rs in rows.items() if any(r["accuracy"] is not None for r in rs)}
    return Trained(doc, f"{RESULTS}/{path.name}", published, rows)


# ------------------------------------------------------------------------------------------ figures


def _pick(rows: dict[str, list[dict]], fixed: tuple[str, str], vary: str) -> tuple | None:
    """The (fixed values) at which the most models have trained points over the most values of ``vary``."""
    groups: dict[tuple, dict[str, set]] = {}
    for mid, rs in rows.items():
        for r in rs:
            if r["accuracy"] is not None:
                groups.setdefault(tuple(r[k] for k in fixed), {}).setdefault(mid, set()).add(r[vary])
    if not groups:
        return None

    def score(g):
        per = groups[g].values()
        return (sum(len(v) > 1 for v in per), sum(len(v) for v in per), g)

    return max(groups, key=score)


def _bytes_tick(v: float) -> str:
    return f"{v / 1e6:g}M" if v >= 1e6 else f"{v / 1e3:g}k" if v >= 1e3 else f"{v:g}"


def _figure(t: Trained, names: dict, styles: dict, fixed, at, xkey, title, xtitle, ticks: bool) -> dict:
    """One line per model through its points at ``fixed`` == ``at``, x = ``xkey`` on a log axis (ticked at
    the values trained when ``ticks``, else at 1, 2 and 5 of each decade), y = best accuracy."""
    data = []
    for mid in styles:
        pts = sorted(
            (r[xkey], r["accuracy"], r)
            for r in t.rows[mid]
            if tuple(r[k] for k in fixed) == at and r["accuracy"] is not None and r[xkey] is not None
        )
        if not pts:
            continue
        name = names.get(mid, mid)
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": [p[0] for p in pts],
                "y": [p[1] for p in pts],
                "customdata": [[p[2]["d"], p[2]["n_kv"], p[2]["state_bytes"], _lrs_text(p[2])] for p in pts],
                "hovertemplate": "d = %{customdata[0]}, %{customdata[1]} pairs<br>state %{customdata[2]:,} B"
                "<br>accuracy %{y:.3f}, best of %{customdata[3]} learning rates<extra>" + name + "</extra>",
                **styles[mid],
            }
        )
    xaxis = {"title": {"text": xtitle}, "type": "log"}
    xs = sorted({x for tr in data for x in tr["x"]})
    if ticks:
        xaxis["tickvals"] = xs
    elif xs:  # bytes: 20k, 50k, 100k, where Plotly's log axis would label the 2s and 5s with a bare digit
        xaxis.update(chart_style.log_axis(xs, _bytes_tick))
    return {
        "data": data,
        "layout": {
            "template": chart_style.template(),
            "title": {"text": title},
            "height": chart_style.legend_height(data, 420),
            "xaxis": xaxis,
            "yaxis": {"title": {"text": "accuracy (best lr)"}, "range": [0, 1.05]},
            "hovermode": "closest",
            "legend": chart_style.MODEL_LEGEND,
            "margin": {"l": 55, "r": 10, "t": 40, "b": 45},
        },
    }


# The two figures: (settings held fixed, the setting the models vary over, x axis, title, x-axis title,
# ticks at the trained values), the fixed settings picked where most models were trained.
VIEWS = {
    "state": (("T", "n_kv"), "d", "state_bytes", "T = {0}, {1} pairs: accuracy vs state",
              "state bytes per layer (log)", False),
    "pairs": (("T", "d"), "n_kv", "n_kv", "T = {0}, d = {1}: accuracy vs pairs",
              "key-value pairs (log)", True),
}  # fmt: skip


def legend_styles(ctx, t: Trained) -> dict[str, dict]:
    """Each trained model's trace style, in legend order: the benchmark charts' colours, markers and legend
    families, so a model looks the same on every chart (the table of every point follows the same order)."""
    return chart_style.model_styles(list(t.rows), ctx.registry, BASELINE)


def figures(ctx, t: Trained, styles: dict[str, dict]) -> dict[str, dict]:
    """{name: {"file", "at", "fig"}}: accuracy vs state size at the pairs and T most models were trained at
    over several widths, and accuracy vs pairs at the width most models were trained at over several pairs."""
    names = {m.id: m.short_name for m in ctx.registry.models}
    out = {}
    for name, (fixed, over, x, title, x_title, ticks) in VIEWS.items():
        at = _pick(t.rows, fixed, over)
        if at:
            fig = _figure(t, names, styles, fixed, at, x, title.format(*at), x_title, ticks)
            out[name] = {"at": dict(zip(fixed, at, strict=True)), "fig": fig}
    for name, f in out.items():
        f["file"] = f"{DATA}/mqar-{name}.json"
        ctx.write_json(f["file"], f["fig"])
    return out


# ------------------------------------------------------------------------------------------ text


def protocol(t: Trained) -> dict:
    """What the methodology states: the file's own protocol, points and learning rates, or (no file yet) the
    sweep's defaults (zoo.recall.plan)."""
    proto = {"vocab": VOCAB, "power_a": POWER_A, **plan.Protocol().as_dict()}
    if t.doc is None:
        points, lrs = plan.POINTS, plan.LRS
    else:
        proto.update(t.doc["protocol"])
        trials = [tr for e in t.doc["models"].values() for tr in e["trials"]]
        points = sorted({(tr["T"], tr["d"], tr["n_kv"]) for tr in trials})
        lrs = sorted({tr["lr"] for tr in trials})
    # runs whose Triton kernels took the first tuning configuration that runs (zoo.recall.autotune)
    runs = (t.doc or {}).get("runs", [])
    tuned = [r["provenance"]["autotune"] for r in runs if r["provenance"].get("autotune")]
    return {
        **proto,
        "T": sorted({p[0] for p in points}),
        "widths": sorted({p[1] for p in points}),
        "pairs": sorted({p[2] for p in points}),
        "lrs": [f"{x:.1e}" for x in sorted(lrs)],
        "heads": HEADS,
        "dtype": DTYPE,
        "recipe_conv": RECIPE_CONV,
        "mixers": len(MIXERS),
        "fd_tol": f"{results.FD_TOL:.0%}",
        "bf16_tol": f"{results.BF16_TOL:.0%}",
        "first_config": tuned[0] if tuned else None,
    }


def _lr(x) -> str:
    return "–" if x is None else f"{x:.1e}"


PARTIAL = "†"  # marks a best accuracy over only some of the sweep's learning rates (the rest not trained yet)
PARTIAL_NOTE = (
    f"{PARTIAL} The best of only some of the learning rates the sweep tries at that point: the others are "
    "not trained yet, so the accuracy there may still rise."
)


def _lrs_text(r: dict) -> str:
    """How many learning rates a point's best is taken over: "4", or "2 of 4" while the sweep is partial."""
    return f"{len(r['lrs_tried'])}" + (f" of {len(r['lrs_planned'])}" if results.partial(r) else "")


def _cell(r: dict | None) -> str:
    if r is None or r["accuracy"] is None:
        return "–"
    return f"{r['accuracy']:.3f}" + (PARTIAL if results.partial(r) else "")


def table_rows(ctx, t: Trained, only: str | None = None) -> list[dict]:
    """The table's rows, for every trained model or ``only`` one (a model page)."""
    by_id = ctx.registry.by_id
    rows = []
    for mid, rs in t.rows.items():
        if only is not None and mid != only:
            continue
        m = by_id.get(mid)
        for r in rs:
            rows.append(
                {
                    "id": mid,
                    "name": m.short_name if m else mid,
                    "linked": m is not None,
                    **r,
                    "acc": _cell(r),
                    "partial": r["accuracy"] is not None and results.partial(r),
                    "lrs_text": _lrs_text(r),
                    "lr_text": _lr(r["lr"]),
                    "wall": "–" if r["wall_s"] is None else f"{r['wall_s']:.0f}",
                }
            )
    return rows


def glance(ctx, t: Trained, order: list[str]) -> dict:
    """Every model's best accuracy at every point in one table: a row per model, in the figures' legend
    ``order`` with its family named; a column per point, from the fewest pairs to the most at each length."""
    points = sorted({(r["T"], r["n_kv"], r["d"]) for rs in t.rows.values() for r in rs})
    by_id = ctx.registry.by_id
    rows = []
    for mid in order:
        m = by_id.get(mid)
        best = {(r["T"], r["n_kv"], r["d"]): r for r in t.rows[mid]}
        rows.append(
            {
                "id": mid,
                "name": m.short_name if m else mid,
                "linked": m is not None,
                "family": chart_style.FAMILIES[chart_style.family(m)][0] if m else "",
                "cells": [_cell(best.get(p)) for p in points],
            }
        )
    partial = any(r["accuracy"] is not None and results.partial(r) for rs in t.rows.values() for r in rs)
    lengths = {p[0] for p in points}
    # narrow heads: a phone's first screen shows a model, its family and its first accuracy
    head = Markup("d = {1}<br>{2} pairs<br>T = {0}" if len(lengths) > 1 else "d = {1}<br>{2} pairs")
    heads = [head.format(T, d, n) for T, n, d in points]
    return {"heads": heads, "rows": rows, "partial": partial}


def failures(ctx, t: Trained) -> list[dict]:
    """The points without an accuracy, grouped by why in a reader's words (STATUS order):
    [{why, models: [{name, n, of}]}], each model under its commonest reason."""
    groups: dict[str, list[dict]] = {}
    for mid, e in t.doc["models"].items():
        n, why = _untrained(e)
        if n:
            m = ctx.registry.by_id.get(mid)
            groups.setdefault(why, []).append({"name": m.name if m else mid, "n": n, "of": len(e["trials"])})
    return [{"why": w, "models": groups[w]} for w in dict.fromkeys(STATUS.values()) if w in groups]


def _untrained(e: dict) -> tuple[int, str | None]:
    """(how many of a model's trials have no accuracy, the commonest reason in a reader's words)."""
    whys = [results.outcome(tr, e["impl"]) for tr in e["trials"] if not results.trained(tr, e["impl"])]
    if not whys:
        return 0, None
    # A kernel that refuses to train or fails the gradient check rules out every point of that layer, trained
    # or not yet: that is the reason, however many points were only cut off by a time budget before it.
    decisive = [w for w in ("kernel_refused", "wrong_gradients") if w in whys]
    why = decisive[0] if decisive else max(set(whys), key=lambda w: (whys.count(w), w))
    return len(whys), STATUS.get(why, STATUS["error"])


def _ours_at(t: Trained, mid: str, d: int, T: int, pairs: int) -> str | None:
    """Our best accuracy for a model at exactly a paper's point, or None where we have not trained it."""
    rs = [r for r in t.rows.get(mid, []) if (r["d"], r["T"], r["n_kv"]) == (d, T, pairs)]
    if not rs or rs[0]["accuracy"] is None:
        return None
    r = rs[0]
    so_far = f", the best of {_lrs_text(r)} learning rates so far" if results.partial(r) else ""
    return f"{r['accuracy']:.2f}{so_far}"


def comparisons(ctx, t: Trained) -> list[dict]:
    """Each published point with the paper's own numbers beside ours at exactly their points, and each of its
    checks with the verdict zoo.recall.claims computes on our results."""
    names = {m.id: m.short_name for m in ctx.registry.models}
    out = []
    for p in t.published:
        reported = [  # the paper's own numbers (a table or its text), its names replaced by ours, with ours
            {
                **v,
                "name": names.get(v["model"], v["model"]),
                "accuracy": f"{v['accuracy']:.2f}",
                "ours": _ours_at(t, v["model"], v["d"], v["T"], v["pairs"]),
            }
            for v in p.get("values", [])
        ]
        checks = [_check_text(c, claims.evaluate(c, t.rows), names) for c in p.get("checks", [])]
        out.append({**p, "reported": reported, "checks": checks})
    return out


VERDICT = {"holds": "holds", "fails": "does not hold", "open": "not settled yet"}


def _check_text(check: dict, v: claims.Verdict, names: dict) -> dict:
    """A check in a reader's words: {statement, verdict, evidence}."""
    name = names.get(check["model"], check["model"])
    others = _and([names.get(m, m) for m in check.get("of", [])])
    at = f"T = {check['T']}, {check['pairs']} pairs"
    widths = f"d = {_and([str(d) for d in check.get('d', [])])}"
    statement = {
        "reaches": f"{name} reaches {check.get('accuracy', 0):.2f} at {widths} ({at})",
        "ahead": f"{name} recalls at least as well as {others} at {widths} ({at})",
        "frontier": f"none of {others} recalls more than {name} with a state no larger ({at})",
    }[check["kind"]]

    def acc(pt: claims.Point) -> str:
        return f"{names.get(pt.model, pt.model)} {pt.accuracy:.3f}" + (PARTIAL if pt.partial else "")

    def state(pt: claims.Point) -> str:
        return f"{acc(pt)} at {pt.state_bytes:,} bytes"

    if check["kind"] == "frontier":
        alone = ", with no other at a state this small"
        evidence = "; ".join(
            state(pts[0]) + (f" against {state(pts[1])}" if len(pts) > 1 else alone) for pts in v.evidence
        )
    else:
        evidence = "; ".join(
            f"d = {pts[0].d}: " + ", ".join(acc(pt) for pt in pts) for pts in v.evidence if pts
        )
    verdict = VERDICT[v.verdict]
    if v.verdict == "open":
        missing = [f"{names.get(m, m)} at d = {d}" if d else names.get(m, m) for m, d in v.missing]
        verdict += f": {_and(missing)} not trained"
    elif v.partial:
        verdict += " so far"
    return {"statement": statement, "verdict": verdict, "evidence": evidence}


def _and(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


NEAR_CHANCE = 0.1  # best accuracy below which a model has not learned recall at a point


def _never_learned(rows: list[dict]) -> bool:
    """Trained at these points, near chance at every one, and at one at least over every learning rate of
    its sweep (a point still missing some may yet rise: it alone does not make a model undertrained)."""
    trained = [r for r in rows if r["accuracy"] is not None]
    return any(not results.partial(r) for r in trained) and max(r["accuracy"] for r in trained) < NEAR_CHANCE


def near_chance(ctx, t: Trained, at: dict | None) -> list[str]:
    """Models that stay near chance at every width trained at the figure's (T, pairs): the ones the page
    says are undertrained by our budget rather than unable."""
    if not at:
        return []
    names = {m.id: m.short_name for m in ctx.registry.models}
    return [
        names.get(mid, mid)
        for mid, rs in t.rows.items()
        if _never_learned([r for r in rs if r["T"] == at["T"] and r["n_kv"] == at["n_kv"]])
    ]


RECALLS = 0.9  # best accuracy from which a model has learned recall at a point


def _narrow_at_chance(rows: list[dict], T: int, n_kv: int) -> tuple[list[int], int | None]:
    """One model's widths at (T, pairs) near chance over every learning rate of the sweep below a width that
    recalls, and the widest that recalls. A smaller memory lowers accuracy by degrees as the pairs crowd it;
    a fall to chance below a width that recalls says the training never took off there."""
    rs = [r for r in rows if r["T"] == T and r["n_kv"] == n_kv and r["accuracy"] is not None]
    recalls = [r["d"] for r in rs if r["accuracy"] >= RECALLS]
    if not recalls:
        return [], None
    narrow = [
        r["d"] for r in rs if r["accuracy"] < NEAR_CHANCE and not results.partial(r) and r["d"] < max(recalls)
    ]
    return sorted(narrow), max(recalls)


def learned_only_wider(ctx, t: Trained, at: dict | None) -> list[str]:
    """The models of the figure's (T, pairs) that recall at one width and stay near chance at a smaller one,
    each with its narrow widths: "FoX (d = 64, 128)"."""
    if not at:
        return []
    names = {m.id: m.short_name for m in ctx.registry.models}
    out = []
    for mid, rs in t.rows.items():
        narrow, _ = _narrow_at_chance(rs, at["T"], at["n_kv"])
        if narrow:
            out.append(f"{names.get(mid, mid)} (d = {', '.join(map(str, narrow))})")
    return out


def _only_wider_on_page(rows: list[dict]) -> list[dict]:
    """A model page's (T, pairs) where it recalls at one width and stays near chance at a smaller one."""
    out = []
    for T, n_kv in sorted({(r["T"], r["n_kv"]) for r in rows}):
        narrow, wide = _narrow_at_chance(rows, T, n_kv)
        if narrow:
            out.append({"T": T, "n_kv": n_kv, "narrow": _and([str(d) for d in narrow]), "wide": wide})
    return out


def shown_command(command: str) -> str:
    """A run's command as a reader can repeat it here: the file it wrote (--out, a bare name or a folder of
    the GPU machine) becomes the same file name under benchmarks/recall, where its results were merged."""
    words = command.split()
    return " ".join(
        f"{RESULTS}/{w.rsplit('/', 1)[-1]}" if before == "--out" and not w.startswith(f"{RESULTS}/") else w
        for before, w in zip(["", *words], words, strict=False)  # each word with the one before it
    )


def page_part(ctx, t: Trained) -> Markup:
    """The Recall page's "Trained on MQAR" section (markdown)."""
    legend = legend_styles(ctx, t) if t.doc else {}
    figs = figures(ctx, t, legend) if t.doc else {}
    at = figs.get("state", {}).get("at")
    return Markup(
        ctx.render(
            "recall_trained.md.j2",
            t=t,
            not_yet=NOT_YET,
            p=protocol(t),
            figs=figs,
            rows=table_rows(ctx, t) if t.doc else [],
            glance=glance(ctx, t, list(legend)) if t.doc else None,
            partial_note=PARTIAL_NOTE,
            failures=failures(ctx, t) if t.doc else [],
            wall=results.wall_stats(t.doc) if t.doc else None,
            published=comparisons(ctx, t),
            slow=near_chance(ctx, t, at),
            only_wider=learned_only_wider(ctx, t, at),
            slow_at=at,
            untrained=[m.name for m in ctx.registry.models if m.id not in MIXERS],
            commands=[shown_command(r["command"]) for r in t.doc["runs"]] if t.doc else [],
        )
    )


def model_part(ctx, t: Trained, m, root: str) -> Markup:
    """A model page's trained points (under "What it can remember"), or why it has none."""
    rows = table_rows(ctx, t, only=m.id)
    return Markup(
        ctx.render(
            "recall_trained_model.html.j2",
            m=m,
            root=root,
            trainable=m.id in MIXERS,
            has_doc=t.doc is not None,
            rows=rows,
            partial_note=PARTIAL_NOTE,
            near_chance=_never_learned(rows),
            only_wider=_only_wider_on_page(rows),
            steps=t.doc["protocol"]["steps"] if t.doc else None,
            why_none=_untrained(t.doc["models"][m.id])[1] if t.doc and m.id in t.doc["models"] else None,
        )
    )
