"""Mamba (Gu & Dao, 2023): the selective state space model (S6).

Every channel c of the input x runs its own SSM with N states. Delta, B and C depend on the token (that is
the "selection"); A is a fixed (d_v, N) matrix. Because each channel has its own decay exp(Delta_t[c] A[c]),
there is no single mixing matrix: channel c mixes time with its own A_c (T x T), and ``mixing_matrix``
returns all of them, (d_v, T, T).

Glossary (paper symbol -> code):
    x_t              v (T, d_v)      input, one scalar per channel (D = d_v channels)
    B_t              k (T, N)        input matrix, shared by the channels (N = d_k state size)
    C_t              q (T, N)        output matrix
    Delta_t          dt (T, d_v)     step size per channel, softplus of a projection
    A                A (d_v, N)      negative; S4D-real init A[c, n] = -(n + 1)
    D                D (d_v,)        skip connection
    h_t              S (d_v, N)      row c is channel c's state
    (compact A)      W, dt, C, B, D  what fixes every A_c (mixing_compact); W_t = exp(Delta_t A)

Equations (as on the card), zero-order hold for A and Euler for B as in the paper's code:
    S_t = S_{t-1} o exp(Delta_t 1^T o A) + (Delta_t o x_t) B_t^T,    o_t = S_t C_t + D o x_t
Forms: ``recurrent`` (the loop), ``scan`` (the associative scan the CUDA kernel parallelises), ``parallel``
(per-channel T x T matrices), ``chunked`` (per-channel chunkwise form).
"""

import numpy as np

from ._check import as_matrix, qkv
from ._linear import (
    as_chunk_size,
    as_vector,
    diag_chunked,
    elementwise_scan,
    onehot_channel,
    per_channel_mixing,
    per_channel_mixing_onehot,
    softplus,
)


def inputs(T: int, d: int, rng: np.random.Generator, dt: float = 0.1, skip: float = 0.0) -> dict:
    C = rng.standard_normal((T, d))
    B = rng.standard_normal((T, d))
    x = rng.standard_normal((T, d))
    z = rng.standard_normal((T, d))  # pre-activation of Delta
    if not dt > 0:
        raise ValueError(f"dt must be positive, got {dt}")
    A = -np.tile(np.arange(1.0, d + 1.0), (d, 1))  # S4D-real: A[c, n] = -(n + 1), (d_v, N)
    delta = softplus(np.log(np.expm1(dt)) + 0.5 * z)  # softplus(bias) = dt: centred on the slider value
    return {"q": C, "k": B, "v": x, "dt": delta, "A": A, "D": np.full(d, float(skip))}


def _validate(q, k, v, dt, A, D):
    q, k, v = qkv(q, k, v)
    T, N = q.shape
    d_v = v.shape[1]
    dt = as_matrix("dt", dt, T, d_v)
    A = as_matrix("A", A, d_v, N)
    D = as_vector("D", D, d_v)
    if np.any(A > 0) or np.any(dt < 0):
        raise ValueError("Mamba needs A <= 0 and dt >= 0 (a decaying state)")
    return q, k, v, dt, A, D


def _run(q, k, v, dt, A, D):
    """The literal recurrence, returning (o, states (T, d_v, N))."""
    q, k, v, dt, A, D = _validate(q, k, v, dt, A, D)
    S = np.zeros(A.shape)  # (d_v, N)
    o = np.empty_like(v)
    states = np.empty((q.shape[0],) + A.shape)
    W = np.exp(dt[:, :, None] * A[None])  # (T, d_v, N) per-step decays, exp(Delta_t A)
    for t in range(q.shape[0]):
        S = S * W[t] + np.outer(dt[t] * v[t], k[t])
        o[t] = S @ q[t] + D * v[t]
        states[t] = S
    return o, states


def recurrent(q, k, v, dt, A, D):
    return _run(q, k, v, dt, A, D)[0]


def scan(q, k, v, dt, A, D):
    """All states at once by the associative scan over (decay, input) pairs; then read them."""
    return readout(states(q, k, v, dt, A, D), q, k, v, dt, A, D)


def readout(S, q, k, v, dt, A, D):
    """o_t = S_t C_t + D o x_t from all states S (T, d_v, N): how a live run gets o from its states."""
    q, k, v, dt, A, D = _validate(q, k, v, dt, A, D)
    return np.einsum("tcn,tn->tc", S, q) + D * v


def _with_skip(M, D):
    M[:, np.arange(M.shape[1]), np.arange(M.shape[1])] += D[:, None]
    return M


def mixing_matrix(q, k, v, dt, A, D):
    """(d_v, T, T), o[:, c] = A_c v[:, c]: the recurrence run on one-hot inputs."""
    q, k, v, dt, A, D = _validate(q, k, v, dt, A, D)
    return _with_skip(per_channel_mixing_onehot(q, k, np.exp(dt[:, :, None] * A[None]), dt), D)


def mixing_compact(q, k, v, dt, A, D) -> tuple:
    """What fixes all d_v matrices A_c exactly, in T N (d_v + 2) numbers instead of d_v T^2: the per-step
    decays W = exp(Delta A) (T, d_v, N), the gains Delta (T, d_v), C_t, B_t (T, N) and the skip D."""
    q, k, v, dt, A, D = _validate(q, k, v, dt, A, D)
    return np.exp(dt[:, :, None] * A[None]), dt, q, k, D


def mixing_slice(compact, c: int) -> np.ndarray:
    """A_c (T, T) alone from mixing_compact's arrays: the one-hot recurrence of channel c, plus D_c I."""
    W, dt, q, k, D = compact
    M = onehot_channel(q, k, W, dt, c)
    M[np.arange(M.shape[0]), np.arange(M.shape[0])] += D[c]
    return M


def parallel(q, k, v, dt, A, D):
    """Materialised: A_c[t, s] = C_t^T (exp(A_c sum_{l=s+1}^t Delta_l[c]) o B_s) Delta_s[c] + D_c [t = s]."""
    q, k, v, dt, A, D = _validate(q, k, v, dt, A, D)
    M = _with_skip(per_channel_mixing(q, k, dt[:, :, None] * A[None], dt), D)
    return np.einsum("cts,sc->tc", M, v)


def chunked(q, k, v, dt, A, D, chunk_size=16):
    """Each channel is a one-value GLA with gate exp(Delta A_c); run the chunkwise form per channel."""
    q, k, v, dt, A, D = _validate(q, k, v, dt, A, D)
    cs = as_chunk_size(chunk_size)
    o = np.empty_like(v)
    for c in range(v.shape[1]):
        o[:, c] = diag_chunked(q, k * dt[:, c : c + 1], v[:, c : c + 1], dt[:, c : c + 1] * A[c], cs)[0][:, 0]
    return o + D * v


def states(q, k, v, dt, A, D):
    q, k, v, dt, A, D = _validate(q, k, v, dt, A, D)
    W = np.exp(dt[:, :, None] * A[None])
    X = (dt * v)[:, :, None] * k[:, None, :]
    return elementwise_scan(W, X)  # (T, d_v, N)
