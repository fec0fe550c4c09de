"""Preconditioned Gated DeltaNet (Tumma, Loo & Rus, 2026): the gated delta rule with a diagonal preconditioner
on the key it writes under.

Read as online least squares, the delta rule takes a plain gradient step on |S k_t - v_t|^2 and ignores the
curvature of the accumulated loss (the key covariance). Preconditioning the step by the inverse of that
covariance would make it exact; the practical model keeps only a diagonal estimate of it, a decayed running
sum of squared keys, squashes it into a bounded per-channel factor, and writes under the preconditioned key:

    a_t  = gamma_t a_{t-1} + eta_t (k_t o k_t)                         (diagonal curvature estimate, d_k)
    m_t  = x^{-s(log(a_t + eps) - c)},  s(r) = r / (1 + |r|)            (preconditioner, in (1/x, x))
    k~_t = m_t o k_t
    S_t  = S_{t-1} alpha_t (I - beta_t k_t k~_t^T) + beta_t v_t k~_t^T,    o_t = S_t q_t

Channels that keys have filled up often (large a) get a factor below one, rarely used ones above one. x = 1
turns the preconditioner off (Gated DeltaNet); alpha = 1 as well gives DeltaNet.

Glossary (paper / released code -> code):
    q_t, k_t, v_t           q, k (T, d_k), L2-normalised; v (T, d_v)
    alpha_t (exp g)         alpha (T,)   forget gate of the state
    beta_t                  beta (T,)    write strength
    gamma_t (exp g_atk)     gamma (T,)   forget gate of the curvature estimate
    eta_t (beta_atk)        eta (T,)     write strength of the curvature estimate
    x, c (log_atk_scale)    x, c         range and centre of the squash
    a_t (A), m_t (M)        a, m (T, d_k)
    S_t                     S (d_v, d_k)

Parallel / chunked: the preconditioner depends on the keys only, so the transition is still diagonal plus
rank one (w = alpha, a = -alpha beta k, b = k~, write key beta k~): the WY form of kernels_wasm/_linear.py.
"""

import numpy as np

from ._check import as_gate, qkv
from ._linear import (
    as_chunk_size,
    as_scalar,
    dplr_chunked,
    dplr_mixing,
    gate_around,
    l2norm,
    log_gate,
    softplus,
)
from ._memo import last_call

EPS = 1e-6  # inside the log of the curvature estimate, as in the released kernel


def inputs(
    T: int, d: int, rng: np.random.Generator,
    beta: float = 0.5, a: float = 0.1, x: float = 1.5, c: float = -0.2,
) -> dict:
    q = l2norm(rng.standard_normal((T, d)))
    k = l2norm(rng.standard_normal((T, d)))
    v = rng.standard_normal((T, d))
    z = rng.standard_normal((4, T))
    if a < 0:
        raise ValueError(f"decay strength a must be >= 0, got {a}")
    return {
        "q": q, "k": k, "v": v,
        "alpha": np.exp(-a * softplus(z[0])), "beta": gate_around(beta, z[1]),
        "gamma": np.exp(-0.5 * softplus(z[2])), "eta": gate_around(0.5, z[3]),
        "x": float(x), "c": float(c),
    }


def _validate(q, k, v, alpha, beta, gamma, eta, x, c):
    q, k, v = qkv(q, k, v)
    T = q.shape[0]
    gates = [as_gate(n, g, T) for n, g in (("alpha", alpha), ("beta", beta), ("gamma", gamma), ("eta", eta))]
    if any(g.ndim != 1 for g in gates):
        raise ValueError(f"alpha, beta, gamma, eta: expected one value per token, shape ({T},)")
    x, c = as_scalar("x", x), as_scalar("c", c)
    if x < 1:
        raise ValueError(f"x: the preconditioner range must be >= 1, got {x}")
    return (q, k, v, *gates, x, c)


def preconditioned_keys(k, gamma, eta, x, c):
    """k~_t = m_t o k_t, with the curvature estimate a_t run step by step (it depends on the keys only)."""
    a = np.zeros(k.shape[1])
    k_tilde = np.empty_like(k)
    for t in range(k.shape[0]):
        a = gamma[t] * a + eta[t] * k[t] ** 2
        r = np.log(a + EPS) - c
        k_tilde[t] = k[t] * np.exp(-np.log(x) * r / (1.0 + np.abs(r)))
    return k_tilde


# mixing_matrix and states of one live run precondition the same keys: run that loop once (shared result)
_keys = last_call(preconditioned_keys)


def _run(q, k, v, alpha, beta, gamma, eta, x, c):
    T, d_k = q.shape
    kt = _keys(k, gamma, eta, x, c)
    S = np.zeros((v.shape[1], d_k))
    o = np.empty((T, v.shape[1]))
    states = np.empty((T,) + S.shape)
    for t in range(T):
        # S alpha (I - beta k k~^T) + beta v k~^T, applied as the rank-one update it is
        S = alpha[t] * S - beta[t] * np.outer(alpha[t] * (S @ k[t]) - v[t], kt[t])
        o[t] = S @ q[t]
        states[t] = S
    return o, states


def recurrent(q, k, v, alpha, beta, gamma, eta, x, c):
    return _run(*_validate(q, k, v, alpha, beta, gamma, eta, x, c))[0]


def _dplr(k, alpha, beta, gamma, eta, x, c):
    """alpha (I - beta k k~^T) = Diag(alpha) + (-alpha beta k) k~^T; write key beta k~."""
    kt = _keys(k, gamma, eta, x, c)
    return dict(logw=log_gate(alpha), a=-(alpha * beta)[:, None] * k, b=kt), beta[:, None] * kt


def mixing_matrix(q, k, v, alpha, beta, gamma, eta, x, c):
    q, k, v, alpha, beta, gamma, eta, x, c = _validate(q, k, v, alpha, beta, gamma, eta, x, c)
    tr, kw = _dplr(k, alpha, beta, gamma, eta, x, c)
    return dplr_mixing(q, kw, **tr)


def parallel(q, k, v, alpha, beta, gamma, eta, x, c):
    return mixing_matrix(q, k, v, alpha, beta, gamma, eta, x, c) @ qkv(q, k, v)[2]


def chunked(q, k, v, alpha, beta, gamma, eta, x, c, chunk_size=16):
    q, k, v, alpha, beta, gamma, eta, x, c = _validate(q, k, v, alpha, beta, gamma, eta, x, c)
    tr, kw = _dplr(k, alpha, beta, gamma, eta, x, c)
    return dplr_chunked(q, kw, v, chunk_size=as_chunk_size(chunk_size), **tr)[0]


def states(q, k, v, alpha, beta, gamma, eta, x, c):
    return _run(*_validate(q, k, v, alpha, beta, gamma, eta, x, c))[1]
