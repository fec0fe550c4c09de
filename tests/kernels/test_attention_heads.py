"""Attention variants whose point is the cache layout: query heads over fewer key-value heads, or a latent.

Beyond the contract every kernel keeps (test_every_kernel.py): grouped-query attention with one query head per
key-value head is multi-head attention (H independent Transformer heads), with one key-value head it is
multi-query attention, and the heads of a group read exactly their own group's values. Multi-head latent
attention's absorbed decode (latent cache only) equals its naive form, without its RoPE part it is multi-head
attention on up-projected latents, and its cache has the paper's proportions. Tensor product attention's
factor-space decode is attention on the heads its equations assemble, with one shared head factor it is
multi-query attention, and its factor cache is smaller than the multi-head one.
"""

import numpy as np
import pytest
from kernel_helpers import close, draw, load


def transformer_heads(q, k, v):
    """Multi-head attention from the single-head Transformer kernel, head by head, heads side by side."""
    heads = [load("transformer").recurrent(q[:, h], k[:, h], v[:, h]) for h in range(q.shape[1])]
    return np.concatenate(heads, axis=1)


@pytest.mark.parametrize("G", [1, 2, 4])
def test_gqa_with_one_query_head_per_kv_head_is_multi_head_attention(G):
    x = draw("gqa", 13, 3, seed=G, kv_heads=G, group=1)
    assert x["q"].shape[1] == x["k"].shape[1] == G
    close(load("gqa").recurrent(**x), transformer_heads(x["q"], x["k"], x["v"]))


@pytest.mark.parametrize("H", [1, 3, 8])
def test_gqa_with_one_kv_head_is_multi_query_attention(H):
    x = draw("gqa", 13, 4, seed=H, kv_heads=1, group=H)
    close(load("gqa").recurrent(**x), load("mqa").recurrent(**x))
    close(load("mqa").mixing_matrix(**x), load("gqa").mixing_matrix(**x))


def test_mqa_heads_share_one_cache_but_not_one_softmax():
    x = draw("mqa", 10, 4, seed=3, heads=3)
    A = load("mqa").mixing_matrix(**x)
    assert A.shape == (3, 10, 10)
    assert np.max(np.abs(A[0] - A[1])) > 0.05  # each head has its own queries, so its own weights


def test_gqa_heads_read_only_their_groups_values():
    # 2 groups of 3 query heads: changing the values of key-value head 1 moves heads 3..5 and nothing else.
    gqa = load("gqa")
    x = draw("gqa", 9, 2, seed=5, kv_heads=2, group=3)
    v = x["v"].copy()
    v[:, 1] += 1.0
    before = gqa.recurrent(**x).reshape(9, 6, 2)
    after = gqa.recurrent(**dict(x, v=v)).reshape(9, 6, 2)
    close(after[:, :3], before[:, :3])
    assert np.all(np.abs(after[:, 3:] - before[:, 3:]) > 0.5)  # softmax weights sum to 1: shifted by 1.0


def test_grouped_kernels_reject_a_kv_head_count_that_does_not_divide_the_query_heads():
    x = draw("gqa", 5, 2, kv_heads=2, group=2)
    with pytest.raises(ValueError, match="divide"):
        load("gqa").recurrent(q=x["q"][:, :3], k=x["k"], v=x["v"])
    with pytest.raises(ValueError, match="one key-value head"):
        load("mqa").recurrent(**x)


# --- Multi-head Latent Attention ----------------------------------------------------------------------------


@pytest.mark.parametrize("H", [1, 4])
def test_mla_absorbed_decode_equals_the_naive_form(H):
    mla = load("mla")
    x = draw("mla", 21, 6, seed=H, heads=H)
    close(mla.recurrent(**x), mla.parallel(**x))  # latent cache only vs per-head keys and values rebuilt


