"""Native Sparse Attention, NSA (Yuan et al., DeepSeek, 2025): three gated softmax branches, one full cache.

Every key and value stays in the cache; what is capped is how many of them a query reads. Query t reads

    o_t = sum over c in {cmp, slc, win} of g^c_t Attn(q_t, K^c_t, V^c_t)

    compressed  K^cmp_t = [ phi(k_{bB : (b+1)B}) for every block b finished by t ],  phi = mean over the block
    selected    p_t = softmax(K^cmp_t q_t / sqrt(d_k)) ranks the blocks; I_t = the first block, the query's
                own block and the one before it, plus the best-ranked others, n blocks in all; K^slc_t = the
                keys of the blocks in I_t (those j <= t)
    window      K^win_t = k_{t-W+1 : t}

with Attn(q, K, V) = V^T softmax(K q / sqrt(d_k)) and gates g^c_t in (0, 1). A branch with nothing to read yet
(the compressed branch before the first block is finished) contributes 0. Each branch is linear in v given the
selection, so o = A v with A = g^cmp A^cmp + g^slc A^slc + g^win A^win: A^cmp spreads block b's weight
evenly over its B tokens (mean pooling); A^slc and A^win are softmaxes restricted to the selected blocks and
the window.

Glossary (paper -> code)
    l = d = l' (block length, stride, selection block)   block    B: compression blocks do not overlap here
    n (selected blocks, incl. 1 initial + 2 local)        top_n    n >= 3
    w (sliding window)                                   window   W
    g^cmp_t, g^slc_t, g^win_t                            g_cmp, g_slc, g_win   (T,) gates in (0, 1)
    K^cmp, V^cmp                                         Kc, Vc   compressed cache, one row per finished block
    p^cmp_t                                              p        (number of finished blocks,) block scores
    I_t                                                  chosen   the selected block indices of query t

Forms
    recurrent   decode loop: append (k_t, v_t) to the full cache, pool a block when it finishes, select, read
    parallel    the three branches for all queries at once, from (T, T) masks and the (T, T / B) block scores
"""

import numpy as np

from ._check import as_gate, qkv
from ._softmax import cache_readout, sigmoid, softmax_rows, visible
from ._sparse import block_mask, block_means, count, masked_softmax, selected_blocks


