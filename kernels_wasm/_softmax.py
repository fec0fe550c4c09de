"""The one masked, biased causal softmax that every softmax-readout kernel shares.

Every softmax variant in the zoo computes weights of the same shape,

    A_ij = exp(s_ij) / sum_{j' visible to i} exp(s_ij')      for the keys j visible to query i,

and differs only in the logit s_ij: a scaled dot product q_i . k_j / sqrt(d_k), with the keys (and queries)
rotated (RoPE), reflected (PaTH) or rescaled per channel (Wall), plus an additive log-space bias (ALiBi's
-m (i - j), FoX's sum of log forget gates). "Visible" means causal (j <= i) and, for a sliding window of
width W, also i - j < W. Positions are 0-based throughout.

Three ways to evaluate o = A v, used by every variant:

    softmax_rows(logits, mask)      the materialised T x T form: the parallel form and the mixing matrix
    cache_readout(logits_t, V)      one decoding step: query t against its KV cache (the recurrent form)
    online_softmax(tile, v, ...)    FlashAttention-style tiles with a running max (the chunked form); it
                                    never holds more than one block x block tile of logits

A model module supplies its logits as a ``tile(rows, cols)`` function returning the (len(rows), len(cols))
logits of a block of queries against a block of keys; the same function feeds the parallel and the chunked
form, and the module's literal decode loop (recurrent) is what the tests hold them to.
"""

import numpy as np


def visible(rows: slice, cols: slice, window: int | None = None) -> np.ndarray:
    """Boolean (len(rows), len(cols)) mask: key j is visible to query i iff j <= i (and i - j < window)."""
    i = np.arange(rows.start, rows.stop)[:, None]
    j = np.arange(cols.start, cols.stop)[None, :]
    ok = j <= i
    if window is not None:
        ok &= (i - j) < window
    return ok


