"""Adapters of linear and gated linear readouts: fla's chunked kernels (linear attention, Performer,
Hedgehog, RetNet, Lightning, GLA, HGRN2, Based, RWKV-6, log-linear), slot memories (ABC, GSA, Raven) and
mLSTM's TFLA kernel."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ..wasm import decay, head, head_qkv, hf, hf_qkv, isqrt
from .base import BF16, DEV, F32, Adapter, _first, _Recurrent, np64


class FlaGSA(Adapter):
    """GSA: fla's chunk_gsa over M = 64 slots; s = 1 - exp(g) as in fla's GSA layer."""
    name = "fla_gsa"

    kernel = "fla.ops.gsa.chunk_gsa"
    step_kernel = "fla.ops.gsa.fused_recurrent_gsa"
    step_label = "fla.ops.gsa.fused_recurrent_gsa (T=1, state in)"
    grads = ("q", "k", "v", "f")
    M = 64

    def reference_args(self, x, b, h):
        return {**head_qkv(x, b, h), "alpha": np.exp(self._np_gates(x)[0][b, :, h])}

    def make(self, B, T, H, D):
        return {**self.qkv(B, T, H, D), "f": self.logsig(B, T, H, self.M, shift=3.0)}

    def gates(self, x):
        """(g, s): the log forget gate of each slot and its complement 1 - exp(g)."""
        return x["f"], 1 - x["f"].exp()

    def run(self, x):
        g, s = self.gates(x)
        return _first(self.fn()(x["q"], x["k"], x["v"], s.to(BF16), g.to(BF16)))

    def _np_gates(self, x):
        g, s = self.gates({n: torch.from_numpy(a) for n, a in x.items()})
        # the kernel receives bf16 gates: reproduce that rounding for the reference
        return np64(g.to(BF16)), np64(s.to(BF16))

    def step_inputs(self, H, D):
        return self.make(1, 1, H, D)

    def decode(self, T, H, D):
        fn, x = self.step_fn(), self.step_inputs(H, D)
        g, s = self.gates(x)
        state = tuple(torch.zeros(1, H, *dims, device=DEV, dtype=F32) for dims in ((D, self.M), (self.M, D)))
        q, k, v = x["q"], x["k"], x["v"]
        return lambda: fn(q, k, v, s.to(BF16), g.to(BF16), initial_state=state, output_final_state=True)


class FlaRaven(FlaGSA):
    """Raven: GSA's kernel with sparse routing, as fla's Raven layer calls it (decay_type 'Mamba2').

    The router keeps the top-k of sigmoid(r) over M = 64 slots and renormalises them (r~); a per-token decay
    a_t < 0 is spent only on the routed slots: g = a_t r~_t, s = 1 - exp(g). Top-k = 8 (our choice)."""
    name = "fla_gsa_raven"

    label = "fla.ops.gsa.chunk_gsa (Raven routing, top-8 of 64 slots)"
    grads = ("q", "k", "v", "a", "r")
    topk = 8

    def reference_args(self, x, b, h):
        _, _, multihot = self.route(torch.from_numpy(x["a"]), torch.from_numpy(x["r"]))
        return {**head_qkv(x, b, h), "r": multihot.numpy()[b, :, h], "a": head(x["a"], b, h)}

    def make(self, B, T, H, D):
        x = self.qkv(B, T, H, D)
        x["a"] = -F.softplus(self.randn(B, T, H, dtype=F32))
        x["r"] = self.randn(B, T, H, self.M, dtype=F32)
        return x

    def route(self, a, r):
        scores = torch.sigmoid(r)
        idx = scores.topk(self.topk, dim=-1).indices
        w = torch.gather(scores, -1, idx)
        w = w / (w.sum(-1, keepdim=True) + 1e-9)
        multihot = torch.zeros_like(r).scatter(-1, idx, w)
        g = a[..., None] * multihot
        return g, 1 - g.exp(), multihot

    def gates(self, x):
        return self.route(x["a"], x["r"])[:2]


class FlaABC(FlaGSA):
    """ABC: fla's chunk_abc; slot logits s (B, T, H, M=64). Its decoding step is GSA's (derived gates)."""
    name = "fla_abc"

    kernel = "fla.ops.abc.chunk_abc"
    step_label = "fla.ops.gsa.fused_recurrent_gsa (T=1; ABC's step is GSA's with derived gates)"
    grads = args = ("q", "k", "v", "s")
    run = Adapter.run  # the slot logits as drawn, not GSA's gates

    def reference_args(self, x, b, h):
        return {**head_qkv(x, b, h), "s": head(x["s"], b, h)}

    def make(self, B, T, H, D):
        return {**self.qkv(B, T, H, D), "s": self.randn(B, T, H, self.M)}

    def step_inputs(self, H, D):
        return FlaGSA.make(self, 1, 1, H, D)


class FlaLinear(_Recurrent):
    """Plain (unnormalised) linear attention o_t = S_t q_t, scale 1 (the features are the inputs)."""
    name = "fla_linear_attn"

    kernel = "fla.ops.linear_attn.chunk_linear_attn"
    label = "fla.ops.linear_attn.chunk_linear_attn(normalize=False, scale=1)"
    step_kernel = "fla.ops.linear_attn.fused_recurrent_linear_attn"
    args, kwargs, step_fixed = ("q", "k", "v"), {"scale": 1.0, "normalize": False}, {"scale": 1.0}

    def reference_args(self, x, b, h):
        return {**head_qkv(x, b, h), "normalise": False}


class FlaPerformer(_Recurrent):
    """Performer (FAVOR+): positive random features phi(x) = exp(w^T x' - |x'|^2/2)/sqrt(m), x' = x / D^(1/4),
    m = D features, computed in torch inside the timed region, then fla's normalised chunk_linear_attn."""
    name = "fla_linear_attn_favor"

    kernel = "fla.ops.linear_attn.chunk_linear_attn"
    label = "FAVOR+ features (torch) + fla.ops.linear_attn.chunk_linear_attn(normalize=True)"
    step_kernel = "fla.ops.linear_attn.fused_recurrent_linear_attn"

    def reference_args(self, x, b, h):
        return {**head_qkv(x, b, h), "omega": x["W"].T}

    def make(self, B, T, H, D):
        x = self.qkv(B, T, H, D)
        x["W"] = self.randn(D, D, dtype=F32)  # random projection, shared by heads (not trained)
        return x

    @staticmethod
    def features(x, W, is_query):
        xs = x / x.shape[-1] ** 0.25
        z = xs @ W - 0.5 * (xs * xs).sum(-1)[..., None]
        # subtracting a max only rescales phi: per row for queries (cancels in the normaliser), one global
        # max for keys (a common factor of numerator and normaliser)
        top = z.amax(-1, keepdim=True) if is_query else z.max()
        return (z - top.detach()).exp() / math.sqrt(W.shape[1])

    def run(self, x):
        fn = self.fn()
        pq = self.features(x["q"].float(), x["W"], True).to(BF16)
        pk = self.features(x["k"].float(), x["W"], False).to(BF16)
        return _first(fn(pq, pk, x["v"], scale=1.0, normalize=True))


