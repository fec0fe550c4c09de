"""Multi-head Latent Attention (DeepSeek-AI, DeepSeek-V2, 2024): cache one latent vector per token.

Each token is compressed into one latent c_t = W^{DKV} h_t of width d_c, shared by all heads; per head, keys
and values are up-projections of it, k^C_{t,i} = W^{UK}_i c_t and v^C_{t,i} = W^{UV}_i c_t. Position enters
through a separate, decoupled RoPE key k^R_t = RoPE(W^{KR} h_t), one for all heads, concatenated to every
head's key (the query gets its own rotated part q^R_{t,i}):

    q_{t,i} = [q^C_{t,i}; q^R_{t,i}],   k_{j,i} = [k^C_{j,i}; k^R_j]
    o_{t,i} = sum_{j<=t} softmax_j( q_{t,i} . k_{j,i} / sqrt(d_h + d_h^R) ) v^C_{j,i}

Decoding caches only (c_t, k^R_t): d_c + d_h^R numbers per token instead of multi-head attention's 2 H d_h.
It never rebuilds the keys and values: since q^C_{t,i} . (W^{UK}_i c_j) = (W^{UK}_i^T q^C_{t,i}) . c_j, the
up-projection W^{UK} is absorbed into the query and the head scores the cached latents directly; and since
sum_j a_j W^{UV}_i c_j = W^{UV}_i (sum_j a_j c_j), W^{UV} is applied once to the weighted latent (in the
released model it merges into the output projection W^O). RoPE is kept out of the latent because a rotation
between W^{UK} and the query would depend on the position and block the absorption.

Glossary (paper -> code; sizes as in the paper's ratios: d_c = 4 d_h, d_h^R = d_h / 2, with d_h = d)
    h_t                 h          (T, D) the layer input, D = H d_h
    c^{KV}_t            c          (T, d_c) the latent: with k^R_t, all the cache keeps (no head axis)
    W^{DKV}             W_dkv      (d_c, D) down-projection to the latent
    W^{UK}, W^{UV}      W_uk, W_uv (H, d_h, d_c) up-projections to each head's key and value
    W^{KR}              W_kr       (d_R, D) the decoupled key, shared by the heads, then RoPE
    c^Q_t               c_q        (T, d'_c) the query latent (d'_c = d_c here), W^{DQ} = W_dq (d'_c, D)
    W^{UQ}, W^{QR}      W_uq, W_qr (H, d_h, d'_c), (H, d_R, d'_c) each head's content and RoPE query
    RoPE                rotate     rope.rotate with frequencies theta (d_R // 2,), base 10000
    A                   A          (H, T, T): one softmax matrix per head; o = A v^C (values(): v^C)

Forms
    recurrent   absorbed decode: cache (c_t, k^R_t) only; W^{UK} into the query, W^{UV} after the read
    parallel    the naive form: up-project every cached latent to per-head keys and values, then attend
    chunked     the naive form in FlashAttention tiles, head by head
"""

import numpy as np

from . import _heads
from ._check import as_matrix
from ._memo import last_call
from ._softmax import softmax_rows
from .rope import frequencies, rotate

MIXING_SLICES = "query head"  # A has one (T, T) slice per query head (read by api.simulate for titles)


