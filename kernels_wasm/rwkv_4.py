"""RWKV-4 (Peng et al., 2023): per-channel exponentially decayed attention, normalised like a softmax.

Every channel c is its own tiny attention: token i gets the weight exp(k_i[c] - (t - 1 - i) w[c]) (older
tokens fade by exp(-w) per step), the current token gets exp(u[c] + k_t[c]) (the bonus u), and the
weighted average of the values is gated by sigmoid(r_t). The state is two numbers per channel, a numerator
and a denominator, so the state is a vector, not a matrix, and each channel has its own mixing matrix.

Glossary (paper symbol -> code):
    r_t           q (T, d)    receptance; sigma(r_t) gates the output
    k_t, v_t      k (T, d), v (T, d)   one key and one value per channel
    w             w (d,)      decay rate per channel (> 0), fixed
    u             u (d,)      bonus for the current token, fixed
    a_t, b_t      numerator and denominator of wkv, (d,) each; ``states`` returns (T, d, 2)

Equations (as on the card):
    a_t = e^{-w} o a_{t-1} + e^{k_t} o v_t,   b_t = e^{-w} o b_{t-1} + e^{k_t}
    wkv_t = (a_{t-1} + e^{u + k_t} o v_t) / (b_{t-1} + e^{u + k_t}),   o_t = sigma(r_t) o wkv_t
Forms: ``recurrent`` (the card), ``recurrent_stable`` (the official kernel's running-maximum form, which
never overflows), ``parallel`` (a per-channel causal softmax over the logits -(t - 1 - i) w + k_i).
"""

import numpy as np

from ._check import qkv
from ._linear import as_vector, sigmoid


def inputs(T: int, d: int, rng: np.random.Generator, w: float = 0.3, u: float = 0.5) -> dict:
    r = rng.standard_normal((T, d))
    k = rng.standard_normal((T, d))
    v = rng.standard_normal((T, d))
    z_w = rng.standard_normal(d)
    z_u = rng.standard_normal(d)
    if w < 0:
        raise ValueError(f"w must be >= 0, got {w}")
    return {"q": r, "k": k, "v": v, "w": w * np.exp(0.5 * z_w), "u": u + 0.5 * z_u}


def _validate(q, k, v, w, u):
    q, k, v = qkv(q, k, v)
    d = q.shape[1]
    if v.shape[1] != d:
        raise ValueError(f"v: RWKV-4 mixes each channel separately, expected width {d}, got {v.shape[1]}")
    w = as_vector("w", w, d)
    u = as_vector("u", u, d)
    if np.any(w < 0):
        raise ValueError("w: decay rates must be >= 0")
    return q, k, v, w, u


def _run(q, k, v, w, u):
    T, d = q.shape
    a, b = np.zeros(d), np.zeros(d)
    o = np.empty((T, d))
    states = np.empty((T, d, 2))
    for t in range(T):
        bonus = np.exp(u + k[t])
        o[t] = sigmoid(q[t]) * (a + bonus * v[t]) / (b + bonus)
        a = np.exp(-w) * a + np.exp(k[t]) * v[t]
        b = np.exp(-w) * b + np.exp(k[t])
        states[t, :, 0], states[t, :, 1] = a, b
    return o, states


def recurrent(q, k, v, w, u):
    return _run(*_validate(q, k, v, w, u))[0]


def recurrent_stable(q, k, v, w, u):
    """Same numbers, with a and b stored as (aa, bb) e^{p}: p is the running maximum exponent."""
    q, k, v, w, u = _validate(q, k, v, w, u)
    T, d = q.shape
    aa, bb, p = np.zeros(d), np.zeros(d), np.full(d, -np.inf)
    o = np.empty((T, d))
    for t in range(T):
        ww = u + k[t]
        m = np.maximum(p, ww)
        e1, e2 = np.exp(p - m), np.exp(ww - m)
        o[t] = sigmoid(q[t]) * (e1 * aa + e2 * v[t]) / (e1 * bb + e2)
        ww = p - w  # decay the stored sums by one step
        m = np.maximum(ww, k[t])
        e1, e2 = np.exp(ww - m), np.exp(k[t] - m)
        aa, bb, p = e1 * aa + e2 * v[t], e1 * bb + e2, m
    return o


def _softmax_mixing(q, k, w, u):
    """(d, T, T): A_c[t, i] = sigma(r_t[c]) softmax_{i <= t}(logit_c[t, i]),
    logit_c[t, i] = k_i[c] - (t - 1 - i) w[c] for i < t and u[c] + k_t[c] for i = t."""
    T = q.shape[0]
    t, i = np.arange(T)[:, None], np.arange(T)[None, :]
    lag = (t - 1 - i).astype(np.float64)
    logits = k.T[:, None, :] - w[:, None, None] * lag[None]  # (d, T, T)
    logits[:, np.arange(T), np.arange(T)] = (u + k).T
    logits = np.where((i <= t)[None], logits, -np.inf)
    P = np.exp(logits - logits.max(axis=2, keepdims=True))
    return sigmoid(q).T[:, :, None] * P / P.sum(axis=2, keepdims=True)


def mixing_matrix(q, k, v, w, u):
    """The same (d, T, T) as the parallel form's softmax, by the running-maximum recurrence on one-hot values:
    held[i] = exp(k_i - (t - 1 - i) w - m) is token i's weight before step t, relative to the running maximum
    m. Each step reads one row and decays the earlier weights by e^{-w}: T products of (t, d) arrays and
    T d exponentials per step at most, where the softmax form costs T^2 d exponentials (slow under Pyodide).
    """
    q, k, v, w, u = _validate(q, k, v, w, u)
    T, d = q.shape
    gate = sigmoid(q)  # sigma(r_t)
    A = np.zeros((d, T, T))
    held, m = np.zeros((T, d)), np.full(d, -np.inf)
    for t in range(T):
        bonus = u + k[t]
        top = np.maximum(m, bonus)
        row = held[:t] * np.exp(m - top)  # earlier tokens, relative to this row's maximum
        now = np.exp(bonus - top)  # the current token, with the bonus u
        scale = gate[t] / (row.sum(axis=0) + now)
        A[:, t, :t] = (row * scale).T
        A[:, t, t] = now * scale
        m_next = np.maximum(m - w, k[t])  # decay the stored weights by one step, then store token t
        held[:t] *= np.exp(m - w - m_next)
        held[t] = np.exp(k[t] - m_next)
        m = m_next
    return A


def parallel(q, k, v, w, u):
    q, k, v, w, u = _validate(q, k, v, w, u)
    return np.einsum("cti,ic->tc", _softmax_mixing(q, k, w, u), v)


def states(q, k, v, w, u):
    """(T, d, 2): numerator a_t and denominator b_t after each step."""
    return _run(*_validate(q, k, v, w, u))[1]
