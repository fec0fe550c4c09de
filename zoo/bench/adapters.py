"""Torch side of the harness: one adapter per GPU kernel (imported only inside a benchmark worker).

An adapter knows how to draw the kernel's inputs at a shape, call the public kernel and (where the model
decodes step by step) set up one decoding step. The float64 reference is the site's kernels_wasm module,
through the argument mapping in :mod:`zoo.bench.wasm`; only the few kernels without one define ``ref``.
Adapters are keyed by the name in each model's ``gpu_kernel.adapter`` in models.yaml (read by
:mod:`zoo.bench.catalog`): a new GPU kernel is one class and one ADAPTERS entry.

Shape glossary: B batch, T time, H heads, D head width (d_k = d_v = D unless noted), C = H * D channels
for the per-channel models (RWKV-4, Griffin, S4, Hyena). Inputs are drawn in their final form (log-space
gates, normalised keys) so that gate preprocessing stays outside the timed region, as fla's own
benchmarks do.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import os
import sys
import types

import numpy as np
import torch
import torch.nn.functional as F

BF16 = torch.bfloat16
F32 = torch.float32
DEV = os.environ.get("ZOO_BENCH_DEVICE", "cuda")  # "cpu" lets the CPU tests draw inputs


def load_mamba_ssm_triton():
    """Import mamba_ssm's Triton submodules without running mamba_ssm/__init__.py.

    That file imports the Mamba-1 CUDA extension (selective_scan_cuda), which a wheel built with
    MAMBA_SKIP_CUDA_BUILD does not have; the Triton kernels need only their own subpackages."""
    if "mamba_ssm" in sys.modules:
        return
    spec = importlib.util.find_spec("mamba_ssm")
    if spec is None:
        raise ImportError("mamba_ssm is not installed")
    pkg = types.ModuleType("mamba_ssm")
    pkg.__path__ = list(spec.submodule_search_locations)
    sys.modules["mamba_ssm"] = pkg


def _imp(dotted: str):
    """'pkg.mod.fn' -> the function (import on first use, inside the worker)."""
    mod, _, name = dotted.rpartition(".")
    if mod.startswith("mamba_ssm"):
        load_mamba_ssm_triton()
    return getattr(importlib.import_module(mod), name)


def np64(t: torch.Tensor) -> np.ndarray:
    return t.detach().to(torch.float64).cpu().numpy()


class Adapter:
    """Base class. Subclasses set `op` (dotted public kernel) and implement make/run/ref."""

    op: str = ""
    grads: tuple[str, ...] = ("q", "k", "v")
    max_T: int | None = None  # longest T the kernel accepts (None: no limit)
    head_dims: tuple[int, ...] = (128, 64)
    decode_op: str | None = None  # dotted op used for one decoding step, None: not measured
    decode_kind: str = "recurrent"  # 'recurrent' (state, cost independent of T) or 'kv_cache'
    decode_note: str | None = None
    variants: tuple[dict, ...] = ({},)
    check_T: int = 256

    def __init__(self):
        self.variant = dict(self.variants[0])
        self.gen = torch.Generator(device=DEV)
        self.gen.manual_seed(0)

    # drawing inputs -----------------------------------------------------------------------
    def randn(self, *shape, dtype=BF16, scale=1.0, shift=0.0):
        x = torch.randn(*shape, device=DEV, dtype=F32, generator=self.gen) * scale + shift
        return x.to(dtype)

    def rand(self, *shape, dtype=F32):
        return torch.rand(*shape, device=DEV, dtype=F32, generator=self.gen).to(dtype)

    def logsig(self, *shape, shift=2.0, dtype=F32):
        """log-space forget gate, mean about -0.15 with shift 2: memory that lasts tens of steps."""
        return F.logsigmoid(self.randn(*shape, dtype=F32, shift=shift)).to(dtype)

    def unit(self, *shape, dtype=BF16):
        return F.normalize(self.randn(*shape, dtype=F32), dim=-1).to(dtype)

    def make(self, B: int, T: int, H: int, D: int) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def run(self, x: dict[str, torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError

    # A new adapter says how its inputs map onto the model's kernels_wasm module for one (batch b, head h)
    # slice: kernels_wasm keyword arguments, (T, d) arrays in the zoo's conventions. wasm_layout is the
    # layout of the kernel's output: "bthv", "bhtv", or per channel "btc" / "bct" (h is then None).
    wasm_args = None  # def wasm_args(self, x, b, h) -> dict
    wasm_layout = "bthv"

    def check_inputs(self, H: int, D: int) -> dict[str, torch.Tensor]:
        return self.make(2, self.check_T, H, D)

    def after_check(self) -> None:
        """Undo any setting that only the correctness check uses."""

    # decoding ---------------------------------------------------------------------------
    def decode(self, T: int, H: int, D: int):
        """Return a zero-argument callable doing one decoding step at context T, or None."""
        return None


def _first(out):
    return out[0] if isinstance(out, (tuple, list)) else out


# ================================================================================================
# softmax readout


class SDPA(Adapter):
    """Causal softmax attention through torch SDPA with the cuDNN backend forced (no silent fallback)."""

    op = "torch.nn.functional.scaled_dot_product_attention[cudnn]"
    decode_op = "torch.nn.functional.scaled_dot_product_attention (q_len=1 over a KV cache)"
    decode_kind = "kv_cache"

    def make(self, B, T, H, D):
        # SDPA's native layout is (B, H, T, D); drawing it contiguous avoids a strided-input penalty
        return {n: self.randn(B, H, T, D) for n in ("q", "k", "v")}

    def _sdpa(self, q, k, v):
        from torch.nn.attention import SDPBackend, sdpa_kernel

        with sdpa_kernel([SDPBackend.CUDNN_ATTENTION]):
            return F.scaled_dot_product_attention(q, k, v, is_causal=True)

    def run(self, x):
        return self._sdpa(x["q"], x["k"], x["v"]).transpose(1, 2)  # -> (B, T, H, D) to compare

    def decode(self, T, H, D):
        from torch.nn.attention import SDPBackend, sdpa_kernel

        q = self.randn(1, H, 1, D)
        k, v = self.randn(1, H, T, D), self.randn(1, H, T, D)
        for backend in (
            SDPBackend.CUDNN_ATTENTION,
            SDPBackend.FLASH_ATTENTION,
            SDPBackend.EFFICIENT_ATTENTION,
        ):

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

    op = "fla.modules.rotary.rotary_embedding + torch SDPA[cudnn]"
    decode_note = "one step is SDPA over the cache plus rotating one query/key pair: the transformer's cost"
    decode_op = None

    def make(self, B, T, H, D):
        x = {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}
        inv = 1.0 / (10000 ** (torch.arange(0, D, 2, device=DEV, dtype=F32) / D))
        ang = torch.arange(T, device=DEV, dtype=F32)[:, None] * inv[None]
        x["cos"], x["sin"] = ang.cos().to(BF16), ang.sin().to(BF16)  # the kernel wants the dtype of q
        x["theta"] = inv  # not a kernel input: the frequencies, for the kernels_wasm comparison
        return x

    def run(self, x):
        rot = _imp("fla.modules.rotary.rotary_embedding")
        q = rot(x["q"], x["cos"], x["sin"]).transpose(1, 2)
        k = rot(x["k"], x["cos"], x["sin"]).transpose(1, 2)
        return self._sdpa(q, k, x["v"].transpose(1, 2)).transpose(1, 2)


class FlaForgetting(Adapter):
    """FoX: fla's parallel_forgetting_attn with a data-dependent log forget gate g (B, T, H)."""

    op = "fla.ops.forgetting_attn.parallel_forgetting_attn"
    grads = ("q", "k", "v", "g")
    decode_op = "fla.ops.attn.decoding.attn_decoding_one_step (with g)"
    decode_kind = "kv_cache"
    window: int | None = None

    def gate(self, B, T, H):
        return self.logsig(B, T, H, shift=3.0)

    def make(self, B, T, H, D):
        x = {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}
        x["g"] = self.gate(B, T, H)
        return x

    def run(self, x):
        fn = _imp(self.op)
        return _first(fn(x["q"], x["k"], x["v"], x["g"], window_size=self.window))

    def decode(self, T, H, D):
        fn = _imp("fla.ops.attn.decoding.attn_decoding_one_step")
        q = self.randn(1, 1, H, D)
        k, v = self.randn(1, T, H, D), self.randn(1, T, H, D)
        g = self.gate(1, T, H)
        cu = torch.tensor([0, T], device=DEV, dtype=torch.long)
        return lambda: fn(q, k, v, g, cu_seqlens=cu, window_size=self.window)


