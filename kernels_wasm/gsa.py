"""Gated Slot Attention, GSA (Zhang, Yang et al., 2024): ABC's slot memory with a learned forget gate.

ABC's retention is fixed by the running normaliser of its control scores. GSA frees it: each slot gets a
data-dependent forget gate in the GLA style, alpha_t = sigmoid(W_alpha x_t)^{1/tau} in (0, 1)^m (tau = 8 in
the paper keeps the gates close to 1), and whatever is forgotten is what is written:

    S^k_t = Diag(alpha_t) S^k_{t-1} + (1 - alpha_t) k_t^T,
    S^v_t = Diag(alpha_t) S^v_{t-1} + (1 - alpha_t) v_t^T,
    o_t = (S^v_t)^T softmax(S^k_t q_t / sqrt(d_k)).

With alpha_t set to ABC's normaliser ratio GSA computes ABC exactly; with alpha_t = 1 - e_t (one-hot
eviction of slot t mod m) it is a sliding window of m tokens. Both memories are GLA recurrences, which is
how the paper trains GSA (two passes of a chunked GLA kernel).

Glossary (paper -> code)
    m                     slots        number of memory slots
    alpha_t               alpha        (T, m) per-slot forget gates in (0, 1]
    tau                   tau          temperature of the gate: alpha = sigmoid(.)^{1/tau}
    K~_t, V~_t            Sk, Sv       (m, d_k), (m, d_v) slot memories
    A                     A            (T, T): A_tj = sum_n p_tn alpha_{j+1,n} ... alpha_{t,n} (1 - alpha_jn)

Forms
    recurrent   the gated slot recurrence above
    parallel    A from the cumulative log gates (every slot weight at once), then O = A V; needs alpha > 0
"""

import numpy as np

from ._check import as_gate, qkv
from ._softmax import gated_slot_weights, log_sigmoid, slot_mixing, slot_steps


def inputs(T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, slots: int = 4, tau: float = 8.0):
    """Seeded q, k, v ~ N(0, 1) (T, d) and gates alpha = sigmoid(u)^{1/tau}, u ~ N(0, 1) (T, m)."""
    m = int(round(float(slots)))
    if m < 1:
        raise ValueError(f"slots: expected an integer >= 1, got {slots}")
    if not tau > 0:
        raise ValueError(f"tau: expected a positive temperature, got {tau}")
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    alpha = np.exp(log_sigmoid(rng.standard_normal((T, m))) / tau)
    return {"q": q, "k": k, "v": v, "alpha": alpha}


def _gates(alpha, T, strict=False):
    a = as_gate("alpha", alpha, T)
    if a.ndim != 2:
        raise ValueError(f"alpha: expected shape ({T}, m), got {a.shape}")
    if np.any(a < 0) or np.any(a > 1) or np.any(np.isnan(a)) or (strict and np.any(a == 0)):
        raise ValueError("alpha: gates must lie in [0, 1] (in (0, 1] for the parallel form: it takes logs)")
    return a


def recurrent(q, k, v, alpha) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    alpha = _gates(alpha, q.shape[0])
    o = np.empty((q.shape[0], v.shape[1]))
    for t, o_t, _, _ in slot_steps(q, k, v, alpha, 1.0 - alpha):
        o[t] = o_t
    return o


def mixing_matrix(q, k, v, alpha) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    alpha = _gates(alpha, q.shape[0], strict=True)
    return slot_mixing(q, k, gated_slot_weights(np.log(alpha), 1.0 - alpha))


def parallel(q, k, v, alpha) -> np.ndarray:
    return mixing_matrix(q, k, v, alpha) @ np.asarray(v, dtype=np.float64)


def states(q, k, v, alpha) -> np.ndarray:
    """Slot memories after each step, (T, m, d_k + d_v): [S^k | S^v] per slot."""
    q, k, v = qkv(q, k, v)
    alpha = _gates(alpha, q.shape[0])
    out = np.empty((q.shape[0], alpha.shape[1], q.shape[1] + v.shape[1]))
    for t, _, Sk, Sv in slot_steps(q, k, v, alpha, 1.0 - alpha, read=False):
        out[t] = np.concatenate([Sk, Sv], axis=1)
    return out