def softmax_rows(logits: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Row-wise softmax over the visible entries; masked entries get exactly 0.

    Every row must see at least one key (the diagonal always is), so the row max is finite and subtracting it
    keeps exp() in range however large the logits or the bias get.
    """
    z = np.where(mask, logits, -np.inf)
    z = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(z)  # exp(-inf) = 0 on masked entries
    return e / np.sum(e, axis=-1, keepdims=True)


def full_logits(tile, T: int, row_block: int = 128) -> np.ndarray:
    """Assemble the (T, T) logits from row blocks, so a tile that needs (rows, T, d) scratch stays small."""
    out = np.empty((T, T))
    for r0 in range(0, T, row_block):
        r1 = min(r0 + row_block, T)
        out[r0:r1] = tile(slice(r0, r1), slice(0, T))
    return out


def attention_matrix(tile, T: int, window: int | None = None) -> np.ndarray:
    """A (T, T): softmax of the model's logits under the causal (and window) mask."""
    rows = cols = slice(0, T)
    return softmax_rows(full_logits(tile, T), visible(rows, cols, window))


def cache_readout(logits: np.ndarray, values: np.ndarray) -> np.ndarray:
    """One decoding step: softmax over the cached logits (t+1,), then the weighted sum of the values."""
    p = np.exp(logits - np.max(logits))
    return (p / np.sum(p)) @ values


def online_softmax(
    tile, v: np.ndarray, block: int = 16, window: int | None = None, sink: float | None = None
) -> np.ndarray:
    """FlashAttention's forward pass: visit key tiles left to right keeping, per query row, the running max m,
    the running denominator l and the unnormalised output acc; rescale both by exp(m_old - m_new) whenever the
    max grows. Only tiles that the causal (and window) mask can reach are visited.

    ``sink``: an extra logit in every row's denominator that carries no value (gpt-oss): the running max
    starts at it, and its exp(sink - m) joins l at the end, as in gpt-oss's Triton attention kernel.
    """
    T, d_v = v.shape
    if block < 1:
        raise ValueError(f"chunk_size must be >= 1, got {block}")
    o = np.empty((T, d_v))
    for i0 in range(0, T, block):
        i1 = min(i0 + block, T)
        rows = slice(i0, i1)
        m = np.full(i1 - i0, -np.inf if sink is None else float(sink))  # running max per query row
        l = np.zeros(i1 - i0)  # running sum of exp(s - m)
        acc = np.zeros((i1 - i0, d_v))  # running sum of exp(s - m) v
        first = 0 if window is None else max(0, i0 - window + 1) // block * block
        for j0 in range(first, i1, block):
            cols = slice(j0, min(j0 + block, T))
            s = np.where(visible(rows, cols, window), tile(rows, cols), -np.inf)
            m_new = np.maximum(m, np.max(s, axis=1))
            # a row may see no key of this tile (window edge): keep its max finite so exp() gives 0, not nan
            m_safe = np.where(np.isfinite(m_new), m_new, 0.0)
            p = np.exp(s - m_safe[:, None])
            rescale = np.exp(m - m_safe)
            l = l * rescale + np.sum(p, axis=1)
            acc = acc * rescale[:, None] + p @ v[cols]
            m = m_new
        if sink is not None:
            l = l + np.exp(sink - m)  # the sink's share of the denominator; it adds nothing to acc
        o[rows] = acc / l[:, None]
    return o


def check_unit_interval(name: str, x: np.ndarray) -> np.ndarray:
    """Gates that enter as logs must lie in (0, 1]; 0 would be log 0 = -inf, above 1 would grow, not decay."""
    if np.any(~(x > 0)) or np.any(x > 1):
        raise ValueError(f"{name}: gate values must lie in (0, 1]")
    return x


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def log_sigmoid(x):
    """log(1 / (1 + e^-x)) without overflow for large |x|."""
    return -np.logaddexp(0.0, -x)


# Bounded slot memories read by a softmax (ABC, GSA, Raven) -------------------------------------------------
#
# m slots hold a key memory S^k (m, d_k) and a value memory S^v (m, d_v), both written with the same per-slot
# retention alpha_t and write strength w_t:
#     S^k_t = Diag(alpha_t) S^k_{t-1} + w_t k_t^T,    S^v_t = Diag(alpha_t) S^v_{t-1} + w_t v_t^T,
# and read by a softmax over the slots, o_t = (S^v_t)^T softmax(S^k_t q_t / sqrt(d_k)). Unrolled, slot n holds
# sum_j G_tjn k_j with G_tjn = (alpha_{j+1,n} ... alpha_{t,n}) w_jn, so o_t = sum_j A_tj v_j with
# A_tj = sum_n p_tn G_tjn: the output is linear in v given q, k and the gates, and A has a closed form.


def slot_steps(q, k, v, alpha, write, read: bool = True):
    """The literal recurrence; yields (t, o_t, S^k_t, S^v_t). alpha, write: (T, m). read=False skips the
    readout (o_t is None), for callers that keep only the slots."""
    T, d_k = q.shape
    m = alpha.shape[1]
    Sk, Sv = np.zeros((m, d_k)), np.zeros((m, v.shape[1]))
    for t in range(T):
        Sk = alpha[t][:, None] * Sk + np.outer(write[t], k[t])
        Sv = alpha[t][:, None] * Sv + np.outer(write[t], v[t])
        o_t = Sv.T @ softmax_rows(Sk @ q[t] / np.sqrt(d_k), np.ones(m, dtype=bool)) if read else None
        yield t, o_t, Sk, Sv


def slot_mixing(q, k, slot_weights, row_block: int = 64) -> np.ndarray:
    """A (T, T) from slot_weights(rows) -> G (len(rows), T, m); G[t, j, n] = share of key j in slot n at t."""
    T, d_k = q.shape
    A = np.empty((T, T))
    for r0 in range(0, T, row_block):
        rows = slice(r0, min(r0 + row_block, T))
        G = slot_weights(rows)  # (r, T, m), zero for j > t
        scores = np.einsum("tjn,tj->tn", G, q[rows] @ k.T) / np.sqrt(d_k)  # (r, m) = S^k_t q_t / sqrt(d_k)
        p = softmax_rows(scores, np.ones(scores.shape, dtype=bool))
        A[rows] = np.einsum("tn,tjn->tj", p, G)
    return A


def gated_slot_weights(log_alpha, write):
    """slot_weights for log-space gates: G[t, j, n] = exp(L_tn - L_jn) w_jn for j <= t, L = cumsum."""
    T = log_alpha.shape[0]
    L = np.cumsum(log_alpha, axis=0)  # (T, m)

    def weights(rows):
        t = np.arange(rows.start, rows.stop)[:, None]
        causal = (np.arange(T)[None, :] <= t)[:, :, None]
        decay = np.exp(np.minimum(L[rows][:, None, :] - L[None, :, :], 0.0))  # clamp: j > t is masked anyway
        return np.where(causal, decay * write[None, :, :], 0.0)

    return weights
