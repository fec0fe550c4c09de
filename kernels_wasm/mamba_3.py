"""Mamba-3 (Lahoti et al., 2026): Mamba-2 with an exponential-trapezoidal step and a complex (rotating) state.

Two changes to Mamba-2's scalar-decay recurrence (single-input single-output variant; MIMO is left out):
* exponential-trapezoidal discretisation: each step blends the current write (weight gamma_t) with the
  previous token's write carried across the step (weight beta_t); lambda_t = 1 is Mamba-2's Euler step;
* a complex-valued A: its imaginary part rotates pairs of state channels by Delta_t theta_t each step. Written
  with real numbers this is a data-dependent rotation R_t; the kernel folds it into "RoPE" on B and C
  (rotate by the cumulative angle Phi_t), which is how the official kernels compute it.

Glossary (paper symbol -> code):
    x_t, B_t, C_t       v (T, d_v), k (T, d_k), q (T, d_k)
    Delta_t             dt (T,)              step size (> 0)
    A                   A (float < 0)        real part of the eigenvalue, the decay rate
    theta_t             theta (T, d_k // 2)  rotation speed of each channel pair (rad per unit Delta)
    lambda_t            lam (T,)             trapezoid weight in [0, 1]
    alpha_t             exp(Delta_t A)                 decay
    beta_t              (1 - lambda_t) Delta_t alpha_t weight of the previous write
    gamma_t             lambda_t Delta_t               weight of the current write
    R_t                 rotation of channel pairs (2i, 2i+1) by Delta_t theta_t[i] (an odd last channel stays)
    h_t                 S (d_v, d_k)

Equations (as on the card):
    S_t = (alpha_t S_{t-1} + beta_t v_{t-1} k_{t-1}^T) R_t + gamma_t v_t k_t^T,   o_t = S_t q_t
Rotary form: with Phi_t = sum_{l <= t} Delta_l theta_l, k~_t = R(Phi_t) k_t and q~_t = R(Phi_t) q_t the
rotations cancel: S~_t = alpha_t S~_{t-1} + beta_t v_{t-1} k~_{t-1}^T + gamma_t v_t k~_t^T, o_t = S~_t q~_t,
two scalar-gated linear attentions (the current and the shifted previous write), each chunkable.
The skip term D x_t and the output gate are outside the mixing and left out.
"""

import numpy as np

from ._check import as_gate, as_matrix, qkv
from ._linear import as_chunk_size, as_scalar, diag_chunked, diag_mixing, gate_around, softplus


