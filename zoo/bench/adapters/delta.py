"""Adapters of delta-rule and test-time-training memories: fla's chunked WY-form kernels (DeltaNet, Gated
DeltaNet, KDA, GDN-2, DeltaProduct, RWKV-7, Comba), MesaNet's conjugate gradient and TTT-Linear."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ..wasm import decay, head, head_qkv, isqrt
from .base import BF16, DEV, F32, Adapter, _Recurrent


class FlaDelta(_Recurrent):
    name = "fla_delta_rule"
    kernel = "fla.ops.delta_rule.chunk_delta_rule"
    step_kernel = "fla.ops.delta_rule.fused_recurrent_delta_rule"
    grads = args = step_args = ("q", "k", "v", "beta")

    def reference_args(self, x, b, h):
        return {**head_qkv(x, b, h, isqrt(x)), "beta": head(x["beta"], b, h)}

    def make(self, B, T, H, D):
        return {**self.qkv(B, T, H, D, unit=True), "beta": self.sigmoid(B, T, H)}


class FlaGDN(FlaDelta):
    name = "fla_gated_delta_rule"
    kernel = "fla.ops.gated_delta_rule.chunk_gated_delta_rule"
    step_kernel = "fla.ops.gated_delta_rule.fused_recurrent_gated_delta_rule"
    grads = args = step_args = ("q", "k", "v", "g", "beta")

    def reference_args(self, x, b, h):
        return {**head_qkv(x, b, h, isqrt(x)), "beta": head(x["beta"], b, h), "alpha": decay(x, b, h)}

    def make(self, B, T, H, D):
        return {**super().make(B, T, H, D), "g": self.logsig(B, T, H, shift=3.0)}


class FlaKDA(FlaGDN):
    name = "fla_kda"
    kernel = "fla.ops.kda.chunk_kda"
    step_kernel = "fla.ops.kda.fused_recurrent_kda"

    def make(self, B, T, H, D):
        x = FlaDelta.make(self, B, T, H, D)
        x["g"] = self.logsig(B, T, H, D, shift=3.0).clamp_min(-5)
        return x


class FlaGDN2(_Recurrent):
    name = "fla_gdn2"
    kernel = "fla.ops.gdn2.chunk_gdn2"
    step_kernel = "fla.ops.gdn2.fused_recurrent_gdn2"
    grads = args = step_args = ("q", "k", "v", "g", "b", "w")

    def reference_args(self, x, b, h):
        args = {**head_qkv(x, b, h, isqrt(x)), "alpha": decay(x, b, h)}
        return {**args, "b": head(x["b"], b, h), "w": head(x["w"], b, h)}

    def make(self, B, T, H, D):
        x = self.qkv(B, T, H, D, unit=True)
        x["g"] = self.logsig(B, T, H, D, shift=3.0).clamp_min(-5)
        x["b"] = self.sigmoid(B, T, H, D)
        x["w"] = self.sigmoid(B, T, H, D)
        return x


class FlaDeltaProduct(_Recurrent):
    """Gated DeltaProduct with n_h = 2 Householder steps per token (k, v, beta have T * 2 rows)."""
    name = "fla_gated_delta_product"

    kernel = "fla.ops.gated_delta_product.chunk_gated_delta_product"
    label = "fla.ops.gated_delta_product.chunk_gated_delta_product(num_householder=2)"
    step_kernel = "fla.ops.gated_delta_rule.fused_recurrent_gated_delta_rule"
    step_label = "fla.ops.gated_delta_rule.fused_recurrent_gated_delta_rule (the n_h sub-steps of one token)"
    grads = args = ("q", "k", "v", "g", "beta")
    n = 2
    kwargs = {"num_householder": n}

    def reference_args(self, x, b, h):
        n, T = x["k"].shape[1] // x["q"].shape[1], x["q"].shape[1]
        return {
            "q": head(x["q"], b, h) * isqrt(x),
            "k": head(x["k"], b, h).reshape(T, n, -1),
            "v": head(x["v"], b, h).reshape(T, n, -1),
            "beta": head(x["beta"], b, h).reshape(T, n),
            "alpha": decay(x, b, h),
        }

    def make(self, B, T, H, D):
        n = self.n
        x = {"q": self.unit(B, T, H, D), "k": self.unit(B, T * n, H, D), "v": self.randn(B, T * n, H, D)}
        x["beta"] = self.sigmoid(B, T * n, H)
        x["g"] = self.logsig(B, T, H, shift=3.0)
        return x

    def decode(self, T, H, D):
        fn = self.step_fn()
        n = self.n
        q, k, v = self.unit(1, n, H, D), self.unit(1, n, H, D), self.randn(1, n, H, D)
        beta = self.sigmoid(1, n, H)
        g = torch.zeros(1, n, H, device=DEV, dtype=F32)
        g[:, 0] = self.logsig(1, 1, H, shift=3.0)[:, 0]  # the token's decay, then n pure delta steps
        S = self.state(H, D)
        return lambda: fn(q, k, v, g, beta, initial_state=S, output_final_state=True)


class FlaRWKV7(_Recurrent):
    """RWKV-7 via fla's chunk_rwkv7 (DPLR): a = -kk, b = kk * a_gate with unit kk; w in (-e^-0.5, 0)."""
    name = "fla_rwkv7"

    kernel = "fla.ops.rwkv7.chunk_rwkv7"
    step_kernel = "fla.ops.rwkv7.fused_recurrent_rwkv7"
    grads = ("q", "k", "v", "w", "a", "b")
    args = ("q", "w", "k", "v", "a", "b")
    step_args, step_fixed = ("r=q", "w", "k", "v", "a", "b"), {"scale": 1.0}

    def reference_args(self, x, b, h):
        args = {**head_qkv(x, b, h), "w": decay(x, b, h, "w")}
        return {**args, "kappa": head(x["kk"], b, h), "a": head(x["ag"], b, h)}

    def make(self, B, T, H, D):
        x = self.qkv(B, T, H, D)
        x["q"] = x["q"] * D**-0.5  # RWKV-7 uses scale 1; keep logits of order one
        kk = self.unit(B, T, H, D)  # removal key kappa, unit (bf16)
        ag = self.sigmoid(B, T, H, D)  # in-context learning rate
        x["a"], x["b"] = -kk, (kk.float() * ag.float()).to(BF16)
        x["kk"], x["ag"] = kk, ag  # not kernel inputs: kept so kernels_wasm's (kappa, a) form can be compared
        x["w"] = (-math.exp(-0.5) * self.sigmoid(B, T, H, D, dtype=F32)).to(F32)
        return x


