"""Gated DeltaNet-2 (Hatamizadeh, Choi & Kautz, 2026): separate channel-wise erase and write gates.

KDA uses one scalar beta_t both for how much of the old association to erase (key side) and how much of the
new value to write (value side). GDN-2 unties them: an erase gate b_t per key channel and a write gate w_t
per value channel. b_t = w_t = beta_t 1 gives KDA; a scalar alpha_t on top gives Gated DeltaNet.

Glossary (paper symbol -> code):
    q_t, k_t      q, k (T, d_k)    L2-normalised
    v_t           v (T, d_v)
    D_t           Diag(alpha_t), alpha (T, d_k)   channel-wise decay in (0, 1]
    b_t           b (T, d_k)       erase gate, sigmoid, key side
    w_t           w (T, d_v)       write gate, sigmoid, value side
    S_t           S (d_v, d_k)     the paper's S_t = (I - k_t (b_t o k_t)^T) D_t S_{t-1} + k_t (w_t o v_t)^T
                                   is the d_k x d_v transpose of this one

Equations (as on the card):
    S_t = S_{t-1} Diag(alpha_t) (I - (b_t o k_t) k_t^T) + (w_t o v_t) k_t^T,   o_t = S_t q_t
Because w_t scales value channels, value channel c sees its own mixing matrix A_c = A diag(w[:, c]):
``mixing_matrix`` returns (d_v, T, T).
"""

import numpy as np

from ._check import as_gate, as_matrix, qkv
from ._linear import (
    as_chunk_size,
    delta_mixing_onehot,
    dplr_chunked,
    dplr_mixing,
    gate_around,
    l2norm,
    log_gate,
    softplus,
)


def inputs(
    T: int, d: int, rng: np.random.Generator, erase: float = 0.5, write: float = 0.5, a: float = 0.1
) -> dict:
    q = l2norm(rng.standard_normal((T, d)))
    k = l2norm(rng.standard_normal((T, d)))
    v = rng.standard_normal((T, d))
    z_alpha = rng.standard_normal((T, d))
    z_b = rng.standard_normal((T, d))
    z_w = rng.standard_normal((T, d))
    if a < 0:
        raise ValueError(f"decay strength a must be >= 0, got {a}")
    return {
        "q": q,
        "k": k,
        "v": v,
        "alpha": np.exp(-a * softplus(z_alpha)),
        "b": gate_around(erase, z_b),
        "w": gate_around(write, z_w),
    }


def _validate(q, k, v, alpha, b, w):
    q, k, v = qkv(q, k, v)
    T, d_k = q.shape
    alpha = as_gate("alpha", alpha, T, d_k)
    if alpha.ndim == 1:
        alpha = np.repeat(alpha[:, None], d_k, axis=1)
    b = as_matrix("b", b, T, d_k)
    w = as_matrix("w", w, T, v.shape[1])
    return q, k, v, alpha, b, w


def _dplr(k, alpha, b):
    """Diag(alpha)(I - (b o k) k^T) = Diag(alpha) + (-alpha o b o k) k^T; write key k, value w o v."""
    return dict(logw=log_gate(alpha), a=-alpha * b * k, b=k)


def _run(q, k, v, alpha, b, w):
    T, d_k = q.shape
    S = np.zeros((v.shape[1], d_k))
    o = np.empty((T, v.shape[1]))
    states = np.empty((T, v.shape[1], d_k))
    for t in range(T):
        S = S * alpha[t]  # S Diag(alpha_t): scale S's columns
        # S (I - b k k^T) + w v k^T, applied as the rank-one update it is
        S = S - np.outer(S @ (b[t] * k[t]) - w[t] * v[t], k[t])
        o[t] = S @ q[t]
        states[t] = S
    return o, states


def recurrent(q, k, v, alpha, b, w):
    return _run(*_validate(q, k, v, alpha, b, w))[0]



def mixing_matrix(q, k, v, alpha, b, w):
    """(d_v, T, T): the shared delta-rule matrix times each value channel's write gates.

    The transition acts on the key side only, so every value channel sees the same matrix; it is computed
    once by the recurrence on one-hot values (cheaper than the parallel form, see mixing_matrix_parallel).
    """
    q, k, v, alpha, b, w = _validate(q, k, v, alpha, b, w)
    M = delta_mixing_onehot(q, k, alpha, erase=b * k, write=k)
    return M[None, :, :] * w.T[:, None, :]


def mixing_matrix_parallel(q, k, v, alpha, b, w):
    """The same matrices from the diagonal-plus-low-rank parallel form."""
    q, k, v, alpha, b, w = _validate(q, k, v, alpha, b, w)
    M = dplr_mixing(q, k, **_dplr(k, alpha, b))
    return M[None, :, :] * w.T[:, None, :]


def parallel(q, k, v, alpha, b, w):
    M = mixing_matrix_parallel(q, k, v, alpha, b, w)
    return np.einsum("cts,sc->tc", M, qkv(q, k, v)[2])


def chunked(q, k, v, alpha, b, w, chunk_size=16):
    q, k, v, alpha, b, w = _validate(q, k, v, alpha, b, w)
    return dplr_chunked(q, k, w * v, chunk_size=as_chunk_size(chunk_size), **_dplr(k, alpha, b))[0]


def states(q, k, v, alpha, b, w):
    return _run(*_validate(q, k, v, alpha, b, w))[1]
