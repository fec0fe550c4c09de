"""Comba (Hu et al., 2025): a scalar-plus-low-rank transition and an output correction, read as closed-loop
control of the key-value memory.

Gated DeltaNet's transition alpha_t (I - beta_t k_t k_t^T) decays the erase term together with the state;
Comba's alpha_t I - beta~_t k_t k_t^T keeps them apart: the state fades by alpha_t, and the value it currently
holds under k_t is corrected with a strength of its own (state feedback on the input). The readout is
corrected the same way, with the query moved away from the key by a learned factor d (output feedback).
The paper's Eq. 5:

    S_t = S_{t-1} (alpha_t I - beta~_t k_t k_t^T) + beta_t v_t k_t^T
    o_t = S_t (q_t - d k_t)

The feedback key is p_t = b k_t, so beta~_t = b beta_t: b = 1 when the feedback key is normalised, as in fla,
and then S_t = alpha_t S_{t-1} + beta_t (v_t - S_{t-1} k_t) k_t^T. alpha = 1, b = 1 and d = 0 give DeltaNet.

Glossary (paper symbol -> code):
    q_t, k_t      q, k (T, d_k)   L2-normalised
    v_t           v (T, d_v)
    alpha_t       alpha (T,)      forget gate in (0, 1]: exp(-a softplus(.)) as in Mamba-2
    beta_t        beta (T,)       strength of the write
    beta~_t       beta_tilde (T,) strength of the state feedback (the delta-rule correction): fb beta
    d             d               output correction factor, one per head
    S_t           S (d_v, d_k)

Parallel / chunked: the transition is diagonal (here scalar) plus rank one, so the WY (UT) form of
kernels_wasm/_linear.py applies with w = alpha, a = -beta~ k, b = k, write key beta k and query q - d k.
"""

import numpy as np

from ._check import as_gate, qkv
from ._linear import (
    as_chunk_size,
    as_scalar,
    dplr_chunked,
    dplr_mixing,
    gate_around,
    l2norm,
    log_gate,
    softplus,
)


def inputs(
    T: int, d: int, rng: np.random.Generator, beta: float = 0.5, a: float = 0.1, corr: float = 0.5,
    fb: float = 1.0,
) -> dict:
    q = l2norm(rng.standard_normal((T, d)))
    k = l2norm(rng.standard_normal((T, d)))
    v = rng.standard_normal((T, d))
    z_beta, z_alpha = rng.standard_normal(T), rng.standard_normal(T)
    if a < 0 or fb < 0:
        raise ValueError(f"need decay strength a >= 0 and feedback scale fb >= 0, got a={a}, fb={fb}")
    b = gate_around(beta, z_beta)
    return {
        "q": q, "k": k, "v": v, "alpha": np.exp(-a * softplus(z_alpha)), "beta": b,
        "beta_tilde": float(fb) * b,  # the feedback key p_t = fb k_t
        "d": float(corr),
    }


def _validate(q, k, v, alpha, beta, beta_tilde, d):
    q, k, v = qkv(q, k, v)
    T = q.shape[0]
    named = (("alpha", alpha), ("beta", beta), ("beta_tilde", beta_tilde))
    gates = [as_gate(name, g, T) for name, g in named]
    if any(g.ndim != 1 for g in gates):
        raise ValueError(f"alpha, beta and beta_tilde: expected one value per token, shape ({T},)")
    return (q, k, v, *gates, as_scalar("d", d))


def _run(q, k, v, alpha, beta, beta_tilde, d):
    T, d_k = q.shape
    S = np.zeros((v.shape[1], d_k))
    o = np.empty((T, v.shape[1]))
    states = np.empty((T,) + S.shape)
    for t in range(T):
        # S (alpha I - beta~ k k^T) + beta v k^T, applied as the rank-one update it is
        S = alpha[t] * S - np.outer(beta_tilde[t] * (S @ k[t]) - beta[t] * v[t], k[t])
        o[t] = S @ (q[t] - d * k[t])  # output correction: the query minus d times the key
        states[t] = S
    return o, states


def recurrent(q, k, v, alpha, beta, beta_tilde, d):
    return _run(*_validate(q, k, v, alpha, beta, beta_tilde, d))[0]


def _splr(q, k, alpha, beta, beta_tilde, d):
    """alpha I - beta~ k k^T = Diag(alpha) + (-beta~ k) k^T; write key beta k; corrected query q - d k."""
    return dict(logw=log_gate(alpha), a=-beta_tilde[:, None] * k, b=k), beta[:, None] * k, q - d * k


def mixing_matrix(q, k, v, alpha, beta, beta_tilde, d):
    q, k, v, *gates, d = _validate(q, k, v, alpha, beta, beta_tilde, d)
    tr, kw, qc = _splr(q, k, *gates, d)
    return dplr_mixing(qc, kw, **tr)


def parallel(q, k, v, alpha, beta, beta_tilde, d):
    return mixing_matrix(q, k, v, alpha, beta, beta_tilde, d) @ qkv(q, k, v)[2]


def chunked(q, k, v, alpha, beta, beta_tilde, d, chunk_size=16):
    q, k, v, *gates, d = _validate(q, k, v, alpha, beta, beta_tilde, d)
    tr, kw, qc = _splr(q, k, *gates, d)
    return dplr_chunked(qc, kw, v, chunk_size=as_chunk_size(chunk_size), **tr)[0]


def states(q, k, v, alpha, beta, beta_tilde, d):
    return _run(*_validate(q, k, v, alpha, beta, beta_tilde, d))[1]
