"""Shared machinery of the multi-input, multi-output diagonal state-space layers (LRU, S5).

One complex state x in C^P is shared by all H input channels (this is what MIMO means: S4 instead runs H
separate single-channel SSMs). With the discrete diagonal transition lambda and the input matrix Bt:

    x_t = lambda * x_{t-1} + Bt u_t,    y_t = scale * Re(C x_t) + D * u_t,

where scale is 1 (LRU) or 2 (S5, which keeps one of each pair of conjugate modes). Nothing depends on the
input, so the layer is linear and time-invariant: y_t = sum_{s <= t} K_{t-s} u_s + D * u_t, with one H x H
matrix per lag, K_l = scale * Re(C diag(lambda^l) Bt). Output channel c reads every input channel h, so the
mixing matrix of channel c is (T, T H): column s H + h holds what input channel h at step s adds to y_t[c]
(the sub-step layout of kernels_wasm/api.py, one sub-step per input channel).

Complex parameters travel as real and imaginary parts (float arrays), so every input stays real.
"""

import numpy as np

from ._check import as_matrix
from ._conv import as_param

# T^2 H^2 entries above this make the mixing matrix too large for a browser tab (2^24 float64 = 128 MiB,
# reached at T = 128, H = 32).
MAX_MIXING_ENTRIES = 1 << 24


def complex_param(name: str, re, im, shape: tuple) -> np.ndarray:
    """Real and imaginary parts of a fixed-shape complex parameter, validated, as one complex array."""
    return as_param(f"{name}_re", re, shape) + 1j * as_param(f"{name}_im", im, shape)


def check_io(u, D, P: int):
    """The input u (T, H) and the skip D (H,); P is the state size (for the error message only)."""
    u = as_matrix("v", u)
    if P < 1:
        raise ValueError(f"state size must be at least 1, got {P}")
    return u, as_param("D", D, (u.shape[1],))


def recurrent(u, lam, Bt, C, D, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The literal loop; returns (y (T, H), states (T, 2P) as [Re x | Im x])."""
    T = u.shape[0]
    x = np.zeros(lam.shape, dtype=complex)
    y, xs = np.empty(u.shape), np.empty((T, 2 * lam.shape[0]))
    for t in range(T):
        x = lam * x + Bt @ u[t]  # x_t = Lambda x_{t-1} + Bt u_t
        y[t] = scale * np.real(C @ x) + D * u[t]  # y_t = scale Re(C x_t) + D u_t
        xs[t] = np.concatenate([x.real, x.imag])
    return y, xs


def scan(u, lam, Bt, C, D, scale: float) -> np.ndarray:
    """All states at once by a parallel (Hillis-Steele) scan of the pairs (lambda, Bt u_t).

    The pairs compose as (a_j, b_j) o (a_i, b_i) = (a_j a_i, a_j b_i + b_j): log2(T) rounds of element-wise
    products, the associative scan both papers use for training.
    """
    T = u.shape[0]
    a = np.broadcast_to(lam, (T, lam.shape[0])).copy()
    b = u @ Bt.T  # (T, P): Bt u_t for every step
    shift = 1
    while shift < T:
        b[shift:] = a[shift:] * b[:-shift] + b[shift:]  # the right side reads the previous round
        a[shift:] = a[shift:] * a[:-shift]
        shift *= 2
    return scale * np.real(b @ C.T) + D * u


def lag_kernel(lam, Bt, C, scale: float, T: int) -> np.ndarray:
    """K_l = scale Re(C diag(lambda^l) Bt) for l = 0 .. T-1: (T, H_out, H_in)."""
    powers = lam[None, :] ** np.arange(T)[:, None]  # (T, P)
    return scale * np.real((C[None] * powers[:, None, :]) @ Bt)


def mixing_matrix(lam, Bt, C, D, scale: float, T: int) -> np.ndarray:
    """(H, T, T H): A[c, t, s H + h] = K_{t-s}[c, h] + D_c [t = s, h = c], zero for s > t."""
    H = C.shape[0]
    if T * T * H * H > MAX_MIXING_ENTRIES:
        raise ValueError(
            f"the mixing matrix of a multi-input SSM at T={T}, d={H} would hold {T * T * H * H:,} numbers; "
            f"choose T and d with T * d <= {int(MAX_MIXING_ENTRIES ** 0.5)}"
        )
    K = mixing_kernel(lam, Bt, C, D, scale, T)
    return np.stack([channel_rows(K, c) for c in range(H)])


def mixing_kernel(lam, Bt, C, D, scale: float, T: int) -> np.ndarray:
    """The (T, H, H) lags that fix A exactly: K_l with the skip on the diagonal of K_0 (A is K laid out)."""
    K = lag_kernel(lam, Bt, C, scale, T)
    K[0] += np.diag(D)
    return K


def channel_rows(K, c: int) -> np.ndarray:
    """Output channel c's (T, T H) slice of A from the lags: A[c, t, s H + h] = K_{t-s}[c, h], s <= t.

    Row t is K_t[c], ..., K_0[c] laid side by side, i.e. the reversed lags of channel c truncated: one
    strided view per row, no (H, T, T H) array.
    """
    T, H = K.shape[0], K.shape[1]
    rev = K[::-1, c, :].reshape(-1)  # K_{T-1}[c], ..., K_0[c]: row t is its last (t + 1) H entries
    A = np.zeros((T, T * H))
    for t in range(T):
        A[t, : (t + 1) * H] = rev[(T - 1 - t) * H :]
    return A
