"""S4 (Gu, Goel and Re, 2021), in its diagonal form S4D (Gu, Gupta, Goel and Re, 2022).

Every channel c of the input u is filtered by its own linear state-space model, discretised with step dt:

    x_t = A_bar x_{t-1} + B_bar u_t,    y_t = 2 Re(C x_t) + D u_t,    A_bar = exp(dt A),

with A diagonal and fixed (S4D-Lin: A_n = -1/2 + i pi n). Because nothing depends on the input, unrolling
gives a convolution, y = h * u + D u with the kernel h_l = 2 Re(C A_bar^l B_bar): train with FFTs, decode
with the recurrence. (S4 proper uses a diagonal-plus-low-rank HiPPO matrix and a Cauchy-kernel algorithm to
get the same h; its authors showed the diagonal restriction S4D matches it, so this kernel uses S4D.)

KV view. Put u_t in the value slot: per channel the state is a row of N/2 complex numbers that every step
decays by the fixed Diag(A_bar) and writes u_t B_bar^T, and the "query" is the fixed C. It is a linear
attention with no q-k interaction at all: the mixing matrix is a fixed Toeplitz matrix per channel.

Glossary (paper -> code)
    u                  v          (T, d) input, one independent SSM per channel
    Delta              dt         (d,) step sizes
    A                  A_re, A_im (d, n) diagonal of A (n = N/2 complex modes)
    B                             1 (folded into C)
    C                  C_re, C_im (d, n)
    D                  D          (d,) skip connection
    K_bar (kernel)     h          (T, d): h_l = 2 Re(C A_bar^l B_bar), plus D at lag 0
    x_t                x          (d, n) complex state
    A (mixing)         A          (d, T, T): one lower-triangular Toeplitz matrix per channel
                                  (h fixes it all: mixing_compact)

Forms
    recurrent   the scan x_t = A_bar x_{t-1} + B_bar u_t
    parallel    the FFT convolution y = h * u + D u (convolve with the kernel h, D folded in at lag 0)
"""

import numpy as np

from ._check import as_matrix
from ._conv import as_param, causal_conv, check_ssm, s4d_lin_init, ssm_kernel, toeplitz, zoh


def inputs(T: int, d: int, rng: np.random.Generator, n: int = 4, dt_max: float = 0.1) -> dict:
    """Seeded u ~ N(0, 1) (T, d), S4D-Lin parameters (dt log-uniform in [dt_max/10, dt_max]), D ~ N(0, 1)."""
    n = int(round(float(n)))
    if n < 1:
        raise ValueError(f"n: expected at least one mode, got {n}")
    v = rng.standard_normal((T, d))
    ssm = s4d_lin_init(d, n, rng, dt_max / 10.0, dt_max)
    D = rng.standard_normal(d)
    return {"v": v, **ssm, "D": D}


def _check(v, dt, A_re, A_im, C_re, C_im, D):
    v = as_matrix("v", v)
    dt, A, C = check_ssm(dt, A_re, A_im, C_re, C_im, v.shape[1])
    return v, dt, A, C, as_param("D", D, (v.shape[1],))


def kernel(v, dt, A_re, A_im, C_re, C_im, D) -> np.ndarray:
    """The convolution kernel h (T, d), with the skip D folded in at lag 0."""
    v, dt, A, C, D = _check(v, dt, A_re, A_im, C_re, C_im, D)
    h = ssm_kernel(dt, A, C, v.shape[0])
    h[0] += D
    return h


def _scan(v, dt, A, C, D):
    A_bar, B_bar = zoh(dt, A)
    x = np.zeros(A.shape, dtype=complex)  # (d, n)
    for t in range(v.shape[0]):
        x = A_bar * x + B_bar * v[t][:, None]
        yield t, 2.0 * np.real(np.sum(C * x, axis=1)) + D * v[t], x


def recurrent(v, dt, A_re, A_im, C_re, C_im, D) -> np.ndarray:
    v, dt, A, C, D = _check(v, dt, A_re, A_im, C_re, C_im, D)
    y = np.empty(v.shape)
    for t, y_t, _ in _scan(v, dt, A, C, D):
        y[t] = y_t
    return y


def convolve(v, h) -> np.ndarray:
    """S4's convolution mode with a given kernel: y_t = sum_{l <= t} h_l v_{t-l} per channel; v, h (T, d).
    parallel() runs it on the kernel built from the SSM parameters; a GPU FFT convolution takes h as given."""
    v = as_matrix("v", v)
    return causal_conv(v, as_matrix("h", h, *v.shape))


def parallel(v, dt, A_re, A_im, C_re, C_im, D) -> np.ndarray:
    return convolve(v, kernel(v, dt, A_re, A_im, C_re, C_im, D))


def mixing_matrix(v, dt, A_re, A_im, C_re, C_im, D) -> np.ndarray:
    """(d, T, T): y[:, c] = A[c] @ v[:, c]."""
    return toeplitz(kernel(v, dt, A_re, A_im, C_re, C_im, D))


# A live run (api.simulate with a compact A) takes its output from this loop-free form.
COMPACT_OUTPUT = "parallel"


def mixing_compact(v, dt, A_re, A_im, C_re, C_im, D) -> np.ndarray:
    """The kernel h (T, d) (skip at lag 0): it fixes every channel's Toeplitz matrix, T d numbers instead of
    d T^2."""
    return kernel(v, dt, A_re, A_im, C_re, C_im, D)


def mixing_slice(h, c: int) -> np.ndarray:
    """Channel c's (T, T) Toeplitz matrix alone, from mixing_compact's kernel."""
    return toeplitz(h[:, c : c + 1])[0]


def states(v, dt, A_re, A_im, C_re, C_im, D) -> np.ndarray:
    """x_t after each step, (T, d, 2n): [Re x | Im x] per channel."""
    v, dt, A, C, D = _check(v, dt, A_re, A_im, C_re, C_im, D)
    out = np.empty((v.shape[0], v.shape[1], 2 * A.shape[1]))
    for t, _, x in _scan(v, dt, A, C, D):
        out[t] = np.concatenate([x.real, x.imag], axis=1)
    return out
