"""DeltaNet (Schlag et al., 2021; parallelised by Yang et al., 2024): linear attention with the delta rule.

Before writing v_t under key k_t, the state first removes what it currently returns for k_t, so a write
replaces instead of piling up:  S_t = S_{t-1} - beta_t (S_{t-1} k_t - v_t) k_t^T.

Glossary (paper symbol -> code):
    q_t, k_t      q, k (T, d_k)   L2-normalised (so I - beta k k^T is a contraction for beta in [0, 1])
    v_t           v (T, d_v)
    beta_t        beta (T,)       writing strength, sigmoid of a projection
    S_t           S (d_v, d_k)

Equations (as on the card):
    S_t = S_{t-1} (I - beta_t k_t k_t^T) + beta_t v_t k_t^T,   o_t = S_t q_t
Parallel form (whole sequence as one chunk of the WY / UT algorithm):
    O = (Q K^T o M) (I + tril(diag(beta) K K^T, -1))^{-1} diag(beta) V   (M includes the diagonal)
Chunked: the same inside chunks of C tokens, the d_v x d_k state passed between chunks.
"""

import numpy as np

from ._check import qkv, step_gate
from ._linear import as_chunk_size, dplr_chunked, dplr_mixing, gate_around, l2norm


def inputs(T: int, d: int, rng: np.random.Generator, beta: float = 0.5) -> dict:
    q = l2norm(rng.standard_normal((T, d)))
    k = l2norm(rng.standard_normal((T, d)))
    v = rng.standard_normal((T, d))
    z = rng.standard_normal(T)  # pre-activation of beta
    return {"q": q, "k": k, "v": v, "beta": gate_around(beta, z)}


def _validate(q, k, v, beta):
    q, k, v = qkv(q, k, v)
    return q, k, v, step_gate("beta", beta, q.shape[0])


def _dplr(q, k, beta):
    """DeltaNet as diagonal-plus-low-rank: Diag(1) + (-beta k) k^T, write key beta k."""
    return dict(logw=np.zeros(q.shape[0]), a=-beta[:, None] * k, b=k), beta[:, None] * k


def recurrent(q, k, v, beta):
    q, k, v, beta = _validate(q, k, v, beta)
    return _run(q, k, v, beta)[0]


def _run(q, k, v, beta):
    T, d_k = q.shape
    S = np.zeros((v.shape[1], d_k))
    o = np.empty((T, v.shape[1]))
    states = np.empty((T, v.shape[1], d_k))
    for t in range(T):
        # S (I - beta k k^T) + beta v k^T, applied as the rank-one update it is (no d_k x d_k product)
        S = S - beta[t] * np.outer(S @ k[t] - v[t], k[t])
        o[t] = S @ q[t]
        states[t] = S
    return o, states


def mixing_matrix(q, k, v, beta):
    q, k, v, beta = _validate(q, k, v, beta)
    tr, kw = _dplr(q, k, beta)
    return dplr_mixing(q, kw, **tr)


def parallel(q, k, v, beta):
    return mixing_matrix(q, k, v, beta) @ qkv(q, k, v)[2]


def chunked(q, k, v, beta, chunk_size=16):
    q, k, v, beta = _validate(q, k, v, beta)
    tr, kw = _dplr(q, k, beta)
    return dplr_chunked(q, kw, v, chunk_size=as_chunk_size(chunk_size), **tr)[0]


def states(q, k, v, beta):
    q, k, v, beta = _validate(q, k, v, beta)
    return _run(q, k, v, beta)[1]
