"""Shared machinery of the linear-readout family: one state S (d_v x d_k), written and read every step.

Notation (the zoo's, used by every module that imports this file):

    S_t = S_{t-1} M_t + v_t k_t^T        (transition M_t on the right, write v_t k_t^T)
    o_t = S_t q_t                         (linear readout)

Two transition shapes cover the whole family:

* **diagonal**: M_t = Diag(w_t), with w_t a scalar (RetNet, Mamba-2) or a vector (GLA, RWKV-6, HGRN2).
  The effective mixing matrix is A[t, s] = sum_c q_t[c] k_s[c] prod_{l=s+1}^{t} w_l[c]  (s <= t).
* **diagonal plus low rank (DPLR)**: M_t = Diag(w_t) + a_t b_t^T. Every delta rule is one:
  DeltaNet (w = 1, a = -beta k, b = k), Gated DeltaNet (w = alpha, a = -alpha beta k, b = k), KDA, GDN-2,
  RWKV-7 (a = -kappa, b = a o kappa).

For each shape there are three ways to get the same numbers:

* a step-by-step loop (every module keeps its own literal copy, written like the paper's equation);
* the parallel form: the T x T mixing matrix A, materialised, so O = A V;
* the chunkwise form GPU kernels use: inside a chunk of C tokens the parallel form, between chunks only the
  d_v x d_k state is passed on.

Decays are handled in log space: a product prod_{l=s+1}^{t} w_l is exp(G_t - G_s) with G the running sum of
log w. Only differences with t >= s are ever exponentiated, so every exponent is <= 0 and nothing overflows,
however strong the decay or long the sequence.
"""

import numpy as np

# A gate of exactly 0 has log -inf, and -inf - (-inf) is nan. Clipping at 1e-300 keeps differences finite;
# exp(-690 * n) underflows to 0 anyway, so the results are those of an exact zero.
_TINY = 1e-300

# Above this many float64 entries the (T, T, d_k) decay tensor is built in row blocks (about 16 MB each).
_BLOCK_ENTRIES = 1 << 21

# Mixing matrices of long sequences are built chunk by chunk (the chunkwise form run on one-hot values,
# V = I): a (T, T, d_k) decay tensor costs T^2 d_k exponentials, a chunked pass only C T d_k. It is what
# keeps a live run at T = 128 quick in the browser. Same numbers to rounding (the forms are tested equal).
_MIXING_CHUNK = 16


# --------------------------------------------------------------------------------------------------------
# Input helpers (drawing seeded gates, validating shapes)
# --------------------------------------------------------------------------------------------------------


def sigmoid(x):
    """Logistic function without overflow warnings for large |x|."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(x):
    """log(1 + e^x), computed without overflow."""
    return np.logaddexp(0.0, np.asarray(x, dtype=np.float64))


def l2norm(x, axis=-1):
    """Scale rows to unit Euclidean norm (delta-rule keys); an all-zero row stays zero."""
    n = np.sqrt(np.sum(x * x, axis=axis, keepdims=True))
    return x / np.maximum(n, 1e-12)


def gate_around(mean: float, z, spread: float = 1.0):
    """A gate in [0, 1] scattered around ``mean``: sigmoid(logit(mean) + spread * z).

    ``mean`` = 0 or 1 gives exactly 0 or 1 everywhere, so a slider at its end reaches the limiting model.
    """
    z = np.asarray(z, dtype=np.float64)
    if not 0.0 <= mean <= 1.0:
        raise ValueError(f"gate mean must be in [0, 1], got {mean}")
    if mean in (0.0, 1.0):
        return np.full(z.shape, float(mean))
    return sigmoid(np.log(mean / (1.0 - mean)) + spread * z)


def as_scalar(name: str, x) -> float:
    """A real constant (RetNet's gamma, Mamba-2's A): a Python or 0-d numpy number."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu" or arr.ndim != 0:
        raise ValueError(f"{name}: expected a real scalar, got {type(x).__name__} with shape {arr.shape}")
    val = float(arr)
    if not np.isfinite(val):
        raise ValueError(f"{name}: expected a finite scalar, got {val}")
    return val


