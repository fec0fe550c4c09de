"""StreamingLLM (Xiao et al., 2023): a sliding window plus the first few tokens, kept as attention sinks.

Trained language models put a large share of their attention on the first tokens, whatever those tokens say:
the softmax must give its weight somewhere, and the first tokens are visible to every later query. A plain
sliding window evicts them and the model breaks down once the text outgrows the cache. StreamingLLM keeps
the keys and values of the first n_s tokens for good (n_s = 4 in the paper) next to a window of the W most
recent ones, so query t sees

    V_t = {j : j < n_s} u {j : t - W < j <= t},   o_t = sum_{j in V_t} softmax_j(q_t . k_j / sqrt(d_k)) v_j

and decoding keeps a cache of n_s + W entries however long the stream runs. With n_s = 0 it is sliding-window
attention; with W >= T it is the Transformer.

Glossary (paper -> code)
    attention sinks     n_sinks, Sk_s, Sv_s   the first n_s tokens, (n_s, d) slots written once and kept
    rolling KV cache    window, Sk_w, Sv_w    the W most recent tokens, a ring buffer: token t overwrites
                                              slot t mod W
    V_t                 visible(T, ...)       (T, T) mask: causal, and j < n_s or t - j < W
    A                   A                     (T, T) softmax weights over the visible keys

Forms
    recurrent   decode loop: sinks written once, ring buffer for the window; softmax over every filled slot,
                each token counted once (a sink still inside the window is not read twice)
    parallel    O = softmax(Q K^T / sqrt(d_k) + M) V with M = 0 on V_t, -inf elsewhere
"""

import numpy as np

from ._check import qkv
from ._softmax import full_logits, softmax_rows


def inputs(
    T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, window: int = 8, sinks: int = 4
) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d) (sigma scales q, k), the window W and the number of sinks n_s."""
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    return {"q": q, "k": k, "v": v, "window": _count("window", window, 1), "sinks": _count("sinks", sinks, 0)}


def _count(name, x, least: int) -> int:
    n = int(round(float(x)))
    if n < least:
        raise ValueError(f"{name}: expected an integer >= {least}, got {x}")
    return n


def visible(T: int, window: int, sinks: int) -> np.ndarray:
    """(T, T) mask of V_t: key j is visible to query t iff j <= t and (j < n_s or t - j < W)."""
    t, j = np.arange(T)[:, None], np.arange(T)[None, :]
    return (j <= t) & ((j < sinks) | (t - j < window))


def _cache(q, k, v, W, n_s):
    """Run the sink slots and the ring buffer; yield (t, o_t, [Sk_s; Sk_w], [Sv_s; Sv_w]) after each step."""
    T, d_k = q.shape
    Sk_s, Sv_s = np.zeros((n_s, d_k)), np.zeros((n_s, v.shape[1]))
    Sk_w, Sv_w = np.zeros((W, d_k)), np.zeros((W, v.shape[1]))
    pos_w = np.full(W, -1)  # which token each window slot holds (-1: empty)
    for t in range(T):
        if t < n_s:
            Sk_s[t], Sv_s[t] = k[t], v[t]  # one of the first n_s tokens: a sink, kept for good
        slot = t % W
        Sk_w[slot], Sv_w[slot], pos_w[slot] = k[t], v[t], t  # evict the oldest window entry
        sinks = slice(0, min(t + 1, n_s))
        recent = pos_w >= n_s  # filled window slots that are not sinks already (each token read once)
        keys = np.concatenate([Sk_s[sinks], Sk_w[recent]])
        vals = np.concatenate([Sv_s[sinks], Sv_w[recent]])
        logits = keys @ q[t] / np.sqrt(d_k)
        o_t = softmax_rows(logits, np.ones(len(logits), dtype=bool)) @ vals
        yield t, o_t, np.concatenate([Sk_s, Sk_w]), np.concatenate([Sv_s, Sv_w])


def recurrent(q, k, v, window, sinks) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    o = np.empty((q.shape[0], v.shape[1]))
    for t, o_t, _, _ in _cache(q, k, v, _count("window", window, 1), _count("sinks", sinks, 0)):
        o[t] = o_t
    return o


def mixing_matrix(q, k, v, window, sinks) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    T, d_k = q.shape
    logits = full_logits(lambda rows, cols: (q[rows] @ k[cols].T) / np.sqrt(d_k), T)
    return softmax_rows(logits, visible(T, _count("window", window, 1), _count("sinks", sinks, 0)))


def parallel(q, k, v, window, sinks) -> np.ndarray:
    return mixing_matrix(q, k, v, window, sinks) @ qkv(q, k, v)[2]


def states(q, k, v, window, sinks) -> np.ndarray:
    """The cache after each step, (T, n_s + W, d_k + d_v): sink slots, then window slots, zeros if empty."""
    q, k, v = qkv(q, k, v)
    W, n_s = _count("window", window, 1), _count("sinks", sinks, 0)
    out = np.empty((q.shape[0], n_s + W, q.shape[1] + v.shape[1]))
    for t, _, Sk, Sv in _cache(q, k, v, W, n_s):
        out[t] = np.concatenate([Sk, Sv], axis=1)
    return out
