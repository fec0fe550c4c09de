"""The linear-readout kernels, beyond the contract every registry kernel keeps (test_every_kernel.py): forms
agree under strong decay, states are what the output reads, long sequences stay finite, every form rejects
bad inputs, and each lineage reduction (a parameter setting that turns a child model into its parent) holds
to 1e-10 in float64. MODELS holds per-model settings (extra forms, chunk sizes, strong-decay parameters)."""

from pathlib import Path

import numpy as np
import pytest
from kernel_helpers import close, draw, load

from kernels_wasm import (
    comba,
    deltanet,
    deltaproduct,
    gated_deltanet,
    gdn_2,
    gla,
    hgrn2,
    kda,
    linear_attention,
    log_linear_attention,
    longhorn,
    mamba,
    mamba_2,
    mamba_3,
    performer,
    preconditioned_deltanet,
    retnet,
    rwkv_4,
    rwkv_6,
    rwkv_7,
    titans,
    ttt,
)

ROOT = Path(__file__).resolve().parents[2]

# name -> (extra forms beyond recurrent/parallel/chunked, chunk sizes or None, strong-decay params)
MODELS = {
    "linear_attention": ((), (1, 3, 16), {"normalise": 1}),
    "performer": ((), (1, 3, 16), {"features": 8}),
    "retnet": ((), (1, 3, 16), {"gamma": 0.01}),
    "gla": ((), (1, 3, 16), {"tau": 0.05}),
    "mamba": (("scan",), (1, 3, 16), {"dt": 5.0}),
    "mamba_2": ((), (1, 3, 16), {"a": 50.0}),
    "mamba_3": ((), (1, 3, 16), {"a": 50.0, "rot": 1.0}),
    "deltanet": ((), (1, 3, 16), {"beta": 1.0}),
    "gated_deltanet": ((), (1, 3, 16), {"a": 20.0, "beta": 1.0}),
    "comba": ((), (1, 3, 16), {"a": 20.0, "beta": 1.0, "corr": 1.0}),
    "preconditioned_deltanet": ((), (1, 3, 16), {"a": 20.0, "beta": 1.0, "x": 2.0, "c": -3.0}),
    "kda": ((), (1, 3, 16), {"a": 20.0, "beta": 1.0}),
    "gdn_2": ((), (1, 3, 16), {"a": 20.0, "erase": 1.0}),
    "deltaproduct": ((), (1, 3, 16), {"a": 20.0, "householder": 3}),
    "longhorn": (("scan",), (1, 3, 16), {"beta": 1.0}),
    "ttt": ((), None, {"eta": 1.0, "batch": 16}),
    "titans": ((), None, {"theta": 1.0, "eta": 0.9, "alpha": 1.0, "batch": 4}),
    "log_linear_attention": ((), (1, 2, 16), {"a": 20.0, "delta": 1}),
    "hgrn2": ((), (1, 3, 16), {"lower_bound": 0.0}),
    "rwkv_4": (("recurrent_stable",), (), {"w": 20.0}),
    "rwkv_6": ((), (1, 3, 16), {"decay": 50.0}),
    "rwkv_7": ((), (1, 3, 16), {"decay": 20.0, "a": 1.0}),
}


def all_forms(name, x):
    """(form name, output) for every form the module has, recurrent first."""
    mod = load(name)
    extra, chunks, _ = MODELS[name]
    out = [("recurrent", mod.recurrent(**x))]
    if hasattr(mod, "parallel"):
        out.append(("parallel", mod.parallel(**x)))
    if chunks is None:
        out.append(("chunked", mod.chunked(**x)))
    else:
        out += [(f"chunked[{c}]", mod.chunked(**x, chunk_size=c)) for c in chunks]
    out += [(form, getattr(mod, form)(**x)) for form in extra]
    return out


# ---------------------------------------------------------------------------------------------- forms agree


@pytest.mark.parametrize("name", MODELS)
def test_forms_agree_under_strong_decay(name):
    """Log-space decays: chunked and parallel forms survive gates near 0 without overflow or nan."""
    x = draw(name, 37, 4, seed=3, **MODELS[name][2])
    forms = all_forms(name, x)
    for form, out in forms[1:]:
        assert np.all(np.isfinite(out)), form
        close(out, forms[0][1])


