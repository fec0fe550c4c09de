"""Mamba-2 (Dao & Gu, 2024): the selective SSM restricted to a scalar decay per head (SSD).

State space duality: with A_t = a_t I scalar, the selective SSM is gated linear attention with a scalar gate,
queries C, keys B and values x * dt. The chunkwise form below is the paper's SSD algorithm.

Glossary (paper symbol -> code):
    x_t          v (T, d_v)     input of the head (P = d_v channels)
    B_t          k (T, d_k)     input projection, the "key" (N = d_k state size)
    C_t          q (T, d_k)     output projection, the "query"
    Delta_t      dt (T,)        step size, softplus of a projection (> 0)
    A            A (float < 0)  one decay rate per head, A = -exp(A_log)
    alpha_t      exp(dt_t A)    the scalar gate
    h_t          S (d_v, d_k)   state (the paper writes h_t = a_t h_{t-1} + B_t x_t^T, the transpose)

Equations (as on the card):
    S_t = exp(Delta_t A) S_{t-1} + Delta_t x_t B_t^T,   o_t = S_t C_t
Parallel (SSD quadratic) form: O = (C B^T o L) (x * Delta), L[t, s] = exp(A sum_{l=s+1}^{t} Delta_l).
The skip term D x_t of the block sits outside the mixing and is left out.
"""

import numpy as np

from ._check import as_gate, qkv
from ._linear import as_chunk_size, as_scalar, diag_chunked, diag_mixing, softplus


def inputs(T: int, d: int, rng: np.random.Generator, a: float = 1.0) -> dict:
    C = rng.standard_normal((T, d)) / np.sqrt(d)
    B = rng.standard_normal((T, d))
    x = rng.standard_normal((T, d))
    z = rng.standard_normal(T)  # pre-activation of Delta
    if a < 0:
        raise ValueError(f"a = |A| must be >= 0, got {a}")
    return {"q": C, "k": B, "v": x, "dt": softplus(z - 2.0), "A": -float(a)}


def _validate(q, k, v, dt, A):
    q, k, v = qkv(q, k, v)
    dt = as_gate("dt", dt, q.shape[0])
    if dt.ndim != 1:
        raise ValueError(f"dt: one step size per token, expected shape ({q.shape[0]},), got {dt.shape}")
    A = as_scalar("A", A)
    if A > 0 or np.any(dt < 0):
        raise ValueError("Mamba-2 needs A <= 0 and dt >= 0 (a decaying state)")
    return q, k, v, dt, A


def recurrent(q, k, v, dt, A):
    q, k, v, dt, A = _validate(q, k, v, dt, A)
    S = np.zeros((v.shape[1], q.shape[1]))
    o = np.empty((q.shape[0], v.shape[1]))
    for t in range(q.shape[0]):
        S = np.exp(dt[t] * A) * S + dt[t] * np.outer(v[t], k[t])  # S_t = e^{dt A} S_{t-1} + dt x_t B_t^T
        o[t] = S @ q[t]
    return o


def mixing_matrix(q, k, v, dt, A):
    """A[t, s] = C_t^T B_s exp(A sum_{l=s+1}^t dt_l) dt_s: the 1-semiseparable SSD matrix."""
    q, k, v, dt, A = _validate(q, k, v, dt, A)
    return diag_mixing(q, k, dt * A) * dt[None, :]


def parallel(q, k, v, dt, A):
    return mixing_matrix(q, k, v, dt, A) @ qkv(q, k, v)[2]


def chunked(q, k, v, dt, A, chunk_size=16):
    """SSD: diagonal blocks quadratic, off-diagonal blocks through the chunk states."""
    q, k, v, dt, A = _validate(q, k, v, dt, A)
    return diag_chunked(q, k * dt[:, None], v, dt * A, as_chunk_size(chunk_size))[0]


def states(q, k, v, dt, A):
    q, k, v, dt, A = _validate(q, k, v, dt, A)
    S = np.zeros((v.shape[1], q.shape[1]))
    out = np.empty((q.shape[0],) + S.shape)
    for t in range(q.shape[0]):
        S = np.exp(dt[t] * A) * S + dt[t] * np.outer(v[t], k[t])
        out[t] = S
    return out
