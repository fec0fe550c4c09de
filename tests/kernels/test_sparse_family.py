"""Sparse-selection and compressed-memory softmax kernels: NSA, MoBA, DSA, BigBird, Compressive Transformer,
and Linformer (outside the skeleton).

Beyond the contract every registry kernel keeps (test_every_kernel.py): each query reads no more keys than
its budget (the point of the sparse layouts: the cache is kept in full, the compute is capped), the keys a
page says are always read are read, the selection is the top of the scores it claims, and with a budget that
covers the whole sequence each model is the plain Transformer (the lineage edge).
"""

import numpy as np
import pytest
from kernel_helpers import close, draw, load

T, D = 29, 4


def transformer(x):
    return load("transformer").recurrent(x["q"], x["k"], x["v"])


def reads(A):
    """Boolean (T, T): the keys each query gives a nonzero weight."""
    return np.abs(A) > 0


# --- with a budget covering the sequence, every model is the Transformer ------------------------------------


@pytest.mark.parametrize(
    "name, params",
    [
        ("moba", {"block": 4, "top_k": 8}),  # k B >= T: every block is read
        ("moba", {"block": 1, "top_k": T}),
        ("dsa", {"top_k": T, "heads": 3}),
        ("bigbird", {"window": T, "n_global": 0, "n_random": 0}),
        ("compressive_transformer", {"rate": 1, "per_segment": T, "slots": 0}),  # one segment: everything
    ],
)
def test_a_budget_covering_the_sequence_is_the_transformer(name, params):
    x = draw(name, T, D, seed=1, **params)
    close(load(name).recurrent(**x), transformer(x))


def test_nsa_selected_branch_alone_with_every_block_is_the_transformer():
    x = draw("nsa", T, D, seed=2, block=4, top_n=8)
    x.update(g_cmp=np.zeros(T), g_slc=np.ones(T), g_win=np.zeros(T))
    close(load("nsa").recurrent(**x), transformer(x))


def test_nsa_window_branch_alone_is_swa():
    x = draw("nsa", T, D, seed=3, window=5)
    x.update(g_cmp=np.zeros(T), g_slc=np.zeros(T), g_win=np.ones(T))
    close(load("nsa").recurrent(**x), load("swa").recurrent(x["q"], x["k"], x["v"], window=5))


def test_bigbird_without_globals_or_random_keys_is_swa():
    x = draw("bigbird", T, D, seed=4, window=6, n_global=0, n_random=0)
    close(load("bigbird").recurrent(**x), load("swa").recurrent(x["q"], x["k"], x["v"], window=6))


def test_linformer_with_identity_projections_is_bidirectional_softmax_attention():
    x = draw("linformer", T, D, seed=5)
    x.update(E=np.eye(T), F=np.eye(T))
    s = x["q"] @ x["k"].T / np.sqrt(D)
    P = np.exp(s - s.max(axis=1, keepdims=True))
    close(load("linformer").recurrent(**x), (P / P.sum(axis=1, keepdims=True)) @ x["v"])


# --- compute is capped: each query reads at most its budget -------------------------------------------------


