"""PaTH attention (Yang et al., 2025): position encoding by accumulated Householder-like transformations.

Unroll a DeltaNet-style state S_t = S_{t-1} H_t + v_t k_t^T and read it with softmax instead of linearly:
the key of token j reaches query i through every transition in between, so the logit is

    s_ij = k_j^T H_{j+1} H_{j+2} ... H_i q_i / sqrt(d_k),    H_t = I - beta_t w_t w_t^T,

with w_t a unit vector and beta_t in (0, 2) (beta = 2 is a reflection). Like RoPE the transformation
multiplies q against k, but it is data-dependent. With beta = 0 every H_t is I and PaTH is NoPE, i.e. the
plain Transformer. During decoding the key cache is updated in place: each new token applies H_t to every
cached key (k_j <- H_t k_j), exactly the step the product above accumulates.

Glossary (paper -> code)
    w_t                w          (T, d_k) unit vectors (the paper computes them from x_t with a short
                                  convolution and L2 normalisation)
    beta_t             beta       (T,) strengths in [0, 2]; the paper uses 2 sigmoid(.)
    H_t                            I - beta_t w_t w_t^T, applied on the right of k_j^T
    P_{j->i}                       H_{j+1} ... H_i (empty product, I, when j = i)
    T^{-1} (UT form)   solve      the triangular solve that gives all products at once (parallel form)
    A                  A          (T, T) softmax of s_ij over j <= i

Forms
    recurrent   decode loop: K_c <- K_c H_t (one rank-1 update of the whole cache), append k_t, softmax
    parallel    the UT-transform closed form of every logit (below), then the causal softmax

Parallel form. Writing k_j^T P_{j->i} by peeling one H at a time gives
    s_ij sqrt(d_k) = q_i . k_j - sum_{j < s <= i} beta_s (q_i . w_s) G_js,
    G_js = k_j^T P_{j->s-1} w_s = k_j . w_s - sum_{j < r < s} beta_r G_jr (w_r . w_s),
i.e. G (I + U) = striu(K W^T) with U_rs = beta_r (w_r . w_s) for r < s: one unit-triangular solve (the UT
transform of the paper) gives every G_js, and the logits are Q K^T - tril(Q W^T) Diag(beta) G^T.
"""

import numpy as np

from ._check import as_gate, as_matrix, qkv
from ._softmax import cache_readout, sigmoid, softmax_rows, visible


def inputs(T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, beta_bias: float = 0.0) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d), unit vectors w_t, and beta_t = 2 sigmoid(u_t + beta_bias)."""
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    w = rng.standard_normal((T, d))
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    beta = 2.0 * sigmoid(rng.standard_normal(T) + beta_bias)
    return {"q": q, "k": k, "v": v, "w": w, "beta": beta}


def check_householder(w, beta, T, d_k):
    """w (T, d_k) and beta (T,) in [0, 2] (beyond 2, H_t would expand some directions)."""
    w = as_matrix("w", w, T, d_k)
    beta = as_gate("beta", beta, T)
    if beta.ndim != 1:
        raise ValueError(f"beta: expected shape ({T},), got {beta.shape}")
    if np.any(~(beta >= 0)) or np.any(beta > 2):
        raise ValueError("beta: values must lie in [0, 2]")
    return w, beta


def householder_logits(q, k, w, beta) -> np.ndarray:
    """(T, T) raw logits k_j^T P_{j->i} q_i / sqrt(d_k) for j <= i (entries above the diagonal are junk)."""
    T, d_k = q.shape
    U = np.triu(beta[:, None] * (w @ w.T), 1)  # U_rs = beta_r w_r . w_s, r < s
    rhs = np.triu(k @ w.T, 1)  # striu(K W^T): G_js only for s > j
    G = np.linalg.solve((np.eye(T) + U).T, rhs.T).T  # G (I + U) = rhs
    QW = np.tril(q @ w.T)  # (q_i . w_s) for s <= i
    return (q @ k.T - (QW * beta[None, :]) @ G.T) / np.sqrt(d_k)


def recurrent(q, k, v, w, beta) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    T, d_k = q.shape
    w, beta = check_householder(w, beta, T, d_k)
    K_c = np.empty((T, d_k))
    o = np.empty((T, v.shape[1]))
    for t in range(T):
        # K_c <- K_c H_t = K_c - beta_t (K_c w_t) w_t^T: the cached keys move one transition further
        K_c[:t] -= beta[t] * np.outer(K_c[:t] @ w[t], w[t])
        K_c[t] = k[t]
        o[t] = cache_readout(K_c[: t + 1] @ q[t] / np.sqrt(d_k), v[: t + 1])
    return o


def mixing_matrix(q, k, v, w, beta) -> np.ndarray:
    q, k, v = qkv(q, k, v)
    T = q.shape[0]
    w, beta = check_householder(w, beta, T, q.shape[1])
    return softmax_rows(householder_logits(q, k, w, beta), visible(slice(0, T), slice(0, T)))


def parallel(q, k, v, w, beta) -> np.ndarray:
    return mixing_matrix(q, k, v, w, beta) @ np.asarray(v, dtype=np.float64)


def states(q, k, v, w, beta) -> None:
    """No fixed-size state: the key cache grows (and is rewritten by every H_t)."""
    qkv(q, k, v)
    return None