class FlaAlibi(FlaForgetting):
    """ALiBi is FoX with a constant gate: g[:, :, h] = -m_h gives the bias -m_h (i - j) exactly."""

    grads = ("q", "k", "v")
    decode_op = "fla.ops.attn.decoding.attn_decoding_one_step (constant g = ALiBi)"

    def gate(self, B, T, H):
        slopes = 2.0 ** (-8.0 * torch.arange(1, H + 1, device=DEV, dtype=F32) / H)
        return (-slopes).expand(B, T, H).contiguous()


class FlaSWA(Adapter):
    """Sliding-window attention: fla's parallel_attn with window_size (W = 4096; 64 in the check)."""

    op = "fla.ops.attn.parallel_attn(window_size=4096)"
    decode_op = "fla.ops.attn.decoding.attn_decoding_one_step(window_size=4096)"
    decode_kind = "kv_cache"
    window = 4096

    def make(self, B, T, H, D):
        return {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}

    def check_inputs(self, H, D):
        self._w = 64  # a window shorter than the check's T, so the mask is exercised
        return self.make(2, self.check_T, H, D)

    def _window(self):
        return getattr(self, "_w", None) or self.window

    def run(self, x):
        fn = _imp("fla.ops.attn.parallel_attn")
        return _first(fn(x["q"], x["k"], x["v"], window_size=self._window()))

    def decode(self, T, H, D):
        fn = _imp("fla.ops.attn.decoding.attn_decoding_one_step")
        W = min(T, self.window)  # the cache never holds more than W keys
        q = self.randn(1, 1, H, D)
        k, v = self.randn(1, W, H, D), self.randn(1, W, H, D)
        cu = torch.tensor([0, W], device=DEV, dtype=torch.long)
        return lambda: fn(q, k, v, cu_seqlens=cu, window_size=self.window)

    def after_check(self):
        self._w = None


class FlaPath(Adapter):
    """PaTH: fla's parallel_path_attn; w unit Householder directions, beta in (0, 2)."""

    op = "fla.ops.path_attn.parallel_path_attn"
    grads = ("q", "k", "v", "w", "beta")
    decode_note = "decoding needs fla's transformed-key cache (use_cache prefill); not measured"
    use_gate = False
    check_T = 128

    def make(self, B, T, H, D):
        x = {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}
        # fla asserts float32 for w, beta and g ("to preserve precision"); q, k, v stay bf16
        x["w"] = self.unit(B, T, H, D, dtype=F32)
        x["beta"] = 2 * torch.sigmoid(self.randn(B, T, H, dtype=F32))
        if self.use_gate:
            x["g"] = self.logsig(B, T, H, shift=3.0)
        return x

    def run(self, x):
        fn = _imp(self.op)
        return _first(fn(x["q"], x["k"], x["v"], x["w"], x["beta"], g=x.get("g")))


class FlaPathFox(FlaPath):
    grads = ("q", "k", "v", "w", "beta", "g")
    use_gate = True


class FlaWall(Adapter):
    """Wall attention: fla's parallel_wall_attn with per-channel log decays g (B, T, H, D)."""

    op = "fla.ops.wall_attn.parallel_wall_attn"
    grads = ("q", "k", "v", "g")
    decode_note = "decoding uses fla's parallel_wall_attn_decode on a rescaled-key cache; not measured"
    check_T = 128

    def make(self, B, T, H, D):
        x = {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}
        x["g"] = self.logsig(B, T, H, D, shift=4.0)
        return x

    def run(self, x):
        return _first(_imp(self.op)(x["q"], x["k"], x["v"], x["g"]))


class FlaStickBreaking(Adapter):
    """Stick-breaking attention: fla's kernel over the keys before each query; the stick left over goes to
    the query's own value (o + rem * v_i), as the authors' reference implementation does."""

    op = "fla.ops.stickbreaking_attn.parallel_stickbreaking_attn (+ remainder on the current value)"
    decode_note = "no public decoding kernel for stick-breaking attention"

    def make(self, B, T, H, D):
        return {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}

    def run(self, x):
        o, rem = _imp("fla.ops.stickbreaking_attn.parallel_stickbreaking_attn")(x["q"], x["k"], x["v"])
        return o + rem[..., None].to(o.dtype) * x["v"]


class FlaGSA(Adapter):
    """GSA: fla's chunk_gsa over M = 64 slots; s = 1 - exp(g) as in fla's GSA layer."""

    op = "fla.ops.gsa.chunk_gsa"
    grads = ("q", "k", "v", "f")
    decode_op = "fla.ops.gsa.fused_recurrent_gsa (T=1, state in)"
    M = 64

    def gates(self, f):
        g = f
        return g, 1 - g.exp()

    def make(self, B, T, H, D):
        x = {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}
        x["f"] = self.logsig(B, T, H, self.M, shift=3.0)
        return x

    def run(self, x):
        g, s = self.gates(x["f"])
        return _first(_imp(self.op)(x["q"], x["k"], x["v"], s.to(BF16), g.to(BF16)))

    def _np_gates(self, x):
        g, s = self.gates(torch.from_numpy(x["f"]))
        # the kernel receives bf16 gates: reproduce that rounding for the reference
        return np64(g.to(BF16)), np64(s.to(BF16))

    def decode(self, T, H, D):
        fn = _imp("fla.ops.gsa.fused_recurrent_gsa")
        x = self.make(1, 1, H, D)
        g, s = self.gates(x["f"])
        state = (
            torch.zeros(1, H, D, self.M, device=DEV, dtype=F32),
            torch.zeros(1, H, self.M, D, device=DEV, dtype=F32),
        )
        return lambda: fn(
            x["q"], x["k"], x["v"], s.to(BF16), g.to(BF16), initial_state=state, output_final_state=True
        )


class FlaRaven(FlaGSA):
    """Raven: GSA's kernel with sparse routing, as fla's Raven layer calls it (decay_type 'Mamba2').

    The router keeps the top-k of sigmoid(r) over M = 64 slots and renormalises them (r~); a per-token decay
    a_t < 0 is spent only on the routed slots: g = a_t r~_t, s = 1 - exp(g). Top-k = 8 (our choice)."""

    op = "fla.ops.gsa.chunk_gsa (Raven routing, top-8 of 64 slots)"
    grads = ("q", "k", "v", "a", "r")
    topk = 8

    def make(self, B, T, H, D):
        x = {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}
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

    def run(self, x):
        g, s, _ = self.route(x["a"], x["r"])
        return _first(_imp("fla.ops.gsa.chunk_gsa")(x["q"], x["k"], x["v"], s.to(BF16), g.to(BF16)))

    def _np_gates(self, x):
        g, s, _ = self.route(torch.from_numpy(x["a"]), torch.from_numpy(x["r"]))
        return np64(g.to(BF16)), np64(s.to(BF16))

    def decode(self, T, H, D):
        fn = _imp("fla.ops.gsa.fused_recurrent_gsa")
        x = self.make(1, 1, H, D)
        g, s, _ = self.route(x["a"], x["r"])
        state = (
            torch.zeros(1, H, D, self.M, device=DEV, dtype=F32),
            torch.zeros(1, H, self.M, D, device=DEV, dtype=F32),
        )
        return lambda: fn(
            x["q"], x["k"], x["v"], s.to(BF16), g.to(BF16), initial_state=state, output_final_state=True
        )


class FlaABC(Adapter):
    """ABC: fla's chunk_abc; slot logits s (B, T, H, M=64)."""

    op = "fla.ops.abc.chunk_abc"
    grads = ("q", "k", "v", "s")
    decode_op = "fla.ops.gsa.fused_recurrent_gsa (T=1; ABC's step is GSA's with derived gates)"
    M = 64

    def make(self, B, T, H, D):
        x = {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}
        x["s"] = self.randn(B, T, H, self.M)
        return x

    def run(self, x):
        return _first(_imp(self.op)(x["q"], x["k"], x["v"], x["s"]))

    def decode(self, T, H, D):
        return _gsa_step(self, H, D)


