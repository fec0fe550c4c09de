"""Second opinion from the site's own numpy kernels (kernels_wasm): the GPU output of one (batch, head)
slice is compared with kernels_wasm.<module>.recurrent on the same numbers.

kernels_wasm writes one head as (T, d) arrays in the zoo's conventions (gates as values in (0, 1], no
1/sqrt(d) on linear readouts); the GPU kernels take log-space gates and their own scales. Each entry of
MAPPINGS turns the adapter's inputs (numpy, float64, the kernel's layout) into kernels_wasm arguments for
slice (b, h) and says which part of the kernel output to compare. Models whose kernels_wasm
parametrisation differs from the kernel's (the Mamba-3 biases, Griffin's gates, TTT's LayerNorm, S4/H3's
SSM parameters) have no mapping; the harness then relies on zoo.bench.refs alone and says so.
"""

from __future__ import annotations

import importlib

import numpy as np

from .refs import rel_err


def _head(x, b, h):
    """(B, T, H, ...) -> (T, ...) for one batch row and head."""
    return x[b, :, h]


def _hf(x, b, h):
    """head-first (B, H, T, ...) -> (T, ...)."""
    return x[b, h]


def _qkv(x, b, h, qscale=1.0):
    return {"q": _head(x["q"], b, h) * qscale, "k": _head(x["k"], b, h), "v": _head(x["v"], b, h)}


def _isqrt(x):
    return x["q"].shape[-1] ** -0.5


