"""Linear Attention (Katharopoulos et al., 2020): "Transformers are RNNs".

Replace exp(q^T k) by a kernel phi(q)^T phi(k); the causal product reassociates from (Q K^T) V into
Q (K^T V), and the running sum K^T V is a d_v x d_k state that never forgets.

Glossary (paper symbol -> code):
    phi(x) = elu(x) + 1     feature map, applied in ``inputs``; the kernel receives features
    phi(Q_i)                q[t]        (T, d_k)
    phi(K_j)                k[t]        (T, d_k)
    V_j                     v[t]        (T, d_v)
    S_i = sum_j V_j phi(K_j)^T          S (d_v, d_k)   (the paper stores the transpose)
    Z_i = sum_j phi(K_j)                z (d_k,)       the normaliser, used when ``normalise``

Equations (as on the card):
    S_t = S_{t-1} + v_t k_t^T,   z_t = z_{t-1} + k_t
    o_t = S_t q_t / (z_t^T q_t)          (normalise=True)   or   o_t = S_t q_t   (normalise=False)
Parallel form: O = D^{-1} (Q K^T o M) V with M the causal mask and D = diag((Q K^T o M) 1).
"""

import numpy as np

from ._check import qkv
from ._linear import as_chunk_size, diag_chunked, diag_mixing


def feature_map(x):
    """elu(x) + 1: positive features, so the normaliser z_t^T q_t is never zero."""
    return np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0)))


def inputs(T: int, d: int, rng: np.random.Generator, normalise: float = 1) -> dict:
    q_raw = rng.standard_normal((T, d))
    k_raw = rng.standard_normal((T, d))
    v = rng.standard_normal((T, d))
    return {"q": feature_map(q_raw), "k": feature_map(k_raw), "v": v, "normalise": bool(normalise)}


def _validate(q, k, v, normalise):
    q, k, v = qkv(q, k, v)
    if not isinstance(normalise, (bool, np.bool_, int, np.integer)):
        raise ValueError(f"normalise: expected a bool, got {type(normalise).__name__}")
    return q, k, v, bool(normalise)


def recurrent(q, k, v, normalise=True):
    """The card, one token at a time."""
    q, k, v, normalise = _validate(q, k, v, normalise)
    T, d_k = q.shape
    S = np.zeros((v.shape[1], d_k))  # d_v x d_k
    z = np.zeros(d_k)
    o = np.empty((T, v.shape[1]))
    for t in range(T):
        S = S + np.outer(v[t], k[t])  # S_t = S_{t-1} + v_t k_t^T
        z = z + k[t]  # z_t = z_{t-1} + k_t
        o[t] = S @ q[t]
        if normalise:
            o[t] /= z @ q[t]
    return o


def mixing_matrix(q, k, v, normalise=True):
    """A = (Q K^T o M), each row divided by its sum when normalised."""
    q, k, v, normalise = _validate(q, k, v, normalise)
    A = diag_mixing(q, k, np.zeros(q.shape[0]))  # a gate of exactly 1 (log 0)
    if normalise:
        A = A / A.sum(axis=1, keepdims=True)  # row sum of (Q K^T o M) = z_t^T q_t
    return A


def parallel(q, k, v, normalise=True):
    return mixing_matrix(q, k, v, normalise) @ qkv(q, k, v)[2]


def chunked(q, k, v, normalise=True, chunk_size=16):
    """Chunkwise: numerator with the values, denominator by running the same chunks on a column of ones."""
    q, k, v, normalise = _validate(q, k, v, normalise)
    cs = as_chunk_size(chunk_size)
    zero = np.zeros(q.shape[0])
    o, _ = diag_chunked(q, k, v, zero, cs)
    if normalise:
        den, _ = diag_chunked(q, k, np.ones((q.shape[0], 1)), zero, cs)
        o = o / den
    return o


def states(q, k, v, normalise=True):
    """S_t after each step, (T, d_v, d_k): the running sum of v_s k_s^T."""
    q, k, v, _ = _validate(q, k, v, normalise)
    return np.cumsum(v[:, :, None] * k[:, None, :], axis=0)
