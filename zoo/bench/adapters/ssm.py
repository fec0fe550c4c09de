"""Adapters of state-space, scan and convolution models: per-channel scans (RWKV-4, Griffin, HGRN),
mamba_ssm's Triton SSD and Mamba-3, complex diagonal scans (LRU, S5) and FFT convolutions (S4, Hyena)."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ..wasm import head
from .base import BF16, DEV, F32, Adapter, _first


class FlaRWKV4(Adapter):
    """RWKV-4 WKV: fla's fused_recurrent_rwkv4 over C = H * D channels (a sequential scan in time)."""
    name = "fla_rwkv4"

    kernel = "fla.ops.rwkv4.fused_recurrent_rwkv4"
    step_kernel = "fla.ops.rwkv4.fused_recurrent_rwkv4"
    step_label = "fla.ops.rwkv4.fused_recurrent_rwkv4 (T=1)"
    grads = ("w", "u", "k", "v")
    check_T = 128
    layout = "btc"

    def reference_args(self, x, b, h):
        # RWKV-4 gates its output by sigmoid(r); r = +40 makes that gate 1 to double precision
        k = x["k"][b]
        return {"q": np.full_like(k, 40.0), "k": k, "v": x["v"][b], "w": np.exp(x["w"]), "u": x["u"]}

    def make(self, B, T, H, D):
        C = H * D
        return {
            "w": self.randn(C, dtype=F32, scale=0.5, shift=-1.0),
            "u": self.randn(C, dtype=F32, scale=0.5),
            "k": self.randn(B, T, C, scale=0.5),
            "v": self.randn(B, T, C),
        }

    def _state(self, B, C):
        st = torch.zeros(B, 3, 1, C, device=DEV, dtype=F32)
        st[:, 2] = -1e38  # running max of the exponent: starts at -inf
        return st

    def run(self, x):
        B, _, C = x["k"].shape
        return _first(self.fn()(x["w"], x["u"], x["k"], x["v"], self._state(B, C)))

    def decode(self, T, H, D):
        x = self.make(1, 1, H, D)
        st = self._state(1, H * D)
        fn = self.fn()
        return lambda: fn(x["w"], x["u"], x["k"], x["v"], st)


class FlaGriffin(Adapter):
    """Griffin's RG-LRU core h_t = a_t h_{t-1} + sqrt(1 - a_t^2) (i_t x_t), per channel (C = H * D), through
    fla's chunk_hgrn with g = log a_t and the scaled input drawn directly."""
    name = "fla_hgrn_griffin"

    kernel = "fla.ops.hgrn.chunk_hgrn"
    step_kernel = "fla.ops.hgrn.fused_recurrent_hgrn"
    step_label = "fla.ops.hgrn.fused_recurrent_hgrn (T=1)"
    grads = args = ("x", "g")
    reference_fn, layout = "diagonal_scan", "btc"  # the bare scan, after Griffin's gates

    def reference_args(self, x, b, h):
        return {"b": x["x"][b], "log_a": x["g"][b]}

    def make(self, B, T, H, D):
        C = H * D
        g = self.logsig(B, T, C, shift=3.0)
        x = self.randn(B, T, C, dtype=F32) * torch.sqrt(1 - torch.exp(2 * g))
        return {"x": x.to(BF16), "g": g}

    def decode(self, T, H, D):
        x = self.make(1, 1, H, D)
        h0 = torch.zeros(1, H * D, device=DEV, dtype=F32)
        fn = self.step_fn()
        return lambda: fn(x["x"], x["g"], initial_state=h0, output_final_state=True)


