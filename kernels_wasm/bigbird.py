"""BigBird (Zaheer et al., 2020), causal form: a sliding window, a few global tokens and a few random keys.

BigBird's sparse attention gives every query three kinds of keys: the w nearest tokens (window), g global
tokens that every query reads and that read every token, and r keys drawn at random. In a causal decoder the
future is masked out of the same pattern: query t reads

    S_t = { t - W < j <= t }  u  { j < G }  u  R_t,       R_t = r random earlier positions, fixed in advance,

    o_t = sum_{j in S_t} softmax_j(q_t . k_j / sqrt(d_k)) v_j.

The global tokens are the first G positions (the only ones every later query can see); a query among them
reads everything before it, as a global token should. The pattern depends on positions only, never on the
content, so it is fixed before the model runs. Because the random keys reach anywhere in the past, decoding
keeps the whole cache; each query reads at most W + G + r keys of it.

Glossary (paper -> code)
    w (window)            window     W: keys t - W + 1 .. t
    g (global tokens)     n_global   G: positions 0 .. G - 1
    r (random keys)       n_random   r per query
    R_t                   links      (T, r) int array: the random keys of query t, -1 where none is left

Forms
    recurrent   decode loop over the full cache: gather window, globals and links, softmax over them
    parallel    one (T, T) mask for the whole pattern and a masked softmax
"""

import numpy as np

from ._check import qkv
from ._softmax import cache_readout, softmax_rows, visible
from ._sparse import count


def inputs(
    T: int, d: int, rng: np.random.Generator,
    sigma: float = 1.0, window: int = 3, n_global: int = 2, n_random: int = 2,
) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d) (sigma scales q, k) and the random links, drawn once from rng."""
    W, G, r = count(window, "window"), count(n_global, "n_global", 0), count(n_random, "n_random", 0)
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    links = np.full((T, r), -1, dtype=np.int64)
    for t in range(T):
        # random keys are drawn among the earlier tokens the window and the globals do not already give
        pool = np.arange(G, max(G, t - W + 1))
        pick = rng.choice(pool, size=min(r, pool.size), replace=False) if pool.size else pool
        links[t, : pick.size] = np.sort(pick)
    return {"q": q, "k": k, "v": v, "window": W, "n_global": G, "links": links}


def _links(links, T: int) -> np.ndarray:
    arr = np.asarray(links)
    if arr.dtype.kind not in "iu" or arr.ndim != 2 or arr.shape[0] != T:
        raise ValueError(f"links: expected an integer array of shape ({T}, r), got {arr.dtype} {arr.shape}")
    if np.any((arr < -1) | (arr > np.arange(T)[:, None])):
        raise ValueError("links: every random key must be an earlier position j <= t (or -1 for none)")
    return arr


def recurrent(q, k, v, window, n_global, links) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    T, d_k = q.shape
    W, G, links = count(window, "window"), count(n_global, "n_global", 0), _links(links, T)
    o = np.empty((T, v.shape[1]))
    for t in range(T):
        S_t = set(range(max(0, t - W + 1), t + 1))  # window
        S_t |= set(range(min(G, t + 1)))  # global tokens
        S_t |= {j for j in links[t] if j >= 0}  # random keys
        idx = np.array(sorted(S_t))
        o[t] = cache_readout(k[idx] @ q[t] / np.sqrt(d_k), v[idx])
    return o


def pattern(T: int, window, n_global, links) -> np.ndarray:
    """(T, T) boolean: the keys query t reads (window | globals | random links), all j <= t."""
    W, G, links = count(window, "window"), count(n_global, "n_global", 0), _links(links, T)
    rows = cols = slice(0, T)
    mask = visible(rows, cols, W) | (visible(rows, cols) & (np.arange(T) < G)[None, :])
    t, slot = np.nonzero(links >= 0)
    mask[t, links[t, slot]] = True
    return mask


def mixing_matrix(q, k, v, window, n_global, links) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return softmax_rows(q @ k.T / np.sqrt(q.shape[1]), pattern(q.shape[0], window, n_global, links))


def parallel(q, k, v, window, n_global, links) -> np.ndarray:
    return mixing_matrix(q, k, v, window, n_global, links) @ qkv(q, k, v)[2]
