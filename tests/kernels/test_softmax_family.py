"""Kernels of the softmax-readout family and the convolutional / gated recurrent models owned with it.

Beyond the contract every registry kernel keeps (test_every_kernel.py: forms agree, o = A v, seeded inputs,
api.simulate): softmax weights are convex, A can be recovered from one-hot values, long sequences with strong
decay stay finite, bad inputs are ValueErrors, and the reductions the lineage claims (FoX with f = 1 is the
Transformer, ...) hold. MODULES and STRONG hold per-model settings.
"""

import numpy as np
import pytest
from kernel_helpers import draw, load

# Softmax readout (including the slot models), then the convolutional and gated recurrent models.
SOFTMAX = [
    "transformer",
    "rope",
    "alibi",
    "nope",
    "swa",
    "fox",
    "path",
    "path_fox",
    "wall",
    "stick_breaking",
    "abc",
    "gsa",
    "raven",
    "deltaformer",
    "mega",
]
MODULES = SOFTMAX + ["s4", "h3", "hyena", "mlstm", "griffin", "based"]
# DeltaFormer's erase subtracts earlier values, so its softmax readout mixes with weights of either sign.
CONVEX = set(SOFTMAX) - {"deltaformer"}
PER_CHANNEL = {"s4", "hyena", "griffin"}  # one T x T mixing matrix per channel: A has shape (d, T, T)
SHAPES = [(1, 3), (5, 4), (37, 6), (64, 8)]


def assert_close(a, b, tol=1e-10):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(1.0, float(np.max(np.abs(a))) if a.size else 1.0)
    err = float(np.max(np.abs(a - b))) if a.size else 0.0
    assert err <= tol * scale, f"max abs difference {err:.3e} > {tol:.0e} * {scale:.3g}"


def apply(A, v):
    """o = A v, channel by channel when A is (d, T, T)."""
    return np.einsum("ctj,jc->tc", A, v) if A.ndim == 3 else A @ v


# --- all forms agree, and A reproduces the output -----------------------------------------------------------


@pytest.mark.parametrize("name", MODULES)
def test_mixing_matrix_gives_the_output(name):
    mod, x = load(name), draw(name, 23, 5, seed=3)
    A = mod.mixing_matrix(**x)
    assert A.shape == ((5, 23, 23) if name in PER_CHANNEL else (23, 23))
    assert_close(mod.recurrent(**x), apply(A, x["v"]))
    assert np.all(np.triu(A, 1) == 0.0), "a token must not read the future"
    if name in CONVEX:  # convex (or sub-convex, for slot memories) weights
        assert np.all(A >= 0) and np.all(A.sum(axis=-1) <= 1 + 1e-12)


@pytest.mark.parametrize("name", MODULES)
def test_mixing_matrix_from_one_hot_values(name):
    """A is linear in v given q, k and gates: running the recurrence on v = I recovers it column by column."""
    if name in PER_CHANNEL:
        pytest.skip("per-channel models mix each channel separately; one-hot values need d = T channels")
    mod, x = load(name), draw(name, 9, 4, seed=5)
    x["v"] = np.eye(9)
    assert_close(mod.recurrent(**x), mod.mixing_matrix(**x))


@pytest.mark.parametrize("name", MODULES)
def test_states(name):
    mod, x = load(name), draw(name, 11, 4, seed=1)
    S = mod.states(**x)
    if S is None:
        bounded = {"swa", "abc", "gsa", "raven"}
        assert name in (set(SOFTMAX) - bounded) | {"hyena"}, "only models with a growing cache have no state"
        return
    assert S.ndim == 3 and S.shape[0] == 11 and np.all(np.isfinite(S))


# --- long sequences with strong decay stay finite -----------------------------------------------------------