def _rope(x, b, h):
    D = x["q"].shape[-1]
    # fla rotates the two halves (p, p + D/2); kernels_wasm rotates adjacent pairs (2p, 2p + 1): interleave
    # the channels of q and k the same way (dot products are unchanged) and the two rotations coincide
    perm = np.stack([np.arange(D // 2), np.arange(D // 2) + D // 2], axis=1).ravel()
    # the frequencies themselves when the adapter kept them, else recovered from the bf16 tables at position 1
    theta = x["theta"] if "theta" in x else np.arctan2(x["sin"][1], x["cos"][1])
    return {
        "q": _head(x["q"], b, h)[:, perm],
        "k": _head(x["k"], b, h)[:, perm],
        "v": _head(x["v"], b, h),
        "theta": theta,
    }


def _sdpa(x, b, h):
    return {"q": _hf(x["q"], b, h), "k": _hf(x["k"], b, h), "v": _hf(x["v"], b, h)}


def _path(x, b, h, gated):
    args = {**_qkv(x, b, h), "w": _head(x["w"], b, h), "beta": _head(x["beta"], b, h)}
    if gated:  # fla's PaTH kernel multiplies the gate term by the softmax scale too: f = exp(scale * g)
        args["f"] = np.exp(_isqrt(x) * _head(x["g"], b, h))
    return args


def _raven(x, b, h, adapter):
    import torch

    _, _, multihot = adapter.route(torch.from_numpy(x["a"]), torch.from_numpy(x["r"]))
    return {**_qkv(x, b, h), "r": multihot.numpy()[b, :, h], "a": _head(x["a"], b, h)}


def _deltaproduct(x, b, h):
    n = x["k"].shape[1] // x["q"].shape[1]
    T = x["q"].shape[1]
    k = _head(x["k"], b, h).reshape(T, n, -1)
    v = _head(x["v"], b, h).reshape(T, n, -1)
    return {
        "q": _head(x["q"], b, h) * _isqrt(x),
        "k": k,
        "v": v,
        "beta": _head(x["beta"], b, h).reshape(T, n),
        "alpha": np.exp(_head(x["g"], b, h)),
    }


def _channels(a, b, D):
    """(B, T, C) -> (T, D): the first head's worth of channels."""
    return a[b, :, :D]


# model id -> (args(x, b, h, adapter) -> kwargs, out(o, b, h) -> (T, d_v) slice)
_HEAD = lambda o, b, h: o[b, :, h]  # noqa: E731
MAPPINGS = {
    "transformer": (lambda x, b, h, a: _sdpa(x, b, h), _HEAD),
    "nope": (lambda x, b, h, a: _sdpa(x, b, h), _HEAD),
    "rope": (lambda x, b, h, a: _rope(x, b, h), _HEAD),
    "alibi": (lambda x, b, h, a: {**_qkv(x, b, h), "m": -float(x["g"][b, 0, h])}, _HEAD),
    "fox": (lambda x, b, h, a: {**_qkv(x, b, h), "f": np.exp(_head(x["g"], b, h))}, _HEAD),
    "swa": (lambda x, b, h, a: {**_qkv(x, b, h), "window": a._window()}, _HEAD),
    "path": (lambda x, b, h, a: _path(x, b, h, False), _HEAD),
    "path-fox": (lambda x, b, h, a: _path(x, b, h, True), _HEAD),
    "wall": (lambda x, b, h, a: {**_qkv(x, b, h), "alpha": np.exp(_head(x["g"], b, h))}, _HEAD),
    "stick-breaking": (lambda x, b, h, a: _qkv(x, b, h), _HEAD),
    "abc": (lambda x, b, h, a: {**_qkv(x, b, h), "s": _head(x["s"], b, h)}, _HEAD),
    "gsa": (lambda x, b, h, a: {**_qkv(x, b, h), "alpha": np.exp(a._np_gates(x)[0][b, :, h])}, _HEAD),
    "raven": (lambda x, b, h, a: _raven(x, b, h, a), _HEAD),
    "linear-attention": (lambda x, b, h, a: {**_qkv(x, b, h), "normalise": False}, _HEAD),
    "performer": (lambda x, b, h, a: {**_qkv(x, b, h), "omega": x["W"].T}, _HEAD),
    "retnet": (lambda x, b, h, a: {**_qkv(x, b, h, _isqrt(x)), "gamma": 1 - 2.0 ** (-5.0 - h)}, _HEAD),
    "gla": (lambda x, b, h, a: {**_qkv(x, b, h, _isqrt(x)), "alpha": np.exp(_head(x["g"], b, h))}, _HEAD),
    "hgrn2": (
        lambda x, b, h, a: {
            "q": _head(x["q"], b, h) * _isqrt(x),
            "v": _head(x["v"], b, h),
            "alpha": np.exp(_head(x["g"], b, h)),
        },
        _HEAD,
    ),
    "based": (lambda x, b, h, a: _qkv(x, b, h), _HEAD),
    "deltanet": (lambda x, b, h, a: {**_qkv(x, b, h, _isqrt(x)), "beta": _head(x["beta"], b, h)}, _HEAD),
    "gated-deltanet": (
        lambda x, b, h, a: {
            **_qkv(x, b, h, _isqrt(x)),
            "beta": _head(x["beta"], b, h),
            "alpha": np.exp(_head(x["g"], b, h)),
        },
        _HEAD,
    ),
    "kda": (
        lambda x, b, h, a: {
            **_qkv(x, b, h, _isqrt(x)),
            "beta": _head(x["beta"], b, h),
            "alpha": np.exp(_head(x["g"], b, h)),
        },
        _HEAD,
    ),
    "gdn-2": (
        lambda x, b, h, a: {
            **_qkv(x, b, h, _isqrt(x)),
            "alpha": np.exp(_head(x["g"], b, h)),
            "b": _head(x["b"], b, h),
            "w": _head(x["w"], b, h),
        },
        _HEAD,
    ),
    "deltaproduct": (lambda x, b, h, a: _deltaproduct(x, b, h), _HEAD),
    "rwkv-6": (
        lambda x, b, h, a: {**_qkv(x, b, h, _isqrt(x)), "w": np.exp(_head(x["w"], b, h)), "u": x["u"][h]},
        _HEAD,
    ),
    "rwkv-7": (
        lambda x, b, h, a: {
            **_qkv(x, b, h),
            "w": np.exp(_head(x["w"], b, h)),
            "kappa": _head(x["kk"], b, h),
            "a": _head(x["ag"], b, h),
        },
        _HEAD,
    ),
    # RWKV-4 gates its output by sigmoid(r); r = +40 makes that gate 1 to double precision
    "rwkv-4": (
        lambda x, b, h, a: {
            "q": np.full_like(_channels(x["k"], b, 8), 40.0),
            "k": _channels(x["k"], b, 8),
            "v": _channels(x["v"], b, 8),
            "w": np.exp(x["w"][:8]),
            "u": x["u"][:8],
        },
        lambda o, b, h: o[b, :, :8],
    ),
    "log-linear-attention": (
        lambda x, b, h, a: {
            **_qkv(x, b, h),
            "alpha": np.exp(_head(x["g"], b, h)),
            "lam": _head(x["level_scales"], b, h),
        },
        _HEAD,
    ),
    "mamba-2": (
        lambda x, b, h, a: {
            "q": x["Cm"][b, :, 0],
            "k": x["Bm"][b, :, 0],
            "v": _head(x["x"], b, h),
            "dt": _head(x["dt"], b, h),
            "A": float(x["A"][h]),
        },
        _HEAD,
    ),
    "mlstm": (
        lambda x, b, h, a: {
            "q": _hf(x["q"], b, h),
            "k": _hf(x["k"], b, h),
            "v": _hf(x["v"], b, h),
            "i_pre": _hf(x["i"], b, h),
            "f_pre": _hf(x["f"], b, h),
        },
        lambda o, b, h: o[b, h],
    ),
    "hyena": (
        lambda x, b, h, a: {
            "v": x["u"][b, :8].T,
            "x1": x["x0"][b, :8].T,
            "x2": x["x1"][b, :8].T,
            "h1": x["h0"][:8].T,
            "h2": x["h1"][:8].T,
        },
        lambda o, b, h: o[b, :8].T,
    ),
}

NO_MAPPING = {
    "mamba-3": "kernels_wasm parametrises Mamba-3 without the kernel's q/k biases and shifted trapezoid term",
    "griffin": "kernels_wasm runs the full RG-LRU gating; the adapter times the bare scan",
    "ttt": "kernels_wasm's TTT drops the inner LayerNorm that fla's kernel applies",
    "s4": "kernels_wasm builds the S4 kernel from SSM parameters; the adapter convolves a given kernel",
}


def module_name(model_id: str) -> str:
    return model_id.replace("-", "_")


def compare(model_id: str, x: dict, out: np.ndarray, adapter, heads=((0, 0), (1, 1))) -> dict:
    """Relative error of the kernel output against kernels_wasm on a few (b, h) slices, or why not."""
    if model_id not in MAPPINGS:
        return {"skipped": NO_MAPPING.get(model_id, "no mapping to the kernels_wasm parametrisation")}
    try:
        mod = importlib.import_module(f"kernels_wasm.{module_name(model_id)}")
    except Exception as exc:
        return {"skipped": f"kernels_wasm.{module_name(model_id)} not importable: {type(exc).__name__}"}
    args_of, out_of = MAPPINGS[model_id]
    got, want = [], []
    try:
        for b, h in heads:
            if b >= out.shape[0] or h >= (out.shape[2] if out.ndim == 4 else out.shape[1]):
                continue
            want.append(np.asarray(mod.recurrent(**args_of(x, b, h, adapter)), dtype=np.float64))
            got.append(out_of(out, b, h))
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return {
        "reference": f"kernels_wasm.{module_name(model_id)}.recurrent (float64)",
        "rel_err": rel_err(np.stack(got), np.stack(want)),
        "slices": len(got),
    }