def _gsa_step(ad, H, D):
    fn = _imp("fla.ops.gsa.fused_recurrent_gsa")
    q, k, v = (ad.randn(1, 1, H, D) for _ in range(3))
    g = ad.logsig(1, 1, H, ad.M, shift=3.0)
    s = 1 - g.exp()
    state = (
        torch.zeros(1, H, D, ad.M, device=DEV, dtype=F32),
        torch.zeros(1, H, ad.M, D, device=DEV, dtype=F32),
    )
    return lambda: fn(q, k, v, s.to(BF16), g.to(BF16), initial_state=state, output_final_state=True)


# ================================================================================================
# linear readout


class _Recurrent(Adapter):
    """Shared decode: the model's fused_recurrent op on one token with a state passed in and out."""

    def state(self, H, D):
        return torch.zeros(1, H, D, D, device=DEV, dtype=F32)

    def step_kwargs(self, x):
        return {}

    def decode(self, T, H, D):
        if self.decode_op is None:
            return None
        fn = _imp(self.decode_op.split(" ")[0])
        x = self.make(1, 1, H, D)
        S = self.state(H, D)
        kw = self.step_kwargs(x)
        return lambda: fn(initial_state=S, output_final_state=True, **kw)


class FlaLinear(_Recurrent):
    """Plain (unnormalised) linear attention o_t = S_t q_t, scale 1 (the features are the inputs)."""

    op = "fla.ops.linear_attn.chunk_linear_attn(normalize=False, scale=1)"
    decode_op = "fla.ops.linear_attn.fused_recurrent_linear_attn"

    def make(self, B, T, H, D):
        return {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}

    def run(self, x):
        fn = _imp("fla.ops.linear_attn.chunk_linear_attn")
        return _first(fn(x["q"], x["k"], x["v"], scale=1.0, normalize=False))

    def step_kwargs(self, x):
        return dict(q=x["q"], k=x["k"], v=x["v"], scale=1.0)


class FlaPerformer(_Recurrent):
    """Performer (FAVOR+): positive random features phi(x) = exp(w^T x' - |x'|^2/2)/sqrt(m), x' = x / D^(1/4),
    m = D features, computed in torch inside the timed region, then fla's normalised chunk_linear_attn."""

    op = "FAVOR+ features (torch) + fla.ops.linear_attn.chunk_linear_attn(normalize=True)"
    decode_op = "fla.ops.linear_attn.fused_recurrent_linear_attn"

    def make(self, B, T, H, D):
        x = {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}
        x["W"] = self.randn(D, D, dtype=F32)  # random projection, shared by heads (not trained)
        return x

    @staticmethod
    def features(x, W, is_query):
        """Works on torch tensors and numpy arrays alike (only operators and .max/.sum)."""
        xs = x / x.shape[-1] ** 0.25
        z = xs @ W - 0.5 * (xs * xs).sum(-1)[..., None]
        # subtracting a max only rescales phi: per row for queries (cancels in the normaliser), one global
        # max for keys (a common factor of numerator and normaliser)
        if is_query:
            top = z.max(-1)[..., None] if isinstance(z, np.ndarray) else z.amax(-1, keepdim=True)
        else:
            top = z.max()
        z = z - (top.detach() if isinstance(top, torch.Tensor) else top)
        return (z.exp() if isinstance(z, torch.Tensor) else np.exp(z)) / math.sqrt(W.shape[1])

    def run(self, x):
        fn = _imp("fla.ops.linear_attn.chunk_linear_attn")
        pq = self.features(x["q"].float(), x["W"], True).to(BF16)
        pk = self.features(x["k"].float(), x["W"], False).to(BF16)
        return _first(fn(pq, pk, x["v"], scale=1.0, normalize=True))

    def step_kwargs(self, x):
        return dict(q=x["q"], k=x["k"], v=x["v"])


class FlaRetention(_Recurrent):
    op = "fla.ops.retention.chunk_retention"
    decode_op = "fla.ops.retention.fused_recurrent_retention"

    def make(self, B, T, H, D):
        return {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}

    def run(self, x):
        return _first(_imp(self.op)(x["q"], x["k"], x["v"]))

    def step_kwargs(self, x):
        return dict(q=x["q"], k=x["k"], v=x["v"])


class FlaGLA(_Recurrent):
    op = "fla.ops.gla.chunk_gla"
    grads = ("q", "k", "v", "g")
    decode_op = "fla.ops.gla.fused_recurrent_gla"

    def make(self, B, T, H, D):
        x = {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}
        x["g"] = self.logsig(B, T, H, D, shift=2.0).clamp_min(-5)
        return x

    def run(self, x):
        return _first(_imp(self.op)(x["q"], x["k"], x["v"], x["g"]))

    def step_kwargs(self, x):
        return dict(q=x["q"], k=x["k"], v=x["v"], gk=x["g"])


class FlaHGRN2(FlaGLA):
    """HGRN2 through chunk_gla with k = 1 - exp(g) (the forget gate's complement is the input gate)."""

    op = "fla.ops.gla.chunk_gla (HGRN2: k = 1 - exp(g))"
    grads = ("q", "v", "g")

    def make(self, B, T, H, D):
        x = {n: self.randn(B, T, H, D) for n in ("q", "v")}
        x["g"] = self.logsig(B, T, H, D, shift=2.0).clamp_min(-5)
        return x

    def run(self, x):
        k = (1 - x["g"].exp()).to(BF16)
        return _first(_imp("fla.ops.gla.chunk_gla")(x["q"], k, x["v"], x["g"]))

    def step_kwargs(self, x):
        return dict(q=x["q"], k=(1 - x["g"].exp()).to(BF16), v=x["v"], gk=x["g"])


class FlaBased(Adapter):
    """Based: fla's fused_chunk_based (2nd-order Taylor feature map, feature dim 16, value dim D)."""

    op = "fla.ops.based.fused_chunk_based"
    decode_note = "no public single-step kernel for Based's Taylor-feature state"
    Kf = 16

    def make(self, B, T, H, D):
        return {
            "q": self.randn(B, T, H, self.Kf),
            "k": self.randn(B, T, H, self.Kf),
            "v": self.randn(B, T, H, D),
        }

    def run(self, x):
        return _first(_imp(self.op)(x["q"], x["k"], x["v"]))


class FlaDelta(_Recurrent):
    op = "fla.ops.delta_rule.chunk_delta_rule"
    grads = ("q", "k", "v", "beta")
    decode_op = "fla.ops.delta_rule.fused_recurrent_delta_rule"

    def make(self, B, T, H, D):
        x = {"q": self.unit(B, T, H, D), "k": self.unit(B, T, H, D), "v": self.randn(B, T, H, D)}
        x["beta"] = torch.sigmoid(self.randn(B, T, H, dtype=F32)).to(BF16)
        return x

    def run(self, x):
        return _first(_imp(self.op)(x["q"], x["k"], x["v"], x["beta"]))

    def step_kwargs(self, x):
        return dict(q=x["q"], k=x["k"], v=x["v"], beta=x["beta"])


class FlaGDN(FlaDelta):
    op = "fla.ops.gated_delta_rule.chunk_gated_delta_rule"
    grads = ("q", "k", "v", "g", "beta")
    decode_op = "fla.ops.gated_delta_rule.fused_recurrent_gated_delta_rule"

    def make(self, B, T, H, D):
        x = super().make(B, T, H, D)
        x["g"] = self.logsig(B, T, H, shift=3.0)
        return x

    def run(self, x):
        return _first(_imp(self.op)(x["q"], x["k"], x["v"], x["g"], x["beta"]))

    def step_kwargs(self, x):
        return dict(q=x["q"], k=x["k"], v=x["v"], g=x["g"], beta=x["beta"])


class FlaKDA(FlaGDN):
    op = "fla.ops.kda.chunk_kda"
    decode_op = "fla.ops.kda.fused_recurrent_kda"

    def make(self, B, T, H, D):
        x = FlaDelta.make(self, B, T, H, D)
        x["g"] = self.logsig(B, T, H, D, shift=3.0).clamp_min(-5)
        return x


