"""What every adapter shares: the Adapter base class (inputs, the declared kernel and its label, decoding),
the recurrent-state decode of fla's fused_recurrent ops, and the lazy import of the kernel packages.

Shape glossary: B batch, T time, H heads, D head width (d_k = d_v = D unless noted), C = H * D channels
for the per-channel models (RWKV-4, Griffin, HGRN, S4, Hyena, LRU, S5). Inputs are drawn in their final form
(log-space gates, normalised keys) so that gate preprocessing stays outside the timed region, as fla's own
benchmarks do.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types

import numpy as np
import torch
import torch.nn.functional as F

BF16, F32 = torch.bfloat16, torch.float32
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
    """Base class. A subclass declares the public op it times by its import path (``kernel``, imported only
    inside the worker) and, where that is not the whole story, the label results and the site show
    (``label``); likewise ``step_kernel`` / ``step_label`` for one decoding step. It draws its inputs (make;
    by default q, k, v), calls the kernel (run; by default with the inputs named in ``args`` and the fixed
    ``kwargs``), maps its inputs onto kernels_wasm (reference_args) and, where the model decodes step by
    step, sets up one step (decode)."""

    name: str = ""  # what models.yaml's gpu_kernel.adapter says; set in the timed class's own body
    kernel: str | None = None  # dotted import path of the public op, e.g. "fla.ops.gla.chunk_gla"
    label: str | None = None  # shown instead of the path when it says more (fixed arguments, extra steps)
    step_kernel: str | None = None  # dotted import path of the decoding op; None: no decode measured
    step_label: str | None = None
    grads: tuple[str, ...] = ("q", "k", "v")  # the inputs the backward differentiates
    args: tuple[str, ...] = ()  # inputs the default run() hands the kernel, in order ("kw=input": by name)
    kwargs: dict = {}  # and the fixed keyword arguments of that call
    max_T: int | None = None  # longest T the kernel accepts (None: no limit)
    head_dims: tuple[int, ...] = (128, 64)
    decode_kind: str = "recurrent"  # 'recurrent' (state, cost independent of T) or 'kv_cache'
    decode_note: str | None = None
    variants: tuple[dict, ...] = ({},)
    check_T: int = 256
    # The float64 reference (zoo/bench/wasm.py): reference_args(x, b, h) maps the check's inputs (numpy, the
    # kernel's layout) onto kernels_wasm.<the model's module>.<reference_fn> for batch row b and head h;
    # layout names the kernel's output layout (wasm.LAYOUTS). Every timed class has a reference_args.
    reference_args = None
    reference_fn: str = "recurrent"
    layout: str = "bthv"
    sizes: dict = {}  # sizes the kernel runs at (windows, blocks), in self.now except during the check
    check_sizes: dict = {}  # smaller ones for the check, so that masks and selection are exercised

    def __init__(self):
        self.variant = dict(self.variants[0])
        self.now = dict(self.sizes)
        self.gen = torch.Generator(device=DEV)
        self.gen.manual_seed(0)
        self.built = {}  # what once() built for the current shape

    @property
    def op(self) -> str:
        return self.label or self.kernel or ""

    @property
    def decode_op(self) -> str | None:
        return self.step_label or self.step_kernel

    def fn(self):
        return _imp(self.kernel)

    def step_fn(self):
        return _imp(self.step_kernel)

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

    def sigmoid(self, *shape, dtype=BF16):
        """A gate in (0, 1), sigmoid of N(0, 1)."""
        return torch.sigmoid(self.randn(*shape, dtype=F32)).to(dtype)

    def qkv(self, B, T, H, D, unit=False):
        """q, k, v (B, T, H, D) ~ N(0, 1); with unit=True q and k L2-normalised (the delta rule's keys)."""
        draw = self.unit if unit else self.randn
        return {"q": draw(B, T, H, D), "k": draw(B, T, H, D), "v": self.randn(B, T, H, D)}

    def make(self, B: int, T: int, H: int, D: int) -> dict[str, torch.Tensor]:
        return self.qkv(B, T, H, D)

    def run(self, x: dict[str, torch.Tensor]) -> torch.Tensor:
        named = [a.partition("=") for a in self.args]
        by_kw = {kw: x[name] for kw, eq, name in named if eq}
        return _first(self.fn()(*(x[kw] for kw, eq, _ in named if not eq), **by_kw, **self.kwargs))

    def check_inputs(self, H: int, D: int) -> dict[str, torch.Tensor]:
        self.now = dict(self.check_sizes or self.sizes)
        return self.make(2, self.check_T, H, D)

    def check(self, model_id: str, H: int, D: int):
        """The correctness check, written once (the GPU worker and scripts/check_adapters_cpu.py call it):
        the kernel's output on the check inputs against the site's kernels_wasm reference on every slice."""
        from .. import wasm
        from ..measure import Check

        x = self.check_inputs(H, D)
        with torch.no_grad():
            out = np64(self.run(x))  # (.cpu() waits for the device)
        ref = wasm.reference(model_id, {n: np64(t) for n, t in x.items()}, self, out.shape)
        if ref is None:
            raise LookupError(f"{model_id}: its adapter has no reference_args to check against")
        self.after_check()
        shape = {n: list(t.shape) for n, t in x.items()}
        return Check(rel_err=wasm.rel_err(out, ref), reference=wasm.describe(model_id, self), shape=shape)

    def after_check(self) -> None:
        """Undo any setting that only the correctness check uses."""
        self.now = dict(self.sizes)
        self.built.clear()

    def once(self, key, build):
        """build() for one shape (a block mask, a routing table), kept until another shape needs one."""
        if key not in self.built:
            self.built.clear()  # freed before the next is built
            self.built[key] = build()
        return self.built[key]

    # decoding ---------------------------------------------------------------------------
    def decode(self, T: int, H: int, D: int):
        """Return a zero-argument callable doing one decoding step at context T, or None."""
        return None


def _first(out):
    return out[0] if isinstance(out, (tuple, list)) else out


class _Recurrent(Adapter):
    """Shared decode: the model's fused_recurrent op on one token with a state passed in and out."""

    step_args: tuple[str, ...] = ("q", "k", "v")  # the step's inputs by keyword ("kw=input" if they differ)
    step_fixed: dict = {}  # and its fixed keyword arguments

    def state(self, H, D):
        return torch.zeros(1, H, D, D, device=DEV, dtype=F32)

    def step_kwargs(self, x):
        named = (a.partition("=") for a in self.step_args)
        return {kw: x[name or kw] for kw, _, name in named} | self.step_fixed

    def decode(self, T, H, D):
        if self.step_kernel is None:
            return None
        fn = self.step_fn()
        x = self.make(1, 1, H, D)
        S = self.state(H, D)
        kw = self.step_kwargs(x)
        return lambda: fn(initial_state=S, output_final_state=True, **kw)
