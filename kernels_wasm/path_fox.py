"""PaTH-FoX (Yang et al., 2025, in the PaTH paper): PaTH's Householder position encoding plus FoX's gate.

Unrolling a gated DeltaNet state S_t = f_t S_{t-1} H_t + v_t k_t^T under a softmax readout gives both
mechanisms at once. The Householder product acts multiplicatively on the score, the forget gates act
additively on the logit in log space (they multiply exp(score), not the score):

    s_ij = k_j^T H_{j+1} ... H_i q_i / sqrt(d_k) + sum_{l=j+1}^{i} log f_l.

With every H = I (beta = 0) this is FoX; with every f = 1 it is PaTH.

Glossary (paper -> code)
    w_t, beta_t     w, beta      (T, d_k) unit vectors, (T,) strengths in [0, 2]: H_t = I - beta_t w_t w_t^T
    f_t             f            (T,) forget gates in (0, 1]
    D_ij            bias         sum_{l=j+1}^{i} log f_l = c_i - c_j, c = cumsum(log f)
    A               A            (T, T) softmax of s_ij over j <= i

Forms
    recurrent   decode loop: K_c <- K_c H_t, b_c += log f_t, append (k_t, v_t, 0), softmax
    parallel    PaTH's UT-transform logits (see kernels_wasm/path.py) plus D, then the causal softmax
"""

import numpy as np

from . import path
from ._check import as_gate, qkv
from ._softmax import cache_readout, check_unit_interval, sigmoid, softmax_rows, visible
from .path import check_householder, householder_logits


def inputs(
    T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, beta_bias: float = 0.0, bias: float = 2.0
) -> dict:
    """PaTH's inputs (q, k, v, w, beta) drawn by path.inputs, then FoX gates f = sigmoid(u + bias)."""
    x = path.inputs(T, d, rng, sigma=sigma, beta_bias=beta_bias)
    return {**x, "f": sigmoid(rng.standard_normal(T) + bias)}


def _gates(f, T):
    return check_unit_interval("f", as_gate("f", f, T))


def recurrent(q, k, v, w, beta, f) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    T, d_k = q.shape
    w, beta = check_householder(w, beta, T, d_k)
    f = _gates(f, T)
    K_c = np.empty((T, d_k))
    b_c = np.empty(T)
    o = np.empty((T, v.shape[1]))
    for t in range(T):
        K_c[:t] -= beta[t] * np.outer(K_c[:t] @ w[t], w[t])  # PaTH: K_c <- K_c H_t
        b_c[:t] += np.log(f[t])  # FoX: every cached key fades by f_t, in log space
        K_c[t], b_c[t] = k[t], 0.0
        o[t] = cache_readout(K_c[: t + 1] @ q[t] / np.sqrt(d_k) + b_c[: t + 1], v[: t + 1])
    return o


def mixing_matrix(q, k, v, w, beta, f) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    T = q.shape[0]
    w, beta = check_householder(w, beta, T, q.shape[1])
    c = np.cumsum(np.log(_gates(f, T)))
    D = np.minimum(c[:, None] - c[None, :], 0.0)  # entries above the diagonal are masked; keep them finite
    return softmax_rows(householder_logits(q, k, w, beta) + D, visible(slice(0, T), slice(0, T)))


def parallel(q, k, v, w, beta, f) -> np.ndarray:
    return mixing_matrix(q, k, v, w, beta, f) @ np.asarray(v, dtype=np.float64)


def states(q, k, v, w, beta, f) -> None:
    """No fixed-size state: the (rewritten) key cache and the value cache grow with the sequence."""
    qkv(q, k, v)
    return None
