"""Grouped-query attention (Ainslie et al., 2023): H query heads share G key-value heads, G dividing H.

The heads are split into G groups of R = H/G neighbours; every head of group g scores and reads the same
key and value head g, so decoding caches 2 G d numbers per token instead of multi-head attention's 2 H d:
a cache H/G times smaller. G = H is multi-head attention (every head its own keys and values); G = 1 is
multi-query attention (one key-value head for all). Nothing else changes: each head is causal softmax
attention with the Transformer's scaled dot product.

    o_{t,h} = sum_{j<=t} softmax_j( q_{t,h} . k_{j,g(h)} / sqrt(d_k) ) v_{j,g(h)},    g(h) = floor(h / R)

Glossary (paper -> code)
    H query heads       H, q        q (T, H, d_k); the query heads, R = H/G per group
    G groups            G, k, v     k (T, G, d_k), v (T, G, d_v): one key-value head per group
    R = H / G           group       query heads per key-value head (a live parameter, with kv_heads = G)
    g(h)                kv_head     the group of head h (kernels_wasm/_heads.py)
    KV cache            K_c, V_c    (t+1, G, d_k), (t+1, G, d_v): what step t reads
    A                   A           (H, T, T): one softmax matrix per query head; o = A v

Forms
    recurrent   decode loop: append (k_t, v_t) to the G-head cache, then all R heads of group g read head g
    parallel    O_h = softmax(Q_h K_{g(h)}^T / sqrt(d_k) + M) V_{g(h)} for every query head h
    chunked     FlashAttention tiles, head by head
"""

import numpy as np

from . import _heads
from ._softmax import softmax_rows

MIXING_SLICES = "query head"  # A has one (T, T) slice per query head (read by api.simulate for titles)


def inputs(
    T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, kv_heads: int = 2, group: int = 2
) -> dict:
    """Seeded q (T, G R, d), k, v (T, G, d) ~ N(0, 1); sigma scales q and k. d is the head width."""
    G, R = _count("kv_heads", kv_heads), _count("group", group)
    q = rng.standard_normal((T, G * R, d)) * sigma
    k = rng.standard_normal((T, G, d)) * sigma
    v = rng.standard_normal((T, G, d))
    return {"q": q, "k": k, "v": v}


def _count(name, x) -> int:
    n = int(round(float(x)))
    if n < 1:
        raise ValueError(f"{name}: expected an integer >= 1, got {x}")
    return n


def _tiles(q, k):
    g = _heads.kv_head(q.shape[1], k.shape[1])
    scale = 1.0 / np.sqrt(q.shape[2])
    return lambda h: lambda rows, cols: (q[rows, h] @ k[cols, g[h]].T) * scale


def recurrent(q, k, v) -> np.ndarray:
    q, k, v = _heads.grouped_qkv(q, k, v)
    T, H, d_k = q.shape
    G = k.shape[1]
    o = np.empty((T, H * v.shape[2]))
    for t in range(T):
        K_c, V_c = k[: t + 1], v[: t + 1]  # the cache after appending (k_t, v_t): G heads, not H
        q_t = q[t].reshape(G, H // G, d_k)  # the R query heads of each group side by side
        logits = np.einsum("grd,sgd->grs", q_t, K_c) / np.sqrt(d_k)  # every head of group g scores head g
        p = softmax_rows(logits, np.ones(logits.shape, dtype=bool))
        o[t] = np.einsum("grs,sgc->grc", p, V_c).reshape(-1)  # ... and reads the same values
    return o


def mixing_matrix(q, k, v) -> np.ndarray:
    q, k, v = _heads.grouped_qkv(q, k, v)
    return _heads.mixing(_tiles(q, k), q.shape[1], q.shape[0])


def parallel(q, k, v) -> np.ndarray:
    q, k, v = _heads.grouped_qkv(q, k, v)
    return _heads.apply(_heads.mixing(_tiles(q, k), q.shape[1], q.shape[0]), v)


def chunked(q, k, v, chunk_size: int = 16) -> np.ndarray:
    q, k, v = _heads.grouped_qkv(q, k, v)
    return _heads.online(_tiles(q, k), v, q.shape[1], chunk_size)


def states(q, k, v) -> None:
    """No fixed-size state: the cache grows by 2 G d numbers per step (multi-head attention: 2 H d)."""
    _heads.grouped_qkv(q, k, v)
    return None
