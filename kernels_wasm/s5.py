"""S5, the simplified state space layer (Smith, Warrington and Linderman, 2022).

S4 filters each of the H input channels with its own single-input SSM. S5 uses one multi-input,
multi-output SSM instead: a single state shared by all channels, with a diagonal (complex) state matrix so
that it runs as a parallel scan in the time domain, with no convolution kernel and no FFT:

    x'(t) = Lambda x(t) + Bt u(t),    y(t) = Ct x(t) + D u(t)                       (continuous time)
    Lambda_bar = exp(Lambda Delta),   B_bar = Lambda^{-1} (Lambda_bar - I) Bt           (zero-order hold)
    x_k = Lambda_bar x_{k-1} + B_bar u_k,    y_k = 2 Re(Ct x_k) + D u_k

Delta is a learnt time scale per state. Lambda comes from HiPPO-N, the normal part of the HiPPO-LegS matrix:
its eigenvalues are -1/2 + i omega. The eigenvalues come in conjugate pairs, so only one of each pair is
kept (P modes stand for a real state of size 2P) and the readout takes twice the real part.

Glossary (paper -> code)
    u_k                 v                    (T, H) input
    Lambda              Lambda_re, Lambda_im (P,) continuous state matrix (one mode per conjugate pair)
    Delta               log_step             (P,) log time scales
    Bt = V^{-1} B       B_re, B_im           (P, H) input matrix in the eigenbasis
    Ct = C V            C_re, C_im           (H, P) output matrix in the eigenbasis
    D                   D                    (H,) skip
    x_k                 x                    (P,) complex state (states() gives [Re x | Im x])
    A (mixing)          A                    (H, T, T H): output channel c reads every input channel
    K_l (lags)          K                    (T, H, H): A laid out from them (mixing_compact)

Forms
    recurrent   the loop above
    scan        the same states by the parallel associative scan S5 trains with
"""

import numpy as np

from . import _mimo
from ._conv import as_param


def hippo_n(p: int):
    """The first p eigenvalues and eigenvectors of HiPPO-N (size 2p), as the authors initialise S5.

    HiPPO-N = -(HiPPO-LegS) + P P^T with P_n = sqrt(n + 1/2): normal, so it diagonalises with a unitary V;
    its real part is -1/2 on the diagonal and the rest is skew-symmetric.
    """
    n = 2 * p
    r = np.sqrt(2.0 * np.arange(n) + 1.0)
    legs = np.tril(np.outer(r, r)) - np.diag(np.arange(n))  # S4's convention: c' = -legs c + ...
    low = np.sqrt(np.arange(n) + 0.5)
    S = -legs + np.outer(low, low)
    omega, V = np.linalg.eigh(-1j * S)  # S = -1/2 I + skew, so -i S is Hermitian up to the real shift
    lam = np.mean(np.diag(S)) + 1j * omega
    return lam[:p], V[:, :p]


def inputs(T: int, d: int, rng: np.random.Generator, p: int = 8, dt_max: float = 0.1) -> dict:
    """Seeded u ~ N(0, 1) (T, d) and S5 parameters: HiPPO-N eigenvalues, Delta log-uniform in
    [dt_max / 100, dt_max] per state, Bt = V^* B and Ct = C V with B real and C complex Gaussian
    (scaled by 1/sqrt(fan-in)), D ~ N(0, 1)."""
    p = int(round(float(p)))
    if p < 1:
        raise ValueError(f"p: expected at least one complex mode, got {p}")
    if not dt_max > 0:
        raise ValueError(f"dt_max must be > 0, got {dt_max}")
    v = rng.standard_normal((T, d))
    lam, V = hippo_n(p)
    log_step = rng.uniform(np.log(dt_max / 100.0), np.log(dt_max), p)
    Bt = V.conj().T @ (rng.standard_normal((2 * p, d)) / np.sqrt(2 * p))
    Ct = (rng.standard_normal((d, 2 * p)) + 1j * rng.standard_normal((d, 2 * p))) / np.sqrt(4 * p) @ V
    D = rng.standard_normal(d)
    return {"v": v, "Lambda_re": lam.real.copy(), "Lambda_im": lam.imag.copy(), "log_step": log_step,
            "B_re": Bt.real.copy(), "B_im": Bt.imag.copy(), "C_re": Ct.real.copy(), "C_im": Ct.imag.copy(),
            "D": D}


def _check(v, Lambda_re, Lambda_im, log_step, B_re, B_im, C_re, C_im, D):
    p = np.asarray(Lambda_re).shape[0] if np.ndim(Lambda_re) == 1 else -1
    v, D = _mimo.check_io(v, D, p)
    H = v.shape[1]
    Lam = _mimo.complex_param("Lambda", Lambda_re, Lambda_im, (p,))
    if np.any(~(Lam.real < 0)):
        raise ValueError("Lambda_re: real parts must be < 0 (a stable SSM)")
    step = np.exp(as_param("log_step", log_step, (p,)))
    Bt = _mimo.complex_param("B", B_re, B_im, (p, H))
    Ct = _mimo.complex_param("C", C_re, C_im, (H, p))
    lam_bar = np.exp(Lam * step)  # zero-order hold
    B_bar = ((lam_bar - 1.0) / Lam)[:, None] * Bt
    return v, lam_bar, B_bar, Ct, D


def recurrent(v, Lambda_re, Lambda_im, log_step, B_re, B_im, C_re, C_im, D) -> np.ndarray:
    args = _check(v, Lambda_re, Lambda_im, log_step, B_re, B_im, C_re, C_im, D)
    return _mimo.recurrent(*args, scale=2.0)[0]  # conjugate symmetry: y = 2 Re(Ct x) + D u


def scan(v, Lambda_re, Lambda_im, log_step, B_re, B_im, C_re, C_im, D) -> np.ndarray:
    return _mimo.scan(*_check(v, Lambda_re, Lambda_im, log_step, B_re, B_im, C_re, C_im, D), scale=2.0)


def mixing_matrix(v, Lambda_re, Lambda_im, log_step, B_re, B_im, C_re, C_im, D) -> np.ndarray:
    """(H, T, T H): y[t, c] = sum_{s, h} A[c, t, s H + h] u[s, h]."""
    v, lam_bar, B_bar, Ct, D = _check(v, Lambda_re, Lambda_im, log_step, B_re, B_im, C_re, C_im, D)
    return _mimo.mixing_matrix(lam_bar, B_bar, Ct, D, 2.0, v.shape[0])


def mixing_compact(v, Lambda_re, Lambda_im, log_step, B_re, B_im, C_re, C_im, D) -> np.ndarray:
    """The lags K (T, H, H) that fix A exactly (A[c, t, s H + h] = K_{t-s}[c, h]): what a live run builds
    and fingerprints instead of the T^2 H^2 numbers of A."""
    v, lam_bar, B_bar, Ct, D = _check(v, Lambda_re, Lambda_im, log_step, B_re, B_im, C_re, C_im, D)
    return _mimo.mixing_kernel(lam_bar, B_bar, Ct, D, 2.0, v.shape[0])


def mixing_slice(K, c: int) -> np.ndarray:
    """Output channel c's (T, T H) slice of A, from mixing_compact's lags."""
    return _mimo.channel_rows(K, c)


def states(v, Lambda_re, Lambda_im, log_step, B_re, B_im, C_re, C_im, D) -> np.ndarray:
    """x_k after each step, (T, 2P): [Re x | Im x]."""
    args = _check(v, Lambda_re, Lambda_im, log_step, B_re, B_im, C_re, C_im, D)
    return _mimo.recurrent(*args, scale=2.0)[1]
