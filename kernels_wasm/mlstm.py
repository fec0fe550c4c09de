"""mLSTM, the matrix-memory cell of xLSTM (Beck et al., 2024).

An LSTM whose cell is a d_v x d_k matrix written like linear attention, with an exponential input gate, a
sigmoid forget gate and a normaliser state:

    C_t = f_t C_{t-1} + i_t v_t k_t^T,    n_t = f_t n_{t-1} + i_t k_t,    h_t = C_t q_t / max(|n_t^T q_t|, 1),
    i_t = exp(i~_t),  f_t = sigmoid(f~_t),  k_t = W_k x_t / sqrt(d_k).

exp(i~) can overflow, so the cell carries a stabiliser m_t = max(log f_t + m_{t-1}, i~_t) and stores C and n
scaled by exp(-m_t); the normaliser's floor becomes exp(-m_t). The output is unchanged by the choice of m, so
the recurrent, parallel and chunkwise forms agree exactly. (The paper's output gate, h_t = o_t * h~_t, is a
per-channel multiply after the mixing; it is left out so that o = A v.)

Glossary (paper -> code)
    q_t, k_t, v_t         q, k, v        (T, d_k), (T, d_k), (T, d_v); k is scaled by 1 / sqrt(d_k) inside
    i~_t, f~_t            i_pre, f_pre   (T,) input and forget gate pre-activations
    log f_t               log_f          log sigmoid(f~_t)
    C_t, n_t, m_t         C, n, m        (d_v, d_k), (d_k,), scalar: stabilised cell, normaliser, stabiliser
    D~ (log decay matrix) logD           logD_ij = sum_{l=j+1}^{i} log f_l + i~_j for j <= i
    A                     A              (T, T): A_ij = (q_i . k_j) exp(logD_ij - m_i) / max(|b_i|, exp(-m_i))

Forms
    recurrent   the stabilised cell above
    parallel    the paper's matrix form: C~ = (Q K^T) * exp(logD - m), H = C~ V / max(|rowsum C~|, exp(-m))
    chunked     chunkwise: exact intra-chunk attention plus the (C, n, m) state carried across chunks
"""

import numpy as np

from ._check import as_gate, qkv
from ._softmax import log_sigmoid


def inputs(
    T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, f_bias: float = 3.0, i_bias: float = 0.0
) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d) (sigma scales q, k) and gate pre-activations ~ N(bias, 1)."""
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    i_pre = rng.standard_normal(T) + i_bias
    f_pre = rng.standard_normal(T) + f_bias
    return {"q": q, "k": k, "v": v, "i_pre": i_pre, "f_pre": f_pre}


def _check(q, k, v, i_pre, f_pre):
    q, k, v = qkv(q, k, v)
    T = q.shape[0]
    i_pre, f_pre = as_gate("i_pre", i_pre, T), as_gate("f_pre", f_pre, T)
    if i_pre.ndim != 1 or f_pre.ndim != 1:
        raise ValueError(f"i_pre, f_pre: expected one scalar gate per step, shape ({T},)")
    return q, k / np.sqrt(q.shape[1]), v, i_pre, log_sigmoid(f_pre)


def _steps(q, k, v, i_pre, log_f):
    C, n, m = np.zeros((v.shape[1], q.shape[1])), np.zeros(q.shape[1]), -np.inf
    for t in range(q.shape[0]):
        m_new = max(log_f[t] + m, i_pre[t])
        f_s, i_s = np.exp(log_f[t] + m - m_new), np.exp(i_pre[t] - m_new)  # stabilised gates
        C = f_s * C + i_s * np.outer(v[t], k[t])
        n = f_s * n + i_s * k[t]
        m = m_new
        yield t, C @ q[t] / max(abs(n @ q[t]), np.exp(-m)), C


def recurrent(q, k, v, i_pre, f_pre) -> np.ndarray:
    q, k, v, i_pre, log_f = _check(q, k, v, i_pre, f_pre)
    h = np.empty((q.shape[0], v.shape[1]))
    for t, h_t, _ in _steps(q, k, v, i_pre, log_f):
        h[t] = h_t
    return h


def mixing_matrix(q, k, v, i_pre, f_pre) -> np.ndarray:
    q, k, v, i_pre, log_f = _check(q, k, v, i_pre, f_pre)
    T = q.shape[0]
    c = np.cumsum(log_f)
    causal = np.tril(np.ones((T, T), dtype=bool))
    logD = np.where(causal, c[:, None] - c[None, :] + i_pre[None, :], -np.inf)
    m = np.max(logD, axis=1)  # row stabiliser: the same m_i the recurrence reaches
    Ct = (q @ k.T) * np.exp(logD - m[:, None])
    return Ct / np.maximum(np.abs(np.sum(Ct, axis=1)), np.exp(-m))[:, None]


def parallel(q, k, v, i_pre, f_pre) -> np.ndarray:
    return mixing_matrix(q, k, v, i_pre, f_pre) @ qkv(q, k, v)[2]


def chunked(q, k, v, i_pre, f_pre, chunk_size: int = 16) -> np.ndarray:
    q, k, v, i_pre, log_f = _check(q, k, v, i_pre, f_pre)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    T, d_k = q.shape
    C, n, m = np.zeros((v.shape[1], d_k)), np.zeros(d_k), -np.inf  # state before the chunk, scaled by e^{-m}
    h = np.empty((T, v.shape[1]))
    for s in range(0, T, chunk_size):
        c = slice(s, min(s + chunk_size, T))
        L = q[c].shape[0]
        b = np.cumsum(log_f[c])  # b_t = sum of log f over the chunk up to and including t
        lower = np.tril(np.ones((L, L), dtype=bool))
        intra = np.where(lower, b[:, None] - b[None, :] + i_pre[c][None, :], -np.inf)  # in-chunk log weights
        inter = b + m  # log weight of the carried state at each row
        m_row = np.maximum(inter, np.max(intra, axis=1))
        W = np.exp(intra - m_row[:, None]) * (q[c] @ k[c].T)  # (L, L)
        carry = np.exp(inter - m_row)  # (L,)
        num = carry[:, None] * (q[c] @ C.T) + W @ v[c]
        den = carry * (q[c] @ n) + np.sum(W, axis=1)
        h[c] = num / np.maximum(np.abs(den), np.exp(-m_row))[:, None]
        # carry the state to the end of the chunk
        w_end = b[-1] - b + i_pre[c]  # log weight of each chunk token in the state at the chunk's end
        m_end = max(b[-1] + m, np.max(w_end))
        g = np.exp(w_end - m_end)
        C = np.exp(b[-1] + m - m_end) * C + (v[c] * g[:, None]).T @ k[c]
        n = np.exp(b[-1] + m - m_end) * n + g @ k[c]
        m = m_end
    return h


def states(q, k, v, i_pre, f_pre) -> np.ndarray:
    """The stabilised cell C_t exp(-m_t) after each step, (T, d_v, d_k)."""
    q, k, v, i_pre, log_f = _check(q, k, v, i_pre, f_pre)
    out = np.empty((q.shape[0], v.shape[1], q.shape[1]))
    for t, _, C in _steps(q, k, v, i_pre, log_f):
        out[t] = C
    return out
