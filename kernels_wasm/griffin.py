"""Griffin's RG-LRU, the Real-Gated Linear Recurrent Unit (De et al., 2024; also Hawk).

A diagonal linear recurrence with two input-dependent gates. Per channel, the recurrence gate r_t sets how
much of the learnt base decay a = sigmoid(Lambda) is applied this step, and the input gate i_t filters x_t:

    a_t = a^{c r_t}   (c = 8),    h_t = a_t * h_{t-1} + sqrt(1 - a_t^2) * (i_t * x_t).

The sqrt(1 - a_t^2) factor keeps the state's scale near that of the input however long the memory is. There
are no queries and keys: in the shared KV view every channel is its own scalar memory, written with
v_t = sqrt(1 - a_t^2) i_t x_t and read with q = 1, so the mixing matrix is one lower-triangular T x T
matrix per channel. (Griffin's recurrent block also has a short convolution before the RG-LRU and a GeLU
branch after it; those are outside the recurrence and not included.)

Glossary (paper -> code)
    x_t                 v           (T, d) input to the recurrence
    r_t, i_t            r, i        (T, d) recurrence and input gates, sigmoid outputs in (0, 1)
    a = sigmoid(Lambda) a           (d,) base decay per channel, in (0, 1)
    c                   C_EXP       8, the fixed exponent
    log a_t             log_at      c r_t log a  (cumulative sums of it give every decay product)
    h_t                 h           (d,) state
    A                   A           (d, T, T): A[c, t, j] = prod_{l=j+1}^{t} a_l sqrt(1 - a_j^2) i_j  (j <= t)

Forms
    recurrent   the scan above (diagonal_scan once the gates have made a_t and the write b_t)
    parallel    h_t = sum_{j <= t} exp(L_t - L_j) b_j with L = cumsum(log a_t), b_j = sqrt(1 - a_j^2) i_j x_j,
                materialised channel by channel from the cumulative log gates
    chunked     the same within chunks, with h carried across chunk boundaries
"""

import numpy as np

from ._check import as_gate, as_matrix
from ._conv import as_param
from ._linear import scalar_memory_mixing
from ._softmax import sigmoid

C_EXP = 8.0


def inputs(T: int, d: int, rng: np.random.Generator, a_min: float = 0.9) -> dict:
    """Seeded x ~ N(0, 1) (T, d), gates r, i = sigmoid(N(0, 1)) (T, d), a with a^c uniform in [a_min, 0.999]
    (the paper initialises a^c in [0.9, 0.999]; lower a_min means faster forgetting)."""
    if not 0 < a_min <= 0.999:
        raise ValueError(f"a_min must lie in (0, 0.999], got {a_min}")
    v = rng.standard_normal((T, d))
    r = sigmoid(rng.standard_normal((T, d)))
    i = sigmoid(rng.standard_normal((T, d)))
    a = rng.uniform(a_min, 0.999, d) ** (1.0 / C_EXP)
    return {"v": v, "r": r, "i": i, "a": a}


def _check(v, r, i, a):
    """Validate and return x (T, d), log a_t (T, d) and the write scale w_t = sqrt(1 - a_t^2) i_t (T, d)."""
    v = as_matrix("v", v)
    T, d = v.shape
    r, i = as_gate("r", r, T, d), as_gate("i", i, T, d)
    # a (T,) gate is one value per step, shared by every channel
    r, i = (np.broadcast_to(g[:, None] if g.ndim == 1 else g, (T, d)) for g in (r, i))
    a = as_param("a", a, (d,))
    if np.any(~((a > 0) & (a < 1))):
        raise ValueError("a: base decays must lie in (0, 1)")
    if np.any(~((r >= 0) & (r <= 1))) or np.any(~((i >= 0) & (i <= 1))):
        raise ValueError("r, i: gates must lie in [0, 1]")
    log_at = C_EXP * r * np.log(a)  # log a_t = c r_t log a <= 0
    return v, log_at, np.sqrt(-np.expm1(2.0 * log_at)) * i  # sqrt(1 - a_t^2), exact even near a_t = 1


def diagonal_scan(b, log_a) -> np.ndarray:
    """The bare RG-LRU recurrence h_t = a_t * h_{t-1} + b_t per channel, from h_0 = 0, with a_t given as
    log a_t <= 0; b, log_a (T, d). recurrent() is this scan with b_t = sqrt(1 - a_t^2) (i_t * x_t); a GPU
    scan kernel (fla's chunk_hgrn) takes exactly these two arrays."""
    b = as_matrix("b", b)
    log_a = as_matrix("log_a", log_a, *b.shape)
    if np.any(~(log_a <= 0)):
        raise ValueError("log_a: decays a_t = exp(log_a) must lie in (0, 1], so log_a <= 0")
    h, out = np.zeros(b.shape[1]), np.empty(b.shape)
    for t in range(b.shape[0]):
        h = np.exp(log_a[t]) * h + b[t]
        out[t] = h
    return out


def recurrent(v, r, i, a) -> np.ndarray:
    v, log_at, w = _check(v, r, i, a)
    return diagonal_scan(w * v, log_at)  # a_t * h_{t-1} + sqrt(1 - a_t^2) * (i_t * x_t)


def _decay(L, ch, causal):
    """(T, T) lower-triangular prod_{l=j+1}^{t} a_l of channel ch, from the cumulative log gates L (T, d)."""
    # above the diagonal the exponent would be positive and is masked anyway: clamp it so exp() stays finite
    return np.where(causal, np.exp(np.minimum(L[:, ch, None] - L[None, :, ch], 0.0)), 0.0)


def parallel(v, r, i, a) -> np.ndarray:
    v, log_at, w = _check(v, r, i, a)
    T, d = v.shape
    L, causal = np.cumsum(log_at, axis=0), np.tril(np.ones((T, T), dtype=bool))
    out = np.empty(v.shape)
    for ch in range(d):  # one T x T at a time keeps the scratch small
        out[:, ch] = _decay(L, ch, causal) @ (w[:, ch] * v[:, ch])
    return out


def chunked(v, r, i, a, chunk_size: int = 16) -> np.ndarray:
    v, log_at, w = _check(v, r, i, a)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    T, d = v.shape
    b = w * v
    h, out = np.zeros(d), np.empty(v.shape)
    for s in range(0, T, chunk_size):
        c = slice(s, min(s + chunk_size, T))
        L = np.cumsum(log_at[c], axis=0)  # (n, d), log decay from the chunk start
        n = L.shape[0]
        lower = np.tril(np.ones((n, n), dtype=bool))[:, :, None]
        decay = np.where(lower, np.exp(np.minimum(L[:, None, :] - L[None, :, :], 0.0)), 0.0)  # (n, n, d)
        out[c] = np.exp(L) * h + np.einsum("tjd,jd->td", decay, b[c])  # carried state + the chunk's inputs
        h = out[c][-1]
    return out


def mixing_matrix(v, r, i, a) -> np.ndarray:
    """(d, T, T): out[:, c] = A[c] @ x[:, c], A[c, t, j] = prod_{l=j+1}^{t} a_l * w_j."""
    v, log_at, w = _check(v, r, i, a)
    return scalar_memory_mixing(np.exp(log_at), w)


def states(v, r, i, a) -> np.ndarray:
    """h_t after each step as a column per channel, (T, d, 1)."""
    return recurrent(v, r, i, a)[:, :, None]