class FlaGDN2(_Recurrent):
    op = "fla.ops.gdn2.chunk_gdn2"
    grads = ("q", "k", "v", "g", "b", "w")
    decode_op = "fla.ops.gdn2.fused_recurrent_gdn2"

    def make(self, B, T, H, D):
        x = {"q": self.unit(B, T, H, D), "k": self.unit(B, T, H, D), "v": self.randn(B, T, H, D)}
        x["g"] = self.logsig(B, T, H, D, shift=3.0).clamp_min(-5)
        x["b"] = torch.sigmoid(self.randn(B, T, H, D, dtype=F32)).to(BF16)
        x["w"] = torch.sigmoid(self.randn(B, T, H, D, dtype=F32)).to(BF16)
        return x

    def run(self, x):
        return _first(_imp(self.op)(x["q"], x["k"], x["v"], x["g"], x["b"], x["w"]))

    def step_kwargs(self, x):
        return dict(q=x["q"], k=x["k"], v=x["v"], g=x["g"], b=x["b"], w=x["w"])


class FlaDeltaProduct(_Recurrent):
    """Gated DeltaProduct with n_h = 2 Householder steps per token (k, v, beta have T * 2 rows)."""

    op = "fla.ops.gated_delta_product.chunk_gated_delta_product(num_householder=2)"
    grads = ("q", "k", "v", "g", "beta")
    decode_op = "fla.ops.gated_delta_rule.fused_recurrent_gated_delta_rule (the n_h sub-steps of one token)"
    n = 2

    def make(self, B, T, H, D):
        n = self.n
        x = {"q": self.unit(B, T, H, D), "k": self.unit(B, T * n, H, D), "v": self.randn(B, T * n, H, D)}
        x["beta"] = torch.sigmoid(self.randn(B, T * n, H, dtype=F32)).to(BF16)
        x["g"] = self.logsig(B, T, H, shift=3.0)
        return x

    def run(self, x):
        fn = _imp("fla.ops.gated_delta_product.chunk_gated_delta_product")
        return _first(fn(x["q"], x["k"], x["v"], x["g"], x["beta"], num_householder=self.n))

    def decode(self, T, H, D):
        fn = _imp("fla.ops.gated_delta_rule.fused_recurrent_gated_delta_rule")
        n = self.n
        q, k, v = self.unit(1, n, H, D), self.unit(1, n, H, D), self.randn(1, n, H, D)
        beta = torch.sigmoid(self.randn(1, n, H, dtype=F32)).to(BF16)
        g = torch.zeros(1, n, H, device=DEV, dtype=F32)
        g[:, 0] = self.logsig(1, 1, H, shift=3.0)[:, 0]  # the token's decay, then n pure delta steps
        S = self.state(H, D)
        return lambda: fn(q, k, v, g, beta, initial_state=S, output_final_state=True)


class FlaRWKV6(_Recurrent):
    op = "fla.ops.rwkv6.chunk_rwkv6"
    grads = ("q", "k", "v", "w", "u")
    decode_op = "fla.ops.rwkv6.fused_recurrent_rwkv6"

    def make(self, B, T, H, D):
        x = {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}
        x["w"] = self.logsig(B, T, H, D, shift=3.0).clamp_min(-5)
        x["u"] = self.randn(H, D, dtype=F32, scale=0.5)
        return x

    def run(self, x):
        return _first(_imp(self.op)(x["q"], x["k"], x["v"], x["w"], x["u"]))

    def step_kwargs(self, x):
        return dict(r=x["q"], k=x["k"], v=x["v"], w=x["w"], u=x["u"])


class FlaRWKV7(_Recurrent):
    """RWKV-7 via fla's chunk_rwkv7 (DPLR): a = -kk, b = kk * a_gate with unit kk; w in (-e^-0.5, 0)."""

    op = "fla.ops.rwkv7.chunk_rwkv7"
    grads = ("q", "k", "v", "w", "a", "b")
    decode_op = "fla.ops.rwkv7.fused_recurrent_rwkv7"

    def make(self, B, T, H, D):
        x = {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}
        x["q"] = x["q"] * D**-0.5  # RWKV-7 uses scale 1; keep logits of order one
        kk = self.unit(B, T, H, D)  # removal key kappa, unit (bf16)
        ag = torch.sigmoid(self.randn(B, T, H, D, dtype=F32)).to(BF16)  # in-context learning rate
        x["a"], x["b"] = -kk, (kk.float() * ag.float()).to(BF16)
        x["kk"], x["ag"] = kk, ag  # not kernel inputs: kept so kernels_wasm's (kappa, a) form can be compared
        x["w"] = (-math.exp(-0.5) * torch.sigmoid(self.randn(B, T, H, D, dtype=F32))).to(F32)
        return x

    def run(self, x):
        fn = _imp(self.op)
        return _first(fn(x["q"], x["w"], x["k"], x["v"], x["a"], x["b"]))

    def step_kwargs(self, x):
        return dict(r=x["q"], w=x["w"], k=x["k"], v=x["v"], a=x["a"], b=x["b"], scale=1.0)


class FlaRWKV4(Adapter):
    """RWKV-4 WKV: fla's fused_recurrent_rwkv4 over C = H * D channels (a sequential scan in time)."""

    op = "fla.ops.rwkv4.fused_recurrent_rwkv4"
    grads = ("w", "u", "k", "v")
    decode_op = "fla.ops.rwkv4.fused_recurrent_rwkv4 (T=1)"
    check_T = 128

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
        return _first(_imp(self.op)(x["w"], x["u"], x["k"], x["v"], self._state(B, C)))

    def decode(self, T, H, D):
        x = self.make(1, 1, H, D)
        st = self._state(1, H * D)
        fn = _imp(self.op)
        return lambda: fn(x["w"], x["u"], x["k"], x["v"], st)


class FlaGriffin(Adapter):
    """Griffin's RG-LRU core h_t = a_t h_{t-1} + sqrt(1 - a_t^2) (i_t x_t), per channel (C = H * D), through
    fla's chunk_hgrn with g = log a_t and the scaled input drawn directly."""

    op = "fla.ops.hgrn.chunk_hgrn"
    grads = ("x", "g")
    decode_op = "fla.ops.hgrn.fused_recurrent_hgrn (T=1)"

    def make(self, B, T, H, D):
        C = H * D
        g = self.logsig(B, T, C, shift=3.0)
        x = self.randn(B, T, C, dtype=F32) * torch.sqrt(1 - torch.exp(2 * g))
        return {"x": x.to(BF16), "g": g}

    def run(self, x):
        return _first(_imp(self.op)(x["x"], x["g"]))

    def decode(self, T, H, D):
        x = self.make(1, 1, H, D)
        h0 = torch.zeros(1, H * D, device=DEV, dtype=F32)
        fn = _imp("fla.ops.hgrn.fused_recurrent_hgrn")
        return lambda: fn(x["x"], x["g"], initial_state=h0, output_final_state=True)


class FlaTTT(Adapter):
    """TTT-Linear: fla's chunk_ttt_linear (mini-batch 16, LayerNorm inner loss, residual LayerNorm output)."""

    op = "fla.ops.ttt.chunk_ttt_linear"
    grads = ("q", "k", "v", "w", "b", "eta")
    decode_note = "TTT updates its inner model once per 16-token mini-batch; no single-token kernel"

    def make(self, B, T, H, D):
        x = {n: self.unit(B, T, H, D) for n in ("q", "k")}
        x["v"] = self.randn(B, T, H, D)
        x["w"] = self.randn(H, D, dtype=F32, scale=0.1, shift=1.0)
        x["b"] = self.randn(H, D, dtype=F32, scale=0.1)
        x["eta"] = (torch.sigmoid(self.randn(B, T, H, 1, dtype=F32)) * 0.1).to(BF16)
        return x

    def run(self, x):
        return _first(_imp(self.op)(x["q"], x["k"], x["v"], x["w"], x["b"], x["eta"], chunk_size=16))


class FlaLogLinear(Adapter):
    """Log-linear attention (Mamba-2 gates): fla's chunk_log_linear_attn, L = ceil(log2 T) + 1 levels."""

    op = "fla.ops.log_linear_attn.chunk_log_linear_attn"
    grads = ("q", "k", "v", "g", "level_scales")
    max_T = 65536  # the kernel asserts T < 2**17
    decode_note = "decoding keeps a Fenwick tree of O(log T) states; no public single-step kernel"

    def make(self, B, T, H, D):
        L = max(1, math.ceil(math.log2(T))) + 1
        x = {"q": self.unit(B, T, H, D), "k": self.unit(B, T, H, D), "v": self.randn(B, T, H, D)}
        x["g"] = self.logsig(B, T, H, shift=3.0)
        x["level_scales"] = torch.sigmoid(self.randn(B, T, H, L, dtype=F32)).to(BF16)
        return x

    def run(self, x):
        return _first(_imp(self.op)(x["q"], x["k"], x["v"], x["g"], x["level_scales"]))