# ------------------------------------------------------------------------------------------------- states


def _readouts():
    """How each model reads its reported state: o_t from states()[t] (and inputs), or None if not S_t q_t."""

    def plain(x, S):
        return np.einsum("tij,tj->ti", S, np.asarray(x["q"]))

    def log_linear(x, S):
        return np.einsum("tl,tlij,tj->ti", x["lam"], S, x["q"])

    def rwkv6(x, S):
        prev = np.concatenate([np.zeros_like(S[:1]), S[:-1]])  # reads S_{t-1} plus the bonus
        bonus = x["v"] * np.sum(x["q"] * x["u"] * x["k"], axis=1, keepdims=True)
        return np.einsum("tij,tj->ti", prev, x["q"]) + bonus

    def rwkv4(x, S):
        a = np.concatenate([np.zeros_like(S[:1, :, 0]), S[:-1, :, 0]])
        b = np.concatenate([np.zeros_like(S[:1, :, 1]), S[:-1, :, 1]])
        e = np.exp(x["u"] + x["k"])
        return (1.0 / (1.0 + np.exp(-x["q"]))) * (a + e * x["v"]) / (b + e)

    def la(x, S):
        o = plain(x, S)
        return o / np.sum(np.cumsum(x["k"], axis=0) * x["q"], axis=1, keepdims=True) if x["normalise"] else o

    def perf(x, S):
        fq, fk = performer.feature_map(x["q"], x["omega"]), performer.feature_map(x["k"], x["omega"])
        return np.einsum("tij,tj->ti", S, fq) / np.sum(np.cumsum(fk, axis=0) * fq, axis=1, keepdims=True)

    def mamba_skip(x, S):
        return plain(x, S) + x["D"] * x["v"]

    def comba_corrected(x, S):
        return np.einsum("tij,tj->ti", S, x["q"] - x["d"] * x["k"])

    special = {
        "log_linear_attention": log_linear,
        "rwkv_6": rwkv6,
        "rwkv_4": rwkv4,
        "linear_attention": la,
        "performer": perf,
        "mamba": mamba_skip,
        "comba": comba_corrected,
    }
    return {name: special.get(name, plain) for name in MODELS}


READOUT = _readouts()


@pytest.mark.parametrize("name", MODELS)
def test_states_are_the_state_the_output_reads(name):
    x = draw(name, 13, 4, seed=11, **({"skip": 0.7} if name == "mamba" else {}))
    mod = load(name)
    S = mod.states(**x)
    assert S.shape[0] == 13 and np.all(np.isfinite(S))
    close(READOUT[name](x, S), mod.recurrent(**x))


# --------------------------------------------------------------------------------------- long sequences


FASTEST = {"mamba": "scan", "longhorn": "scan", "rwkv_4": "recurrent_stable", "ttt": "chunked"}


@pytest.mark.parametrize("name", MODELS)
def test_long_sequence_with_strong_decay_is_finite(name):
    T = 4096
    x = draw(name, T, 4, seed=5, **MODELS[name][2])
    form = FASTEST.get(name, "chunked")
    o = getattr(load(name), form)(**x)
    assert o.shape == (T, 4) and np.all(np.isfinite(o))
    # a decaying model forgets: late outputs stay of the order of one token's contribution
    assert np.max(np.abs(o[-256:])) < 1e3


# ----------------------------------------------------------------------------------------- bad inputs


def _mutations(x, T):
    """(key, bad value) pairs: a wrong shape and a wrong dtype for every input."""
    for key, val in x.items():
        arr = np.asarray(val)
        if arr.ndim == 0:  # scalars and flags
            yield key, np.ones(3)
            yield key, "0.5"
            continue
        if arr.shape[0] == T:  # time-indexed: drop a step
            yield key, arr[:-1]
        else:  # parameters: wrong last axis
            yield key, arr[..., :-1]
        yield key, arr.astype(np.complex128)
        yield key, arr.astype(str)


FORM_NAMES = ["recurrent", "parallel", "chunked", "mixing_matrix", "states", "scan", "recurrent_stable"]


