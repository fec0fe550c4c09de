"""The recall probe (kernels_wasm/_recall.py): every registry model's memory is written and read, and the
claims the Recall page makes hold in the numbers: orthogonal keys are exact for linear attention, the delta
rule at beta = 1 overwrites a repeated key, a window forgets everything W tokens old, a scalar decay keeps
gamma^age, and softmax with a sharp temperature recalls exactly past N = d_k.
"""

import json

import numpy as np
import pytest

from kernels_wasm import _recall, _recall_figures
from zoo import registry
from zoo.sitegen.chart_style import COLORSCALE, SERIES
from zoo.sitegen.live import defaults
from zoo.sitegen.recall import unit_keys

REG = registry.load()
STYLE = {"series": SERIES, "colorscale": COLORSCALE}


def model(model_id):
    if model_id not in REG.by_id:
        pytest.skip(f"{model_id} is not in the registry")
    return REG.by_id[model_id]


def at(m, **params) -> dict:
    return {"unit_keys": unit_keys(m), **defaults(m), **params}


@pytest.mark.parametrize("m", REG.models, ids=lambda m: m.id)
def test_every_model_is_probed_or_says_why(m):
    reason = _recall.applies(m.kernel.module, 4, **defaults(m))
    if reason:
        assert len(reason) >= 40 and "\n" not in reason
        with pytest.raises(_recall.NotApplicable):
            _recall.recall(m.kernel.module, 3, 4, **defaults(m))
        return
    for settings in ({}, {"geometry": "orthogonal", "distractors": 2, "repeat": True, "correlation": 0.3}):
        r = _recall.recall(m.kernel.module, 5, 4, **settings, **at(m))
        assert np.all(np.isfinite(r["out"])) and np.all(np.isfinite(r["similarity"]))
        assert 0.0 <= r["accuracy"] <= 1.0 and r["similarity"].shape == (5, 5 + bool(settings))


def test_probe_applies_to_most_of_the_skeleton():
    applies = [m for m in REG.skeleton if not _recall.applies(m.kernel.module, 4, **defaults(m))]
    assert len(applies) >= 0.7 * len(REG.skeleton)


@pytest.mark.parametrize("normalise", [0, 1])
def test_linear_attention_orthogonal_keys_are_exact_up_to_d(normalise):
    m = model("linear-attention")
    for n in (1, 4, 8):
        r = _recall.recall(m.kernel.module, n, 8, geometry="orthogonal", **at(m, normalise=normalise))
        assert r["accuracy"] == 1.0 and r["mean_error"] < 1e-12
    # past d_k the keys overlap and the reads carry the other values (cross-talk)
    assert _recall.recall(m.kernel.module, 32, 8, geometry="orthogonal", **at(m))["mean_error"] > 0.3


def test_delta_rule_stores_orthogonal_keys_and_overwrites_a_repeated_one():
    m = model("deltanet")
    beta = next(p for p in m.kernel.params if p.name == "beta").max  # 1: a full edit
    r = _recall.recall(m.kernel.module, 8, 8, geometry="orthogonal", **at(m, beta=beta))
    assert r["accuracy"] == 1.0 and r["mean_error"] < 1e-12
    r = _recall.recall(m.kernel.module, 4, 8, geometry="orthogonal", repeat=True, **at(m, beta=beta))
    new, old = r["out"][0] @ r["stored"][0], r["out"][0] @ r["stored"][-1]
    assert new == pytest.approx(1.0, abs=1e-12) and old == pytest.approx(0.0, abs=1e-12)
    # linear attention keeps both: half of each under its normaliser
    la = model("linear-attention")
    r = _recall.recall(la.kernel.module, 4, 8, geometry="orthogonal", repeat=True, **at(la))
    assert r["out"][0] @ r["stored"][0] == pytest.approx(r["out"][0] @ r["stored"][-1])


def test_window_forgets_everything_older_than_w():
    m = model("swa")
    W = 4
    sigma = next(p for p in m.kernel.params if p.name == "sigma").max
    r = _recall.recall(m.kernel.module, 8, 8, geometry="orthogonal", **at(m, window=W, sigma=sigma))
    old = r["age"] >= W  # the read token takes one of the W places
    assert np.all(np.abs(r["strength"][old]) < 1e-12)
    assert np.all(r["strength"][~old] > 0.9) and not np.any(r["correct"][old])


def test_scalar_decay_keeps_gamma_to_the_age():
    m = model("retnet")
    r = _recall.recall(m.kernel.module, 8, 8, geometry="orthogonal", **at(m, gamma=0.9))
    np.testing.assert_allclose(r["strength"], 0.9 ** r["age"], atol=1e-12)


