"""Based (Arora et al., 2024): linear attention with a 2nd-order Taylor feature map.

Based approximates exp(q . k / sqrt(d')) by its Taylor polynomial 1 + x + x^2 / 2 and makes it a dot product
of explicit features, so attention becomes a linear recurrence with a fixed-size state:

    phi(x) = [1, x / d'^{1/4}, vec(x x^T) / (sqrt(2) sqrt(d'))],
    phi(q) . phi(k) = 1 + q.k / sqrt(d') + (q.k)^2 / (2 d'),
    S_t = S_{t-1} + v_t phi(k_t)^T,    z_t = z_{t-1} + phi(k_t),    o_t = S_t phi(q_t) / (z_t . phi(q_t)).

q and k live in a small feature dimension d' (16 in the paper), so the state has d_v (1 + d' + d'^2)
entries. The Taylor kernel 1 + x + x^2/2 = ((x + 1)^2 + 1) / 2 is always positive, so the normaliser never
vanishes and no epsilon is needed.

What is included: this is Based's linear-attention layer. The Based architecture also has short sliding-window
softmax layers (window 64) and gated short convolutions; those are separate layers (see the swa kernel)
and are not part of this recurrence.

Glossary (paper -> code)
    q, k (feature dim d')    q, k       (T, d') projections into the small feature space
    v                        v          (T, d_v)
    phi (Taylor map)         taylor()   R^{d'} -> R^{1 + d' + d'^2}
    S_t, z_t                 S, z       (d_v, 1 + d' + d'^2), (1 + d' + d'^2,): numerator, normaliser
    A                        A          (T, T): A_tj = phi(q_t).phi(k_j) / sum_{j' <= t} phi(q_t).phi(k_j')

Forms
    recurrent   the state recurrence above
    parallel    the kernel trick backwards: A from 1 + q.k/sqrt(d') + (q.k)^2/(2 d'), masked, row-normalised
    chunked     chunkwise linear attention: exact intra-chunk block plus the (S, z) state between chunks
"""

import numpy as np

from ._check import qkv


def inputs(T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, feature_dim: int = 16) -> dict:
    """Seeded q, k ~ N(0, sigma^2) (T, d'), v ~ N(0, 1) (T, d); d' = feature_dim (the paper's 16)."""
    f = int(round(float(feature_dim)))
    if f < 1:
        raise ValueError(f"feature_dim must be >= 1, got {feature_dim}")
    q = rng.standard_normal((T, f)) * sigma
    k = rng.standard_normal((T, f)) * sigma
    v = rng.standard_normal((T, d))
    return {"q": q, "k": k, "v": v}


def taylor(x: np.ndarray) -> np.ndarray:
    """phi(x) for each row: [1, x / d^{1/4}, vec(x x^T) / (sqrt(2) sqrt(d))]. (n, d) -> (n, 1 + d + d^2)."""
    n, d = x.shape
    second = (x[:, :, None] * x[:, None, :]).reshape(n, d * d) / (np.sqrt(2.0) * np.sqrt(d))
    return np.concatenate([np.ones((n, 1)), x / d**0.25, second], axis=1)


def _kernel(q, k):
    """phi(q_i) . phi(k_j) = 1 + s + s^2 / 2 with s = q_i . k_j / sqrt(d'), (T_q, T_k)."""
    s = q @ k.T / np.sqrt(q.shape[1])
    return 1.0 + s + 0.5 * s * s


def _steps(q, k, v):
    fq, fk = taylor(q), taylor(k)
    S, z = np.zeros((v.shape[1], fk.shape[1])), np.zeros(fk.shape[1])
    for t in range(q.shape[0]):
        S += np.outer(v[t], fk[t])
        z += fk[t]
        yield t, S @ fq[t] / (z @ fq[t]), S


def recurrent(q, k, v) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    o = np.empty((q.shape[0], v.shape[1]))
    for t, o_t, _ in _steps(q, k, v):
        o[t] = o_t
    return o


def mixing_matrix(q, k, v) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    K = np.tril(_kernel(q, k))
    return K / np.sum(K, axis=1, keepdims=True)


def parallel(q, k, v) -> np.ndarray:
    return mixing_matrix(q, k, v) @ qkv(q, k, v)[2]


def chunked(q, k, v, chunk_size: int = 16) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    fq, fk = taylor(q), taylor(k)
    S, z = np.zeros((v.shape[1], fk.shape[1])), np.zeros(fk.shape[1])
    o = np.empty((q.shape[0], v.shape[1]))
    for s in range(0, q.shape[0], chunk_size):
        c = slice(s, min(s + chunk_size, q.shape[0]))
        K = np.tril(_kernel(q[c], k[c]))  # inside the chunk: the quadratic form
        num = fq[c] @ S.T + K @ v[c]  # earlier chunks through the state, this chunk directly
        den = fq[c] @ z + np.sum(K, axis=1)
        o[c] = num / den[:, None]
        S += v[c].T @ fk[c]
        z += np.sum(fk[c], axis=0)
    return o


def states(q, k, v) -> np.ndarray:
    """S_t after each step, (T, d_v, 1 + d' + d'^2)."""
    q, k, v = qkv(q, k, v)
    out = np.empty((q.shape[0], v.shape[1], 1 + q.shape[1] + q.shape[1] ** 2))
    for t, _, S in _steps(q, k, v):
        out[t] = S
    return out
