"""One benchmark subprocess: imports torch and the kernel packages, measures a list of models (or calibrates
the device) and keeps its JSON result file up to date after every step.

    python -m zoo.bench.worker --calibrate --out cal.json
    python -m zoo.bench.worker --models gla,kda --lengths 512,...,131072 --head-dims 128 --tokens 131072 \
        --deadline <unix time> --out part.json [--start-variant mlstm=1]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

from .. import resultdoc
from . import catalog, results
from .measure import OutOfMemory, Plan, Prepared, Step, Timing, run_models

CHECK_HEADS = 4  # heads in the correctness check (the sweep uses 16)
SWEEP_HEADS = 16
SLOW_MS = 100.0  # above this per call, time 3 calls with events instead of do_bench
PACKAGES = (
    "torch triton fla-core flash-linear-attention mamba_ssm mlstm_kernels accelerated-scan tilelang "
    "numpy einops transformers"
).split()


def provenance() -> dict:
    import torch

    props = torch.cuda.get_device_properties(0)
    query = ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"]
    try:
        driver = subprocess.run(query, capture_output=True, text=True, timeout=20).stdout.strip() or None
    except Exception:
        driver = None
    return {
        "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "gpu": torch.cuda.get_device_name(0),
        "gpu_memory_bytes": int(props.total_memory),
        "sm_count": int(props.multi_processor_count),
        "compute_capability": f"{props.major}.{props.minor}",
        "driver": driver,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": resultdoc.package_versions(PACKAGES),
        "env": {k: v for k, v in os.environ.items() if k.startswith(("FLA_", "TRITON_", "TORCH_CUDNN"))},
    }


class TorchBackend:
    """Backend of zoo.bench.measure on a CUDA device."""

    def __init__(self):
        import torch
        import triton.testing

        self.torch = torch
        self.do_bench = triton.testing.do_bench  # bound here: fast_autotune replaces the module's own
        self.ads = {}
        self.inputs = {}  # (model, D, T) -> inputs for the fwd and fwdbwd timings of one shape

    @contextlib.contextmanager
    def _fits(self):
        """A shape that does not fit becomes OutOfMemory (its first line) for the loop, its memory freed."""
        try:
            yield
        except self.torch.cuda.OutOfMemoryError as exc:
            self.inputs.clear()
            self.torch.cuda.empty_cache()
            raise OutOfMemory(str(exc).split("\n")[0]) from None

    def prepare(self, model_id, variant):
        from . import adapters

        key = catalog.KERNELS[model_id].adapter
        cls = adapters.ADAPTERS[key]
        if variant >= len(cls.variants):
            raise IndexError(f"{model_id}: no variant {variant}")
        ad = self.ads[model_id] = cls()
        ad.variant = dict(cls.variants[variant])
        if model_id in ("mamba-2", "mamba-3"):
            adapters.load_mamba_ssm_triton()
        return Prepared(
            op=ad.op,
            n_variants=len(cls.variants),
            variant=ad.variant or None,
            head_dims=list(ad.head_dims),
            max_T=ad.max_T,
            profile=key.startswith("sdpa"),
            decode_note=ad.decode_note,
        )

    def check(self, model_id, D):
        return self.ads[model_id].check(model_id, CHECK_HEADS, D)

    def _inputs(self, model_id, D, T, B):
        key = (model_id, D, T)
        if key not in self.inputs:
            self.inputs.clear()
            self.torch.cuda.empty_cache()
            ad = self.ads[model_id]
            x = ad.make(B, T, SWEEP_HEADS, D)
            for n in ad.grads:
                x[n] = x[n].detach().requires_grad_(True)
            self.inputs[key] = x
        return self.inputs[key]

    def _bench(self, fn):
        """(median ms, method, peak bytes of one call). Never times the first calls of a shape."""
        torch = self.torch
        fn()  # warm-up: Triton autotuning and compilation, cuDNN graph building happen here
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        fn()  # second warm-up call, also the one whose peak memory is recorded
        torch.cuda.synchronize()
        peak = int(torch.cuda.max_memory_allocated())
        est = event_ms(torch, fn)
        if est > SLOW_MS:  # slow calls: do_bench would take a single sample; take three with events
            times = [est, event_ms(torch, fn), event_ms(torch, fn)]
            return statistics.median(times), "cuda events, median of 3 (after 2 warm-up calls)", peak
        ms = self.do_bench(fn, warmup=25, rep=100, return_mode="median")
        return ms, "triton.testing.do_bench median (warmup 25 ms, rep 100 ms)", peak

    def warm(self, model_id, D, T, B):
        """Run a shape once forward and once forward+backward (warm-up pass), then free it."""
        torch = self.torch
        ad = self.ads[model_id]
        try:
            with self._fits():
                x = self._inputs(model_id, D, T, B)
                with torch.no_grad():
                    ad.run(x)
                o = ad.run(x)
                torch.autograd.grad(o, [x[n] for n in ad.grads], torch.ones_like(o), allow_unused=True)
                torch.cuda.synchronize()
        finally:
            self.inputs.clear()
            torch.cuda.empty_cache()

    def time(self, model_id, D, T, B, mode):
        torch = self.torch
        ad = self.ads[model_id]
        with self._fits():
            x = self._inputs(model_id, D, T, B)
            if mode == "fwd":

                def fn():
                    with torch.no_grad():
                        return ad.run(x)
            else:
                leaves = [x[n] for n in ad.grads]
                with torch.no_grad():
                    o0 = ad.run(x)
                do = torch.randn(o0.shape, device=o0.device, dtype=torch.float32).to(o0.dtype)
                del o0

                def fn():
                    return torch.autograd.grad(ad.run(x), leaves, do, allow_unused=True)

            ms, method, peak = self._bench(fn)
        return Timing(float(ms), method, peak)

    def kernels_seen(self, model_id, D, T, B):
        from torch.profiler import ProfilerActivity, profile

        x = self._inputs(model_id, D, T, B)
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            with self.torch.no_grad():
                self.ads[model_id].run(x)
            self.torch.cuda.synchronize()
        kinds = {e.name: getattr(e.device_type, "name", str(e.device_type)).upper() for e in prof.events()}
        return [name for name, kind in kinds.items() if kind.endswith("CUDA")][:12]

    def decode(self, model_id, D, T):
        torch = self.torch
        ad = self.ads[model_id]
        self.inputs.clear()
        torch.cuda.empty_cache()
        with self._fits(), torch.no_grad():
            fn = ad.decode(T, SWEEP_HEADS, D)
            if fn is None:
                return None
            for _ in range(3):
                fn()
            torch.cuda.synchronize()
            ms = self.do_bench(fn, warmup=25, rep=100, return_mode="median")
        return Step(float(ms), ad.decode_kind, ad.decode_op, getattr(fn, "backend", None))


def event_ms(torch, fn) -> float:
    """Milliseconds of one call of fn on the GPU, between two CUDA events."""
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end)


def calibrate() -> dict:
    """Measured ceilings: bf16 matmul rate (8192^3, random data) and device-to-device copy bandwidth."""
    import torch
    from triton.testing import do_bench

    n = 8192
    a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    ms = do_bench(lambda: a @ b, warmup=50, rep=300, return_mode="median")
    src = torch.randn(2**28, device="cuda")  # 1 GiB of float32
    dst = torch.empty_like(src)
    ms_copy = do_bench(lambda: dst.copy_(src), warmup=25, rep=200, return_mode="median")
    return {
        "matmul_bf16_tflops": 2 * n**3 / (ms * 1e-3) / 1e12,
        "matmul_shape": [n, n, n],
        "copy_tb_per_s": 2 * src.numel() * 4 / (ms_copy * 1e-3) / 1e12,
        "copy_bytes": int(src.numel() * 4),
        "method": "triton.testing.do_bench median",
    }


def _atomic_write(path: str, doc: dict) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(doc, fh, indent=1, default=_json_default)
    os.replace(tmp, path)


def _json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def fast_autotune() -> None:
    """Make Triton's autotuner benchmark each config with do_bench(warmup=5, rep=20) instead of (25, 100), and
    a config whose one call takes over SLOW_MS with that one call.

    do_bench makes at least eight calls whatever the budget; for Wall's quadratic kernels at T = 32K (0.3 s
    per call, 72 configs) that alone is minutes, while one call already ranks configs that far apart.
    The autotuner fetches triton.testing.do_bench at call time, so replacing the module attribute is enough;
    the harness's own timings keep the original function (bound in TorchBackend before this runs)."""
    import torch
    import triton.testing as tt

    original = tt.do_bench

    def quick(fn, warmup=25, rep=100, *args, **kwargs):
        fn()  # compiles the config; do_bench's own first call would do the same
        ms = event_ms(torch, fn)
        if ms <= SLOW_MS:
            return original(fn, 5, 20, *args, **kwargs)
        quantiles = kwargs.get("quantiles") or (args[1] if len(args) > 1 else None)
        return [ms] * len(quantiles) if quantiles else ms

    tt.do_bench = quick


