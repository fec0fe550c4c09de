"""DeltaFormer (Zhong, Xu, Ao & Shi, 2025): the delta rule run in the feature space of the softmax kernel.

Softmax attention is linear attention with the (infinite-dimensional) features of the exponential kernel, so
its memory can be given a delta-rule write as well. The memory cannot be stored as a matrix, but its writes
can: each token writes u_t, its value minus what the memory already returns for it, and the output reads the
written u's with ordinary causal softmax attention,

    u_t = v_t - beta_t sum_{j < t} softmax_j(q_t . k_j / sqrt(d_k)) u_j      (the erase, strictly causal)
    o_t = sum_{j <= t} softmax_j(q_t . k_j / sqrt(d_k)) u_j                   (the read)

beta = 0 gives the causal Transformer back. As in fla's implementation the erase weights come from q_t.
Decoding keeps a cache of keys and written values u (as many entries as a KV cache).

Glossary (paper symbol -> code):
    q_t, k_t, v_t   q, k (T, d_k), v (T, d_v)
    beta_t          beta (T,)      strength of the erase
    u_t             u (T, d_v)     the values actually written (cached instead of v)
    P               P (T, T)       strictly causal softmax weights of the erase (row 0 is empty)

Forms
    recurrent   the decode loop: erase with the cached u's, append (k_t, u_t), softmax read
    parallel    U = (I + diag(beta) P)^{-1} V, O = softmax(Q K^T / sqrt(d_k) + M) U
    chunked     U chunk by chunk (the earlier chunks' u's on the right-hand side, a unit lower-triangular
                solve inside the chunk, as fla's kernel does), then FlashAttention tiles over U
"""

import numpy as np

from ._check import qkv, step_gate
from ._linear import as_chunk_size, gate_around
from ._softmax import attention_matrix, cache_readout, full_logits, online_softmax, softmax_rows


def inputs(T: int, d: int, rng: np.random.Generator, beta: float = 0.5, sigma: float = 1.0) -> dict:
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    return {"q": q, "k": k, "v": v, "beta": gate_around(beta, rng.standard_normal(T))}


def _validate(q, k, v, beta):
    q, k, v = qkv(q, k, v)
    return q, k, v, step_gate("beta", beta, q.shape[0])


def _tile(q, k):
    scale = 1.0 / np.sqrt(q.shape[1])
    return lambda rows, cols: (q[rows] @ k[cols].T) * scale


def _erase_weights(q, k):
    """P (T, T): row t is softmax over the keys j < t (all zero for t = 0)."""
    T = q.shape[0]
    strict = np.tril(np.ones((T, T), dtype=bool), -1)
    P = np.zeros((T, T))
    P[1:] = softmax_rows(full_logits(_tile(q, k), T)[1:], strict[1:])
    return P


def recurrent(q, k, v, beta) -> np.ndarray:
    q, k, v, beta = _validate(q, k, v, beta)
    T, d_k = q.shape
    scale = 1.0 / np.sqrt(d_k)
    u = np.empty_like(v)  # the cache of written values
    o = np.empty_like(v)
    for t in range(T):
        u[t] = v[t]
        if t > 0:  # erase what the memory already returns (softmax over the earlier keys only)
            u[t] -= beta[t] * cache_readout(k[:t] @ q[t] * scale, u[:t])
        o[t] = cache_readout(k[: t + 1] @ q[t] * scale, u[: t + 1])
    return o


def mixing_matrix(q, k, v, beta) -> np.ndarray:
    """o = A v with A = softmax(Q K^T / sqrt(d_k) + M) (I + diag(beta) P)^{-1}."""
    q, k, v, beta = _validate(q, k, v, beta)
    T = q.shape[0]
    erase = np.eye(T) + beta[:, None] * _erase_weights(q, k)
    return attention_matrix(_tile(q, k), T) @ np.linalg.inv(erase)


def parallel(q, k, v, beta) -> np.ndarray:
    q, k, v, beta = _validate(q, k, v, beta)
    T = q.shape[0]
    u = np.linalg.solve(np.eye(T) + beta[:, None] * _erase_weights(q, k), v)
    return attention_matrix(_tile(q, k), T) @ u


def chunked(q, k, v, beta, chunk_size: int = 16) -> np.ndarray:
    q, k, v, beta = _validate(q, k, v, beta)
    C = as_chunk_size(chunk_size)
    T = q.shape[0]
    P = _erase_weights(q, k)
    u = np.empty_like(v)
    for c0 in range(0, T, C):
        c = slice(c0, min(c0 + C, T))
        rhs = v[c] - beta[c, None] * (P[c, :c0] @ u[:c0])  # what the earlier chunks erase
        inner = np.eye(c.stop - c0) + beta[c, None] * P[c, c]  # unit lower-triangular inside the chunk
        u[c] = np.linalg.solve(inner, rhs)
    return online_softmax(_tile(q, k), u, block=C)


def states(q, k, v, beta):
    """No fixed-size state: decoding keeps every key and written value."""
    return None