def inputs(T: int, d: int, rng: np.random.Generator, heads: int = 4, sigma: float = 1.0) -> dict:
    """Seeded layer input h ~ N(0, 1) and weights ~ N(0, 1 / fan_in); sigma scales the query weights."""
    H = int(round(float(heads)))
    if H < 1:
        raise ValueError(f"heads: expected an integer >= 1, got {heads}")
    D, d_c, d_R = H * d, 4 * d, max(2, d // 2)

    def w(*shape):
        return rng.standard_normal(shape) / np.sqrt(shape[-1])

    return {
        "h": rng.standard_normal((T, D)),
        "W_dkv": w(d_c, D),
        "W_uk": w(H, d, d_c),
        "W_uv": w(H, d, d_c),
        "W_kr": w(d_R, D),
        "W_dq": w(d_c, D),
        "W_uq": w(H, d, d_c) * sigma,
        "W_qr": w(H, d_R, d_c) * sigma,
        "theta": frequencies(d_R),
    }


def _weights(name: str, x, shape: tuple) -> np.ndarray:
    """A weight array as float64 of the given shape (None: any size on that axis), or a clear ValueError."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{name}: expected a real-valued array, got dtype {arr.dtype}")
    wrong = any(w is not None and n != w for n, w in zip(arr.shape, shape, strict=False))
    if arr.ndim != len(shape) or wrong:
        want = ", ".join("n" if w is None else str(w) for w in shape)
        raise ValueError(f"{name}: expected shape ({want}), got {arr.shape}")
    return arr.astype(np.float64, copy=False)


def _check(h, W_dkv, W_uk, W_uv, W_kr, W_dq, W_uq, W_qr, theta) -> tuple:
    h = as_matrix("h", h)
    W_dkv = _weights("W_dkv", W_dkv, (None, h.shape[1]))
    W_uk = _weights("W_uk", W_uk, (None, None, W_dkv.shape[0]))
    H, d_h, d_c = W_uk.shape
    W_uv = _weights("W_uv", W_uv, (H, d_h, d_c))
    W_kr = _weights("W_kr", W_kr, (None, h.shape[1]))
    W_dq = _weights("W_dq", W_dq, (None, h.shape[1]))
    W_uq = _weights("W_uq", W_uq, (H, d_h, W_dq.shape[0]))
    W_qr = _weights("W_qr", W_qr, (H, W_kr.shape[0], W_dq.shape[0]))
    theta = _weights("theta", theta, (W_kr.shape[0] // 2,))
    return h, W_dkv, W_uk, W_uv, W_kr, W_dq, W_uq, W_qr, theta


def _project(h, W_dkv, W_uk, W_uv, W_kr, W_dq, W_uq, W_qr, theta) -> dict:
    """Every per-token vector of the paper's equations, for all tokens at once."""
    T, H = h.shape[0], W_uk.shape[0]
    pos = np.arange(T, dtype=np.float64)
    c = h @ W_dkv.T  # c^{KV}_t = W^{DKV} h_t
    c_q = h @ W_dq.T  # c^Q_t = W^{DQ} h_t
    q_R = np.einsum("hrc,tc->thr", W_qr, c_q)  # W^{QR} c^Q_t, split into heads, then RoPE per head
    q_R = rotate(q_R.reshape(T * H, -1), np.repeat(pos, H), theta).reshape(T, H, -1)
    return {
        "c": c,
        "k_R": rotate(h @ W_kr.T, pos, theta),  # k^R_t = RoPE(W^{KR} h_t), one for all heads
        "q_C": np.einsum("hdc,tc->thd", W_uq, c_q),  # q^C_t = W^{UQ} c^Q_t
        "q_R": q_R,
    }


def values(h, W_dkv, W_uk, W_uv, W_kr, W_dq, W_uq, W_qr, theta) -> np.ndarray:
    """v^C_{t,i} = W^{UV}_i c_t for every token and head: (T, H, d_h), the values A mixes."""
    return _naive(_check(h, W_dkv, W_uk, W_uv, W_kr, W_dq, W_uq, W_qr, theta))[2].copy()


@last_call  # mixing_matrix and values of one live run up-project the same latents: once
def _naive(args) -> tuple:
    """Per-head keys [k^C_{j,i}; k^R_j] and values v^C_{j,i} rebuilt from the latents, and the queries
    (shared: do not modify)."""
    p = _project(*args)
    W_uk, W_uv = args[2], args[3]
    H = W_uk.shape[0]
    k_C = np.einsum("hdc,tc->thd", W_uk, p["c"])  # k^C_{t,i} = W^{UK}_i c_t
    v_C = np.einsum("hdc,tc->thd", W_uv, p["c"])  # v^C_{t,i} = W^{UV}_i c_t
    k = np.concatenate([k_C, np.repeat(p["k_R"][:, None], H, axis=1)], axis=2)  # k_{t,i} = [k^C; k^R]
    q = np.concatenate([p["q_C"], p["q_R"]], axis=2)  # q_{t,i} = [q^C; q^R]
    return q, k, v_C


def _tiles(q, k):
    scale = 1.0 / np.sqrt(q.shape[2])  # 1 / sqrt(d_h + d_h^R)
    return lambda i: lambda rows, cols: (q[rows, i] @ k[cols, i].T) * scale


def recurrent(h, W_dkv, W_uk, W_uv, W_kr, W_dq, W_uq, W_qr, theta) -> np.ndarray:
    args = _check(h, W_dkv, W_uk, W_uv, W_kr, W_dq, W_uq, W_qr, theta)
    p = _project(*args)
    T, (H, d_h, d_c), d_R = h.shape[0], args[2].shape, args[4].shape[0]
    W_uk, W_uv = args[2], args[3]
    C, K_R = np.empty((T, d_c)), np.empty((T, d_R))  # the cache: d_c + d_R numbers per token, no head axis
    o = np.empty((T, H * d_h))
    for t in range(T):
        C[t], K_R[t] = p["c"][t], p["k_R"][t]  # append (c_t, k^R_t)
        q_abs = np.einsum("hd,hdc->hc", p["q_C"][t], W_uk)  # W^{UK}_i^T q^C_{t,i}: absorbed into the query
        logits = (q_abs @ C[: t + 1].T + p["q_R"][t] @ K_R[: t + 1].T) / np.sqrt(d_h + d_R)  # (H, t+1)
        a = softmax_rows(logits, np.ones(logits.shape, dtype=bool))
        read = a @ C[: t + 1]  # (H, d_c): each head's weighted latent
        o[t] = np.einsum("hdc,hc->hd", W_uv, read).reshape(-1)  # W^{UV}_i applied once, after the read
    return o


def mixing_matrix(h, W_dkv, W_uk, W_uv, W_kr, W_dq, W_uq, W_qr, theta) -> np.ndarray:
    q, k, _ = _naive(_check(h, W_dkv, W_uk, W_uv, W_kr, W_dq, W_uq, W_qr, theta))
    return _heads.mixing(_tiles(q, k), q.shape[1], q.shape[0])


def parallel(h, W_dkv, W_uk, W_uv, W_kr, W_dq, W_uq, W_qr, theta) -> np.ndarray:
    q, k, v_C = _naive(_check(h, W_dkv, W_uk, W_uv, W_kr, W_dq, W_uq, W_qr, theta))
    return _heads.apply(_heads.mixing(_tiles(q, k), q.shape[1], q.shape[0]), v_C)


def chunked(h, W_dkv, W_uk, W_uv, W_kr, W_dq, W_uq, W_qr, theta, chunk_size: int = 16) -> np.ndarray:
    q, k, v_C = _naive(_check(h, W_dkv, W_uk, W_uv, W_kr, W_dq, W_uq, W_qr, theta))
    return _heads.online(_tiles(q, k), v_C, q.shape[1], chunk_size)


def states(h, W_dkv, W_uk, W_uv, W_kr, W_dq, W_uq, W_qr, theta) -> None:
    """No fixed-size state: the cache grows by d_c + d_h^R numbers per step, whatever the number of heads."""
    _check(h, W_dkv, W_uk, W_uv, W_kr, W_dq, W_uq, W_qr, theta)
    return None
