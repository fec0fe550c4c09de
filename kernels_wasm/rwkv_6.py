"""RWKV-6 "Finch" (Peng et al., 2024): a matrix-valued state with data-dependent per-channel decay.

Compared with GLA two things differ: the token reads the state *before* its own write (o_t uses S_{t-1}),
and its own key-value pair enters the output through a separate bonus u instead (the "first token" term).

Glossary (paper symbol -> code):
    r_t           q (T, d_k)      receptance, the query
    k_t, v_t      k (T, d_k), v (T, d_v)
    w_t           w (T, d_k)      decay in (0, 1): exp(-exp(omega_t)), omega data-dependent (the Finch change)
    u             u (d_k,)        bonus for the current token
    wkv_t         S (d_v, d_k)    (the paper writes k^T v, the d_k x d_v transpose)

Equations (as on the card):
    S_t = S_{t-1} Diag(w_t) + v_t k_t^T
    o_t = S_{t-1} r_t + v_t (u o k_t)^T r_t
Parallel form: A[t, s] = sum_c r_t[c] k_s[c] prod_{l=s+1}^{t-1} w_l[c] for s < t, A[t, t] = r_t^T (u o k_t).
"""

import numpy as np

from ._check import as_matrix, qkv
from ._linear import as_chunk_size, as_vector, diag_chunked, diag_mixing, diag_recurrent, log_gate


def inputs(T: int, d: int, rng: np.random.Generator, decay: float = 0.1, u: float = 0.5) -> dict:
    r = rng.standard_normal((T, d)) / np.sqrt(d)
    k = rng.standard_normal((T, d))
    v = rng.standard_normal((T, d))
    z_w = rng.standard_normal((T, d))
    z_u = rng.standard_normal(d)
    if decay <= 0:
        raise ValueError(f"decay must be positive, got {decay}")
    omega = np.log(decay) + 0.5 * z_w  # w_t = exp(-exp(omega_t)): decay sets the typical rate
    return {"q": r, "k": k, "v": v, "w": np.exp(-np.exp(omega)), "u": u + 0.5 * z_u}


def _validate(q, k, v, w, u):
    q, k, v = qkv(q, k, v)
    w = as_matrix("w", w, q.shape[0], q.shape[1])
    u = as_vector("u", u, q.shape[1])
    return q, k, v, w, u


def recurrent(q, k, v, w, u):
    q, k, v, w, u = _validate(q, k, v, w, u)
    S = np.zeros((v.shape[1], q.shape[1]))
    o = np.empty((q.shape[0], v.shape[1]))
    for t in range(q.shape[0]):
        o[t] = S @ q[t] + v[t] * ((u * k[t]) @ q[t])  # read S_{t-1}, plus the bonus for token t
        S = S @ np.diag(w[t]) + np.outer(v[t], k[t])
    return o


def mixing_matrix(q, k, v, w, u):
    q, k, v, w, u = _validate(q, k, v, w, u)
    A = diag_mixing(q, k, log_gate(w), strict=True)
    A[np.diag_indices(q.shape[0])] = np.sum(q * u * k, axis=1)
    return A


def parallel(q, k, v, w, u):
    return mixing_matrix(q, k, v, w, u) @ qkv(q, k, v)[2]


def chunked(q, k, v, w, u, chunk_size=16):
    """Chunkwise form with a strictly causal intra-chunk mask, plus the diagonal bonus."""
    q, k, v, w, u = _validate(q, k, v, w, u)
    o, _ = diag_chunked(q, k, v, log_gate(w), as_chunk_size(chunk_size), strict=True)
    return o + v * np.sum(q * u * k, axis=1, keepdims=True)


def states(q, k, v, w, u):
    """S_t after the write of token t, (T, d_v, d_k)."""
    q, k, v, w, u = _validate(q, k, v, w, u)
    return diag_recurrent(q, k, v, w)[1]
