"""zoo.recall.claims: a paper's finding checked on our best accuracies, on made-up rows."""

import pytest

from zoo.recall import claims


def row(d, acc, state=None, tried=4, planned=4, T=256, pairs=16):
    lrs = [1e-4, 3e-4, 1e-3, 3e-3][:planned]
    return {"T": T, "d": d, "n_kv": pairs, "accuracy": acc, "state_bytes": state or d * 100}, lrs[:tried], lrs


def rows_of(**models):
    out = {}
    for mid, rs in models.items():
        out[mid] = [{**r, "lrs_tried": tried, "lrs_planned": planned} for r, tried, planned in rs]
    return out


def test_reaches_holds_only_where_every_width_reaches_the_threshold():
    check = {"kind": "reaches", "model": "nope", "T": 256, "pairs": 16, "d": [64, 128], "accuracy": 0.99}
    good = rows_of(nope=[row(64, 0.995), row(128, 0.999)])
    assert claims.evaluate(check, good).verdict == "holds"
    bad = rows_of(nope=[row(64, 0.95), row(128, 0.999)])
    assert claims.evaluate(check, bad).verdict == "fails"
    # another (T, pairs) is not this check's point: d = 128 counts as not trained
    other = rows_of(nope=[row(64, 0.995), row(128, 0.999, pairs=64)])
    v = claims.evaluate(check, other)
    assert v.verdict == "open" and v.missing == [("nope", 128)]


def test_ahead_compares_at_each_width_and_a_failure_outweighs_a_gap():
    check = {
        "kind": "ahead",
        "model": "deltanet",
        "of": ["gla", "retnet"],
        "T": 256,
        "pairs": 16,
        "d": [64, 128],
    }
    rows = rows_of(
        deltanet=[row(64, 0.9), row(128, 0.99)],
        gla=[row(64, 0.5), row(128, 0.995)],
        retnet=[row(64, 0.1)],
    )
    v = claims.evaluate(check, rows)
    assert v.verdict == "fails" and v.missing == [("retnet", 128)]
    assert [[p.model for p in pts] for pts in v.evidence] == [
        ["deltanet", "gla", "retnet"],
        ["deltanet", "gla"],
    ]
    rows["gla"][1]["accuracy"] = 0.98
    assert claims.evaluate(check, rows).verdict == "open"


def test_frontier_fails_when_another_model_recalls_more_with_no_more_state():
    check = {"kind": "frontier", "model": "based", "of": ["gla", "deltanet"], "T": 256, "pairs": 16}
    rows = rows_of(
        based=[row(64, 0.9, state=3000), row(128, 0.99, state=7000)],
        gla=[row(128, 0.8, state=2000), row(256, 1.0, state=9000)],  # more accurate only with more state
    )
    v = claims.evaluate(check, rows)
    assert v.verdict == "holds"
    assert [(pts[1].model, pts[1].d) for pts in v.evidence] == [("gla", 128), ("gla", 128)]
    rows["deltanet"] = rows_of(x=[row(64, 0.95, state=3000)])["x"]  # as accurate or more at the same state
    assert claims.evaluate(check, rows).verdict == "fails"


def test_a_point_mid_sweep_makes_the_verdict_provisional():
    check = {"kind": "ahead", "model": "deltanet", "of": ["gla"], "T": 256, "pairs": 16, "d": [64]}
    done = rows_of(deltanet=[row(64, 0.9)], gla=[row(64, 0.5)])
    assert not claims.evaluate(check, done).partial
    mid = rows_of(deltanet=[row(64, 0.9)], gla=[row(64, 0.5, tried=2)])
    assert claims.evaluate(check, mid).partial and claims.evaluate(check, mid).verdict == "holds"


def test_an_unknown_kind_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown check kind 'beats'"):
        claims.evaluate({"kind": "beats", "model": "x", "T": 1, "pairs": 1}, {})