@pytest.mark.parametrize("name", MODELS)
def test_bad_inputs_raise_value_error(name):
    T = 6
    x = draw(name, T, 4)
    mod = load(name)
    forms = [getattr(mod, f) for f in FORM_NAMES if hasattr(mod, f)]
    count = 0
    for key, bad in _mutations(x, T):
        for form in forms:
            with pytest.raises(ValueError):
                form(**{**x, key: bad})
            count += 1
    assert count >= 6
    with pytest.raises(ValueError):
        mod.recurrent(**{**x, "v": np.zeros((T,))})  # a 1-D value
    if "chunked" in dir(mod) and MODELS[name][1] is not None:
        with pytest.raises(ValueError):
            mod.chunked(**x, chunk_size=0)


def test_log_linear_chunk_size_must_be_a_power_of_two():
    x = draw("log_linear_attention", 20, 3)
    with pytest.raises(ValueError, match="power of two"):
        log_linear_attention.chunked(**x, chunk_size=3)


def test_ttt_chunk_is_the_mini_batch():
    x = draw("ttt", 20, 3, batch=4)
    with pytest.raises(ValueError, match="mini-batch"):
        ttt.chunked(**x, chunk_size=8)


# --------------------------------------------------------------------------------- seeded inputs, api


@pytest.mark.parametrize("name", MODELS)
def test_inputs_are_seeded_and_params_do_not_reshuffle_the_draws(name):
    a = draw(name, 10, 4, seed=1)
    b = draw(name, 10, 4, seed=1)
    for key in a:
        assert np.array_equal(np.asarray(a[key]), np.asarray(b[key])), key
    other = {"normalise": 0} if name == "linear_attention" else dict(MODELS[name][2])
    other.pop("delta", None)  # (log-linear's delta variant normalises q and k by design)
    c = draw(name, 10, 4, seed=1, **other)
    assert np.array_equal(a["q"], c["q"])  # a slider moves the gates, not the random draws
    assert not all(np.array_equal(np.asarray(a[k]), np.asarray(c[k])) for k in a)
    d = draw(name, 10, 4, seed=2)
    assert not np.array_equal(a["q"], d["q"])


# ------------------------------------------------------------------------------------------ reductions


@pytest.fixture
def base():
    """Shared random inputs for the reductions: q, k normalised, gates in (0, 1)."""
    rng = np.random.default_rng(2024)
    T, d = 23, 5
    return {
        "T": T,
        "d": d,
        "q": rng.standard_normal((T, d)) / np.sqrt(d),
        "qn": deltanet.inputs(T, d, rng)["q"],
        "k": deltanet.inputs(T, d, rng)["k"],
        "v": rng.standard_normal((T, d)),
        "alpha": rng.uniform(0.6, 1.0, T),
        "alpha_vec": rng.uniform(0.6, 1.0, (T, d)),
        "beta": rng.uniform(0.1, 1.0, T),
        "dt": rng.uniform(0.05, 0.5, T),
    }


def test_gated_deltanet_with_alpha_one_is_deltanet(base):
    b = base
    o = gated_deltanet.recurrent(b["qn"], b["k"], b["v"], alpha=np.ones(b["T"]), beta=b["beta"])
    close(o, deltanet.recurrent(b["qn"], b["k"], b["v"], beta=b["beta"]))


def test_comba_reductions(base):
    """Without decay or output correction Comba is DeltaNet; with decay it is not Gated DeltaNet, whose decay
    also scales the erase term, unless the feedback strength carries that decay: beta~ = alpha beta (the
    gated delta rule's row of the paper's Table 3, v_new = v - alpha S k)."""
    b = base
    one = np.ones(b["T"])
    o = comba.recurrent(b["qn"], b["k"], b["v"], alpha=one, beta=b["beta"], beta_tilde=b["beta"], d=0.0)
    close(o, deltanet.recurrent(b["qn"], b["k"], b["v"], beta=b["beta"]))
    o = comba.recurrent(b["qn"], b["k"], b["v"], alpha=b["alpha"], beta=b["beta"], beta_tilde=b["beta"], d=0)
    gdn = gated_deltanet.recurrent(b["qn"], b["k"], b["v"], alpha=b["alpha"], beta=b["beta"])
    assert np.max(np.abs(o - gdn)) > 1e-3
    tilde = b["alpha"] * b["beta"]
    o = comba.recurrent(b["qn"], b["k"], b["v"], alpha=b["alpha"], beta=b["beta"], beta_tilde=tilde, d=0.0)
    close(o, gdn)


