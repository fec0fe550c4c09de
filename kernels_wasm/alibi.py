"""ALiBi (Press, Smith and Lewis, 2021): attention with a linear distance penalty on the logits.

No position embedding; instead every logit pays -m (i - j), a penalty linear in the distance from the query,
with a fixed slope m per head (the paper's geometric set 2^(-8h/n) for head h of n). In weight space the
penalty is a factor e^{-m (i - j)} = gamma^{i - j}: ALiBi is RetNet's fixed exponential decay moved inside
the softmax, and it is FoX with every forget gate frozen at f = e^{-m}.

Glossary (paper -> code)
    q, k, v       q, k, v      (T, d_k), (T, d_k), (T, d_v)
    m             m            the head's slope (a float >= 0), a live parameter
    -m (i - j)    bias         additive log-space bias, 0 on the diagonal
    A             A            (T, T) softmax of q_i . k_j / sqrt(d_k) - m (i - j) over j <= i
    KV cache      K_c, V_c, b_c   keys, values and each cached key's accumulated bias

Forms
    recurrent   decode loop: every step, each cached bias drops by m, then (k_t, v_t, 0) is appended
    parallel    O = softmax(Q K^T / sqrt(d_k) + B + M) V with B_ij = -m (i - j)
    chunked     FlashAttention tiles with the bias added per tile
"""

import numpy as np

from ._check import qkv
from ._softmax import attention_matrix, cache_readout, online_softmax


def inputs(T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, m: float = 0.5) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d) (sigma scales q, k) and the slope m."""
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    return {"q": q, "k": k, "v": v, "m": float(m)}


def _check_slope(m) -> float:
    m = float(m)
    if not m >= 0.0:
        raise ValueError(f"m: the ALiBi slope must be >= 0, got {m}")
    return m


def _tile(q, k, m):
    scale = 1.0 / np.sqrt(q.shape[1])

    def tile(rows, cols):
        dist = np.arange(rows.start, rows.stop)[:, None] - np.arange(cols.start, cols.stop)[None, :]
        return (q[rows] @ k[cols].T) * scale - m * dist

    return tile


def recurrent(q, k, v, m) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    m = _check_slope(m)
    T, d_k = q.shape
    b_c = np.empty(T)  # b_c[j] = -m (t - j) after step t
    o = np.empty((T, v.shape[1]))
    for t in range(T):
        b_c[:t] -= m  # one step further from the query for every cached key
        b_c[t] = 0.0
        o[t] = cache_readout(k[: t + 1] @ q[t] / np.sqrt(d_k) + b_c[: t + 1], v[: t + 1])
    return o


def mixing_matrix(q, k, v, m) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return attention_matrix(_tile(q, k, _check_slope(m)), q.shape[0])


def parallel(q, k, v, m) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return attention_matrix(_tile(q, k, _check_slope(m)), q.shape[0]) @ v


def chunked(q, k, v, m, chunk_size: int = 16) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return online_softmax(_tile(q, k, _check_slope(m)), v, block=chunk_size)


def states(q, k, v, m) -> None:
    """No fixed-size state: the KV cache grows (plus one bias per cached key, or none if recomputed)."""
    qkv(q, k, v)
    return None