class FlaRetention(_Recurrent):
    name = "fla_retention"
    kernel = "fla.ops.retention.chunk_retention"
    step_kernel = "fla.ops.retention.fused_recurrent_retention"
    args = ("q", "k", "v")

    def reference_args(self, x, b, h):
        return {**head_qkv(x, b, h, isqrt(x)), "gamma": 1 - 2.0 ** (-5.0 - h)}


class FlaGLA(_Recurrent):
    name = "fla_gla"
    kernel = "fla.ops.gla.chunk_gla"
    step_kernel = "fla.ops.gla.fused_recurrent_gla"
    grads = args = ("q", "k", "v", "g")
    step_args = ("q", "k", "v", "gk=g")

    def reference_args(self, x, b, h):
        return {**head_qkv(x, b, h, isqrt(x)), "alpha": decay(x, b, h)}

    def make(self, B, T, H, D):
        return {**self.qkv(B, T, H, D), "g": self.logsig(B, T, H, D, shift=2.0).clamp_min(-5)}


class FlaHGRN2(FlaGLA):
    """HGRN2 through chunk_gla with k = 1 - exp(g) (the forget gate's complement is the input gate)."""
    name = "fla_gla_hgrn2"

    label = "fla.ops.gla.chunk_gla (HGRN2: k = 1 - exp(g))"
    grads = ("q", "v", "g")

    def reference_args(self, x, b, h):
        return {"q": head(x["q"], b, h) * isqrt(x), "v": head(x["v"], b, h), "alpha": decay(x, b, h)}

    def make(self, B, T, H, D):
        x = {n: self.randn(B, T, H, D) for n in ("q", "v")}
        x["g"] = self.logsig(B, T, H, D, shift=2.0).clamp_min(-5)
        return x

    def run(self, x):
        k = (1 - x["g"].exp()).to(BF16)
        return _first(self.fn()(x["q"], k, x["v"], x["g"]))

    def step_kwargs(self, x):
        return dict(q=x["q"], k=(1 - x["g"].exp()).to(BF16), v=x["v"], gk=x["g"])