def test_moba_reads_its_own_block_and_the_best_scoring_earlier_blocks():
    B, k = 3, 3
    x = draw("moba", T, D, seed=6, block=B, top_k=k)
    R = reads(load("moba").mixing_matrix(**x))
    assert np.all(R.sum(axis=1) <= k * B)
    for t in range(T):
        c = t // B
        assert R[t, c * B : t + 1].all(), "the own block (up to t) is always read"
        chosen = sorted({j // B for j in np.nonzero(R[t])[0]} - {c})
        gate = [x["q"][t] @ x["k"][i * B : (i + 1) * B].mean(axis=0) for i in range(c)]
        assert chosen == sorted(np.argsort(gate)[::-1][: min(k - 1, c)].tolist())


def test_dsa_reads_exactly_the_top_k_index_scores():
    k = 5
    mod = load("dsa")
    x = draw("dsa", T, D, seed=7, top_k=k, heads=3)
    R = reads(mod.mixing_matrix(**x))
    I = mod.index_scores(x["qi"], x["ki"], x["w"])
    for t in range(T):
        assert R[t].sum() == min(k, t + 1) and not R[t, t + 1 :].any()
        if t + 1 > k:
            assert I[t, R[t]].min() >= I[t, : t + 1][~R[t, : t + 1]].max()


def test_bigbird_reads_window_globals_and_its_random_keys_only():
    W, G, r = 4, 2, 3
    x = draw("bigbird", T, D, seed=8, window=W, n_global=G, n_random=r)
    R = reads(load("bigbird").mixing_matrix(**x))
    assert np.all(R.sum(axis=1) <= W + G + r)
    for t in range(T):
        assert R[t, max(0, t - W + 1) : t + 1].all() and R[t, : min(G, t + 1)].all()
        links = {j for j in x["links"][t] if j >= 0}
        window, globals_ = set(range(max(0, t - W + 1), t + 1)), set(range(min(G, t + 1)))
        assert set(np.nonzero(R[t])[0]) == window | globals_ | links


def test_bigbird_pattern_does_not_depend_on_the_content():
    a = draw("bigbird", T, D, seed=9)
    b = dict(a, q=a["q"][::-1].copy(), k=-a["k"])
    mod = load("bigbird")
    assert np.array_equal(reads(mod.mixing_matrix(**a)), reads(mod.mixing_matrix(**b)))


def test_nsa_reads_forced_blocks_and_caps_the_selected_and_window_branches():
    B, n, W = 3, 4, 5
    mod = load("nsa")
    x = draw("nsa", T, D, seed=10, block=B, top_n=n, window=W)
    A = mod.branches(**x)
    sel, win = reads(A["slc"]), reads(A["win"])
    assert np.all(sel.sum(axis=1) <= n * B) and np.all(win.sum(axis=1) <= W)
    for t in range(T):
        c = t // B
        for b in {0, max(c - 1, 0), c}:
            assert sel[t, b * B : min((b + 1) * B, t + 1)].all(), (t, b)
    # the compressed branch reads finished blocks only, a pooled entry per block
    finished = (np.arange(T) // B + 1) * B - 1 <= np.arange(T)[:, None]
    assert np.all(reads(A["cmp"]) <= finished)


def test_nsa_rows_sum_to_the_gates_of_the_branches_that_read_something():
    B = 4
    x = draw("nsa", T, D, seed=11, block=B)
    A = load("nsa").mixing_matrix(**x)
    has_cmp = np.arange(T) >= B - 1
    close(A.sum(axis=1), x["g_cmp"] * has_cmp + x["g_slc"] + x["g_win"])


@pytest.mark.parametrize("name", ["moba", "dsa", "bigbird", "compressive_transformer"])
def test_weights_are_convex(name):
    A = load(name).mixing_matrix(**draw(name, T, D, seed=12))
    assert np.all(A >= 0)
    close(A.sum(axis=1), np.ones(T))


# --- the Compressive Transformer's bounded memory -----------------------------------------------------------


def test_compressive_memory_is_bounded_and_slots_are_block_means():
    c, m, n_cm = 2, 2, 3
    n_s = c * m
    mod = load("compressive_transformer")
    x = draw("compressive_transformer", 40, D, seed=13, rate=c, per_segment=m, slots=n_cm)
    S = mod.states(**x)
    assert S.shape == (40, n_cm + 2 * n_s, 2 * D)
    # at t = 6 n_s segment 4 (tokens 4 n_s .. 5 n_s - 1) has just left the memory: the n_cm newest slots are
    # the means of the last n_cm c evicted tokens
    t = 6 * n_s
    newest = x["k"][5 * n_s - n_cm * c : 5 * n_s].reshape(n_cm, c, D).mean(axis=1)
    close(S[t, :n_cm, :D], newest)


def test_compressive_reads_the_previous_segment_and_the_segment_so_far_in_full():
    c, m = 2, 3
    n_s = c * m
    x = draw("compressive_transformer", T, D, seed=14, rate=c, per_segment=m, slots=2)
    A = load("compressive_transformer").mixing_matrix(**x)
    for t in range(T):
        s = t // n_s * n_s
        assert reads(A)[t, max(0, s - n_s) : t + 1].all()
        assert np.sum(A[t, : max(0, s - n_s - 2 * c)]) == 0, "slots older than n_cm are dropped"