class Mamba2SSD(Adapter):
    """Mamba-2: mamba_ssm's Triton SSD (mamba_chunk_scan_combined, chunk 256); one B/C group (ngroups=1),
    d_state N = D and head dim P = D; dt in float32 after softplus, A < 0 per head."""
    name = "mamba_ssm_ssd"

    kernel = "mamba_ssm.ops.triton.ssd_combined.mamba_chunk_scan_combined"
    step_kernel = "mamba_ssm.ops.triton.selective_state_update.selective_state_update"
    grads = args = ("x", "dt", "A", "Bm", "Cm")
    kwargs = {"chunk_size": 256}

    def reference_args(self, x, b, h):
        q, k, v, dt = x["Cm"][b, :, 0], x["Bm"][b, :, 0], head(x["x"], b, h), head(x["dt"], b, h)
        return {"q": q, "k": k, "v": v, "dt": dt, "A": float(x["A"][h])}

    def make(self, B, T, H, D):
        return {
            "x": self.randn(B, T, H, D),
            "dt": F.softplus(self.randn(B, T, H, dtype=F32, shift=-3.0)),
            "A": -torch.exp(self.rand(H) * math.log(16)),
            "Bm": self.randn(B, T, 1, D),
            "Cm": self.randn(B, T, 1, D),
        }

    def decode(self, T, H, D):
        fn = self.step_fn()
        state = torch.zeros(1, H, D, D, device=DEV, dtype=F32)
        xt = self.randn(1, H, D)
        dt = F.softplus(self.randn(1, H, D, dtype=F32, shift=-3.0))
        A = (-torch.exp(self.rand(H) * math.log(16)))[:, None, None].expand(H, D, D)
        Bt, Ct = self.randn(1, 1, D), self.randn(1, 1, D)
        # mamba_ssm 2.3.2.post1's wrapper fails on D=None / dt_bias=None (`*(...) if x is not None else 0`
        # unpacks 0); zeros change nothing in the step
        zeros = torch.zeros(H, D, device=DEV, dtype=F32)
        return lambda: fn(state, xt, dt, A, Bt, Ct, D=zeros, dt_bias=zeros)


