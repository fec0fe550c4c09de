"""Differential attention (Ye et al., Diff Transformer, 2024): the difference of two softmax maps.

Each head splits its query and key into two halves and computes two causal softmax attention maps over the
same values. The second map, scaled by a learnable lambda, is subtracted from the first:

    A = softmax(Q_1 K_1^T / sqrt(d) + M) - lambda softmax(Q_2 K_2^T / sqrt(d) + M),     O = A V

Weight that both maps give alike (attention spread over irrelevant context, "noise") cancels, while a key that
only the first map picks out keeps its weight: the maps become sparse, like a differential amplifier that
rejects the common mode. The weights of a row now sum to 1 - lambda and may be negative. lambda is
reparametrised by four learned vectors and a depth-dependent initial value,

    lambda = exp(lambda_q1 . lambda_k1) - exp(lambda_q2 . lambda_k2) + lambda_init,
    lambda_init = 0.8 - 0.6 exp(-0.3 (l - 1))    (layer l = 1 .. L)

With lambda = 0 the head is the Transformer with queries Q_1 and keys K_1. (Each head's output then goes
through an RMSNorm and a factor 1 - lambda_init in the layer; that normalisation is not linear in V and
sits outside the mixer, in the block.)

Glossary (paper -> code)
    Q_1, Q_2 / K_1, K_2     q1, q2 / k1, k2     (T, d) the two halves of the head's queries and keys
    V                       v                   (T, 2d) values (twice the half width, as in the paper)
    lambda_q1 ... lambda_k2 lambda_q1 ...       (d,) learned vectors (initialised N(0, 0.1^2) in the code)
    lambda_init, l          lambda_init, layer  the initial value and the layer index it depends on
    A                       A                   (T, T) differential weights; rows sum to 1 - lambda

Forms
    recurrent   decode loop: both softmaxes over the same KV cache (the cache keeps two key halves), subtract
    parallel    O = (softmax(Q_1 K_1^T / sqrt(d) + M) - lambda softmax(Q_2 K_2^T / sqrt(d) + M)) V
    chunked     two FlashAttention passes, subtracted
"""

import numpy as np

from ._check import as_matrix, qkv
from ._softmax import attention_matrix, cache_readout, online_softmax


def lambda_init(layer: float) -> float:
    """The paper's depth schedule: lambda_init = 0.8 - 0.6 exp(-0.3 (l - 1)) for layer l = 1, 2, ..."""
    return 0.8 - 0.6 * np.exp(-0.3 * (float(layer) - 1.0))


def inputs(T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, layer: int = 4) -> dict:
    """Seeded q1, q2, k1, k2 ~ N(0, 1) (T, d) (sigma scales them), v (T, 2d) and the lambda vectors, drawn
    N(0, 0.1^2) as the released code initialises them; lambda_init from the layer index l >= 1."""
    if not float(layer) >= 1:
        raise ValueError(f"layer: expected a layer index >= 1, got {layer}")
    q1, q2, k1, k2 = (rng.standard_normal((T, d)) * sigma for _ in range(4))
    v = rng.standard_normal((T, 2 * d))
    lq1, lk1, lq2, lk2 = (rng.normal(0.0, 0.1, d) for _ in range(4))
    return {
        "q1": q1, "q2": q2, "k1": k1, "k2": k2, "v": v,
        "lambda_q1": lq1, "lambda_k1": lk1, "lambda_q2": lq2, "lambda_k2": lk2,
        "lambda_init": lambda_init(layer),
    }  # fmt: skip


def _check(q1, q2, k1, k2, v, lambda_q1, lambda_k1, lambda_q2, lambda_k2, lambda_init):
    q1, k1, v = qkv(q1, k1, v)
    T, d = q1.shape
    q2, k2 = as_matrix("q2", q2, T, d), as_matrix("k2", k2, T, d)
    vecs = []
    for name, x in (("lambda_q1", lambda_q1), ("lambda_k1", lambda_k1), ("lambda_q2", lambda_q2),
                    ("lambda_k2", lambda_k2)):  # fmt: skip
        arr = np.asarray(x)
        if arr.dtype.kind not in "fiu" or arr.shape != (d,):
            raise ValueError(f"{name}: expected a real vector of shape ({d},), got {arr.dtype} {arr.shape}")
        vecs.append(arr.astype(np.float64))
    lq1, lk1, lq2, lk2 = vecs
    lam = np.exp(lq1 @ lk1) - np.exp(lq2 @ lk2) + float(lambda_init)  # the paper's reparametrisation
    return q1, q2, k1, k2, v, lam


def _tile(q, k):
    scale = 1.0 / np.sqrt(q.shape[1])
    return lambda rows, cols: (q[rows] @ k[cols].T) * scale


def recurrent(q1, q2, k1, k2, v, lambda_q1, lambda_k1, lambda_q2, lambda_k2, lambda_init) -> np.ndarray:
    q1, q2, k1, k2, v, lam = _check(
        q1, q2, k1, k2, v, lambda_q1, lambda_k1, lambda_q2, lambda_k2, lambda_init
    )
    T, d = q1.shape
    o = np.empty((T, v.shape[1]))
    for t in range(T):
        K1, K2, V = k1[: t + 1], k2[: t + 1], v[: t + 1]  # the cache: both key halves and the values
        o[t] = cache_readout(K1 @ q1[t] / np.sqrt(d), V) - lam * cache_readout(K2 @ q2[t] / np.sqrt(d), V)
    return o


def mixing_matrix(q1, q2, k1, k2, v, lambda_q1, lambda_k1, lambda_q2, lambda_k2, lambda_init) -> np.ndarray:
    q1, q2, k1, k2, v, lam = _check(
        q1, q2, k1, k2, v, lambda_q1, lambda_k1, lambda_q2, lambda_k2, lambda_init
    )
    T = q1.shape[0]
    return attention_matrix(_tile(q1, k1), T) - lam * attention_matrix(_tile(q2, k2), T)


def parallel(q1, q2, k1, k2, v, lambda_q1, lambda_k1, lambda_q2, lambda_k2, lambda_init) -> np.ndarray:
    A = mixing_matrix(q1, q2, k1, k2, v, lambda_q1, lambda_k1, lambda_q2, lambda_k2, lambda_init)
    return A @ np.asarray(v, dtype=np.float64)


def chunked(
    q1, q2, k1, k2, v, lambda_q1, lambda_k1, lambda_q2, lambda_k2, lambda_init, chunk_size: int = 16
) -> np.ndarray:
    q1, q2, k1, k2, v, lam = _check(
        q1, q2, k1, k2, v, lambda_q1, lambda_k1, lambda_q2, lambda_k2, lambda_init
    )
    return online_softmax(_tile(q1, k1), v, chunk_size) - lam * online_softmax(_tile(q2, k2), v, chunk_size)


def states(q1, q2, k1, k2, v, lambda_q1, lambda_k1, lambda_q2, lambda_k2, lambda_init) -> None:
    """No fixed-size state: the cache holds both key halves and the values, 4 d numbers per step."""
    _check(q1, q2, k1, k2, v, lambda_q1, lambda_k1, lambda_q2, lambda_k2, lambda_init)
    return None