class FlaTTT(Adapter):
    """TTT-Linear: fla's chunk_ttt_linear (mini-batch 16, LayerNorm inner loss, residual LayerNorm output)."""
    name = "fla_ttt_linear"

    kernel = "fla.ops.ttt.chunk_ttt_linear"
    grads = args = ("q", "k", "v", "w", "b", "eta")
    kwargs = {"chunk_size": 16}
    decode_note = "TTT updates its inner model once per 16-token mini-batch; no single-token kernel"
    reference_fn = "layernorm_minibatch"  # the paper's inner model with its LayerNorm

    def reference_args(self, x, b, h):
        ln = {"ln_w": x["w"][h], "ln_b": x["b"][h]}
        return {**head_qkv(x, b, h), "eta": x["eta"][b, :, h, 0], **ln, "batch": 16}

    def make(self, B, T, H, D):
        x = {n: self.unit(B, T, H, D) for n in ("q", "k")}
        x["v"] = self.randn(B, T, H, D)
        # The LayerNorm weight and bias in the inputs' bf16, as a bf16 model holds them: the backward kernel
        # casts them to the inputs' dtype inside its chunk loop, which Triton cannot compile for float32 ones.
        x["w"] = self.randn(H, D, scale=0.1, shift=1.0)
        x["b"] = self.randn(H, D, scale=0.1)
        x["eta"] = (self.sigmoid(B, T, H, 1, dtype=F32) * 0.1).to(BF16)
        return x