class Mamba3SISO(Adapter):
    """Mamba-3 (SISO, trapezoidal, rotary): mamba_ssm's Triton mamba3_siso_combined; one Q/K group,
    d_state N = D, head dim P = D, rotary on R = N/4 pairs."""
    name = "mamba_ssm_mamba3_siso"

    kernel = "mamba_ssm.ops.triton.mamba3.mamba3_siso_combined.mamba3_siso_combined"
    step_kernel = "mamba_ssm.ops.triton.mamba3.mamba3_siso_step.mamba3_siso_step"
    grads = args = ("Q", "K", "V", "ADT", "DT", "Trap", "Q_bias", "K_bias", "Angles")

    def reference_args(self, x, b, h):
        """The q/k biases are added to C and B; the trapezoid gate is lambda_t = sigmoid(Trap); A comes from
        the ratio ADT / DT; the angle rates are squashed to pi tanh(Angles) per unit step, on the first R
        channel pairs (the rest stay unrotated)."""
        g = h // (x["V"].shape[2] // x["Q"].shape[2])
        dt = x["DT"][b, h]
        theta = np.pi * np.tanh(x["Angles"][b, :, h])
        return {
            "q": x["Q"][b, :, g] + x["Q_bias"][h],
            "k": x["K"][b, :, g] + x["K_bias"][h],
            "v": head(x["V"], b, h),
            "dt": dt,
            "A": float(np.mean(x["ADT"][b, h] / dt)),
            "lam": 1.0 / (1.0 + np.exp(-x["Trap"][b, h])),
            "theta": np.pad(theta, ((0, 0), (0, x["Q"].shape[-1] // 2 - theta.shape[1]))),
        }

    def make(self, B, T, H, D):
        dt = F.softplus(self.randn(B, H, T, dtype=F32, shift=-3.0))
        A = -torch.exp(self.rand(H) * math.log(16))
        return {
            "Q": self.randn(B, T, 1, D, scale=D**-0.5),
            "K": self.randn(B, T, 1, D),
            "V": self.randn(B, T, H, D),
            "ADT": (A[None, :, None] * dt).contiguous(),
            "DT": dt,
            "Trap": self.randn(B, H, T),
            "Q_bias": self.randn(H, D, dtype=F32, scale=0.1),
            "K_bias": self.randn(H, D, dtype=F32, scale=0.1),
            "Angles": self.randn(B, T, H, D // 4, dtype=F32),
        }

    def decode(self, T, H, D):
        fn = self.step_fn()
        R = D // 4
        Q, K = self.randn(1, 1, D), self.randn(1, 1, D)
        V = self.randn(1, H, D)
        dt = F.softplus(self.randn(1, H, dtype=F32, shift=-3.0))
        adt = -dt
        trap = self.randn(1, H)
        qb, kb = self.randn(H, D, dtype=F32, scale=0.1), self.randn(H, D, dtype=F32, scale=0.1)
        ang = self.randn(1, H, R, dtype=F32)
        states = (
            torch.zeros(1, H, R, device=DEV, dtype=F32),
            torch.zeros(1, H, D, D, device=DEV, dtype=F32),
            torch.zeros(1, H, D, device=DEV, dtype=BF16),
            torch.zeros(1, H, D, device=DEV, dtype=BF16),
        )
        return lambda: fn(Q, K, V, adt, dt, trap, qb, kb, ang, Input_States=states)


class FFTConv(Adapter):
    """Long causal convolution by FFT (cuFFT through torch.fft, float32), per channel (C = H * D).

    order 1 is S4's convolution mode (kernel precomputed); order 2 is Hyena's recurrence of two gated
    convolutions. The kernel-generating networks are outside the timed region."""
    name = "fft_conv_s4"

    kernel = "torch.fft.rfft"
    label = "torch.fft.rfft/irfft (cuFFT) causal long convolution"
    grads = ("u", "h0")
    decode_note = "convolution form; decoding needs the recurrent SSM view (S4) or a cache of inputs (Hyena)"
    order = 1
    check_T = 128
    reference_fn, layout = "convolve", "bct"  # S4's convolution with the given kernel

    def reference_args(self, x, b, h):
        return {"v": x["u"][b].T, "h": x["h0"].T}

    def make(self, B, T, H, D):
        C = H * D
        x = {"u": self.randn(B, C, T)}
        decay = torch.exp(-self.rand(C)[:, None] * torch.arange(T, device=DEV, dtype=F32)[None] / 32)
        for n in range(self.order):
            x[f"h{n}"] = (self.randn(C, T, dtype=F32) * decay / math.sqrt(T)).contiguous()
            if self.order > 1:
                x[f"x{n}"] = self.randn(B, C, T)
        return x

    @staticmethod
    def conv(u, h):
        T = u.shape[-1]
        n = 2 * T  # zero-padded to twice the length: the circular convolution is then causal
        return torch.fft.irfft(torch.fft.rfft(u.float(), n=n) * torch.fft.rfft(h, n=n), n=n)[..., :T]

    def run(self, x):
        z = x["u"]
        for n in range(self.order):
            z = self.conv(z, x[f"h{n}"])
            if self.order > 1:
                z = z * x[f"x{n}"]
        return z.to(BF16)


class Hyena(FFTConv):
    name = "fft_conv_hyena"
    label = "torch.fft.rfft/irfft (cuFFT): Hyena order 2 (two gated long convolutions)"
    grads = ("u", "h0", "h1", "x0", "x1")
    order = 2
    reference_fn = "recurrent"

    def reference_args(self, x, b, h):
        return {"v": x["u"][b].T, "x1": x["x0"][b].T, "x2": x["x1"][b].T, "h1": x["h0"].T, "h2": x["h1"].T}


class FlaHGRN(FlaGriffin):
    """HGRN's HRU through fla's chunk_hgrn, as fla's HGRN layer calls it: lambda = gamma + (1 - gamma) mu
    (lower bound gamma = 0.5), g = log lambda, input (1 - lambda) c; gates precomputed (not timed)."""
    name = "fla_hgrn"

    gamma = 0.5
    reference_fn = "recurrent"

    def reference_args(self, x, b, h):
        """chunk_hgrn's inputs read back as HGRN's c and mu: lambda = exp(g), mu = (lambda - gamma) / (1 -
        gamma)."""
        lam = np.exp(x["g"][b])
        mu = np.clip((lam - self.gamma) / (1 - self.gamma), 0.0, 1.0)
        return {"v": x["x"][b] / (1 - lam), "mu": mu, "gamma": self.gamma}

    def make(self, B, T, H, D):
        C = H * D
        lam = self.gamma + (1 - self.gamma) * torch.sigmoid(self.randn(B, T, C, dtype=F32, shift=1.0))
        return {"x": ((1 - lam) * self.randn(B, T, C, dtype=F32)).to(BF16), "g": lam.log()}


class ComplexScan(Adapter):
    """A complex diagonal state space over C = H * D channels with P = C / 2 modes: the input projection
    B u and the readout scale Re(C x) + D u as bf16 matmuls, the recurrence x_t = lambda x_{t-1} + B u_t by
    accelerated_scan's Triton complex scan (complex64). The discretisation of lambda and B is the model's
    (discretise), computed inside the timed region (it is P x C, negligible)."""

    kernel = "accelerated_scan.complex.scan"
    label = "accelerated_scan.complex.scan (Triton, complex64) + torch bf16 matmuls for B and C"
    step_kernel = None
    step_label = "torch complex step x = lambda x + B u, y = Re(C x) + D u (one token)"
    grads = ("v", "B_re", "B_im", "C_re", "C_im")
    scale = 1.0
    check_T = 128
    layout = "btc"

    def reference_args(self, x, b, h):  # the parameters as kernels_wasm takes them, every channel in one call
        return {"v": x["v"][b], **{n: x[n] for n in (*self.modes_names, "B_re", "B_im", "C_re", "C_im", "D")}}

    def make(self, B, T, H, D):
        C = H * D
        P = C // 2
        x = {"v": self.randn(B, T, C)}
        x["B_re"], x["B_im"] = (self.randn(P, C, dtype=F32, scale=(2 * C) ** -0.5) for _ in range(2))
        x["C_re"], x["C_im"] = (self.randn(C, P, dtype=F32, scale=P**-0.5) for _ in range(2))
        x["D"] = self.randn(C, dtype=F32)
        return {**x, **self.modes(P)}

    def apply(self, x, v):
        lam, Bbar = self.discretise(x)
        Bt = Bbar.T.to(torch.complex64)
        u = torch.complex((v @ Bt.real.to(BF16)).float(), (v @ Bt.imag.to(BF16)).float())
        u = u.transpose(1, 2).contiguous()  # (B, P, T), as the scan takes it
        forget = lam[None, :, None].expand(u.shape).contiguous()
        states = self.fn()(forget, u).transpose(1, 2)  # (B, T, P)
        y = states.real.to(BF16) @ x["C_re"].T.to(BF16) - states.imag.to(BF16) @ x["C_im"].T.to(BF16)
        return self.scale * y.float() + x["D"] * v.float()

    def run(self, x):
        return self.apply(x, x["v"])

    def decode(self, T, H, D):
        x = self.make(1, 1, H, D)
        lam, Bbar = self.discretise(x)
        state = torch.zeros(lam.shape, device=DEV, dtype=torch.complex64)
        u = x["v"][0, 0].float()
        Cc = torch.complex(x["C_re"], x["C_im"])

        def step():
            new = lam * state + Bbar @ u.to(torch.complex64)
            return self.scale * (Cc @ new).real + x["D"] * u

        return step


class LRUScan(ComplexScan):
    """LRU: lambda = exp(-exp(nu) + i exp(theta)) drawn on the ring 0.9 <= |lambda| <= 0.999 with phase in
    [0, 2 pi], as the paper initialises it; B scaled by gamma = sqrt(1 - |lambda|^2)."""
    name = "accelerated_scan_lru"
    modes_names = ("nu_log", "theta_log")

    def modes(self, P):
        r_min, r_max = 0.9, 0.999
        u1, u2 = self.rand(P), self.rand(P)
        nu_log = torch.log(-0.5 * torch.log(u1 * (r_max**2 - r_min**2) + r_min**2))
        return {"nu_log": nu_log, "theta_log": torch.log(6.28 * u2.clamp_min(1e-12))}

    def discretise(self, x):
        lam = torch.exp(torch.complex(-x["nu_log"].exp(), x["theta_log"].exp()))
        gamma = torch.sqrt(1 - lam.abs() ** 2)
        return lam, gamma[:, None] * torch.complex(x["B_re"], x["B_im"])


class S5Scan(ComplexScan):
    """S5: continuous modes Lambda (real part < 0) and steps Delta, zero-order hold
    lambda = exp(Lambda Delta), B_bar = (lambda - 1) / Lambda B; the conjugate half of the modes is implied,
    so y = 2 Re(C x) + D u."""
    name = "accelerated_scan_s5"

    scale = 2.0
    modes_names = ("Lambda_re", "Lambda_im", "log_step")

    def modes(self, P):
        return {
            "Lambda_re": -0.5 * torch.exp(self.randn(P, dtype=F32, scale=0.5)),
            "Lambda_im": math.pi * self.randn(P, dtype=F32),
            "log_step": torch.log(0.001 + 0.099 * self.rand(P)),
        }

    def discretise(self, x):
        Lam = torch.complex(x["Lambda_re"], x["Lambda_im"])
        lam = torch.exp(Lam * x["log_step"].exp())
        return lam, ((lam - 1) / Lam)[:, None] * torch.complex(x["B_re"], x["B_im"])