def test_preconditioned_deltanet_reductions(base):
    """x = 1 switches the preconditioner off: Gated DeltaNet, and DeltaNet with alpha = 1 as well."""
    b = base
    T = b["T"]
    curvature = {"gamma": np.full(T, 0.9), "eta": np.full(T, 0.5), "c": -0.2}
    o = preconditioned_deltanet.recurrent(b["qn"], b["k"], b["v"], b["alpha"], b["beta"], x=1.0, **curvature)
    close(o, gated_deltanet.recurrent(b["qn"], b["k"], b["v"], alpha=b["alpha"], beta=b["beta"]))
    o = preconditioned_deltanet.recurrent(b["qn"], b["k"], b["v"], np.ones(T), b["beta"], x=1.0, **curvature)
    close(o, deltanet.recurrent(b["qn"], b["k"], b["v"], beta=b["beta"]))
    o = preconditioned_deltanet.recurrent(b["qn"], b["k"], b["v"], b["alpha"], b["beta"], x=1.5, **curvature)
    gdn = gated_deltanet.recurrent(b["qn"], b["k"], b["v"], alpha=b["alpha"], beta=b["beta"])
    assert np.max(np.abs(o - gdn)) > 1e-3


def test_gla_with_gates_one_is_linear_attention(base):
    b = base
    o = gla.recurrent(b["q"], b["k"], b["v"], alpha=np.ones((b["T"], b["d"])))
    close(o, linear_attention.recurrent(b["q"], b["k"], b["v"], normalise=False))


def test_mamba2_is_scalar_gated_linear_attention(base):
    """SSD: Mamba-2 = GLA with a scalar gate exp(dt A), q = C, k = B, v = x dt."""
    b = base
    A = -1.3
    o = mamba_2.recurrent(b["q"], b["k"], b["v"], dt=b["dt"], A=A)
    alpha = np.repeat(np.exp(b["dt"] * A)[:, None], b["d"], axis=1)
    close(o, gla.recurrent(b["q"], b["k"], b["v"] * b["dt"][:, None], alpha=alpha))


def test_gla_with_a_constant_scalar_gate_is_retnet(base):
    b = base
    o = gla.recurrent(b["q"], b["k"], b["v"], alpha=np.full((b["T"], b["d"]), 0.77))
    close(o, retnet.recurrent(b["q"], b["k"], b["v"], gamma=0.77))


def orthonormal_keys(T, d, seed):
    """T <= d mutually orthogonal unit keys: nothing stored under k_t before step t."""
    Qm, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return Qm[:, :T].T


def test_deltanet_with_orthogonal_keys_is_linear_attention():
    """The delta rule erases S_{t-1} k_t; with orthogonal keys that read is zero: only the writes remain."""
    T, d = 6, 9
    rng = np.random.default_rng(5)
    q, v, beta = rng.standard_normal((T, d)), rng.standard_normal((T, d)), rng.uniform(0.1, 1, T)
    k = orthonormal_keys(T, d, 6)
    o = deltanet.recurrent(q, k, v, beta=beta)
    close(o, linear_attention.recurrent(q, beta[:, None] * k, v, normalise=False))
    assert np.max(np.abs(o - deltanet.recurrent(q, np.roll(k, 1, axis=1), v, beta=beta))) > 1e-3


def test_gated_deltanet_with_orthogonal_keys_is_mamba2():
    """Without anything to erase, Gated DeltaNet keeps only Mamba-2's scalar gate: exp(dt A) = alpha."""
    T, d = 6, 9
    rng = np.random.default_rng(7)
    q, v = rng.standard_normal((T, d)), rng.standard_normal((T, d))
    alpha, beta = rng.uniform(0.5, 0.95, T), rng.uniform(0.1, 1, T)
    k = orthonormal_keys(T, d, 8)
    o = gated_deltanet.recurrent(q, k, v, alpha=alpha, beta=beta)
    dt = -np.log(alpha)  # A = -1; Mamba-2 writes dt v k^T, so the key carries beta / dt
    close(o, mamba_2.recurrent(q, (beta / dt)[:, None] * k, v, dt=dt, A=-1.0))