STRONG = {
    "transformer": {"sigma": 4.0},
    "rope": {"sigma": 4.0, "base": 2.0},
    "alibi": {"m": 8.0},
    "nope": {"sigma": 4.0},
    "swa": {"window": 2},
    "fox": {"bias": -6.0},
    "path": {"beta_bias": 6.0},
    "path_fox": {"beta_bias": 6.0, "bias": -6.0},
    "wall": {"bias": -6.0},
    "stick_breaking": {"sigma": 4.0},
    "abc": {"spread": 6.0},
    "gsa": {"tau": 0.2},
    "raven": {"strength": 20.0, "top_k": 1},
    "deltaformer": {"beta": 1.0, "sigma": 4.0},
    "mega": {"alpha": 1.0, "delta": 0.0},
    "s4": {"dt_max": 1.0},
    "h3": {"dt": 1.0},
    "hyena": {"decay": 0.02},
    "mlstm": {"f_bias": -6.0, "i_bias": 6.0},
    "griffin": {"a_min": 0.01},
    "based": {"sigma": 3.0},
}
# the form that handles T = 4096 fastest without a T x T scratch per channel
FASTEST = {
    "chunked": {"transformer", "rope", "alibi", "nope", "swa", "fox", "wall", "mlstm", "griffin", "based"},
    "parallel": {"s4", "hyena", "h3"},
}


@pytest.mark.parametrize("name", MODULES)
def test_long_sequence_strong_decay_is_finite(name):
    mod = load(name)
    x = draw(name, 4096, 4, seed=0, **STRONG[name])
    form = next((f for f, names in FASTEST.items() if name in names), "recurrent")
    o = mod.chunked(**x, chunk_size=256) if form == "chunked" else getattr(mod, form)(**x)
    assert o.shape == (4096, 4) and np.all(np.isfinite(o))
    if name in CONVEX:  # softmax weights are convex: o stays inside the range of v
        assert np.max(np.abs(o)) <= np.max(np.abs(x["v"])) + 1e-9


# --- bad inputs are ValueErrors -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", MODULES)
def test_bad_inputs_raise_value_error(name):
    mod = load(name)
    T, d = 6, 4
    x = draw(name, T, d, seed=2)
    arrays = [key for key, val in x.items() if isinstance(val, np.ndarray)]
    reference = next(key for key in arrays if x[key].shape[0] == T)  # the input that fixes T
    for key in arrays:
        for bad in (x[key][None], x[key].astype(complex), np.full(x[key].shape, "a")):
            with pytest.raises(ValueError):
                mod.recurrent(**{**x, key: bad})
        if key != reference and x[key].shape[0] == T:  # a time-indexed input one step short
            with pytest.raises(ValueError):
                mod.recurrent(**{**x, key: x[key][:-1]})
    if hasattr(mod, "chunked"):
        with pytest.raises(ValueError):
            mod.chunked(**x, chunk_size=0)


def test_bad_scalars_raise_value_error():
    x = draw("swa", 6, 4)
    with pytest.raises(ValueError):
        load("swa").recurrent(**{**x, "window": 0})
    with pytest.raises(ValueError):
        load("alibi").parallel(**{**draw("alibi", 6, 4), "m": -1.0})
    with pytest.raises(ValueError):
        load("fox").parallel(**{**draw("fox", 6, 4), "f": np.full(6, 1.5)})  # a "forget" gate above 1
    with pytest.raises(ValueError):
        load("path").parallel(**{**draw("path", 6, 4), "beta": np.full(6, 2.5)})
    with pytest.raises(ValueError):
        load("raven").inputs(6, 4, np.random.default_rng(0), slots=2, top_k=0)
    dense = load("raven").inputs(6, 4, np.random.default_rng(0), slots=2, top_k=3)  # K is capped at m
    assert np.all(dense["r"] > 0)


# --- reductions claimed by the lineage ----------------------------------------------------------------------


def plain(T=29, d=6, seed=11):
    """Shared q, k, v for comparing models."""
    x = draw("transformer", T, d, seed=seed)
    return x, load("transformer").parallel(**x)


