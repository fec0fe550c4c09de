"""Log-Linear Attention (Guo et al., 2025): O(log T) states instead of one, organised as a Fenwick tree.

The past of token t is split into buckets whose sizes are powers of two (the Fenwick-tree decomposition of
[0, t]); each bucket keeps its own d_v x d_k state, and the query reads every bucket with its own weight
lambda_t^(l). Recent tokens sit in small buckets (read precisely), old ones in large buckets. The buckets
only regroup tokens: every state evolves with the transition of the underlying linear model. The paper's two
instances are both here: log-linear Mamba-2 (M_t = alpha_t I, the default) and log-linear Gated DeltaNet
(M_t = alpha_t (I - beta_t k_t k_t^T), when ``beta`` is given). lambda = 1 collapses the buckets back into one
state, giving Mamba-2 or Gated DeltaNet; alpha = 1 on top gives linear attention or DeltaNet.

Glossary (paper symbol -> code):
    q_t, k_t, v_t          q, k (T, d_k), v (T, d_v)
    alpha_t                alpha (T,)       scalar decay (Mamba-2's gate)
    beta_t                 beta (T,)        delta-rule strength, or None for log-linear Mamba-2
    lambda_t^(l)           lam (T, L)       level weights, L = ceil(log2 T) + 1 (softplus of a projection)
    level(t, s)            0 for s = t, else the bit length of t XOR s (0-indexed tokens)
    S_t^(l)                S[l] (d_v, d_k)  state of the level-l bucket at time t

Equations (as on the card), m_t = 1 + index of the lowest set bit of t:
    S_t^(l) = S_{t-1}^(l) M_t for l > m_t;  S_t^(m_t) = sum_{l < m_t} S_{t-1}^(l) M_t (the Fenwick carry);
    S_t^(l) = 0 for 0 < l < m_t;  S_t^(0) = beta_t v_t k_t^T (beta_t = 1 for Mamba-2)
    o_t = sum_l lambda_t^(l) S_t^(l) q_t
Parallel form: O = (A o M^H) V, A the underlying model's mixing matrix (Q K^T o Gamma for Mamba-2),
    M^H[t, s] = lambda_t^(level(t, s)).
Chunked (the paper's O(T log T) algorithm): inside a chunk of C = 2^c tokens the parallel form; between
chunks a Fenwick tree over chunk indices, since level(t, s) = c + bitlen(n XOR m) for chunks n != m.
"""

import numpy as np

from ._check import as_gate, as_matrix, qkv
from ._linear import (
    as_chunk_size,
    diag_mixing,
    dplr_chunk,
    dplr_mixing,
    gate_around,
    l2norm,
    log_gate,
    softplus,
)


def num_levels(T: int) -> int:
    """Levels a sequence of T tokens needs: ceil(log2 T) + 1."""
    return (T - 1).bit_length() + 1


def inputs(
    T: int, d: int, rng: np.random.Generator, a: float = 0.05, spread: float = 1.0, delta: float = 0
) -> dict:
    q = rng.standard_normal((T, d))
    k = rng.standard_normal((T, d))
    v = rng.standard_normal((T, d))
    z_alpha = rng.standard_normal(T)
    z_lam = rng.standard_normal((T, num_levels(T)))
    z_beta = rng.standard_normal(T)
    if a < 0:
        raise ValueError(f"decay strength a must be >= 0, got {a}")
    # softplus(log(e - 1)) = 1: spread = 0 gives lambda = 1, the single-state model
    lam = softplus(spread * z_lam + np.log(np.e - 1.0))
    x = {"q": q / np.sqrt(d), "k": k, "v": v, "alpha": np.exp(-a * softplus(z_alpha)), "lam": lam}
    if delta:  # log-linear Gated DeltaNet: unit keys and a write strength
        x.update(q=l2norm(q), k=l2norm(k), beta=gate_around(0.5, z_beta))
    return x


def _validate(q, k, v, alpha, lam, beta):
    q, k, v = qkv(q, k, v)
    T = q.shape[0]
    alpha = as_gate("alpha", alpha, T)
    if beta is not None:
        beta = as_gate("beta", beta, T)
    if alpha.ndim != 1 or (beta is not None and beta.ndim != 1):
        raise ValueError(f"alpha and beta: expected one value per token, shape ({T},)")
    lam = as_matrix("lam", lam, T, num_levels(T))
    return q, k, v, alpha, lam, beta


def level_matrix(T: int) -> np.ndarray:
    """level(t, s) = bit length of t XOR s (0 on the diagonal); only s <= t is used."""
    t = np.arange(T)
    x = t[:, None] ^ t[None, :]
    lev = np.zeros((T, T), dtype=np.int64)
    while np.any(x):
        lev += x > 0
        x = x >> 1
    return lev


