"""Multi-query attention (Shazeer, 2019): H query heads, one shared key head and one shared value head.

Multi-head attention gives every head its own keys and values, so decoding reloads 2 H d numbers per cached
token at every step, and for long contexts that memory traffic, not arithmetic, sets the speed. Multi-query
attention keeps H query heads but computes a single key k_t and a single value v_t per token, shared by all
heads: the cache holds 2 d numbers per token, H times fewer. Each head still has its own softmax, so heads
can look at different positions; they just read the same values there.

    o_{t,h} = sum_{j<=t} softmax_j( q_{t,h} . k_j / sqrt(d_k) ) v_j,    h = 1 .. H

Glossary (paper -> code)
    h heads             H, q        q (T, H, d_k): one query per head (the paper's Q, [b, h, n, k])
    K, V (no head)      k, v        k (T, 1, d_k), v (T, 1, d_v): the single key-value head
    KV cache            K_c, V_c    (t+1, d_k), (t+1, d_v): what step t reads, the same for every head
    A                   A           (H, T, T): one softmax matrix per query head; o = A v

Forms
    recurrent   decode loop: append (k_t, v_t) to the one-head cache, every head scores the same keys
    parallel    O_h = softmax(Q_h K^T / sqrt(d_k) + M) V for every head h
    chunked     FlashAttention tiles, head by head
"""

import numpy as np

from . import _heads
from ._softmax import softmax_rows

MIXING_SLICES = "query head"  # A has one (T, T) slice per query head (read by api.simulate for titles)


def inputs(T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, heads: int = 4) -> dict:
    """Seeded q (T, H, d), k, v (T, 1, d) ~ N(0, 1); sigma scales q and k. d is the head width."""
    H = int(round(float(heads)))
    if H < 1:
        raise ValueError(f"heads: expected an integer >= 1, got {heads}")
    q = rng.standard_normal((T, H, d)) * sigma
    k = rng.standard_normal((T, 1, d)) * sigma
    v = rng.standard_normal((T, 1, d))
    return {"q": q, "k": k, "v": v}


def _check(q, k, v):
    q, k, v = _heads.grouped_qkv(q, k, v)
    if k.shape[1] != 1:
        raise ValueError(f"k, v: multi-query attention has one key-value head, got {k.shape[1]}")
    return q, k, v


def _tiles(q, k):
    scale = 1.0 / np.sqrt(q.shape[2])
    return lambda h: lambda rows, cols: (q[rows, h] @ k[cols, 0].T) * scale


def recurrent(q, k, v) -> np.ndarray:
    q, k, v = _check(q, k, v)
    T, H, d_k = q.shape
    o = np.empty((T, H * v.shape[2]))
    for t in range(T):
        K_c, V_c = k[: t + 1, 0], v[: t + 1, 0]  # the one-head cache after appending (k_t, v_t)
        logits = q[t] @ K_c.T / np.sqrt(d_k)  # (H, t+1): every head against the same keys
        p = softmax_rows(logits, np.ones(logits.shape, dtype=bool))
        o[t] = (p @ V_c).reshape(-1)  # (H, d_v): every head reads the same values
    return o


def mixing_matrix(q, k, v) -> np.ndarray:
    q, k, v = _check(q, k, v)
    return _heads.mixing(_tiles(q, k), q.shape[1], q.shape[0])


def parallel(q, k, v) -> np.ndarray:
    q, k, v = _check(q, k, v)
    return _heads.apply(_heads.mixing(_tiles(q, k), q.shape[1], q.shape[0]), v)


def chunked(q, k, v, chunk_size: int = 16) -> np.ndarray:
    q, k, v = _check(q, k, v)
    return _heads.online(_tiles(q, k), v, q.shape[1], chunk_size)


def states(q, k, v) -> None:
    """No fixed-size state: the cache grows by 2 d numbers per step, whatever the number of heads."""
    _check(q, k, v)
    return None