def test_retnet_is_mamba2_with_a_constant_gate(base):
    b = base
    gamma = 0.83
    o = retnet.recurrent(b["q"], b["k"], b["v"], gamma=gamma)
    close(o, mamba_2.recurrent(b["q"], b["k"], b["v"], dt=np.ones(b["T"]), A=np.log(gamma)))


def test_retnet_with_gamma_one_is_linear_attention(base):
    b = base
    o = retnet.recurrent(b["q"], b["k"], b["v"], gamma=1.0)
    close(o, linear_attention.recurrent(b["q"], b["k"], b["v"], normalise=False))


def test_kda_with_a_scalar_gate_is_gated_deltanet(base):
    b = base
    alpha = np.repeat(b["alpha"][:, None], b["d"], axis=1)
    o = kda.recurrent(b["qn"], b["k"], b["v"], alpha=alpha, beta=b["beta"])
    close(o, gated_deltanet.recurrent(b["qn"], b["k"], b["v"], alpha=b["alpha"], beta=b["beta"]))


def test_gdn2_with_tied_scalar_gates_is_kda_and_gated_deltanet(base):
    b = base
    d = b["d"]
    tied = np.repeat(b["beta"][:, None], d, axis=1)  # erase gate = write gate = beta_t 1
    o = gdn_2.recurrent(b["qn"], b["k"], b["v"], alpha=b["alpha_vec"], b=tied, w=tied)
    close(o, kda.recurrent(b["qn"], b["k"], b["v"], alpha=b["alpha_vec"], beta=b["beta"]))
    scalar = np.repeat(b["alpha"][:, None], d, axis=1)
    o = gdn_2.recurrent(b["qn"], b["k"], b["v"], alpha=scalar, b=tied, w=tied)
    close(o, gated_deltanet.recurrent(b["qn"], b["k"], b["v"], alpha=b["alpha"], beta=b["beta"]))


def test_gdn2_without_erasing_is_gated_linear_attention(base):
    """b = 0, w = 1: no delta correction left, only the channel-wise decay (GLA)."""
    b = base
    o = gdn_2.recurrent(
        b["qn"], b["k"], b["v"], alpha=b["alpha_vec"], b=np.zeros_like(b["alpha_vec"]), w=np.ones_like(b["v"])
    )
    close(o, gla.recurrent(b["qn"], b["k"], b["v"], alpha=b["alpha_vec"]))


def test_deltaproduct_with_one_householder_is_gated_deltanet_and_deltanet(base):
    b = base
    k1, v1, beta1 = b["k"][:, None, :], b["v"][:, None, :], b["beta"][:, None]
    o = deltaproduct.recurrent(b["qn"], k1, v1, beta=beta1, alpha=b["alpha"])
    close(o, gated_deltanet.recurrent(b["qn"], b["k"], b["v"], alpha=b["alpha"], beta=b["beta"]))
    o = deltaproduct.chunked(b["qn"], k1, v1, beta=beta1, alpha=np.ones(b["T"]), chunk_size=4)
    close(o, deltanet.recurrent(b["qn"], b["k"], b["v"], beta=b["beta"]))


def test_deltaproduct_is_deltanet_on_the_interleaved_sequence():
    """n_h keys per token = DeltaNet over the T n_h sub-steps, read at every n_h-th."""
    x = draw("deltaproduct", 11, 4, seed=9, householder=3)
    o = deltaproduct.recurrent(**x)
    kk, vv, bb = x["k"].reshape(33, 4), x["v"].reshape(33, 4), x["beta"].reshape(33)
    qq = np.repeat(x["q"], 3, axis=0)
    close(o, deltanet.recurrent(qq, kk, vv, beta=bb)[2::3])


