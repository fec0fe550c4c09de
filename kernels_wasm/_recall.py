"""Associative recall in a model's own memory, with no training: write N key-value pairs, read them back.

The sequence is N pairs (k_i, v_i), then D distractor pairs, then one read token whose query is a stored key
k_j and whose own key and value are zero, so it writes nothing (its step's gates still act, as they would).
The read is the model's output at that token, taken from its own mixing matrix, o = A v (api.apply_mixing):
the same kernel, live parameters and gates the model page runs. One sequence per read, so no read disturbs
another: every read sees exactly the memory the N + D writes left.

Glossary
    N            pairs          pairs written
    D            distractors    pairs written after them, never read
    k_i, v_i     keys, vals     (N, d_k), (N, d_v): unit vectors in the model's key space (values
                                orthonormal while N <= d_v); for a softmax readout (``unit_keys``
                                False) keys and queries take the length of the model's own (its
                                ``inputs`` set it: sigma), which is its temperature
    o_j          out            (R, d_v): the read with query k_j
    age          age            tokens written since the pair, including the distractors: N + D - i
    cos          sim            cos(o_j, v_i): the retrieved-vs-stored similarity matrix

Measures
    accuracy     the share of reads whose most similar stored value (cosine) is their own, argmax_i cos = j
    error        mean relative error ||o_j - v_j|| / ||v_j||   (a read scaled by beta or 1 - lambda counts)
    strength     o_j . v_j (values are unit vectors): how much of its own value comes back
    by age       strength against the pair's age: the forgetting curve

A model applies when its ``inputs`` give a query, a key and a value it does not compute itself: arrays named
q, k, v (or q1, k1, ...) of shape (T, ..., width). Heads and sub-steps (MQA, GQA, DeltaProduct) get the same
pair in every slot. Models whose keys are tied to a gate, or whose keys and values are projections of one
hidden vector, or which have no key at all (convolutions, state-space models on one input) do not; ``why``
says which.
"""

import re

import numpy as np

from . import api

ROLE = re.compile(r"^([qkv])\d*$")
GEOMETRIES = ("random", "orthogonal")
MAX_N = 256
MAX_READS = 32  # reads per measurement: enough for a share, and a forgetting curve over every age up to it


class NotApplicable(ValueError):
    """The probe does not apply to this model; the message says why, for the page."""


def roles(mod, x: dict) -> dict[str, list[str]]:
    """The input arrays that carry queries, keys and values: {"q": ["q"], "k": ["k"], "v": ["v"]}."""
    out = {"q": [], "k": [], "v": []}
    for name, arr in x.items():
        m = ROLE.match(name)
        if m and isinstance(arr, np.ndarray) and arr.ndim >= 2:
            out[m.group(1)].append(name)
    return out


def why(mod, x: dict) -> str | None:
    """None when the probe applies to the model whose seeded inputs are ``x``, else the reason."""
    r = roles(mod, x)
    names = ", ".join(x)
    if hasattr(mod, "values"):
        return (
            "its values are computed by the model (projections of the cached state, or outputs of its own "
            "recurrence), so independent key-value pairs cannot be written"
        )
    missing = [role for role in "qkv" if not r[role]]
    if missing:
        what = {"q": "query", "k": "key", "v": "value"}
        return (
            f"it takes no {' or '.join(what[m] for m in missing)} input (its inputs: {names}): "
            "its memory is not "
            "addressed by a key that can be set apart from the rest of the token"
        )
    widths = {x[n].shape[-1] for n in r["q"] + r["k"]}
    if len(widths) != 1:
        return "its queries and keys have different widths, so a stored key cannot be read back as a query"
    return None


