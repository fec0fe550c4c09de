"""Hyena (Poli et al., 2023): an order-2 recurrence of implicit long convolutions and elementwise gates.

The Hyena operator of order N takes N + 1 projections of the input, (v, x^1, ..., x^N), and alternates a long
causal convolution with an elementwise gate, channel by channel:

    z^1 = v,    z^{n+1}_t = x^n_t * (h^n * z^n)_t    (n = 1 .. N),    y = z^{N+1}.

Order 2 here: y = x^2 * (h^2 * (x^1 * (h^1 * v))). The filters h^n are as long as the sequence and are not
stored weight by weight: a small FFN with sine activations maps a positional encoding of t to h_t, and an
exponential window exp(-|delta_c| t) (t in [0, 1]) makes each channel c fade at its own rate. Each
convolution also has a skip term D^n (its "bias"); it is folded into h^n at lag 0 here, which is identical.

KV view, honestly: there is no fixed-size recurrent state. A step-by-step run keeps every past z^1 and z^2
(like a KV cache of inputs) and convolves against it; Hyena's own code trains with FFTs and leaves fast
recurrent inference to later distillation work. Per channel the operator is linear in v, with mixing matrix
A = Diag(x^2) T(h^2) Diag(x^1) T(h^1), so A is (d, T, T). (The official code applies the first gate before
the first filter and uses N - 1 filters for order N; this kernel follows the paper's Definition 3.1. The
short depthwise convolutions that follow the input projection are part of producing v, x^1, x^2 and so are
not repeated here.)

Glossary (paper -> code)
    v, x^1, x^2          v, x1, x2        (T, d) projections; x^1, x^2 are the gates
    h^1, h^2             h1, h2           (T, d) long filters (skip D folded in at lag 0)
    PE(t), FFN, Window   implicit_filter  how h is produced from t: FFN(PE(t)) * exp(-|delta| t)
    z^n                  z1, z2           (T, d) intermediate signals
    A                    A                (d, T, T), y[:, c] = A[c] @ v[:, c]
    (compact A)          (x1, x2, h1, h2) what fixes every A[c] (mixing_compact): 4 T d numbers

Forms
    recurrent   step t: append z^1_t to its history, convolve, gate; the same for z^2 (O(t d) per step)
    parallel    two FFT convolutions, O(T log T d)
"""

import numpy as np

from ._check import as_matrix
from ._conv import causal_conv, toeplitz


def implicit_filter(
    T: int,
    channels: int,
    rng: np.random.Generator,
    width: int = 16,
    emb_dim: int = 5,
    freq: float = 1.0,
    fast_decay: float = 0.3,
    slow_decay: float = 1.5,
    target: float = 1e-2,
) -> np.ndarray:
    """h (T, channels) = FFN(PE(t)) * exp(-|delta_c| t), as in Hyena's HyenaFilter (3 sine layers, width 16).

    Draw order: the four weight matrices and three biases of the FFN, layer by layer (PyTorch's default
    uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) initialisation).
    """
    t = np.linspace(0.0, 1.0, T)[:, None]  # time normalised to [0, 1]
    bands = (emb_dim - 1) // 2
    angle = 2 * np.pi * np.arange(T)[:, None] / T
    f = np.linspace(1e-4, bands - 1, bands)[None, :]
    # (T, emb_dim): t, then the real and imaginary parts of e^{-i f angle}
    pe = np.concatenate([t, np.cos(f * angle), -np.sin(f * angle)], axis=1)

    def linear(fan_in, fan_out, bias=True):
        bound = 1.0 / np.sqrt(fan_in)
        W = rng.uniform(-bound, bound, (fan_in, fan_out))
        b = rng.uniform(-bound, bound, fan_out) if bias else np.zeros(fan_out)
        return W, b

    h = pe
    for fan_in in (emb_dim, width, width):
        W, b = linear(fan_in, width)
        h = np.sin(freq * (h @ W + b))  # Hyena's Sin activation, frequency `freq`
    W, _ = linear(width, channels, bias=False)
    h = h @ W
    deltas = np.abs(np.linspace(np.log(target) / slow_decay, np.log(target) / fast_decay, channels))
    return h * np.exp(-t * deltas[None, :])  # the exponential window: channel c decays at rate deltas[c]


