"""Wall attention (Tilde Research, 2026): softmax attention with per-channel (diagonal) forget gates.

Where FoX lets one scalar gate per token fade a whole key, Wall gives every key channel its own gate
alpha_t in (0, 1]^{d_k}, the diagonal decay of GLA-style linear RNNs moved inside the softmax. The product of
the gates between key j and query i, F_ij = alpha_{j+1} * ... * alpha_i (elementwise), weighs the channels of
the dot product:

    s_ij = q_i^T Diag(F_ij) k_j / sqrt(d_k) = sum_n q_in k_jn exp(P_in - P_jn) / sqrt(d_k),

with P_t = sum_{u <= t} log alpha_u the per-channel prefix of log gates. The gate multiplies the score (it
is a per-channel rescaling of q and k, in the RoPE family), unlike FoX's additive bias. Gates of 1 give the
Transformer. Decoding keeps a pre-rescaled key cache: every new token multiplies each cached key by alpha_t.

The released kernels also take an optional FoX-style scalar gate (their g_scalar), added to the logit in log
space: s_ij + sum_{l=j+1}^{i} log f_l. It is off unless f is passed; with alpha = 1 and f given, Wall is FoX.

Glossary (paper / reference code -> code)
    alpha_t, g = log alpha    alpha      (T, d_k) per-channel gates in (0, 1]
    P_t                       P          (T, d_k) prefix sums of log alpha
    F_ij                      exp(P_i - P_j)   per-channel decay between key j and query i
    A                         A          (T, T) softmax of s_ij over j <= i
    rescaled key cache        K_c        (t+1, d_k): K_c[j] = F_tj * k_j after step t
    g_scalar = log f          f          optional (T,) FoX forget gates in (0, 1]; None = off

Forms
    recurrent   decode loop: K_c <- K_c * alpha_t, append k_t, softmax of K_c q_t / sqrt(d_k)
    parallel    logits built row block by row block (each needs a (rows, T, d_k) scratch of exp(P_i - P_j))
    chunked     FlashAttention tiles with the per-channel decay recomputed per tile (as Wall's Triton kernel)
"""

import numpy as np

from ._check import as_gate, qkv
from ._softmax import attention_matrix, cache_readout, check_unit_interval, online_softmax, sigmoid


def inputs(T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, bias: float = 3.0) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d) and per-channel gates alpha = sigmoid(u + bias), u ~ N(0, 1) (T, d)."""
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    alpha = sigmoid(rng.standard_normal((T, d)) + bias)
    return {"q": q, "k": k, "v": v, "alpha": alpha}


def _gates(alpha, T, d_k):
    a = as_gate("alpha", alpha, T, d_k)
    if a.ndim == 1:  # one gate per step for every channel: it scales the whole score (FoX would add to it)
        a = np.repeat(a[:, None], d_k, axis=1)
    return check_unit_interval("alpha", a)


def _log_f(f, T):
    """log of the optional scalar gate, (T,) zeros when it is off."""
    if f is None:
        return np.zeros(T)
    f = as_gate("f", f, T)
    if f.ndim != 1:
        raise ValueError(f"f: expected one scalar gate per step, shape ({T},)")
    return np.log(check_unit_interval("f", f))


def _tile(q, k, alpha, f):
    scale = 1.0 / np.sqrt(q.shape[1])
    P = np.cumsum(np.log(_gates(alpha, *q.shape)), axis=0)  # (T, d_k)
    c = np.cumsum(_log_f(f, q.shape[0]))  # (T,)

    def tile(rows, cols):
        # (rows, cols, d_k); for j > i the exponent would be positive and is masked anyway, so clamp it at 0
        F = np.exp(np.minimum(P[rows][:, None, :] - P[cols][None, :, :], 0.0))
        bias = np.minimum(c[rows][:, None] - c[cols][None, :], 0.0)
        return np.einsum("in,ijn->ij", q[rows], F * k[cols][None, :, :]) * scale + bias

    return tile


def recurrent(q, k, v, alpha, f=None) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    T, d_k = q.shape
    alpha, log_f = _gates(alpha, T, d_k), _log_f(f, T)
    K_c, b_c = np.empty((T, d_k)), np.empty(T)
    o = np.empty((T, v.shape[1]))
    for t in range(T):
        K_c[:t] *= alpha[t]  # every cached key fades channel by channel
        b_c[:t] += log_f[t]  # the optional scalar gate, in log space
        K_c[t], b_c[t] = k[t], 0.0
        o[t] = cache_readout(K_c[: t + 1] @ q[t] / np.sqrt(d_k) + b_c[: t + 1], v[: t + 1])
    return o


def _cache_logits(q, k, alpha, f) -> np.ndarray:
    """(T, T) logits s_ij (j <= i; 0 above the diagonal, masked later), row i read off the decode loop's
    rescaled key cache after step i: T products of (t, d_k) arrays, where the parallel form's scratch costs
    T^2 d_k exponentials (the slow part of a live run under Pyodide)."""
    T, d_k = q.shape
    alpha, log_f = _gates(alpha, T, d_k), _log_f(f, T)
    K_c, b_c = np.empty((T, d_k)), np.empty(T)
    logits = np.zeros((T, T))
    for t in range(T):
        K_c[:t] *= alpha[t]
        b_c[:t] += log_f[t]
        K_c[t], b_c[t] = k[t], 0.0
        logits[t, : t + 1] = K_c[: t + 1] @ q[t] / np.sqrt(d_k) + b_c[: t + 1]
    return logits


def mixing_matrix(q, k, v, alpha, f=None) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    logits = _cache_logits(q, k, alpha, f)
    return attention_matrix(lambda rows, cols: logits[rows, cols], q.shape[0])


def parallel(q, k, v, alpha, f=None) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return attention_matrix(_tile(q, k, alpha, f), q.shape[0]) @ v


def chunked(q, k, v, alpha, f=None, chunk_size: int = 16) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return online_softmax(_tile(q, k, alpha, f), v, block=chunk_size)


def states(q, k, v, alpha, f=None) -> None:
    """No fixed-size state: the rescaled KV cache grows by 2 d numbers per step."""
    qkv(q, k, v)
    return None
