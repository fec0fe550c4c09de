"""Tensor Product Attention (Zhang et al., 2025): queries, keys and values as sums of per-token outer
products.

Each token's keys for all H heads form an H x d_h matrix, and TPA writes it as a sum of R_K rank-one terms
built from the token itself, a head vector a^K_r(x_t) in R^H times a channel vector b^K_r(x_t) in R^{d_h}
(the same for values with R_V terms, and for queries with R_Q):

    K_t = (1/R_K) sum_r a^K_r(x_t) b^K_r(x_t)^T,  i.e. head h's key k_{t,h} = (1/R_K) sum_r a^K_{r,h} b^K_r

Decoding caches the factors, not the keys: (R_K + R_V)(H + d_h) numbers per token instead of 2 H d_h. The
scores are computed in factor space, q_{t,h} . k_{j,h} = (1/R_K) sum_r a^K_{j,r,h} (q_{t,h} . b^K_{j,r}), and
the output as (1/R_V) sum_r sum_j p_{hj} a^V_{j,r,h} b^V_{j,r}, so no per-head key or value is ever built.
RoPE rotates the B factors: since R_t (a b) = a (R_t b), a rotated b^K_r rotates every head's key, and the
rotated factors can be cached as they are. Multi-head, multi-query and grouped-query attention are TPA with
factors a that do not depend on the token.

Glossary (paper -> code; R_Q = 6 as in the released small model)
    x_t                     x           (T, D) the layer input, D = H d_h
    a^Q_r, a^K_r, a^V_r     A_q, A_k, A_v   (T, R, H) head factors, W^{a}_r x_t
    b^Q_r, b^K_r, b^V_r     B_q, B_k, B_v   (T, R, d_h) channel factors, W^{b}_r x_t (RoPE on B_q, B_k)
    W^{a}, W^{b}            W_aq ... W_bv  (R, H, D), (R, d_h, D) the factor projections
    R_Q, R_K, R_V           ranks       R_K = R_V = rank (a live parameter)
    A                       A           (H, T, T) one softmax matrix per head; o = A v (values(): v)

Forms
    recurrent   decode from the factor cache (A_K, B_K, A_V, B_V): scores and output in factor space
    parallel    the naive form: assemble every head's q, k, v from the factors, then attend
    chunked     the naive form in FlashAttention tiles, head by head
"""

import numpy as np

from . import _heads
from ._check import as_matrix
from ._memo import last_call
from ._softmax import softmax_rows
from .rope import frequencies, rotate

MIXING_SLICES = "query head"  # A has one (T, T) slice per query head (read by api.simulate for titles)
R_Q = 6  # query rank of the released small T6 model (config/train_T6_small_adam.py: q_rank = 6)
NAMES = ("W_aq", "W_bq", "W_ak", "W_bk", "W_av", "W_bv")


def inputs(
    T: int, d: int, rng: np.random.Generator, heads: int = 4, rank: int = 2, sigma: float = 1.0
) -> dict:
    """Seeded x ~ N(0, 1) and factor weights ~ N(0, 1 / D); sigma scales the query factors."""
    H, R = int(round(float(heads))), int(round(float(rank)))
    if H < 1 or R < 1:
        raise ValueError(f"heads and rank: expected integers >= 1, got {heads}, {rank}")
    D = H * d
    shapes = {
        "W_aq": (R_Q, H),
        "W_bq": (R_Q, d),
        "W_ak": (R, H),
        "W_bk": (R, d),
        "W_av": (R, H),
        "W_bv": (R, d),
    }
    out = {"x": rng.standard_normal((T, D))}
    for name in NAMES:
        out[name] = rng.standard_normal((*shapes[name], D)) / np.sqrt(D)
    out["W_aq"] = out["W_aq"] * sigma
    out["theta"] = frequencies(d)
    return out


def _weights(name: str, w, D: int, dims: tuple) -> np.ndarray:
    arr = np.asarray(w)
    want = (*dims, D)
    ok = (
        arr.dtype.kind in "fiu"
        and arr.ndim == 3
        and all(a == b or b is None for a, b in zip(arr.shape, want, strict=True))
    )
    if not ok:
        shown = ", ".join("n" if b is None else str(b) for b in want)
        raise ValueError(f"{name}: expected a real array of shape ({shown}), got {arr.dtype} {arr.shape}")
    return arr.astype(np.float64, copy=False)


def _project(W: np.ndarray, x: np.ndarray) -> np.ndarray:
    """(T, R, n): W_r x_t for every token and term, one matrix product."""
    return (x @ W.reshape(-1, W.shape[-1]).T).reshape(len(x), *W.shape[:2])


