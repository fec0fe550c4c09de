"""Hedgehog (Zhang, Bhatia, Kumbong and Re, 2024): linear attention with a learned feature map trained to
mimic softmax attention.

The feature map is one trainable linear layer per head followed by an element-wise exponential, applied to the
layer's output and to its negation (2 d features, all positive):

    phi(x) = [exp(W x + b), exp(-(W x + b))].

Attention is the normalised linear attention of Katharopoulos et al. with these features:

    S_t = S_{t-1} + v_t phi(k_t)^T,   z_t = z_{t-1} + phi(k_t),   o_t = S_t phi(q_t) / (z_t^T phi(q_t)).

W and b are trained (per head, for queries and keys separately) with a distillation loss, the cross-entropy
between these linear-attention weights and the softmax weights of the same q, k; that training happens
outside the mixer. The exponential keeps the weights spiky and monotonic in q . k, the two properties the
paper finds missing from earlier feature maps. Here W starts at the identity (as the released maps do),
scaled by a live parameter and perturbed a little so that the two maps differ.

Glossary (paper -> code)
    q, k (before phi)      q, k         (T, d) queries and keys
    W_q, b_q, W_k, b_k     Wq, bq, Wk, bk  (d, d), (d,) the trainable maps
    phi(q_t), phi(k_t)     fq, fk       (T, 2d) features
    S_t, z_t               S, z         (d_v, 2d) state and (2d,) normaliser
    A (mixing)             A            (T, T): row t is the attention of step t, it sums to 1

Forms
    recurrent   the step-by-step update
    parallel    O = D^{-1} (Phi_Q Phi_K^T o M) V
    chunked     the same by chunks (numerator with V, normaliser with a column of ones)
"""

import numpy as np

from ._check import qkv
from ._conv import as_param
from ._linear import as_chunk_size, diag_chunked, diag_mixing


def feature_map(x, W, b):
    """phi(x) = [exp(W x + b), exp(-(W x + b))] row by row: (T, d) -> (T, 2d)."""
    y = x @ W.T + b
    return np.concatenate([np.exp(y), np.exp(-y)], axis=1)


def inputs(T: int, d: int, rng: np.random.Generator, scale: float = 1.0) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d); maps W = scale (I + 0.1 N(0, 1/d)), b = 0 for queries and keys."""
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    q, k, v = (rng.standard_normal((T, d)) for _ in range(3))
    Wq, Wk = (scale * (np.eye(d) + 0.1 * rng.standard_normal((d, d)) / np.sqrt(d)) for _ in range(2))
    return {"q": q, "k": k, "v": v, "Wq": Wq, "bq": np.zeros(d), "Wk": Wk, "bk": np.zeros(d)}


def _features(q, k, v, Wq, bq, Wk, bk):
    q, k, v = qkv(q, k, v)
    d = q.shape[1]
    Wq, Wk = as_param("Wq", Wq, (d, d)), as_param("Wk", Wk, (d, d))
    bq, bk = as_param("bq", bq, (d,)), as_param("bk", bk, (d,))
    return feature_map(q, Wq, bq), feature_map(k, Wk, bk), v


def recurrent(q, k, v, Wq, bq, Wk, bk) -> np.ndarray:
    fq, fk, v = _features(q, k, v, Wq, bq, Wk, bk)
    S, z = np.zeros((v.shape[1], fk.shape[1])), np.zeros(fk.shape[1])
    o = np.empty(v.shape)
    for t in range(v.shape[0]):
        S = S + np.outer(v[t], fk[t])  # S_t = S_{t-1} + v_t phi(k_t)^T
        z = z + fk[t]  # z_t = z_{t-1} + phi(k_t)
        o[t] = S @ fq[t] / (z @ fq[t])  # o_t = S_t phi(q_t) / z_t^T phi(q_t)
    return o


def mixing_matrix(q, k, v, Wq, bq, Wk, bk) -> np.ndarray:
    """A = D^{-1} (Phi_Q Phi_K^T o M): every row is a distribution over the steps up to t."""
    fq, fk, _ = _features(q, k, v, Wq, bq, Wk, bk)
    A = diag_mixing(fq, fk, np.zeros(fq.shape[0]))  # no decay: a gate of exactly 1
    return A / A.sum(axis=1, keepdims=True)


def parallel(q, k, v, Wq, bq, Wk, bk) -> np.ndarray:
    return mixing_matrix(q, k, v, Wq, bq, Wk, bk) @ qkv(q, k, v)[2]


def chunked(q, k, v, Wq, bq, Wk, bk, chunk_size=16) -> np.ndarray:
    fq, fk, v = _features(q, k, v, Wq, bq, Wk, bk)
    cs, zero = as_chunk_size(chunk_size), np.zeros(v.shape[0])
    num, _ = diag_chunked(fq, fk, v, zero, cs)
    den, _ = diag_chunked(fq, fk, np.ones((v.shape[0], 1)), zero, cs)
    return num / den


def states(q, k, v, Wq, bq, Wk, bk) -> np.ndarray:
    """S_t after each step, (T, d_v, 2d)."""
    _, fk, v = _features(q, k, v, Wq, bq, Wk, bk)
    return np.cumsum(v[:, :, None] * fk[:, None, :], axis=0)