class Mamba2SSD(Adapter):
    """Mamba-2: mamba_ssm's Triton SSD (mamba_chunk_scan_combined, chunk 256); one B/C group (ngroups=1),
    d_state N = D and head dim P = D; dt in float32 after softplus, A < 0 per head."""

    op = "mamba_ssm.ops.triton.ssd_combined.mamba_chunk_scan_combined"
    grads = ("x", "dt", "A", "Bm", "Cm")
    decode_op = "mamba_ssm.ops.triton.selective_state_update.selective_state_update"

    def make(self, B, T, H, D):
        return {
            "x": self.randn(B, T, H, D),
            "dt": F.softplus(self.randn(B, T, H, dtype=F32, shift=-3.0)),
            "A": -torch.exp(self.rand(H) * math.log(16)),
            "Bm": self.randn(B, T, 1, D),
            "Cm": self.randn(B, T, 1, D),
        }

    def run(self, x):
        return _imp(self.op)(x["x"], x["dt"], x["A"], x["Bm"], x["Cm"], chunk_size=256)

    def decode(self, T, H, D):
        fn = _imp(self.decode_op)
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

    op = "mamba_ssm.ops.triton.mamba3.mamba3_siso_combined.mamba3_siso_combined"
    grads = ("Q", "K", "V", "ADT", "DT", "Trap", "Q_bias", "K_bias", "Angles")
    decode_op = "mamba_ssm.ops.triton.mamba3.mamba3_siso_step.mamba3_siso_step"

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

    def run(self, x):
        fn = _imp(self.op)
        return fn(x["Q"], x["K"], x["V"], x["ADT"], x["DT"], x["Trap"], x["Q_bias"], x["K_bias"], x["Angles"])

    def decode(self, T, H, D):
        fn = _imp(self.decode_op)
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


class MLSTM(Adapter):
    """mLSTM: NX-AI's mlstm_kernels TFLA chunkwise Triton kernel (head-first layout; exp input gate,
    sigmoid forget gate given as pre-activations). Variants are tried in order: an earlier one crashed
    Triton's compiler on Hopper."""

    grads = ("q", "k", "v", "i", "f")
    decode_op = "mlstm_kernels.torch.recurrent.triton_step.mlstm_recurrent_step__triton"
    variants = (
        {"kernel": "chunkwise--triton_xl_chunk", "chunk_size": 128, "gate_dtype": "float32"},
        {"kernel": "chunkwise--triton_xl_chunk", "chunk_size": 64, "gate_dtype": "float32"},
        {"kernel": "chunkwise--triton_limit_chunk", "chunk_size": 64, "gate_dtype": "float32"},
    )

    @property
    def op(self):
        v = self.variant
        return f"mlstm_kernels.torch.get_mlstm_kernel('{v['kernel']}', chunk_size={v['chunk_size']})"

    def make(self, B, T, H, D):
        gd = getattr(torch, self.variant["gate_dtype"])
        return {
            "q": self.randn(B, H, T, D),
            "k": self.randn(B, H, T, D),
            "v": self.randn(B, H, T, D),
            "i": self.randn(B, H, T, dtype=gd),
            "f": self.randn(B, H, T, dtype=gd, shift=3.0),
        }

    def run(self, x):
        from mlstm_kernels.torch import get_mlstm_kernel

        fn = get_mlstm_kernel(self.variant["kernel"])
        return fn(x["q"], x["k"], x["v"], x["i"], x["f"], chunk_size=self.variant["chunk_size"])

    def decode(self, T, H, D):
        fn = _imp(self.decode_op)
        q, k, v = (self.randn(1, H, D) for _ in range(3))
        i, f = self.randn(1, H, 1, dtype=F32), self.randn(1, H, 1, dtype=F32, shift=3.0)
        c = torch.zeros(1, H, D, D, device=DEV, dtype=F32)
        n = torch.zeros(1, H, D, device=DEV, dtype=F32)
        m = torch.zeros(1, H, 1, device=DEV, dtype=F32)
        return lambda: fn(q, k, v, i, f, c, n, m)


class FFTConv(Adapter):
    """Long causal convolution by FFT (cuFFT through torch.fft, float32), per channel (C = H * D).

    order 1 is S4's convolution mode (kernel precomputed); order 2 is Hyena's recurrence of two gated
    convolutions. The kernel-generating networks are outside the timed region."""

    op = "torch.fft.rfft/irfft (cuFFT) causal long convolution"
    grads = ("u", "h0")
    decode_note = "convolution form; decoding needs the recurrent SSM view (S4) or a cache of inputs (Hyena)"
    order = 1
    check_T = 128

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
        n = 2 * T
        y = torch.fft.irfft(torch.fft.rfft(u.float(), n=n) * torch.fft.rfft(h, n=n), n=n)[..., :T]
        return y

    def run(self, x):
        z = x["u"]
        for n in range(self.order):
            z = self.conv(z, x[f"h{n}"])
            if self.order > 1:
                z = z * x[f"x{n}"]
        return z.to(BF16)


class Hyena(FFTConv):
    op = "torch.fft.rfft/irfft (cuFFT): Hyena order 2 (two gated long convolutions)"
    grads = ("u", "h0", "h1", "x0", "x1")
    order = 2


# ================================================================================================
# softmax readout: grouped and latent caches, gates, sinks, masks


def _backend_variants(*names):
    return tuple({"backend": n} for n in names)


class SDPAGrouped(SDPA):
    """GQA: G key-value heads shared by groups of R = H / G query heads, through SDPA's enable_gqa (no copy of
    the keys and values). Variants try SDPA's backends in order until one accepts grouped heads; the last
    repeats the key-value heads (repeat_interleave) for a torch without enable_gqa. G = H / 4 (as in
    Llama-3's 32 / 8); the check's 4 heads use G = 2, so groups of two heads are exercised."""

    variants = (
        {"backend": "CUDNN_ATTENTION"},
        {"backend": "FLASH_ATTENTION"},
        {"backend": "EFFICIENT_ATTENTION"},
        {"backend": "CUDNN_ATTENTION", "repeat": True},
    )
    decode_note = "one step reads a cache of G = H / 4 key-value heads: a quarter of multi-head attention's"

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
        from torch.nn.attention import SDPBackend, sdpa_kernel

        with sdpa_kernel([getattr(SDPBackend, self.variant["backend"])]):
            if self.variant.get("repeat"):
                R = q.shape[1] // k.shape[1]
                k, v = k.repeat_interleave(R, dim=1), v.repeat_interleave(R, dim=1)
                return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
            return F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=True)

    def decode(self, T, H, D):
        G = self.kv_heads(H)
        q = self.randn(1, H, 1, D)
        k, v = self.randn(1, G, T, D), self.randn(1, G, T, D)
        return lambda: self._sdpa(q, k, v, causal=False)


class SDPAMultiQuery(SDPAGrouped):
    """MQA: one key-value head for all query heads (GQA with G = 1)."""

    decode_note = "one step reads a cache of one key-value head, H times smaller than multi-head attention's"

    def kv_heads(self, H):
        return 1