def both_forms(name, **x):
    mod = load(name)
    return mod.recurrent(**x), mod.parallel(**x)


def test_fox_with_unit_gates_is_the_transformer():
    x, ref = plain()
    for o in both_forms("fox", **x, f=np.ones(29)):
        assert_close(o, ref)


def test_alibi_is_fox_with_constant_gates():
    x, _ = plain()
    for m in (0.0, 0.3, 2.0):
        ref = load("fox").parallel(**x, f=np.full(29, np.exp(-m)))
        for o in both_forms("alibi", **x, m=m):
            assert_close(o, ref)


def test_alibi_with_zero_slope_is_the_transformer():
    x, ref = plain()
    assert_close(load("alibi").parallel(**x, m=0.0), ref)


def test_swa_with_a_window_covering_the_sequence_is_the_transformer():
    x, ref = plain()
    for W in (29, 100):
        for o in (*both_forms("swa", **x, window=W), load("swa").chunked(**x, window=W)):
            assert_close(o, ref)
    assert not np.allclose(load("swa").parallel(**x, window=5), ref), "a short window must change the output"


def test_swa_window_is_a_hard_band():
    x, _ = plain()
    A = load("swa").mixing_matrix(**x, window=3)
    i, j = np.indices(A.shape)
    assert np.all(A[(i - j >= 3) | (j > i)] == 0.0) and np.all(A[(i - j < 3) & (j <= i)] > 0.0)


def test_nope_is_the_transformer():
    x, ref = plain()
    for o in (*both_forms("nope", **x), load("nope").chunked(**x)):
        assert_close(o, ref)


def test_rope_without_rotation_is_the_transformer():
    x, ref = plain()
    for o in both_forms("rope", **x, theta=np.zeros(3)):
        assert_close(o, ref)


def test_rope_logits_depend_only_on_the_offset():
    """Shifting every position by the same amount leaves the logits unchanged (relative positions only)."""
    rope = load("rope")
    x = draw("rope", 12, 6, seed=4)
    pos = np.arange(12.0)
    qr, kr = rope.rotate(x["q"], pos, x["theta"]), rope.rotate(x["k"], pos, x["theta"])
    qs, ks = rope.rotate(x["q"], pos + 7.0, x["theta"]), rope.rotate(x["k"], pos + 7.0, x["theta"])
    assert_close(qr @ kr.T, qs @ ks.T)


def test_path_with_zero_beta_is_nope():
    x, ref = plain()
    w = draw("path", 29, 6, seed=3)["w"]
    for o in both_forms("path", **x, w=w, beta=np.zeros(29)):
        assert_close(o, ref)
    assert_close(load("path").parallel(**x, w=w, beta=np.zeros(29)), load("nope").parallel(**x))


def test_path_fox_reduces_to_fox_and_to_path():
    x = draw("path_fox", 29, 6, seed=9)
    qkv_f = {key: x[key] for key in ("q", "k", "v", "f")}
    for o in both_forms("path_fox", **{**x, "beta": np.zeros(29)}):  # every H_t = I
        assert_close(o, load("fox").parallel(**qkv_f))
    qkv_h = {key: x[key] for key in ("q", "k", "v", "w", "beta")}
    for o in both_forms("path_fox", **{**x, "f": np.ones(29)}):  # every f_t = 1
        assert_close(o, load("path").parallel(**qkv_h))


def test_path_fox_gate_is_additive_in_log_space():
    """The forget gate multiplies exp(score): log A changes by exactly sum log f, up to the row normaliser."""
    x = draw("path_fox", 10, 4, seed=1)
    A_gated = load("path_fox").mixing_matrix(**x)
    A_free = load("path_fox").mixing_matrix(**{**x, "f": np.ones(10)})
    c = np.cumsum(np.log(x["f"]))
    i, j = np.tril_indices(10)
    diff = np.log(A_gated[i, j]) - np.log(A_free[i, j]) - (c[i] - c[j])  # = the per-row log normaliser ratio
    for row in range(10):
        assert np.ptp(diff[i == row]) < 1e-10


