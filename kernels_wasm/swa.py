"""Sliding-window attention (Beltagy, Peters and Cohan, Longformer, 2020), causal form.

Query i attends only to the W most recent keys, j in (i - W, i]. Outside the band the logit is -inf, so the
weights there are exactly 0: a hard window instead of a decay. Decoding needs a cache of just W keys and
values: a FIFO ring buffer in which token t overwrites slot t mod W. Written as a slot memory,

    S^k_t = (1 - e_t) * S^k_{t-1} + e_t k_t^T,    S^v_t = (1 - e_t) * S^v_{t-1} + e_t v_t^T,

with e_t the one-hot vector of slot t mod W: the form ABC, GSA and Raven later soften. With W >= T the
window never bites and SWA is the plain causal Transformer. (Longformer also has global tokens and dilation;
the causal language-model form kept here is the local window alone. RoPE, if used, is orthogonal and lives in
the rope module.)

Glossary (paper -> code)
    w (window)          window       W, an int >= 1: keys i - W + 1 .. i are visible
    S^k, S^v            Sk, Sv       (W, d_k), (W, d_v) ring buffer of the last W keys and values
    e_t                 slot         t mod W, the slot token t overwrites (one-hot e_t)
    A                   A            (T, T) banded softmax weights

Forms
    recurrent   ring-buffer decode: overwrite slot t mod W, softmax over the filled slots
    parallel    O = softmax(Q K^T / sqrt(d_k) + M_W) V with the banded mask M_W
    chunked     FlashAttention tiles, visiting only the key tiles the band reaches
"""

import numpy as np

from ._check import qkv
from ._softmax import attention_matrix, cache_readout, online_softmax


def inputs(T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, window: int = 4) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d) (sigma scales q, k) and the window W."""
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    return {"q": q, "k": k, "v": v, "window": _check_window(window)}


def _check_window(window) -> int:
    w = int(round(float(window)))
    if w < 1:
        raise ValueError(f"window: expected an integer >= 1, got {window}")
    return w


def _tile(q, k):
    scale = 1.0 / np.sqrt(q.shape[1])
    return lambda rows, cols: (q[rows] @ k[cols].T) * scale


def _ring(q, k, v, W):
    """Run the ring buffer; yield (t, o_t, Sk, Sv) after each step."""
    T, d_k = q.shape
    Sk, Sv = np.zeros((W, d_k)), np.zeros((W, v.shape[1]))
    for t in range(T):
        slot = t % W  # e_t: evict the oldest entry, which sits in this slot
        Sk[slot], Sv[slot] = k[t], v[t]
        filled = min(t + 1, W)  # before the buffer is full, empty slots are not keys at all
        o_t = cache_readout(Sk[:filled] @ q[t] / np.sqrt(d_k), Sv[:filled])
        yield t, o_t, Sk, Sv


def recurrent(q, k, v, window) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    o = np.empty((q.shape[0], v.shape[1]))
    for t, o_t, _, _ in _ring(q, k, v, _check_window(window)):
        o[t] = o_t
    return o


def mixing_matrix(q, k, v, window) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return attention_matrix(_tile(q, k), q.shape[0], window=_check_window(window))


def parallel(q, k, v, window) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return attention_matrix(_tile(q, k), q.shape[0], window=_check_window(window)) @ v


def chunked(q, k, v, window, chunk_size: int = 16) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return online_softmax(_tile(q, k), v, block=chunk_size, window=_check_window(window))


def states(q, k, v, window) -> np.ndarray:
    """The ring buffer after each step, (T, W, d_k + d_v): [S^k | S^v] by slot, zeros in unfilled slots."""
    q, k, v = qkv(q, k, v)
    W = _check_window(window)
    out = np.empty((q.shape[0], W, q.shape[1] + v.shape[1]))
    for t, _, Sk, Sv in _ring(q, k, v, W):
        out[t] = np.concatenate([Sk, Sv], axis=1)
    return out
