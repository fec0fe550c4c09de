"""RWKV-7 "Goose" (Peng et al., 2025): a generalised delta rule with vector-valued decay and learning rate.

The transition is diagonal plus rank one, Diag(w_t) - kappa_t (a_t o kappa_t)^T: a per-channel decay w_t
and a removal along the normalised key kappa_t with a per-channel in-context learning rate a_t. The key
that is removed (kappa) and the key that is written (k~) are separate vectors. With w = 1, a = beta 1,
kappa = k and k~ = beta k it is DeltaNet; with w = alpha 1, a = alpha beta 1 it is Gated DeltaNet; with
a = 0 it is GLA.

Glossary (paper symbol -> code):
    r_t             q (T, d_k)       receptance, the query
    k_t             (inputs only)    the key both keys below are made from
    xi, alpha       (inputs only)    (d_k,) learned per-channel vectors (k_k and k_a in the official code)
    k~_t            k (T, d_k)       replacement key that is written: k_t o lerp(1, a_t, alpha)
    kappa^_t        kappa (T, d_k)   removal key: kappa_t = k_t o xi, L2-normalised
    v_t             v (T, d_v)
    w_t             w (T, d_k)       decay in (0, 1]: exp(-c sigmoid(.)); paper c = e^{-1/2}, ``decay``
    a_t             a (T, d_k)       in-context learning rate in [0, 1]
    wkv_t           S (d_v, d_k)     (the paper writes v^T k, the same d_v x d_k layout)

Equations (as on the card):
    S_t = S_{t-1} (Diag(w_t) - kappa^_t (a_t o kappa^_t)^T) + v_t k~_t^T,   o_t = S_t r_t
The recurrence takes k~ and kappa^ as given, so it does not depend on how they were built; inputs() builds
them the paper's way (Sec. 4, and RWKV-v7/rwkv_v7_numpy.py in BlinkDL/RWKV-LM): kappa from k o xi, normalised,
and k~ from the unnormalised k. The paper's output adds a bonus (r_t . (rho o k~_t)) v_t after a group norm;
it sits outside the state and is left out.
"""

import numpy as np

from ._check import as_matrix, qkv
from ._linear import as_chunk_size, dplr_chunked, dplr_mixing, gate_around, l2norm, log_gate, sigmoid


def inputs(T: int, d: int, rng: np.random.Generator, decay: float = 0.3, a: float = 0.5) -> dict:
    r = rng.standard_normal((T, d)) / np.sqrt(d)
    k = rng.standard_normal((T, d)) / np.sqrt(d)  # |k_t| ~ 1
    v = rng.standard_normal((T, d))
    z_w = rng.standard_normal((T, d))
    z_a = rng.standard_normal((T, d))
    # xi and alpha are learned per channel; the official trainer starts them near 0.71 - 0.1 ramp and 1.02
    xi = 0.71 - 0.1 * np.linspace(0.0, 1.0, d) + 0.1 * rng.standard_normal(d)
    alpha = rng.uniform(0.5, 1.0, d)
    if decay < 0 or not 0 <= a <= 1:
        raise ValueError(f"need decay >= 0 and a in [0, 1], got decay={decay}, a={a}")
    icl = gate_around(a, z_a)  # a_t = sigmoid(projection), centred on the slider value
    return {
        "q": r,
        "k": k * (1.0 + (icl - 1.0) * alpha),  # k~ = k o lerp(1, a, alpha): the written key
        "v": v,
        "w": np.exp(-decay * sigmoid(z_w)),
        "kappa": l2norm(k * xi),  # removal key: normalised k o xi
        "a": icl,
    }


def _validate(q, k, v, w, kappa, a):
    q, k, v = qkv(q, k, v)
    T, d_k = q.shape
    w = as_matrix("w", w, T, d_k)
    kappa = as_matrix("kappa", kappa, T, d_k)
    a = as_matrix("a", a, T, d_k)
    return q, k, v, w, kappa, a


def _run(q, k, v, w, kappa, a):
    T, d_k = q.shape
    S = np.zeros((v.shape[1], d_k))
    o = np.empty((T, v.shape[1]))
    states = np.empty((T, v.shape[1], d_k))
    for t in range(T):
        # S (Diag(w_t) - kappa (a o kappa)^T) + v k^T: column scaling plus a rank-one update
        S = S * w[t] - np.outer(S @ kappa[t], a[t] * kappa[t]) + np.outer(v[t], k[t])
        o[t] = S @ q[t]
        states[t] = S
    return o, states


def recurrent(q, k, v, w, kappa, a):
    return _run(*_validate(q, k, v, w, kappa, a))[0]



def _dplr(w, kappa, a):
    return dict(logw=log_gate(w), a=-kappa, b=a * kappa)


def mixing_matrix(q, k, v, w, kappa, a):
    q, k, v, w, kappa, a = _validate(q, k, v, w, kappa, a)
    return dplr_mixing(q, k, **_dplr(w, kappa, a))


def parallel(q, k, v, w, kappa, a):
    return mixing_matrix(q, k, v, w, kappa, a) @ qkv(q, k, v)[2]


def chunked(q, k, v, w, kappa, a, chunk_size=16):
    q, k, v, w, kappa, a = _validate(q, k, v, w, kappa, a)
    return dplr_chunked(q, k, v, chunk_size=as_chunk_size(chunk_size), **_dplr(w, kappa, a))[0]


def states(q, k, v, w, kappa, a):
    return _run(*_validate(q, k, v, w, kappa, a))[1]