def test_rwkv7_reduces_to_deltanet_gated_deltanet_and_gla(base):
    b = base
    T, d = b["T"], b["d"]
    beta = np.repeat(b["beta"][:, None], d, axis=1)
    o = rwkv_7.recurrent(
        b["qn"], b["beta"][:, None] * b["k"], b["v"], w=np.ones((T, d)), kappa=b["k"], a=beta
    )
    close(o, deltanet.recurrent(b["qn"], b["k"], b["v"], beta=b["beta"]))
    alpha = np.repeat(b["alpha"][:, None], d, axis=1)
    o = rwkv_7.recurrent(b["qn"], b["beta"][:, None] * b["k"], b["v"], w=alpha, kappa=b["k"], a=alpha * beta)
    close(o, gated_deltanet.recurrent(b["qn"], b["k"], b["v"], alpha=b["alpha"], beta=b["beta"]))
    o = rwkv_7.recurrent(b["q"], b["k"], b["v"], w=b["alpha_vec"], kappa=b["k"], a=np.zeros((T, d)))
    close(o, gla.recurrent(b["q"], b["k"], b["v"], alpha=b["alpha_vec"]))


def test_hgrn2_is_gla_with_key_one_minus_forget_gate(base):
    b = base
    o = hgrn2.recurrent(b["q"], b["v"], alpha=b["alpha_vec"])
    close(o, gla.recurrent(b["q"], 1.0 - b["alpha_vec"], b["v"], alpha=b["alpha_vec"]))


def test_performer_is_normalised_linear_attention_on_random_features():
    x = draw("performer", 19, 4, seed=1, features=32)
    fq, fk = performer.feature_map(x["q"], x["omega"]), performer.feature_map(x["k"], x["omega"])
    close(performer.recurrent(**x), linear_attention.recurrent(fq, fk, x["v"], normalise=True))


def test_performer_approaches_causal_softmax_with_many_features():
    rng = np.random.default_rng(0)
    T, d = 12, 4
    q, k, v = (
        0.7 * rng.standard_normal((T, d)),
        0.7 * rng.standard_normal((T, d)),
        rng.standard_normal((T, d)),
    )
    logits = np.where(np.tri(T, dtype=bool), q @ k.T / np.sqrt(d), -np.inf)
    P = np.exp(logits - logits.max(axis=1, keepdims=True))
    softmax = P / P.sum(axis=1, keepdims=True)
    errs = []
    for m in (8, 100000):  # the estimate's error shrinks like 1 / sqrt(m)
        A = performer.mixing_matrix(q, k, v, omega=rng.standard_normal((m, d)))
        errs.append(np.max(np.abs(A - softmax)))
    assert errs[1] < 0.02 < 0.1 < errs[0]


def test_log_linear_with_unit_level_weights_is_mamba2_and_linear_attention(base):
    b = base
    T = b["T"]
    ones = np.ones((T, log_linear_attention.num_levels(T)))
    o = log_linear_attention.recurrent(b["q"], b["k"], b["v"], alpha=b["alpha"], lam=ones)
    dt = -np.log(b["alpha"])  # exp(dt A) = alpha with A = -1; Mamba-2 writes x dt, so divide it back out
    close(o, mamba_2.recurrent(b["q"], b["k"], b["v"] / dt[:, None], dt=dt, A=-1.0))
    o = log_linear_attention.chunked(b["q"], b["k"], b["v"], alpha=np.ones(T), lam=ones, chunk_size=4)
    close(o, linear_attention.recurrent(b["q"], b["k"], b["v"], normalise=False))


def test_log_linear_gated_deltanet_with_unit_level_weights_is_gated_deltanet(base):
    """The paper's second instance: buckets over Gated DeltaNet; lambda = 1 collapses them."""
    b = base
    ones = np.ones((b["T"], log_linear_attention.num_levels(b["T"])))
    o = log_linear_attention.recurrent(b["qn"], b["k"], b["v"], alpha=b["alpha"], lam=ones, beta=b["beta"])
    close(o, gated_deltanet.recurrent(b["qn"], b["k"], b["v"], alpha=b["alpha"], beta=b["beta"]))
    lam = draw("log_linear_attention", b["T"], b["d"], seed=4)["lam"]
    o = log_linear_attention.chunked(
        b["qn"], b["k"], b["v"], alpha=b["alpha"], lam=lam, beta=b["beta"], chunk_size=4
    )
    A = gated_deltanet.mixing_matrix(b["qn"], b["k"], b["v"], alpha=b["alpha"], beta=b["beta"])
    H = np.take_along_axis(lam, log_linear_attention.level_matrix(b["T"]), axis=1)
    close(o, (A * H) @ b["v"])  # buckets only regroup tokens: A_loglinear = A_GDN o M^H


