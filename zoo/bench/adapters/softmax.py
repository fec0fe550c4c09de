"""Adapters of the softmax readout: cuDNN SDPA and its variants (grouped, latent, gated, differential
attention), fla's parallel attention kernels (forgetting, ALiBi, window, sink logit, PaTH, Wall,
stick-breaking), DeltaFormer and Mega."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ..wasm import decay, head, head_qkv, heads_last, hf, hf_qkv, isqrt
from .base import BF16, DEV, F32, Adapter, _first
from .ssm import FFTConv


class SDPA(Adapter):
    """Causal softmax attention through torch SDPA with the cuDNN backend forced (no silent fallback)."""
    name = "sdpa_cudnn"

    kernel = "torch.nn.functional.scaled_dot_product_attention"
    label = "torch.nn.functional.scaled_dot_product_attention[cudnn]"
    step_kernel = "torch.nn.functional.scaled_dot_product_attention"
    step_label = "torch.nn.functional.scaled_dot_product_attention (q_len=1 over a KV cache)"
    decode_kind = "kv_cache"

    def reference_args(self, x, b, h):
        return hf_qkv(x, b, h)

    def make(self, B, T, H, D):
        # SDPA's native layout is (B, H, T, D); drawing it contiguous avoids a strided-input penalty
        return {n: self.randn(B, H, T, D) for n in ("q", "k", "v")}

    def _sdpa(self, q, k, v, causal=True, **kw):
        """SDPA forced onto the variant's backend (cuDNN unless it names another): no silent fallback."""
        from torch.nn.attention import SDPBackend, sdpa_kernel

        with sdpa_kernel([getattr(SDPBackend, self.variant.get("backend", "CUDNN_ATTENTION"))]):
            return F.scaled_dot_product_attention(q, k, v, is_causal=causal, **kw)

    def run(self, x):
        return self._sdpa(x["q"], x["k"], x["v"]).transpose(1, 2)  # -> (B, T, H, D) to compare

    def decode(self, T, H, D):
        from torch.nn.attention import SDPBackend, sdpa_kernel

        q = self.randn(1, H, 1, D)
        k, v = self.randn(1, H, T, D), self.randn(1, H, T, D)
        for name in ("CUDNN_ATTENTION", "FLASH_ATTENTION", "EFFICIENT_ATTENTION"):
            backend = getattr(SDPBackend, name)

            def step(backend=backend):
                with sdpa_kernel([backend]):
                    return F.scaled_dot_product_attention(q, k, v)

            try:
                step()
                torch.cuda.synchronize()
            except RuntimeError:
                continue
            step.backend = backend.name  # recorded with the result
            return step
        return None


