"""Gated Linear Attention (Yang et al., 2023): linear attention with a data-dependent per-channel forget gate.

Glossary (paper symbol -> code):
    q_t, k_t, v_t      q, k (T, d_k), v (T, d_v)
    alpha_t            alpha (T, d_k)   forget gate, sigma(x_t W_alpha + b)^{1/tau} in (0, 1)
    tau                tau (``inputs`` param): temperature, 16 in the paper; larger = slower forgetting
    S_t                S (d_v, d_k)     the paper stores the transpose: Diag(alpha_t) S_{t-1} + k_t^T v_t

Equations (as on the card):
    S_t = S_{t-1} Diag(alpha_t) + v_t k_t^T,   o_t = S_t q_t
Parallel form: A[t, s] = sum_c q_t[c] k_s[c] prod_{l=s+1}^{t} alpha_l[c]  (s <= t), O = A V.
Chunkwise form (the paper's hardware-efficient algorithm): intra-chunk A, inter-chunk state passing.
"""

import numpy as np

from ._check import as_gate, qkv
from ._linear import as_chunk_size, diag_chunked, diag_mixing, diag_recurrent, log_gate, sigmoid


def inputs(T: int, d: int, rng: np.random.Generator, tau: float = 16.0) -> dict:
    q = rng.standard_normal((T, d)) / np.sqrt(d)
    k = rng.standard_normal((T, d))
    v = rng.standard_normal((T, d))
    z = rng.standard_normal((T, d))  # pre-activation of the gate, x_t W_alpha + b
    if tau <= 0:
        raise ValueError(f"tau must be positive, got {tau}")
    return {"q": q, "k": k, "v": v, "alpha": sigmoid(z) ** (1.0 / tau)}


def _validate(q, k, v, alpha):
    q, k, v = qkv(q, k, v)
    alpha = as_gate("alpha", alpha, q.shape[0], q.shape[1])  # (T,) scalar gate allowed: Mamba-2 is a GLA
    return q, k, v, alpha


def _per_channel(alpha, d_k):
    return alpha if alpha.ndim == 2 else np.repeat(alpha[:, None], d_k, axis=1)


def recurrent(q, k, v, alpha):
    q, k, v, alpha = _validate(q, k, v, alpha)
    alpha = _per_channel(alpha, q.shape[1])
    S = np.zeros((v.shape[1], q.shape[1]))
    o = np.empty((q.shape[0], v.shape[1]))
    for t in range(q.shape[0]):
        S = S @ np.diag(alpha[t]) + np.outer(v[t], k[t])  # S_t = S_{t-1} Diag(alpha_t) + v_t k_t^T
        o[t] = S @ q[t]
    return o


def mixing_matrix(q, k, v, alpha):
    q, k, v, alpha = _validate(q, k, v, alpha)
    return diag_mixing(q, k, log_gate(alpha))


def parallel(q, k, v, alpha):
    return mixing_matrix(q, k, v, alpha) @ qkv(q, k, v)[2]


def chunked(q, k, v, alpha, chunk_size=16):
    q, k, v, alpha = _validate(q, k, v, alpha)
    return diag_chunked(q, k, v, log_gate(alpha), as_chunk_size(chunk_size))[0]


def states(q, k, v, alpha):
    q, k, v, alpha = _validate(q, k, v, alpha)
    return diag_recurrent(q, k, v, _per_channel(alpha, q.shape[1]))[1]
