"""H3, Hungry Hungry Hippos (Fu, Dao et al., 2022): two SSMs and two multiplicative gates.

H3 builds a linear-attention-like layer out of SSMs. Keys go through a shift SSM (A a shift matrix, so its
output is a short causal convolution of the last N_s keys; plus the skip D_k k_t); the smoothed key is
multiplied with the value into an outer product; a diagonal SSM runs over that outer product (one scalar
kernel per head, shared by all d_k x d_v entries); the query reads the result:

    k_bar_t = sum_{l=0}^{N_s - 1} c_l * k_{t-l} + D_k * k_t                   (shift SSM, per channel)
    S^(n)_t = A_bar_n S^(n)_{t-1} + B_bar_n v_t k_bar_t^T                     (diagonal SSM, mode n)
    o_t = (sum_n 2 Re(C_n S^(n)_t) + D v_t k_bar_t^T) q_t.

Unrolled, o_t = sum_{j <= t} h_{t-j} (q_t . k_bar_j) v_j with the SSM kernel h_l = 2 Re(C A_bar^l B_bar)
(+ D at l = 0): linear attention whose decay mask is an SSM kernel rather than a geometric one. There is
no softmax and no 1/sqrt(d) scaling. One head of width d here (the paper's multi-head form with head
dimension d_h = d; with d_h = 1 the outer product becomes an elementwise gate).

Glossary (paper -> code)
    Q, K, V                 q, k, v      (T, d) projections of the input
    SSM_shift: C, D         c_shift, D_k (N_s, d) shift-SSM output weights (a length-N_s causal filter), (d,)
    SSM_diag: Delta, A, C, D  dt, A_re, A_im, C_re, C_im, D   (1,), (1, n) x 4, (1,): one diagonal SSM
    K_bar                   kbar         (T, d) shifted keys
    h                       h            (T,) diagonal-SSM kernel (D folded in at lag 0)
    S^(n)_t                 S            (n, d_v, d_k) complex: the state, one d_v x d_k memory per mode
    A (mixing)              A            (T, T): A_tj = h_{t-j} (q_t . k_bar_j)

Forms
    recurrent   a shift register for the keys, then the diagonal-SSM scan over v_t k_bar_t^T, read by q_t
    parallel    the paper's FFT path: convolve each of the d_k x d_v channels of k_bar v^T with h, then q
"""

import numpy as np

from ._check import as_matrix, qkv
from ._conv import as_param, causal_conv, check_ssm, s4d_lin_init, ssm_kernel, zoh


def inputs(
    T: int, d: int, rng: np.random.Generator, sigma: float = 1.0, shift: int = 4, n: int = 4, dt: float = 0.1
) -> dict:
    """Seeded q, k, v ~ N(0, 1) (T, d) (sigma scales q, k), shift weights c ~ N(0, 1/N_s) (N_s, d),
    D_k ~ N(0, 1) (d,), and one S4D-Lin diagonal SSM with step dt, n modes and D ~ N(0, 1)."""
    n_s, n = int(round(float(shift))), int(round(float(n)))
    if n_s < 1 or n < 1:
        raise ValueError(f"shift and n must be >= 1, got shift={shift}, n={n}")
    q = rng.standard_normal((T, d)) * sigma
    k = rng.standard_normal((T, d)) * sigma
    v = rng.standard_normal((T, d))
    c_shift = rng.standard_normal((n_s, d)) / np.sqrt(n_s)
    D_k = rng.standard_normal(d)
    ssm = s4d_lin_init(1, n, rng, dt, dt)
    D = rng.standard_normal(1)
    return {"q": q, "k": k, "v": v, "c_shift": c_shift, "D_k": D_k, **ssm, "D": D}


def _check(q, k, v, c_shift, D_k, dt, A_re, A_im, C_re, C_im, D):
    q, k, v = qkv(q, k, v)
    c_shift = as_matrix("c_shift", c_shift, d=q.shape[1])
    D_k = as_param("D_k", D_k, (q.shape[1],))
    dt, A, C = check_ssm(dt, A_re, A_im, C_re, C_im, 1)
    return q, k, v, c_shift, D_k, dt, A, C, as_param("D", D, (1,))


def shift_keys(k, c_shift, D_k) -> np.ndarray:
    """k_bar_t = sum_l c_l * k_{t-l} + D_k * k_t: the shift SSM's output, a short causal filter. (T, d)"""
    T = k.shape[0]
    kbar = D_k * k
    for lag in range(min(c_shift.shape[0], T)):
        kbar[lag:] += c_shift[lag] * k[: T - lag]
    return kbar


