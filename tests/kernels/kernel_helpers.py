"""What every kernel test file needs: a kernel module by name, its seeded inputs, o = A v, and closeness."""

import numpy as np

from kernels_wasm import api

TOL = 1e-10


def load(name):
    """The kernels_wasm module of ``name`` (a module name or a model id: dashes become underscores)."""
    return api.load(name.replace("-", "_"))


def draw(name, T, d, seed=0, **params):
    return load(name).inputs(T, d, np.random.default_rng(seed), **params)


def apply_mixing(A, v):
    """o = A v for the shapes of A: (T, T); per channel (d_v, T, T); several sub-steps per token (T, T n);
    per output channel reading every input channel (d_v, T, T d_v), multi-input SSMs such as S5."""
    v = np.asarray(v, dtype=np.float64)
    if A.ndim == 3 and A.shape[2] != v.shape[0]:
        return np.einsum("ctj,j->tc", A, v.reshape(-1))  # column j = s d_v + h reads v[s, h]
    if A.ndim == 3:
        return np.einsum("cts,sc->tc", A, v)
    return A @ v.reshape(A.shape[1], -1)


def mixed_values(mod, x):
    """What the mixing matrix multiplies: the inputs' v, or, for a recurrence that is nonlinear in its past
    (sLSTM), the values that trajectory actually wrote, which the module returns from mixed_values()."""
    return mod.mixed_values(**x) if hasattr(mod, "mixed_values") else x["v"]


def close(a, b, tol=TOL):
    """a equals b to ``tol`` times the larger of 1 and b's largest entry."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(1.0, float(np.max(np.abs(b)))) if b.size else 1.0
    err = float(np.max(np.abs(a - b))) if a.size else 0.0
    assert err <= tol * scale, f"max |difference| {err:.3e} > {tol:.0e} x {scale:.3g}"
