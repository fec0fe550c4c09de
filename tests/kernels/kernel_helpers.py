"""What every kernel test file needs: a kernel module by name, its seeded inputs, o = A v, and closeness."""

import numpy as np

from kernels_wasm import api

TOL = 1e-10


def load(name):
    """The kernels_wasm module of ``name`` (a module name or a model id: dashes become underscores)."""
    return api.load(name.replace("-", "_"))


def draw(name, T, d, seed=0, **params):
    return load(name).inputs(T, d, np.random.default_rng(seed), **params)


def values(mod, x):
    """The values A mixes: the input v, or what the module computes (MLA up-projects them from the cached
    latent, so its v is not an input; sLSTM's written values are outputs of its own nonlinear recurrence)."""
    return mod.values(**x) if hasattr(mod, "values") else x["v"]


def apply_mixing(A, v):
    """o = A v for the shapes of A: (T, T); per channel (d_v, T, T); several sub-steps per token (T, T n);
    per output channel reading every input channel (d_v, T, T d_v), multi-input SSMs such as S5; per query
    head (H, T, T) with v (T, G, d_v) of G key-value heads, heads side by side (see _heads.py)."""
    v = np.asarray(v, dtype=np.float64)
    if A.ndim == 3 and v.ndim == 3:
        g = np.arange(A.shape[0]) // (A.shape[0] // v.shape[1])  # query head h reads KV head g(h)
        return np.einsum("hts,shc->thc", A, v[:, g]).reshape(A.shape[1], -1)
    if A.ndim == 3 and A.shape[2] != v.shape[0]:
        return np.einsum("ctj,j->tc", A, v.reshape(-1))  # column j = s d_v + h reads v[s, h]
    if A.ndim == 3:
        return np.einsum("cts,sc->tc", A, v)
    return A @ v.reshape(A.shape[1], -1)



def close(a, b, tol=TOL):
    """a equals b to ``tol`` times the larger of 1 and b's largest entry."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(1.0, float(np.max(np.abs(b)))) if b.size else 1.0
    err = float(np.max(np.abs(a - b))) if a.size else 0.0
    assert err <= tol * scale, f"max |difference| {err:.3e} > {tol:.0e} x {scale:.3g}"