def test_wall_with_unit_gates_is_the_transformer():
    x, ref = plain()
    ones = np.ones((29, 6))
    for o in (*both_forms("wall", **x, alpha=ones), load("wall").chunked(**x, alpha=ones)):
        assert_close(o, ref)


def test_wall_with_unit_channel_gates_and_its_scalar_gate_is_fox():
    x, _ = plain()
    f = draw("fox", 29, 6, seed=5)["f"]
    ref = load("fox").parallel(**x, f=f)
    ones = np.ones((29, 6))
    for o in (*both_forms("wall", **x, alpha=ones, f=f), load("wall").chunked(**x, alpha=ones, f=f)):
        assert_close(o, ref)


def test_wall_gate_multiplies_the_score_per_channel():
    """Gating only channel 0 changes only channel 0's share of every logit."""
    x = draw("wall", 8, 3, seed=2)
    alpha = np.ones((8, 3))
    alpha[:, 0] = 0.5
    A = load("wall").mixing_matrix(**{**x, "alpha": alpha})
    i, j = np.indices((8, 8))
    logits = (x["q"] @ x["k"].T + x["q"][:, :1] @ x["k"][:, :1].T * (0.5 ** (i - j) - 1.0)) / np.sqrt(3)
    ref = np.where(j <= i, np.exp(logits - logits.max(1, keepdims=True)), 0.0)
    assert_close(A, ref / ref.sum(1, keepdims=True))


def test_stick_breaking_rows_are_a_broken_stick():
    x = draw("stick_breaking", 16, 4, seed=6)
    A = load("stick_breaking").mixing_matrix(**x)
    assert_close(A.sum(axis=1), np.ones(16))
    # the newest earlier key takes exactly its break point of the whole stick
    z = np.sum(x["q"][1:] * x["k"][:-1], axis=1) / 2.0
    assert_close(np.diag(A, -1), 1.0 / (1.0 + np.exp(-z)))


def test_gsa_with_abc_gates_is_abc():
    x = draw("abc", 31, 5, seed=4, slots=3)
    alpha = load("abc").control(x["s"], 31)[2]
    qkv = {key: x[key] for key in ("q", "k", "v")}
    assert_close(load("gsa").recurrent(**qkv, alpha=alpha), load("abc").recurrent(**x))
    assert_close(load("gsa").recurrent(**qkv, alpha=alpha), load("abc").parallel(**x))


