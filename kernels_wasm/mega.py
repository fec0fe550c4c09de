"""Mega (Ma et al., 2022): single-head softmax attention whose queries and keys come from a multi-dimensional
damped exponential moving average (EMA) of the input.

Each input channel c is expanded into n EMA dimensions with their own rates; the EMA is a fixed linear filter
that gives every token a smoothed, position-aware summary of its recent past before attention compares tokens:

    h_t = alpha o beta x_t + (1 - alpha o delta) o h_{t-1}          (per channel: n damped EMAs, (d, n))
    x'_t = SiLU(sum_n eta_n h_{t,n} + omega o x_t)                   (the released module's output)
    z_t = SiLU(W_z x'_t),   q_t = kappa_q o z_t + mu_q,   k_t = kappa_k o z_t + mu_k
    o_t = sum_{j <= t} softmax_j(q_t . k_j / sqrt(d)) v_j

The values are not smoothed (Mega computes them from the raw input: here they are given as v). The output is
linear in v: A is the causal softmax of the EMA-derived logits. Mega's gates (the reset gate r on the
attention output and the update gate u mixing it with the input) act after this and are not part of it.

Glossary (paper symbol -> code):
    X, V              x (T, d), v (T, d_v)
    alpha, delta      alpha, delta (d, n)   EMA weight and damping, in (0, 1)
    beta, eta         beta, eta (d, n)      expansion and projection of the n EMA dimensions
    omega             omega (d,)            the released module's residual weight on x
    W_z               Wz (d, d)             the shared projection of the EMA output
    kappa, mu         kq, mq, kk, mk (d,)   per-channel scale and offset turning z into q and k

Forms
    recurrent   EMA step by step, keys and values cached, softmax read per step
    parallel    EMA as a causal convolution with kernel K_l = sum_n eta alpha beta (1 - alpha delta)^l (FFT),
                then O = softmax(Q K^T / sqrt(d) + M) V
    chunked     the convolved q, k through FlashAttention tiles
"""

import numpy as np

from ._check import as_matrix, qkv
from ._conv import causal_conv
from ._linear import as_vector, gate_around
from ._softmax import attention_matrix, cache_readout, online_softmax

NDIM = 2  # EMA dimensions per channel (the released module's default)


def silu(x):
    return x / (1.0 + np.exp(-x))


def inputs(T: int, d: int, rng: np.random.Generator, alpha: float = 0.5, delta: float = 0.5) -> dict:
    x = rng.standard_normal((T, d))
    v = rng.standard_normal((T, d))
    sign = np.where(np.arange(NDIM) % 2 == 0, 1.0, -1.0)  # beta starts at [1, -1, 1, ...], as released
    return {
        "x": x, "v": v,
        "alpha": gate_around(alpha, rng.standard_normal((d, NDIM))),
        "delta": gate_around(delta, rng.standard_normal((d, NDIM))),
        "beta": sign + 0.02 * rng.standard_normal((d, NDIM)),
        "eta": rng.standard_normal((d, NDIM)) / np.sqrt(NDIM),
        "omega": rng.standard_normal(d),
        "Wz": rng.standard_normal((d, d)) / np.sqrt(d),
        "kq": 1.0 + 0.5 * rng.standard_normal(d), "mq": 0.1 * rng.standard_normal(d),
        "kk": 1.0 + 0.5 * rng.standard_normal(d), "mk": 0.1 * rng.standard_normal(d),
    }


def _validate(x, v, alpha, delta, beta, eta, omega, Wz, kq, mq, kk, mk):
    x, _, v = qkv(x, x, v)
    d = x.shape[1]
    ema = [as_matrix(n, a) for n, a in (("alpha", alpha), ("delta", delta), ("beta", beta), ("eta", eta))]
    if any(a.shape != ema[0].shape or a.shape[0] != d for a in ema):
        raise ValueError(f"alpha, delta, beta, eta: expected equal shapes (d, n) with d = {d}")
    if np.any(ema[0] <= 0) or np.any(ema[0] > 1) or np.any(ema[1] < 0) or np.any(ema[1] > 1):
        raise ValueError("alpha must lie in (0, 1] and delta in [0, 1]")
    Wz = as_matrix("Wz", Wz)
    if Wz.shape != (d, d):
        raise ValueError(f"Wz: expected shape ({d}, {d}), got {Wz.shape}")
    vecs = [as_vector(n, a, d) for n, a in (("omega", omega), ("kq", kq), ("mq", mq), ("kk", kk), ("mk", mk))]
    return (x, v, *ema, vecs[0], Wz, *vecs[1:])  # the order of the arguments


def _queries_keys(x_ema, x, omega, Wz, kq, mq, kk, mk):
    """From the EMA output (before SiLU) to q and k: x' = SiLU(y + omega x), z = SiLU(W_z x')."""
    z = silu(silu(x_ema + omega * x) @ Wz.T)
    return kq * z + mq, kk * z + mk


def recurrent(x, v, alpha, delta, beta, eta, omega, Wz, kq, mq, kk, mk):
    x, v, alpha, delta, beta, eta, omega, Wz, kq, mq, kk, mk = _validate(
        x, v, alpha, delta, beta, eta, omega, Wz, kq, mq, kk, mk)
    T, d = x.shape
    h = np.zeros_like(alpha)  # (d, n)
    keys = np.empty((T, d))
    o = np.empty_like(v)
    for t in range(T):
        h = alpha * beta * x[t][:, None] + (1.0 - alpha * delta) * h
        q_t, keys[t] = _queries_keys(np.sum(eta * h, axis=1), x[t], omega, Wz, kq, mq, kk, mk)
        o[t] = cache_readout(keys[: t + 1] @ q_t / np.sqrt(d), v[: t + 1])
    return o


def _convolved(x, alpha, delta, beta, eta, omega, Wz, kq, mq, kk, mk):
    T = x.shape[0]
    powers = (1.0 - alpha * delta)[:, :, None] ** np.arange(T)  # (d, n, T)
    kernel = np.einsum("cn,cnl->lc", eta * alpha * beta, powers)  # K_l per channel, (T, d)
    return _queries_keys(causal_conv(x, kernel), x, omega, Wz, kq, mq, kk, mk)


def _tile(q, k):
    scale = 1.0 / np.sqrt(q.shape[1])
    return lambda rows, cols: (q[rows] @ k[cols].T) * scale


def mixing_matrix(x, v, alpha, delta, beta, eta, omega, Wz, kq, mq, kk, mk):
    x, v, *params = _validate(x, v, alpha, delta, beta, eta, omega, Wz, kq, mq, kk, mk)
    q, k = _convolved(x, *params)
    return attention_matrix(_tile(q, k), x.shape[0])


def parallel(x, v, alpha, delta, beta, eta, omega, Wz, kq, mq, kk, mk):
    A = mixing_matrix(x, v, alpha, delta, beta, eta, omega, Wz, kq, mq, kk, mk)
    return A @ np.asarray(v, dtype=np.float64)


def chunked(x, v, alpha, delta, beta, eta, omega, Wz, kq, mq, kk, mk, chunk_size: int = 16):
    x, v, *params = _validate(x, v, alpha, delta, beta, eta, omega, Wz, kq, mq, kk, mk)
    q, k = _convolved(x, *params)
    return online_softmax(_tile(q, k), v, block=chunk_size)


def states(x, v, alpha, delta, beta, eta, omega, Wz, kq, mq, kk, mk):
    """No fixed-size state: decoding keeps every key and value (plus the small EMA state)."""
    return None
