"""HiPPO-LegS (Gu, Dao, Ermon, Rudra and Re, 2020): an online memory of the whole history of a signal.

Every channel f of the input is summarised at step k by the N coefficients c_k of its best approximation by
Legendre polynomials on the uniform measure over [0, k] (all of the past, stretched to fit). The
coefficients follow the scaled ODE c'(t) = -(1/t) A c(t) + (1/t) B f(t), with the fixed LegS matrices

    A_nm = sqrt(2n+1) sqrt(2m+1)  (n > m),   n + 1  (n = m),   0  (n < m);     B_n = sqrt(2n+1),

discretised with the bilinear (Tustin) rule. Steps are counted from k = 0; the first value is stored as
its exact projection (a constant), as the authors' memory cell does, and every later step integrates the ODE
from k to k + 1 with the rate 1/k:

    c_0 = f_0 e_0,    c_k = M_k c_{k-1} + b_k f_k   (k >= 1),
    M_k = (I + A/(2k))^{-1} (I - A/(2k)),    b_k = (I + A/(2k))^{-1} B / k.

A constant input is then remembered exactly (c_k = f e_0, since A e_0 = B).

Reading the memory: the approximation of the history at relative position theta in [0, 1] (theta = 1 is the
newest step, theta = 0 the first) is

    y_k = g(theta)^T c_k,    g_n(theta) = sqrt(2n+1) P_n(2 theta - 1)   (P_n: Legendre polynomial).

Nothing depends on the input, so every channel sees the same time-varying linear operator: y = K f with one
lower-triangular T x T matrix K[k, j] = g^T M_k M_{k-1} ... M_{j+1} b_j, shared by all channels. Unlike S4,
K is not Toeplitz: the memory's time scale grows with k (LegS is scale-invariant, not time-invariant).

Glossary (paper -> code)
    f_k                     v          (T, d) input signal, one memory per channel
    N                       n          memory order (number of Legendre coefficients)
    A, B                    A, B       (N, N), (N,) the LegS matrices above
    M_k, b_k                M, b       (T, N, N), (T, N) bilinear transition and input vector of step k
    theta                   theta      where in the history the readout reconstructs
    g(theta)                g          (N,) reconstruction weights
    c_k                     c          (d, N) memory
    K (mixing)              A (out)    (T, T) shared by all channels: o = A v

Forms
    recurrent   the step-by-step update above
    scan        the same affine maps composed by a parallel (Hillis-Steele) scan, as the authors'
                variable_unroll_matrix does
"""

import numpy as np

from ._check import as_matrix
from ._conv import as_param


def legs(n: int):
    """The LegS matrices A (n, n) and B (n,) in the paper's sign convention (c' = -A c / t + B f / t)."""
    r = np.sqrt(2.0 * np.arange(n) + 1.0)
    A = np.tril(np.outer(r, r), -1) + np.diag(np.arange(n) + 1.0)
    return A, r.copy()


def legendre_weights(n: int, theta: float) -> np.ndarray:
    """g_n(theta) = sqrt(2n+1) P_n(2 theta - 1), by the three-term recurrence (numpy only, no scipy)."""
    x = 2.0 * theta - 1.0
    P = np.empty(n)
    p_prev, p = 0.0, 1.0
    for j in range(n):
        P[j] = p
        p_prev, p = p, ((2 * j + 1) * x * p - j * p_prev) / (j + 1)
    return np.sqrt(2.0 * np.arange(n) + 1.0) * P


def inputs(T: int, d: int, rng: np.random.Generator, n: int = 8, theta: float = 1.0) -> dict:
    """Seeded f ~ N(0, 1) (T, d), the LegS order n and the read point theta."""
    n = int(round(float(n)))
    return {"v": rng.standard_normal((T, d)), "n": n, "theta": float(theta)}


def _check(v, n, theta):
    v = as_matrix("v", v)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n: expected a positive integer order, got {n!r}")
    theta = float(as_param("theta", theta, ()))
    if not 0.0 <= theta <= 1.0:
        raise ValueError(f"theta: expected a read point in [0, 1], got {theta}")
    n = int(n)
    A, B = legs(n)
    k = np.maximum(np.arange(v.shape[0], dtype=np.float64), 1.0)[:, None, None]  # step 0 is replaced below
    left = np.eye(n) + A / (2.0 * k)  # (T, N, N) lower triangular
    M = np.linalg.solve(left, np.eye(n) - A / (2.0 * k))  # (I + A/2k)^{-1} (I - A/2k)
    b = np.linalg.solve(left, (B / k[:, :, 0])[:, :, None])[:, :, 0]  # (I + A/2k)^{-1} B / k
    M[0], b[0] = 0.0, np.eye(n)[0]  # c_0 = f_0 e_0 (the memory starts empty)
    return v, M, b, legendre_weights(n, theta)


def _run(v, M, b):
    c = np.zeros((v.shape[1], M.shape[1]))  # (d, N): one memory per channel
    for k in range(v.shape[0]):
        c = c @ M[k].T + v[k][:, None] * b[k][None, :]  # c_k = M_k c_{k-1} + b_k f_k, per channel
        yield k, c


def recurrent(v, n, theta) -> np.ndarray:
    v, M, b, g = _check(v, n, theta)
    y = np.empty(v.shape)
    for k, c in _run(v, M, b):
        y[k] = c @ g  # y_k = g(theta)^T c_k
    return y


def scan(v, n, theta) -> np.ndarray:
    """All c_k at once: the affine maps c -> M_k c + b_k f_k composed in log2(T) rounds."""
    v, M, b, g = _check(v, n, theta)
    W = M.copy()  # (T, N, N) composed transitions
    X = b[:, None, :] * v[:, :, None]  # (T, d, N) composed inputs
    shift = 1
    while shift < v.shape[0]:
        # (W2, X2) o (W1, X1) = (W2 W1, W2 X1 + X2); the right side reads the previous round
        X[shift:] = np.einsum("tnm,tcm->tcn", W[shift:], X[:-shift]) + X[shift:]
        W[shift:] = W[shift:] @ W[:-shift]
        shift *= 2
    return X @ g


def mixing_matrix(v, n, theta) -> np.ndarray:
    """(T, T), the same for every channel: K[k, j] = g^T M_k ... M_{j+1} b_j, by running one-hot inputs."""
    v, M, b, g = _check(v, n, theta)
    T = v.shape[0]
    X = np.zeros((M.shape[1], T))  # column j: what step j's unit input left in the memory
    K = np.zeros((T, T))
    for k in range(T):
        X[:, : k + 1] = M[k] @ X[:, : k + 1]  # columns of later steps are still zero
        X[:, k] = b[k]
        K[k, : k + 1] = g @ X[:, : k + 1]
    return K


def states(v, n, theta) -> np.ndarray:
    """c_k after each step, (T, d, N)."""
    v, M, b, _ = _check(v, n, theta)
    out = np.empty((v.shape[0], v.shape[1], M.shape[1]))
    for k, c in _run(v, M, b):
        out[k] = c
    return out
