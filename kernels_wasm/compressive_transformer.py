"""Compressive Transformer (Rae, Potapenko, Jayakumar and Lillicrap, 2019): a Transformer-XL memory whose
evicted entries are compressed into a second, coarser memory instead of being dropped.

The sequence is processed in segments of n_s tokens. A query attends, with one softmax, over three tiers:

    the current segment, causally;
    the memory: the n_m entries before the segment (here n_m = n_s, the previous segment);
    the compressed memory: n_cm slots, each one compressed from c evicted entries.

At each segment boundary the n_s oldest memory entries are evicted, compressed c at a time into n_s / c new
slots (f_c = mean pooling here), and appended to the compressed memory, which drops its oldest slots beyond
n_cm (FIFO). The whole memory is bounded: n_cm + n_m + n_s entries, covering c n_cm + n_m + n_s tokens.
Mean pooling is linear, so a compressed slot's weight is spread evenly over its c tokens and o = A v.

Glossary (paper -> code)
    n_s (segment)             seg           n_s = m c tokens (m = per_segment slots produced per segment)
    n_m (memory)              mem_k, mem_v  n_m = n_s: the previous segment
    n_cm (compressed memory)  slots         compressed slots kept (FIFO)
    c (compression rate)      rate          entries merged into one slot
    f_c                       mean          mean over c consecutive evicted entries

Forms
    recurrent   the segment loop token by token: compress and shift at each boundary, softmax over the tiers
    parallel    the tiers as (T, T) and (T, T / c) masks, one softmax over both
"""

import numpy as np

from ._check import qkv
from ._softmax import cache_readout
from ._sparse import block_means, count, masked_softmax


def inputs(
    T: int, d: int, rng: np.random.Generator,
    sigma: float = 1.0, rate: int = 2, per_segment: int = 2, slots: int = 4,
) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d) (sigma scales q, k) and the sizes: c, n_s / c and n_cm."""
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    return {
        "q": q, "k": k, "v": v,
        "rate": count(rate, "rate"), "per_segment": count(per_segment, "per_segment"),
        "slots": count(slots, "slots", 0),
    }


def _sizes(rate, per_segment, slots):
    c = count(rate, "rate")
    return c, count(per_segment, "per_segment") * c, count(slots, "slots", 0)


def _steps(q, k, v, rate, per_segment, slots, read: bool = True):
    """The literal segment loop; yields (t, o_t, compressed memory, memory, segment): (keys, values) each.
    read=False skips the readout (o_t is None): states() needs only the memories."""
    q, k, v = qkv(q, k, v)
    c, n_s, n_cm = _sizes(rate, per_segment, slots)
    T, d_k = q.shape
    empty = (np.zeros((0, d_k)), np.zeros((0, v.shape[1])))
    cmem, mem, seg = empty, empty, empty
    for t in range(T):
        if t % n_s == 0 and t > 0:  # segment boundary
            # evict the n_s oldest memory entries (all of them: n_m = n_s), compress them c at a time
            new = [block_means(x, c) for x in mem]
            drop = max(0, len(cmem[0]) + len(new[0]) - n_cm)  # FIFO: the oldest slots beyond n_cm go
            cmem = (np.concatenate([cmem[0], new[0]])[drop:], np.concatenate([cmem[1], new[1]])[drop:])
            mem, seg = seg, empty  # the finished segment becomes the memory
        seg = (np.vstack([seg[0], k[t]]), np.vstack([seg[1], v[t]]))
        if not read:
            yield t, None, cmem, mem, seg
            continue
        K = np.concatenate([cmem[0], mem[0], seg[0]])
        V = np.concatenate([cmem[1], mem[1], seg[1]])
        yield t, cache_readout(K @ q[t] / np.sqrt(d_k), V), cmem, mem, seg


def recurrent(q, k, v, rate, per_segment, slots) -> np.ndarray:
    return np.array([o_t for _, o_t, *_ in _steps(q, k, v, rate, per_segment, slots)]).reshape(len(q), -1)


def states(q, k, v, rate, per_segment, slots) -> np.ndarray:
    """The bounded memory after each step, (T, n_cm + 2 n_s, d_k + d_v): [keys | values] of the compressed
    memory, the memory and the segment, in that order, zero where a tier is not full yet."""
    c, n_s, n_cm = _sizes(rate, per_segment, slots)
    q, k, v = qkv(q, k, v)
    d_k = k.shape[1]
    out = np.zeros((len(q), n_cm + 2 * n_s, d_k + v.shape[1]))
    for t, _, *tiers in _steps(q, k, v, rate, per_segment, slots, read=False):
        row = 0  # first row of the tier in the stacked memory
        for (K, V), size in zip(tiers, (n_cm, n_s, n_s), strict=True):
            out[t, row : row + len(K), :d_k] = K
            out[t, row : row + len(V), d_k:] = V
            row += size
    return out


def _weights(q, k, v, rate, per_segment, slots):
    """A^raw (T, T) over single tokens and A^cmp (T, T // c) over compressed slots, from one softmax."""
    q, k, v = qkv(q, k, v)
    c, n_s, n_cm = _sizes(rate, per_segment, slots)
    T, d_k = q.shape
    t = np.arange(T)[:, None]
    start = t // n_s * n_s  # first token of the query's segment
    j = np.arange(T)[None, :]
    raw = (start - n_s <= j) & (j <= t)  # memory (previous segment) and the segment so far
    g = np.arange(T // c)[None, :]
    # slot g holds tokens g c .. (g + 1) c - 1; they have been evicted once the memory has moved past them
    evicted = (g + 1) * c <= start - n_s
    cmp = evicted & (g >= (start - n_s) // c - n_cm)  # only the n_cm most recent slots remain
    logits = np.concatenate([q @ k.T, q @ block_means(k, c).T], axis=1) / np.sqrt(d_k)
    A = masked_softmax(logits, np.concatenate([raw, cmp], axis=1))
    return A[:, :T], A[:, T:]


def mixing_matrix(q, k, v, rate, per_segment, slots) -> np.ndarray:
    A_raw, A_cmp = _weights(q, k, v, rate, per_segment, slots)
    c = count(rate, "rate")
    spread = np.repeat(A_cmp, c, axis=1) / c  # a slot's weight spread over its c tokens
    return A_raw + np.pad(spread, ((0, 0), (0, A_raw.shape[1] - spread.shape[1])))


def parallel(q, k, v, rate, per_segment, slots) -> np.ndarray:
    A_raw, A_cmp = _weights(q, k, v, rate, per_segment, slots)
    v = qkv(q, k, v)[2]
    return A_raw @ v + A_cmp @ block_means(v, count(rate, "rate"))
