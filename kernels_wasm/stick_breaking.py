"""Stick-breaking attention (Tan, Shen, Yang, Courville and Panda, 2024): weights by breaking a stick.

Instead of normalising exp(scores), each query breaks a unit-length stick. Walking back from the most
recent key, key j takes the fraction beta_ij = sigmoid(z_ij) of what is left, z_ij = q_i . k_j / sqrt(d_k):

    A_ij = beta_ij prod_{j < l < i} (1 - beta_il)        for j < i.

A close key with a high score takes most of the stick and hides everything behind it: recency bias comes
from the process itself, with no position encoding. The weights of earlier keys sum to less than 1; the
authors' reference implementation gives the leftover stick, prod_{l < i} (1 - beta_il), to the current
token's own value, so A_ii is that remainder and every row sums to exactly 1. This kernel does the same.

Glossary (paper -> code)
    z_ij                      z          q_i . k_j / sqrt(d_k)
    beta_ij                   beta       sigmoid(z_ij), the break point (fraction of the remaining stick)
    prod (1 - beta_il)        stick      what is left of query i's stick after keys i-1 .. j+1
    A                         A          (T, T) stick-breaking weights; A_ii = the leftover stick

Forms
    recurrent   decode loop: break query t's stick over the cached keys t-1, t-2, ..., 0, remainder to t
    parallel    all weights at once in log space,
                log A_ij = log sigmoid(z_ij) + sum_{j<l<i} log sigmoid(-z_il)
                (a reverse cumulative sum per row), as the paper's stable kernel does
"""

import numpy as np

from ._check import qkv
from ._softmax import log_sigmoid, sigmoid


def inputs(T: int, d: int, rng: np.random.Generator, sigma: float = 1.0) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d); sigma scales q and k (larger scores break the stick sooner)."""
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    return {"q": q, "k": k, "v": v}


def recurrent(q, k, v) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    T, d_k = q.shape
    o = np.empty((T, v.shape[1]))
    for t in range(T):
        beta = sigmoid(k[:t] @ q[t] / np.sqrt(d_k))  # (t,) break points for keys 0 .. t-1
        rest = sigmoid(-(k[:t] @ q[t]) / np.sqrt(d_k))  # 1 - beta, without cancellation
        # stick left before key j is broken: product of (1 - beta_l) over l = j+1 .. t-1 (newest first)
        left = np.cumprod(np.concatenate([[1.0], rest[::-1]]))  # left[n] = stick after the n newest keys
        weights = beta * left[:t][::-1]  # key j is reached after t-1-j newer keys
        o[t] = weights @ v[:t] + left[t] * v[t]  # the leftover stick goes to the current token
    return o


def mixing_matrix(q, k, v) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    T, d_k = q.shape
    z = q @ k.T / np.sqrt(d_k)
    earlier = np.tril(np.ones((T, T), dtype=bool), -1)  # l < i
    log_rest = np.where(earlier, log_sigmoid(-z), 0.0)  # log(1 - beta_il), only for l < i
    # after[i, j] = sum_{l > j} log_rest[i, l]: a reverse cumulative sum, shifted by one column
    rev = np.cumsum(log_rest[:, ::-1], axis=1)[:, ::-1]
    after = np.concatenate([rev[:, 1:], np.zeros((T, 1))], axis=1)
    A = np.where(earlier, np.exp(log_sigmoid(z) + after), 0.0)
    A[np.arange(T), np.arange(T)] = np.exp(rev[:, 0])  # the leftover stick: prod over all l < i
    return A


def parallel(q, k, v) -> np.ndarray:
    return mixing_matrix(q, k, v) @ np.asarray(v, dtype=np.float64)


def states(q, k, v) -> None:
    """No fixed-size state: decoding re-breaks the stick over the whole (growing) KV cache every step."""
    qkv(q, k, v)
    return None
