"""Lightning Attention (Qin, Sun, Li, Shen, Sun and Zhong, 2024), the linear attention of TransNormerLLM and
MiniMax-01: one fixed exponential decay per head, no softmax and no normaliser.

    S_t = lambda S_{t-1} + v_t k_t^T,    o_t = S_t q_t,    lambda = exp(-s)

with a slope s fixed per head (and scaled down in deeper layers), q, k and v passed through SiLU. The
parallel form is O = (Q K^T o M) V with M[t, j] = lambda^{t-j} for j <= t. Lightning Attention-2 is the way
to compute it on a GPU: the sequence is cut into blocks of B tokens; inside a block the masked parallel form
(the "intra-block" part), across blocks the state KV carried from the previous blocks (the "inter-block"
part), which is exactly the chunked form here:

    O_i = [(Q_i K_i^T) o M] V_i + Lambda Q_i KV_{i-1},    KV_i = lambda^B KV_{i-1} + (lambda^{B-j} K_i)^T V_i.

Glossary (paper -> code)
    q_t, k_t, v_t        q, k, v      (T, d) after SiLU
    s (slope)            slope        fixed per head; lambda = exp(-slope)
    lambda               lam          decay per step
    KV (paper: K^T V)    S            (d_v, d_k) state, the zoo's orientation (the paper stores its transpose)
    M                    (mixing)     lambda^{t-j} decay mask
    B                    chunk_size   block length of the tiling

Forms
    recurrent   the step-by-step update
    parallel    O = (Q K^T o M) V
    chunked     the intra-block / inter-block tiling of Lightning Attention-2
"""

import numpy as np

from ._check import qkv
from ._linear import as_chunk_size, as_scalar, diag_chunked, diag_mixing


def silu(x):
    return x / (1.0 + np.exp(-x))


def inputs(T: int, d: int, rng: np.random.Generator, slope: float = 0.0625) -> dict:
    """Seeded q, k, v = SiLU(N(0, 1)) (T, d) and the head's slope (the decay is exp(-slope))."""
    q, k, v = (silu(rng.standard_normal((T, d))) for _ in range(3))
    return {"q": q, "k": k, "v": v, "slope": float(slope)}


def _validate(q, k, v, slope):
    q, k, v = qkv(q, k, v)
    slope = as_scalar("slope", slope)
    if slope < 0:
        raise ValueError(f"slope must be >= 0 (a decay exp(-slope) <= 1), got {slope}")
    return q, k, v, slope


def recurrent(q, k, v, slope) -> np.ndarray:
    q, k, v, slope = _validate(q, k, v, slope)
    lam = np.exp(-slope)
    S = np.zeros((v.shape[1], q.shape[1]))
    o = np.empty((q.shape[0], v.shape[1]))
    for t in range(q.shape[0]):
        S = lam * S + np.outer(v[t], k[t])  # S_t = lambda S_{t-1} + v_t k_t^T
        o[t] = S @ q[t]  # o_t = S_t q_t
    return o


def mixing_matrix(q, k, v, slope) -> np.ndarray:
    """A = Q K^T o M, M[t, j] = exp(-slope (t - j)) for j <= t."""
    q, k, v, slope = _validate(q, k, v, slope)
    return diag_mixing(q, k, np.full(q.shape[0], -slope))  # log lambda = -slope per step


def parallel(q, k, v, slope) -> np.ndarray:
    return mixing_matrix(q, k, v, slope) @ qkv(q, k, v)[2]


def chunked(q, k, v, slope, chunk_size=16) -> np.ndarray:
    """Lightning Attention-2's tiling: masked parallel form inside a block, decayed state across blocks."""
    q, k, v, slope = _validate(q, k, v, slope)
    return diag_chunked(q, k, v, np.full(q.shape[0], -slope), as_chunk_size(chunk_size))[0]


def states(q, k, v, slope) -> np.ndarray:
    """S_t after each step, (T, d_v, d_k)."""
    q, k, v, slope = _validate(q, k, v, slope)
    lam, S = np.exp(-slope), np.zeros((v.shape[1], q.shape[1]))
    out = np.empty((q.shape[0], v.shape[1], q.shape[1]))
    for t in range(q.shape[0]):
        S = lam * S + np.outer(v[t], k[t])
        out[t] = S
    return out