def test_mla_without_its_rope_part_is_multi_head_attention_on_up_projected_latents():
    # W^{KR} = W^{QR} = 0: the logit is q^C . W^{UK} c_j, scaled by 1 / sqrt(d_h + d_h^R) (the width of the
    # concatenated key, RoPE part included), and the values are W^{UV} c_j.
    d = 8
    x = draw("mla", 15, d, seed=4, heads=3)
    x = dict(x, W_kr=0 * x["W_kr"], W_qr=0 * x["W_qr"])
    c, c_q = x["h"] @ x["W_dkv"].T, x["h"] @ x["W_dq"].T
    q = np.einsum("hdc,tc->thd", x["W_uq"], c_q)
    k = np.einsum("hdc,tc->thd", x["W_uk"], c)
    v = np.einsum("hdc,tc->thd", x["W_uv"], c)
    d_R = x["W_kr"].shape[0]
    close(load("mla").recurrent(**x), transformer_heads(q * np.sqrt(d / (d + d_R)), k, v))


@pytest.mark.parametrize("d", [4, 16, 32])
def test_mla_cache_has_the_papers_proportions(d):
    # DeepSeek-V2: d_c = 4 d_h and d_h^R = d_h / 2, so a token costs 4.5 d_h numbers for all heads together.
    x = draw("mla", 3, d, heads=8)
    d_c, d_R = x["W_dkv"].shape[0], x["W_kr"].shape[0]
    assert (d_c, d_R) == (4 * d, d // 2)
    assert d_c + d_R == 4.5 * d < 2 * 8 * d  # multi-head attention with 8 heads: 2 H d_h


# --- Tensor Product Attention -------------------------------------------------------------------------------


def tpa_heads(x, W_a, W_b, rope):
    """The page's (1/R) sum_r a_r(x_t) b_r(x_t)^T, computed literally per token: (T, H, d)."""
    T, R = len(x["x"]), W_a.shape[0]
    out = np.zeros((T, W_a.shape[1], W_b.shape[1]))
    for t in range(T):
        for r in range(R):
            a = W_a[r] @ x["x"][t]
            b = W_b[r] @ x["x"][t]
            if rope:
                b = load("rope").rotate(b[None], np.array([float(t)]), x["theta"])[0]
            out[t] += np.outer(a, b) / R
    return out


def test_tpa_factor_space_decode_is_attention_on_the_assembled_heads():
    x = draw("tpa", 11, 4, seed=1, heads=3, rank=2)
    q = tpa_heads(x, x["W_aq"], x["W_bq"], rope=True)
    k = tpa_heads(x, x["W_ak"], x["W_bk"], rope=True)
    v = tpa_heads(x, x["W_av"], x["W_bv"], rope=False)
    close(load("tpa").recurrent(**x), transformer_heads(q, k, v))


def test_tpa_with_the_same_head_factor_for_every_head_is_multi_query_attention():
    # Rank 1 and one head vector shared by the heads: every head's key is a_t b_t, the same for all heads.
    x = draw("tpa", 12, 4, seed=2, heads=3, rank=1)
    for name in ("W_ak", "W_av"):
        x[name] = np.repeat(x[name][:, :1], 3, axis=1)
    q = tpa_heads(x, x["W_aq"], x["W_bq"], rope=True)
    k = tpa_heads(x, x["W_ak"], x["W_bk"], rope=True)[:, :1]
    v = tpa_heads(x, x["W_av"], x["W_bv"], rope=False)[:, :1]
    close(load("tpa").recurrent(**x), load("mqa").recurrent(q, k, v))


@pytest.mark.parametrize("H,d,R", [(4, 16, 2), (8, 32, 2), (8, 32, 4)])
def test_tpa_factor_cache_is_smaller_than_the_multi_head_cache(H, d, R):
    x = draw("tpa", 3, d, heads=H, rank=R)
    per_token = sum(x[n].shape[0] * (x[n].shape[1]) for n in ("W_ak", "W_bk", "W_av", "W_bv"))
    assert per_token == 2 * R * (H + d) < 2 * H * d
