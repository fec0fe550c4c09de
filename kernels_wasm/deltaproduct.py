"""(Gated) DeltaProduct (Siems et al., 2025): n_h delta-rule steps per token.

Each token writes n_h key-value pairs, one after the other, so its transition is a product of n_h
generalised Householder matrices: rank n_h instead of DeltaNet's rank one, which lets the state rotate and
track state (e.g. permutations). n_h = 1 is DeltaNet (alpha = 1) or Gated DeltaNet.

Glossary (paper symbol -> code):
    q_t                   q (T, d_k)           L2-normalised
    k_{t,j}, j=1..n_h     k (T, n_h, d_k)      L2-normalised
    v_{t,j}               v (T, n_h, d_v)
    beta_{t,j}            beta (T, n_h)        step sizes
    alpha_t               alpha (T,)           forget gate of Gated DeltaProduct (1 = ungated)
    H_{t,j}               I - beta_{t,j} k_{t,j} k_{t,j}^T
    S_t                   S (d_v, d_k)

Equations (as on the card):
    S_{t,0} = alpha_t S_{t-1},   S_{t,j} = S_{t,j-1} H_{t,j} + beta_{t,j} v_{t,j} k_{t,j}^T,   S_t = S_{t,n_h}
    o_t = S_t q_t
Parallel / chunked: the delta rule on the interleaved sequence of T n_h sub-steps, read at each token's last
sub-step (how the paper's kernels run it). o is linear in all T n_h values: ``mixing_matrix`` returns
A (T, T n_h) with columns ordered (token, sub-step), o = A v.reshape(T n_h, d_v).
"""

import numpy as np

from ._check import as_gate, as_matrix
from ._linear import as_chunk_size, dplr_chunked, dplr_mixing, gate_around, l2norm, log_gate, softplus

MAX_HOUSEHOLDER = 4  # inputs draws this many keys per token, so changing n_h keeps the first ones fixed


def inputs(
    T: int, d: int, rng: np.random.Generator, householder: float = 2, beta: float = 0.5, a: float = 0.0
) -> dict:
    n_h = int(householder)
    if not 1 <= n_h <= MAX_HOUSEHOLDER:
        raise ValueError(f"householder must be in [1, {MAX_HOUSEHOLDER}], got {householder}")
    if a < 0:
        raise ValueError(f"decay strength a must be >= 0, got {a}")
    q = l2norm(rng.standard_normal((T, d)))
    k = l2norm(rng.standard_normal((T, MAX_HOUSEHOLDER, d)))[:, :n_h]
    v = rng.standard_normal((T, MAX_HOUSEHOLDER, d))[:, :n_h]
    z_beta = rng.standard_normal((T, MAX_HOUSEHOLDER))[:, :n_h]
    z_alpha = rng.standard_normal(T)
    alpha = np.exp(-a * softplus(z_alpha))
    return {"q": q, "k": k, "v": v, "beta": gate_around(beta, z_beta), "alpha": alpha}


def _as_3d(name, x, T, n_h, d):
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{name}: expected a real-valued array, got dtype {arr.dtype}")
    if (
        arr.ndim != 3
        or arr.shape[0] != T
        or (n_h is not None and arr.shape[1] != n_h)
        or (d is not None and arr.shape[2] != d)
    ):
        raise ValueError(f"{name}: expected shape ({T}, n_h, d), got {arr.shape}")
    return arr.astype(np.float64, copy=False)


def _validate(q, k, v, beta, alpha):
    q = as_matrix("q", q)
    T, d_k = q.shape
    k = _as_3d("k", k, T, None, d_k)
    n_h = k.shape[1]
    v = _as_3d("v", v, T, n_h, None)
    beta = as_matrix("beta", beta, T, n_h)
    alpha = as_gate("alpha", alpha, T)
    if alpha.ndim != 1:
        raise ValueError(f"alpha: expected one value per token, shape ({T},), got {alpha.shape}")
    return q, k, v, beta, alpha


def _run(q, k, v, beta, alpha):
    T, n_h, d_k = k.shape
    S = np.zeros((v.shape[2], d_k))
    o = np.empty((T, v.shape[2]))
    states = np.empty((T,) + S.shape)
    for t in range(T):
        S = alpha[t] * S
        for j in range(n_h):
            # S H + beta v k^T with the generalised Householder H = I - beta k k^T, as a rank-one update
            S = S - beta[t, j] * np.outer(S @ k[t, j] - v[t, j], k[t, j])
        o[t] = S @ q[t]
        states[t] = S
    return o, states


def recurrent(q, k, v, beta, alpha):
    return _run(*_validate(q, k, v, beta, alpha))[0]



def _interleave(q, k, v, beta, alpha):
    """The T n_h sub-step sequence: gate alpha_t at a token's first sub-step, query at its last."""
    T, n_h, d_k = k.shape
    g = np.ones((T, n_h))
    g[:, 0] = alpha
    kk = k.reshape(T * n_h, d_k)
    bb, gg = beta.reshape(-1), g.reshape(-1)
    qq = np.zeros((T, n_h, d_k))
    qq[:, -1] = q
    tr = dict(logw=log_gate(gg), a=-(gg * bb)[:, None] * kk, b=kk)
    return qq.reshape(T * n_h, d_k), bb[:, None] * kk, v.reshape(T * n_h, -1), tr


def mixing_matrix(q, k, v, beta, alpha):
    """A (T, T n_h) with o = A v.reshape(T n_h, d_v): the recurrence run on one-hot values.

    The state gets one row per value slot (token, sub-step); only the slots written so far are non-zero,
    so each step touches (t + 1) n_h rows. Far cheaper than the parallel form in the browser.
    """
    q, k, v, beta, alpha = _validate(q, k, v, beta, alpha)
    T, n_h, d_k = k.shape
    S = np.zeros((T * n_h, d_k))
    A = np.zeros((T, T * n_h))
    for t in range(T):
        live = slice(0, (t + 1) * n_h)
        S[live] *= alpha[t]
        for j in range(n_h):
            kt = k[t, j]
            S[live] -= beta[t, j] * np.outer(S[live] @ kt, kt)  # S H_{t,j}
            S[t * n_h + j] += beta[t, j] * kt  # + beta_{t,j} e_{t,j} k_{t,j}^T
        A[t, live] = S[live] @ q[t]
    return A


def mixing_matrix_parallel(q, k, v, beta, alpha):
    """The same A from the delta rule's parallel form on the interleaved sequence."""
    q, k, v, beta, alpha = _validate(q, k, v, beta, alpha)
    qq, kw, _, tr = _interleave(q, k, v, beta, alpha)
    n_h = k.shape[1]
    return dplr_mixing(qq, kw, **tr)[n_h - 1 :: n_h]  # rows of each token's last sub-step


def parallel(q, k, v, beta, alpha):
    M = mixing_matrix_parallel(q, k, v, beta, alpha)
    return M @ np.asarray(v, dtype=np.float64).reshape(M.shape[1], -1)


def chunked(q, k, v, beta, alpha, chunk_size=16):
    """chunk_size counts sub-steps of the interleaved sequence (T n_h long)."""
    q, k, v, beta, alpha = _validate(q, k, v, beta, alpha)
    qq, kw, vv, tr = _interleave(q, k, v, beta, alpha)
    o, _ = dplr_chunked(qq, kw, vv, chunk_size=as_chunk_size(chunk_size), **tr)
    return o[k.shape[1] - 1 :: k.shape[1]]


def states(q, k, v, beta, alpha):
    return _run(*_validate(q, k, v, beta, alpha))[1]