@last_call  # mixing_matrix, values and states of one live run start from the same factors: project once
def _factors(x, W_aq, W_bq, W_ak, W_bk, W_av, W_bv, theta) -> dict:
    """Every token's factors, RoPE applied to the B factors of queries and keys (shared: do not modify)."""
    x = as_matrix("x", x)
    T, D = x.shape
    W_aq = _weights("W_aq", W_aq, D, (None, None))
    R_q, H = W_aq.shape[:2]
    W_bq = _weights("W_bq", W_bq, D, (R_q, None))
    d = W_bq.shape[1]
    W_ak = _weights("W_ak", W_ak, D, (None, H))
    R_k = W_ak.shape[0]
    W_bk = _weights("W_bk", W_bk, D, (R_k, d))
    W_av = _weights("W_av", W_av, D, (None, H))
    R_v = W_av.shape[0]
    W_bv = _weights("W_bv", W_bv, D, (R_v, d))
    theta = np.asarray(theta)
    if theta.dtype.kind not in "fiu" or theta.shape != (d // 2,):
        raise ValueError(f"theta: expected shape ({d // 2},), got {theta.shape}")
    pos = np.arange(T, dtype=np.float64)

    def b(W, rope):  # (T, R, d) = W_r x_t, rotated by the position of token t
        B = _project(W, x)
        if not rope:
            return B
        R = B.shape[1]
        return rotate(B.reshape(T * R, d), np.repeat(pos, R), theta.astype(np.float64)).reshape(T, R, d)

    return {
        "A_q": _project(W_aq, x), "B_q": b(W_bq, True),
        "A_k": _project(W_ak, x), "B_k": b(W_bk, True),
        "A_v": _project(W_av, x), "B_v": b(W_bv, False),
    }  # fmt: skip


def assemble(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(T, H, d): each token's per-head vectors (1/R) sum_r a_r b_r^T, from factors (T, R, H), (T, R, d)."""
    return np.einsum("trh,trd->thd", A, B) / A.shape[1]


def values(x, W_aq, W_bq, W_ak, W_bk, W_av, W_bv, theta) -> np.ndarray:
    """Every head's values v_{t,h}, (T, H, d): what A mixes."""
    f = _factors(x, W_aq, W_bq, W_ak, W_bk, W_av, W_bv, theta)
    return assemble(f["A_v"], f["B_v"])


def recurrent(x, W_aq, W_bq, W_ak, W_bk, W_av, W_bv, theta) -> np.ndarray:
    f = _factors(x, W_aq, W_bq, W_ak, W_bk, W_av, W_bv, theta)
    q = assemble(f["A_q"], f["B_q"])  # this step's queries (T, H, d); only the K, V factors are cached
    T, H, d = q.shape
    R_k, R_v = f["A_k"].shape[1], f["A_v"].shape[1]
    o = np.empty((T, H * d))
    for t in range(T):
        A_k, B_k = f["A_k"][: t + 1], f["B_k"][: t + 1]  # the cache: (R_K + R_V)(H + d) numbers per token
        A_v, B_v = f["A_v"][: t + 1], f["B_v"][: t + 1]
        qb = (B_k.reshape(-1, d) @ q[t].T).reshape(t + 1, R_k, H)  # q_{t,h} . b^K_{j,r}
        logits = (
            np.sum(A_k * qb, axis=1).T / R_k / np.sqrt(d)
        )  # (1/R_K) sum_r a^K_{j,r,h} (q_{t,h} . b^K_{j,r})
        p = softmax_rows(logits, np.ones(logits.shape, dtype=bool))  # (H, t+1)
        weights = p[:, :, None] * A_v.transpose(2, 0, 1)  # p_{hj} a^V_{j,r,h}
        o[t] = (weights.reshape(H, -1) @ B_v.reshape(-1, d) / R_v).reshape(
            -1
        )  # sum over j, r of (...) b^V_{j,r}
    return o


def _naive(args):
    f = _factors(*args)
    return assemble(f["A_q"], f["B_q"]), assemble(f["A_k"], f["B_k"]), assemble(f["A_v"], f["B_v"])


def _tiles(q, k):
    scale = 1.0 / np.sqrt(q.shape[2])
    return lambda h: lambda rows, cols: (q[rows, h] @ k[cols, h].T) * scale


def mixing_matrix(x, W_aq, W_bq, W_ak, W_bk, W_av, W_bv, theta) -> np.ndarray:
    q, k, _ = _naive((x, W_aq, W_bq, W_ak, W_bk, W_av, W_bv, theta))
    return _heads.mixing(_tiles(q, k), q.shape[1], q.shape[0])


def parallel(x, W_aq, W_bq, W_ak, W_bk, W_av, W_bv, theta) -> np.ndarray:
    q, k, v = _naive((x, W_aq, W_bq, W_ak, W_bk, W_av, W_bv, theta))
    return _heads.apply(_heads.mixing(_tiles(q, k), q.shape[1], q.shape[0]), v)


def chunked(x, W_aq, W_bq, W_ak, W_bk, W_av, W_bv, theta, chunk_size: int = 16) -> np.ndarray:
    q, k, v = _naive((x, W_aq, W_bq, W_ak, W_bk, W_av, W_bv, theta))
    return _heads.online(_tiles(q, k), v, q.shape[1], chunk_size)


def states(x, W_aq, W_bq, W_ak, W_bk, W_av, W_bv, theta) -> None:
    """No fixed-size state: the factor cache grows by (R_K + R_V)(H + d) numbers per step."""
    _factors(x, W_aq, W_bq, W_ak, W_bk, W_av, W_bv, theta)
    return None
