"""The two-layer MQAR model of Zoology's recipe, in torch (imported only inside a worker).

Zoology's MQAR models (zoology/experiments/models_repo.py, zoology/model.py) are

    embedding (V x d, no positions) -> block 0 -> block 1 -> LayerNorm -> logits tied to the embedding
    block i:  h = h + mixer_i(LayerNorm(h))          (pre-norm residual; the state mixer is Identity)
    mixer_0 = BaseConv: y = conv_3(u) * (W u + b) + u   (depthwise causal short conv of width 3, gated)
    mixer_1 = the model's sequence mixer

(Zoology's ``Hybrid`` picks configs[layer_idx % 2]: layer 0 the BaseConv, layer 1 the mixer.) The short
convolution lets the mixer layer see each token's predecessor, which is how a one-mixer model can bind a
value to its key. Embedding dropout 0.1 as Zoology's ModelConfig; init normal(0, 0.02).

Shapes: B batch, T time, d width, H heads, D = d / H head width, V vocabulary.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .mixers import MIXERS


class BaseConv(nn.Module):
    """Zoology's BaseConv with a short kernel: a gated depthwise causal convolution plus the input."""

    def __init__(self, d: int, k: int = 3):
        super().__init__()
        self.conv = nn.Conv1d(d, d, k, groups=d, padding=k - 1)
        self.proj = nn.Linear(d, d)

    def forward(self, u):  # (B, T, d)
        T = u.shape[1]
        conv = self.conv(u.transpose(1, 2))[..., :T].transpose(1, 2)
        return conv * self.proj(u) + u


def _alibi_slopes(H: int) -> torch.Tensor:
    return torch.tensor([2 ** (-8 * (h + 1) / H) for h in range(H)])


