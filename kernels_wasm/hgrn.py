"""HGRN, the Hierarchically Gated Recurrent Network (Qin, Yang and Zhong, 2023): its recurrence, the HRU.

Every channel keeps one number. The forget gate lambda_t is squashed into [gamma, 1) by a lower bound gamma
that is learnt per layer and rises with depth, and the input gate is tied to it (1 - lambda_t):

    lambda_t = gamma + (1 - gamma) * mu_t,    mu_t = sigmoid(x_t W_mu + b_mu),
    h_t = lambda_t * h_{t-1} + (1 - lambda_t) * c_t.

gamma = 0 (the first layer) lets a channel forget in one step; gamma near 1 (upper layers) forces long memory.
The paper's HRU is complex-valued (lambda_t exp(i theta) with a learnt phase); this kernel runs the real
recurrence (theta = 0), as fla's HGRN layer does (see the model page's conventions).

KV view: each channel is its own scalar memory, written with v_t = (1 - lambda_t) c_t and read with q = 1, so
the mixing matrix is one lower-triangular T x T matrix per channel, A[c, t, s] = prod_{l=s+1}^{t} lambda_l
(1 - lambda_s).

Glossary (paper -> code)
    c_t                 v           (T, d) input of the recurrence (SiLU of a projection in the paper)
    mu_t                mu          (T, d) forget gate before the bound, in (0, 1)
    gamma^k             gamma       lower bound of this layer, in [0, 1)
    lambda_t            lam         (T, d) forget gate, in [gamma, 1)
    h_t                 h           (d,) state
    A (mixing)          A           (d, T, T)

Forms
    recurrent   the loop above
    scan        the parallel associative scan of the pairs (lambda_t, (1 - lambda_t) c_t)
"""

import numpy as np

from ._check import as_gate, as_matrix
from ._linear import elementwise_scan, scalar_memory_mixing, sigmoid


def inputs(T: int, d: int, rng: np.random.Generator, gamma: float = 0.5) -> dict:
    """Seeded c ~ N(0, 1) (T, d), mu = sigmoid(N(0, 1)) (T, d) and the layer's lower bound gamma."""
    if not 0.0 <= gamma < 1.0:
        raise ValueError(f"gamma must lie in [0, 1), got {gamma}")
    v, mu = rng.standard_normal((T, d)), sigmoid(rng.standard_normal((T, d)))
    return {"v": v, "mu": mu, "gamma": float(gamma)}


def _check(v, mu, gamma):
    v = as_matrix("v", v)
    mu = as_gate("mu", mu, *v.shape)
    mu = np.broadcast_to(mu[:, None] if mu.ndim == 1 else mu, v.shape)
    if np.any(~((mu >= 0) & (mu <= 1))):
        raise ValueError("mu: gates must lie in [0, 1]")
    if isinstance(gamma, bool) or not isinstance(gamma, (int, float, np.floating)) or not 0 <= gamma < 1:
        raise ValueError(f"gamma: expected a lower bound in [0, 1), got {gamma!r}")
    lam = gamma + (1.0 - gamma) * mu  # lambda_t = gamma + (1 - gamma) mu_t
    return v, lam


def recurrent(v, mu, gamma) -> np.ndarray:
    v, lam = _check(v, mu, gamma)
    h, out = np.zeros(v.shape[1]), np.empty(v.shape)
    for t in range(v.shape[0]):
        h = lam[t] * h + (1.0 - lam[t]) * v[t]  # h_t = lambda_t h_{t-1} + (1 - lambda_t) c_t
        out[t] = h
    return out


def scan(v, mu, gamma) -> np.ndarray:
    v, lam = _check(v, mu, gamma)
    return elementwise_scan(lam, (1.0 - lam) * v)


def mixing_matrix(v, mu, gamma) -> np.ndarray:
    """(d, T, T): out[:, c] = A[c] @ c[:, c], A[c, t, s] = prod_{l=s+1}^{t} lambda_l (1 - lambda_s)."""
    v, lam = _check(v, mu, gamma)
    return scalar_memory_mixing(lam, 1.0 - lam)


def states(v, mu, gamma) -> np.ndarray:
    """h_t after each step as a column per channel, (T, d, 1)."""
    return recurrent(v, mu, gamma)[:, :, None]