def _kernel(dt, A, C, D, T):
    h = ssm_kernel(dt, A, C, T)[:, 0]  # (T,)
    h[0] += D[0]
    return h


def recurrent(q, k, v, c_shift, D_k, dt, A_re, A_im, C_re, C_im, D) -> np.ndarray:
    return _run(*_check(q, k, v, c_shift, D_k, dt, A_re, A_im, C_re, C_im, D))[0]


def _run(q, k, v, c_shift, D_k, dt, A, C, D):
    T, d_k = q.shape
    d_v = v.shape[1]
    n_s = c_shift.shape[0]
    A_bar, B_bar = zoh(dt, A)  # (1, n)
    A_bar, B_bar, C = A_bar[0][:, None, None], B_bar[0][:, None, None], C[0][:, None, None]
    reg = np.zeros((n_s, d_k))  # shift register: reg[l] = k_{t-l}
    S = np.zeros((A.shape[1], d_v, d_k), dtype=complex)
    o, M = np.empty((T, d_v)), np.empty((T, d_v, d_k))
    for t in range(T):
        reg = np.roll(reg, 1, axis=0)  # shift SSM: x_t = (shift) x_{t-1} + e_1 k_t
        reg[0] = k[t]
        kbar = np.sum(c_shift * reg, axis=0) + D_k * k[t]
        kv = np.outer(v[t], kbar)  # v_t k_bar_t^T (d_v, d_k)
        S = A_bar * S + B_bar * kv  # every mode decays and takes the new outer product
        M[t] = 2.0 * np.real(np.sum(C * S, axis=0)) + D[0] * kv  # the memory q_t reads
        o[t] = M[t] @ q[t]
    return o, M


def parallel(q, k, v, c_shift, D_k, dt, A_re, A_im, C_re, C_im, D) -> np.ndarray:
    q, k, v, c_shift, D_k, dt, A, C, D = _check(q, k, v, c_shift, D_k, dt, A_re, A_im, C_re, C_im, D)
    T, d_k = q.shape
    h = _kernel(dt, A, C, D, T)
    kbar = shift_keys(k, c_shift, D_k)
    kv = (kbar[:, :, None] * v[:, None, :]).reshape(T, -1)  # (T, d_k * d_v) channels of k_bar * v
    y = causal_conv(kv, np.repeat(h[:, None], kv.shape[1], axis=1)).reshape(T, d_k, -1)
    return np.einsum("ta,tab->tb", q, y)  # contract with q over the key channels


def mixing_matrix(q, k, v, c_shift, D_k, dt, A_re, A_im, C_re, C_im, D) -> np.ndarray:
    q, k, v, c_shift, D_k, dt, A, C, D = _check(q, k, v, c_shift, D_k, dt, A_re, A_im, C_re, C_im, D)
    T = q.shape[0]
    h = _kernel(dt, A, C, D, T)
    lag = np.arange(T)[:, None] - np.arange(T)[None, :]
    decay = np.where(lag >= 0, h[np.clip(lag, 0, None)], 0.0)  # Toeplitz mask from the SSM kernel
    return decay * (q @ shift_keys(k, c_shift, D_k).T)


def states(q, k, v, c_shift, D_k, dt, A_re, A_im, C_re, C_im, D) -> np.ndarray:
    """The memory q_t reads, M_t = sum_n 2 Re(C_n S^(n)_t) + D v_t k_bar_t^T, (T, d_v, d_k).

    The full state is n such complex matrices (plus the N_s-key shift register); M_t is their readout. It is
    the SSM kernel convolved with v_s k_bar_s^T, M_t = sum_{s <= t} h_{t-s} v_s k_bar_s^T, so all T of them
    come from one FFT convolution (the loop in ``_run`` gives the same numbers step by step, one T-step
    pass of complex products that a live run would pay for a second time).
    """
    q, k, v, c_shift, D_k, dt, A, C, D = _check(q, k, v, c_shift, D_k, dt, A_re, A_im, C_re, C_im, D)
    T, d_k = q.shape
    kv = v[:, :, None] * shift_keys(k, c_shift, D_k)[:, None, :]  # (T, d_v, d_k): v_t k_bar_t^T
    return causal_conv(kv.reshape(T, -1), _kernel(dt, A, C, D, T)[:, None]).reshape(kv.shape)
