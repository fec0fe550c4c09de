"""Softmax variants that change what a head may output: an output gate, sinks, a difference of two maps.

Beyond the contract every kernel keeps (test_every_kernel.py): the reductions and properties their pages
state.
"""

import numpy as np
import pytest
from kernel_helpers import close, draw, load

# --- Gated attention ----------------------------------------------------------------------------------------


def test_gated_attention_with_open_gates_is_the_transformer():
    x = draw("gated-attention", 14, 4, seed=1)
    close(
        load("gated-attention").recurrent(**dict(x, z=np.full_like(x["z"], 1e3))),
        load("transformer").recurrent(x["q"], x["k"], x["v"]),
    )


def test_gated_attention_headwise_gate_is_one_elementwise_gate_for_all_channels():
    ga = load("gated-attention")
    x = draw("gated-attention", 10, 3, seed=2)
    z = x["z"][:, 0]
    close(ga.recurrent(**dict(x, z=z)), ga.recurrent(**dict(x, z=np.repeat(z[:, None], 3, axis=1))))
    assert ga.mixing_matrix(**dict(x, z=z)).shape == (10, 10)


def test_gated_attention_gate_belongs_to_the_query_token():
    # Changing token j's gate logits changes output j only: the gate is query-dependent, not key-dependent.
    ga = load("gated-attention")
    x = draw("gated-attention", 8, 3, seed=3)
    z = x["z"].copy()
    z[4] -= 5.0
    before, after = ga.recurrent(**x), ga.recurrent(**dict(x, z=z))
    changed = np.any(np.abs(after - before) > 1e-12, axis=1)
    assert changed.tolist() == [t == 4 for t in range(8)]


@pytest.mark.parametrize("bias", [-6.0, 6.0])
def test_gated_attention_bias_closes_or_opens_the_gates(bias):
    x = draw("gated-attention", 16, 4, seed=4, bias=bias)
    ratio = np.linalg.norm(load("gated-attention").recurrent(**x)) / np.linalg.norm(
        load("transformer").recurrent(x["q"], x["k"], x["v"])
    )
    assert (ratio < 0.05) if bias < 0 else (ratio > 0.95)


# --- StreamingLLM: a window plus the first tokens ---------------------------------------------------------


def test_streamingllm_without_sinks_is_the_sliding_window():
    x = draw("streamingllm", 20, 3, seed=1, window=5, sinks=0)
    close(load("streamingllm").recurrent(**x), load("swa").recurrent(x["q"], x["k"], x["v"], window=5))


def test_streamingllm_with_a_window_covering_the_sequence_is_the_transformer():
    x = draw("streamingllm", 12, 3, seed=2, window=12, sinks=4)
    close(load("streamingllm").recurrent(**x), load("transformer").recurrent(x["q"], x["k"], x["v"]))


def test_streamingllm_reads_the_sinks_forever_and_nothing_between_them_and_the_window():
    T, W, n_s = 30, 6, 4
    x = draw("streamingllm", T, 4, seed=3, window=W, sinks=n_s)
    A = load("streamingllm").mixing_matrix(**x)
    assert np.all(A[:, :n_s][np.tril(np.ones((T, n_s), dtype=bool))] > 0)  # sinks: visible to every query
    for t in range(n_s + W, T):
        assert np.all(A[t, n_s : t - W + 1] == 0) and np.all(A[t, t - W + 1 : t + 1] > 0)
    S = load("streamingllm").states(**x)
    assert S.shape == (T, n_s + W, 8)  # a fixed-size cache: n_s sink slots and W window slots


# --- gpt-oss: a learned sink logit ------------------------------------------------------------------------


def test_sink_logit_at_minus_infinity_is_the_transformer_or_the_window():
    sl = load("sink-logit")
    x = draw("sink-logit", 15, 3, seed=4, sink=-1e3)
    close(sl.recurrent(**x), load("transformer").recurrent(x["q"], x["k"], x["v"]))
    close(sl.recurrent(**dict(x, window=4)), load("swa").recurrent(x["q"], x["k"], x["v"], window=4))


@pytest.mark.parametrize("window", [0, 5])
def test_sink_logit_rows_sum_to_one_minus_the_sinks_share(window):
    x = draw("sink-logit", 16, 3, seed=5, sink=1.5, window=window)
    A = load("sink-logit").mixing_matrix(**x)
    T = 16
    t, j = np.arange(T)[:, None], np.arange(T)[None, :]
    seen = (j <= t) & ((t - j < window) if window else True)
    e = np.where(seen, np.exp(x["q"] @ x["k"].T / np.sqrt(3)), 0.0)
    sink = np.exp(1.5) / (np.exp(1.5) + e.sum(axis=1))
    close(A.sum(axis=1), 1 - sink)
    assert np.all(A.sum(axis=1) < 1)


# --- Differential attention ---------------------------------------------------------------------------------


def zero_lambda(x):
    """lambda = exp(0) - exp(0) + 0 = 0: zero vectors and lambda_init = 0."""
    z = np.zeros_like(x["lambda_q1"])
    return dict(x, lambda_q1=z, lambda_k1=z, lambda_q2=z, lambda_k2=z, lambda_init=0.0)


def test_diff_transformer_with_lambda_zero_is_the_transformer_on_the_first_map():
    x = zero_lambda(draw("diff-transformer", 14, 3, seed=1))
    close(load("diff-transformer").recurrent(**x), load("transformer").recurrent(x["q1"], x["k1"], x["v"]))


def test_diff_transformer_rows_sum_to_one_minus_lambda_and_may_be_negative():
    x = draw("diff-transformer", 20, 4, seed=2, layer=12)
    lam = np.exp(x["lambda_q1"] @ x["lambda_k1"]) - np.exp(x["lambda_q2"] @ x["lambda_k2"]) + x["lambda_init"]
    A = load("diff-transformer").mixing_matrix(**x)
    close(A.sum(axis=1), np.full(20, 1 - lam))
    assert A.min() < 0


def test_diff_transformer_cancels_weight_both_maps_share():
    # Identical maps (Q_2 = Q_1, K_2 = K_1) give (1 - lambda) times one softmax map: the common mode cancels.
    x = draw("diff-transformer", 12, 3, seed=3)
    same = dict(x, q2=x["q1"], k2=x["k1"])
    lam = np.exp(x["lambda_q1"] @ x["lambda_k1"]) - np.exp(x["lambda_q2"] @ x["lambda_k2"]) + x["lambda_init"]
    one_map = load("transformer").recurrent(x["q1"], x["k1"], x["v"])
    close(load("diff-transformer").recurrent(**same), (1 - lam) * one_map)


@pytest.mark.parametrize("layer", [1, 2, 24])
def test_diff_transformer_lambda_init_follows_the_papers_schedule(layer):
    x = draw("diff-transformer", 3, 2, layer=layer)
    assert x["lambda_init"] == pytest.approx(0.8 - 0.6 * np.exp(-0.3 * (layer - 1)))
