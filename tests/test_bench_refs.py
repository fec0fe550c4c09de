"""The harness's float64 references (zoo/bench/refs.py) agree with the site's kernels_wasm modules through
the argument mappings in zoo/bench/wasm.py: the GPU kernels are checked against the same mathematics the
site shows. numpy only; inputs in the kernels' (B, T, H, ...) layout and conventions (log-space gates)."""

import numpy as np
import pytest

from zoo.bench import refs, wasm

B, T, H, D = 1, 24, 2, 8


def _logsig(x):
    return -np.logaddexp(0.0, -x)


def _unit(a):
    return a / np.linalg.norm(a, axis=-1, keepdims=True)


def _cases(rng):
    q, k, v = (rng.standard_normal((B, T, H, D)) for _ in range(3))
    g_s = _logsig(rng.standard_normal((B, T, H)) + 2)
    g_d = _logsig(rng.standard_normal((B, T, H, D)) + 2)
    beta = 1 / (1 + np.exp(-rng.standard_normal((B, T, H))))
    qn, kn = _unit(q), _unit(k)
    n = 2
    kp, vp = _unit(rng.standard_normal((B, T * n, H, D))), rng.standard_normal((B, T * n, H, D))
    bp = 1 / (1 + np.exp(-rng.standard_normal((B, T * n, H))))
    L = int(np.ceil(np.log2(T))) + 1
    lam = rng.random((B, T, H, L))
    x, dt = rng.standard_normal((B, T, H, D)), np.log1p(np.exp(rng.standard_normal((B, T, H)) - 2))
    A = -np.exp(rng.random(H))
    Bm, Cm = rng.standard_normal((B, T, 1, D)), rng.standard_normal((B, T, 1, D))
    u = rng.standard_normal((H, D))
    w = _unit(rng.standard_normal((B, T, H, D)))
    bw = 2 / (1 + np.exp(-rng.standard_normal((B, T, H))))
    return {
        "gla": ({"q": q, "k": k, "v": v, "g": g_d}, lambda x: refs.diagonal_decay(**x)),
        "gated-deltanet": (
            {"q": qn, "k": kn, "v": v, "g": g_s, "beta": beta},
            lambda x: refs.delta_rule(x["q"], x["k"], x["v"], x["beta"], x["g"]),
        ),
        "kda": (
            {"q": qn, "k": kn, "v": v, "g": g_d, "beta": beta},
            lambda x: refs.delta_rule(x["q"], x["k"], x["v"], x["beta"], x["g"]),
        ),
        "deltaproduct": (
            {"q": qn, "k": kp, "v": vp, "g": g_s, "beta": bp},
            lambda x: refs.delta_product(x["q"], x["k"], x["v"], x["beta"], x["g"], n),
        ),
        "fox": ({"q": q, "k": k, "v": v, "g": g_s}, lambda x: refs.gated_softmax_attention(**x)),
        "path-fox": (
            {"q": q, "k": k, "v": v, "w": w, "beta": bw, "g": g_s},
            lambda x: refs.path_attention(**x),
        ),
        "wall": ({"q": q, "k": k, "v": v, "g": g_d}, lambda x: refs.wall_attention(**x)),
        "stick-breaking": (
            {"q": q, "k": k, "v": v},
            lambda x: refs.stickbreaking_attention(**x, rest_to_current=True),
        ),
        "rwkv-6": ({"q": q, "k": k, "v": v, "w": g_d, "u": u}, lambda x: refs.rwkv6(**x)),
        "log-linear-attention": (
            {"q": q, "k": k, "v": v, "g": g_s, "level_scales": lam},
            lambda x: refs.log_linear_attention(**x),
        ),
        "mamba-2": ({"x": x, "dt": dt, "A": A, "Bm": Bm, "Cm": Cm}, lambda x: refs.mamba2(**x)),
        "based": (
            {"q": rng.standard_normal((B, T, H, 16)), "k": rng.standard_normal((B, T, H, 16)), "v": v},
            lambda x: refs.based(**x),
        ),
    }


@pytest.mark.parametrize("model", sorted(_cases(np.random.default_rng(0))))
def test_reference_matches_kernels_wasm(model):
    x, ref = _cases(np.random.default_rng(1))[model]
    out = ref(x)
    res = wasm.compare(model, x, out, adapter=None, heads=((0, 0), (0, 1)))
    assert res.get("rel_err") is not None, res
    # Based's kernel adds eps = 1e-6 to its normaliser, kernels_wasm does not: agreement to that order only
    assert res["rel_err"] < (1e-5 if model == "based" else 1e-10), res


def test_a_wrong_reference_is_caught():
    x, ref = _cases(np.random.default_rng(2))["gla"]
    out = ref({**x, "g": x["g"] * 0.5})  # half the decay: a different model
    assert wasm.compare("gla", x, out, adapter=None, heads=((0, 0),))["rel_err"] > 1e-3


def test_models_without_a_mapping_say_why():
    res = wasm.compare("ttt", {}, np.zeros((1, 1, 1, 1)), adapter=None)
    assert "LayerNorm" in res["skipped"]


def test_rel_err_never_passes_nan():
    assert refs.rel_err(np.array([np.nan, 1.0]), np.array([1.0, 1.0])) == float("inf")
