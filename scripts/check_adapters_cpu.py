"""Check GPU benchmark adapters that need only torch against their float64 kernels_wasm references, on a CPU.

    python scripts/check_adapters_cpu.py gqa,mqa,mla        # any torch (CPU build is enough) on the path

The benchmark runs this same check (Adapter.check: the adapter's check inputs, its run, wasm.reference on
every slice) on the GPU before it times a kernel, against the same tolerance.
Here it runs on the CPU, so a contributor without a GPU can check an adapter whose kernel is torch alone
(SDPA variants, FlexAttention masks, torch.fft): every variant and head dim, then one forward+backward with
finite gradients and one decoding step. Kernels written in Triton or CUDA (fla, mamba_ssm, accelerated_scan)
need the GPU and are reported as such.

Two CPU stand-ins, both for this check only: SDPA's backend choice is lifted (the CPU has the math backend
alone, the variants pick cuDNN or flash), and torch.compile is skipped (FlexAttention then runs eagerly,
which cannot differentiate on a CPU: its backward is left to the GPU run).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

os.environ["ZOO_BENCH_DEVICE"] = "cpu"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

try:
    import torch
except ImportError:
    sys.exit("this check needs torch (a CPU build is enough): pip install torch, then run it again")

from zoo.bench import adapters, catalog  # noqa: E402
from zoo.bench.measure import Plan  # noqa: E402
from zoo.bench.worker import CHECK_HEADS  # noqa: E402

GPU_ONLY = ("fla.", "mamba_ssm.", "accelerated_scan.", "mlstm_kernels.")
TOLERANCE = Plan.__dataclass_fields__["tolerance"].default


def cpu_stand_ins(adapter) -> contextlib.ExitStack:
    """SDPA may use any backend, torch.compile is skipped and there is no GPU to wait for, for this adapter's
    calls only."""
    import torch._dynamo  # noqa: F401  (imported before the swap: it reads sdpa_kernel.__wrapped__ once)
    import torch.nn.attention as attention

    stack = contextlib.ExitStack()
    real = attention.sdpa_kernel
    attention.sdpa_kernel = lambda *a, **k: contextlib.nullcontext()
    stack.callback(setattr, attention, "sdpa_kernel", real)
    compile_, sync = torch.compile, torch.cuda.synchronize
    torch.compile = lambda fn=None, **k: fn
    torch.cuda.synchronize = lambda *a, **k: None  # the decode steps wait for the GPU; a CPU call has ended
    stack.callback(setattr, torch, "compile", compile_)
    stack.callback(setattr, torch.cuda, "synchronize", sync)
    return stack


def check(model_id: str) -> bool:
    key = catalog.KERNELS[model_id].adapter
    if key is None:
        print(f"{model_id}: no GPU adapter ({catalog.KERNELS[model_id].note})")
        return True
    cls = adapters.ADAPTERS[key]
    if (cls.kernel or "").startswith(GPU_ONLY):  # (no kernel path: torch code written in the adapter)
        print(f"{model_id}: {cls.kernel} needs a GPU")
        return True
    ok = True
    for i, variant in enumerate(cls.variants):
        ad = cls()
        ad.variant = dict(variant)
        for D in ad.head_dims:
            with cpu_stand_ins(ad):
                err = ad.check(model_id, CHECK_HEADS, D).rel_err
            ok &= err <= TOLERANCE
            verdict = "ok" if err <= TOLERANCE else f"FAILS (tolerance {TOLERANCE:.0e})"
            print(f"{model_id} [{key} variant {i}] head dim {D}: relative error {err:.2e} {verdict}")
    ad = cls()
    ad.variant = dict(cls.variants[0])
    D = ad.head_dims[0]
    with cpu_stand_ins(ad):
        x = ad.make(1, 128, CHECK_HEADS, D)
        for n in ad.grads:
            x[n] = x[n].detach().requires_grad_(True)
        try:
            ad.run(x).float().sum().backward()
            finite = all(x[n].grad is not None and bool(torch.isfinite(x[n].grad).all()) for n in ad.grads)
            ok &= finite
            said = "gives finite gradients" if finite else "FAILS: a gradient is missing or not finite"
            print(f"{model_id}: forward+backward {said}")
        except NotImplementedError as exc:  # FlexAttention has no CPU backward
            print(f"{model_id}: backward left to the GPU ({str(exc).splitlines()[0]})")
        step = ad.decode(128, CHECK_HEADS, D)
        if step is not None:
            step()
        print(f"{model_id}: {'one decoding step runs' if step else 'no decoding step'}")
    return ok


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1])
        return 2
    unknown = [m for m in argv[0].split(",") if m not in catalog.KERNELS]
    if unknown:
        print(f"not model ids of models.yaml: {', '.join(unknown)}")
        return 2
    return 0 if all([check(m) for m in argv[0].split(",")]) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