class FlaBased(Adapter):
    """Based: fla's fused_chunk_based (2nd-order Taylor feature map, feature dim 16, value dim D)."""
    name = "fla_based"

    kernel = "fla.ops.based.fused_chunk_based"
    decode_note = "no public single-step kernel for Based's Taylor-feature state"
    Kf = 16
    args = ("q", "k", "v")

    def reference_args(self, x, b, h):
        return head_qkv(x, b, h)

    def make(self, B, T, H, D):
        x = {n: self.randn(B, T, H, self.Kf) for n in ("q", "k")}
        return {**x, "v": self.randn(B, T, H, D)}


class FlaRWKV6(_Recurrent):
    name = "fla_rwkv6"
    kernel = "fla.ops.rwkv6.chunk_rwkv6"
    step_kernel = "fla.ops.rwkv6.fused_recurrent_rwkv6"
    grads = args = ("q", "k", "v", "w", "u")
    step_args = ("r=q", "k", "v", "w", "u")

    def reference_args(self, x, b, h):
        return {**head_qkv(x, b, h, isqrt(x)), "w": decay(x, b, h, "w"), "u": x["u"][h]}

    def make(self, B, T, H, D):
        x = self.qkv(B, T, H, D)
        x["w"] = self.logsig(B, T, H, D, shift=3.0).clamp_min(-5)
        x["u"] = self.randn(H, D, dtype=F32, scale=0.5)
        return x


class FlaLogLinear(Adapter):
    """Log-linear attention (Mamba-2 gates): fla's chunk_log_linear_attn, L = ceil(log2 T) + 1 levels."""
    name = "fla_log_linear_attn"

    kernel = "fla.ops.log_linear_attn.chunk_log_linear_attn"
    grads = args = ("q", "k", "v", "g", "level_scales")
    max_T = 65536  # the kernel asserts T < 2**17
    decode_note = "decoding keeps a Fenwick tree of O(log T) states; no public single-step kernel"

    def reference_args(self, x, b, h):
        return {**head_qkv(x, b, h), "alpha": decay(x, b, h), "lam": head(x["level_scales"], b, h)}

    def make(self, B, T, H, D):
        L = max(1, math.ceil(math.log2(T))) + 1
        x = self.qkv(B, T, H, D, unit=True)
        x["g"] = self.logsig(B, T, H, shift=3.0)
        x["level_scales"] = self.sigmoid(B, T, H, L)
        return x


class MLSTM(Adapter):
    """mLSTM: NX-AI's mlstm_kernels TFLA chunkwise Triton kernel (head-first layout; exp input gate,
    sigmoid forget gate given as pre-activations). Variants are tried in order: an earlier one crashed
    Triton's compiler on Hopper."""
    name = "mlstm_kernels_tfla"

    grads = ("q", "k", "v", "i", "f")
    kernel = "mlstm_kernels.torch.get_mlstm_kernel"
    step_kernel = "mlstm_kernels.torch.recurrent.triton_step.mlstm_recurrent_step__triton"
    variants = (
        {"kernel": "chunkwise--triton_xl_chunk", "chunk_size": 128, "gate_dtype": "float32"},
        {"kernel": "chunkwise--triton_xl_chunk", "chunk_size": 64, "gate_dtype": "float32"},
        {"kernel": "chunkwise--triton_limit_chunk", "chunk_size": 64, "gate_dtype": "float32"},
    )
    layout = "bhtv"

    def reference_args(self, x, b, h):
        return {**hf_qkv(x, b, h), "i_pre": hf(x["i"], b, h), "f_pre": hf(x["f"], b, h)}

    @property
    def op(self):
        v = self.variant
        return f"mlstm_kernels.torch.get_mlstm_kernel('{v['kernel']}', chunk_size={v['chunk_size']})"

    def make(self, B, T, H, D):
        gd = getattr(torch, self.variant["gate_dtype"])
        x = {n: self.randn(B, H, T, D) for n in ("q", "k", "v")}
        return {**x, "i": self.randn(B, H, T, dtype=gd), "f": self.randn(B, H, T, dtype=gd, shift=3.0)}

    def run(self, x):
        fn = self.fn()(self.variant["kernel"])
        return fn(x["q"], x["k"], x["v"], x["i"], x["f"], chunk_size=self.variant["chunk_size"])

    def decode(self, T, H, D):
        fn = self.step_fn()
        q, k, v = (self.randn(1, H, D) for _ in range(3))
        i, f = self.randn(1, H, 1, dtype=F32), self.randn(1, H, 1, dtype=F32, shift=3.0)
        c = torch.zeros(1, H, D, D, device=DEV, dtype=F32)
        n = torch.zeros(1, H, D, device=DEV, dtype=F32)
        m = torch.zeros(1, H, 1, device=DEV, dtype=F32)
        return lambda: fn(q, k, v, i, f, c, n, m)


