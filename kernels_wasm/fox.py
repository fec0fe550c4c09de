"""Forgetting Transformer, FoX (Lin, Nikishin, He and Courville, 2025): softmax attention with a forget gate.

Every token emits a scalar forget gate f_t = sigmoid(w^T x_t + b) in (0, 1). The weight of key j seen from
query i is multiplied by the product of the gates in between, F_ij = f_{j+1} f_{j+2} ... f_i. Inside the
softmax that product is added to the logit in log space:

    s_ij = q_i . k_j / sqrt(d_k) + D_ij,    D_ij = sum_{l=j+1}^{i} log f_l   (D_ii = 0),

so the gate multiplies exp(s_ij), never the score itself. Constant gates f = e^{-m} give ALiBi; gates of 1
give the plain Transformer. In decoding, each cached key keeps its own running bias, which every new token
lowers by log f_t.

Glossary (paper -> code)
    f_t                  f            (T,) forget gates in (0, 1]
    D_ij                 bias         c_i - c_j with c = cumsum(log f): the data-dependent decay bias
    A                    A            (T, T) softmax of q_i . k_j / sqrt(d_k) + D_ij over j <= i
    KV cache             K_c, V_c, b_c   keys, values and the accumulated log-gate of each cached key

Forms
    recurrent   decode loop: b_c[j] += log f_t for every cached key, append (k_t, v_t, 0), softmax
    parallel    O = softmax(Q K^T / sqrt(d_k) + D + M) V
    chunked     FlashAttention tiles with D recomputed per tile from the prefix sums c (as in the FoX kernel)
"""

import numpy as np

from ._check import as_gate, qkv
from ._softmax import attention_matrix, cache_readout, check_unit_interval, online_softmax, sigmoid


def inputs(T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, bias: float = 2.0) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d) and gates f_t = sigmoid(u_t + bias), u_t ~ N(0, 1).

    The bias is the forget-gate bias: high bias keeps f near 1 (long memory), low bias forgets fast.
    """
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    f = sigmoid(rng.standard_normal(T) + bias)
    return {"q": q, "k": k, "v": v, "f": f}


def _gates(f, T):
    return check_unit_interval("f", as_gate("f", f, T))


def _tile(q, k, f):
    scale = 1.0 / np.sqrt(q.shape[1])
    c = np.cumsum(np.log(f))  # c_i = sum_{l <= i} log f_l, so D_ij = c_i - c_j

    def tile(rows, cols):
        # j > i would give a positive "bias"; those entries are masked, clamp so exp() never sees them huge
        D = np.minimum(c[rows][:, None] - c[cols][None, :], 0.0)
        return (q[rows] @ k[cols].T) * scale + D

    return tile


def recurrent(q, k, v, f) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    T, d_k = q.shape
    f = _gates(f, T)
    b_c = np.empty(T)  # b_c[j] = D_tj after step t
    o = np.empty((T, v.shape[1]))
    for t in range(T):
        b_c[:t] += np.log(f[t])  # the new gate fades every key already in the cache
        b_c[t] = 0.0
        o[t] = cache_readout(k[: t + 1] @ q[t] / np.sqrt(d_k) + b_c[: t + 1], v[: t + 1])
    return o


def mixing_matrix(q, k, v, f) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return attention_matrix(_tile(q, k, _gates(f, q.shape[0])), q.shape[0])


def parallel(q, k, v, f) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return attention_matrix(_tile(q, k, _gates(f, q.shape[0])), q.shape[0]) @ v


def chunked(q, k, v, f, chunk_size: int = 16) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return online_softmax(_tile(q, k, _gates(f, q.shape[0])), v, block=chunk_size)


def states(q, k, v, f) -> None:
    """No fixed-size state: the KV cache grows (plus one accumulated log-gate per cached key)."""
    qkv(q, k, v)
    return None
