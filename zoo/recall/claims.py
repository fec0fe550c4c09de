"""Checks of a paper's MQAR finding on our own results (benchmarks/recall/published.json, each point's
'checks'). A check is a statement about our best accuracies that the finding implies; the page states its
verdict as computed here from the committed results, so no sentence about ours is written by hand.

Every check is read at its (T, pairs), on the rows of ``results.best_points``:

- ``reaches``: at each width in ``d``, ``model``'s accuracy is at least ``accuracy``;
- ``ahead``: at each width in ``d``, ``model``'s accuracy is at least that of every model in ``of``;
- ``frontier``: at no point of ``model`` does a model in ``of`` recall more with a state no larger (a
  recall-versus-state Pareto front, Based's claim).

The verdict is ``holds``, ``fails`` or ``open`` (a point it needs is not trained yet). ``partial`` says that a
point the verdict rests on is the best of only some of its planned learning rates, so it may still change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import results

KINDS = ("reaches", "ahead", "frontier")


@dataclass
class Point:
    model: str
    d: int
    accuracy: float
    state_bytes: int | None
    partial: bool


@dataclass
class Verdict:
    verdict: str  # holds | fails | open
    partial: bool = False
    evidence: list[list[Point]] = field(default_factory=list)  # per width (or per point of the model)
    missing: list[tuple[str, int]] = field(default_factory=list)  # (model, d) not trained yet


def _points(rows: dict[str, list[dict]], model: str, T: int, pairs: int) -> dict[int, Point]:
    """{d: Point} of a model's trained points at (T, pairs)."""
    out = {}
    for r in rows.get(model, []):
        if r["T"] == T and r["n_kv"] == pairs and r["accuracy"] is not None:
            out[r["d"]] = Point(model, r["d"], r["accuracy"], r.get("state_bytes"), results.partial(r))
    return out


def evaluate(check: dict, rows: dict[str, list[dict]]) -> Verdict:
    kind, T, pairs = check["kind"], check["T"], check["pairs"]
    if kind not in KINDS:
        raise ValueError(f"unknown check kind {kind!r}: one of {', '.join(KINDS)}")
    mine = _points(rows, check["model"], T, pairs)
    others = {m: _points(rows, m, T, pairs) for m in check.get("of", [])}
    v = Verdict("holds")
    if kind == "frontier":
        if not mine:
            v.missing.append((check["model"], 0))
        used = list(mine.values())
        for _d, p in sorted(mine.items()):
            smaller = [q for pts in others.values() for q in pts.values() if q.state_bytes <= p.state_bytes]
            best = max(smaller, key=lambda q: q.accuracy, default=None)
            v.evidence.append([p] + ([best] if best else []))
            used += smaller  # any of them still mid-sweep may yet rise above p
            if best and best.accuracy > p.accuracy:
                v.verdict = "fails"
    else:
        used = []
        for d in check["d"]:
            row = [mine.get(d)] + [others[m].get(d) for m in check.get("of", [])]
            names = [check["model"], *check.get("of", [])]
            v.missing += [(m, d) for m, p in zip(names, row, strict=True) if p is None]
            got = [p for p in row if p is not None]
            used += got
            v.evidence.append(got)
            if row[0] is None:
                continue
            if kind == "reaches" and row[0].accuracy < check["accuracy"]:
                v.verdict = "fails"
            if kind == "ahead" and any(p is not None and p.accuracy > row[0].accuracy for p in row[1:]):
                v.verdict = "fails"  # whatever the models not trained here would show
    if v.missing and v.verdict == "holds":
        v.verdict = "open"
    # a verdict may still change while a point it rests on is mid-sweep; a failure, only if one of the model's
    # own points is (another model's accuracy can only rise, which keeps it a failure)
    v.partial = any(p.partial for p in (mine.values() if v.verdict == "fails" else used))
    return v