class SDPAGated(SDPA):
    """Gated attention: cuDNN SDPA, then each head's output times sigmoid(z), z the elementwise gate logits
    (B, H, T, D) computed from the token's input (outside the timed region, like the projections)."""

    op = "torch SDPA[cudnn] * sigmoid(z) (elementwise output gate)"
    grads = ("q", "k", "v", "z")
    decode_op = "torch SDPA (q_len=1 over a KV cache) * sigmoid(z)"

    def make(self, B, T, H, D):
        x = super().make(B, T, H, D)
        x["z"] = self.randn(B, H, T, D)
        return x

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

    op = "torch SDPA[cudnn] x 2: softmax(Q1 K1^T) V - lambda softmax(Q2 K2^T) V"
    grads = ("q1", "q2", "k1", "k2", "v")
    decode_op = "torch SDPA x 2 (q_len=1 over a cache of both key halves)"
    layer = 4

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

    op = "fla.ops.attn.parallel_attn(sink_bias=b)"
    grads = ("q", "k", "v", "sink")
    decode_op = "fla.ops.attn.decoding.attn_decoding_one_step(sink_bias=b)"
    decode_kind = "kv_cache"

    def make(self, B, T, H, D):
        x = {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}
        x["sink"] = self.randn(H, dtype=F32, scale=2.0)
        return x

    def run(self, x):
        fn = _imp("fla.ops.attn.parallel_attn")
        return _first(fn(x["q"], x["k"], x["v"], sink_bias=x["sink"]))

    def decode(self, T, H, D):
        fn = _imp("fla.ops.attn.decoding.attn_decoding_one_step")
        q = self.randn(1, 1, H, D)
        k, v = self.randn(1, T, H, D), self.randn(1, T, H, D)
        sink = self.randn(H, dtype=F32)
        cu = torch.tensor([0, T], device=DEV, dtype=torch.long)
        return lambda: fn(q, k, v, cu_seqlens=cu, sink_bias=sink)


class FlexStreaming(SDPA):
    """StreamingLLM: FlexAttention (torch.compile'd) with the mask 'causal and (j < n_s or t - j < W)',
    n_s = 4 sink tokens and W = 4096 (64 in the check, so the window is exercised). The block mask is built
    once per length, outside the timed region (first call)."""

    op = "torch.nn.attention.flex_attention (compiled; mask: 4 sinks + window 4096)"
    decode_op = "torch SDPA (q_len=1 over the n_s + W cached entries)"
    window, sinks = 4096, 4

    def __init__(self):
        super().__init__()
        self._w = None
        self._masks = {}

    def check_inputs(self, H, D):
        self._w = 64
        return self.make(2, self.check_T, H, D)

    def after_check(self):
        self._w = None
        self._masks.clear()

    def _window(self):
        return self._w or self.window

    def mask_mod(self):
        W, n_s = self._window(), self.sinks

        def mask(b, h, q, kv):
            return (kv <= q) & ((kv < n_s) | (q - kv < W))

        return mask

    def run(self, x):
        flex, block_mask = _flex(self, x["q"].shape[2])
        return flex(x["q"], x["k"], x["v"], block_mask=block_mask).transpose(1, 2)

    def decode(self, T, H, D):
        return SDPA.decode(self, min(T, self.window + self.sinks), H, D)


_FLEX = {}


def _flex_compile():
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention

    _FLEX["fn"] = torch.compile(flex_attention)  # automatic dynamic shapes: one recompile, not one per T
    _FLEX["mask"] = torch.compile(create_block_mask)


def _flex(ad, T):
    """(compiled flex_attention, the adapter's block mask at length T), both built on first use; the mask
    builder is compiled too, so a long sequence never materialises its T x T mask."""
    if "fn" not in _FLEX:
        _flex_compile()
    key = (T, ad._window())
    if key not in ad._masks:
        ad._masks.clear()
        ad._masks[key] = _FLEX["mask"](ad.mask_mod(), None, None, T, T, device=DEV)
    return _FLEX["fn"], ad._masks[key]


