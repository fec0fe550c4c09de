"""Kimi Delta Attention, KDA (Kimi Team, 2025, "Kimi Linear"): Gated DeltaNet with a per-channel decay.

The scalar forget gate of Gated DeltaNet becomes a vector alpha_t, one rate per key channel (as in GLA), so
the state can forget some directions fast and keep others. Both the erase and the write use beta_t.

Glossary (paper symbol -> code):
    q_t, k_t      q, k (T, d_k)    L2-normalised
    v_t           v (T, d_v)
    alpha_t       alpha (T, d_k)   channel-wise decay in (0, 1], exp(-a softplus(.))
    beta_t        beta (T,)        scalar writing strength
    S_t           S (d_v, d_k)     (the paper stores the d_k x d_v transpose and multiplies on the left)

Equations (as on the card):
    S_t = S_{t-1} Diag(alpha_t) (I - beta_t k_t k_t^T) + beta_t v_t k_t^T,   o_t = S_t q_t
Parallel / chunked: diagonal-plus-low-rank WY form, the channel-wise decay kept in log space.
"""

import numpy as np

from ._check import as_gate, qkv, step_gate
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


def inputs(T: int, d: int, rng: np.random.Generator, beta: float = 0.5, a: float = 0.1) -> dict:
    q = l2norm(rng.standard_normal((T, d)))
    k = l2norm(rng.standard_normal((T, d)))
    v = rng.standard_normal((T, d))
    z_beta = rng.standard_normal(T)
    z_alpha = rng.standard_normal((T, d))
    if a < 0:
        raise ValueError(f"decay strength a must be >= 0, got {a}")
    alpha = np.exp(-a * softplus(z_alpha))
    return {"q": q, "k": k, "v": v, "alpha": alpha, "beta": gate_around(beta, z_beta)}


def _validate(q, k, v, alpha, beta):
    q, k, v = qkv(q, k, v)
    T, d_k = q.shape
    alpha = as_gate("alpha", alpha, T, d_k)
    if alpha.ndim == 1:
        alpha = np.repeat(alpha[:, None], d_k, axis=1)  # a scalar gate is the special case GDN
    return q, k, v, alpha, step_gate("beta", beta, T)


def _dplr(k, alpha, beta):
    """Diag(alpha)(I - beta k k^T) = Diag(alpha) + (-beta alpha o k) k^T; write key beta k."""
    return dict(logw=log_gate(alpha), a=-beta[:, None] * alpha * k, b=k), beta[:, None] * k


def _run(q, k, v, alpha, beta):
    T, d_k = q.shape
    S = np.zeros((v.shape[1], d_k))
    o = np.empty((T, v.shape[1]))
    states = np.empty((T, v.shape[1], d_k))
    for t in range(T):
        # S_{t-1} Diag(alpha_t): scaling S's columns is the same product without a d_k x d_k matrix
        # then (I - beta k k^T) and the write, applied as the rank-one update they are
        S = S * alpha[t]
        S = S - beta[t] * np.outer(S @ k[t] - v[t], k[t])
        o[t] = S @ q[t]
        states[t] = S
    return o, states


def recurrent(q, k, v, alpha, beta):
    return _run(*_validate(q, k, v, alpha, beta))[0]



def mixing_matrix(q, k, v, alpha, beta):
    """A with o = A v, by the recurrence on one-hot values (cheaper than the parallel form)."""
    q, k, v, alpha, beta = _validate(q, k, v, alpha, beta)
    bk = beta[:, None] * k
    return delta_mixing_onehot(q, k, alpha, erase=bk, write=bk)


def mixing_matrix_parallel(q, k, v, alpha, beta):
    """The same A from the diagonal-plus-low-rank parallel form (the whole sequence as one chunk)."""
    q, k, v, alpha, beta = _validate(q, k, v, alpha, beta)
    tr, kw = _dplr(k, alpha, beta)
    return dplr_mixing(q, kw, **tr)


def parallel(q, k, v, alpha, beta):
    return mixing_matrix_parallel(q, k, v, alpha, beta) @ qkv(q, k, v)[2]


def chunked(q, k, v, alpha, beta, chunk_size=16):
    q, k, v, alpha, beta = _validate(q, k, v, alpha, beta)
    tr, kw = _dplr(k, alpha, beta)
    return dplr_chunked(q, kw, v, chunk_size=as_chunk_size(chunk_size), **tr)[0]


def states(q, k, v, alpha, beta):
    return _run(*_validate(q, k, v, alpha, beta))[1]
