"""MoBA, Mixture of Block Attention (Lu et al., Moonshot AI, 2025): each query reads its own block and the
top-scoring earlier blocks, chosen by the query against each block's mean-pooled key.

The cache is cut into blocks of B tokens, block i holding positions iB .. (i+1)B - 1. Query t scores every
block that ended before its own block starts with the parameter-free gate

    s_ti = q_t . kbar_i,    kbar_i = mean of k_j over block i,

always takes its own block c_t = floor(t / B), and takes the k - 1 best-scoring earlier blocks besides, as an
MoE router picks experts. Softmax attention then runs over the keys of the chosen blocks (the own block only
up to t):

    o_t = sum_{j in S_t} softmax_j(q_t . k_j / sqrt(d_k)) v_j,   S_t = {j <= t : floor(j / B) in I_t}.

Every token stays in the cache; each query reads at most k B of them. With k B >= T it is full attention.

Glossary (paper -> code)
    block size B                 block     tokens per block
    top-k (own block included)   top_k     k >= 1
    kbar_i                       Kbar      mean-pooled key of each finished block
    s_ti, g_ti                   s, chosen gate score of block i for query t; g = 1 for the chosen blocks

Forms
    recurrent   decode loop: append (k_t, v_t), pool a block when it finishes, route, softmax over chosen keys
    parallel    all gate scores at once, a (T, T) block mask, one masked softmax
"""

import numpy as np

from ._check import qkv
from ._softmax import cache_readout, softmax_rows
from ._sparse import block_mask, block_means, count, selected_blocks


def inputs(
    T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, block: int = 4, top_k: int = 2
) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d) (sigma scales q, k), the block size B and k."""
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    return {"q": q, "k": k, "v": v, "block": count(block, "block"), "top_k": count(top_k, "top_k")}


def recurrent(q, k, v, block, top_k) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    B, n = count(block, "block"), count(top_k, "top_k")
    T, d_k = q.shape
    Kbar = []  # one mean-pooled key per finished block: the router's only extra state
    o = np.empty((T, v.shape[1]))
    for t in range(T):
        c = t // B
        s = np.array(Kbar[:c]) @ q[t] if c else np.zeros(0)  # gate scores of the earlier blocks
        # own block first, then the best-scoring earlier ones (sorted is stable: ties go to the earlier block)
        chosen = [c] + sorted(range(c), key=lambda i: -s[i])[: n - 1]
        idx = np.concatenate([np.arange(i * B, min((i + 1) * B, t + 1)) for i in chosen])
        o[t] = cache_readout(k[idx] @ q[t] / np.sqrt(d_k), v[idx])
        if (t + 1) % B == 0:  # block c has just finished: pool its key for later queries
            Kbar.append(k[t + 1 - B : t + 1].mean(axis=0))
    return o


def selection(q, k, block, top_k) -> np.ndarray:
    """(T, T) boolean: key j is read by query t."""
    B, n = count(block, "block"), count(top_k, "top_k")
    T = q.shape[0]
    nb = -(-T // B)
    t = np.arange(T)[:, None]
    i = np.arange(nb)[None, :]
    c = t // B
    scores = np.full((T, nb), -np.inf)
    done = block_means(k, B)  # finished blocks only
    scores[:, : done.shape[0]] = q @ done.T
    scores = np.where(i < c, scores, -np.inf)  # only blocks that ended before the query's own block
    return block_mask(selected_blocks(scores, n, i == c), B, T)


def mixing_matrix(q, k, v, block, top_k) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return softmax_rows(q @ k.T / np.sqrt(q.shape[1]), selection(q, k, block, top_k))


def parallel(q, k, v, block, top_k) -> np.ndarray:
    return mixing_matrix(q, k, v, block, top_k) @ qkv(q, k, v)[2]
