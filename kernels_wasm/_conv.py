"""Shared pieces of the convolutional sequence models (S4, H3, Hyena): SSM kernels and causal convolutions.

A linear time-invariant system, such as a state-space model with fixed (A, B, C), maps an input u to
y_t = sum_{l <= t} h_l u_{t-l}: a causal convolution with a kernel h. The same operator has three faces,
and the modules use all three:

    the recurrence       x_t = A_bar x_{t-1} + B_bar u_t,  y_t = 2 Re(C x_t)   (O(N) per step; SSMs only)
    the convolution      y = h * u via FFT, O(T log T)                          (training; the parallel form)
    the Toeplitz matrix  y = H u with H_tj = h_{t-j} for j <= t                 (the mixing matrix)

Diagonal SSMs here follow S4D: n complex modes, each a conjugate pair of the real N = 2n dimensional state
(so outputs are 2 Re(.)), zero-order-hold discretisation with step dt, and B folded into C (only the
product C_n B_n enters the kernel).
"""

import numpy as np


def as_param(name: str, x, shape: tuple) -> np.ndarray:
    """A fixed-shape real parameter array (not indexed by time) as float64, or a clear ValueError."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{name}: expected a real-valued array, got dtype {arr.dtype}")
    if arr.shape != tuple(shape):
        raise ValueError(f"{name}: expected shape {tuple(shape)}, got {arr.shape}")
    return arr.astype(np.float64, copy=False)


def s4d_lin_init(channels: int, n: int, rng: np.random.Generator, dt_min: float, dt_max: float) -> dict:
    """S4D-Lin parameters for `channels` independent SSMs with n complex modes each.

    A_n = -1/2 + i pi n, dt log-uniform in [dt_min, dt_max] per channel, C ~ complex normal (variance 1).
    Draw order: dt, then C (real part, imaginary part).
    """
    if not 0 < dt_min <= dt_max:
        raise ValueError(f"need 0 < dt_min <= dt_max, got {dt_min}, {dt_max}")
    dt = np.exp(rng.uniform(np.log(dt_min), np.log(dt_max), channels))
    A_re = np.full((channels, n), -0.5)
    A_im = np.tile(np.pi * np.arange(n, dtype=np.float64), (channels, 1))
    C_re = rng.standard_normal((channels, n)) * np.sqrt(0.5)
    C_im = rng.standard_normal((channels, n)) * np.sqrt(0.5)
    return {"dt": dt, "A_re": A_re, "A_im": A_im, "C_re": C_re, "C_im": C_im}


def check_ssm(dt, A_re, A_im, C_re, C_im, channels: int):
    """Validate diagonal-SSM parameters: dt (channels,) > 0, A_re < 0 (stable), all (channels, n)."""
    A_re = np.asarray(A_re)
    n = A_re.shape[-1] if A_re.ndim == 2 else -1
    dt = as_param("dt", dt, (channels,))
    A_re = as_param("A_re", A_re, (channels, n))
    A_im = as_param("A_im", A_im, (channels, n))
    C_re, C_im = as_param("C_re", C_re, (channels, n)), as_param("C_im", C_im, (channels, n))
    if np.any(~(dt > 0)):
        raise ValueError("dt: step sizes must be > 0")
    if np.any(~(A_re < 0)):
        raise ValueError("A_re: real parts must be < 0 (a stable SSM)")
    return dt, A_re + 1j * A_im, C_re + 1j * C_im


def zoh(dt: np.ndarray, A: np.ndarray):
    """Zero-order hold with B = 1: A_bar = exp(dt A), B_bar = (exp(dt A) - 1) / A. dt (c,), A (c, n)."""
    dtA = dt[:, None] * A
    A_bar = np.exp(dtA)
    return A_bar, (A_bar - 1.0) / A


def ssm_kernel(dt: np.ndarray, A: np.ndarray, C: np.ndarray, T: int) -> np.ndarray:
    """h_l = 2 Re(sum_n C_n A_bar_n^l B_bar_n) for l = 0 .. T-1, per channel: (T, c).

    A_bar^l is computed as exp(l dt A) (a Vandermonde product), not by repeated multiplication.
    """
    _, B_bar = zoh(dt, A)
    powers = np.exp((dt[:, None] * A)[:, :, None] * np.arange(T))  # (c, n, T)
    return 2.0 * np.real(np.einsum("cn,cnl->lc", C * B_bar, powers))


def causal_conv(u: np.ndarray, h: np.ndarray) -> np.ndarray:
    """y_t = sum_{l <= t} h_l u_{t-l} per channel, by zero-padded FFTs. u (T, c), h (T, c) -> (T, c)."""
    T = u.shape[0]
    n = 2 * T  # padding to 2T turns the FFT's circular convolution into a linear one
    return np.fft.irfft(np.fft.rfft(u, n, axis=0) * np.fft.rfft(h, n, axis=0), n, axis=0)[:T]


def toeplitz(h: np.ndarray) -> np.ndarray:
    """Lower-triangular Toeplitz matrices H[c, t, j] = h[t - j, c] (0 for j > t). h (T, c) -> (c, T, T)."""
    T = h.shape[0]
    lag = np.arange(T)[:, None] - np.arange(T)[None, :]  # t - j
    # contiguous per channel, so that stacked matmuls on the result go to BLAS
    return np.ascontiguousarray(
        np.where(lag[:, :, None] >= 0, h[np.clip(lag, 0, None)], 0.0).transpose(2, 0, 1)
    )