def _unit(x):
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def make_keys(n: int, width: int, rng, geometry: str, correlation: float, positive: bool) -> np.ndarray:
    """n unit keys: random directions, or orthonormal ones as far as they go (the first ``width``; any beyond
    are random), mixed with one shared direction so that cos(k_i, k_j) is about ``correlation``. ``positive``
    draws them in the nonnegative orthant, where keys live when the model's feature map makes them nonnegative
    (orthogonal ones are then standard basis vectors)."""
    if geometry not in GEOMETRIES:
        raise ValueError(f"geometry: expected one of {', '.join(GEOMETRIES)}, got {geometry!r}")
    if not 0.0 <= correlation < 1.0:
        raise ValueError(f"correlation: expected a number in [0, 1), got {correlation}")
    g = rng.standard_normal((n, width))
    base = _unit(np.abs(g) if positive else g)
    if geometry == "orthogonal":
        m = min(n, width)
        if positive:
            base[:m] = np.eye(width)[rng.permutation(width)[:m]]
        else:
            Q, _ = np.linalg.qr(rng.standard_normal((width, width)))
            base[:m] = Q[:, :m].T
    if correlation == 0.0:
        return base
    shared = _unit(np.abs(rng.standard_normal(width)) if positive else rng.standard_normal(width))
    # sqrt(1 - c) u_i + sqrt(c) s: for orthonormal u_i orthogonal to s the pairwise cosine is exactly c
    return _unit(np.sqrt(1.0 - correlation) * base + np.sqrt(correlation) * shared)


def _rms_norm(a: np.ndarray) -> float:
    """The typical length of the model's own vectors (last axis): the scale its keys and queries have."""
    n = float(np.sqrt(np.mean(np.sum(a * a, axis=-1))))
    return n if n > 0 else 1.0


