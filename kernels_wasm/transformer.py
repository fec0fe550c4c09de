"""Transformer (Vaswani et al., 2017): causal scaled dot-product softmax attention, the root of the zoo.

Each query q_i scores every earlier key k_j by q_i . k_j / sqrt(d_k), turns the scores into weights with a
softmax over j <= i, and reads o_i = sum_j A_ij v_j. Nothing fades and nothing encodes position: the only
order the model sees is the causal mask. Its "state" is the KV cache, which grows by one (k_t, v_t) per step.

Glossary (paper -> code)
    Q, K, V          q, k, v        (T, d_k), (T, d_k), (T, d_v): one head's queries, keys and values
    1 / sqrt(d_k)    scale          temperature of the logits
    M                mask           causal mask: 0 where j <= i, -inf above the diagonal
    A                A              (T, T) attention weights, each row sums to 1
    KV cache         K_c, V_c       (t+1, d_k), (t+1, d_v): what step t reads

Forms
    recurrent   decode loop: append (k_t, v_t) to the cache, softmax of K_c q_t / sqrt(d_k) over the cache
    parallel    O = softmax(Q K^T / sqrt(d_k) + M) V, materialising the T x T weights
    chunked     FlashAttention tiles: online softmax with a running max, never builds T x T
"""

import numpy as np

from ._check import qkv
from ._softmax import attention_matrix, cache_readout, online_softmax


def inputs(T: int, d: int, rng: np.random.Generator, sigma: float = 1.0) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d); sigma scales q and k, so larger sigma means sharper attention."""
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
        K_c, V_c = k[: t + 1], v[: t + 1]  # the cache after appending (k_t, v_t)
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
    """No fixed-size state: the KV cache holds 2 (t+1) d numbers after step t and grows with the sequence."""
    qkv(q, k, v)
    return None