def inputs(
    T: int, d: int, rng: np.random.Generator, a: float = 1.0, lam: float = 0.5, rot: float = 0.5
) -> dict:
    C = rng.standard_normal((T, d)) / np.sqrt(d)
    B = rng.standard_normal((T, d))
    x = rng.standard_normal((T, d))
    z_dt = rng.standard_normal(T)
    z_lam = rng.standard_normal(T)
    z_theta = rng.standard_normal((T, d // 2))
    if a < 0:
        raise ValueError(f"a = |A| must be >= 0, got {a}")
    return {
        "q": C,
        "k": B,
        "v": x,
        "dt": softplus(z_dt - 2.0),
        "A": -float(a),
        "lam": gate_around(lam, z_lam),  # lambda_t = sigmoid(projection), centred on the slider value
        "theta": rot * np.pi * np.tanh(z_theta),  # as in the official kernel: pi tanh(.) per unit step
    }


def _validate(q, k, v, dt, A, lam, theta):
    q, k, v = qkv(q, k, v)
    T, d_k = q.shape
    dt = as_gate("dt", dt, T)
    lam = as_gate("lam", lam, T)
    if dt.ndim != 1 or lam.ndim != 1:
        raise ValueError(f"dt and lam: expected one value per token, shape ({T},)")
    A = as_scalar("A", A)
    theta = as_matrix("theta", theta, T, d_k // 2)
    if A > 0 or np.any(dt < 0) or np.any((lam < 0) | (lam > 1)):
        raise ValueError("Mamba-3 needs A <= 0, dt >= 0 and lam in [0, 1]")
    return q, k, v, dt, A, lam, theta


def rotation(angles, d_k):
    """R (d_k, d_k): 2 x 2 blocks [[cos, -sin], [sin, cos]] on channel pairs (2i, 2i+1)."""
    R = np.eye(d_k)
    i = 2 * np.arange(len(angles))  # the first channel of each pair
    c, s = np.cos(angles), np.sin(angles)
    R[i, i], R[i, i + 1] = c, -s
    R[i + 1, i], R[i + 1, i + 1] = s, c
    return R


def rotate(x, Phi):
    """Apply R(Phi_t) to every row of x (T, d_k) without building matrices: the rotary form."""
    out = x.copy()
    c, s = np.cos(Phi), np.sin(Phi)
    x0, x1 = x[:, 0 : 2 * Phi.shape[1] : 2], x[:, 1 : 2 * Phi.shape[1] : 2]
    out[:, 0 : 2 * Phi.shape[1] : 2] = x0 * c - x1 * s
    out[:, 1 : 2 * Phi.shape[1] : 2] = x0 * s + x1 * c
    return out


def _coefficients(dt, A, lam):
    alpha = np.exp(dt * A)
    return alpha, (1.0 - lam) * dt * alpha, lam * dt  # alpha_t, beta_t, gamma_t


def recurrent(q, k, v, dt, A, lam, theta):
    q, k, v, dt, A, lam, theta = _validate(q, k, v, dt, A, lam, theta)
    return _run(q, k, v, dt, A, lam, theta)[0]


def _run(q, k, v, dt, A, lam, theta):
    T, d_k = q.shape
    alpha, beta, gamma = _coefficients(dt, A, lam)
    S = np.zeros((v.shape[1], d_k))
    o = np.empty((T, v.shape[1]))
    states = np.empty((T, v.shape[1], d_k))
    prev = np.zeros_like(S)  # v_{t-1} k_{t-1}^T (zero before the first token)
    for t in range(T):
        # X R_t turns every row of X by R_t^T = R(-angle): rotate() does it pair by pair, no d_k x d_k product
        turn = np.broadcast_to(-dt[t] * theta[t], (S.shape[0], theta.shape[1]))
        write = np.outer(v[t], k[t])
        S = rotate(alpha[t] * S + beta[t] * prev, turn) + gamma[t] * write  # (alpha S + beta prev) R_t + ...
        prev = write
        o[t] = S @ q[t]
        states[t] = S
    return o, states


def _rotary(q, k, dt, theta):
    Phi = np.cumsum(dt[:, None] * theta, axis=0)  # cumulative angle, (T, d_k // 2)
    return rotate(q, Phi), rotate(k, Phi)


def mixing_matrix(q, k, v, dt, A, lam, theta):
    """A = L_gamma + L_beta Z: current-write term plus previous-write term (Z shifts values by one step)."""
    q, k, v, dt, A, lam, theta = _validate(q, k, v, dt, A, lam, theta)
    alpha, beta, gamma = _coefficients(dt, A, lam)
    qr, kr = _rotary(q, k, dt, theta)
    logw = dt * A
    M = diag_mixing(qr, kr * gamma[:, None], logw)
    k_prev = np.zeros_like(kr)
    k_prev[1:] = kr[:-1] * beta[1:, None]  # at step t the key k~_{t-1} enters with weight beta_t
    M_prev = diag_mixing(qr, k_prev, logw)  # column t multiplies v_{t-1}
    M[:, :-1] += M_prev[:, 1:]
    return M


def parallel(q, k, v, dt, A, lam, theta):
    return mixing_matrix(q, k, v, dt, A, lam, theta) @ qkv(q, k, v)[2]


def chunked(q, k, v, dt, A, lam, theta, chunk_size=16):
    """Two SSD passes on the rotated keys: the current write and the one-step-delayed write."""
    q, k, v, dt, A, lam, theta = _validate(q, k, v, dt, A, lam, theta)
    cs = as_chunk_size(chunk_size)
    alpha, beta, gamma = _coefficients(dt, A, lam)
    qr, kr = _rotary(q, k, dt, theta)
    k_prev, v_prev = np.zeros_like(kr), np.zeros_like(v)
    k_prev[1:], v_prev[1:] = kr[:-1] * beta[1:, None], v[:-1]
    o_cur, _ = diag_chunked(qr, kr * gamma[:, None], v, dt * A, cs)
    o_prev, _ = diag_chunked(qr, k_prev, v_prev, dt * A, cs)
    return o_cur + o_prev


def states(q, k, v, dt, A, lam, theta):
    q, k, v, dt, A, lam, theta = _validate(q, k, v, dt, A, lam, theta)
    return _run(q, k, v, dt, A, lam, theta)[1]
