"""Float64 formulas for the few GPU kernels whose inputs do not map onto a kernels_wasm module.

Every other kernel is checked against the site's own kernels_wasm module on every slice (zoo.bench.wasm);
what is left here is the bare kernel where the zoo's model adds more around it (Griffin's scan without its
gates, TTT's LayerNorm inner loss, Mamba-3's biases and shifted trapezoid term, S4's convolution with a
given kernel), and the relative error every check reports.

Layout glossary (fla's time-major convention): B batch, T time steps, H heads, K key width, V value width;
q, k: (B, T, H, K), v: (B, T, H, V); gates are log-space where the kernels take log-space.
"""

import numpy as np


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


def diagonal_scan(x, g):
    """HGRN / Griffin RG-LRU core: h_t = exp(g_t) * h_{t-1} + x_t, elementwise; x, g (B, T, C)."""
    h = np.zeros_like(x[:, 0])
    out = np.zeros_like(x)
    for t in range(x.shape[1]):
        h = np.exp(g[:, t]) * h + x[:, t]
        out[:, t] = h
    return out


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


def causal_conv(u, h):
    """Long causal convolution per channel: y[b, c, t] = sum_{s<=t} h[c, s] u[b, c, t-s].

    u (B, C, T), h (C, T)."""
    B, C, T = u.shape
    y = np.zeros_like(u)
    for s in range(T):
        y[:, :, s:] += h[None, :, s : s + 1] * u[:, :, : T - s]
    return y