class SDPARope(SDPA):
    """RoPE: fla's Triton rotary kernel on q and k, then cuDNN SDPA (both inside the timed region)."""
    name = "sdpa_cudnn_rope"

    kernel = "fla.modules.rotary.rotary_embedding"
    label = "fla.modules.rotary.rotary_embedding + torch SDPA[cudnn]"
    step_kernel = None
    step_label = None
    decode_note = "one step is SDPA over the cache plus rotating one query/key pair: the transformer's cost"

    def reference_args(self, x, b, h):
        D = x["q"].shape[-1]
        # fla rotates the two halves (p, p + D/2); kernels_wasm rotates adjacent pairs (2p, 2p + 1):
        # interleave the channels of q and k the same way (dot products are unchanged) and the two coincide
        perm = np.stack([np.arange(D // 2), np.arange(D // 2) + D // 2], axis=1).ravel()
        # the frequencies themselves when the adapter kept them, else recovered from the bf16 tables at t = 1
        theta = x["theta"] if "theta" in x else np.arctan2(x["sin"][1], x["cos"][1])
        q, k = head(x["q"], b, h)[:, perm], head(x["k"], b, h)[:, perm]
        return {"q": q, "k": k, "v": head(x["v"], b, h), "theta": theta}

    def make(self, B, T, H, D):
        x = self.qkv(B, T, H, D)
        inv = 1.0 / (10000 ** (torch.arange(0, D, 2, device=DEV, dtype=F32) / D))
        ang = torch.arange(T, device=DEV, dtype=F32)[:, None] * inv[None]
        x["cos"], x["sin"] = ang.cos().to(BF16), ang.sin().to(BF16)  # the kernel wants the dtype of q
        x["theta"] = inv  # not a kernel input: the frequencies, for the kernels_wasm comparison
        return x

    def run(self, x):
        rot = self.fn()
        q = rot(x["q"], x["cos"], x["sin"]).transpose(1, 2)
        k = rot(x["k"], x["cos"], x["sin"]).transpose(1, 2)
        return self._sdpa(q, k, x["v"].transpose(1, 2)).transpose(1, 2)


class FlaForgetting(Adapter):
    """FoX: fla's parallel_forgetting_attn with a data-dependent log forget gate g (B, T, H)."""
    name = "fla_forgetting_attn"

    kernel = "fla.ops.forgetting_attn.parallel_forgetting_attn"
    step_kernel = "fla.ops.attn.decoding.attn_decoding_one_step"
    step_label = "fla.ops.attn.decoding.attn_decoding_one_step (with g)"
    grads = args = ("q", "k", "v", "g")
    kwargs = {"window_size": None}
    decode_kind = "kv_cache"

    def reference_args(self, x, b, h):
        return {**head_qkv(x, b, h), "f": decay(x, b, h)}

    def gate(self, B, T, H):
        return self.logsig(B, T, H, shift=3.0)

    def make(self, B, T, H, D):
        return {**self.qkv(B, T, H, D), "g": self.gate(B, T, H)}

    def decode(self, T, H, D):
        fn = self.step_fn()
        q = self.randn(1, 1, H, D)
        k, v = self.randn(1, T, H, D), self.randn(1, T, H, D)
        g = self.gate(1, T, H)
        cu = torch.tensor([0, T], device=DEV, dtype=torch.long)
        return lambda: fn(q, k, v, g, cu_seqlens=cu, window_size=None)


class FlaAlibi(FlaForgetting):
    """ALiBi is FoX with a constant gate: g[:, :, h] = -m_h gives the bias -m_h (i - j) exactly."""
    name = "fla_forgetting_attn_alibi"

    grads = ("q", "k", "v")
    step_label = "fla.ops.attn.decoding.attn_decoding_one_step (constant g = ALiBi)"

    def reference_args(self, x, b, h):
        return {**head_qkv(x, b, h), "m": -float(x["g"][b, 0, h])}

    def gate(self, B, T, H):
        slopes = 2.0 ** (-8.0 * torch.arange(1, H + 1, device=DEV, dtype=F32) / H)
        return (-slopes).expand(B, T, H).contiguous()


class FlaSWA(Adapter):
    """Sliding-window attention: fla's parallel_attn with window_size (W = 4096; 64 in the check)."""
    name = "fla_parallel_attn_window"

    kernel = "fla.ops.attn.parallel_attn"
    label = "fla.ops.attn.parallel_attn(window_size=4096)"
    step_kernel = "fla.ops.attn.decoding.attn_decoding_one_step"
    step_label = "fla.ops.attn.decoding.attn_decoding_one_step(window_size=4096)"
    decode_kind = "kv_cache"
    window = 4096
    sizes, check_sizes = {"window": window}, {"window": 64}

    def reference_args(self, x, b, h):
        return {**head_qkv(x, b, h), "window": self.now["window"]}

    def run(self, x):
        return _first(self.fn()(x["q"], x["k"], x["v"], window_size=self.now["window"]))

    def decode(self, T, H, D):
        fn = self.step_fn()
        W = min(T, self.window)  # the cache never holds more than W keys
        q = self.randn(1, 1, H, D)
        k, v = self.randn(1, W, H, D), self.randn(1, W, H, D)
        cu = torch.tensor([0, W], device=DEV, dtype=torch.long)
        return lambda: fn(q, k, v, cu_seqlens=cu, window_size=self.window)


class FlaPath(Adapter):
    """PaTH: fla's parallel_path_attn; w unit Householder directions, beta in (0, 2)."""
    name = "fla_path_attn"

    kernel = "fla.ops.path_attn.parallel_path_attn"
    grads = ("q", "k", "v", "w", "beta")
    decode_note = "decoding needs fla's transformed-key cache (use_cache prefill); not measured"
    use_gate = False
    check_T = 128

    def reference_args(self, x, b, h):
        args = {**head_qkv(x, b, h), "w": head(x["w"], b, h), "beta": head(x["beta"], b, h)}
        if self.use_gate:  # fla's PaTH kernel multiplies the gate term by the softmax scale too: exp(scale g)
            args["f"] = np.exp(isqrt(x) * head(x["g"], b, h))
        return args

    def make(self, B, T, H, D):
        x = self.qkv(B, T, H, D)
        # fla asserts float32 for w, beta and g ("to preserve precision"); q, k, v stay bf16
        x["w"] = self.unit(B, T, H, D, dtype=F32)
        x["beta"] = 2 * self.sigmoid(B, T, H, dtype=F32)
        if self.use_gate:
            x["g"] = self.logsig(B, T, H, shift=3.0)
        return x

    def run(self, x):
        return _first(self.fn()(x["q"], x["k"], x["v"], x["w"], x["beta"], g=x.get("g")))


class FlaPathFox(FlaPath):
    name = "fla_path_attn_fox"
    grads = ("q", "k", "v", "w", "beta", "g")
    use_gate = True


class FlaWall(Adapter):
    """Wall attention: fla's parallel_wall_attn with per-channel log decays g (B, T, H, D)."""
    name = "fla_wall_attn"

    kernel = "fla.ops.wall_attn.parallel_wall_attn"
    grads = args = ("q", "k", "v", "g")
    decode_note = "decoding uses fla's parallel_wall_attn_decode on a rescaled-key cache; not measured"
    check_T = 128

    def reference_args(self, x, b, h):
        return {**head_qkv(x, b, h), "alpha": decay(x, b, h)}

    def make(self, B, T, H, D):
        return {**self.qkv(B, T, H, D), "g": self.logsig(B, T, H, D, shift=4.0)}


class FlaStickBreaking(Adapter):
    """Stick-breaking attention: fla's kernel over the keys before each query; the stick left over goes to
    the query's own value (o + rem * v_i), as the authors' reference implementation does."""
    name = "fla_stickbreaking_attn"

    kernel = "fla.ops.stickbreaking_attn.parallel_stickbreaking_attn"
    label = "fla.ops.stickbreaking_attn.parallel_stickbreaking_attn (+ remainder on the current value)"
    decode_note = "no public decoding kernel for stick-breaking attention"

    def reference_args(self, x, b, h):
        return head_qkv(x, b, h)

    def run(self, x):
        o, rem = self.fn()(x["q"], x["k"], x["v"])
        return o + rem[..., None].to(o.dtype) * x["v"]


class SDPAGrouped(SDPA):
    """GQA: G key-value heads shared by groups of R = H / G query heads, through SDPA's enable_gqa (no copy of
    the keys and values). Variants try SDPA's backends in order until one accepts grouped heads; the last
    repeats the key-value heads (repeat_interleave) for a torch without enable_gqa. G = H / 4 (as in
    Llama-3's 32 / 8); the check's 4 heads use G = 2, so groups of two heads are exercised."""
    name = "sdpa_gqa"

    variants = (
        {"backend": "CUDNN_ATTENTION"},
        {"backend": "FLASH_ATTENTION"},
        {"backend": "EFFICIENT_ATTENTION"},
        {"backend": "CUDNN_ATTENTION", "repeat": True},
    )
    layout = "bthv_all"  # heads share a cache: q (B, H, T, d), k and v (B, G, T, d), all heads in one call
    decode_note = "one step reads a cache of G = H / 4 key-value heads: a quarter of multi-head attention's"

    def reference_args(self, x, b, h):
        return heads_last(x, b, ("q", "k", "v"))

    @property
    def op(self):
        how = "repeat_interleave" if self.variant.get("repeat") else "enable_gqa=True"
        return f"torch.nn.functional.scaled_dot_product_attention({how})[{self.variant['backend'].lower()}]"

    @property
    def decode_op(self):
        return self.op + " (q_len=1 over a grouped KV cache)"

    def kv_heads(self, H):
        return max(2, H // 4) if H >= 4 else 1

    def make(self, B, T, H, D):
        G = self.kv_heads(H)
        return {"q": self.randn(B, H, T, D), "k": self.randn(B, G, T, D), "v": self.randn(B, G, T, D)}

    def _sdpa(self, q, k, v, causal=True):
        if not self.variant.get("repeat"):
            return super()._sdpa(q, k, v, causal, enable_gqa=True)
        R = q.shape[1] // k.shape[1]
        return super()._sdpa(q, k.repeat_interleave(R, dim=1), v.repeat_interleave(R, dim=1), causal)

    def decode(self, T, H, D):
        G = self.kv_heads(H)
        q = self.randn(1, H, 1, D)
        k, v = self.randn(1, G, T, D), self.randn(1, G, T, D)
        return lambda: self._sdpa(q, k, v, causal=False)


class SDPAMultiQuery(SDPAGrouped):
    """MQA: one key-value head for all query heads (GQA with G = 1)."""
    name = "sdpa_mqa"

    decode_note = "one step reads a cache of one key-value head, H times smaller than multi-head attention's"

    def kv_heads(self, H):
        return 1


class SDPAGated(SDPA):
    """Gated attention: cuDNN SDPA, then each head's output times sigmoid(z), z the elementwise gate logits
    (B, H, T, D) computed from the token's input (outside the timed region, like the projections)."""
    name = "sdpa_gated"

    label = "torch SDPA[cudnn] * sigmoid(z) (elementwise output gate)"
    step_label = "torch SDPA (q_len=1 over a KV cache) * sigmoid(z)"
    grads = ("q", "k", "v", "z")

    def reference_args(self, x, b, h):
        return {n: hf(x[n], b, h) for n in ("q", "k", "v", "z")}

    def make(self, B, T, H, D):
        return {**super().make(B, T, H, D), "z": self.randn(B, H, T, D)}

    def run(self, x):
        return (torch.sigmoid(x["z"]) * self._sdpa(x["q"], x["k"], x["v"])).transpose(1, 2)

    def decode(self, T, H, D):
        step = super().decode(T, H, D)
        if step is None:
            return None
        z = self.randn(1, H, 1, D)

        def gated():
            return torch.sigmoid(z) * step()

        gated.backend = step.backend
        return gated


class SDPADiff(SDPA):
    """Differential attention: two cuDNN SDPA passes over the same values, the second times lambda_h (from the
    paper's four lambda vectors per head and lambda_init of layer 4), subtracted. Query and key halves have
    the head width D, as do the values (the paper's per-head RMSNorm sits outside the mixer)."""
    name = "sdpa_diff"

    label = "torch SDPA[cudnn] x 2: softmax(Q1 K1^T) V - lambda softmax(Q2 K2^T) V"
    step_label = "torch SDPA x 2 (q_len=1 over a cache of both key halves)"
    grads = ("q1", "q2", "k1", "k2", "v")
    layer = 4

    def reference_args(self, x, b, h):
        """Both halves and the four lambda vectors of head h; lambda_init of the layer."""
        names = {"lq1": "lambda_q1", "lk1": "lambda_k1", "lq2": "lambda_q2", "lk2": "lambda_k2"}
        return {
            **{n: hf(x[n], b, h) for n in ("q1", "q2", "k1", "k2", "v")},
            **{names[n]: x[n][h] for n in names},
            "lambda_init": self.lambda_init(),
        }

    def lambda_init(self):
        return 0.8 - 0.6 * math.exp(-0.3 * (self.layer - 1))

    def make(self, B, T, H, D):
        x = {n: self.randn(B, H, T, D) for n in ("q1", "q2", "k1", "k2", "v")}
        for n in ("lq1", "lk1", "lq2", "lk2"):
            x[n] = self.randn(H, D, dtype=F32, scale=0.1)
        return x

    def lam(self, x):
        dot = lambda a, b: (x[a] * x[b]).sum(-1)  # noqa: E731
        return (dot("lq1", "lk1").exp() - dot("lq2", "lk2").exp() + self.lambda_init())[:, None, None]

    def run(self, x):
        o1 = self._sdpa(x["q1"], x["k1"], x["v"])
        o2 = self._sdpa(x["q2"], x["k2"], x["v"])
        return (o1 - self.lam(x).to(o1.dtype) * o2).transpose(1, 2)

    def decode(self, T, H, D):
        step = super().decode(T, H, D)  # one SDPA step; the second half reads the same cache
        if step is None:
            return None

        def both():
            return step() - 0.5 * step()

        both.backend = step.backend
        return both


class FlaSinkLogit(Adapter):
    """A learned sink logit per head (gpt-oss): fla's parallel_attn with sink_bias (H,), which adds exp(b_h)
    to each softmax denominator (fla scales it to base 2 inside); full causal attention."""
    name = "fla_attn_sink_bias"

    kernel = "fla.ops.attn.parallel_attn"
    label = "fla.ops.attn.parallel_attn(sink_bias=b)"
    step_kernel = "fla.ops.attn.decoding.attn_decoding_one_step"
    step_label = "fla.ops.attn.decoding.attn_decoding_one_step(sink_bias=b)"
    grads = ("q", "k", "v", "sink")
    args = ("q", "k", "v", "sink_bias=sink")
    decode_kind = "kv_cache"

    def reference_args(self, x, b, h):
        # fla's sink_bias is the sink logit itself (fla converts it to base 2 inside the kernel)
        return {**head_qkv(x, b, h), "sink": float(x["sink"][h]), "window": 0}

    def make(self, B, T, H, D):
        return {**self.qkv(B, T, H, D), "sink": self.randn(H, dtype=F32, scale=2.0)}

    def decode(self, T, H, D):
        fn = self.step_fn()
        q = self.randn(1, 1, H, D)
        k, v = self.randn(1, T, H, D), self.randn(1, T, H, D)
        sink = self.randn(H, dtype=F32)
        cu = torch.tensor([0, T], device=DEV, dtype=torch.long)
        return lambda: fn(q, k, v, cu_seqlens=cu, sink_bias=sink)


class Mega(SDPA):
    """Mega's attention, one unit per head (H units of width D): the damped multi-dimensional EMA of x as a
    causal FFT convolution (cuFFT, float32; its kernel K_l = sum_n eta alpha beta (1 - alpha delta)^l built
    inside the timed region, as the released module does), x' = SiLU(EMA + omega x), z = SiLU(W_z x'),
    q, k = kappa z + mu, then cuDNN SDPA over the raw values. The reset and update gates after the attention
    are left out, as on the model's page. n = 2 EMA dimensions (the released default)."""
    name = "fft_sdpa_mega"

    label = "EMA by torch.fft (cuFFT) + torch SDPA[cudnn] (one Mega unit per head)"
    step_label = "torch SDPA (q_len=1 over a KV cache; the EMA step is a few elementwise products)"
    grads = ("x", "v")
    ndim = 2
    check_T = 128

    def reference_args(self, x, b, h):
        params = ("alpha", "delta", "beta", "eta", "omega", "Wz", "kq", "mq", "kk", "mk")
        return {"x": head(x["x"], b, h), "v": head(x["v"], b, h), **{n: x[n][h] for n in params}}

    def make(self, B, T, H, D):
        n = self.ndim
        x = {"x": self.randn(B, T, H, D), "v": self.randn(B, T, H, D)}
        x["alpha"], x["delta"] = (self.sigmoid(H, D, n, dtype=F32) for _ in range(2))
        sign = torch.tensor([1.0, -1.0] * (n // 2), device=DEV)
        x["beta"] = sign + self.randn(H, D, n, dtype=F32, scale=0.02)
        x["eta"] = self.randn(H, D, n, dtype=F32, scale=n**-0.5)
        x["omega"] = self.randn(H, D, dtype=F32)
        x["Wz"] = self.randn(H, D, D, dtype=F32, scale=D**-0.5)
        for nm, base, sd in (("kq", 1.0, 0.5), ("mq", 0.0, 0.1), ("kk", 1.0, 0.5), ("mk", 0.0, 0.1)):
            x[nm] = self.randn(H, D, dtype=F32, scale=sd, shift=base)
        return x

    def run(self, x):
        xs = x["x"].float().permute(0, 2, 3, 1)  # (B, H, D, T)
        T = xs.shape[-1]
        decay = torch.log1p(-x["alpha"] * x["delta"])  # log(1 - alpha delta), (H, D, n)
        steps = torch.arange(T, device=xs.device, dtype=F32)
        K = torch.einsum("hdn,hdnl->hdl", x["eta"] * x["alpha"] * x["beta"], (decay[..., None] * steps).exp())
        ema = FFTConv.conv(xs, K).permute(0, 3, 1, 2)  # (B, T, H, D)
        xp = F.silu(ema + x["omega"] * x["x"].float())
        z = F.silu(torch.einsum("bthd,hed->bthe", xp, x["Wz"]))
        q = (x["kq"] * z + x["mq"]).to(BF16).transpose(1, 2)
        k = (x["kk"] * z + x["mk"]).to(BF16).transpose(1, 2)
        return self._sdpa(q, k, x["v"].transpose(1, 2)).transpose(1, 2)


class SDPALatent(Adapter):
    """MLA: the forward runs the paper's naive form (per-head keys [W_UK c; k_R] of width d_h + d_R and values
    W_UV c, rebuilt from the latent, through SDPA), as prefill and training do; one decoding step runs the
    absorbed form over the latent cache (c, k_R): queries W_UK^T q_C scored against the cached latents
    directly, W_UV applied once to the weighted latent. Sizes in DeepSeek-V2's ratios: d_c = 4 d_h,
    d_R = d_h / 2, query latent d'_c = d_c, model width H d_h; RoPE on adjacent pairs, base 10000."""
    name = "sdpa_latent_mla"

    grads = ("h",)
    decode_kind = "kv_cache"
    step_kernel = None
    step_label = "absorbed MLA step: torch bf16 matmuls over the latent cache (c, k_R), W_UV after the read"
    variants = tuple({"backend": n} for n in ("CUDNN_ATTENTION", "EFFICIENT_ATTENTION", "MATH"))
    layout = "bthv_all"
    names = ("W_dkv", "W_uk", "W_uv", "W_kr", "W_dq", "W_uq", "W_qr")

    def reference_args(self, x, b, h):
        return {"h": x["h"][b], **{n: x[n] for n in self.names}, "theta": x["theta"]}

    @property
    def op(self):
        backend = self.variant["backend"].lower()
        return f"MLA projections (torch) + SDPA[{backend}] (d_qk = d_h + d_R, d_v = d_h)"

    def make(self, B, T, H, D):
        d_c, d_R, Dm = 4 * D, D // 2, H * D
        up, down = (H, D, d_c), (d_c, Dm)  # per-head up-projections from a latent; down to a latent
        shapes = {"W_dkv": down, "W_uk": up, "W_uv": up, "W_kr": (d_R, Dm), "W_dq": down, "W_uq": up}
        shapes["W_qr"] = (H, d_R, d_c)
        x = {n: self.randn(*s, scale=s[-1] ** -0.5) for n, s in shapes.items()}
        x["h"] = self.randn(B, T, Dm)
        x["theta"] = 10000.0 ** (-2.0 * torch.arange(d_R // 2, device=DEV, dtype=F32) / d_R)
        return x

    @staticmethod
    def rope(x, theta, pos):
        """RoPE on adjacent pairs (2p, 2p + 1) of the last axis; x (..., T, [H,] d_R), pos (T,)."""
        ang = pos[:, None] * theta[None]  # (T, d_R / 2)
        if x.dim() == 4:  # (B, T, H, d_R)
            ang = ang[:, None]
        c, s = ang.cos(), ang.sin()
        xf = x.float()
        ev, od = xf[..., 0::2], xf[..., 1::2]
        return torch.stack([c * ev - s * od, s * ev + c * od], dim=-1).flatten(-2).to(x.dtype)

    def project(self, x):
        """(q, k, v) of the naive form, (B, H, T, d_h + d_R) and (B, H, T, d_h), from bf16 projections."""
        h, W = x["h"], {n: x[n] for n in self.names}
        pos = torch.arange(h.shape[1], device=h.device, dtype=F32)
        c = h @ W["W_dkv"].T  # (B, T, d_c): the latent, all the decode cache keeps with k_R
        c_q = h @ W["W_dq"].T
        q_C = torch.einsum("hdc,btc->bthd", W["W_uq"], c_q)
        q_R = self.rope(torch.einsum("hrc,btc->bthr", W["W_qr"], c_q), x["theta"], pos)
        k_R = self.rope(h @ W["W_kr"].T, x["theta"], pos)
        k_C = torch.einsum("hdc,btc->bthd", W["W_uk"], c)
        v = torch.einsum("hdc,btc->bthd", W["W_uv"], c)
        k = torch.cat([k_C, k_R[:, :, None].expand(-1, -1, q_C.shape[2], -1)], -1)
        return torch.cat([q_C, q_R], -1).transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)

    def run(self, x):
        return SDPA._sdpa(self, *self.project(x)).transpose(1, 2)

    def decode(self, T, H, D):
        d_c, d_R = 4 * D, D // 2
        cache = self.randn(T, d_c + d_R)  # (c_j, k_R_j) per token: no head axis
        q = self.randn(H, d_c + d_R)  # [W_UK^T q_C; q_R] per head, this step's absorbed query
        W_uv = self.randn(H, D, d_c, scale=d_c**-0.5)
        scale = (D + d_R) ** -0.5

        def step():
            a = torch.softmax((q @ cache.T).float() * scale, -1).to(BF16)  # (H, T)
            read = a @ cache[:, :d_c]  # (H, d_c): each head's weighted latent
            return torch.einsum("hdc,hc->hd", W_uv, read)

        return step


class FlaDeltaFormer(SDPA):
    """DeltaFormer: fla's Triton kernel for the written values u (ParallelDeltaformerFunction, chunk 512; the
    erase softmax over earlier keys), then the read softmax(Q K^T) U through cuDNN SDPA (fla's own wrapper
    calls FlashAttention, which the benchmark machine does not have)."""
    name = "fla_deltaformer"

    kernel = "fla.ops.deltaformer.parallel.ParallelDeltaformerFunction"
    label = "fla.ops.deltaformer ParallelDeltaformerFunction (u) + torch SDPA[cudnn] (read)"
    step_kernel = None
    step_label = None
    grads = ("q", "k", "v", "beta")
    decode_note = "one step is two softmax reads over the cache of keys and written values; not measured"
    decode = Adapter.decode  # not measured (decode_note says why), though the base class decodes

    def reference_args(self, x, b, h):
        return {**head_qkv(x, b, h), "beta": head(x["beta"], b, h)}

    def make(self, B, T, H, D):
        return {**self.qkv(B, T, H, D), "beta": self.sigmoid(B, T, H)}

    def run(self, x):
        fn = self.fn().apply
        u = fn(x["q"], x["k"], x["v"], x["beta"], 512, None)
        t = lambda a: a.transpose(1, 2)  # noqa: E731
        return self._sdpa(t(x["q"]), t(x["k"]), t(u)).transpose(1, 2)
