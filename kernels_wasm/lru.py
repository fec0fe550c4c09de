"""LRU, the Linear Recurrent Unit (Orvieto, Smith, Gu, Fernando, Gulcehre, Pascanu and De, 2023).

A discrete-time RNN with the nonlinearity taken out of the recurrence: one complex diagonal state x in C^N is
driven by all H input channels through B and read by all of them through C,

    x_k = diag(lambda) x_{k-1} + gamma * (B u_k),    y_k = Re(C x_k) + D * u_k,

    lambda_j = exp(-exp(nu_j) + i exp(theta_j)),    gamma_j = sqrt(1 - |lambda_j|^2).

The exponential parametrisation keeps |lambda| < 1 whatever nu is (stable by construction); gamma rescales
the input so that a mode with |lambda| near 1 does not blow up the state's variance. Initialisation draws
lambda uniformly on the ring r_min <= |lambda| <= r_max with phase in [0, max_phase].

Glossary (paper -> code)
    u_k                    v                     (T, H) input
    nu^log, theta^log      nu_log, theta_log     (N,) log-parameters of lambda
    lambda                 lam                   (N,) complex diagonal of the transition
    gamma                  gamma                 (N,) input normalisation
    B, C                   B_re/B_im, C_re/C_im  (N, H), (H, N) complex input and output matrices
    D                      D                     (H,) skip
    x_k                    x                     (N,) complex state (states() gives [Re x | Im x])
    A (mixing)             A                     (H, T, T H): output channel c reads every input channel
    K_l (lags)             K                     (T, H, H): A laid out from them (mixing_compact)

Forms
    recurrent   the loop above
    scan        the same states by the parallel associative scan of the paper's pseudocode
"""

import numpy as np

from . import _mimo
from ._conv import as_param


def inputs(
    T: int, d: int, rng: np.random.Generator, n: int = 16, r_min: float = 0.9, max_phase: float = 6.28
) -> dict:
    """Seeded u ~ N(0, 1) (T, d) and LRU parameters drawn as the paper initialises them (r_max = 0.999):
    |lambda|^2 uniform in [r_min^2, r_max^2], phase uniform in [0, max_phase], Glorot B (scaled by
    1/sqrt(2H)) and C (by 1/sqrt(N)), D ~ N(0, 1)."""
    n, r_max = int(round(float(n))), 0.999
    if n < 1:
        raise ValueError(f"n: expected a state size of at least 1, got {n}")
    if not 0.0 <= r_min < r_max:
        raise ValueError(f"r_min must lie in [0, {r_max}), got {r_min}")
    if not max_phase > 0:
        raise ValueError(f"max_phase must be > 0, got {max_phase}")
    v = rng.standard_normal((T, d))
    u1, u2 = rng.uniform(size=n), rng.uniform(size=n)
    nu_log = np.log(-0.5 * np.log(u1 * (r_max**2 - r_min**2) + r_min**2))
    theta_log = np.log(max_phase * np.maximum(u2, 1e-12))
    B_re, B_im = rng.standard_normal((2, n, d)) / np.sqrt(2 * d)
    C_re, C_im = rng.standard_normal((2, d, n)) / np.sqrt(n)
    D = rng.standard_normal(d)
    return {"v": v, "nu_log": nu_log, "theta_log": theta_log, "B_re": B_re, "B_im": B_im,
            "C_re": C_re, "C_im": C_im, "D": D}


def _check(v, nu_log, theta_log, B_re, B_im, C_re, C_im, D):
    n = np.asarray(nu_log).shape[0] if np.ndim(nu_log) == 1 else -1
    v, D = _mimo.check_io(v, D, n)
    H = v.shape[1]
    nu_log, theta_log = as_param("nu_log", nu_log, (n,)), as_param("theta_log", theta_log, (n,))
    B = _mimo.complex_param("B", B_re, B_im, (n, H))
    C = _mimo.complex_param("C", C_re, C_im, (H, n))
    lam = np.exp(-np.exp(nu_log) + 1j * np.exp(theta_log))  # |lambda| = exp(-exp(nu_log)) < 1
    gamma = np.sqrt(1.0 - np.abs(lam) ** 2)
    return v, lam, gamma[:, None] * B, C, D  # gamma * (B u) = (gamma B) u


def recurrent(v, nu_log, theta_log, B_re, B_im, C_re, C_im, D) -> np.ndarray:
    return _mimo.recurrent(*_check(v, nu_log, theta_log, B_re, B_im, C_re, C_im, D), scale=1.0)[0]


def scan(v, nu_log, theta_log, B_re, B_im, C_re, C_im, D) -> np.ndarray:
    return _mimo.scan(*_check(v, nu_log, theta_log, B_re, B_im, C_re, C_im, D), scale=1.0)


def mixing_matrix(v, nu_log, theta_log, B_re, B_im, C_re, C_im, D) -> np.ndarray:
    """(H, T, T H): y[t, c] = sum_{s, h} A[c, t, s H + h] u[s, h]."""
    v, lam, Bt, C, D = _check(v, nu_log, theta_log, B_re, B_im, C_re, C_im, D)
    return _mimo.mixing_matrix(lam, Bt, C, D, 1.0, v.shape[0])


def mixing_compact(v, nu_log, theta_log, B_re, B_im, C_re, C_im, D) -> np.ndarray:
    """The lags K (T, H, H) that fix A exactly (A[c, t, s H + h] = K_{t-s}[c, h]): what a live run builds
    and fingerprints instead of the T^2 H^2 numbers of A."""
    v, lam, Bt, C, D = _check(v, nu_log, theta_log, B_re, B_im, C_re, C_im, D)
    return _mimo.mixing_kernel(lam, Bt, C, D, 1.0, v.shape[0])


def mixing_slice(K, c: int) -> np.ndarray:
    """Output channel c's (T, T H) slice of A, from mixing_compact's lags."""
    return _mimo.channel_rows(K, c)


def states(v, nu_log, theta_log, B_re, B_im, C_re, C_im, D) -> np.ndarray:
    """x_k after each step, (T, 2N): [Re x | Im x]."""
    return _mimo.recurrent(*_check(v, nu_log, theta_log, B_re, B_im, C_re, C_im, D), scale=1.0)[1]