class FlexBigBird(FlexStreaming):
    """BigBird, causal: FlexAttention (compiled) with the mask 'causal and (window W = 192, or one of the
    first G = 128 tokens, or one of r = 3 random earlier blocks of P = 64)'. The random blocks are drawn per
    query block before the run (a kernel input, rand_blocks (T / P, r), -1 where no earlier block is left),
    as BigBird draws them per block; the check uses W = G = P = 16, r = 2."""

    op = "torch.nn.attention.flex_attention (compiled; window 192 + 128 global + 3 random blocks of 64)"
    decode_op = None
    decode_note = (
        "the random blocks reach anywhere in the past, so decoding keeps the full cache; not measured"
    )
    sizes = {"window": 192, "n_global": 128, "block": 64, "n_random": 3}

    def __init__(self):
        super().__init__()
        self.now = dict(self.sizes)

    def check_inputs(self, H, D):
        self.now = {"window": 16, "n_global": 16, "block": 16, "n_random": 2}
        return self.make(2, self.check_T, H, D)

    def after_check(self):
        self.now = dict(self.sizes)
        self._masks.clear()

    def _window(self):
        return self.now["window"]

    def make(self, B, T, H, D):
        x = super().make(B, T, H, D)
        P, r, first = self.now["block"], self.now["n_random"], self.now["n_global"] // self.now["block"]
        rng = np.random.default_rng(T)
        table = np.full((T // P, r), -1, dtype=np.int64)
        for qb in range(T // P):
            pool = np.arange(first, max(first, qb - self.now["window"] // P))  # before the window's blocks
            pick = rng.choice(pool, size=min(r, pool.size), replace=False) if pool.size else pool
            table[qb, : pick.size] = np.sort(pick)
        x["rand_blocks"] = torch.from_numpy(table).to(DEV)
        self._rand = x["rand_blocks"]
        return x

    def mask_mod(self):
        W, G, P, r, rb = *(self.now[n] for n in ("window", "n_global", "block", "n_random")), self._rand

        def mask(b, h, q, kv):
            hit = (q - kv < W) | (kv < G)
            for i in range(r):
                hit = hit | (rb[q // P, i] == kv // P)
            return (kv <= q) & hit

        return mask

    def run(self, x):
        self._rand = x["rand_blocks"]
        return super().run(x)


class Mega(SDPA):
    """Mega's attention, one unit per head (H units of width D): the damped multi-dimensional EMA of x as a
    causal FFT convolution (cuFFT, float32; its kernel K_l = sum_n eta alpha beta (1 - alpha delta)^l built
    inside the timed region, as the released module does), x' = SiLU(EMA + omega x), z = SiLU(W_z x'),
    q, k = kappa z + mu, then cuDNN SDPA over the raw values. The reset and update gates after the attention
    are left out, as on the model's page. n = 2 EMA dimensions (the released default)."""

    op = "EMA by torch.fft (cuFFT) + torch SDPA[cudnn] (one Mega unit per head)"
    grads = ("x", "v")
    decode_op = "torch SDPA (q_len=1 over a KV cache; the EMA step is a few elementwise products)"
    ndim = 2
    check_T = 128

    def make(self, B, T, H, D):
        n = self.ndim
        x = {"x": self.randn(B, T, H, D), "v": self.randn(B, T, H, D)}
        x["alpha"], x["delta"] = (torch.sigmoid(self.randn(H, D, n, dtype=F32)) for _ in range(2))
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

    grads = ("h",)
    decode_kind = "kv_cache"
    decode_op = "absorbed MLA step: torch bf16 matmuls over the latent cache (c, k_R), W_UV after the read"
    variants = _backend_variants("CUDNN_ATTENTION", "EFFICIENT_ATTENTION", "MATH")
    names = ("W_dkv", "W_uk", "W_uv", "W_kr", "W_dq", "W_uq", "W_qr")

    @property
    def op(self):
        backend = self.variant["backend"].lower()
        return f"MLA projections (torch) + SDPA[{backend}] (d_qk = d_h + d_R, d_v = d_h)"

    def make(self, B, T, H, D):
        d_c, d_R, Dm = 4 * D, D // 2, H * D
        shapes = {
            "W_dkv": (d_c, Dm),
            "W_uk": (H, D, d_c),
            "W_uv": (H, D, d_c),
            "W_kr": (d_R, Dm),
            "W_dq": (d_c, Dm),
            "W_uq": (H, D, d_c),
            "W_qr": (H, d_R, d_c),
        }
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
        from torch.nn.attention import SDPBackend, sdpa_kernel

        q, k, v = self.project(x)
        with sdpa_kernel([getattr(SDPBackend, self.variant["backend"])]):
            return F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2)

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


# ================================================================================================
# linear readout: new models


class FlaLightning(_Recurrent):
    """Lightning attention: fla's chunk_lightning_attn (chunk_simple_gla with one decay per head), scale 1 as
    in the paper; fla's slope for head h of layer l in L: s_h = 8 h / H (1 - l / L), here l = 12, L = 24.
    q, k, v are drawn after their SiLU (not timed)."""

    op = "fla.ops.lightning_attn.chunk_lightning_attn(layer_idx=12, num_layers=24, scale=1)"
    decode_op = "fla.ops.lightning_attn.fused_recurrent_lightning_attn"
    layer, layers = 12, 24

    def make(self, B, T, H, D):
        return {n: F.silu(self.randn(B, T, H, D, dtype=F32)).to(BF16) for n in ("q", "k", "v")}

    def run(self, x):
        fn = _imp("fla.ops.lightning_attn.chunk_lightning_attn")
        return _first(fn(x["q"], x["k"], x["v"], self.layer, self.layers, scale=1.0))

    def step_kwargs(self, x):
        return dict(q=x["q"], k=x["k"], v=x["v"], layer_idx=self.layer, num_layers=self.layers, scale=1.0)

    def slope(self, h, H):
        return 8.0 / H * (1 - self.layer / self.layers) * h


class FlaHGRN(FlaGriffin):
    """HGRN's HRU through fla's chunk_hgrn, as fla's HGRN layer calls it: lambda = gamma + (1 - gamma) mu
    (lower bound gamma = 0.5), g = log lambda, input (1 - lambda) c; gates precomputed (not timed)."""

    gamma = 0.5

    def make(self, B, T, H, D):
        C = H * D
        lam = self.gamma + (1 - self.gamma) * torch.sigmoid(self.randn(B, T, C, dtype=F32, shift=1.0))
        return {"x": ((1 - lam) * self.randn(B, T, C, dtype=F32)).to(BF16), "g": lam.log()}


class FlaMesa(_Recurrent):
    """MesaNet: fla's chunk_mesa_net (conjugate gradient, at most 30 steps, per chunk); unit q and k, gates in
    float32, regulariser lambda = softplus(.) + 0.25 per head and key channel (fla's recommended bound)."""

    op = "fla.ops.mesa_net.chunk_mesa_net(max_CG_iteration=30)"
    grads = ("q", "k", "v", "g", "beta", "lamb")
    decode_op = "fla.ops.mesa_net.mesa_net_decoding_one_step"

    def make(self, B, T, H, D):
        x = {"q": self.unit(B, T, H, D), "k": self.unit(B, T, H, D), "v": self.randn(B, T, H, D)}
        x["g"] = self.logsig(B, T, H, shift=3.0)
        x["beta"] = torch.sigmoid(self.randn(B, T, H, dtype=F32))
        x["lamb"] = F.softplus(self.rand(H, D)) + 0.25
        return x

    def run(self, x):
        fn = _imp("fla.ops.mesa_net.chunk_mesa_net")
        return _first(fn(x["q"], x["k"], x["v"], x["g"], x["beta"], x["lamb"]))

    def decode(self, T, H, D):
        fn = _imp(self.decode_op)
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

    op = "fla.ops.comba.chunk_comba (p = k)"
    grads = ("q", "k", "v", "p", "g", "beta")
    decode_op = "fla.ops.comba.fused_recurrent_comba"

    def make(self, B, T, H, D):
        x = {"q": self.unit(B, T, H, D), "k": self.unit(B, T, H, D), "v": self.randn(B, T, H, D)}
        x["g"] = self.logsig(B, T, H, shift=3.0)
        x["p"] = x["k"].clone()
        x["beta"] = torch.sigmoid(self.randn(B, T, H, dtype=F32)).to(BF16)
        return x

    def run(self, x):
        fn = _imp("fla.ops.comba.chunk_comba")
        return _first(fn(x["q"], x["k"], x["v"], x["p"], x["g"], x["beta"]))

    def step_kwargs(self, x):
        return dict(q=x["q"], k=x["k"], v=x["v"], p=x["p"], g=x["g"], beta=x["beta"])


class FlaDeltaFormer(SDPA):
    """DeltaFormer: fla's Triton kernel for the written values u (ParallelDeltaformerFunction, chunk 512; the
    erase softmax over earlier keys), then the read softmax(Q K^T) U through cuDNN SDPA (fla's own wrapper
    calls FlashAttention, which is not installed here)."""

    op = "fla.ops.deltaformer ParallelDeltaformerFunction (u) + torch SDPA[cudnn] (read)"
    grads = ("q", "k", "v", "beta")
    decode_op = None
    decode_note = "one step is two softmax reads over the cache of keys and written values; not measured"

    def make(self, B, T, H, D):
        x = {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}
        x["beta"] = torch.sigmoid(self.randn(B, T, H, dtype=F32)).to(BF16)
        return x

    def run(self, x):
        fn = _imp("fla.ops.deltaformer.parallel.ParallelDeltaformerFunction").apply
        u = fn(x["q"], x["k"], x["v"], x["beta"], 512, None)
        t = lambda a: a.transpose(1, 2)  # noqa: E731
        return self._sdpa(t(x["q"]), t(x["k"]), t(u)).transpose(1, 2)


# ================================================================================================
# sparse selection


class FlaNSA(Adapter):
    """NSA: fla's parallel_nsa for the compressed and selected branches (mean-pooled blocks of 64, 16 blocks
    selected, the first and the two latest forced), plus the sliding-window branch (W = 512) through fla's
    parallel_attn, since fla's own wrapper calls FlashAttention for it. One key-value head per 16 query
    heads, as the kernel requires (the selection is shared by the group, summed over its heads). The check
    gives the 16 heads of a group the same query, so the group's choice is each head's own, as in the
    single-head reference, and uses blocks of 16, 4 selected, W = 32 (its T = 256 would select every block of
    64)."""

    op = "fla.ops.nsa.parallel_nsa (compressed + selected) + fla.ops.attn.parallel_attn (window)"
    grads = ("q", "k", "v", "g_cmp", "g_slc", "g_win")
    decode_note = "one step reads pooled blocks, chosen blocks and a window of a full cache; no public kernel"
    sizes = {"block": 64, "top_n": 16, "window": 512}
    group = 16

    def __init__(self):
        super().__init__()
        self.now = dict(self.sizes)

    def make(self, B, T, H, D, same_group=False):
        G = self.group
        Hk = max(1, H // G)
        q = self.randn(B, T, 1 if same_group else H, D)
        x = {"q": q.expand(B, T, Hk * G, D).contiguous() if same_group else q}
        x["k"], x["v"] = self.randn(B, T, Hk, D), self.randn(B, T, Hk, D)
        for n in ("g_cmp", "g_slc", "g_win"):
            x[n] = torch.sigmoid(self.randn(B, T, Hk * G, dtype=F32)).to(BF16)
        return x

    def check_inputs(self, H, D):
        self.now = {"block": 16, "top_n": 4, "window": 32}
        return self.make(2, self.check_T, self.group, D, same_group=True)

    def after_check(self):
        self.now = dict(self.sizes)

    def run(self, x):
        nsa = _imp("fla.ops.nsa.parallel_nsa")
        attn = _imp("fla.ops.attn.parallel_attn")
        n = self.now
        q, k, v = x["q"], x["k"], x["v"]
        o = nsa(q, k, v, g_cmp=x["g_cmp"], g_slc=x["g_slc"], block_counts=n["top_n"], block_size=n["block"])
        o_win = _first(attn(q, k, v, window_size=n["window"]))
        return torch.addcmul(o, o_win, x["g_win"].unsqueeze(-1))


class FlexMoBA(SDPA):
    """MoBA through FlexAttention (fla's parallel_moba needs FlashAttention): the router (mean-pooled key per
    finished block of 512, scores q . kbar, the own block plus the top 2 earlier ones: k = 3) runs in torch
    inside the timed region and writes a per-token block table; the block mask skips every 128 x 128 tile
    that no query of the tile selected, and the mask function applies each token's own choice."""

    op = "MoBA router (torch) + torch.nn.attention.flex_attention (compiled; block 512, top-3)"
    decode_op = None
    decode_note = "one step reads the own block and the top-k chosen blocks of a full cache; not measured"
    sizes = {"block": 512, "top_k": 3}

    def __init__(self):
        super().__init__()
        self.now = dict(self.sizes)
        self._table = {}

    def check_inputs(self, H, D):
        self.now = {"block": 32, "top_k": 3}  # eight blocks in the check's 256 tokens
        return self.make(2, self.check_T, H, D)

    def after_check(self):
        self.now = dict(self.sizes)
        self._table.clear()

    def route(self, q, k):
        """(B, H, T, n_blocks) bool: the blocks query t reads (its own, the top k - 1 finished earlier)."""
        Bm, n = self.now["block"], self.now["top_k"]
        B, H, T, D = q.shape
        nb = T // Bm
        kbar = k[:, :, : nb * Bm].reshape(B, H, nb, Bm, D).float().mean(3)
        s = q.float() @ kbar.transpose(-1, -2)  # (B, H, T, nb)
        own = torch.arange(T, device=q.device) // Bm
        earlier = torch.arange(nb, device=q.device)[None, :] < own[:, None]  # (T, nb)
        s = s.masked_fill(~earlier, float("-inf"))
        top = s.topk(min(n - 1, nb), dim=-1)
        sel = torch.zeros_like(s, dtype=torch.bool)
        sel.scatter_(-1, top.indices, top.values > float("-inf"))
        return sel | (torch.arange(nb, device=q.device)[None, :] == own[:, None])

    def _mask(self, q, k):
        """A BlockMask of 128-token tiles from the per-token table, written into one persistent buffer per
        shape so the compiled kernel is reused."""
        from torch.nn.attention.flex_attention import BlockMask

        with torch.no_grad():  # the routing is a choice, not differentiated (as in MoBA)
            sel = self.route(q, k)
        B, H, T, nb = sel.shape
        Bm = self.now["block"]
        key = (B, H, T, Bm)
        if key not in self._table:
            self._table.clear()
            buf = torch.zeros_like(sel)

            def mask(b, h, qi, kv):
                return (kv <= qi) & buf[b, h, qi, kv // Bm]

            self._table[key] = (buf, mask)
        buf, mask = self._table[key]
        buf.copy_(sel)
        tile = 128  # T is a multiple of it (256 in the check, powers of two from 512 in the sweep)
        nq = T // tile
        rows = sel.reshape(B, H, nq, tile, nb).any(3)  # (B, H, q tile, block): any query of the tile reads it
        if Bm % tile == 0:
            tiles = rows.repeat_interleave(Bm // tile, dim=-1)
        else:  # blocks smaller than a tile (the check): a key tile is read if any of its blocks is
            tiles = rows[..., torch.arange(T, device=q.device) // Bm].reshape(B, H, nq, nq, tile).any(-1)
        tiles &= torch.ones(nq, nq, dtype=torch.bool, device=q.device).tril()
        counts = tiles.sum(-1, dtype=torch.int32)
        idx = torch.argsort(tiles.to(torch.int8), dim=-1, descending=True, stable=True).to(torch.int32)
        return BlockMask.from_kv_blocks(counts, idx, BLOCK_SIZE=tile, mask_mod=mask, seq_lengths=(T, T))

    def run(self, x):
        if "fn" not in _FLEX:
            _flex_compile()
        q, k, v = x["q"], x["k"], x["v"]
        return _FLEX["fn"](q, k, v, block_mask=self._mask(q, k)).transpose(1, 2)


class FlaHedgehog(FlaPerformer):
    """Hedgehog: the feature map phi(x) = [exp(W x + b), exp(-(W x + b))] (2 D features, one learned map per
    head for queries and one for keys, W near the identity as at initialisation) in torch inside the timed
    region, then fla's normalised chunk_linear_attn with scale 1."""

    op = "Hedgehog features (torch) + fla.ops.linear_attn.chunk_linear_attn(normalize=True)"

    def make(self, B, T, H, D):
        x = {n: self.randn(B, T, H, D) for n in ("q", "k", "v")}
        for n in ("Wq", "Wk"):
            x[n] = torch.eye(D, device=DEV) + self.randn(H, D, D, dtype=F32, scale=0.1 * D**-0.5)
        x["bq"], x["bk"] = (torch.zeros(H, D, device=DEV) for _ in range(2))
        return x

    @staticmethod
    def phi(x, W, b):
        y = torch.einsum("bthd,hed->bthe", x.float(), W) + b
        return torch.cat([y.exp(), (-y).exp()], -1).to(BF16)

    def run(self, x):
        fn = _imp("fla.ops.linear_attn.chunk_linear_attn")
        fq, fk = self.phi(x["q"], x["Wq"], x["bq"]), self.phi(x["k"], x["Wk"], x["bk"])
        return _first(fn(fq, fk, x["v"], scale=1.0, normalize=True))

    def state(self, H, D):
        return torch.zeros(1, H, 2 * D, D, device=DEV, dtype=F32)

    def step_kwargs(self, x):
        return dict(q=self.phi(x["q"], x["Wq"], x["bq"]), k=self.phi(x["k"], x["Wk"], x["bk"]), v=x["v"])


# ================================================================================================
# complex diagonal state spaces (LRU, S5)


class ComplexScan(Adapter):
    """A complex diagonal state space over C = H * D channels with P = C / 2 modes: the input projection
    B u and the readout scale Re(C x) + D u as bf16 matmuls, the recurrence x_t = lambda x_{t-1} + B u_t by
    accelerated_scan's Triton complex scan (complex64). The discretisation of lambda and B is the model's
    (discretise), computed inside the timed region (it is P x C, negligible)."""

    op = "accelerated_scan.complex.scan (Triton, complex64) + torch bf16 matmuls for B and C"
    grads = ("v", "B_re", "B_im", "C_re", "C_im")
    decode_op = "torch complex step x = lambda x + B u, y = Re(C x) + D u (one token)"
    scale = 1.0
    check_T = 128

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
        states = _imp("accelerated_scan.complex.scan")(forget, u).transpose(1, 2)  # (B, T, P)
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

    scale = 2.0

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


ADAPTERS: dict[str, type[Adapter]] = {
    "sdpa_cudnn": SDPA,
    "sdpa_cudnn_rope": SDPARope,
    "fla_forgetting_attn": FlaForgetting,
    "fla_forgetting_attn_alibi": FlaAlibi,
    "fla_parallel_attn_window": FlaSWA,
    "fla_path_attn": FlaPath,
    "fla_path_attn_fox": FlaPathFox,
    "fla_wall_attn": FlaWall,
    "fla_stickbreaking_attn": FlaStickBreaking,
    "fla_abc": FlaABC,
    "fla_gsa": FlaGSA,
    "fla_gsa_raven": FlaRaven,
    "fla_linear_attn": FlaLinear,
    "fla_linear_attn_favor": FlaPerformer,
    "fla_retention": FlaRetention,
    "fla_gla": FlaGLA,
    "fla_gla_hgrn2": FlaHGRN2,
    "fla_based": FlaBased,
    "fla_delta_rule": FlaDelta,
    "fla_gated_delta_rule": FlaGDN,
    "fla_kda": FlaKDA,
    "fla_gdn2": FlaGDN2,
    "fla_gated_delta_product": FlaDeltaProduct,
    "fla_rwkv4": FlaRWKV4,
    "fla_rwkv6": FlaRWKV6,
    "fla_rwkv7": FlaRWKV7,
    "fla_hgrn_griffin": FlaGriffin,
    "fla_ttt_linear": FlaTTT,
    "fla_log_linear_attn": FlaLogLinear,
    "mamba_ssm_ssd": Mamba2SSD,
    "mamba_ssm_mamba3_siso": Mamba3SISO,
    "mlstm_kernels_tfla": MLSTM,
    "fft_conv_s4": FFTConv,
    "fft_conv_hyena": Hyena,
    "sdpa_gqa": SDPAGrouped,
    "sdpa_mqa": SDPAMultiQuery,
    "sdpa_latent_mla": SDPALatent,
    "sdpa_gated": SDPAGated,
    "sdpa_diff": SDPADiff,
    "fla_attn_sink_bias": FlaSinkLogit,
    "flex_streamingllm": FlexStreaming,
    "fla_lightning_attn": FlaLightning,
    "fla_hgrn": FlaHGRN,
    "fla_mesa_net": FlaMesa,
    "fla_comba": FlaComba,
    "fla_deltaformer": FlaDeltaFormer,
    "fla_nsa": FlaNSA,
    "flex_moba": FlexMoBA,
    "accelerated_scan_lru": LRUScan,
    "accelerated_scan_s5": S5Scan,
    "flex_bigbird": FlexBigBird,
    "fft_sdpa_mega": Mega,
    "fla_linear_attn_hedgehog": FlaHedgehog,
}