def config_slice(configs: list, k: int, n: int) -> list:
    """Slice k of n of an autotuner's configs (every n-th from the k-th), never empty: n warm-up processes
    then compile disjoint parts of the sweep in parallel. Fewer configs than processes wrap around."""
    if not configs:
        return configs
    return configs[k % len(configs) :: n]


def split_autotune(k: int, n: int) -> None:
    """Make every Triton autotuner in this process compile only its slice k of n of the configs, rank none.

    For the warm-up alone: the compiled kernels land in Triton's on-disk cache, where the timing worker's
    full autotune finds them. A slice's ranking would be wasted GPU time (at Wall's T = 128K one call takes
    seconds): it lands in the cache under a key naming the slice's configs, which the timing worker, tuning
    over all of them, never reads. So each config runs once, to compile, and every time reported is zero."""
    import triton.testing as tt
    from triton.runtime.autotuner import Autotuner

    prune = Autotuner.prune_configs

    def prune_to_slice(self, kwargs):
        return config_slice(prune(self, kwargs), k, n)

    def run_once(fn, warmup=None, rep=None, grad_to_none=None, quantiles=None, return_mode="mean"):
        fn()
        return [0.0] * len(quantiles) if quantiles else 0.0

    Autotuner.prune_configs = prune_to_slice
    tt.do_bench = run_once


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m zoo.bench.worker")
    ap.add_argument("--out", required=True)
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--models", default="")
    ap.add_argument("--lengths", default="")
    ap.add_argument("--head-dims", default="128")
    ap.add_argument("--tokens", type=int, default=131072)
    ap.add_argument("--tolerance", type=float, default=2e-2)
    ap.add_argument("--deadline", type=float, default=time.time() + 600)
    ap.add_argument("--start-variant", action="append", default=[])
    ap.add_argument("--no-decode", action="store_true")
    ap.add_argument("--warmup-only", action="store_true")
    ap.add_argument("--fast-autotune", action="store_true", help="see python -m zoo.bench --help")
    ap.add_argument("--carry", default=None, help="JSON {model: entry} from a warm-up pass (passed checks)")
    ap.add_argument("--config-slice", metavar="K/N", help="warm-up: compile slice K of N of each autotuner")
    args = ap.parse_args(argv)

    if args.calibrate:
        doc = {"provenance": provenance(), "calibration": calibrate()}
        _atomic_write(args.out, doc)
        return 0

    models = [m for m in args.models.split(",") if m]
    plan = Plan(
        lengths=[int(t) for t in args.lengths.split(",") if t],
        head_dims=[int(d) for d in args.head_dims.split(",") if d],
        tokens=args.tokens,
        tolerance=args.tolerance,
        decode=not args.no_decode,
        warmup_only=args.warmup_only,
        skip_check=bool(args.carry),
    )
    start_variants = {kv.split("=")[0]: int(kv.split("=")[1]) for kv in args.start_variant}
    doc = {"models": {}}

    def sink(mid, entry):
        doc["models"][mid] = entry
        _atomic_write(args.out, doc)

    backend = TorchBackend()
    if args.fast_autotune:
        fast_autotune()
    if args.config_slice:
        k, n = map(int, args.config_slice.split("/"))
        split_autotune(k, n)
    bases = {m: results.catalog_fields(m) for m in models}
    if args.carry:
        carried = json.loads(open(args.carry).read())
        for m in models:
            if m in carried:
                bases[m]["checks"] = carried[m].get("checks", [])
    run_models(backend, models, plan, sink, args.deadline, bases, start_variants)
    _atomic_write(args.out, doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
