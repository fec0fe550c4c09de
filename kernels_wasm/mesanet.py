"""MesaNet's Mesa layer (von Oswald et al., 2025): at every step, the linear map that fits all key-value pairs
seen so far best, in the regularised least-squares sense, applied to the query.

The layer keeps two states, both written like gated linear attention,

    G_t = gamma_t G_{t-1} + beta_t v_t k_t^T        (d_v x d_k)
    H_t = gamma_t H_{t-1} + beta_t k_t k_t^T        (d_k x d_k)

and reads o_t = G_t (H_t + Lambda)^{-1} q_t: the minimiser of
    L_t(S) = 1/2 sum_{s <= t} zeta_ts beta_s |v_s - S k_s|^2 + 1/2 Tr(S Lambda S^T),
    zeta_ts = prod_{l=s+1}^t gamma_l,
applied to q_t. Where DeltaNet takes one gradient step on the newest pair, the Mesa layer solves the whole
(decayed) regression exactly. The paper solves (H_t + Lambda) q*_t = q_t with conjugate gradient; this
kernel solves it exactly (numpy.linalg.solve).

Glossary (paper symbol -> code):
    q_t, k_t, v_t   q, k (T, d_k), L2-normalised as in the layer; v (T, d_v)
    G_t             G (d_v, d_k)   the zoo's state S_t
    H_t             H (d_k, d_k)   decayed key covariance
    gamma_t         gamma (T,)     forget gate in [0, 1]
    beta_t          beta (T,)      input gate in [0, 1]
    Lambda          lam (d_k,)     diagonal regulariser, Lambda = Diag(lam), lam > 0
    q*_t            q_star         (H_t + Lambda)^{-1} q_t

Forms
    recurrent   the two updates and one linear solve per step
    parallel    every H_t (by its rank-one update, cheaper than T^2 d_k^2 from the decay matrix), one batched
                solve for every q*_t, then gated linear attention read by q*:
                O = ((Q* K^T) o Z diag(beta)) V, Z_ts = zeta_ts (s <= t)
"""

import numpy as np

from ._check import as_gate, qkv
from ._linear import gate_around, l2norm, log_gate


def inputs(
    T: int, d: int, rng: np.random.Generator, lam: float = 1.0, gamma: float = 0.9, beta: float = 0.5,
) -> dict:
    q = l2norm(rng.standard_normal((T, d)))
    k = l2norm(rng.standard_normal((T, d)))
    v = rng.standard_normal((T, d))
    z_gamma, z_beta, z_lam = rng.standard_normal(T), rng.standard_normal(T), rng.standard_normal(d)
    if not lam > 0:
        raise ValueError(f"lam: the regulariser must be positive, got {lam}")
    return {
        "q": q, "k": k, "v": v, "gamma": gate_around(gamma, z_gamma), "beta": gate_around(beta, z_beta),
        "lam": lam * np.exp(0.25 * z_lam),  # one strength per key channel, as the layer learns it
    }


def _validate(q, k, v, gamma, beta, lam):
    q, k, v = qkv(q, k, v)
    T, d_k = q.shape
    gamma, beta = as_gate("gamma", gamma, T), as_gate("beta", beta, T)
    if gamma.ndim != 1 or beta.ndim != 1:
        raise ValueError(f"gamma and beta: expected one value per token, shape ({T},)")
    lam = np.asarray(lam)
    if lam.dtype.kind not in "fiu" or lam.shape != (d_k,) or not np.all(lam > 0):
        raise ValueError(f"lam: expected {d_k} positive regulariser strengths, shape ({d_k},)")
    return q, k, v, gamma, beta, lam.astype(np.float64)


def _run(q, k, v, gamma, beta, lam, read: bool = True):
    """The recurrence; read=False skips the readout's linear solves (states() needs only G_t)."""
    T, d_k = q.shape
    G = np.zeros((v.shape[1], d_k))
    H = np.zeros((d_k, d_k))
    Lam = np.diag(lam)
    o = np.empty((T, v.shape[1]))
    states = np.empty((T,) + G.shape)
    for t in range(T):
        G = gamma[t] * G + beta[t] * np.outer(v[t], k[t])
        H = gamma[t] * H + beta[t] * np.outer(k[t], k[t])
        if read:
            o[t] = G @ np.linalg.solve(H + Lam, q[t])  # G_t linsolve(H_t + Lambda, q_t)
        states[t] = G
    return o, states


def _covariances(k, gamma, beta):
    """Every H_t (T, d_k, d_k) by its own recurrence, H_t = gamma_t H_{t-1} + beta_t k_t k_t^T: T rank-one
    updates, where the closed form (a T x T decay matrix times every k_s k_s^T) costs T^2 d_k^2."""
    T, d_k = k.shape
    H = np.empty((T, d_k, d_k))
    h = np.zeros((d_k, d_k))
    for t in range(T):
        h = gamma[t] * h + beta[t] * np.outer(k[t], k[t])
        H[t] = h
    return H


def recurrent(q, k, v, gamma, beta, lam):
    return _run(*_validate(q, k, v, gamma, beta, lam))[0]


def mixing_matrix(q, k, v, gamma, beta, lam):
    """A[t, s] = zeta_ts beta_s k_s . q*_t (s <= t): gated linear attention read by the solved queries."""
    q, k, v, gamma, beta, lam = _validate(q, k, v, gamma, beta, lam)
    L = np.cumsum(log_gate(gamma))
    causal = np.tril(np.ones((len(q), len(q)), dtype=bool))
    zeta = np.where(causal, np.exp(np.minimum(L[:, None] - L[None, :], 0.0)), 0.0)
    W = zeta * beta[None, :]  # zeta_ts beta_s
    H = _covariances(k, gamma, beta)
    q_star = np.linalg.solve(H + np.diag(lam), q[:, :, None])[:, :, 0]
    return (q_star @ k.T) * W


def parallel(q, k, v, gamma, beta, lam):
    return mixing_matrix(q, k, v, gamma, beta, lam) @ qkv(q, k, v)[2]


def states(q, k, v, gamma, beta, lam):
    return _run(*_validate(q, k, v, gamma, beta, lam), read=False)[1]