class FlaLightning(_Recurrent):
    """Lightning attention: fla's chunk_lightning_attn (chunk_simple_gla with one decay per head), scale 1 as
    in the paper; fla's slope for head h of layer l in L: s_h = 8 h / H (1 - l / L), here l = 12, L = 24.
    q, k, v are drawn after their SiLU (not timed)."""
    name = "fla_lightning_attn"

    kernel = "fla.ops.lightning_attn.chunk_lightning_attn"
    label = "fla.ops.lightning_attn.chunk_lightning_attn(layer_idx=12, num_layers=24, scale=1)"
    step_kernel = "fla.ops.lightning_attn.fused_recurrent_lightning_attn"
    layer, layers = 12, 24
    step_fixed = {"layer_idx": layer, "num_layers": layers, "scale": 1.0}

    def reference_args(self, x, b, h):
        # fla's lightning slope schedule, no scale on q (the paper has none)
        return {**head_qkv(x, b, h), "slope": self.slope(h, x["q"].shape[2])}

    def make(self, B, T, H, D):
        return {n: F.silu(self.randn(B, T, H, D, dtype=F32)).to(BF16) for n in ("q", "k", "v")}

    def run(self, x):
        return _first(self.fn()(x["q"], x["k"], x["v"], self.layer, self.layers, scale=1.0))

    def slope(self, h, H):
        return 8.0 / H * (1 - self.layer / self.layers) * h


class FlaHedgehog(FlaPerformer):
    """Hedgehog: the feature map phi(x) = [exp(W x + b), exp(-(W x + b))] (2 D features, one learned map per
    head for queries and one for keys, W near the identity as at initialisation) in torch inside the timed
    region, then fla's normalised chunk_linear_attn with scale 1."""
    name = "fla_linear_attn_hedgehog"

    label = "Hedgehog features (torch) + fla.ops.linear_attn.chunk_linear_attn(normalize=True)"

    def reference_args(self, x, b, h):
        return {**head_qkv(x, b, h), **{n: x[n][h] for n in ("Wq", "bq", "Wk", "bk")}}

    def make(self, B, T, H, D):
        x = self.qkv(B, T, H, D)
        for n in ("Wq", "Wk"):
            x[n] = torch.eye(D, device=DEV) + self.randn(H, D, D, dtype=F32, scale=0.1 * D**-0.5)
        x["bq"], x["bk"] = (torch.zeros(H, D, device=DEV) for _ in range(2))
        return x

    @staticmethod
    def phi(x, W, b):
        y = torch.einsum("bthd,hed->bthe", x.float(), W) + b
        return torch.cat([y.exp(), (-y).exp()], -1).to(BF16)

    def run(self, x):
        fn = self.fn()
        fq, fk = self.phi(x["q"], x["Wq"], x["bq"]), self.phi(x["k"], x["Wk"], x["bk"])
        return _first(fn(fq, fk, x["v"], scale=1.0, normalize=True))

    def state(self, H, D):
        return torch.zeros(1, H, 2 * D, D, device=DEV, dtype=F32)

    def step_kwargs(self, x):
        return dict(q=self.phi(x["q"], x["Wq"], x["bq"]), k=self.phi(x["k"], x["Wk"], x["bk"]), v=x["v"])
