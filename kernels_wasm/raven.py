"""Raven (Afzal, Bick, Xing, Cevher and Gu, 2026): routing slot memories with a sparse top-K router.

Between SWA (each token overwrites exactly one slot) and GSA (each token blends into every slot), Raven
routes each token to a few slots. A router scores the slots, m_t = sigmoid(W x_t); only the top K scores
are kept and normalised, r_t = KeepTop_K(m_t) / sum(KeepTop_K(m_t)); a decay a_t < 0 (Mamba-2 style,
a_t = -exp(A) softplus(dt_t)) is spent only on the routed slots:

    gamma_t = exp(a_t r_t) in (0, 1]^m        (gamma = 1 on every slot the router did not pick)
    S^k_t = Diag(gamma_t) S^k_{t-1} + (1 - gamma_t) k_t^T,
    S^v_t = Diag(gamma_t) S^v_{t-1} + (1 - gamma_t) v_t^T,
    o_t = (S^v_t)^T softmax(S^k_t q_t / sqrt(d_k)).

Slots the router skips are left exactly as they were. With a one-hot router on slot t mod m and a_t -> -inf
Raven is SWA with a window of m; with K = m (dense routing) it is a GSA-type gated slot memory. The paper's
write scale alpha (r_t = g_t / (alpha sum g_t)) only rescales a_t and is folded into it here.

Glossary (paper -> code)
    m, K                  slots, top_k      number of slots, slots each token writes to
    m_t, r_t              route()           router scores (sigmoid) and normalised sparse routing weights
    r_t                   r                 (T, m) routing weights: K nonzero entries per row, summing to 1
    a_t                   a                 (T,) log-decay budget of step t, a_t <= 0
    gamma_t               exp(a r)          per-slot retention
    S^k_t, S^v_t          Sk, Sv            (m, d_k), (m, d_v) slot memories
    A                     A                 (T, T): sum_n p_tn exp(sum_{l=j+1}^t a_l r_ln) (1 - gamma_jn)

Forms
    recurrent   the routed slot recurrence above
    parallel    A from the cumulative log retentions a_l r_ln (all finite), then O = A V
"""

import numpy as np

from ._check import as_gate, qkv
from ._softmax import gated_slot_weights, sigmoid, slot_mixing, slot_steps


def route(scores: np.ndarray, top_k: int) -> np.ndarray:
    """r_t = KeepTop_K(sigmoid(scores_t)), normalised to sum 1. scores (T, m) -> r (T, m)."""
    g = sigmoid(scores)
    drop = np.argsort(-g, axis=1, kind="stable")[:, top_k:]  # every slot outside the top K
    np.put_along_axis(g, drop, 0.0, axis=1)
    return g / np.sum(g, axis=1, keepdims=True)


def inputs(
    T: int,
    d: int,
    rng: np.random.Generator,
    sigma: float = 1.0,
    slots: int = 8,
    top_k: int = 2,
    strength: float = 1.0,
) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d), router scores ~ N(0, 1) (T, m) routed to the top K, and
    a_t = -strength softplus(u_t), u_t ~ N(0, 1). A top_k above the number of slots means K = m (dense)."""
    m, K = int(round(float(slots))), int(round(float(top_k)))
    if m < 1 or K < 1:
        raise ValueError(f"need slots >= 1 and top_k >= 1, got slots={slots}, top_k={top_k}")
    K = min(K, m)
    if not strength >= 0:
        raise ValueError(f"strength must be >= 0, got {strength}")
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    r = route(rng.standard_normal((T, m)), K)
    a = -strength * np.logaddexp(0.0, rng.standard_normal(T))
    return {"q": q, "k": k, "v": v, "r": r, "a": a}


def _gates(r, a, T):
    r = as_gate("r", r, T)
    if r.ndim != 2:
        raise ValueError(f"r: expected shape ({T}, m), got {r.shape}")
    if np.any(~(r >= 0)):
        raise ValueError("r: routing weights must be >= 0")
    a = as_gate("a", a, T)
    if a.ndim != 1:
        raise ValueError(f"a: expected shape ({T},), got {a.shape}")
    if np.any(~(a <= 0)) or not np.all(np.isfinite(a)):
        raise ValueError("a: the decay a_t must be <= 0 (finite)")
    log_gamma = a[:, None] * r  # (T, m), log retention of every slot; 0 where the router skipped
    return log_gamma, -np.expm1(log_gamma)  # write = 1 - gamma


def recurrent(q, k, v, r, a) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    log_gamma, write = _gates(r, a, q.shape[0])
    o = np.empty((q.shape[0], v.shape[1]))
    for t, o_t, _, _ in slot_steps(q, k, v, np.exp(log_gamma), write):
        o[t] = o_t
    return o


def mixing_matrix(q, k, v, r, a) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    log_gamma, write = _gates(r, a, q.shape[0])
    return slot_mixing(q, k, gated_slot_weights(log_gamma, write))


def parallel(q, k, v, r, a) -> np.ndarray:
    return mixing_matrix(q, k, v, r, a) @ np.asarray(v, dtype=np.float64)


def states(q, k, v, r, a) -> np.ndarray:
    """Slot memories after each step, (T, m, d_k + d_v): [S^k | S^v] per slot."""
    q, k, v = qkv(q, k, v)
    log_gamma, write = _gates(r, a, q.shape[0])
    out = np.empty((q.shape[0], log_gamma.shape[1], q.shape[1] + v.shape[1]))
    for t, _, Sk, Sv in slot_steps(q, k, v, np.exp(log_gamma), write, read=False):
        out[t] = np.concatenate([Sk, Sv], axis=1)
    return out
