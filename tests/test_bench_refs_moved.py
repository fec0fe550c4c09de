"""The four bare-kernel formulas that lived in zoo/bench/refs.py and the kernels_wasm functions that replace
them agree to double precision on inputs drawn as the adapters draw them (numpy, the kernels' layouts)."""

import numpy as np
import pytest

from zoo.bench import refs, wasm


def _logsig(x):
    return -np.logaddexp(0.0, -x)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _unit(a):
    return a / np.linalg.norm(a, axis=-1, keepdims=True)


def _griffin(rng, B=2, T=40, C=12):
    g = _logsig(rng.standard_normal((B, T, C)) + 3.0)
    x = rng.standard_normal((B, T, C)) * np.sqrt(1 - np.exp(2 * g))
    return {"x": x, "g": g}, (B, T, C)


def _ttt(rng, B=2, T=48, H=3, D=8):
    x = {"q": _unit(rng.standard_normal((B, T, H, D))), "k": _unit(rng.standard_normal((B, T, H, D)))}
    x["v"] = rng.standard_normal((B, T, H, D))
    x["w"] = rng.standard_normal((H, D)) * 0.1 + 1.0
    x["b"] = rng.standard_normal((H, D)) * 0.1
    x["eta"] = 0.1 / (1 + np.exp(-rng.standard_normal((B, T, H, 1))))
    return x, (B, T, H, D)


def _mamba3(rng, B=2, T=24, H=3, D=8):
    dt = _softplus(rng.standard_normal((B, H, T)) - 3.0)
    A = -np.exp(rng.random(H) * np.log(16))
    x = {
        "Q": rng.standard_normal((B, T, 1, D)) * D**-0.5,
        "K": rng.standard_normal((B, T, 1, D)),
        "V": rng.standard_normal((B, T, H, D)),
        "ADT": A[None, :, None] * dt,
        "DT": dt,
        "Trap": rng.standard_normal((B, H, T)),
        "Q_bias": rng.standard_normal((H, D)) * 0.1,
        "K_bias": rng.standard_normal((H, D)) * 0.1,
        "Angles": rng.standard_normal((B, T, H, D // 4)),
    }
    return x, (B, T, H, D)


def _s4(rng, B=2, C=6, T=40):
    decay = np.exp(-rng.random(C)[:, None] * np.arange(T)[None] / 32)
    h0 = rng.standard_normal((C, T)) * decay / np.sqrt(T)
    return {"u": rng.standard_normal((B, C, T)), "h0": h0}, (B, C, T)


def _old_ttt(x):
    hf = lambda a: a.transpose(0, 2, 1, 3)  # noqa: E731
    return hf(refs.ttt_linear(hf(x["q"]), hf(x["k"]), hf(x["v"]), x["w"], x["b"], hf(x["eta"])))


CASES = {
    "griffin": (_griffin, lambda x: refs.diagonal_scan(x["x"], x["g"])),
    "ttt": (_ttt, _old_ttt),
    "mamba-3": (
        _mamba3,
        lambda x: refs.mamba3_siso(
            *(x[n] for n in ("Q", "K", "V", "ADT", "DT", "Trap", "Q_bias", "K_bias", "Angles"))
        ),
    ),
    "s4": (_s4, lambda x: refs.causal_conv(x["u"], x["h0"])),
}


@pytest.mark.parametrize("model", sorted(CASES))
def test_old_formula_and_kernels_wasm_agree(model):
    draw, old = CASES[model]
    x, shape = draw(np.random.default_rng(7))
    new = wasm.reference(model, x, None, shape)
    assert new is not None, model
    assert refs.rel_err(new, old(x)) < 1e-12, model
