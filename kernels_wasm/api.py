"""One entry point for every caller: build-time figures, tests and the browser's live runs.

``simulate("gated_deltanet", T=8, d=8, seed=0, beta=0.5)`` draws the model's seeded inputs, runs its
literal recurrence (``states``), and returns the output, the effective mixing matrix A (o = A v) and the
state norms.
"""

import importlib

import numpy as np


def load(module: str):
    """Import ``kernels_wasm.<module>``; unknown names are a ValueError, not an ImportError."""
    if not module.isidentifier():
        raise ValueError(f"kernel module name {module!r} is not a Python identifier")
    try:
        return importlib.import_module(f"{__package__}.{module}")
    except ModuleNotFoundError as err:
        raise ValueError(f"no kernel module kernels_wasm/{module}.py") from err


def checksum(arr) -> float:
    """A stable scalar fingerprint of an array: sum of entries weighted by 1, 2, 3, ... (order-sensitive).

    Browser tests compare this number computed under Pyodide with the one from CPython.
    """
    flat = np.asarray(arr, dtype=np.float64).ravel()
    return round(float(np.dot(flat, np.arange(1, flat.size + 1, dtype=np.float64))) / max(flat.size, 1), 9)


def compact_parts(compact) -> tuple:
    """The arrays of a kernel's compact mixing form (``mixing_compact``): one array, or a tuple of them."""
    return compact if isinstance(compact, tuple) else (compact,)


def compact_checksum(compact) -> float:
    """The fingerprint of a compact mixing form: the sum of its arrays' checksums (one array: its own)."""
    return sum(checksum(a) for a in compact_parts(compact))


def values(mod, x: dict):
    """The values A mixes: the input v, or what the module computes (MLA up-projects them from the cached
    latent, so its v is not an input; sLSTM's written values are outputs of its own nonlinear recurrence)."""
    return mod.values(**x) if hasattr(mod, "values") else x["v"]


def apply_mixing(A, v) -> np.ndarray:
    """o = A v for the shapes of A: (T, T); per channel (d_v, T, T); several sub-steps per token (T, T n);
    per output channel reading every input channel (d_v, T, T d_v), multi-input SSMs such as S5; per query
    head (H, T, T) with v (T, G, d_v) of G key-value heads, heads side by side (see _heads.py)."""
    v = np.asarray(v, dtype=np.float64)
    if A.ndim == 3 and v.ndim == 3:
        g = np.arange(A.shape[0]) // (A.shape[0] // v.shape[1])  # query head h reads KV head g(h)
        return np.einsum("hts,shc->thc", A, v[:, g]).reshape(A.shape[1], -1)
    if A.ndim == 3 and A.shape[2] != v.shape[0]:
        return np.einsum("ctj,j->tc", A, v.reshape(-1))  # column j = s d_v + h reads v[s, h]
    if A.ndim == 3:  # o[t, c] = sum_s A[c, t, s] v[s, c], as one stacked matrix-vector product
        return np.matmul(A, v.T[:, :, None])[:, :, 0].T
    return A @ v.reshape(A.shape[1], -1)


def simulate(
    module: str, T: int = 8, d: int = 8, seed: int = 0, channel: int | None = None, **params
) -> dict:
    """Run one model on seeded inputs and return what the figures show.

    ``channel`` (0-based) asks for one slice of a 3-D mixing matrix only, as a live run draws it. Kernels
    whose A is too large to build on every run (multi-input SSMs: (H, T, T H), 128 MiB at T = 128, d = 32)
    declare ``mixing_compact`` (a smaller array that fixes A exactly, e.g. S5's lags) and ``mixing_slice``
    (one channel of A from it): for them A is then that (T, T n) slice, and the output comes from the
    recurrence rather than from A v. Either way the checksum is the same, because it fingerprints the
    compact form when there is one. A compact form is one array or a tuple of arrays (parts shared by the
    channels, such as Mamba's B_t and C_t, are kept once); its first array has the channels on axis 1.
    """
    if not (1 <= T <= 4096 and 1 <= d <= 256):
        raise ValueError(f"T must be in [1, 4096] and d in [1, 256], got T={T}, d={d}")
    mod = load(module)
    x = mod.inputs(T, d, np.random.default_rng(seed), **params)
    compact = mod.mixing_compact(**x) if hasattr(mod, "mixing_compact") else None
    # One pass over the sequence per run, for the live panel's sake (a run per slider move, in WebAssembly):
    # the states come from the recurrence (``states``), the mixing matrix from ``mixing_matrix``, and the
    # output is o = A v. tests/kernels/test_every_kernel.py holds every kernel to A v == recurrent(...) (to
    # 1e-10) and this function's o to the literal recurrence, so the output is the recurrence's output
    # without running the sequence a second time.
    if compact is not None and channel is not None:
        channels = compact_parts(compact)[0].shape[1]
        A = mod.mixing_slice(compact, min(max(int(channel), 0), channels - 1))
    else:
        A = mod.mixing_matrix(**x)
        channels = A.shape[0] if np.ndim(A) == 3 else 0
    # With a compact form, o is the recurrence's output whether or not A was built, so that a live run and
    # the build's run of the same inputs give the same checksum to the last digit.
    # A kernel may read o off the states this run computes anyway (``readout(S, **inputs)``, Mamba's
    # o_t = S_t C_t + D x_t) or name a loop-free form (COMPACT_OUTPUT, e.g. "parallel"): simulate's o is held
    # to the recurrence to 1e-10, and under Pyodide a T-step Python loop costs more than the arithmetic.
    S = mod.states(**x) if hasattr(mod, "states") else None
    if compact is not None and hasattr(mod, "readout"):
        o = np.asarray(mod.readout(S, **x), dtype=np.float64)
    elif compact is not None:
        o = np.asarray(getattr(mod, getattr(mod, "COMPACT_OUTPUT", "recurrent"))(**x), dtype=np.float64)
    else:
        o = apply_mixing(A, values(mod, x))
    state_norm = None
    if S is not None:
        S = np.asarray(S)
        flat = S.reshape(S.shape[0], -1)
        state_norm = np.sqrt(np.einsum("ij,ij->i", flat, flat))  # Frobenius norm per step, no squared copy
    return {
        "inputs": x,
        "o": o,
        "A": A,  # the whole mixing matrix, or with ``channel`` and a compact form, that channel's slice
        "channels": channels,  # what the leading axis of the whole A counts (0: A is one (T, T n) matrix)
        "compact": compact,
        "states": S,
        "state_norm": state_norm,
        "checksum": checksum(o) + (checksum(A) if compact is None else compact_checksum(compact)),
        # what the leading axis of a 3-D A indexes: a value channel (Mamba-1, S4) or a query head (GQA, MLA)
        "slices": getattr(mod, "MIXING_SLICES", "channel") if channels else None,
    }
