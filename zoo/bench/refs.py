"""Float64 numpy references for every GPU kernel the harness times.

Each function takes the kernel's own inputs (converted to float64 numpy, same layout as the kernel call)
and returns what the kernel should return. They are the literal formulas, written for small inputs
(T of a few hundred): the harness runs them on the CPU before timing and stores the relative error.

Layout glossary (fla's time-major convention, used for every reference here):
    B  batch            T  time steps        H  heads
    K  key/query width   V  value width       M  memory slots (ABC, GSA, Raven)
    q, k: (B, T, H, K)   v: (B, T, H, V)      outputs: (B, T, H, V)
Our notation is the zoo's: the state S is V x K, written v k^T and read S q; a transition M_t is
applied on the right, S_t = S_{t-1} M_t + v_t k_t^T. fla stores the transpose (K x V); the kernels'
arguments are the same either way.

Gates are log-space where the kernels take log-space (g = log alpha <= 0).
"""

import numpy as np

# ----------------------------------------------------------------------------------------------
# helpers


def rel_err(out, ref) -> float:
    """||out - ref|| / ||ref|| in float64; NaN anywhere gives inf (never a pass)."""
    out = np.asarray(out, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if out.shape != ref.shape:
        raise ValueError(f"shape mismatch: kernel {out.shape} vs reference {ref.shape}")
    if not np.all(np.isfinite(out)):
        return float("inf")
    den = np.linalg.norm(ref)
    return float(np.linalg.norm(out - ref) / (den if den > 0 else 1.0))


def _causal(T: int, window: int | None = None) -> np.ndarray:
    i = np.arange(T)[:, None]
    j = np.arange(T)[None, :]
    mask = j <= i
    if window is not None:
        mask &= (i - j) < window
    return mask


def _masked_softmax_apply(logits, mask, v):
    """logits (B, H, T, T), mask (T, T) or (B, H, T, T), v (B, T, H, V) -> (B, T, H, V)."""
    z = np.where(mask, logits, -np.inf)
    z = z - z.max(-1, keepdims=True)
    p = np.exp(z)
    p = p / p.sum(-1, keepdims=True)
    return np.einsum("bhij,bjhv->bihv", p, v)


# ----------------------------------------------------------------------------------------------
# softmax readout


def softmax_attention(q, k, v, scale=None, bias=None, window=None):
    """Causal softmax attention; bias (B, H, T, T) is added to the scaled logits."""
    T, K = q.shape[1], q.shape[-1]
    scale = K**-0.5 if scale is None else scale
    logits = np.einsum("bihk,bjhk->bhij", q, k) * scale
    if bias is not None:
        logits = logits + bias
    return _masked_softmax_apply(logits, _causal(T, window), v)


def rotary(x, cos, sin):
    """Rotary embedding on the two halves of each head (x1, x2) -> (x1 c - x2 s, x2 c + x1 s).

    x (B, T, H, K); cos, sin (T, K/2)."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    c, s = cos[None, :, None, :], sin[None, :, None, :]
    return np.concatenate([x1 * c - x2 * s, x2 * c + x1 * s], axis=-1)


def rope_attention(q, k, v, cos, sin, scale=None):
    return softmax_attention(rotary(q, cos, sin), rotary(k, cos, sin), v, scale)


def gated_softmax_attention(q, k, v, g, scale=None, window=None):
    """FoX (and ALiBi with constant g): logits + G_i - G_j with G = cumsum(g) over time; g (B, T, H)."""
    G = np.cumsum(g, axis=1).transpose(0, 2, 1)  # (B, H, T)
    bias = G[..., :, None] - G[..., None, :]
    return softmax_attention(q, k, v, scale, bias, window)


def path_attention(q, k, v, w, beta, g=None, scale=None):
    """PaTH: logit_ij = scale * (k_j^T H_{j+1} ... H_i q_i + G_i - G_j), H_s = I - beta_s w_s w_s^T.

    The gate term is multiplied by the scale too: that is what fla's kernel computes.
    w (B, T, H, K) unit rows, beta (B, T, H), g (B, T, H) or None."""
    B, T, H, K = q.shape
    scale = K**-0.5 if scale is None else scale
    logits = np.zeros((B, H, T, T))
    for i in range(T):
        u = q[:, i].copy()  # (B, H, K): q_i carried back through the transitions
        logits[:, :, i, i] = np.einsum("bhk,bhk->bh", u, k[:, i])
        for j in range(i - 1, -1, -1):
            ws = w[:, j + 1]
            u = u - beta[:, j + 1, :, None] * ws * np.einsum("bhk,bhk->bh", ws, u)[..., None]
            logits[:, :, i, j] = np.einsum("bhk,bhk->bh", u, k[:, j])
    if g is not None:
        G = np.cumsum(g, axis=1).transpose(0, 2, 1)
        logits = logits + (G[..., :, None] - G[..., None, :])
    return _masked_softmax_apply(logits * scale, _causal(T), v)


def wall_attention(q, k, v, g, scale=None):
    """Wall: logit_ij = scale * sum_n q_in k_jn exp(G_in - G_jn), G = cumsum(g) per channel.

    g (B, T, H, K) log decays."""
    T, K = q.shape[1], q.shape[-1]
    scale = K**-0.5 if scale is None else scale
    G = np.cumsum(g, axis=1)
    diff = G[:, :, None] - G[:, None, :]  # (B, Ti, Tj, H, K)
    diff = np.where(_causal(T)[None, :, :, None, None], diff, -np.inf)  # exp(-inf) = 0 above the diagonal
    logits = np.einsum("bihk,bjhk,bijhk->bhij", q, k, np.exp(diff)) * scale
    return _masked_softmax_apply(logits, _causal(T), v)


def stickbreaking_attention(q, k, v, scale=None, rest_to_current=False):
    """Stick-breaking (keys strictly before the query): A_ij = s(z_ij) prod_{j<l<i} (1 - s(z_il)).

    rest_to_current: the stick left over, 1 - sum_j A_ij, weighs the query's own value (so rows sum to 1)."""
    B, T, H, K = q.shape
    scale = K**-0.5 if scale is None else scale
    z = np.einsum("bihk,bjhk->bhij", q, k) * scale
    log_beta = -np.logaddexp(0.0, -z)  # log sigmoid
    log_rest = -np.logaddexp(0.0, z)  # log (1 - sigmoid)
    strict = np.tril(np.ones((T, T), dtype=bool), -1)
    log_rest = np.where(strict, log_rest, 0.0)
    # sum over l in (j, i): reverse cumulative sum along j, excluding j itself
    tail = np.cumsum(log_rest[..., ::-1], axis=-1)[..., ::-1] - log_rest
    A = np.where(strict, np.exp(log_beta + tail), 0.0)
    if rest_to_current:
        A = A + np.eye(T) * (1.0 - A.sum(-1))[..., None]
    return np.einsum("bhij,bjhv->bihv", A, v)


def slot_attention(q, k, v, s, g, scale=None):
    """GSA (ABC with gates): two gated linear memories over M slots.

    Hk_t = Hk_{t-1} diag(exp g_t) + s_t k_t^T (M x K); scores = softmax_M(Hk_t q_t * scale)
    Hv_t = Hv_{t-1} diag(exp g_t) + ... (V x M, written v_t s_t^T); o_t = Hv_t scores.
    s, g (B, T, H, M)."""
    B, T, H, K = q.shape
    V, M = v.shape[-1], s.shape[-1]
    scale = K**-0.5 if scale is None else scale
    Hk = np.zeros((B, H, M, K))
    Hv = np.zeros((B, H, V, M))
    o = np.zeros((B, T, H, V))
    for t in range(T):
        a = np.exp(g[:, t])  # (B, H, M)
        Hk = Hk * a[..., None] + np.einsum("bhm,bhk->bhmk", s[:, t], k[:, t])
        z = np.einsum("bhmk,bhk->bhm", Hk, q[:, t]) * scale
        z = np.exp(z - z.max(-1, keepdims=True))
        p = z / z.sum(-1, keepdims=True)
        Hv = Hv * a[:, :, None, :] + np.einsum("bhv,bhm->bhvm", v[:, t], s[:, t])
        o[:, t] = np.einsum("bhvm,bhm->bhv", Hv, p)
    return o


def abc_attention(q, k, v, s, scale=None):
    """ABC: slot logits s are turned into write weights exp(s_t - z_t) and decays exp(z_{t-1} - z_t),
    z_t = logsumexp_{u<=t} s_u (a running softmax over time); then the GSA recurrence."""
    z = np.logaddexp.accumulate(s, axis=1)
    g = np.concatenate([z[:, :1], z[:, :-1]], axis=1) - z
    return slot_attention(q, k, v, np.exp(s - z), g, scale)


# ----------------------------------------------------------------------------------------------
# linear readout: one generic loop over time with a per-model transition


def _scan(q, k, v, scale, step, read_before=None):
    """Run S (B, H, V, K) over time; step(S, t) -> new S; o_t = scale * S_t q_t."""
    B, T, H, K = q.shape
    S = np.zeros((B, H, v.shape[-1], K))
    o = np.zeros((B, T, H, v.shape[-1]))
    for t in range(T):
        S = step(S, t)
        o[:, t] = np.einsum("bhvk,bhk->bhv", S, q[:, t]) * scale
    return o


def _outer(v_t, k_t):
    return np.einsum("bhv,bhk->bhvk", v_t, k_t)


def linear_attention(q, k, v, scale=None, normalize=False):
    """S_t = S_{t-1} + v_t k_t^T; o_t = scale S_t q_t (optionally divided by scale q_t . sum_j k_j)."""
    K = q.shape[-1]
    scale = K**-0.5 if scale is None else scale
    o = _scan(q, k, v, scale, lambda S, t: S + _outer(v[:, t], k[:, t]))
    if normalize:
        z = np.einsum("bthk,bthk->bth", q * scale, np.cumsum(k, axis=1)) + 1e-10
        o = o / z[..., None]
    return o


def scalar_decay(q, k, v, g, scale=None):
    """Mamba-2 / simple GLA / RetNet: S_t = exp(g_t) S_{t-1} + v_t k_t^T; g (B, T, H) or (H,) constant."""
    K = q.shape[-1]
    scale = K**-0.5 if scale is None else scale
    gate = np.broadcast_to(g, q.shape[:3]) if np.ndim(g) == 1 else g
    return _scan(
        q, k, v, scale, lambda S, t: S * np.exp(gate[:, t])[..., None, None] + _outer(v[:, t], k[:, t])
    )


def diagonal_decay(q, k, v, g, scale=None):
    """GLA / HGRN2: S_t = S_{t-1} diag(exp g_t) + v_t k_t^T; g (B, T, H, K)."""
    K = q.shape[-1]
    scale = K**-0.5 if scale is None else scale
    return _scan(q, k, v, scale, lambda S, t: S * np.exp(g[:, t])[:, :, None, :] + _outer(v[:, t], k[:, t]))


def delta_rule(q, k, v, beta, g=None, scale=None):
    """(Gated) DeltaNet / KDA: S' = S_{t-1} D_t; S_t = S' + beta_t (v_t - S' k_t) k_t^T.

    D_t = exp(g_t) (g (B, T, H): Gated DeltaNet) or diag(exp g_t) (g (B, T, H, K): KDA) or I (g None)."""
    K = q.shape[-1]
    scale = K**-0.5 if scale is None else scale

    def step(S, t):
        if g is not None:
            a = np.exp(g[:, t])
            S = S * (a[:, :, None, :] if a.ndim == 3 else a[..., None, None])
        kt = k[:, t]
        err = v[:, t] - np.einsum("bhvk,bhk->bhv", S, kt)
        return S + beta[:, t][..., None, None] * _outer(err, kt)

    return _scan(q, k, v, scale, step)


def gdn2(q, k, v, g, b, w, scale=None):
    """GDN-2: S' = S diag(exp g_t); S_t = S' + (w_t * v_t - S'(b_t * k_t)) k_t^T; b (B,T,H,K), w (B,T,H,V)."""
    K = q.shape[-1]
    scale = K**-0.5 if scale is None else scale

    def step(S, t):
        S = S * np.exp(g[:, t])[:, :, None, :]
        erase = np.einsum("bhvk,bhk->bhv", S, b[:, t] * k[:, t])
        return S + _outer(w[:, t] * v[:, t] - erase, k[:, t])

    return _scan(q, k, v, scale, step)


def delta_product(q, k, v, beta, g, n, scale=None):
    """DeltaProduct: per token, decay exp(g_t) then n delta-rule steps with k, v, beta of length T*n."""
    B, T, H, K = q.shape
    scale = K**-0.5 if scale is None else scale

    def step(S, t):
        if g is not None:
            S = S * np.exp(g[:, t])[..., None, None]
        for j in range(n):
            kt, vt, bt = k[:, t * n + j], v[:, t * n + j], beta[:, t * n + j]
            err = vt - np.einsum("bhvk,bhk->bhv", S, kt)
            S = S + bt[..., None, None] * _outer(err, kt)
        return S

    vq = np.zeros((B, T, H, v.shape[-1]))  # only the shape is read by _scan
    return _scan(q, k, vq, scale, step)


def dplr(q, k, v, a, b, gk, scale=1.0):
    """RWKV-7 (fla's DPLR form): S_t = S_{t-1} (diag(exp gk_t) + a_t b_t^T) + v_t k_t^T; o = scale S_t q_t."""

    def step(S, t):
        Sa = np.einsum("bhvk,bhk->bhv", S, a[:, t])
        return S * np.exp(gk[:, t])[:, :, None, :] + _outer(Sa, b[:, t]) + _outer(v[:, t], k[:, t])

    return _scan(q, k, v, scale, step)


def rwkv6(q, k, v, w, u, scale=None):
    """RWKV-6: o_t = scale (S_{t-1} + (v_t (u*k_t)^T)) q_t, then S_t = S_{t-1} diag(exp w_t) + v_t k_t^T."""
    B, T, H, K = q.shape
    scale = K**-0.5 if scale is None else scale
    S = np.zeros((B, H, v.shape[-1], K))
    o = np.zeros((B, T, H, v.shape[-1]))
    for t in range(T):
        bonus = _outer(v[:, t], u[None] * k[:, t])
        o[:, t] = np.einsum("bhvk,bhk->bhv", S + bonus, q[:, t]) * scale
        S = S * np.exp(w[:, t])[:, :, None, :] + _outer(v[:, t], k[:, t])
    return o


def rwkv4(w, u, k, v):
    """RWKV-4 WKV, channel-wise: k, v (B, T, C); decay exp(-exp(w)) per channel, bonus u on the current token.

    wkv_t = (sum_{j<t} e^{-(t-1-j) exp(w) + k_j} v_j + e^{u + k_t} v_t) / (same with v = 1)."""
    B, T, C = k.shape
    decay = np.exp(w)  # positive
    num = np.zeros((B, C))
    den = np.zeros((B, C))
    out = np.zeros((B, T, C))
    for t in range(T):
        cur = np.exp(u + k[:, t])
        out[:, t] = (num + cur * v[:, t]) / (den + cur)
        num = np.exp(-decay) * num + np.exp(k[:, t]) * v[:, t]
        den = np.exp(-decay) * den + np.exp(k[:, t])
    return out


def diagonal_scan(x, g):
    """HGRN / Griffin RG-LRU core: h_t = exp(g_t) * h_{t-1} + x_t, elementwise; x, g (B, T, C)."""
    h = np.zeros_like(x[:, 0])
    out = np.zeros_like(x)
    for t in range(x.shape[1]):
        h = np.exp(g[:, t]) * h + x[:, t]
        out[:, t] = h
    return out


def mamba2(x, dt, A, Bm, Cm):
    """Mamba-2 SSD: h_t = exp(A dt_t) h_{t-1} + dt_t x_t B_t^T; y_t = h_t C_t.

    x (B, T, H, P), dt (B, T, H), A (H,), Bm, Cm (B, T, G, N) shared by the H/G heads of a group."""
    H, G = x.shape[2], Bm.shape[2]
    rep = H // G
    Bh = np.repeat(Bm, rep, axis=2)
    Ch = np.repeat(Cm, rep, axis=2)
    return scalar_decay(Ch, Bh, x * dt[..., None], A[None, None, :] * dt, scale=1.0)


def mamba3_siso(Q, K, V, ADT, DT, Trap, Q_bias, K_bias, Angles):
    """Mamba-3 SISO (trapezoidal, rotary), as mamba_ssm's Triton kernel computes it.

    Q, K (B, T, G, N); V (B, T, H, P); ADT, DT, Trap (B, H, T); Q_bias, K_bias (H, N); Angles (B, T, H, R).
    q~ = rot(Q + qb), k~ = rot(K + kb) * (gamma_t + shifted_gamma_t) with gamma_t = dt_t sigmoid(trap_t) and
    shifted_gamma_t = dt_{t+1} (1 - sigmoid(trap_{t+1})); theta_t = cumsum(pi tanh(Angles) * DT) on pairs
    (2i, 2i+1), pairs past R left unrotated.
    y_t = sum_{j<t} exp(A_t - A_j) (q~_t . k~_j) v_j + gamma_t (q_t + qb).(k_t + kb) v_t, A = cumsum(ADT)."""
    Bsz, T, G, N = Q.shape
    H = V.shape[2]
    rep = H // G
    q = np.repeat(Q, rep, axis=2) + Q_bias[None, None]
    k = np.repeat(K, rep, axis=2) + K_bias[None, None]
    dt = DT.transpose(0, 2, 1)  # (B, T, H)
    lam = 1.0 / (1.0 + np.exp(-Trap.transpose(0, 2, 1)))
    gamma = dt * lam
    shifted = np.zeros_like(gamma)
    shifted[:, :-1] = dt[:, 1:] * (1.0 - lam[:, 1:])
    # angle_dt_fwd squashes the raw angle rates to (-pi, pi) before accumulating them
    theta = np.cumsum(np.tanh(Angles) * np.pi * dt[..., None], axis=1)  # (B, T, H, R)
    R = theta.shape[-1]

    def rot(x):
        y = x.copy()
        x0, x1 = x[..., 0 : 2 * R : 2], x[..., 1 : 2 * R : 2]
        c, s = np.cos(theta), np.sin(theta)
        y[..., 0 : 2 * R : 2] = x0 * c - x1 * s
        y[..., 1 : 2 * R : 2] = x0 * s + x1 * c
        return y

    qr = rot(q)
    kr = rot(k) * (gamma + shifted)[..., None]
    Acs = np.cumsum(ADT, axis=-1)  # (B, H, T)
    decay = np.exp(np.minimum(Acs[..., :, None] - Acs[..., None, :], 0.0))
    strict = np.tril(np.ones((T, T), dtype=bool), -1)
    scores = np.einsum("bihn,bjhn->bhij", qr, kr) * decay * strict
    y = np.einsum("bhij,bjhp->bihp", scores, V)
    diag = np.einsum("bthn,bthn->bth", q, k) * gamma
    return y + diag[..., None] * V


def mlstm(q, k, v, i, f, eps=1e-6):
    """mLSTM (stabilised parallel form), head-first: q, k (B, H, T, K), v (B, H, T, V), gates i, f (B, H, T).

    D_ij = exp(sum_{j<r<=i} logsigmoid(f_r) + i_j - m_i), m_i = max_j (...);
    h_i = sum_j C_ij v_j / max(|sum_j C_ij|, exp(-m_i)) + eps, C_ij = (q_i.k_j / sqrt(K)) D_ij."""
    B, H, T, K = q.shape
    logf = -np.logaddexp(0.0, -f)
    F = np.cumsum(logf, axis=-1)
    logD = F[..., :, None] - F[..., None, :] + i[..., None, :]
    logD = np.where(_causal(T), logD, -np.inf)
    m = logD.max(-1, keepdims=True)
    D = np.exp(logD - m)
    C = np.einsum("bhik,bhjk->bhij", q, k) * K**-0.5 * D
    n = np.maximum(np.abs(C.sum(-1, keepdims=True)), np.exp(-m))
    return np.einsum("bhij,bhjv->bhiv", C / (n + eps), v)


def ttt_linear(q, k, v, w, b, eta, scale=None, eps=1e-6, chunk=16):
    """TTT-Linear with mini-batch gradient steps (fla's chunk form), head-first: q, k, v (B, H, T, D);
    w, b (H, D) LayerNorm weight/bias; eta (B, H, T, 1) per-token learning rates.

    Per mini-batch of `chunk` tokens: the inner model W (D x D, with bias hb) is read, the LayerNorm-
    reconstruction loss ||LN(k W + hb) - (v - k)||^2 gives a gradient; outputs use the within-batch
    causal update; W and hb take the step of the last token; a residual LayerNorm closes the output."""
    B, H, T, D = q.shape
    scale = D**-0.5 if scale is None else scale
    q = q * scale
    wv, bv = w[None, :, None, :], b[None, :, None, :]
    h = np.zeros((B, H, D, D))
    hb = np.zeros((B, H, 1, D))
    out = np.zeros_like(v)
    for s0 in range(0, T, chunk):
        sl = slice(s0, s0 + chunk)
        qi, ki, vi, ei = q[:, :, sl], k[:, :, sl], v[:, :, sl], eta[:, :, sl]
        kh = ki @ h + hb
        target = vi - ki
        mu = kh.mean(-1, keepdims=True)
        rstd = np.sqrt(kh.var(-1, keepdims=True) + eps)
        xh = (kh - mu) / rstd
        gr = (wv * xh + bv - target) * wv
        v_new = (D * gr - gr.sum(-1, keepdims=True) - xh * (gr * xh).sum(-1, keepdims=True)) / (rstd * D)
        attn = np.tril(qi @ np.swapaxes(ki, -1, -2))
        oi = qi @ h - (ei * attn) @ v_new + hb - np.tril(np.broadcast_to(ei, attn.shape)) @ v_new
        last = ei[:, :, -1:, :]  # (B, H, 1, 1): the last token's rate, applied to the whole mini-batch
        h = h - np.swapaxes(last * ki, -1, -2) @ v_new
        hb = hb - (last * v_new).sum(-2, keepdims=True)
        mu = oi.mean(-1, keepdims=True)
        rstd = np.sqrt(oi.var(-1, keepdims=True) + eps)
        out[:, :, sl] = oi + (oi - mu) / rstd * wv + bv
    return out


def _level_of(i: int, j: int) -> int:
    """Log-linear attention's Fenwick level of key j seen from query i (0 = the token itself)."""
    if i == j:
        return 0
    return (i ^ j).bit_length()


def log_linear_attention(q, k, v, g, level_scales, scale=1.0):
    """Log-linear attention (Mamba-2 flavour): M_ij = (q_i.k_j) exp(G_i - G_j) lambda_i^{level(i, j)}.

    q, k (B, T, H, K); v (B, T, H, V); g (B, T, H) log decays; level_scales (B, T, H, L)."""
    B, T, H, K = q.shape
    G = np.cumsum(g, axis=1).transpose(0, 2, 1)
    decay = np.exp(np.where(_causal(T), G[..., :, None] - G[..., None, :], -np.inf))
    lev = np.array([[_level_of(i, j) if j <= i else 0 for j in range(T)] for i in range(T)])
    lam = level_scales.transpose(0, 2, 1, 3)  # (B, H, T, L)
    weights = np.take_along_axis(lam, np.broadcast_to(lev[None, None], (B, H, T, T)), axis=-1)
    M = np.einsum("bihk,bjhk->bhij", q, k) * decay * weights * _causal(T)
    return np.einsum("bhij,bjhv->bihv", M, v) * scale


def based(q, k, v, scale=None, eps=1e-6):
    """Based: 2nd-order Taylor kernel 1 + s + s^2/2 with s = scale q_i.k_j, normalised; q, k (B,T,H,16)."""
    T, K = q.shape[1], q.shape[-1]
    scale = K**-0.5 if scale is None else scale
    s = np.einsum("bihk,bjhk->bhij", q * scale, k)
    A = (1 + s + 0.5 * s**2) * _causal(T)
    o = np.einsum("bhij,bjhv->bihv", A, v)
    z = A.sum(-1).transpose(0, 2, 1)  # (B, T, H)
    return o / (z[..., None] + eps)


def causal_conv(u, h):
    """Long causal convolution per channel: y[b, c, t] = sum_{s<=t} h[c, s] u[b, c, t-s].

    u (B, C, T), h (C, T)."""
    B, C, T = u.shape
    y = np.zeros_like(u)
    for s in range(T):
        y[:, :, s:] += h[None, :, s : s + 1] * u[:, :, : T - s]
    return y


def hyena(u, xs, hs):
    """Hyena recurrence of order N: z = u; for each (x_n, h_n): z = conv(z, h_n) * x_n; u, x_n (B, C, T)."""
    z = u
    for x, h in zip(xs, hs, strict=True):
        z = causal_conv(z, h) * x
    return z