def _run(q, k, v, alpha, lam, beta, read: bool = True):
    """The recurrence; read=False skips the readout (states() needs only the buckets)."""
    T, d_k = q.shape
    S = np.zeros((lam.shape[1], v.shape[1], d_k))  # one state per level
    o = np.empty((T, v.shape[1]))
    states = np.empty((T,) + S.shape)
    for t in range(T):
        # Every bucket evolves with the same transition M_t (alpha_t I, or alpha_t (I - beta_t k_t k_t^T)).
        S = S * alpha[t]
        if beta is not None:  # S (I - beta k k^T) in every bucket, as the rank-one update it is
            S = S - beta[t] * (S @ k[t])[..., None] * k[t]
        if t > 0:
            m = (t & -t).bit_length()  # t's lowest set bit, + 1
            S[m] = S[:m].sum(axis=0)  # Fenwick carry: the small buckets merge into one of size 2^(m-1)
            S[:m] = 0.0
        S[0] = np.outer(v[t], k[t]) * (1.0 if beta is None else beta[t])
        if read:
            o[t] = np.tensordot(lam[t], S, axes=1) @ q[t]  # sum_l lambda_t^(l) S^(l) q_t
        states[t] = S
    return o, states


def recurrent(q, k, v, alpha, lam, beta=None):
    return _run(*_validate(q, k, v, alpha, lam, beta))[0]



def _hierarchical(lam_rows, levels):
    return np.take_along_axis(lam_rows, levels, axis=1)  # M^H[t, s] = lambda_t^(level(t, s))


def _transition(k, alpha, beta):
    """The underlying model as diagonal-plus-low-rank: Mamba-2 (no low rank) or Gated DeltaNet."""
    if beta is None:
        return dict(logw=log_gate(alpha), a=np.zeros_like(k), b=np.zeros_like(k)), k
    return dict(logw=log_gate(alpha), a=-(alpha * beta)[:, None] * k, b=k), beta[:, None] * k


def mixing_matrix(q, k, v, alpha, lam, beta=None):
    q, k, v, alpha, lam, beta = _validate(q, k, v, alpha, lam, beta)
    if beta is None:
        A = diag_mixing(q, k, log_gate(alpha))  # Q K^T o Gamma
    else:
        tr, kw = _transition(k, alpha, beta)
        A = dplr_mixing(q, kw, **tr)
    return A * _hierarchical(lam, level_matrix(q.shape[0]))


def parallel(q, k, v, alpha, lam, beta=None):
    return mixing_matrix(q, k, v, alpha, lam, beta) @ qkv(q, k, v)[2]


def chunked(q, k, v, alpha, lam, beta=None, chunk_size=16):
    """Intra-chunk masked form + a Fenwick tree of chunk states. chunk_size must be a power of two."""
    q, k, v, alpha, lam, beta = _validate(q, k, v, alpha, lam, beta)
    C = as_chunk_size(chunk_size)
    if C & (C - 1):
        raise ValueError(f"chunk_size must be a power of two for the Fenwick chunking, got {C}")
    c = C.bit_length() - 1
    T, d_k = q.shape
    d_v = v.shape[1]
    tr, kw = _transition(k, alpha, beta)
    intra_levels = level_matrix(C)
    n_chunks = -(-T // C)
    S = np.zeros((n_chunks.bit_length() + 1, d_v, d_k))  # chunk-level Fenwick states
    o = np.empty((T, d_v))
    for n in range(n_chunks):
        r = slice(n * C, min(T, (n + 1) * C))
        n_tok = r.stop - r.start
        part = {key: val[r] for key, val in tr.items()}
        # intra-chunk: the chunk's own mixing matrix (one-hot values, empty start), times the level weights
        A, _ = dplr_chunk(q[r], kw[r], np.eye(n_tok), S0=np.zeros((n_tok, d_k)), **part)
        o[r] = (A * _hierarchical(lam[r], intra_levels[:n_tok, :n_tok])) @ v[r]
        # earlier chunks: carry each bucket through this chunk (no writes), read it with its level weight
        for lv in range(1, S.shape[0]):
            if c + lv < lam.shape[1] and np.any(S[lv]):
                o_lv, S[lv] = dplr_chunk(q[r], kw[r], np.zeros((n_tok, d_v)), S0=S[lv], **part)
                o[r] += lam[r, c + lv][:, None] * o_lv
        # close the chunk: it becomes chunk-level 0, then carry as Fenwick does
        _, S[0] = dplr_chunk(q[r], kw[r], v[r], S0=np.zeros((d_v, d_k)), **part)
        m = ((n + 1) & -(n + 1)).bit_length()
        S[m] = S[:m].sum(axis=0)
        S[:m] = 0.0
    return o


def states(q, k, v, alpha, lam, beta=None):
    """(T, L, d_v, d_k): every level's state after each step."""
    return _run(*_validate(q, k, v, alpha, lam, beta), read=False)[1]