@pytest.mark.parametrize("model_id", ["transformer", "nope", "mqa", "gqa"])
def test_softmax_with_a_sharp_temperature_is_exact_past_d(model_id):
    m = model(model_id)
    sigma = next(p for p in m.kernel.params if p.name == "sigma")
    sharp = _recall.recall(m.kernel.module, 32, 8, **at(m, sigma=sigma.max))
    assert sharp["accuracy"] == 1.0 and sharp["mean_error"] < 1e-2
    soft = _recall.recall(m.kernel.module, 32, 8, **at(m, sigma=sigma.default))
    assert soft["mean_error"] > 10 * sharp["mean_error"]


def test_keys_follow_the_geometry_asked_for():
    rng = np.random.default_rng(0)
    K = _recall.make_keys(6, 8, rng, "orthogonal", 0.0, False)
    np.testing.assert_allclose(K @ K.T, np.eye(6), atol=1e-12)
    P = _recall.make_keys(6, 8, rng, "orthogonal", 0.0, True)
    assert np.all(P >= 0) and np.allclose(P @ P.T, np.eye(6))
    C = _recall.make_keys(6, 8, rng, "orthogonal", 0.5, False)
    off = (C @ C.T)[~np.eye(6, dtype=bool)]
    assert np.allclose(np.linalg.norm(C, axis=1), 1) and abs(off.mean() - 0.5) < 0.15


@pytest.mark.parametrize(
    "bad, words",
    [
        ({"N": 0}, "N: expected an integer"),
        ({"geometry": "spiral"}, "geometry"),
        ({"correlation": 1.0}, "[0, 1)"),
    ],
)
def test_bad_settings_are_sentences_not_traces(bad, words):
    args = {
        "module": "deltanet",
        "d": 8,
        "seed": 0,
        "params": {"beta": 0.5},
        "N": 8,
        "geometry": "random",
        "correlation": 0.0,
        "distractors": 0,
        "repeat": False,
        "unit_keys": True,
        "style": STYLE,
        **bad,
    }
    out = json.loads(_recall_figures.live(json.dumps(args)))
    assert words in out["error"]


def test_live_run_returns_the_three_figures():
    args = {
        "module": "deltanet",
        "d": 8,
        "seed": 1,
        "params": {"beta": 0.5},
        "N": 12,
        "distractors": 3,
        "geometry": "orthogonal",
        "correlation": 0.0,
        "repeat": True,
        "unit_keys": True,
        "style": STYLE,
    }
    out = json.loads(_recall_figures.live(json.dumps(args)))
    assert {"curves", "forgetting", "similarity", "summary", "ms"} <= set(out)
    assert out["summary"]["N"] == 12 and len(out["similarity"]["data"][0]["z"]) == 12
    # the N = d_k label sits in the gap between the accuracy and error panels, never over a curve
    lay = out["curves"]["layout"]
    (note,) = lay["annotations"]
    assert lay["yaxis2"]["domain"][1] < note["y"] < lay["yaxis"]["domain"][0], note
    assert note["yref"] == "paper" and note["yanchor"] == "middle" and "d<sub>k</sub>" in note["text"]
    not_applicable = json.loads(_recall_figures.live(json.dumps({**args, "module": "hippo", "params": {}})))
    assert "not addressed by a key" in not_applicable["error"]


def _inside(values, axis_range, log=False):
    lo, hi = axis_range
    vals = np.log10(values) if log else np.asarray(values, dtype=float)
    return bool(np.all((vals > lo) & (vals < hi)))


@pytest.mark.parametrize("model_id", ["linear-attention", "deltanet", "transformer", "retnet"])
def test_fixed_axis_ranges_hold_every_point(model_id):
    """The figures name their axis ranges (no autorange: a live redraw with unchanged axes is three times
    cheaper for Plotly), so no point may fall outside them."""
    m = model(model_id)
    for seed, settings in ((1, {}), (2, {"distractors": 7, "correlation": 0.6}), (3, {"repeat": True})):
        figs = _recall_figures.model_figures(
            m.kernel.module, 8, defaults(m), STYLE, seed=seed, unit_keys=unit_keys(m), **settings
        )
        curves, forget = figs["curves"], figs["forgetting"]
        lay = curves["layout"]
        for trace in curves["data"]:
            axis = lay["yaxis2" if trace.get("yaxis") == "y2" else "yaxis"]
            assert _inside(trace["y"], axis["range"]), (seed, trace["name"], axis["range"])
            assert _inside(trace["x"], lay["xaxis"]["range"], log=True)
        for trace in forget["data"]:
            assert _inside(trace["y"], forget["layout"]["yaxis"]["range"])
            assert _inside(trace["x"], forget["layout"]["xaxis"]["range"])
    ranges = [_recall_figures._value_range(v) for v in ([0.43], [1.0], [0.0], [-0.3, 0.9], [np.nan, 0.5], [])]
    assert ranges == [[-0.025, 0.5], [-0.06, 1.2], [-0.005, 0.1], [-0.4, 1.0], [-0.03, 0.6], [-0.05, 1.0]]
