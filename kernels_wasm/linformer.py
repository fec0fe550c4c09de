"""Linformer (Wang, Li, Khabsa, Fang and Ma, 2020): softmax attention over k projected keys and values.

Two learned k x n matrices E and F mix the n = T positions of the keys and of the values into k rows each,

    K~ = E K  (k, d_k),    V~ = F V  (k, d_v),    O = softmax(Q K~^T / sqrt(d_k)) V~,

so attention costs O(T k) instead of O(T^2). Written as a memory, the projected keys and values are k slots
that every token writes into, with the fixed weights of its column e_t = E[:, t], f_t = F[:, t]:

    S^k_t = S^k_{t-1} + e_t k_t^T,    S^v_t = S^v_{t-1} + f_t v_t^T.

The catch is the read: every query reads the memory S_T written by the whole sequence, later tokens
included, because E and F mix all n positions. There is no causal step-by-step form (reading S_t at step t
instead would be a different model, a slot memory with fixed write weights), and n is fixed by the shape of
E and F. This kernel therefore declares CAUSAL = False: its mixing matrix is dense, upper triangle included.

Glossary (paper -> code)
    k (projected length)     proj     rows of E and F
    E_i, F_i                 E, F     (k, T) projections of the keys and of the values
    K~ = E K, V~ = F V       Sk, Sv   the projected memory after the last write

Forms
    recurrent   write every token into the k slots, then let every query read the finished memory
    parallel    softmax(Q (E K)^T / sqrt(d_k)) (F V)
"""

import numpy as np

from ._check import as_matrix, qkv
from ._softmax import softmax_rows
from ._sparse import count

CAUSAL = False  # every output reads every input: the test of causality is waived, and only for this reason


def inputs(T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, proj: int = 4) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d) (sigma scales q, k) and E, F with Xavier-scaled Gaussian entries."""
    kp = count(proj, "proj")
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    E, F = rng.standard_normal((2, kp, T)) * np.sqrt(2.0 / (T + kp))
    return {"q": q, "k": k, "v": v, "E": E, "F": F}


def _check(q, k, v, E, F):
    q, k, v = qkv(q, k, v)
    T = q.shape[0]
    E = as_matrix("E", E, d=T)
    F = as_matrix("F", F, T=E.shape[0], d=T)
    return q, k, v, E, F


def states(q, k, v, E, F) -> np.ndarray:
    """The projected memory after each write, (T, k, d_k + d_v): [S^k_t | S^v_t]."""
    q, k, v, E, F = _check(q, k, v, E, F)
    Sk, Sv = np.zeros((E.shape[0], k.shape[1])), np.zeros((F.shape[0], v.shape[1]))
    out = []
    for t in range(len(q)):
        Sk = Sk + np.outer(E[:, t], k[t])  # S^k_t = S^k_{t-1} + e_t k_t^T
        Sv = Sv + np.outer(F[:, t], v[t])
        out.append(np.hstack([Sk, Sv]))
    return np.array(out)


def recurrent(q, k, v, E, F) -> np.ndarray:
    q, k, v, E, F = _check(q, k, v, E, F)
    S = states(q, k, v, E, F)[-1]  # the memory once the whole sequence has been written
    Sk, Sv = S[:, : k.shape[1]], S[:, k.shape[1] :]
    o = np.empty((len(q), v.shape[1]))
    for t in range(len(q)):  # only now can any query read
        o[t] = Sv.T @ softmax_rows(Sk @ q[t] / np.sqrt(q.shape[1]), np.ones(len(Sk), dtype=bool))
    return o


def mixing_matrix(q, k, v, E, F) -> np.ndarray:
    """A = softmax(Q K^T E^T / sqrt(d_k)) F, (T, T): o = A v, dense (not causal)."""
    q, k, v, E, F = _check(q, k, v, E, F)
    P = softmax_rows(q @ (E @ k).T / np.sqrt(q.shape[1]), np.ones((len(q), len(E)), dtype=bool))
    return P @ F


def parallel(q, k, v, E, F) -> np.ndarray:
    q, k, v, E, F = _check(q, k, v, E, F)
    P = softmax_rows(q @ (E @ k).T / np.sqrt(q.shape[1]), np.ones((len(q), len(E)), dtype=bool))
    return P @ (F @ v)
