"""Input validation shared by every kernel: a wrong shape or dtype is a clear ValueError, not a trace."""

import numpy as np


def as_matrix(name: str, x, T: int | None = None, d: int | None = None) -> np.ndarray:
    """Return ``x`` as a float64 (T, d) array, or raise ValueError naming the argument."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{name}: expected a real-valued array, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected shape (T, d), got {arr.shape}")
    if T is not None and arr.shape[0] != T:
        raise ValueError(f"{name}: expected {T} time steps (rows), got {arr.shape[0]}")
    if d is not None and arr.shape[1] != d:
        raise ValueError(f"{name}: expected width {d}, got {arr.shape[1]}")
    return arr.astype(np.float64, copy=False)


def as_gate(name: str, x, T: int, d: int | None = None) -> np.ndarray:
    """A gate is (T,) (one scalar per step) or (T, d) (one value per channel)."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{name}: expected a real-valued array, got dtype {arr.dtype}")
    if (
        arr.ndim == 0
        or arr.shape[0] != T
        or arr.ndim > 2
        or (arr.ndim == 2 and d is not None and arr.shape[1] != d)
    ):
        want = f"({T},)" if d is None else f"({T},) or ({T}, {d})"
        raise ValueError(f"{name}: expected shape {want}, got {arr.shape}")
    return arr.astype(np.float64, copy=False)


def step_gate(name: str, x, T: int) -> np.ndarray:
    """A gate with one scalar per step, shape (T,): the write strength of the delta rule, say."""
    arr = as_gate(name, x, T)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected one value per token, shape ({T},), got {arr.shape}")
    return arr


def qkv(q, k, v) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate the usual triple: q, k (T, d_k) and v (T, d_v)."""
    q = as_matrix("q", q)
    T, d_k = q.shape
    k = as_matrix("k", k, T, d_k)
    v = as_matrix("v", v, T)
    return q, k, v
