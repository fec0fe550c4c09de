"""Several query heads reading fewer key-value heads: the cache layout MQA, GQA and MLA are about.

A single-head kernel cannot show what these models change, because their point is how many keys and values
the cache holds per token, not the weights of one head. Their kernels therefore work on all heads at once,
time first as in the released code:

    q (T, H, d_k)      H query heads
    k (T, G, d_k)      G key-value heads, G divides H; the cache holds 2 G d numbers per token
    v (T, G, d_v)

Query head h reads KV head g(h) = floor(h / (H/G)): the H/G query heads of a group are neighbours, as in
Mesh TensorFlow's [heads, query_heads] layout and in the repeat_kv / enable_gqa convention of later code.
G = H is multi-head attention, G = 1 is multi-query attention.

The mixing matrix of such a kernel has one (T, T) slice per query head, A (H, T, T), and the output
concatenates the heads (what the output projection W^O reads):

    o_t = [o_{t,1}; ...; o_{t,H}] in R^{H d_v},    o_{t,h} = sum_s A[h, t, s] v_{s, g(h)}
"""

import numpy as np

from ._softmax import attention_matrix, online_softmax


def as_heads(name: str, x, T: int | None = None, n: int | None = None, d: int | None = None) -> np.ndarray:
    """Return ``x`` as a float64 (T, n, d) array (time, heads, width), or raise ValueError naming it."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{name}: expected a real-valued array, got dtype {arr.dtype}")
    if arr.ndim != 3:
        raise ValueError(f"{name}: expected shape (T, heads, d), got {arr.shape}")
    for axis, (want, what) in enumerate(((T, "time steps"), (n, "heads"), (d, "channels per head"))):
        if want is not None and arr.shape[axis] != want:
            raise ValueError(f"{name}: expected {want} {what}, got {arr.shape[axis]} (shape {arr.shape})")
    return arr.astype(np.float64, copy=False)


def grouped_qkv(q, k, v) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate q (T, H, d_k), k (T, G, d_k), v (T, G, d_v) with G dividing H."""
    q = as_heads("q", q)
    T, H, d_k = q.shape
    k = as_heads("k", k, T, None, d_k)
    v = as_heads("v", v, T, k.shape[1])
    if H % k.shape[1]:
        raise ValueError(f"the {k.shape[1]} key-value heads must divide the {H} query heads")
    return q, k, v


def kv_head(H: int, G: int) -> np.ndarray:
    """g(h) for h = 0 .. H-1: the KV head each query head reads."""
    return np.arange(H) // (H // G)


def concat(o: np.ndarray) -> np.ndarray:
    """(T, H, d_v) per-head outputs -> (T, H d_v), heads side by side."""
    return o.reshape(o.shape[0], -1)


def apply(A: np.ndarray, v: np.ndarray) -> np.ndarray:
    """o = A v for a head-structured A (H, T, T) and values v (T, G, d_v): returns (T, H d_v)."""
    g = kv_head(A.shape[0], v.shape[1])
    return concat(np.einsum("hts,shc->thc", A, v[:, g]))


def mixing(tile_of, H: int, T: int, window: int | None = None) -> np.ndarray:
    """A (H, T, T): the masked softmax of each head's logits; ``tile_of(h)`` is head h's tile function."""
    return np.stack([attention_matrix(tile_of(h), T, window) for h in range(H)])


def online(tile_of, v: np.ndarray, H: int, block: int, window: int | None = None) -> np.ndarray:
    """The FlashAttention form, head by head, each head over its KV head's values: returns (T, H d_v)."""
    g = kv_head(H, v.shape[1])
    return concat(np.stack([online_softmax(tile_of(h), v[:, g[h]], block, window) for h in range(H)], axis=1))