def _rotate(x, pos, base: float = 10000.0):
    """Rotary positions on the last dim of x (B, H, T, D): pairs (i, i + D/2) rotated by pos * theta_i."""
    D = x.shape[-1]
    inv = 1.0 / base ** (torch.arange(0, D, 2, device=x.device, dtype=torch.float32) / D)
    ang = pos[:, None].float() * inv[None]  # (T, D/2)
    cos, sin = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
    x1, x2 = x[..., : D // 2], x[..., D // 2 :]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


class SDPAttention(nn.Module):
    """Causal softmax attention by torch SDPA; ``variant`` adds the model's positions, bias or mask:
    nope / sinusoidal (positions live in the embedding), rope, alibi, window (last W tokens, plus S sinks)."""

    def __init__(self, d: int, variant: str, heads: int, kv_heads: int, window=None, sinks=None):
        super().__init__()
        self.variant, self.H, self.Hkv, self.D = variant, heads, kv_heads, d // heads
        self.window, self.sinks = window, sinks or 0
        self.q = nn.Linear(d, heads * self.D)
        self.kv = nn.Linear(d, 2 * kv_heads * self.D)
        self.out_proj = nn.Linear(heads * self.D, d)

    def mask(self, T: int, device):
        i = torch.arange(T, device=device)[:, None]
        j = torch.arange(T, device=device)[None, :]
        causal = j <= i
        if self.variant == "alibi":
            bias = -_alibi_slopes(self.H).to(device)[:, None, None] * (i - j).float()
            return bias.masked_fill(~causal, float("-inf"))
        if self.variant == "window":
            return causal & ((i - j < self.window) | (j < self.sinks))
        return None

    def forward(self, x):
        B, T, _ = x.shape
        q = self.q(x).view(B, T, self.H, self.D).transpose(1, 2)
        k, v = self.kv(x).view(B, T, 2, self.Hkv, self.D).permute(2, 0, 3, 1, 4)
        if self.variant == "rope":
            pos = torch.arange(T, device=x.device)
            q, k = _rotate(q, pos), _rotate(k, pos)
        if self.Hkv != self.H:
            k = k.repeat_interleave(self.H // self.Hkv, dim=1)
            v = v.repeat_interleave(self.H // self.Hkv, dim=1)
        mask = self.mask(T, x.device)
        if mask is None:
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            o = F.scaled_dot_product_attention(
                q, k, v, attn_mask=mask.to(q.dtype) if mask.is_floating_point() else mask
            )
        return self.out_proj(o.transpose(1, 2).reshape(B, T, self.H * self.D))


class HyenaFilter(nn.Module):
    """Implicit long filter h_t = MLP(pos_t) * exp(-alpha_c t), one per channel (Poli et al. 2023)."""

    def __init__(self, d: int, T: int, order: int = 64, emb: int = 3):
        super().__init__()
        t = torch.linspace(0, 1, T)[:, None]
        w = 2 * math.pi * t * torch.arange(1, (emb - 1) // 2 + 1)[None] * 1e-4 * T  # a few slow bands
        self.register_buffer("z", torch.cat([t, torch.cos(w), torch.sin(w)], dim=-1))  # (T, emb)
        self.register_buffer("t", t)
        self.freq = nn.Parameter(torch.ones(1, order))
        self.mlp = nn.ModuleList([nn.Linear(emb, order), nn.Linear(order, order), nn.Linear(order, d)])
        # decay rates spread over channels: fast-decaying filters look back a few steps, slow ones the whole T
        self.register_buffer("alpha", torch.linspace(math.log(1e-2) / 1.5, math.log(1e-2) / 0.3, d).abs())
        self.bias = nn.Parameter(torch.randn(d))

    def forward(self, T: int):
        h = torch.sin(self.freq * self.mlp[0](self.z[:T]))
        h = torch.sin(self.freq * self.mlp[1](h))
        h = self.mlp[2](h)  # (T, d)
        return h * torch.exp(-self.t[:T] * self.alpha[None])


class Hyena(nn.Module):
    """Order-2 Hyena: x1, x2, v = short_conv(W u); y = x1 * (h * (x2 * v)) with a causal FFT convolution."""

    def __init__(self, d: int, T: int, order: int = 2, filter_order: int = 64, short_filter: int = 3):
        super().__init__()
        assert order == 2
        self.in_proj = nn.Linear(d, 3 * d)
        self.short = nn.Conv1d(3 * d, 3 * d, short_filter, groups=3 * d, padding=short_filter - 1)
        self.filter = HyenaFilter(d, T, filter_order)
        self.out_proj = nn.Linear(d, d)

    def forward(self, u):
        B, T, d = u.shape
        z = self.short(self.in_proj(u).transpose(1, 2))[..., :T]  # (B, 3d, T)
        x1, x2, v = z.float().split(d, dim=1)
        h = self.filter(T).float().transpose(0, 1)  # (d, T)
        y = v * x2
        n = 2 * T
        conv = torch.fft.irfft(torch.fft.rfft(y, n=n) * torch.fft.rfft(h, n=n), n=n)[..., :T]
        y = (conv + y * self.filter.bias[:, None].float()) * x1
        return self.out_proj(y.transpose(1, 2).to(u.dtype))


class Mamba2(nn.Module):
    """The Mamba-2 block (Dao & Gu 2024) around mamba_ssm's Triton SSD kernel, forward and backward:

        z, xBC, dt = in_proj(u);   x, B, C = silu(conv_K(xBC))          (one B/C group)
        y = SSD(x; dt = softplus(dt + dt_bias), A = -exp(A_log), B, C) + D x
        out = out_proj(RMSNorm(y * silu(z)))

    with H heads of P channels (H P = 2 d) and state N per head. Init as mamba_ssm's Mamba2: dt log-uniform
    in [1e-3, 1e-1] through its inverse softplus, A uniform in [1, 16], D = 1."""

    def __init__(self, d: int, heads: int, head_dim: int, state_size: int, conv_kernel: int):
        super().__init__()
        self.H, self.P, self.N = heads, head_dim, state_size
        inner = heads * head_dim
        self.split = [inner, inner + 2 * state_size, heads]
        self.in_proj = nn.Linear(d, sum(self.split), bias=False)
        ch = inner + 2 * state_size
        self.conv = nn.Conv1d(ch, ch, conv_kernel, groups=ch, padding=conv_kernel - 1)
        dt = torch.exp(torch.rand(heads) * (math.log(1e-1) - math.log(1e-3)) + math.log(1e-3))
        self.dt_bias = nn.Parameter(dt + torch.log(-torch.expm1(-dt)))  # softplus(dt_bias) = dt
        self.A_log = nn.Parameter(torch.log(torch.empty(heads).uniform_(1, 16)))
        self.D = nn.Parameter(torch.ones(heads))
        self.norm = nn.RMSNorm(inner, eps=1e-5)
        self.out_proj = nn.Linear(inner, d, bias=False)

    def forward(self, u):
        from mamba_ssm.ops.triton.ssd_combined import mamba_chunk_scan_combined

        B, T, _ = u.shape
        z, xBC, dt = self.in_proj(u).split(self.split, dim=-1)
        xBC = F.silu(self.conv(xBC.transpose(1, 2))[..., :T].transpose(1, 2))
        x, Bm, Cm = xBC.split([self.H * self.P, self.N, self.N], dim=-1)
        y = mamba_chunk_scan_combined(
            x.reshape(B, T, self.H, self.P),
            dt.float(),
            -torch.exp(self.A_log.float()),
            Bm.reshape(B, T, 1, self.N),
            Cm.reshape(B, T, 1, self.N),
            chunk_size=64,
            D=self.D.float(),
            dt_bias=self.dt_bias.float(),
            dt_softplus=True,
        )
        y = y.reshape(B, T, self.H * self.P)
        return self.out_proj(self.norm(y * F.silu(z)))


def _load_fla():
    import fla.layers

    return fla.layers


class FlaMixer(nn.Module):
    def __init__(self, cls: str, kwargs: dict, float32: bool = False):
        super().__init__()
        self.layer = getattr(_load_fla(), cls)(**kwargs)
        self.float32 = float32

    def forward(self, x):
        if self.float32:
            with torch.autocast("cuda", enabled=False):
                out = self.layer(x.float())
        else:
            out = self.layer(x)
        out = out[0] if isinstance(out, (tuple, list)) else out
        return out.to(x.dtype)


def build_mixer(model_id: str, d: int, T: int) -> nn.Module:
    m = MIXERS[model_id]
    kw = m.kwargs(d)
    if m.impl == "sdpa":
        return SDPAttention(d, m.cls, kw["heads"], kw["kv_heads"], kw["window"], kw["sinks"])
    if m.impl == "hyena":
        return Hyena(d, T, **kw)
    if m.impl == "mamba2":
        # mamba_ssm's Triton kernels without its __init__.py (which imports the Mamba-1 CUDA extension that a
        # wheel built without CUDA lacks), as the GPU benchmark loads them
        from zoo.bench.adapters.base import load_mamba_ssm_triton

        load_mamba_ssm_triton()
        return Mamba2(d, **kw)
    return FlaMixer(m.cls, kw, m.float32)


INIT_STD = 0.02  # Zoology's init of the embedding and linear weights
POSITION_SCALE = INIT_STD * math.sqrt(2)  # sinusoid entries have RMS 1/sqrt(2): this makes it INIT_STD


def sinusoid(T: int, d: int) -> torch.Tensor:
    pos = torch.arange(T)[:, None].float()
    inv = torch.exp(-math.log(10000.0) * torch.arange(0, d, 2).float() / d)
    pe = torch.zeros(T, d)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * inv), torch.cos(pos * inv)
    return pe


class MQARModel(nn.Module):
    def __init__(self, model_id: str, d: int, T: int, vocab: int):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.drop = nn.Dropout(0.1)
        self.norms = nn.ModuleList([nn.LayerNorm(d), nn.LayerNorm(d)])
        self.mixers = nn.ModuleList([BaseConv(d), build_mixer(model_id, d, T)])
        self.norm_f = nn.LayerNorm(d)
        # Vaswani et al. add positions of unit size to embeddings scaled to unit size; here the embedding
        # entries start at 0.02, so the sinusoid is scaled to that size too. Added at full size it is ~35x the
        # token and the LayerNorm after it reads mostly position: that model never learned MQAR (chance).
        self.positions = sinusoid(T, d) * POSITION_SCALE if MIXERS[model_id].cls == "sinusoidal" else None
        self._init_zoology(self.embed, self.mixers[0])

    @staticmethod
    def _init_zoology(*modules):
        """Zoology's _init_weights on the parts written here (the fla layers keep their own init)."""
        for mod in modules:
            for sub in mod.modules():
                if isinstance(sub, (nn.Linear, nn.Embedding)):
                    nn.init.normal_(sub.weight, std=INIT_STD)
                    if getattr(sub, "bias", None) is not None:
                        nn.init.zeros_(sub.bias)

    def hidden(self, tokens):  # (B, T) -> (B, T, d)
        h = self.drop(self.embed(tokens))
        if self.positions is not None:
            h = h + self.positions.to(h.device, h.dtype)[: tokens.shape[1]]
        for norm, mixer in zip(self.norms, self.mixers, strict=True):
            h = h + mixer(norm(h))
        return self.norm_f(h)

    def logits_at(self, tokens, where):
        """Logits (N, V) at the positions ``where`` (a (B, T) bool mask): the only ones the loss reads, so the
        V-wide output layer runs on n of every T positions (the same loss as Zoology's ignore_index CE)."""
        h = self.hidden(tokens)[where]
        return h @ self.embed.weight.t()