def inputs(
    T: int, d: int, rng: np.random.Generator,
    sigma: float = 1.0, block: int = 4, top_n: int = 3, window: int = 4,
) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d) (sigma scales q, k), gates sigmoid(N(0, 1)) and the three sizes."""
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    g_cmp, g_slc, g_win = sigmoid(rng.standard_normal((3, T)))
    return {
        "q": q, "k": k, "v": v, "g_cmp": g_cmp, "g_slc": g_slc, "g_win": g_win,
        "block": count(block, "block"), "top_n": count(top_n, "top_n", 3), "window": count(window, "window"),
    }


def _check(q, k, v, g_cmp, g_slc, g_win, block, top_n, window):
    q, k, v = qkv(q, k, v)
    T = q.shape[0]
    gates = [as_gate(name, g, T) for name, g in (("g_cmp", g_cmp), ("g_slc", g_slc), ("g_win", g_win))]
    sizes = (count(block, "block"), count(top_n, "top_n", 3), count(window, "window"))
    return q, k, v, gates, sizes


def recurrent(q, k, v, g_cmp, g_slc, g_win, block, top_n, window) -> np.ndarray:
    q, k, v, (g_cmp, g_slc, g_win), (B, n, W) = _check(q, k, v, g_cmp, g_slc, g_win, block, top_n, window)
    T, d_k = q.shape
    scale = 1.0 / np.sqrt(d_k)
    Kc, Vc = [], []  # the compressed cache: one pooled key and value per finished block
    o = np.empty((T, v.shape[1]))
    for t in range(T):
        K, V = k[: t + 1], v[: t + 1]  # the full cache: nothing is ever evicted
        if (t + 1) % B == 0:  # block (t + 1) / B - 1 has just finished: pool it
            Kc.append(K[-B:].mean(axis=0))
            Vc.append(V[-B:].mean(axis=0))
        s = K @ q[t] * scale
        # compressed branch, and its scores p_t that rank the blocks for selection
        p = softmax_rows(np.array(Kc) @ q[t] * scale, np.ones(len(Kc), dtype=bool)) if Kc else np.zeros(0)
        o_cmp = p @ np.array(Vc) if Kc else 0.0
        # selected branch: always the first block, the query's own block and the one before it
        c = t // B
        chosen = sorted({0, max(c - 1, 0), c})
        # the best-scoring finished blocks fill the rest (sorted is stable: ties go to the earlier block)
        ranked = sorted((b for b in range(len(p)) if b not in chosen), key=lambda b: -p[b])
        chosen += ranked[: max(n - len(chosen), 0)]
        idx = np.concatenate([np.arange(b * B, min((b + 1) * B, t + 1)) for b in chosen])
        o_slc = cache_readout(s[idx], V[idx])
        # sliding-window branch
        lo = max(0, t - W + 1)
        o_win = cache_readout(s[lo:], V[lo:])
        o[t] = g_cmp[t] * o_cmp + g_slc[t] * o_slc + g_win[t] * o_win
    return o


def branches(q, k, v, g_cmp, g_slc, g_win, block, top_n, window) -> dict:
    """The block scores P (T, T // B), the branch matrices A^cmp, A^slc, A^win ((T, T), o = A v), the mask."""
    q, k, v, _, (B, n, W) = _check(q, k, v, g_cmp, g_slc, g_win, block, top_n, window)
    T, d_k = q.shape
    scale = 1.0 / np.sqrt(d_k)
    logits = q @ k.T * scale
    t = np.arange(T)[:, None]
    b = np.arange(T // B)[None, :]
    finished = (b + 1) * B - 1 <= t  # block b is pooled once its last token is in the past
    P = masked_softmax(q @ block_means(k, B).T * scale, finished)  # (T, T // B) block scores p_t
    A_cmp = np.repeat(P, B, axis=1) / B  # mean pooling: block b's weight spread over its B keys
    A_cmp = np.pad(A_cmp, ((0, 0), (0, T - A_cmp.shape[1])))
    c = t // B
    nb = -(-T // B)  # blocks including an unfinished last one, which can still be forced
    bb = np.arange(nb)[None, :]
    forced = ((bb == 0) | (bb == c) | (bb == c - 1)) & (bb <= c)
    scores = np.pad(np.where(finished, P, -np.inf), ((0, 0), (0, nb - P.shape[1])), constant_values=-np.inf)
    sel = block_mask(selected_blocks(scores, n, forced), B, T)
    rows = cols = slice(0, T)
    return {
        "P": P,
        "cmp": A_cmp,
        "slc": softmax_rows(logits, sel),
        "win": softmax_rows(logits, visible(rows, cols, W)),
        "selected": sel,
    }


def mixing_matrix(q, k, v, g_cmp, g_slc, g_win, block, top_n, window) -> np.ndarray:
    A = branches(q, k, v, g_cmp, g_slc, g_win, block, top_n, window)
    _, _, _, (g_cmp, g_slc, g_win), _ = _check(q, k, v, g_cmp, g_slc, g_win, block, top_n, window)
    return g_cmp[:, None] * A["cmp"] + g_slc[:, None] * A["slc"] + g_win[:, None] * A["win"]


def parallel(q, k, v, g_cmp, g_slc, g_win, block, top_n, window) -> np.ndarray:
    """The three branch outputs for all queries at once, then the gated sum."""
    A = branches(q, k, v, g_cmp, g_slc, g_win, block, top_n, window)
    q, k, v, (g_cmp, g_slc, g_win), _ = _check(q, k, v, g_cmp, g_slc, g_win, block, top_n, window)
    o_cmp = A["P"] @ block_means(v, count(block, "block"))  # the pooled values V^cmp, read by p_t
    return g_cmp[:, None] * o_cmp + g_slc[:, None] * (A["slc"] @ v) + g_win[:, None] * (A["win"] @ v)
