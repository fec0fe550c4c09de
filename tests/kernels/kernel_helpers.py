"""What every kernel test file needs: a kernel module by name, its seeded inputs, o = A v, and closeness."""

import numpy as np

from kernels_wasm import api
from kernels_wasm.api import apply_mixing, values  # noqa: F401  (o = A v; the tests import them from here)

TOL = 1e-10


def load(name):
    """The kernels_wasm module of ``name`` (a module name or a model id: dashes become underscores)."""
    return api.load(name.replace("-", "_"))


def draw(name, T, d, seed=0, **params):
    return load(name).inputs(T, d, np.random.default_rng(seed), **params)


def close(a, b, tol=TOL):
    """a equals b to ``tol`` times the larger of 1 and b's largest entry."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(1.0, float(np.max(np.abs(b)))) if b.size else 1.0
    err = float(np.max(np.abs(a - b))) if a.size else 0.0
    assert err <= tol * scale, f"max |difference| {err:.3e} > {tol:.0e} x {scale:.3g}"
