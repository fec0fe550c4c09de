"""The harness's float64 reference: the site's own numpy kernels (kernels_wasm) on every slice of the input.

The mathematics is written once, in kernels_wasm/<module>.py (what the site shows and runs in the browser).
kernels_wasm writes one head as (T, d) arrays in the zoo's conventions (gates as values in (0, 1], no
1/sqrt(d) on linear readouts); the GPU kernels take log-space gates, their own scales and batched layouts.
Each adapter's ``reference_args(x, b, h)`` turns its inputs (numpy, float64, the kernel's layout) into
kernels_wasm arguments for one slice, ``layout`` names the layout the kernel returns and ``reference_fn`` the
kernels_wasm function (``recurrent`` unless the GPU kernel runs a documented part of the model).
:func:`reference` runs that function of the model's module on every slice and assembles the kernel-shaped
output. This module holds only that loop and the helpers the mappings share (numpy only).
"""

from __future__ import annotations

import importlib

import numpy as np


def head(x, b, h):
    """(B, T, H, ...) -> (T, ...) for one batch row and head."""
    return x[b, :, h]


def hf(x, b, h):
    """head-first (B, H, T, ...) -> (T, ...)."""
    return x[b, h]


def head_qkv(x, b, h, qscale=1.0):
    return {"q": head(x["q"], b, h) * qscale, "k": head(x["k"], b, h), "v": head(x["v"], b, h)}


def isqrt(x):
    return x["q"].shape[-1] ** -0.5


def decay(x, b, h, name="g"):
    """A log-space gate of one head as kernels_wasm's multiplicative decay exp(g)."""
    return np.exp(head(x[name], b, h))


def hf_qkv(x, b, h):
    return {"q": hf(x["q"], b, h), "k": hf(x["k"], b, h), "v": hf(x["v"], b, h)}


def heads_last(x, b, names):
    """(B, heads, T, d) -> (T, heads, d) for one batch row: kernels_wasm's grouped and latent modules take
    every head of a token together."""
    return {n: x[n][b].transpose(1, 0, 2) for n in names}


# Output layouts: "bthv" (B, T, H, V) and "bhtv" (B, H, T, V) are sliced per batch row and head; the
# per-channel models return "btc" (B, T, C) or "bct" (B, C, T), all C channels in one kernels_wasm call;
# "bthv_all" is (B, T, H, V) from one call per batch row with every head (models whose heads share a cache).
LAYOUTS = ("bthv", "bhtv", "btc", "bct", "bthv_all")


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


def module_name(model_id: str) -> str:
    return model_id.replace("-", "_")


def reference(model_id: str, x: dict, adapter, shape: tuple) -> np.ndarray | None:
    """kernels_wasm's output for the whole input, in the kernel's output ``shape``; None without a mapping.
    The mapping is the adapter's; the module is the model's (one adapter may serve several models)."""
    if adapter.reference_args is None:
        return None
    fn = getattr(importlib.import_module(f"kernels_wasm.{module_name(model_id)}"), adapter.reference_fn)
    args_of, layout = adapter.reference_args, adapter.layout
    out = np.empty(shape, dtype=np.float64)
    for b in range(shape[0]):
        if layout == "btc":
            out[b] = fn(**args_of(x, b, None))
        elif layout == "bthv_all":  # every head in one call (grouped and latent caches): (T, H * V)
            out[b] = fn(**args_of(x, b, None)).reshape(shape[1:])
        elif layout == "bct":
            out[b] = fn(**args_of(x, b, None)).T
        else:
            for h in range(shape[2] if layout == "bthv" else shape[1]):
                o = fn(**args_of(x, b, h))
                if layout == "bthv":
                    out[b, :, h] = o
                else:
                    out[b, h] = o
    return out


def describe(model_id: str, adapter) -> str:
    """What the check compares against, for the result file."""
    if adapter.reference_args is None:
        return "no kernels_wasm mapping"
    fn = f"kernels_wasm.{module_name(model_id)}.{adapter.reference_fn}"
    return f"{fn} (float64) on every batch row and head"
