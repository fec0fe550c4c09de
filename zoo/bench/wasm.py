"""The harness's float64 reference: the site's own numpy kernels (kernels_wasm) on every slice of the input.

The mathematics is written once, in kernels_wasm/<module>.py (what the site shows and runs in the browser).
kernels_wasm writes one head as (T, d) arrays in the zoo's conventions (gates as values in (0, 1], no
1/sqrt(d) on linear readouts); the GPU kernels take log-space gates, their own scales and batched layouts.
Each entry of MAPPINGS turns the adapter's inputs (numpy, float64, the kernel's layout) into kernels_wasm
arguments for one slice and names the layout the kernel returns; :func:`reference` runs
``kernels_wasm.<module>.recurrent`` on every slice and assembles the kernel-shaped output.

Where the GPU kernel runs a documented part of the model rather than its recurrent form (Griffin's bare scan,
S4's convolution with a given kernel) or the paper's full inner model (TTT with its LayerNorm), FUNCTIONS
names the kernels_wasm function the mapping calls.
"""

from __future__ import annotations

import importlib

import numpy as np


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


def _mamba3(x, b, h):
    """mamba_ssm's SISO inputs as kernels_wasm.mamba_3 arguments. The kernel's q/k biases are added to C
    and B; its trapezoid gate Trap is lambda_t = sigmoid(Trap); ADT = A dt (A from their ratio); its angle
    rates are squashed to pi tanh(Angles) per unit step, on the first R channel pairs (the rest stay
    unrotated)."""
    G, H = x["Q"].shape[2], x["V"].shape[2]
    g = h // (H // G)
    dt = x["DT"][b, h]
    theta = np.pi * np.tanh(x["Angles"][b, :, h])
    d_k = x["Q"].shape[-1]
    return {
        "q": x["Q"][b, :, g] + x["Q_bias"][h],
        "k": x["K"][b, :, g] + x["K_bias"][h],
        "v": _head(x["V"], b, h),
        "dt": dt,
        "A": float(np.mean(x["ADT"][b, h] / dt)),
        "lam": 1.0 / (1.0 + np.exp(-x["Trap"][b, h])),
        "theta": np.pad(theta, ((0, 0), (0, d_k // 2 - theta.shape[1]))),
    }


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


def _heads_last(x, b, names):
    """(B, heads, T, d) -> (T, heads, d) for one batch row: kernels_wasm's grouped and latent modules take
    every head of a token together."""
    return {n: x[n][b].transpose(1, 0, 2) for n in names}


def _diff(x, b, h, a):
    """Differential attention: both halves and the four lambda vectors of head h; lambda_init of the
    adapter's layer (0.8 - 0.6 exp(-0.3 (l - 1)))."""
    names = {"lq1": "lambda_q1", "lk1": "lambda_k1", "lq2": "lambda_q2", "lk2": "lambda_k2"}
    return {
        **{n: _hf(x[n], b, h) for n in ("q1", "q2", "k1", "k2", "v")},
        **{names[n]: x[n][h] for n in names},
        "lambda_init": 0.8 - 0.6 * np.exp(-0.3 * (a.layer - 1)),
    }


def _hgrn(x, b, a):
    """chunk_hgrn's inputs (x = (1 - lambda) c, g = log lambda) read back as HGRN's c and mu for the
    adapter's lower bound gamma: lambda = exp(g), mu = (lambda - gamma) / (1 - gamma)."""
    lam = np.exp(x["g"][b])
    mu = np.clip((lam - a.gamma) / (1 - a.gamma), 0.0, 1.0)
    return {"v": x["x"][b] / (1 - lam), "mu": mu, "gamma": a.gamma}


def _comba(x, b, h):
    """chunk_comba's Triton kernels compute S_t = a_t S_{t-1} + beta_t (v_t - S_{t-1} p_t) k_t^T, Comba's
    recurrence when the auxiliary key p is k (the adapter passes k itself); q is scaled by 1/sqrt(K)."""
    if not np.array_equal(x["p"], x["k"]):
        raise ValueError("comba: the mapping holds for p = k only")
    args = {**_qkv(x, b, h, _isqrt(x)), "alpha": np.exp(_head(x["g"], b, h))}
    beta = _head(x["beta"], b, h)
    return {**args, "beta": beta, "beta_tilde": beta, "d": 0.0}  # fla corrects with the write strength


def _nsa(x, b, h, a):
    """parallel_nsa's query head h reads key-value head h // G (G query heads per key-value head); the three
    gates are per query head."""
    G = x["q"].shape[2] // x["k"].shape[2]
    kv = {n: x[n][b, :, h // G] for n in ("k", "v")}
    gates = {n: _head(x[n], b, h) for n in ("g_cmp", "g_slc", "g_win")}
    return {"q": _head(x["q"], b, h), **kv, **gates, **a.now}


def _bigbird(x, b, h, a):
    """The adapter's random blocks (one row of r block indices per query block of P, -1 for none) as
    kernels_wasm's per-token links: every position of the query block's random blocks."""
    T, P = x["q"].shape[2], a.now["block"]
    table = x["rand_blocks"].astype(np.int64)
    links = np.full((T, table.shape[1] * P), -1, dtype=np.int64)
    for t in range(T):
        pos = [np.arange(blk * P, blk * P + P) for blk in table[t // P] if blk >= 0]
        if pos:
            flat = np.concatenate(pos)
            links[t, : flat.size] = flat
    return {**_sdpa(x, b, h), "window": a.now["window"], "n_global": a.now["n_global"], "links": links}


MEGA = ("alpha", "delta", "beta", "eta", "omega", "Wz", "kq", "mq", "kk", "mk")


def _params(x, b, names):
    return {"v": x["v"][b], **{n: x[n] for n in names}}


IO_PARAMS = ("B_re", "B_im", "C_re", "C_im", "D")
LRU_PARAMS = ("nu_log", "theta_log", *IO_PARAMS)
S5_PARAMS = ("Lambda_re", "Lambda_im", "log_step", *IO_PARAMS)
MLA_WEIGHTS = ("W_dkv", "W_uk", "W_uv", "W_kr", "W_dq", "W_uq", "W_qr")


# Output layouts: "bthv" (B, T, H, V) and "bhtv" (B, H, T, V) are sliced per batch row and head; the
# per-channel models return "btc" (B, T, C) or "bct" (B, C, T), all C channels in one kernels_wasm call;
# "bthv_all" is (B, T, H, V) from one call per batch row with every head (models whose heads share a cache).
_HEAD = "bthv"
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
            "q": np.full_like(x["k"][b], 40.0),
            "k": x["k"][b],
            "v": x["v"][b],
            "w": np.exp(x["w"]),
            "u": x["u"],
        },
        "btc",
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
        "bhtv",
    ),
    "mamba-3": (lambda x, b, h, a: _mamba3(x, b, h), _HEAD),
    # the bare scans and the mini-batch form below use the named kernels_wasm function (FUNCTIONS)
    "griffin": (lambda x, b, h, a: {"b": x["x"][b], "log_a": x["g"][b]}, "btc"),
    "ttt": (
        lambda x, b, h, a: {
            **_qkv(x, b, h),
            "eta": x["eta"][b, :, h, 0],
            "ln_w": x["w"][h],
            "ln_b": x["b"][h],
            "batch": 16,
        },
        _HEAD,
    ),
    "s4": (lambda x, b, h, a: {"v": x["u"][b].T, "h": x["h0"].T}, "bct"),
    "hyena": (
        lambda x, b, h, a: {
            "v": x["u"][b].T,
            "x1": x["x0"][b].T,
            "x2": x["x1"][b].T,
            "h1": x["h0"].T,
            "h2": x["h1"].T,
        },
        "bct",
    ),
    # models whose heads share one cache: q (B, H, T, d), k and v (B, G, T, d), all heads in one call.
    # The SDPA-based adapters below take head-first inputs and return (B, T, H, V), as the Transformer's
    "gqa": (lambda x, b, h, a: _heads_last(x, b, ("q", "k", "v")), "bthv_all"),
    "mqa": (lambda x, b, h, a: _heads_last(x, b, ("q", "k", "v")), "bthv_all"),
    "mla": (
        lambda x, b, h, a: {"h": x["h"][b], **{n: x[n] for n in MLA_WEIGHTS}, "theta": x["theta"]},
        "bthv_all",
    ),
    "gated-attention": (lambda x, b, h, a: {n: _hf(x[n], b, h) for n in ("q", "k", "v", "z")}, _HEAD),
    "diff-transformer": (_diff, _HEAD),
    # fla's sink_bias is the sink logit itself (fla converts it to base 2 inside the kernel)
    "sink-logit": (lambda x, b, h, a: {**_qkv(x, b, h), "sink": float(x["sink"][h]), "window": 0}, _HEAD),
    "streamingllm": (
        lambda x, b, h, a: {**_sdpa(x, b, h), "window": a._window(), "sinks": a.sinks},
        _HEAD,
    ),
    "deltaformer": (lambda x, b, h, a: {**_qkv(x, b, h), "beta": _head(x["beta"], b, h)}, _HEAD),
    # fla's lightning slope schedule s_h = 8 h / H (1 - l / L), no scale on q (the paper has none)
    "lightning-attention": (
        lambda x, b, h, a: {**_qkv(x, b, h), "slope": 8.0 / x["q"].shape[2] * (1 - a.layer / a.layers) * h},
        _HEAD,
    ),
    "hgrn": (lambda x, b, h, a: _hgrn(x, b, a), "btc"),
    # chunk_mesa_net takes no scale on q and float32 gates; lamb is (H, K)
    "mesanet": (
        lambda x, b, h, a: {
            **_qkv(x, b, h),
            "gamma": np.exp(_head(x["g"], b, h)),
            "beta": _head(x["beta"], b, h),
            "lam": x["lamb"][h],
        },
        _HEAD,
    ),
    "comba": (lambda x, b, h, a: _comba(x, b, h), _HEAD),
    # chunk_precond_gated_delta_rule scales q by 1/sqrt(K); x = 1.5 as released, the centre c per head
    "preconditioned-deltanet": (
        lambda x, b, h, a: {
            **_qkv(x, b, h, _isqrt(x)),
            "alpha": np.exp(_head(x["g"], b, h)),
            "beta": _head(x["beta"], b, h),
            "gamma": np.exp(_head(x["g_atk"], b, h)),
            "eta": _head(x["beta_atk"], b, h),
            "x": 1.5,
            "c": float(x["c"][h]),
        },
        _HEAD,
    ),
    # sparse selection: the sizes the adapter runs at (smaller in the check, so selection is exercised)
    "nsa": (lambda x, b, h, a: _nsa(x, b, h, a), _HEAD),
    "moba": (lambda x, b, h, a: {**_sdpa(x, b, h), **a.now}, _HEAD),
    "bigbird": (lambda x, b, h, a: _bigbird(x, b, h, a), _HEAD),
    # Hedgehog's maps, one per head; fla's normalised linear attention with scale 1 is its readout
    "hedgehog": (
        lambda x, b, h, a: {**_qkv(x, b, h), **{n: x[n][h] for n in ("Wq", "bq", "Wk", "bk")}},
        _HEAD,
    ),
    "mega": (
        lambda x, b, h, a: {"x": _head(x["x"], b, h), "v": _head(x["v"], b, h), **{n: x[n][h] for n in MEGA}},
        _HEAD,
    ),
    # complex diagonal state spaces: the parameters as kernels_wasm takes them, every channel in one call
    "lru": (lambda x, b, h, a: _params(x, b, LRU_PARAMS), "btc"),
    "s5": (lambda x, b, h, a: _params(x, b, S5_PARAMS), "btc"),
}

# The kernels_wasm function each mapping calls, where it is not the model's recurrent form: the GPU kernel
# runs a documented part of the model (Griffin's bare scan after its gates, S4's convolution with a given
# kernel) or the paper's full inner model (TTT with its LayerNorm).
FUNCTIONS = {"griffin": "diagonal_scan", "s4": "convolve", "ttt": "layernorm_minibatch"}


def rel_err(out, ref) -> float:
    """||out - ref|| / ||ref|| in float64; NaN anywhere gives inf (never a pass)."""
    out = np.asarray(out, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if out.shape != ref.shape:
        raise ValueError(f"shape mismatch: kernel {out.shape} vs reference {ref.shape}")
    if not np.all(np.isfinite(out)):
        return float("inf")
    den = np.linalg.norm(ref)
    return float(np.linalg.norm(out - ref) / (den if den > 0 else 1.0))


def module_name(model_id: str) -> str:
    return model_id.replace("-", "_")


def reference(model_id: str, x: dict, adapter, shape: tuple) -> np.ndarray | None:
    """kernels_wasm's output for the whole input, in the kernel's output ``shape``; None without a mapping."""
    mapping = MAPPINGS.get(model_id)
    if mapping is None:
        return None
    mod = importlib.import_module(f"kernels_wasm.{module_name(model_id)}")
    fn = getattr(mod, FUNCTIONS.get(model_id, "recurrent"))
    args_of, layout = mapping
    out = np.empty(shape, dtype=np.float64)
    for b in range(shape[0]):
        if layout == "btc":
            out[b] = fn(**args_of(x, b, None, adapter))
        elif layout == "bthv_all":  # every head in one call (grouped and latent caches): (T, H * V)
            out[b] = fn(**args_of(x, b, None, adapter)).reshape(shape[1:])
        elif layout == "bct":
            out[b] = fn(**args_of(x, b, None, adapter)).T
        else:
            for h in range(shape[2] if layout == "bthv" else shape[1]):
                o = fn(**args_of(x, b, h, adapter))
                if layout == "bthv":
                    out[b, :, h] = o
                else:
                    out[b, h] = o
    return out


def describe(model_id: str) -> str:
    """What the check compares against, for the result file."""
    if model_id not in MAPPINGS:
        return "no kernels_wasm mapping"
    fn = FUNCTIONS.get(model_id, "recurrent")
    return f"kernels_wasm.{module_name(model_id)}.{fn} (float64) on every batch row and head"