def test_log_linear_levels_follow_the_fenwick_partition():
    """Token t sees itself at level 0 and bucket l holds 2^(l-1) tokens when bit l-1 of t is set."""
    lev = log_linear_attention.level_matrix(16)
    for t in range(16):
        counts = np.bincount(lev[t, : t + 1], minlength=6)
        assert counts[0] == 1
        for level in range(1, 6):
            assert counts[level] == ((t >> (level - 1)) & 1) * 2 ** (level - 1)


def test_mamba3_with_euler_step_and_no_rotation_is_mamba2(base):
    b = base
    T, d = b["T"], b["d"]
    o = mamba_3.recurrent(
        b["q"], b["k"], b["v"], dt=b["dt"], A=-0.7, lam=np.ones(T), theta=np.zeros((T, d // 2))
    )
    close(o, mamba_2.recurrent(b["q"], b["k"], b["v"], dt=b["dt"], A=-0.7))


def test_mamba3_rotation_is_rope_on_b_and_c(base):
    """Without decay or trapezoid, the complex state is attention with relative rotations R(Phi_t - Phi_s)."""
    b = base
    T, d = b["T"], b["d"]
    theta = np.random.default_rng(1).uniform(-3, 3, (T, d // 2))
    o = mamba_3.recurrent(b["q"], b["k"], b["v"], dt=b["dt"], A=0.0, lam=np.ones(T), theta=theta)
    Phi = np.cumsum(b["dt"][:, None] * theta, axis=0)
    scores = np.zeros((T, T))
    for t in range(T):
        for s in range(t + 1):
            R = mamba_3.rotation(Phi[t] - Phi[s], d)  # k_s^T R(Phi_t - Phi_s) q_t
            scores[t, s] = b["k"][s] @ R @ b["q"][t] * b["dt"][s]
    close(o, scores @ b["v"])


def test_mamba_with_shared_scalar_a_is_mamba2(base):
    """Mamba-2 restricts Mamba's (d_v, N) matrix A to one scalar per head and Delta to one per token."""
    b = base
    d = b["d"]
    o = mamba.recurrent(
        b["q"],
        b["k"],
        b["v"],
        dt=np.repeat(b["dt"][:, None], d, axis=1),
        A=np.full((d, d), -0.9),
        D=np.zeros(d),
    )
    close(o, mamba_2.recurrent(b["q"], b["k"], b["v"], dt=b["dt"], A=-0.9))


def test_mamba_with_input_independent_parameters_is_a_convolution():
    """Fixed Delta, B, C: a time-invariant SSM (S4D), so every channel's mixing matrix is Toeplitz."""
    x = draw("mamba", 14, 3, seed=2)
    x["dt"] = np.tile(x["dt"][0], (14, 1))
    x["k"], x["q"] = np.tile(x["k"][0], (14, 1)), np.tile(x["q"][0], (14, 1))
    A = mamba.mixing_matrix(**x)
    for c in range(3):
        for lag in range(14):
            diag = np.diagonal(A[c], -lag)
            close(diag, np.full_like(diag, diag[0]))


def test_rwkv6_reductions(base):
    """w = 1, u = 1: linear attention. u = 0: it reads GLA's state of the previous step."""
    b = base
    T, d = b["T"], b["d"]
    o = rwkv_6.recurrent(b["q"], b["k"], b["v"], w=np.ones((T, d)), u=np.ones(d))
    close(o, linear_attention.recurrent(b["q"], b["k"], b["v"], normalise=False))
    o = rwkv_6.recurrent(b["q"], b["k"], b["v"], w=b["alpha_vec"], u=np.zeros(d))
    S = gla.states(b["q"], b["k"], b["v"], alpha=b["alpha_vec"])
    close(o[1:], np.einsum("tij,tj->ti", S[:-1], b["q"][1:]))
    close(o[0], np.zeros(d))


def test_rwkv4_without_decay_or_bonus_is_per_channel_causal_softmax(base):
    """w = 0, u = 0: every channel averages past values with softmax weights over its keys (AFT)."""
    b = base
    d = b["d"]
    o = rwkv_4.recurrent(b["q"], b["k"], b["v"], w=np.zeros(d), u=np.zeros(d))
    e = np.exp(b["k"])
    avg = np.cumsum(e * b["v"], axis=0) / np.cumsum(e, axis=0)
    close(o, avg / (1.0 + np.exp(-b["q"])))


def test_ttt_reductions(base):
    """Mini-batch 1 is online gradient descent = the delta rule; a mini-batch >= T is linear attention."""
    b = base
    T = b["T"]
    o = ttt.recurrent(b["qn"], b["k"], b["v"], eta=b["beta"], batch=1)
    close(o, deltanet.recurrent(b["qn"], b["k"], b["v"], beta=b["beta"]))
    o = ttt.chunked(b["qn"], b["k"], b["v"], eta=b["beta"], batch=T)
    close(o, linear_attention.recurrent(b["qn"], b["beta"][:, None] * b["k"], b["v"], normalise=False))


def test_titans_reductions(base):
    """Without momentum or weight decay Titans is TTT-Linear (any mini-batch), so per token it is DeltaNet;
    with momentum the memory is no longer the delta rule."""
    b = base
    zero = np.zeros(b["T"])
    for batch in (1, 4, b["T"]):
        o = titans.recurrent(b["qn"], b["k"], b["v"], theta=b["beta"], eta=zero, alpha=zero, batch=batch)
        close(o, ttt.recurrent(b["qn"], b["k"], b["v"], eta=b["beta"], batch=batch))
    o = titans.recurrent(b["qn"], b["k"], b["v"], theta=b["beta"], eta=zero, alpha=zero, batch=1)
    close(o, deltanet.recurrent(b["qn"], b["k"], b["v"], beta=b["beta"]))
    o = titans.recurrent(b["qn"], b["k"], b["v"], theta=b["beta"], eta=b["alpha"], alpha=zero, batch=1)
    assert np.max(np.abs(o - deltanet.recurrent(b["qn"], b["k"], b["v"], beta=b["beta"]))) > 0.1


def test_longhorn_with_one_key_channel_is_the_delta_rule(base):
    """With d_k = 1 the diagonal approximation is exact: each channel runs DeltaNet with step eps_t."""
    b = base
    d = b["d"]
    k = b["k"][:, :1] * 1.7  # unnormalised: Longhorn's eps = beta / (1 + beta k^2) does the normalising
    beta = np.repeat(b["beta"][:, None], d, axis=1)
    o = longhorn.recurrent(b["q"][:, :1], k, b["v"], beta=beta)
    eps = b["beta"] / (1.0 + b["beta"] * k[:, 0] ** 2)
    close(o, deltanet.recurrent(b["q"][:, :1], k, b["v"], beta=eps))


@pytest.mark.parametrize("T,d", [(1, 1), (9, 3), (40, 8)])
def test_kda_one_hot_mixing_equals_the_parallel_form(T, d):
    from kernels_wasm import kda

    x = kda.inputs(T, d, np.random.default_rng(T), a=2.0)
    np.testing.assert_allclose(kda.mixing_matrix(**x), kda.mixing_matrix_parallel(**x), rtol=0, atol=1e-10)


@pytest.mark.parametrize("T,d,n_h", [(1, 1, 1), (9, 3, 2), (30, 8, 3)])
def test_deltaproduct_one_hot_mixing_equals_the_parallel_form(T, d, n_h):
    from kernels_wasm import deltaproduct

    x = deltaproduct.inputs(T, d, np.random.default_rng(T), householder=n_h, a=1.0)
    np.testing.assert_allclose(
        deltaproduct.mixing_matrix(**x), deltaproduct.mixing_matrix_parallel(**x), rtol=0, atol=1e-10
    )


@pytest.mark.parametrize("T,d", [(1, 1), (9, 3), (40, 8)])
def test_gdn2_one_hot_mixing_equals_the_parallel_form(T, d):
    from kernels_wasm import gdn_2

    x = gdn_2.inputs(T, d, np.random.default_rng(T))
    np.testing.assert_allclose(
        gdn_2.mixing_matrix(**x), gdn_2.mixing_matrix_parallel(**x), rtol=0, atol=1e-10
    )
