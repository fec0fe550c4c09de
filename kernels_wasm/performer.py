"""Performer (Choromanski et al., 2020): linear attention whose features approximate the softmax kernel.

FAVOR+ uses positive random features: for omega_i ~ N(0, I_d),
    E[phi(x)^T phi(y)] = exp(x^T y),    phi(x) = m^{-1/2} exp(Omega x - |x|^2 / 2)   (m features).
With x = q / d^{1/4} and y = k / d^{1/4} the kernel is exp(q^T k / sqrt(d)), the softmax numerator, so the
normalised linear attention below is an unbiased-numerator estimate of causal softmax attention.

Glossary (paper symbol -> code):
    Q, K, V        q, k (T, d_k) raw (before the feature map), v (T, d_v)
    omega_1..m     omega (m, d_k)      random feature directions (iid Gaussian here)
    m              m = omega.shape[0]  number of random features
    phi(.)         feature_map         (T, m)
    state          S (d_v, m), z (m,)  prefix sums of v phi(k)^T and phi(k)

Equations:
    S_t = S_{t-1} + v_t phi(k_t)^T,   z_t = z_{t-1} + phi(k_t),   o_t = S_t phi(q_t) / (z_t^T phi(q_t))
"""

import numpy as np

from ._check import as_matrix, qkv
from ._linear import as_chunk_size, diag_chunked, diag_mixing

MAX_FEATURES = 256  # inputs always draws this many directions, so changing m keeps the first m fixed


def inputs(T: int, d: int, rng: np.random.Generator, features: float = 64) -> dict:
    m = int(features)
    if not 1 <= m <= MAX_FEATURES:
        raise ValueError(f"features must be in [1, {MAX_FEATURES}], got {features}")
    q = rng.standard_normal((T, d))
    k = rng.standard_normal((T, d))
    v = rng.standard_normal((T, d))
    omega = rng.standard_normal((MAX_FEATURES, d))[:m]
    return {"q": q, "k": k, "v": v, "omega": omega}


def _validate(q, k, v, omega):
    q, k, v = qkv(q, k, v)
    omega = as_matrix("omega", omega, None, q.shape[1])
    return q, k, v, omega


def feature_map(x, omega):
    """phi(x) = m^{-1/2} exp(Omega x' - |x'|^2 / 2) with x' = x / d^{1/4}.  (T, d) -> (T, m)."""
    x = x / x.shape[1] ** 0.25
    return np.exp(x @ omega.T - 0.5 * np.sum(x * x, axis=1, keepdims=True)) / np.sqrt(omega.shape[0])


def recurrent(q, k, v, omega):
    q, k, v, omega = _validate(q, k, v, omega)
    fq, fk = feature_map(q, omega), feature_map(k, omega)
    m = omega.shape[0]
    S = np.zeros((v.shape[1], m))  # d_v x m
    z = np.zeros(m)
    o = np.empty_like(v)
    for t in range(q.shape[0]):
        S = S + np.outer(v[t], fk[t])  # S_t = S_{t-1} + v_t phi(k_t)^T
        z = z + fk[t]  # z_t = z_{t-1} + phi(k_t)
        o[t] = S @ fq[t] / (z @ fq[t])
    return o


def mixing_matrix(q, k, v, omega):
    """A[t, s] = phi(q_t)^T phi(k_s) / sum_{s' <= t} phi(q_t)^T phi(k_s'): an estimate of causal softmax."""
    q, k, v, omega = _validate(q, k, v, omega)
    A = diag_mixing(feature_map(q, omega), feature_map(k, omega), np.zeros(q.shape[0]))
    return A / A.sum(axis=1, keepdims=True)


def parallel(q, k, v, omega):
    return mixing_matrix(q, k, v, omega) @ qkv(q, k, v)[2]


def chunked(q, k, v, omega, chunk_size=16):
    q, k, v, omega = _validate(q, k, v, omega)
    cs = as_chunk_size(chunk_size)
    fq, fk = feature_map(q, omega), feature_map(k, omega)
    zero = np.zeros(q.shape[0])
    num, _ = diag_chunked(fq, fk, v, zero, cs)
    den, _ = diag_chunked(fq, fk, np.ones((q.shape[0], 1)), zero, cs)
    return num / den


def states(q, k, v, omega):
    """S_t, (T, d_v, m): the state lives in feature space, so its width is m, not d_k."""
    q, k, v, omega = _validate(q, k, v, omega)
    fk = feature_map(k, omega)
    return np.cumsum(v[:, :, None] * fk[:, None, :], axis=0)
