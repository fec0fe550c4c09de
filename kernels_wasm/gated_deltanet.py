"""Gated DeltaNet (Yang, Kautz & Hatamizadeh, 2024): the delta rule plus Mamba-2's scalar forget gate.

alpha_t shrinks the whole state (fast bulk forgetting, as in Mamba-2); the delta rule then edits one
key-value association precisely (as in DeltaNet). alpha = 1 gives DeltaNet back.

Glossary (paper symbol -> code):
    q_t, k_t      q, k (T, d_k)   L2-normalised
    v_t           v (T, d_v)
    alpha_t       alpha (T,)      forget gate in (0, 1]: exp(-a softplus(.)) as in Mamba-2
    beta_t        beta (T,)       writing strength
    S_t           S (d_v, d_k)

Equations (as on the card):
    S_t = S_{t-1} alpha_t (I - beta_t k_t k_t^T) + beta_t v_t k_t^T,   o_t = S_t q_t
Parallel / chunked: the WY (UT) form of the delta rule with the cumulative gate folded into the masks.
"""

import numpy as np

from ._check import as_gate, qkv
from ._linear import as_chunk_size, dplr_chunked, dplr_mixing, gate_around, l2norm, log_gate, softplus


def inputs(T: int, d: int, rng: np.random.Generator, beta: float = 0.5, a: float = 0.1) -> dict:
    q = l2norm(rng.standard_normal((T, d)))
    k = l2norm(rng.standard_normal((T, d)))
    v = rng.standard_normal((T, d))
    z_beta = rng.standard_normal(T)
    z_alpha = rng.standard_normal(T)
    if a < 0:
        raise ValueError(f"decay strength a must be >= 0, got {a}")
    alpha = np.exp(-a * softplus(z_alpha))
    return {"q": q, "k": k, "v": v, "alpha": alpha, "beta": gate_around(beta, z_beta)}


def _validate(q, k, v, alpha, beta):
    q, k, v = qkv(q, k, v)
    T = q.shape[0]
    alpha = as_gate("alpha", alpha, T)
    beta = as_gate("beta", beta, T)
    if alpha.ndim != 1 or beta.ndim != 1:
        raise ValueError(f"alpha and beta: expected one value per token, shape ({T},)")
    return q, k, v, alpha, beta


def _dplr(k, alpha, beta):
    """alpha (I - beta k k^T) = Diag(alpha) + (-alpha beta k) k^T; write key beta k."""
    return dict(logw=log_gate(alpha), a=-(alpha * beta)[:, None] * k, b=k), beta[:, None] * k


def _run(q, k, v, alpha, beta):
    T, d_k = q.shape
    S = np.zeros((v.shape[1], d_k))
    o = np.empty((T, v.shape[1]))
    states = np.empty((T, v.shape[1], d_k))
    for t in range(T):
        # S alpha (I - beta k k^T) + beta v k^T, applied as the rank-one update it is
        S = alpha[t] * S - beta[t] * np.outer(alpha[t] * (S @ k[t]) - v[t], k[t])
        o[t] = S @ q[t]
        states[t] = S
    return o, states


def recurrent(q, k, v, alpha, beta):
    return _run(*_validate(q, k, v, alpha, beta))[0]



def mixing_matrix(q, k, v, alpha, beta):
    q, k, v, alpha, beta = _validate(q, k, v, alpha, beta)
    tr, kw = _dplr(k, alpha, beta)
    return dplr_mixing(q, kw, **tr)


def parallel(q, k, v, alpha, beta):
    return mixing_matrix(q, k, v, alpha, beta) @ qkv(q, k, v)[2]


def chunked(q, k, v, alpha, beta, chunk_size=16):
    q, k, v, alpha, beta = _validate(q, k, v, alpha, beta)
    tr, kw = _dplr(k, alpha, beta)
    return dplr_chunked(q, kw, v, chunk_size=as_chunk_size(chunk_size), **tr)[0]


def states(q, k, v, alpha, beta):
    return _run(*_validate(q, k, v, alpha, beta))[1]
