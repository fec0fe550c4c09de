"""Log-Linear Attention (Guo et al., 2025): O(log T) states instead of one, organised as a Fenwick tree.

The past of token t is split into buckets whose sizes are powers of two (the Fenwick-tree decomposition of
[0, t]); each bucket keeps its own d_v x d_k state, and the query reads every bucket with its own weight
lambda_t^(l). Recent tokens sit in small buckets (read precisely), old ones in large buckets. Here on top
of Mamba-2's scalar decay (log-linear Mamba-2); alpha = 1 gives log-linear linear attention, and
lambda = 1 collapses the buckets back to one state (Mamba-2 / linear attention).

Glossary (paper symbol -> code):
    q_t, k_t, v_t          q, k (T, d_k), v (T, d_v)
    alpha_t                alpha (T,)       scalar decay (Mamba-2's gate)
    lambda_t^(l)           lam (T, L)       level weights, L = ceil(log2 T) + 1 (softplus of a projection)
    level(t, s)            0 for s = t, else the bit length of t XOR s (0-indexed tokens)
    S_t^(l)                S[l] (d_v, d_k)  state of the level-l bucket at time t

Equations (as on the card):
    S_t^(l) = alpha_t S_{t-1}^(l) with Fenwick merges: at step t the levels below m = lssb(t) + 1 are summed
    into level m and emptied, then S_t^(0) = v_t k_t^T
    o_t = sum_l lambda_t^(l) S_t^(l) q_t
Parallel form: O = (Q K^T o L o M^H) V,
    L[t, s] = prod_{r=s+1}^{t} alpha_r,   M^H[t, s] = lambda_t^(level(t, s)).
Chunked (the paper's O(T log T) algorithm): inside a chunk of C = 2^c tokens the parallel form; between
chunks a Fenwick tree over chunk indices, since level(t, s) = c + bitlen(n XOR m) for chunks n != m.
"""

import numpy as np

from ._check import as_gate, as_matrix, qkv
from ._linear import as_chunk_size, log_gate, softplus


def num_levels(T: int) -> int:
    """Levels a sequence of T tokens needs: ceil(log2 T) + 1."""
    return (T - 1).bit_length() + 1


def inputs(T: int, d: int, rng: np.random.Generator, a: float = 0.05, spread: float = 1.0) -> dict:
    q = rng.standard_normal((T, d)) / np.sqrt(d)
    k = rng.standard_normal((T, d))
    v = rng.standard_normal((T, d))
    z_alpha = rng.standard_normal(T)
    z_lam = rng.standard_normal((T, num_levels(T)))
    if a < 0:
        raise ValueError(f"decay strength a must be >= 0, got {a}")
    # softplus(log(e - 1)) = 1: spread = 0 gives lambda = 1, the single-state model
    lam = softplus(spread * z_lam + np.log(np.e - 1.0))
    return {"q": q, "k": k, "v": v, "alpha": np.exp(-a * softplus(z_alpha)), "lam": lam}


def _validate(q, k, v, alpha, lam):
    q, k, v = qkv(q, k, v)
    T = q.shape[0]
    alpha = as_gate("alpha", alpha, T)
    if alpha.ndim != 1:
        raise ValueError(f"alpha: expected one value per token, shape ({T},), got {alpha.shape}")
    lam = as_matrix("lam", lam, T, num_levels(T))
    return q, k, v, alpha, lam


def level_matrix(T: int) -> np.ndarray:
    """level(t, s) = bit length of t XOR s (0 on the diagonal); only s <= t is used."""
    t = np.arange(T)
    x = t[:, None] ^ t[None, :]
    lev = np.zeros((T, T), dtype=np.int64)
    while np.any(x):
        lev += x > 0
        x = x >> 1
    return lev


def _run(q, k, v, alpha, lam):
    T, d_k = q.shape
    L = lam.shape[1]
    S = np.zeros((L, v.shape[1], d_k))  # one state per level
    o = np.empty((T, v.shape[1]))
    states = np.empty((T,) + S.shape)
    for t in range(T):
        S = alpha[t] * S
        if t > 0:
            m = (t & -t).bit_length()  # t's lowest set bit, + 1
            S[m] = S[:m].sum(axis=0)  # Fenwick carry: the small buckets merge into one of size 2^(m-1)
            S[:m] = 0.0
        S[0] = np.outer(v[t], k[t])
        o[t] = np.einsum("l,lij,j->i", lam[t], S, q[t])
        states[t] = S
    return o, states


def recurrent(q, k, v, alpha, lam):
    return _run(*_validate(q, k, v, alpha, lam))[0]


def _masked(q, k, logw, lam_rows, levels):
    """sum over s <= t of lambda_t^(level) q_t.k_s prod alpha, for one block of positions."""
    G = np.cumsum(logw)
    C = len(G)
    causal = np.arange(C)[None, :] <= np.arange(C)[:, None]
    decay = np.exp(np.where(causal, G[:, None] - G[None, :], -np.inf))
    weight = np.take_along_axis(lam_rows, levels, axis=1)  # lambda_t^(level(t, s))
    return (q @ k.T) * decay * weight


def mixing_matrix(q, k, v, alpha, lam):
    q, k, v, alpha, lam = _validate(q, k, v, alpha, lam)
    return _masked(q, k, log_gate(alpha), lam, level_matrix(q.shape[0]))


def parallel(q, k, v, alpha, lam):
    return mixing_matrix(q, k, v, alpha, lam) @ qkv(q, k, v)[2]


def chunked(q, k, v, alpha, lam, chunk_size=16):
    """Intra-chunk masked form + a Fenwick tree of chunk states. chunk_size must be a power of two."""
    q, k, v, alpha, lam = _validate(q, k, v, alpha, lam)
    C = as_chunk_size(chunk_size)
    if C & (C - 1):
        raise ValueError(f"chunk_size must be a power of two for the Fenwick chunking, got {C}")
    c = C.bit_length() - 1
    T, d_k = q.shape
    logw = log_gate(alpha)
    intra_levels = level_matrix(C)
    n_chunks = -(-T // C)
    S = np.zeros((n_chunks.bit_length() + 1, v.shape[1], d_k))  # chunk-level Fenwick states
    o = np.empty((T, v.shape[1]))
    for n in range(n_chunks):
        r = slice(n * C, min(T, (n + 1) * C))
        n_tok = r.stop - r.start
        G = np.cumsum(logw[r])  # decay from the chunk start
        o[r] = _masked(q[r], k[r], logw[r], lam[r], intra_levels[:n_tok, :n_tok]) @ v[r]
        for lv in range(1, S.shape[0]):  # earlier chunks: chunk-level lv is token-level c + lv
            if c + lv < lam.shape[1]:
                o[r] += (lam[r, c + lv] * np.exp(G))[:, None] * (q[r] @ S[lv].T)
        # close the chunk: decay the old buckets across it, add it as level 0, carry as Fenwick does
        S[1:] *= np.exp(G[-1])
        S[0] = v[r].T @ (k[r] * np.exp(G[-1] - G)[:, None])
        m = ((n + 1) & -(n + 1)).bit_length()
        S[m] = S[:m].sum(axis=0)
        S[:m] = 0.0
    return o


def states(q, k, v, alpha, lam):
    """(T, L, d_v, d_k): every level's state after each step."""
    return _run(*_validate(q, k, v, alpha, lam))[1]
