"""ABC, attention with bounded-memory control (Peng et al., 2021), its learned instance ABC_MLP, causal form.

Softmax attention over m memory slots instead of over all t past tokens. A control vector
phi_t = exp(s_t), s_t = W_phi x_t in R^m, decides how much of token t each slot stores, and each slot keeps
the phi-weighted average of what it has seen:

    S^k_t = sum_{j <= t} (phi_j / sum_{l <= t} phi_l) k_j^T     (per slot n; the same for S^v with v_j),

a softmax over time of the control scores. Read as a recurrence this is a gated slot update,

    S^k_t = Diag(alpha_t) S^k_{t-1} + (1 - alpha_t) k_t^T,    alpha_t = sum_{l<t} phi_l / sum_{l<=t} phi_l,

and the output attends over the slots: o_t = (S^v_t)^T softmax(S^k_t q_t / sqrt(d_k)). SWA is the limit in
which the control is one-hot (token t scores only slot t mod W, and so much higher than that slot's past
tokens that it overwrites them); GSA replaces alpha_t by a free learned gate.

Glossary (paper -> code)
    n (memory size)      m           number of slots
    W_phi x_t            s           (T, m) control scores
    phi_t                            exp(s_t), never formed (kept in log space)
    z_t                  z           (T, m) log sum_{l <= t} phi_l, the running normaliser
    alpha_t              alpha       exp(z_{t-1} - z_t), the retention; alpha_0 = 0 (the first write fills it)
    K~, V~               Sk, Sv      (m, d_k), (m, d_v) slot memories
    A                    A           (T, T): A_tj = sum_n softmax_n(S^k_t q_t / sqrt(d_k)) exp(s_jn - z_tn)

Forms
    recurrent   the gated slot recurrence above
    parallel    A from the closed form of the slot weights, exp(s_jn - z_tn) for j <= t, then O = A V
"""

import numpy as np

from ._check import as_gate, qkv
from ._softmax import slot_mixing, slot_steps


def inputs(T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, slots: int = 4, spread: float = 1.0):
    """Seeded q, k, v ~ N(0, 1) (T, d) and control scores s ~ N(0, spread^2) (T, m)."""
    m = int(round(float(slots)))
    if m < 1:
        raise ValueError(f"slots: expected an integer >= 1, got {slots}")
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    s = rng.standard_normal((T, m)) * spread
    return {"q": q, "k": k, "v": v, "s": s}


def control(s, T):
    """Validate s (T, m); return (s, z, alpha, write): the normaliser z_t and ABC's gated-update form."""
    s = as_gate("s", s, T)
    if s.ndim != 2:
        raise ValueError(f"s: expected shape ({T}, m), got {s.shape}")
    z = np.logaddexp.accumulate(s, axis=0)  # z_t = log sum_{l <= t} exp(s_l), per slot
    z_prev = np.concatenate([np.full((1, s.shape[1]), -np.inf), z[:-1]])
    # a slot that no token has written yet (every s = -inf so far, z = -inf) stays empty: alpha 1, write 0
    seen = np.isfinite(z)
    alpha = np.exp(np.where(seen, z_prev, 0.0) - np.where(seen, z, 0.0))  # sum_{l<t} phi_l / sum_{l<=t} phi_l
    write = np.where(seen, np.exp(s - np.where(seen, z, 0.0)), 0.0)  # phi_t / sum_{l<=t} phi_l = 1 - alpha_t
    return s, z, alpha, write


def recurrent(q, k, v, s) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    _, _, alpha, write = control(s, q.shape[0])
    o = np.empty((q.shape[0], v.shape[1]))
    for t, o_t, _, _ in slot_steps(q, k, v, alpha, write):
        o[t] = o_t
    return o


def mixing_matrix(q, k, v, s) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    T = q.shape[0]
    s, z, _, _ = control(s, T)
    z = np.where(np.isfinite(z), z, 0.0)  # an unwritten slot: all its s are -inf, so its weights are 0

    def weights(rows):  # G[t, j, n] = exp(s_jn - z_tn) for j <= t: the softmax over time of the control
        causal = (np.arange(T)[None, :] <= np.arange(rows.start, rows.stop)[:, None])[:, :, None]
        return np.where(causal, np.exp(np.minimum(s[None, :, :] - z[rows][:, None, :], 0.0)), 0.0)

    return slot_mixing(q, k, weights)


def parallel(q, k, v, s) -> np.ndarray:
    return mixing_matrix(q, k, v, s) @ np.asarray(v, dtype=np.float64)


def states(q, k, v, s) -> np.ndarray:
    """Slot memories after each step, (T, m, d_k + d_v): [S^k | S^v] per slot."""
    q, k, v = qkv(q, k, v)
    _, _, alpha, write = control(s, q.shape[0])
    out = np.empty((q.shape[0], alpha.shape[1], q.shape[1] + v.shape[1]))
    for t, _, Sk, Sv in slot_steps(q, k, v, alpha, write, read=False):
        out[t] = np.concatenate([Sk, Sv], axis=1)
    return out
