"""RoPE (Su et al., RoFormer, 2021): rotary position embedding inside causal softmax attention.

Split q and k into d/2 channel pairs (2p, 2p+1) and rotate pair p of the vector at position m by the angle
m theta_p. Because rotations compose, (R_i q_i) . (R_j k_j) = q_i^T R_{j-i} k_j: the logit depends on the
positions only through the offset j - i, and it does so multiplicatively (an oscillation per frequency),
not as a decay. With theta = 0 every R is the identity and the model is the plain Transformer.

Glossary (paper -> code)
    q_m, k_m            q, k              (T, d_k) before rotation; v (T, d_v) is never rotated
    theta_p             theta             (d_k // 2,) angular frequencies, theta_p = base^(-2p/d_k), p = 0..
    base (10000)        base              the frequency base, a live parameter
    R_m                 rotate(x, m)      block-diagonal rotation by angles m theta_p; an odd last channel is
                                          left unrotated
    A_ij                A                 (T, T) softmax of (R_i q_i) . (R_j k_j) / sqrt(d_k) over j <= i

Forms
    recurrent   decode loop: rotate k_t by R_t once when it enters the cache, rotate q_t by R_t, softmax
    parallel    rotate all of Q and K, then O = softmax(Q' K'^T / sqrt(d_k) + M) V
    chunked     FlashAttention tiles over the rotated Q', K'
"""

import numpy as np

from ._check import qkv
from ._conv import as_param
from ._softmax import attention_matrix, cache_readout, online_softmax


def frequencies(d: int, base: float = 10000.0) -> np.ndarray:
    """theta_p = base^(-2p / d) for p = 0 .. d//2 - 1 (the paper's 10000^(-2(i-1)/d), i = 1 .. d/2)."""
    return base ** (-2.0 * np.arange(d // 2) / d)


def inputs(T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, base: float = 10000.0) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d) (sigma scales q, k) and the frequencies theta for this base."""
    if not base > 1.0:
        raise ValueError(f"base must be > 1, got {base}")
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    return {"q": q, "k": k, "v": v, "theta": frequencies(d, base)}


def rotate(x: np.ndarray, positions: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """R_m x for each row: pair (2p, 2p+1) turned by positions * theta_p. x (n, d), positions (n,)."""
    angle = positions[:, None] * theta[None, :]  # (n, d//2)
    c, s = np.cos(angle), np.sin(angle)
    even, odd = x[:, 0 : 2 * len(theta) : 2], x[:, 1 : 2 * len(theta) : 2]
    out = x.copy()
    out[:, 0 : 2 * len(theta) : 2] = c * even - s * odd
    out[:, 1 : 2 * len(theta) : 2] = s * even + c * odd
    return out


def _check_theta(theta, d_k):
    return as_param("theta", theta, (d_k // 2,))  # one frequency per channel pair


def _tile(q, k, theta):
    pos = np.arange(q.shape[0], dtype=np.float64)
    qr, kr = rotate(q, pos, theta), rotate(k, pos, theta)
    scale = 1.0 / np.sqrt(q.shape[1])
    return lambda rows, cols: (qr[rows] @ kr[cols].T) * scale


def recurrent(q, k, v, theta) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    T, d_k = q.shape
    theta = _check_theta(theta, d_k)
    K_c = np.empty((T, d_k))  # cache of rotated keys R_j k_j
    o = np.empty((T, v.shape[1]))
    for t in range(T):
        pos = np.array([float(t)])
        K_c[t] = rotate(k[t : t + 1], pos, theta)[0]  # a key is rotated once, when it enters the cache
        q_t = rotate(q[t : t + 1], pos, theta)[0]
        o[t] = cache_readout(K_c[: t + 1] @ q_t / np.sqrt(d_k), v[: t + 1])
    return o


def mixing_matrix(q, k, v, theta) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return attention_matrix(_tile(q, k, _check_theta(theta, q.shape[1])), q.shape[0])


def parallel(q, k, v, theta) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return attention_matrix(_tile(q, k, _check_theta(theta, q.shape[1])), q.shape[0]) @ v


def chunked(q, k, v, theta, chunk_size: int = 16) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return online_softmax(_tile(q, k, _check_theta(theta, q.shape[1])), v, block=chunk_size)


def states(q, k, v, theta) -> None:
    """No fixed-size state: the cache of rotated keys and values grows by 2 d numbers per step."""
    qkv(q, k, v)
    return None