def as_vector(name: str, x, n: int) -> np.ndarray:
    """A per-channel constant vector of length n (RWKV's u and w, Mamba's D)."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{name}: expected a real-valued array, got dtype {arr.dtype}")
    if arr.shape != (n,):
        raise ValueError(f"{name}: expected shape ({n},), got {arr.shape}")
    return arr.astype(np.float64, copy=False)


def as_chunk_size(chunk_size) -> int:
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size: expected a positive integer, got {chunk_size!r}")
    return int(chunk_size)


def log_gate(w: np.ndarray) -> np.ndarray:
    """log of a gate in [0, 1] (any shape), clipped so that a zero gate stays finite."""
    return np.log(np.maximum(w, _TINY))


# --------------------------------------------------------------------------------------------------------
# Diagonal transitions: S_t = S_{t-1} Diag(w_t) + v_t k_t^T
# --------------------------------------------------------------------------------------------------------


def _causal_mask(T: int, strict: bool) -> np.ndarray:
    t = np.arange(T)
    return t[None, :] < t[:, None] if strict else t[None, :] <= t[:, None]


def diag_mixing(q, k, logw, strict: bool = False) -> np.ndarray:
    """Parallel form of a diagonal recurrence: the T x T matrix A with O = A V.

    q, k: (T, d_k). logw: (T,) for a scalar gate, (T, d_k) for a per-channel one.
    strict=False: o_t = S_t q_t, A[t, s] = sum_c q_t[c] k_s[c] exp(G_t[c] - G_s[c]), s <= t.
    strict=True:  o_t = S_{t-1} q_t (RWKV reads before writing): exponent G_{t-1} - G_s, s < t.
    """
    T = q.shape[0]
    if logw.ndim == 2 and T > _MIXING_CHUNK:  # per-channel gates: chunk by chunk, O = A I
        return diag_chunked(q, k, np.eye(T), logw, _MIXING_CHUNK, strict)[0]
    G = np.cumsum(logw, axis=0)  # G_t = sum_{l <= t} log w_l
    Gr = G - logw if strict else G  # the row's end point: G_{t-1} or G_t
    mask = _causal_mask(T, strict)
    if logw.ndim == 1:  # scalar gate: the decay is one T x T matrix
        D = np.exp(np.where(mask, Gr[:, None] - G[None, :], -np.inf))
        return (q @ k.T) * D
    A = np.empty((T, T))
    rows = max(1, _BLOCK_ENTRIES // max(1, T * q.shape[1]))
    for r0 in range(0, T, rows):  # (rows, T, d_k) decay tensor per block
        r = slice(r0, r0 + rows)
        E = np.exp(np.where(mask[r, :, None], Gr[r, None, :] - G[None, :, :], -np.inf))
        A[r] = np.einsum("tc,sc,tsc->ts", q[r], k, E)
    return A


def diag_chunked(q, k, v, logw, chunk_size: int, strict: bool = False, S0=None):
    """Chunkwise form of a diagonal recurrence. Returns (o (T, d_v), S_T (d_v, d_k)).

    Inside a chunk: the parallel form (local cumulative log-gates). Between chunks: the state S, decayed by
    the chunk's total gate, plus the chunk's writes decayed to the chunk end.
    """
    T, d_k = k.shape
    d_v = v.shape[1]
    S = np.zeros((d_v, d_k)) if S0 is None else S0.copy()
    o = np.empty((T, d_v))
    for c0 in range(0, T, chunk_size):
        c = slice(c0, c0 + chunk_size)
        qc, kc, vc, lw = q[c], k[c], v[c], logw[c]
        G = np.cumsum(lw, axis=0)  # local cumulative log-gate, (C,) or (C, d_k)
        Gr = G - lw if strict else G
        if lw.ndim == 1:
            G, Gr = G[:, None], Gr[:, None]
        # intra-chunk (parallel) + inter-chunk (read the incoming state, decayed to each position)
        o[c] = diag_mixing(qc, kc, lw, strict) @ vc + (qc * np.exp(Gr)) @ S.T
        # state passing: S <- S Diag(prod w) + sum_s v_s (k_s o prod_{l>s} w_l)^T
        S = S * np.exp(G[-1])[None, :] + vc.T @ (kc * np.exp(G[-1][None, :] - G))
    return o, S


def diag_recurrent(q, k, v, w, strict: bool = False):
    """Reference loop for a diagonal recurrence; returns (o, states (T, d_v, d_k)). w: (T,) or (T, d_k)."""
    T, d_k = k.shape
    S = np.zeros((v.shape[1], d_k))
    o = np.empty((T, v.shape[1]))
    states = np.empty((T, v.shape[1], d_k))
    for t in range(T):
        read_before_write = S @ q[t]
        S = S * w[t] + np.outer(v[t], k[t])
        o[t] = read_before_write if strict else S @ q[t]
        states[t] = S
    return o, states


# --------------------------------------------------------------------------------------------------------
# Diagonal plus low rank: S_t = S_{t-1} (Diag(w_t) + a_t b_t^T) + v_t k_t^T
# --------------------------------------------------------------------------------------------------------


def dplr_chunk(q, k, v, logw, a, b, S0):
    """Exact output and end state of one chunk of the DPLR recurrence (the WY / UT form).

    With u_t = S_{t-1} a_t (the "pseudo-value" the low-rank part reads), the recurrence unrolls to
        S_t = S0 G_t + sum_{j <= t} (u_j b_j^T + v_j k_j^T) G_t / G_j     (G_t = prod_{l <= t} Diag(w_l))
    and u solves a unit lower-triangular system:
        (I - P_ab) U = A0 + P_ak V,
        P_ab[t, j] = b_j^T (G_{t-1}/G_j) a_t,   P_ak[t, j] = k_j^T (G_{t-1}/G_j) a_t   (j < t)
    For DeltaNet (a = -beta k, b = k) the matrix I - P_ab is I + tril(diag(beta) K K^T, -1): the UT transform.
    Returns (o (C, d_v), S_end (d_v, d_k)).
    """
    C = q.shape[0]
    G = np.cumsum(logw, axis=0)
    Gex = G - logw  # G_{t-1}
    strict, incl = _causal_mask(C, True), _causal_mask(C, False)
    if logw.ndim == 1:
        E = np.exp(np.where(strict, Gex[:, None] - G[None, :], -np.inf))  # G_{t-1}/G_j, j < t
        F = np.exp(np.where(incl, G[:, None] - G[None, :], -np.inf))  # G_t/G_j, j <= t
        P_ab, P_ak = (a @ b.T) * E, (a @ k.T) * E
        Q_b, Q_k = (q @ b.T) * F, (q @ k.T) * F
        G, Gex = G[:, None], Gex[:, None]
    else:
        E = np.exp(np.where(strict[..., None], Gex[:, None, :] - G[None, :, :], -np.inf))  # (C, C, d_k)
        F = np.exp(np.where(incl[..., None], G[:, None, :] - G[None, :, :], -np.inf))
        P_ab = np.einsum("tc,jc,tjc->tj", a, b, E)
        P_ak = np.einsum("tc,jc,tjc->tj", a, k, E)
        Q_b = np.einsum("tc,jc,tjc->tj", q, b, F)
        Q_k = np.einsum("tc,jc,tjc->tj", q, k, F)
    A0 = (a * np.exp(Gex)) @ S0.T  # what the incoming state contributes to u_t
    U = np.linalg.solve(np.eye(C) - P_ab, A0 + P_ak @ v)  # (C, d_v)
    o = (q * np.exp(G)) @ S0.T + Q_b @ U + Q_k @ v
    tail = np.exp(G[-1][None, :] - G)  # G_C / G_j, (C, d_k)
    S_end = S0 * np.exp(G[-1])[None, :] + U.T @ (b * tail) + v.T @ (k * tail)
    return o, S_end


def _full_logw(logw, T, d_k):
    return logw if logw.ndim == 1 else np.broadcast_to(logw, (T, d_k))


def delta_mixing_onehot(q, k, alpha, erase, write) -> np.ndarray:
    """A (T, T), o = A v, for S_t = S_{t-1} Diag(alpha_t)(I - erase_t k_t^T) + v_t write_t^T, o_t = S_t q_t.

    Run on one-hot values (V = I): the state then has one row per source token (T x d_k) and row t of A is
    S_t q_t. O(T^2 d_k) in T small steps: much cheaper than the parallel form's T x T x d_k decay tensor,
    which matters in the browser. alpha: (T,) or (T, d_k); erase, write: (T, d_k).
    """
    T, d_k = q.shape
    alpha = np.asarray(alpha).reshape(T, -1)  # a scalar gate broadcasts over the key channels
    S = np.zeros((T, d_k))
    A = np.zeros((T, T))
    for t in range(T):
        live = slice(0, t + 1)  # rows of later tokens are still zero
        S[live] *= alpha[t]
        S[live] -= np.outer(S[live] @ erase[t], k[t])
        S[t] += write[t]
        A[t, live] = S[live] @ q[t]
    return A


def dplr_mixing(q, k, logw, a, b) -> np.ndarray:
    """Parallel form of the DPLR recurrence: A = Q_k + Q_b (I - P_ab)^{-1} P_ak within a chunk, with one-hot
    values (V = I), so O = A V; a long sequence goes chunk by chunk (dplr_chunked), passing the
    (T x d_k) one-hot state on."""
    T = q.shape[0]
    return dplr_chunked(q, k, np.eye(T), logw, a, b, min(T, _MIXING_CHUNK))[0]


def dplr_chunked(q, k, v, logw, a, b, chunk_size: int):
    """Chunkwise DPLR: the exact chunk solve above, state passed between chunks. Returns (o, S_T)."""
    T, d_k = k.shape
    logw = _full_logw(logw, T, d_k)
    S = np.zeros((v.shape[1], d_k))
    o = np.empty((T, v.shape[1]))
    for c0 in range(0, T, chunk_size):
        c = slice(c0, c0 + chunk_size)
        o[c], S = dplr_chunk(q[c], k[c], v[c], logw[c], a[c], b[c], S)
    return o, S


# --------------------------------------------------------------------------------------------------------
# Element-wise (per value channel) transitions, Mamba-1 style: S_t = S_{t-1} o W_t + X_t, W_t (d_v, d_k)
# --------------------------------------------------------------------------------------------------------


def elementwise_scan(W, X):
    """All prefix states of S_t = W_t o S_{t-1} + X_t (S_0 = 0) by an associative scan.

    W, X: (T, ...). The pair (W, X) composes as (W2, X2) o (W1, X1) = (W2 W1, W2 X1 + X2); log2(T) rounds of
    shifted element-wise products (Hillis-Steele), the parallel algorithm behind Mamba's selective scan.
    """
    W, X = W.copy(), X.copy()
    T = W.shape[0]
    shift = 1
    while shift < T:
        X[shift:] = W[shift:] * X[:-shift] + X[shift:]  # right side reads the previous round (copy first)
        W[shift:] = W[shift:] * W[:-shift]
        shift *= 2
    return X


def scalar_memory_mixing(decay, write) -> np.ndarray:
    """(d, T, T) mixing matrices of d scalar memories, h_t = decay_t h_{t-1} + write_t x_t per channel:
    A[c, t, s] = prod_{l=s+1}^{t} decay_l[c] write_s[c]. decay, write: (T, d).

    Row by row, as the recurrence runs on one-hot inputs: held[s] is what token s still holds at step t;
    each step decays every earlier entry by decay_t and appends write_t. T products of (T, d) arrays, where
    the closed form costs T^2 d exponentials (the slowest part of a live run under Pyodide).
    """
    T, d = write.shape
    A = np.zeros((d, T, T))
    held = np.zeros((T, d))
    for t in range(T):
        held[:t] *= decay[t]
        held[t] = write[t]
        A[:, t, : t + 1] = held[: t + 1].T
    return A


def per_channel_mixing_onehot(q, k, W, gain) -> np.ndarray:
    """The same (d_v, T, T) matrices as ``per_channel_mixing``, by running the recurrence on one-hot values.

    Every source token s gets its own copy of the state (X[c, s] is what token s left in channel c), so one
    pass over t fills row t of every channel's matrix: T^2 N d_v multiply-adds but only T N d_v exponentials.
    W: (T, d_v, N) per-step decays (not logs); gain: (T, d_v).

    Chunk by chunk: the tokens of the current chunk step one at a time; the tokens before it are read for the
    whole chunk in one batched product, their state at the chunk start times P_t = W_{c0} o ... o W_t:
        A[c, t, s] = sum_n X_{c0-1}[c, s, n] P_t[c, n] q_t[n]      (s < c0 <= t).
    """
    T, d_v = gain.shape
    X = np.zeros((d_v, T, k.shape[1]))  # (channel, source token, state)
    out = np.zeros((d_v, T, T))  # causal: entries above the diagonal stay zero
    for c0 in range(0, T, _MIXING_CHUNK):
        c1 = min(T, c0 + _MIXING_CHUNK)
        P = np.cumprod(W[c0:c1], axis=0)  # (C, d_v, N): decay from the chunk start through step t
        if c0:  # earlier tokens, all rows of the chunk at once: (d_v, C, N) @ (d_v, N, c0)
            out[:, c0:c1, :c0] = (P * q[c0:c1, None, :]).transpose(1, 0, 2) @ X[:, :c0].transpose(0, 2, 1)
        for t in range(c0, c1):  # the chunk's own tokens, the literal one-hot recurrence
            X[:, c0:t] *= W[t][:, None, :]
            X[:, t] = gain[t][:, None] * k[t][None, :]
            out[:, t, c0 : t + 1] = X[:, c0 : t + 1] @ q[t]
        X[:, :c0] *= P[-1][:, None, :]  # carry the earlier tokens to the chunk end
    return out


def onehot_channel(q, k, W, gain, c: int) -> np.ndarray:
    """Channel c's (T, T) matrix of ``per_channel_mixing_onehot`` alone, from the same per-step decays W
    (T, d_v, N) and gains (T, d_v): what a live run draws, without the other channels' T^2 N work."""
    return per_channel_mixing_onehot(q, k, W[:, c : c + 1], gain[:, c : c + 1])[0]


def per_channel_mixing(q, k, logW, gain) -> np.ndarray:
    """Mixing matrices of an element-wise recurrence with one scalar value per channel.

    Channel c: S_t[c] = S_{t-1}[c] o exp(logW_t[c]) + gain_t[c] x_t[c] k_t, o_t[c] = S_t[c] . q_t, so
        A[c, t, s] = gain_s[c] sum_n q_t[n] k_s[n] exp(sum_{l=s+1}^{t} logW_l[c, n])   (s <= t).
    q, k: (T, N); logW: (T, d_v, N); gain: (T, d_v). Returns (d_v, T, T).
    """
    T, d_v = gain.shape
    out = np.empty((d_v, T, T))
    for c in range(d_v):  # one (T, T, N) tensor per channel keeps memory at O(T^2 N)
        out[c] = diag_mixing(q, k, logW[:, c, :]) * gain[None, :, c]
    return out
