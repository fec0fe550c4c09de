"""The GPU adapters on a machine without a GPU, for the tests of their float64 reference mappings.

The adapters import torch at module level but build tensors only inside methods; their reference mappings
(reference_args) are numpy. Where torch is installed the adapters load with it on the CPU; elsewhere with
stand-ins for the torch modules, so the mappings run as they are and anything that builds a tensor fails.
Either way the loaded modules leave sys.modules again, so no other test sees them.
"""

import importlib
import os
import sys
from unittest import mock

from zoo.bench import catalog, wasm

HEAVY = ("torch", "torch.nn", "torch.nn.functional", "torch.nn.attention", "triton", "einops")


def _load():
    try:
        import torch  # noqa: F401

        stand_ins = {}
    except ImportError:
        stand_ins = {name: mock.MagicMock() for name in HEAVY}
    package = sys.modules["zoo.bench"]
    before = {m: sys.modules[m] for m in list(sys.modules) if m.startswith("zoo.bench.adapters")}
    before.update({name: sys.modules[name] for name in stand_ins if name in sys.modules})
    had = package.__dict__.get("adapters")
    env = os.environ.get("ZOO_BENCH_DEVICE")
    os.environ["ZOO_BENCH_DEVICE"] = "cpu"  # read when the package is imported
    try:
        for m in before:
            del sys.modules[m]
        sys.modules.update(stand_ins)
        return importlib.import_module("zoo.bench.adapters")
    finally:
        for m in [m for m in sys.modules if m.startswith("zoo.bench.adapters")] + list(stand_ins):
            del sys.modules[m]
        sys.modules.update(before)
        if had is None:
            package.__dict__.pop("adapters", None)
        else:
            package.adapters = had
        if env is None:
            os.environ.pop("ZOO_BENCH_DEVICE")
        else:
            os.environ["ZOO_BENCH_DEVICE"] = env


adapters = _load()


def adapter(model: str, **attrs):
    """A fresh instance of the adapter models.yaml names for `model`, with attributes set for the test."""
    ad = adapters.ADAPTERS[catalog.KERNELS[model].adapter]()
    for name, value in attrs.items():
        setattr(ad, name, value)
    return ad


def ref(model: str, x: dict, shape: tuple, **attrs):
    """The harness's float64 reference for `model` on numpy inputs x in its kernel's layout."""
    return wasm.reference(model, x, adapter(model, **attrs), shape)
