"""DeepSeek Sparse Attention, DSA (DeepSeek-AI, DeepSeek-V3.2-Exp, 2025): a lightning indexer scores every
earlier token, and the attention reads only the top-k of them.

The indexer is a second, cheap attention with H^I small heads and ReLU instead of softmax. Query token t
and earlier token s get the index score

    I_ts = sum_{j=1}^{H^I} w_tj ReLU(q^I_tj . k^I_s),

where q^I_tj and the head weights w_tj come from token t and one indexer key k^I_s from token s (shared by the
heads). The main attention then runs an ordinary softmax over the k highest-scoring tokens:

    o_t = sum_{s in S_t} softmax_s(q_t . k_s / sqrt(d_k)) v_s,    S_t = Top-k { I_ts : s <= t }.

Every token's key and value (and its indexer key) stay in the cache; each query reads at most k of them. While
t < k every earlier token is selected and DSA is full attention.

Glossary (paper -> code)
    H^I (indexer heads)     heads       number of indexer heads
    q^I_tj                  qi          (H^I, T, d^I) indexer queries
    k^I_s                   ki          (T, d^I) indexer keys, one per token
    w^I_tj                  w           (T, H^I) per-head weights of the index score (any sign)
    I_ts                    I           (T, T) index scores
    k (top-k)               top_k       tokens read per query

Forms
    recurrent   decode loop: cache (k_t, v_t, k^I_t), score the cache with the indexer, softmax over the top k
    parallel    all index scores at once, a (T, T) top-k mask, one masked softmax
"""

import numpy as np

from ._check import as_matrix, qkv
from ._softmax import cache_readout, softmax_rows
from ._sparse import block_mask, count, selected_blocks


def inputs(
    T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, top_k: int = 4, heads: int = 2
) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d), indexer q^I, k^I likewise (sigma scales all four), w ~ N(0, 1/H^I)."""
    H = count(heads, "heads")
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    qi = rng.standard_normal((H, T, d)) * sigma
    ki = rng.standard_normal((T, d)) * sigma
    w = rng.standard_normal((T, H)) / np.sqrt(H)
    return {"q": q, "k": k, "v": v, "qi": qi, "ki": ki, "w": w, "top_k": count(top_k, "top_k")}


def _check(q, k, v, qi, ki, w, top_k):
    q, k, v = qkv(q, k, v)
    T = q.shape[0]
    ki = as_matrix("ki", ki, T)
    qi = np.asarray(qi)
    if qi.dtype.kind not in "fiu" or qi.ndim != 3 or qi.shape[1:] != (T, ki.shape[1]):
        want = f"(H, {T}, {ki.shape[1]})"
        raise ValueError(f"qi: expected a real array of shape {want}, got {qi.dtype} {qi.shape}")
    w = as_matrix("w", w, T, qi.shape[0])
    return q, k, v, qi.astype(np.float64), ki, w, count(top_k, "top_k")


def index_scores(qi, ki, w) -> np.ndarray:
    """I (T, T): I_ts = sum_j w_tj ReLU(q^I_tj . k^I_s), for every pair (the causal mask is applied later)."""
    return np.einsum("tj,jts->ts", w, np.maximum(np.einsum("jtd,sd->jts", qi, ki), 0.0))


def recurrent(q, k, v, qi, ki, w, top_k) -> np.ndarray:
    q, k, v, qi, ki, w, n = _check(q, k, v, qi, ki, w, top_k)
    T, d_k = q.shape
    o = np.empty((T, v.shape[1]))
    for t in range(T):
        # the cache holds k_s, v_s and k^I_s for every s <= t; the indexer scores all of it
        I_t = w[t] @ np.maximum(qi[:, t] @ ki[: t + 1].T, 0.0)  # (t + 1,)
        S_t = np.sort(np.argsort(-I_t, kind="stable")[:n])  # top-k, ties to the earlier token
        o[t] = cache_readout(k[S_t] @ q[t] / np.sqrt(d_k), v[S_t])
    return o


def selection(q, k, v, qi, ki, w, top_k) -> np.ndarray:
    """(T, T) boolean: token s is among the top-k index scores of query t (s <= t)."""
    q, k, v, qi, ki, w, n = _check(q, k, v, qi, ki, w, top_k)
    T = q.shape[0]
    I = np.where(np.tri(T, dtype=bool), index_scores(qi, ki, w), -np.inf)
    return block_mask(selected_blocks(I, n, np.zeros((T, T), dtype=bool)), 1, T)


def mixing_matrix(q, k, v, qi, ki, w, top_k) -> np.ndarray:
    mask = selection(q, k, v, qi, ki, w, top_k)
    q, k, v = qkv(q, k, v)
    return softmax_rows(q @ k.T / np.sqrt(q.shape[1]), mask)


def parallel(q, k, v, qi, ki, w, top_k) -> np.ndarray:
    return mixing_matrix(q, k, v, qi, ki, w, top_k) @ qkv(q, k, v)[2]
