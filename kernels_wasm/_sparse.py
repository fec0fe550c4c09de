"""What the sparse-selection kernels share (NSA, MoBA, DSA, BigBird): every key stays in the cache, and a
query reads a chosen subset of it through a softmax restricted to that subset.

    count(value, name, low)            a live integer parameter (block size, top-n, window), checked
    block_means(x, B)                  mean of each complete block of B rows: its pooled key (or value)
    selected_blocks(scores, n, forced) per query, the forced blocks plus the best-scoring others, n in all
    block_mask(sel, B, T)              blocks per query -> the (T, T) boolean mask of the keys they hold
    masked_softmax(logits, mask)       row softmax over a mask that may be empty (an empty row reads 0)

The recurrent forms do their selection step by step in their own loop; these helpers feed the parallel forms
and the mixing matrices, so the two are independent computations of the same choice.
"""

import numpy as np


def count(value, name: str, low: int = 1) -> int:
    """A live integer parameter (the browser sends floats): round it and hold it to its lower bound."""
    n = int(round(float(value)))
    if n < low:
        raise ValueError(f"{name}: expected an integer >= {low}, got {value}")
    return n


def block_means(x: np.ndarray, B: int) -> np.ndarray:
    """(T // B, d): row b is the mean of x[b B : (b + 1) B]; an unfinished last block has no mean yet."""
    nb = x.shape[0] // B
    return x[: nb * B].reshape(nb, B, x.shape[1]).mean(axis=1)


def selected_blocks(scores: np.ndarray, n: int, forced: np.ndarray) -> np.ndarray:
    """Boolean (T, nb): per row, every forced block, then the highest scores until n blocks are chosen.

    scores is -inf where a block may not be chosen by score (not yet complete, in the future). Ties go to the
    earlier block, as a stable sort gives them; the recurrent forms break ties the same way.
    """
    key = np.where(forced, np.inf, scores)
    order = np.argsort(-key, axis=1, kind="stable")[:, :n]
    chosen = np.zeros(scores.shape, dtype=bool)
    np.put_along_axis(chosen, order, True, axis=1)
    return chosen & (forced | np.isfinite(scores))  # fewer than n candidates: never pad with -inf blocks


def block_mask(sel: np.ndarray, B: int, T: int) -> np.ndarray:
    """(T, T): key j is read by query t iff its block j // B is selected for t, and j <= t."""
    cols = np.arange(T) // B
    mask = np.zeros((T, T), dtype=bool)
    inside = cols < sel.shape[1]
    mask[:, inside] = sel[:, cols[inside]]
    return mask & np.tri(T, dtype=bool)


def masked_softmax(logits: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Row softmax over the True entries; a row with none gets all zeros (that branch reads nothing)."""
    z = np.where(mask, logits, -np.inf)
    m = np.max(z, axis=-1, keepdims=True, initial=-np.inf)
    e = np.exp(z - np.where(np.isfinite(m), m, 0.0))
    total = np.sum(e, axis=-1, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)
