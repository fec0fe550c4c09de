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
