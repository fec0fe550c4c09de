"""sLSTM, the scalar-memory cell of xLSTM (Beck et al., 2024): an LSTM with exponential input gates, a
normaliser state and memory mixing, i.e. a recurrence that is nonlinear in its own past.

Every channel keeps a cell c, a normaliser n and the previous output h. The gates and the cell input see
h_{t-1} through recurrent matrices R (block-diagonal over heads in the paper; one head here), so what is
written at step t depends on everything read before it:

    [i~_t, f~_t, z~_t, o~_t] = W x_t + R h_{t-1} + b        (here W x_t + b is given: xi, xf, xz, xo)
    i_t = exp(i~_t),  f_t = sigmoid(f~_t),  z_t = tanh(z~_t),  o_t = sigmoid(o~_t)
    c_t = f_t c_{t-1} + i_t z_t,    n_t = f_t n_{t-1} + i_t,    h_t = o_t c_t / n_t

This is not the zoo's skeleton (a memory written each step and read by a query): there is no query, and the
written values z_t are themselves outputs of the recurrence. Along one trajectory the output is still a
weighted sum of the cell inputs, h_t = sum_{s <= t} A_ts z_s per channel, with
A_ts = o_t (prod_{l=s+1}^t f_l) i_s / n_t, but A and z both depend on the input: mixing_matrix returns that
trajectory's A and values its z.

exp(i~) can overflow, so the released cell carries a stabiliser m_t = max(log f_t + m_{t-1}, i~_t)
(m_1 = i~_1) and the rescaled gates exp(i~_t - m_t), exp(log f_t + m_{t-1} - m_t); c and n are then
stored scaled by exp(-m_t) and h is unchanged.

Glossary (paper -> code)
    W x_t + b (four parts)    xi, xf, xz, xo (T, d)   the input's share of each pre-activation
    r_i, r_f, r_z, r_o        R (4, d, d)             recurrent matrices (memory mixing), applied to h_{t-1}
    c_t, n_t, m_t, h_t        c, n, m, h (d,)         cell, normaliser, stabiliser, output

Forms
    recurrent          the cell as written above (exponential gates, no stabiliser)
    recurrent_stable   the released cell, with the stabiliser m_t
"""

import numpy as np

from ._check import as_matrix
from ._linear import scalar_memory_mixing
from ._memo import last_call
from ._softmax import log_sigmoid


def inputs(
    T: int, d: int, rng: np.random.Generator, mixing: float = 0.5, f_bias: float = 3.0, i_bias: float = 0.0,
) -> dict:
    """Seeded pre-activations ~ N(bias, 1) and recurrent matrices with spectral scale ~ mixing."""
    xi = rng.standard_normal((T, d)) + i_bias
    xf = rng.standard_normal((T, d)) + f_bias
    xz = rng.standard_normal((T, d))
    xo = rng.standard_normal((T, d))
    if mixing < 0:
        raise ValueError(f"mixing must be >= 0, got {mixing}")
    R = mixing * rng.standard_normal((4, d, d)) / np.sqrt(d)
    return {"xi": xi, "xf": xf, "xz": xz, "xo": xo, "R": R}


def _check(xi, xf, xz, xo, R):
    xi = as_matrix("xi", xi)
    T, d = xi.shape
    xf, xz, xo = (as_matrix(n, a, T, d) for n, a in (("xf", xf), ("xz", xz), ("xo", xo)))
    R = np.asarray(R)
    if R.dtype.kind not in "fiu" or R.shape != (4, d, d):
        raise ValueError(f"R: expected four real recurrent matrices, shape (4, {d}, {d}), got {R.shape}")
    return xi, xf, xz, xo, R.astype(np.float64)


def _pre(xi, xf, xz, xo, R, t, h):
    """The four pre-activations of step t: the input's share plus memory mixing R h_{t-1}."""
    r = R @ h  # (4, d): r_i h, r_f h, r_z h, r_o h in one product
    return xi[t] + r[0], xf[t] + r[1], xz[t] + r[2], xo[t] + r[3]


def recurrent(xi, xf, xz, xo, R) -> np.ndarray:
    xi, xf, xz, xo, R = _check(xi, xf, xz, xo, R)
    T, d = xi.shape
    c, n, h = np.zeros(d), np.zeros(d), np.zeros(d)
    out = np.empty((T, d))
    for t in range(T):
        i_pre, f_pre, z_pre, o_pre = _pre(xi, xf, xz, xo, R, t, h)
        i, f = np.exp(i_pre), 1.0 / (1.0 + np.exp(-f_pre))
        c = f * c + i * np.tanh(z_pre)
        n = f * n + i
        h = c / n / (1.0 + np.exp(-o_pre))
        out[t] = h
    return out


def _stable(xi, xf, xz, xo, R):
    """The released cell; records what the trajectory's mixing matrix needs."""
    T, d = xi.shape
    c, n, m, h = np.zeros(d), np.zeros(d), np.zeros(d), np.zeros(d)
    rec = {k: np.empty((T, d)) for k in ("h", "z", "i", "log_f", "o", "n", "c", "m")}
    for t in range(T):
        i_pre, f_pre, z_pre, o_pre = _pre(xi, xf, xz, xo, R, t, h)
        log_f = log_sigmoid(f_pre)
        m_new = i_pre if t == 0 else np.maximum(log_f + m, i_pre)
        i_s, log_f_s = np.exp(i_pre - m_new), log_f + m - m_new  # stabilised gates
        z, o = np.tanh(z_pre), 1.0 / (1.0 + np.exp(-o_pre))
        c = np.exp(log_f_s) * c + i_s * z
        n = np.exp(log_f_s) * n + i_s
        h = o * c / n
        m = m_new
        step = {"h": h, "z": z, "i": i_s, "log_f": log_f_s, "o": o, "n": n, "c": c, "m": m}
        for k, val in step.items():
            rec[k][t] = val
    return rec


@last_call  # values, mixing_matrix and states of one live run read the same trajectory: run the cell once
def _trajectory(xi, xf, xz, xo, R) -> dict:
    return _stable(*_check(xi, xf, xz, xo, R))


def recurrent_stable(xi, xf, xz, xo, R) -> np.ndarray:
    return _stable(*_check(xi, xf, xz, xo, R))["h"]


def values(xi, xf, xz, xo, R) -> np.ndarray:
    """The cell inputs z_t of this trajectory: what mixing_matrix mixes (they depend on the past outputs)."""
    return _trajectory(xi, xf, xz, xo, R)["z"].copy()


def mixing_matrix(xi, xf, xz, xo, R) -> np.ndarray:
    """Per channel (d, T, T): A_ts = o_t (prod_{l=s+1}^t f'_l) i'_s / n_t along this trajectory: the cell's
    scalar memory c (decay f'_t <= 1, the stabilised forget gate; write i'_t), read with o_t / n_t."""
    r = _trajectory(xi, xf, xz, xo, R)
    return scalar_memory_mixing(np.exp(r["log_f"]), r["i"]) * (r["o"] / r["n"]).T[:, :, None]


def states(xi, xf, xz, xo, R) -> np.ndarray:
    """(T, 3, d): the stabilised cell c, the normaliser n and the stabiliser m after each step."""
    r = _trajectory(xi, xf, xz, xo, R)
    return np.stack([r["c"], r["n"], r["m"]], axis=1)