def _fill(arr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``rows`` (T, width) written into an array shaped like ``arr`` (T, ..., width), alike in each slot."""
    if arr.ndim == 2 and rows.shape == arr.shape:
        return rows  # one slot: the rows themselves (every caller passes a new array)
    shape = (rows.shape[0],) + (1,) * (arr.ndim - 2) + (rows.shape[1],)
    return np.broadcast_to(rows.reshape(shape), arr.shape).copy()


def _read(mod, x: dict) -> np.ndarray:
    """The model's output at the last token, o = A v, heads averaged (they all read the same pair)."""
    A = mod.mixing_matrix(**x)
    o = api.apply_mixing(np.asarray(A), x["v"])[-1].reshape(-1, x["v"].shape[-1])
    return o[0] if o.shape[0] == 1 else o.mean(axis=0)  # numpy's mean costs more than the read of one head


def recall(
    module: str,
    N: int,
    d: int,
    seed: int = 0,
    geometry: str = "random",
    correlation: float = 0.0,
    distractors: int = 0,
    repeat: bool = False,
    reads: int = MAX_READS,
    unit_keys: bool = False,
    **params,
) -> dict:
    """Write N pairs (and D distractors) into ``module``'s memory at width d, read up to ``reads`` of them.

    ``repeat`` writes the first key a second time, last, with a new value: the pair to recall is then the
    new one (an editing memory returns it; an additive one returns a blend). ``unit_keys`` keeps keys and
    queries at length 1, so a linear readout's S k_j is v_j itself rather than v_j ||k||^2 (the page passes it
    for the registry's linear readouts). Reads are spread evenly over the
    pairs, oldest to newest. Raises NotApplicable when the model has no key-value memory to probe, ValueError
    on bad settings.
    """
    for name, val, lo, hi in (
        ("N", N, 1, MAX_N),
        ("d", d, 1, 256),
        ("distractors", distractors, 0, 4 * MAX_N),
    ):
        if not (isinstance(val, (int, np.integer)) and lo <= val <= hi):
            raise ValueError(f"{name}: expected an integer in [{lo}, {hi}], got {val!r}")
    mod = api.load(module)
    writes = N + int(repeat) + distractors
    T = writes + 1
    x = dict(mod.inputs(T, d, np.random.default_rng(seed), **params))
    reason = why(mod, x)
    if reason:
        raise NotApplicable(reason)
    r = roles(mod, x)
    d_k, d_v = x[r["k"][0]].shape[-1], x["v"].shape[-1]
    positive = bool(all(np.all(x[n] >= 0) for n in r["q"] + r["k"]))
    rng = np.random.default_rng([seed, 1])
    keys = make_keys(N, d_k, rng, geometry, correlation, positive)
    # orthonormal values as far as they go, so a wrong read scores 0 against the right value, not noise
    vals = make_keys(N + int(repeat), d_v, rng, "orthogonal", 0.0, False)
    if distractors:  # the generator's last draws: with none, nothing after them changes by skipping them
        noise = make_keys(distractors, d_k, rng, "random", correlation, positive)
        noise_v = _unit(rng.standard_normal((distractors, d_v)))
    else:
        noise, noise_v = np.zeros((0, d_k)), np.zeros((0, d_v))
    written_k = np.concatenate([keys, keys[:1]] if repeat else [keys])
    k_scale = {n: 1.0 if unit_keys else _rms_norm(x[n]) for n in r["k"]}
    q_scale = {n: 1.0 if unit_keys else _rms_norm(x[n]) for n in r["q"]}
    v_scale = _rms_norm(x["v"])
    K = np.zeros((T, d_k))
    K[: N + int(repeat)], K[N + int(repeat) : writes] = written_k, noise
    V = np.zeros((T, d_v))
    V[: N + int(repeat)], V[N + int(repeat) : writes] = vals, noise_v
    for n in r["k"]:
        x[n] = _fill(x[n], K * k_scale[n])
    for n in r["v"]:
        x[n] = _fill(x[n], V * v_scale)
    target = vals[:N].copy()
    if repeat:
        target[0] = vals[N]  # the rewrite is what key 0 now stores
    R = min(reads, N)
    which = np.unique(np.round(np.linspace(0, N - 1, R)).astype(int))
    out = np.empty((which.size, d_v))
    for row, j in enumerate(which):
        Q = np.zeros((T, d_k))
        Q[:writes] = K[:writes]  # earlier tokens' queries do not touch the memory; the read is the last row
        Q[-1] = keys[j]
        for n in r["q"]:
            x[n] = _fill(x[n], Q * q_scale[n])
        out[row] = _read(mod, x) / v_scale
    stored = np.concatenate([target, vals[:1]]) if repeat else target  # the old value of key 0 is a decoy
    sim = _unit(out) @ _unit(stored).T  # (R, N (+1)) cosines
    own = sim[np.arange(which.size), which]
    err = np.linalg.norm(out - target[which], axis=1)
    age = writes - which - (which == 0) * int(repeat) * N  # the rewrite of key 0 is the last write
    return {
        "N": N,
        "d_k": d_k,
        "d_v": d_v,
        "positive": positive,
        "read": which,
        "age": age,
        "similarity": sim,
        "own": own,
        # how much of its own value comes back, o_j . v_j / ||v_j||^2: gamma^age under a scalar decay, beta
        # for one delta-rule write, the attention weight on the pair for softmax; 0 once forgotten
        "strength": np.einsum("rc,rc->r", out, target[which]),
        "out": out,
        "stored": stored,
        "correct": np.argmax(sim, axis=1) == which,
        "error": err,
        "accuracy": float(np.mean(np.argmax(sim, axis=1) == which)),
        "mean_error": float(np.mean(err)),
    }


def applies(module: str, d: int = 8, **params) -> str | None:
    """None when the probe applies to ``module``, else the reason (the page prints it)."""
    mod = api.load(module)
    return why(mod, mod.inputs(4, d, np.random.default_rng(0), **params))


def sweep(module: str, d: int, Ns, seed: int = 0, reads: int = 8, **settings) -> dict:
    """Accuracy and mean error at each N, ``reads`` reads each (spread over the ages)."""
    runs = [recall(module, int(n), d, seed=seed, reads=reads, **settings) for n in Ns]
    return {
        "N": [int(n) for n in Ns],
        "d_k": runs[0]["d_k"],
        "accuracy": [r["accuracy"] for r in runs],
        "error": [r["mean_error"] for r in runs],
    }


def d_width(module: str, d: int, params: dict) -> int:
    """The memory's key width d_k at model width d (a feature map may widen it: BASED's Taylor features)."""
    mod = api.load(module)
    x = mod.inputs(4, d, np.random.default_rng(0), **params)
    reason = why(mod, x)
    if reason:
        raise NotApplicable(reason)
    return x[roles(mod, x)["k"][0]].shape[-1]
