"""RetNet (Sun et al., 2023): retention, linear attention with one fixed exponential decay per head.

Glossary (paper symbol -> code):
    Q_n, K_n, V_n     q, k (T, d_k), v (T, d_v)
    gamma             gamma (float in [0, 1])   fixed decay of the head (1 - 2^{-5-h} in the paper)
    S_n               S (d_v, d_k)              the paper stores K^T V, the transpose
    D_{nm}            gamma^{n-m} (n >= m), 0 otherwise: the decay mask of the parallel form

Equations (as on the card):
    S_t = gamma S_{t-1} + v_t k_t^T,   o_t = S_t q_t
Parallel form: O = (Q K^T o D) V.  The paper also rotates q and k by position (an xPos-style Theta); that
rotation acts on the inputs, not on the recurrence, and is left out here.
"""

import numpy as np

from ._check import qkv
from ._linear import as_chunk_size, as_scalar, diag_chunked, diag_mixing, log_gate


def inputs(T: int, d: int, rng: np.random.Generator, gamma: float = 0.9) -> dict:
    q = rng.standard_normal((T, d)) / np.sqrt(d)  # 1/sqrt(d) scaling as in the paper's Q K^T / sqrt(d)
    k = rng.standard_normal((T, d))
    v = rng.standard_normal((T, d))
    return {"q": q, "k": k, "v": v, "gamma": float(gamma)}


def _validate(q, k, v, gamma):
    q, k, v = qkv(q, k, v)
    gamma = as_scalar("gamma", gamma)
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma}")
    return q, k, v, gamma


def recurrent(q, k, v, gamma):
    q, k, v, gamma = _validate(q, k, v, gamma)
    S = np.zeros((v.shape[1], q.shape[1]))
    o = np.empty((q.shape[0], v.shape[1]))
    for t in range(q.shape[0]):
        S = gamma * S + np.outer(v[t], k[t])  # S_t = gamma S_{t-1} + v_t k_t^T
        o[t] = S @ q[t]
    return o


def mixing_matrix(q, k, v, gamma):
    """A = Q K^T o D, D[t, s] = gamma^{t-s} for s <= t."""
    q, k, v, gamma = _validate(q, k, v, gamma)
    return diag_mixing(q, k, np.full(q.shape[0], log_gate(gamma)))


def parallel(q, k, v, gamma):
    return mixing_matrix(q, k, v, gamma) @ qkv(q, k, v)[2]


def chunked(q, k, v, gamma, chunk_size=16):
    """The paper's chunkwise retention: parallel inside a chunk, gamma^C-decayed state across chunks."""
    q, k, v, gamma = _validate(q, k, v, gamma)
    return diag_chunked(q, k, v, np.full(q.shape[0], log_gate(gamma)), as_chunk_size(chunk_size))[0]


def states(q, k, v, gamma):
    q, k, v, gamma = _validate(q, k, v, gamma)
    S = np.zeros((v.shape[1], q.shape[1]))
    out = np.empty((q.shape[0],) + S.shape)
    for t in range(q.shape[0]):
        S = gamma * S + np.outer(v[t], k[t])
        out[t] = S
    return out