def test_gsa_value_memory_is_gla():
    """GSA's second pass is a GLA recurrence: query p_t (the slot softmax), key 1 - alpha_t, value v_t."""
    gla = pytest.importorskip("kernels_wasm.gla")
    x = draw("gsa", 25, 5, seed=6, slots=4)
    Sk = load("gsa").states(**x)[:, :, :5]  # (T, m, d_k)
    scores = np.einsum("tnk,tk->tn", Sk, x["q"]) / np.sqrt(5)
    p = np.exp(scores - scores.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    ref = gla.recurrent(q=p, k=1.0 - x["alpha"], v=x["v"], alpha=x["alpha"])
    assert_close(load("gsa").recurrent(**x), ref)


def test_one_hot_slot_writes_are_swa():
    """SWA -> ABC -> GSA -> Raven: a slot memory with a one-hot overwrite of slot t mod W is a window of W."""
    T, W = 26, 4
    x, _ = plain(T=T)
    ref = load("swa").recurrent(**x, window=W)
    onehot = np.eye(W)[np.arange(T) % W]
    full = slice(W - 1, None)  # before the W-th token some slots are still empty (zero keys) in a slot memory
    gsa = load("gsa").recurrent(**x, alpha=1.0 - onehot)
    assert_close(gsa[full], ref[full])
    raven = load("raven").recurrent(**x, r=onehot, a=np.full(T, -1e4))  # exp(-1e4) = 0: a full overwrite
    assert_close(raven[full], ref[full])
    s = np.where(onehot > 0, 1e3 * np.arange(T)[:, None], -np.inf)  # the newest token outweighs the past
    for abc in both_forms("abc", **x, s=s):
        assert_close(abc[full], ref[full])


def test_raven_is_gsa_with_routed_retention():
    x = draw("raven", 30, 5, seed=8, slots=6, top_k=6)  # dense routing
    qkv = {key: x[key] for key in ("q", "k", "v")}
    alpha = np.exp(x["a"][:, None] * x["r"])
    assert_close(load("raven").parallel(**x), load("gsa").parallel(**qkv, alpha=alpha))


def test_raven_router_keeps_the_top_k():
    scores = np.random.default_rng(0).standard_normal((20, 6))
    r = load("raven").route(scores, 2)
    assert np.all(np.sum(r > 0, axis=1) == 2)
    assert_close(r.sum(axis=1), np.ones(20))
    for row in range(20):
        assert set(np.flatnonzero(r[row])) == set(np.argsort(scores[row])[-2:])


def test_raven_leaves_unrouted_slots_untouched():
    x = draw("raven", 12, 4, seed=3, slots=5, top_k=2)
    S = load("raven").states(**x)
    for t in range(1, 12):
        untouched = x["r"][t] == 0
        assert np.array_equal(S[t][untouched], S[t - 1][untouched])


def test_mlstm_with_open_gates_is_normalised_linear_attention():
    """i = 1 (i~ = 0), f = 1 (f~ -> inf): h_t = sum_j s_tj v_j / max(|sum_j s_tj|, 1), s = q.k / sqrt(d)."""
    x, _ = plain()
    ones = {"i_pre": np.zeros(29), "f_pre": np.full(29, 60.0)}  # log sigmoid(60) = -9e-27
    S = np.tril(x["q"] @ x["k"].T / np.sqrt(6))
    ref = S @ x["v"] / np.maximum(np.abs(S.sum(1)), 1.0)[:, None]
    for o in (*both_forms("mlstm", **x, **ones), load("mlstm").chunked(**x, **ones)):
        assert_close(o, ref)


def test_mlstm_stabiliser_handles_gates_that_overflow():
    """i~ + 700 makes exp(i~) overflow float64; stabilised, every form still gives h = C q / |n^T q|
    (the floor 1 is negligible next to |n^T q| ~ e^700)."""
    x = draw("mlstm", 40, 4, seed=2)
    T, d = 40, 4
    c = np.cumsum(-np.logaddexp(0.0, -x["f_pre"]))  # cumulative log sigmoid(f~)
    lag = np.tril(np.exp(c[:, None] - c[None, :] + x["i_pre"][None, :]))  # prod f * exp(i~), unshifted
    Ct = (x["q"] @ x["k"].T / np.sqrt(d)) * lag
    ref = Ct @ x["v"] / np.abs(Ct.sum(1))[:, None]
    mod, shifted = load("mlstm"), {**x, "i_pre": x["i_pre"] + 700.0}
    for form in (mod.recurrent, mod.parallel, mod.chunked):
        o = form(**shifted)
        assert o.shape == (T, d) and np.all(np.isfinite(o))
        assert_close(o, ref, tol=1e-9)


def test_griffin_with_full_recurrence_gate_is_a_fixed_decay():
    """r = 1: a_t = a^c at every step, A[c, t, j] = (a^8)^(t-j) sqrt(1 - a^16) i_j: a time-invariant LRU."""
    x = draw("griffin", 14, 3, seed=1)
    x["r"] = np.ones((14, 3))
    A = load("griffin").mixing_matrix(**x)
    lag = np.subtract.outer(np.arange(14), np.arange(14))
    for c in range(3):
        ac = x["a"][c] ** 8.0
        ref = np.where(lag >= 0, ac ** np.clip(lag, 0, None), 0.0) * np.sqrt(1 - ac**2) * x["i"][None, :, c]
        assert_close(A[c], ref)


def test_s4_mixing_matrix_is_toeplitz():
    """S4 is time-invariant: every diagonal of each channel's A is constant (the kernel h_{t-j})."""
    A = load("s4").mixing_matrix(**draw("s4", 12, 3, seed=2))
    for c in range(3):
        for lag in range(12):
            diag = np.diag(A[c], -lag)
            assert np.ptp(diag) < 1e-12


def test_h3_is_linear_attention_with_an_ssm_decay_mask():
    h3 = load("h3")
    x = draw("h3", 16, 4, seed=3)
    A = h3.mixing_matrix(**x)
    kbar = h3.shift_keys(x["k"], x["c_shift"], x["D_k"])
    ratio = A / np.where(np.tril(np.ones((16, 16))) > 0, x["q"] @ kbar.T, 1.0)
    for lag in range(16):  # the decay depends on the lag only
        assert np.ptp(np.diag(ratio, -lag)) < 1e-9


def h3_single_channel(T=20, seed=4):
    x = draw("h3", T, 1, seed=seed, shift=3)
    return {**x, "q": np.ones((T, 1)), "k": np.ones((T, 1)), "c_shift": np.zeros((3, 1)), "D_k": np.ones(1)}


def test_h3_with_unit_query_and_key_is_s4():
    """H3 -> S4: with q = k_bar = 1 on one channel, H3 is its diagonal SSM applied to v."""
    x = h3_single_channel()
    ssm = {key: x[key] for key in ("v", "dt", "A_re", "A_im", "C_re", "C_im", "D")}
    ref = load("s4").parallel(**ssm)
    for o in both_forms("h3", **x):
        assert_close(o, ref)


def test_hyena_with_an_identity_first_filter_is_h3():
    """H3 -> Hyena: order 2 with h^1 = delta, x^1 = k_bar, x^2 = q, h^2 = the SSM kernel is one-channel H3."""
    x = {**h3_single_channel(), "q": draw("h3", 20, 1, seed=1)["q"], "k": draw("h3", 20, 1, seed=2)["k"]}
    x["c_shift"] = np.array([[0.5], [-0.3], [0.2]])
    ssm = {key: x[key] for key in ("v", "dt", "A_re", "A_im", "C_re", "C_im", "D")}
    delta = np.zeros((20, 1))
    delta[0] = 1.0
    hy = {
        "v": x["v"],
        "x1": load("h3").shift_keys(x["k"], x["c_shift"], x["D_k"]),
        "x2": x["q"],
        "h1": delta,
        "h2": load("s4").kernel(**ssm),
    }
    ref = load("h3").parallel(**x)
    for o in both_forms("hyena", **hy):
        assert_close(o, ref)


def test_based_feature_map_is_the_taylor_kernel():
    based = load("based")
    x = draw("based", 5, 4, seed=1, feature_dim=3)
    s = x["q"] @ x["k"].T / np.sqrt(3)
    assert_close(based.taylor(x["q"]) @ based.taylor(x["k"]).T, 1 + s + s * s / 2)


def test_deltaformer_without_erasing_is_the_transformer():
    x, ref = plain()
    zero = np.zeros(29)
    for o in (*both_forms("deltaformer", **x, beta=zero), load("deltaformer").chunked(**x, beta=zero)):
        assert_close(o, ref)
    assert not np.allclose(load("deltaformer").parallel(**x, beta=np.ones(29)), ref), "erasing must change o"



def test_h3_states_by_convolution_are_the_recurrence_memories():
    """h3.states convolves the SSM kernel with v_s k_bar_s^T; the step-by-step loop gives the same M_t."""
    h3 = load("h3")
    x = draw("h3", 13, 4, seed=3)
    args = h3._check(**x)
    np.testing.assert_allclose(h3.states(**x), h3._run(*args)[1], rtol=1e-10, atol=1e-12)
