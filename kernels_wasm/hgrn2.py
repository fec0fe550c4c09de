"""HGRN2 (Qin et al., 2024): a gated linear RNN whose state is expanded by an outer product.

HGRN's element-wise recurrence h_t = f_t o h_{t-1} + (1 - f_t) o i_t is widened into a matrix state: the
input gate (1 - f_t) becomes the key, so the key is tied to the forget gate and there is no separate key
projection. It is GLA with k_t = 1 - alpha_t. The forget gate has a lower bound gamma (one per layer, rising
with depth), so upper layers cannot forget quickly.

Glossary (paper symbol -> code):
    o_t            q (T, d_k)       output gate, the query
    i_t            v (T, d_v)       input, the value
    f_t            alpha (T, d_k)   forget gate, gamma + (1 - gamma) sigmoid(.)
    1 - f_t        the key (derived, not an input)
    gamma          lower_bound (``inputs`` param)
    h_t            S (d_v, d_k)     (the paper's h_t is the d_k x d_v transpose)

Equations (as on the card):
    S_t = S_{t-1} Diag(alpha_t) + v_t (1 - alpha_t)^T,   o_t = S_t q_t
"""

import numpy as np

from ._check import as_matrix
from ._linear import as_chunk_size, diag_chunked, diag_mixing, diag_recurrent, log_gate, sigmoid


def inputs(T: int, d: int, rng: np.random.Generator, lower_bound: float = 0.5) -> dict:
    q = rng.standard_normal((T, d))
    v = rng.standard_normal((T, d))
    z = rng.standard_normal((T, d))
    if not 0.0 <= lower_bound < 1.0:
        raise ValueError(f"lower_bound must be in [0, 1), got {lower_bound}")
    return {"q": q, "v": v, "alpha": lower_bound + (1.0 - lower_bound) * sigmoid(z)}


def _validate(q, v, alpha):
    q = as_matrix("q", q)
    T, d_k = q.shape
    v = as_matrix("v", v, T)
    alpha = as_matrix("alpha", alpha, T, d_k)
    if np.any((alpha < 0) | (alpha > 1)):
        raise ValueError("alpha: forget gates must lie in [0, 1]")
    return q, v, alpha


def recurrent(q, v, alpha):
    q, v, alpha = _validate(q, v, alpha)
    S = np.zeros((v.shape[1], q.shape[1]))
    o = np.empty_like(v)
    for t in range(q.shape[0]):
        S = S @ np.diag(alpha[t]) + np.outer(v[t], 1.0 - alpha[t])  # the key is 1 - f_t
        o[t] = S @ q[t]
    return o


def mixing_matrix(q, v, alpha):
    q, v, alpha = _validate(q, v, alpha)
    return diag_mixing(q, 1.0 - alpha, log_gate(alpha))


def parallel(q, v, alpha):
    return mixing_matrix(q, v, alpha) @ as_matrix("v", v)


def chunked(q, v, alpha, chunk_size=16):
    q, v, alpha = _validate(q, v, alpha)
    return diag_chunked(q, 1.0 - alpha, v, log_gate(alpha), as_chunk_size(chunk_size))[0]


def states(q, v, alpha):
    q, v, alpha = _validate(q, v, alpha)
    return diag_recurrent(q, 1.0 - alpha, v, alpha)[1]