class FlaMesa(_Recurrent):
    """MesaNet: fla's chunk_mesa_net (conjugate gradient, at most 30 steps, per chunk); unit q and k, gates in
    float32, regulariser lambda = softplus(.) + 0.25 per head and key channel (fla's recommended bound)."""
    name = "fla_mesa_net"

    kernel = "fla.ops.mesa_net.chunk_mesa_net"
    label = "fla.ops.mesa_net.chunk_mesa_net(max_CG_iteration=30)"
    step_kernel = "fla.ops.mesa_net.mesa_net_decoding_one_step"
    grads = args = ("q", "k", "v", "g", "beta", "lamb")

    def reference_args(self, x, b, h):
        # chunk_mesa_net takes no scale on q and float32 gates; lamb is (H, K)
        args = {**head_qkv(x, b, h), "gamma": decay(x, b, h)}
        return {**args, "beta": head(x["beta"], b, h), "lam": x["lamb"][h]}

    def make(self, B, T, H, D):
        x = self.qkv(B, T, H, D, unit=True)
        x["g"] = self.logsig(B, T, H, shift=3.0)
        x["beta"] = self.sigmoid(B, T, H, dtype=F32)
        x["lamb"] = F.softplus(self.rand(H, D)) + 0.25
        return x

    def decode(self, T, H, D):
        fn = self.step_fn()
        x = self.make(1, 1, H, D)
        S = [torch.zeros(1, H, D, D, device=DEV, dtype=F32) for _ in range(2)]
        q, k, v = (x[n][:, 0] for n in ("q", "k", "v"))
        return lambda: fn(q, k, v, x["g"][:, 0], x["lamb"], x["beta"][:, 0], S[0], S[1])


class FlaComba(_Recurrent):
    """Comba: fla's chunk_comba. Its Triton kernels erase with an auxiliary key p against the state before the
    decay, S_t = a_t S_{t-1} + beta_t (v_t - S_{t-1} p_t) k_t^T, which is the paper's
    S_{t-1} (a_t I - beta_t k_t k_t^T) + beta_t v_t k_t^T with p = k (fla's naive_recurrent_comba decays
    first, its chunk and fused kernels do not). The output correction q - d k is folded into the query,
    drawn directly (not timed)."""
    name = "fla_comba"

    kernel = "fla.ops.comba.chunk_comba"
    label = "fla.ops.comba.chunk_comba (p = k)"
    step_kernel = "fla.ops.comba.fused_recurrent_comba"
    grads = args = step_args = ("q", "k", "v", "p", "g", "beta")

    def reference_args(self, x, b, h):
        if not np.array_equal(x["p"], x["k"]):
            raise ValueError("comba: the mapping holds for p = k only")
        beta = head(x["beta"], b, h)  # fla corrects the output with the write strength: beta_tilde = beta
        args = {**head_qkv(x, b, h, isqrt(x)), "alpha": decay(x, b, h)}
        return {**args, "beta": beta, "beta_tilde": beta, "d": 0.0}

    def make(self, B, T, H, D):
        x = self.qkv(B, T, H, D, unit=True)
        x["g"] = self.logsig(B, T, H, shift=3.0)
        x["p"] = x["k"].clone()
        x["beta"] = self.sigmoid(B, T, H)
        return x


class FlaPrecondGDN(Adapter):
    """Preconditioned Gated DeltaNet: fla's chunk_precond_gated_delta_rule (the key it writes under scaled by
    x^{-s(log(a + eps) - c)} from a decayed sum of squared keys a; x = 1.5, eps = 1e-6 as released); unit q
    and k given (the kernel's own L2 norm off), a centre c per head near the released -0.2."""
    name = "fla_precond_gated_delta_rule"

    kernel = "fla.ops.precond_gated_delta_rule.chunk_precond_gated_delta_rule"
    grads = ("q", "k", "v", "g", "beta", "g_atk", "beta_atk")
    args = ("q", "k", "v", "g_atk", "g", "beta_atk", "beta", "log_atk_scale=c")
    kwargs = {"use_qk_l2norm_in_kernel": False}
    decode_note = "one step also carries the curvature estimate; no single-step kernel is timed here"

    def reference_args(self, x, b, h):
        return {
            **head_qkv(x, b, h, isqrt(x)),
            "alpha": decay(x, b, h),
            "beta": head(x["beta"], b, h),
            "gamma": decay(x, b, h, "g_atk"),
            "eta": head(x["beta_atk"], b, h),
            "x": 1.5,  # as released
            "c": float(x["c"][h]),
        }

    def make(self, B, T, H, D):
        x = self.qkv(B, T, H, D, unit=True)
        x["g"], x["g_atk"] = self.logsig(B, T, H, shift=3.0), self.logsig(B, T, H, shift=3.0)
        x["beta"], x["beta_atk"] = self.sigmoid(B, T, H), self.sigmoid(B, T, H)
        x["c"] = self.randn(H, dtype=F32, scale=0.1, shift=-0.2)
        return x
