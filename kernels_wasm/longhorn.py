"""Longhorn (Liu et al., 2024): an SSM whose update is the implicit online-regression step.

Each value channel c keeps a state row that it fits online so that S[c] k_t ~ x_t[c]. The implicit
(proximal) step on ||S[c] k_t - x_t[c]||^2 with step size beta_t[c] has step eps = beta / (1 + beta k^T k);
Longhorn keeps the diagonal of the resulting (I - eps k k^T), so, like Mamba, it is an element-wise
recurrence with one transition per channel and runs on a selective scan. Its forget gate is not a free
parameter: it is 1 - eps k^2, fixed by the key.

Glossary (paper symbol -> code):
    x_t           v (T, d_v)       input, one scalar per channel
    k_t           k (T, d_k)       key (the paper's B-like projection)
    q_t           q (T, d_k)       query (C-like)
    beta_t        beta (T, d_v)    step size per channel, sigmoid of a projection
    eps_t         beta_t / (1 + beta_t k_t^T k_t)   (d_v,)
    S_t           S (d_v, d_k)
    (compact A)   (W, eps, q, k)   what fixes every A_c (mixing_compact): W_t = 1 - eps_t (k_t o k_t)^T

Equations (as on the card):
    S_t = S_{t-1} o (1 - eps_t (k_t o k_t)^T) + (eps_t o x_t) k_t^T,   o_t = S_t q_t
Each channel has its own transition, so ``mixing_matrix`` returns (d_v, T, T). The D x_t skip is left out.
"""

import numpy as np

from ._check import as_matrix, qkv
from ._linear import (
    as_chunk_size,
    diag_chunked,
    elementwise_scan,
    gate_around,
    log_gate,
    onehot_channel,
    per_channel_mixing,
    per_channel_mixing_onehot,
)


def inputs(T: int, d: int, rng: np.random.Generator, beta: float = 0.5) -> dict:
    q = rng.standard_normal((T, d))
    k = rng.standard_normal((T, d)) / np.sqrt(d)  # |k| ~ 1
    x = rng.standard_normal((T, d))
    z = rng.standard_normal((T, d))
    return {"q": q, "k": k, "v": x, "beta": gate_around(beta, z)}


def _validate(q, k, v, beta):
    q, k, v = qkv(q, k, v)
    beta = as_matrix("beta", beta, q.shape[0], v.shape[1])
    if np.any(beta < 0):
        raise ValueError("beta must be >= 0")
    return q, k, v, beta


def step_size(k, beta):
    """eps_t = beta_t / (1 + beta_t k_t^T k_t), (T, d_v)."""
    return beta / (1.0 + beta * np.sum(k * k, axis=1, keepdims=True))


def recurrent(q, k, v, beta):
    q, k, v, beta = _validate(q, k, v, beta)
    eps = step_size(k, beta)
    S = np.zeros((v.shape[1], q.shape[1]))
    o = np.empty_like(v)
    for t in range(q.shape[0]):
        S = S * (1.0 - np.outer(eps[t], k[t] * k[t])) + np.outer(eps[t] * v[t], k[t])
        o[t] = S @ q[t]
    return o


def _scan_terms(k, v, eps):
    W = 1.0 - eps[:, :, None] * (k * k)[:, None, :]  # (T, d_v, d_k)
    X = (eps * v)[:, :, None] * k[:, None, :]
    return W, X


def scan(q, k, v, beta):
    return readout(states(q, k, v, beta), q, k, v, beta)


def readout(S, q, k, v, beta):
    """o_t = S_t q_t from all states S (T, d_v, d_k): how a live run gets o from its states."""
    q, k, v, beta = _validate(q, k, v, beta)
    return np.einsum("tcn,tn->tc", S, q)


def mixing_matrix(q, k, v, beta):
    """(d_v, T, T) per-channel matrices, computed by the recurrence on one-hot inputs."""
    q, k, v, beta = _validate(q, k, v, beta)
    eps = step_size(k, beta)
    return per_channel_mixing_onehot(q, k, 1.0 - eps[:, :, None] * (k * k)[:, None, :], eps)


def mixing_compact(q, k, v, beta) -> tuple:
    """What fixes all d_v matrices A_c exactly, in T d_k (d_v + 2) numbers instead of d_v T^2: the per-step
    transitions W = 1 - eps (k o k)^T (T, d_v, d_k), the step sizes eps (T, d_v), q and k."""
    q, k, v, beta = _validate(q, k, v, beta)
    eps = step_size(k, beta)
    return 1.0 - eps[:, :, None] * (k * k)[:, None, :], eps, q, k


def mixing_slice(compact, c: int) -> np.ndarray:
    """A_c (T, T) alone from mixing_compact's arrays: the one-hot recurrence of channel c."""
    W, eps, q, k = compact
    return onehot_channel(q, k, W, eps, c)


def parallel(q, k, v, beta):
    """Materialised per-channel matrices, decays as exp of summed logs."""
    q, k, v, beta = _validate(q, k, v, beta)
    eps = step_size(k, beta)
    logW = log_gate(1.0 - eps[:, :, None] * (k * k)[:, None, :])
    return np.einsum("cts,sc->tc", per_channel_mixing(q, k, logW, eps), v)


def chunked(q, k, v, beta, chunk_size=16):
    q, k, v, beta = _validate(q, k, v, beta)
    cs = as_chunk_size(chunk_size)
    eps = step_size(k, beta)
    o = np.empty_like(v)
    for c in range(v.shape[1]):
        logw = log_gate(1.0 - eps[:, c : c + 1] * k * k)
        o[:, c] = diag_chunked(q, k * eps[:, c : c + 1], v[:, c : c + 1], logw, cs)[0][:, 0]
    return o


def states(q, k, v, beta):
    q, k, v, beta = _validate(q, k, v, beta)
    return elementwise_scan(*_scan_terms(k, v, step_size(k, beta)))
