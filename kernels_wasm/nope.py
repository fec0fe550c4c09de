"""NoPE (Kazemnejad et al., 2023): a decoder-only Transformer with no positional encoding at all.

The paper's point is an omission: no sinusoids, no RoPE, no ALiBi. Causal softmax attention still knows
order, because the causal mask makes query i average over exactly i + 1 keys, and that count is a position
signal the network can read (the paper shows the first layer can recover absolute position from it). The
kernel is therefore exactly the Transformer's: logits q_i . k_j / sqrt(d_k), softmax over j <= i.

Glossary (paper -> code)
    Q, K, V          q, k, v        (T, d_k), (T, d_k), (T, d_v), one head, no position added anywhere
    M                mask           the causal mask, the only source of order
    A                A              (T, T) attention weights
    KV cache         K_c, V_c       (t+1, d_k), (t+1, d_v) at step t

Forms
    recurrent   decode loop over the KV cache
    parallel    O = softmax(Q K^T / sqrt(d_k) + M) V
    chunked     FlashAttention tiles (online softmax)
"""

import numpy as np

from ._check import qkv
from ._softmax import attention_matrix, cache_readout, online_softmax


def inputs(T: int, d: int, rng: np.random.Generator, sigma: float = 1.0) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d); sigma scales q and k (sharper or flatter attention)."""
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    return {"q": q, "k": k, "v": v}


def _tile(q, k):
    scale = 1.0 / np.sqrt(q.shape[1])
    return lambda rows, cols: (q[rows] @ k[cols].T) * scale


def recurrent(q, k, v) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    T, d_k = q.shape
    o = np.empty((T, v.shape[1]))
    for t in range(T):
        K_c, V_c = k[: t + 1], v[: t + 1]  # no rotation, no bias: the keys are cached as they come
        o[t] = cache_readout(K_c @ q[t] / np.sqrt(d_k), V_c)
    return o


def mixing_matrix(q, k, v) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return attention_matrix(_tile(q, k), q.shape[0])


def parallel(q, k, v) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return attention_matrix(_tile(q, k), q.shape[0]) @ v


def chunked(q, k, v, chunk_size: int = 16) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    return online_softmax(_tile(q, k), v, block=chunk_size)


def states(q, k, v) -> None:
    """No fixed-size state: the KV cache holds 2 (t+1) d numbers after step t."""
    qkv(q, k, v)
    return None
