"""Torch side of the harness: one adapter per GPU kernel (imported only inside a benchmark worker).

An adapter knows how to draw the kernel's inputs at a shape, call the public kernel (declared by its import
path, shown by its label), map its inputs onto the model's kernels_wasm module for the float64 reference
(``reference_args``, numpy only, run by :mod:`zoo.bench.wasm`; the CPU tests load the adapters without a GPU
and reach every mapping) and, where the model decodes step by step, set up one decoding step. Adapters are
keyed by the name in each model's ``gpu_kernel.adapter`` in models.yaml (read by :mod:`zoo.bench.catalog`),
which is the ``name`` a class sets in its own body; `zoo validate` reads those names from the family modules
without importing torch. A new GPU kernel is one named class in its family's module.

    base      the Adapter base class, shared decode, lazy imports
    softmax   SDPA and its variants, fla's parallel attention kernels, DeltaFormer, Mega
    sparse    FlexAttention masks (StreamingLLM, BigBird, MoBA) and NSA
    linear    linear and gated linear attention, slot memories, mLSTM
    delta     delta-rule and test-time-training memories
    ssm       scans, state spaces and FFT convolutions
"""

from __future__ import annotations

from . import delta, linear, softmax, sparse, ssm
from .base import DEV, Adapter, load_mamba_ssm_triton, np64

__all__ = ["ADAPTERS", "DEV", "FAMILIES", "Adapter", "load_mamba_ssm_triton", "np64"]

FAMILIES = (softmax, sparse, linear, delta, ssm)


def _named(module) -> list[type[Adapter]]:
    """The classes a family module defines that name themselves (bases shared by several adapters do not)."""
    own = [c for c in vars(module).values() if isinstance(c, type) and c.__module__ == module.__name__]
    return [c for c in own if issubclass(c, Adapter) and "name" in vars(c)]


ADAPTERS: dict[str, type[Adapter]] = {c.name: c for family in FAMILIES for c in _named(family)}
if len(ADAPTERS) != sum(len(_named(f)) for f in FAMILIES):
    raise RuntimeError("two GPU adapters share a name: each `name` must be unique across zoo/bench/adapters/")
