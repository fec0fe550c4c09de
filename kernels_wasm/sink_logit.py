"""A learned sink logit in the softmax (gpt-oss, OpenAI 2025): each head may attend to nothing.

Softmax weights must sum to 1, so a head that finds nothing useful still has to put its weight somewhere,
and trained models dump it on the first tokens (the attention sinks StreamingLLM keeps). gpt-oss gives every
head a learned scalar b_h that enters the softmax denominator as one more logit, with no value behind it:

    A_tj = exp(s_tj) / ( exp(b_h) + sum_{l visible to t} exp(s_tl) ),   o_t = sum_j A_tj v_j

Rows now sum to 1 - exp(b_h) / (exp(b_h) + sum_l exp(s_tl)) < 1: the head can hand weight to the sink
and output less, down to almost nothing. It changes no cache: gpt-oss uses it in its full-attention layers
and in its banded-window (128-token) layers alike. As b_h -> -inf it is the Transformer (or, banded,
sliding-window attention).

Glossary (paper -> code)
    sinks (one per head)    sink        b_h, the learned logit of this head (a live parameter)
    sliding_window          window      W; 0 means none (full causal attention), as in the released code
    A                       A           (T, T) weights; row sums below 1
    softmax over [QK, S]    _with_sink  the released code appends the sink as a last column, takes the
                                        softmax and drops that column: the same A

Forms
    recurrent   decode loop over the KV cache (or its last W entries) with the sink logit next to the scores
    parallel    softmax of [Q K^T / sqrt(d_k) + M | b_h] row by row, sink column dropped
    chunked     FlashAttention tiles whose running max starts at b_h; exp(b_h - m) joins the denominator
                at the end (the released Triton kernel does the same)
"""

import numpy as np

from ._check import qkv
from ._softmax import full_logits, online_softmax, visible


def inputs(
    T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, sink: float = 0.0, window: int = 0
) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d) (sigma scales q, k), the head's sink logit and the window (0: none)."""
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    return {"q": q, "k": k, "v": v, "sink": _sink(sink), "window": _window(window)}


def _sink(x) -> float:
    s = float(x)
    if not np.isfinite(s):
        raise ValueError(f"sink: expected a finite number, got {x}")
    return s


def _window(x) -> int:
    w = int(round(float(x)))
    if w < 0:
        raise ValueError(f"window: expected 0 (none) or an integer >= 1, got {x}")
    return w


def _with_sink(logits: np.ndarray, sink: float) -> np.ndarray:
    """Softmax over [logits, sink] along the last axis, sink weight dropped (-inf logits get weight 0)."""
    m = np.maximum(np.max(logits, axis=-1, keepdims=True), sink)
    e = np.exp(logits - m)
    return e / (np.sum(e, axis=-1, keepdims=True) + np.exp(sink - m))


def recurrent(q, k, v, sink, window) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    s, W = _sink(sink), _window(window)
    T, d_k = q.shape
    o = np.empty((T, v.shape[1]))
    for t in range(T):
        first = 0 if W == 0 else max(0, t - W + 1)
        K_c, V_c = k[first : t + 1], v[first : t + 1]  # the cache (the last W entries in a banded layer)
        o[t] = _with_sink(K_c @ q[t] / np.sqrt(d_k), s) @ V_c
    return o


def _tile(q, k):
    scale = 1.0 / np.sqrt(q.shape[1])
    return lambda rows, cols: (q[rows] @ k[cols].T) * scale


def mixing_matrix(q, k, v, sink, window) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    T, W = q.shape[0], _window(window)
    mask = visible(slice(0, T), slice(0, T), W or None)
    return _with_sink(np.where(mask, full_logits(_tile(q, k), T), -np.inf), _sink(sink))


def parallel(q, k, v, sink, window) -> np.ndarray:
    return mixing_matrix(q, k, v, sink, window) @ qkv(q, k, v)[2]


def chunked(q, k, v, sink, window, chunk_size: int = 16) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return online_softmax(_tile(q, k), v, chunk_size, _window(window) or None, sink=_sink(sink))


def states(q, k, v, sink, window) -> None:
    """No fixed-size state: the cache is the Transformer's (or a window's); the sink is one number."""
    qkv(q, k, v)
    return None