def inputs(T: int, d: int, rng: np.random.Generator, decay: float = 0.3, freq: float = 1.0) -> dict:
    """Seeded v, x1, x2 ~ N(0, 1) (T, d), then filters h1, h2 from the implicit FFN and skips D ~ N(0, 1).

    decay is the window's fast_decay_pct (smaller = the fastest channels die sooner); freq the sine frequency.
    """
    if not decay > 0:
        raise ValueError(f"decay must be > 0, got {decay}")
    v = rng.standard_normal((T, d))
    x1 = rng.standard_normal((T, d))
    x2 = rng.standard_normal((T, d))
    h = implicit_filter(T, 2 * d, rng, freq=freq, fast_decay=decay, slow_decay=5.0 * decay)
    D = rng.standard_normal(2 * d)
    h[0] += D  # y = h * u + D u  ==  (h + D delta) * u
    return {"v": v, "x1": x1, "x2": x2, "h1": h[:, :d], "h2": h[:, d:]}


def _check(v, x1, x2, h1, h2):
    v = as_matrix("v", v)
    T, d = v.shape
    return v, *(as_matrix(nm, a, T, d) for nm, a in (("x1", x1), ("x2", x2), ("h1", h1), ("h2", h2)))


def recurrent(v, x1, x2, h1, h2) -> np.ndarray:
    v, x1, x2, h1, h2 = _check(v, x1, x2, h1, h2)
    T = v.shape[0]
    z1, z2, y = np.empty(v.shape), np.empty(v.shape), np.empty(v.shape)
    for t in range(T):
        z1[t] = v[t]
        # (h * z)_t = sum_j h_{t-j} z_j over the whole history; h[t::-1] lists h_t, ..., h_0 for j = 0 .. t
        z2[t] = x1[t] * np.einsum("jc,jc->c", h1[t::-1], z1[: t + 1])
        y[t] = x2[t] * np.einsum("jc,jc->c", h2[t::-1], z2[: t + 1])
    return y


def parallel(v, x1, x2, h1, h2) -> np.ndarray:
    v, x1, x2, h1, h2 = _check(v, x1, x2, h1, h2)
    return x2 * causal_conv(x1 * causal_conv(v, h1), h2)


def mixing_matrix(v, x1, x2, h1, h2) -> np.ndarray:
    """(d, T, T): A[c] = Diag(x2[:, c]) T(h2[:, c]) Diag(x1[:, c]) T(h1[:, c])."""
    return _mixing(*_check(v, x1, x2, h1, h2)[1:])


def _mixing(x1, x2, h1, h2) -> np.ndarray:
    """A for the channels of the (T, d') arrays given, (d', T, T).

    The product T(h2) B is a causal convolution of every column of B with h2, so it is done with FFTs
    (O(d T^2 log T)) rather than as d dense T x T matrix products (O(d T^3)).
    """
    T = x1.shape[0]
    inner = x1.T[:, :, None] * toeplitz(h1)  # Diag(x^1) T(h^1), (d, T, T): column j is x^1 * h^1 shifted by j
    n = 2 * T
    conv = np.fft.irfft(np.fft.rfft(inner, n, axis=1) * np.fft.rfft(h2, n, axis=0).T[:, :, None], n, axis=1)
    return x2.T[:, :, None] * np.tril(conv[:, :T, :])  # exact zeros above the diagonal (FFT leaves ~1e-17)


# A live run (api.simulate with a compact A) takes its output from this loop-free form.
COMPACT_OUTPUT = "parallel"


def mixing_compact(v, x1, x2, h1, h2) -> tuple:
    """What fixes every A[c] exactly, 4 T d numbers instead of d T^2: the gates x^1, x^2 and the filters
    h^1, h^2 (skips folded in), each (T, d)."""
    return _check(v, x1, x2, h1, h2)[1:]


def mixing_slice(compact, c: int) -> np.ndarray:
    """A[c] (T, T) alone, from mixing_compact's gates and filters of channel c."""
    return _mixing(*(a[:, c : c + 1] for a in compact))[0]


def states(v, x1, x2, h1, h2) -> None:
    """No fixed-size state: step t convolves all t + 1 past inputs of both stages (2 (t+1) d numbers)."""
    _check(v, x1, x2, h1, h2)
    return None
