"""Gated attention (Qiu et al., 2025): a sigmoid gate on each head's attention output, from the token's input.

Causal softmax attention as in the Transformer, then, before the heads are concatenated and projected, every
channel of the head's output is multiplied by a gate in (0, 1) computed from the same token's input:

    y_t = sum_{j<=t} softmax_j( q_t . k_j / sqrt(d_k) ) v_j,     o_t = sigma(z_t) * y_t,   z_t = W_theta x_t

The gate is head-specific (each head has its own W_theta) and query-dependent (it belongs to the token that
asks, not to the keys). The paper traces its gains to two things: a nonlinearity between the value and output
projections, which are otherwise one low-rank linear map, and sparsity, since the learned gate scores sit
mostly near 0, so a head can output (almost) nothing instead of parking its attention on the first token.
With the gate fully open (sigma(z) = 1) this is the Transformer.

Glossary (paper -> code)
    q_t, k_t, v_t       q, k, v     (T, d_k), (T, d_k), (T, d_v): one head
    X W_theta           z           (T, d_v) gate logits, elementwise; (T,) for the headwise variant
    bias                bias        a live shift of the seeded gate logits (closes or opens the gates)
    sigma               sigmoid     the gate's squashing function
    Y, Y'               y, o        the attention output before and after the gate
    A                   A           (d_v, T, T): sigma(z_{t,c}) softmax weights, one matrix per value channel;
                                    (T, T) for a headwise gate

Forms
    recurrent   decode loop: softmax over the KV cache, then multiply by the gate of step t
    parallel    O = sigma(Z) * softmax(Q K^T / sqrt(d_k) + M) V
    chunked     FlashAttention tiles, then the gate
"""

import numpy as np

from ._check import as_gate, qkv
from ._softmax import attention_matrix, cache_readout, online_softmax, sigmoid


def inputs(T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, bias: float = 0.0) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d) (sigma scales q, k) and gate logits z_t = W_theta x_t + bias
    from seeded token inputs x_t ~ N(0, 1) and weights W_theta ~ N(0, 1/d): about N(bias, 1) per channel."""
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    x = rng.standard_normal((T, d))
    W_theta = rng.standard_normal((d, d)) / np.sqrt(d)
    return {"q": q, "k": k, "v": v, "z": x @ W_theta.T + bias}


def _check(q, k, v, z):
    q, k, v = qkv(q, k, v)
    g = sigmoid(as_gate("z", z, len(q), v.shape[1]))
    return q, k, v, g if g.ndim == 2 else g[:, None]  # a headwise gate: one number per step for all channels


def _tile(q, k):
    scale = 1.0 / np.sqrt(q.shape[1])
    return lambda rows, cols: (q[rows] @ k[cols].T) * scale


def recurrent(q, k, v, z) -> np.ndarray:
    q, k, v, g = _check(q, k, v, z)
    T, d_k = q.shape
    o = np.empty((T, v.shape[1]))
    for t in range(T):
        y_t = cache_readout(k[: t + 1] @ q[t] / np.sqrt(d_k), v[: t + 1])  # scaled dot-product attention
        o[t] = g[t] * y_t  # the gate of the query's own token, channel by channel
    return o


def mixing_matrix(q, k, v, z) -> np.ndarray:
    q, k, v, g = _check(q, k, v, z)
    A = attention_matrix(_tile(q, k), q.shape[0])
    if np.ndim(z) == 1:
        return g * A  # headwise: row t scaled by sigma(z_t)
    return g.T[:, :, None] * A[None]  # elementwise: (d_v, T, T), channel c scaled by sigma(z_{t,c})


def parallel(q, k, v, z) -> np.ndarray:
    q, k, v, g = _check(q, k, v, z)
    return g * (attention_matrix(_tile(q, k), q.shape[0]) @ v)


def chunked(q, k, v, z, chunk_size: int = 16) -> np.ndarray:
    q, k, v, g = _check(q, k, v, z)
    return g * online_softmax(_tile(q, k), v, block=chunk_size)


def states(q, k, v, z) -> None:
    """No fixed-size state: the KV cache grows by 2 d numbers per step; the gate adds nothing to it."""
    _check(q, k, v, z)
    return None
