"""The GPU adapters of the models added with the KV-layout facet (grouped and latent caches, gates, sinks,
masks, and fla's newer recurrent kernels): their kernels_wasm mappings (each adapter's reference_args), pinned
two ways.

1. Lineage reductions: where a model reduces to an older mapped one (GQA with G = H is multi-head attention,
   a shut sink is the Transformer, HGRN's scan is Griffin's kernel), the two references agree.
2. What the GPU kernel computes, written out in numpy from the package's own code (fla's Triton loops and
   naive references, the adapter's torch steps), equals the reference on the mapped inputs.

numpy only; inputs in each adapter's layout and dtype conventions (log-space gates, head-first SDPA)."""

import numpy as np
import pytest
from bench_helpers import ref

from kernels_wasm import rope
from zoo.bench import catalog, flops, wasm

B, T, H, D = 2, 20, 4, 8


def _logsig(x):
    return -np.logaddexp(0.0, -x)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _unit(a):
    return a / np.linalg.norm(a, axis=-1, keepdims=True)


def _softmax_attention(q, k, v, mask=None, sink=None):
    """Causal softmax attention of one head (T, d) in float64; an optional visibility mask and sink logit."""
    n = len(q)
    s = q @ k.T / np.sqrt(q.shape[1])
    vis = np.tril(np.ones((n, n), dtype=bool)) if mask is None else mask
    s = np.where(vis, s, -np.inf)
    m = s.max(1, keepdims=True) if sink is None else np.maximum(s.max(1, keepdims=True), sink)
    e = np.exp(s - m)
    den = e.sum(1, keepdims=True) + (0 if sink is None else np.exp(sink - m))
    return (e / den) @ v


def _hf(rng, *shape):
    return rng.standard_normal(shape)


# ------------------------------------------------------------------------------ softmax family: reductions


def test_gqa_is_multi_head_attention_with_each_head_reading_its_groups_keys():
    """SDPA's enable_gqa pairs query head h with key-value head h // (H / G), as kernels_wasm's g(h) does."""
    rng = np.random.default_rng(0)
    G = 2
    x = {"q": _hf(rng, B, H, T, D), "k": _hf(rng, B, G, T, D), "v": _hf(rng, B, G, T, D)}
    got = ref("gqa", x, (B, T, H, D))
    R = H // G
    full = {"q": x["q"], "k": np.repeat(x["k"], R, axis=1), "v": np.repeat(x["v"], R, axis=1)}
    assert wasm.rel_err(got, ref("transformer", full, (B, T, H, D))) < 1e-12
    one = {**x, "k": x["k"][:, :1], "v": x["v"][:, :1]}
    assert wasm.rel_err(ref("mqa", one, (B, T, H, D)), ref("gqa", one, (B, T, H, D))) < 1e-12


def test_an_open_gate_is_the_transformer_and_the_gate_multiplies_each_channel():
    rng = np.random.default_rng(1)
    x = {n: _hf(rng, B, H, T, D) for n in ("q", "k", "v", "z")}
    base = ref("transformer", x, (B, T, H, D))
    assert (
        wasm.rel_err(ref("gated-attention", {**x, "z": np.full_like(x["z"], 40.0)}, (B, T, H, D)), base)
        < 1e-12
    )
    want = base * _sigmoid(x["z"]).transpose(0, 2, 1, 3)
    assert wasm.rel_err(ref("gated-attention", x, (B, T, H, D)), want) < 1e-12


def test_differential_attention_is_two_sdpa_passes_subtracted():
    """The adapter's run: sdpa(q1, k1, v) - lambda_h sdpa(q2, k2, v), lambda_h from the four vectors."""
    rng = np.random.default_rng(2)
    x = {n: _hf(rng, B, H, T, D) for n in ("q1", "q2", "k1", "k2", "v")}
    x |= {n: rng.normal(0, 0.1, (H, D)) for n in ("lq1", "lk1", "lq2", "lk2")}
    lam = np.exp((x["lq1"] * x["lk1"]).sum(-1)) - np.exp((x["lq2"] * x["lk2"]).sum(-1))
    lam += 0.8 - 0.6 * np.exp(-0.3 * 3)
    want = np.empty((B, T, H, D))
    for b in range(B):
        for h in range(H):
            o1 = _softmax_attention(x["q1"][b, h], x["k1"][b, h], x["v"][b, h])
            o2 = _softmax_attention(x["q2"][b, h], x["k2"][b, h], x["v"][b, h])
            want[b, :, h] = o1 - lam[h] * o2
    assert wasm.rel_err(ref("diff-transformer", x, (B, T, H, D), layer=4), want) < 1e-12


def test_the_sink_logit_joins_the_denominator_and_a_shut_sink_is_the_transformer():
    """fla's parallel_attn(sink_bias=b): p_i = exp(s_i) / (sum_j exp(s_j) + exp(b_h)), layout (B, T, H, D)."""
    rng = np.random.default_rng(3)
    x = {n: _hf(rng, B, T, H, D) for n in ("q", "k", "v")}
    x["sink"] = rng.standard_normal(H) * 2
    want = np.empty((B, T, H, D))
    for b in range(B):
        for h in range(H):
            want[b, :, h] = _softmax_attention(
                x["q"][b, :, h], x["k"][b, :, h], x["v"][b, :, h], sink=x["sink"][h]
            )
    assert wasm.rel_err(ref("sink-logit", x, (B, T, H, D)), want) < 1e-12
    shut = ref("sink-logit", {**x, "sink": np.full(H, -1e4)}, (B, T, H, D))
    head_first = {n: x[n].transpose(0, 2, 1, 3) for n in ("q", "k", "v")}
    assert wasm.rel_err(shut, ref("transformer", head_first, (B, T, H, D))) < 1e-12


def test_streamingllm_is_the_flex_mask_of_sinks_and_window():
    """FlexAttention's mask_mod in the adapter: kv <= q and (kv < n_s or q - kv < W)."""
    rng = np.random.default_rng(4)
    x = {n: _hf(rng, B, H, T, D) for n in ("q", "k", "v")}
    t, j = np.arange(T)[:, None], np.arange(T)[None, :]
    mask = (j <= t) & ((j < 2) | (t - j < 6))
    want = np.stack(
        [np.stack([_softmax_attention(x["q"][b, h], x["k"][b, h], x["v"][b, h], mask) for h in range(H)], 1)
         for b in range(B)]
    )  # fmt: skip
    assert wasm.rel_err(ref("streamingllm", x, (B, T, H, D), now={"window": 6}, sinks=2), want) < 1e-12
    wide = ref("streamingllm", x, (B, T, H, D), now={"window": T}, sinks=2)
    assert wasm.rel_err(wide, ref("transformer", x, (B, T, H, D))) < 1e-12


def test_deltaformer_without_erase_is_the_transformer():
    rng = np.random.default_rng(5)
    x = {n: _hf(rng, B, T, H, D) for n in ("q", "k", "v")}
    x["beta"] = np.zeros((B, T, H))
    head_first = {n: x[n].transpose(0, 2, 1, 3) for n in ("q", "k", "v")}
    assert (
        wasm.rel_err(ref("deltaformer", x, (B, T, H, D)), ref("transformer", head_first, (B, T, H, D)))
        < 1e-12
    )


def _mla_adapter_forward(x):
    """The adapter's run in numpy: projections, RoPE on adjacent pairs, naive per-head keys and values."""
    h = x["h"]
    pos = np.arange(h.shape[1], dtype=float)

    def rot(a):  # (B, T, [H,] d_R)
        flat = a.reshape(a.shape[0], a.shape[1], -1, a.shape[-1])
        out = np.stack([rope.rotate(flat[:, :, i].reshape(-1, a.shape[-1]), np.tile(pos, a.shape[0]),
                                    x["theta"]).reshape(a.shape[0], a.shape[1], -1)
                        for i in range(flat.shape[2])], 2)  # fmt: skip
        return out.reshape(a.shape)

    c = h @ x["W_dkv"].T
    c_q = h @ x["W_dq"].T
    q = np.concatenate([np.einsum("hdc,btc->bthd", x["W_uq"], c_q),
                        rot(np.einsum("hrc,btc->bthr", x["W_qr"], c_q))], -1)  # fmt: skip
    k_R = rot(h @ x["W_kr"].T)
    Hh = x["W_uk"].shape[0]
    k = np.concatenate([np.einsum("hdc,btc->bthd", x["W_uk"], c), np.repeat(k_R[:, :, None], Hh, 2)], -1)
    v = np.einsum("hdc,btc->bthd", x["W_uv"], c)
    return np.stack(
        [np.stack([_softmax_attention(q[b, :, i], k[b, :, i], v[b, :, i]) for i in range(Hh)], 1)
         for b in range(h.shape[0])]
    )  # fmt: skip


def test_mla_naive_prefill_equals_the_absorbed_decode_reference():
    """The adapter times the naive form; kernels_wasm's recurrent is the absorbed decode: the same numbers."""
    rng = np.random.default_rng(6)
    d_c, d_R = 4 * D, D // 2
    shapes = {"W_dkv": (d_c, H * D), "W_uk": (H, D, d_c), "W_uv": (H, D, d_c), "W_kr": (d_R, H * D),
              "W_dq": (d_c, H * D), "W_uq": (H, D, d_c), "W_qr": (H, d_R, d_c)}  # fmt: skip
    x = {n: rng.standard_normal(s) / np.sqrt(s[-1]) for n, s in shapes.items()}
    x["h"] = rng.standard_normal((B, T, H * D))
    x["theta"] = rope.frequencies(d_R)
    assert wasm.rel_err(ref("mla", x, (B, T, H, D)), _mla_adapter_forward(x)) < 1e-10


# ------------------------------------------------------------------------------ recurrent family


def test_lightning_attention_is_fla_simple_gla_with_its_slope_schedule():
    """chunk_lightning_attn = chunk_simple_gla with g_gamma = -(8 / H (1 - l / L)) h, scale 1 here."""
    rng = np.random.default_rng(7)
    x = {n: rng.standard_normal((B, T, H, D)) for n in ("q", "k", "v")}
    want = np.empty((B, T, H, D))
    for b in range(B):
        for h in range(H):
            g = -(8 / H * (1 - 12 / 24)) * h
            S = np.zeros((D, D))  # fla's (K, V) state
            for t in range(T):
                S = np.exp(g) * S + np.outer(x["k"][b, t, h], x["v"][b, t, h])
                want[b, t, h] = x["q"][b, t, h] @ S
    assert wasm.rel_err(ref("lightning-attention", x, (B, T, H, D), layer=12, layers=24), want) < 1e-12


def test_hgrn_read_back_from_the_scan_inputs_is_griffins_scan():
    """The adapter hands chunk_hgrn x = (1 - lambda) c and g = log lambda; HGRN's reference on the values read
    back equals the bare scan h_t = exp(g_t) h_{t-1} + x_t (Griffin's mapping of the same kernel)."""
    rng = np.random.default_rng(8)
    C, gamma = H * D, 0.5
    lam = gamma + (1 - gamma) * _sigmoid(rng.standard_normal((B, T, C)) + 1)
    x = {"x": (1 - lam) * rng.standard_normal((B, T, C)), "g": np.log(lam)}
    got = ref("hgrn", x, (B, T, C), gamma=gamma)
    assert wasm.rel_err(got, ref("griffin", x, (B, T, C))) < 1e-12


def test_mesanet_is_fla_naive_mesa_net_exact():
    """fla's naive_mesa_net_exact: h_kk, h_kv decayed by exp(g) and written with beta; q* solves
    (h_kk + diag(lamb)) q* = q; o = q*^T h_kv. No scale on q."""
    rng = np.random.default_rng(9)
    x = {"q": _unit(rng.standard_normal((B, T, H, D))), "k": _unit(rng.standard_normal((B, T, H, D))),
         "v": rng.standard_normal((B, T, H, D)), "g": _logsig(rng.standard_normal((B, T, H)) + 3),
         "beta": _sigmoid(rng.standard_normal((B, T, H)))}  # fmt: skip
    x["lamb"] = np.log1p(np.exp(rng.random((H, D)))) + 0.25
    want = np.empty((B, T, H, D))
    for b in range(B):
        for h in range(H):
            kk, kv = np.zeros((D, D)), np.zeros((D, D))
            for t in range(T):
                k, v, f, be = x["k"][b, t, h], x["v"][b, t, h], np.exp(x["g"][b, t, h]), x["beta"][b, t, h]
                kk = kk * f + be * np.outer(k, k)
                kv = kv * f + be * np.outer(k, v)
                want[b, t, h] = np.linalg.solve(kk + np.diag(x["lamb"][h]), x["q"][b, t, h]) @ kv
    assert wasm.rel_err(ref("mesanet", x, (B, T, H, D)), want) < 1e-10


def _comba_inputs(rng):
    k = _unit(rng.standard_normal((B, T, H, D)))
    return {"q": _unit(rng.standard_normal((B, T, H, D))), "k": k, "p": k.copy(),
            "v": rng.standard_normal((B, T, H, D)), "g": _logsig(rng.standard_normal((B, T, H)) + 2),
            "beta": _sigmoid(rng.standard_normal((B, T, H)))}  # fmt: skip


def test_comba_is_flas_fused_recurrent_loop_with_p_equal_to_k():
    """fla's fused_recurrent_comba kernel, step by step: v -= h^T p (the state before the decay),
    h *= exp(g), v *= beta, h += k v^T, o = h^T (q / sqrt(K)). Its chunk kernel computes the same (the
    decay on p's products is exclusive of the step's own gate)."""
    rng = np.random.default_rng(10)
    x = _comba_inputs(rng)
    want = np.empty((B, T, H, D))
    for b in range(B):
        for h in range(H):
            S = np.zeros((D, D))
            for t in range(T):
                u = x["v"][b, t, h] - S.T @ x["p"][b, t, h]
                S = S * np.exp(x["g"][b, t, h])
                S = S + np.outer(x["k"][b, t, h], x["beta"][b, t, h] * u)
                want[b, t, h] = S.T @ (x["q"][b, t, h] * D**-0.5)
    assert wasm.rel_err(ref("comba", x, (B, T, H, D)), want) < 1e-12
    # no decay: Comba is DeltaNet, through DeltaNet's mapping of the same inputs
    flat = {**x, "g": np.zeros_like(x["g"])}
    delta = {n: flat[n] for n in ("q", "k", "v", "beta")}
    assert wasm.rel_err(ref("comba", flat, (B, T, H, D)), ref("deltanet", delta, (B, T, H, D))) < 1e-12


def test_the_comba_mapping_refuses_an_auxiliary_key_other_than_k():
    x = _comba_inputs(np.random.default_rng(11))
    with pytest.raises(ValueError, match="p = k"):
        ref("comba", {**x, "p": x["p"] * 2}, (B, T, H, D))


# ------------------------------------------------------------------------------ registry consistency


def test_every_model_with_a_gpu_adapter_has_a_flop_count():
    assert {m for m, k in catalog.KERNELS.items() if k.adapter} <= set(flops.COSTS)


def test_adapters_draw_inputs_the_mapping_accepts_on_cpu(monkeypatch):
    """Where torch is installed: every new adapter draws its check inputs on the CPU and the mapping turns
    them into a finite reference of the kernel's output shape."""
    torch = pytest.importorskip("torch")
    monkeypatch.setenv("ZOO_BENCH_DEVICE", "cpu")
    import importlib
    import sys

    for name in [m for m in sys.modules if m.startswith("zoo.bench.adapters")]:
        monkeypatch.delitem(sys.modules, name)  # DEV is read when the package is imported
    adapters = importlib.import_module("zoo.bench.adapters")
    new = ("gqa", "mqa", "mla", "gated-attention", "diff-transformer", "sink-logit", "streamingllm",
           "deltaformer", "lightning-attention", "hgrn", "mesanet", "comba", "nsa", "moba", "lru",
           "s5", "bigbird", "mega", "hedgehog", "preconditioned-deltanet")  # fmt: skip
    for mid in new:
        ad = adapters.ADAPTERS[catalog.KERNELS[mid].adapter]()
        x = ad.check_inputs(4, 16)
        xn = {n: adapters.np64(t) for n, t in x.items() if isinstance(t, torch.Tensor)}
        lead = next(n for n in ("k", "x", "h", "v") if n in xn)
        Bx, Tx = xn[lead].shape[0], ad.check_T
        channels = mid in ("hgrn", "lru", "s5")
        heads = 16 if mid == "nsa" else 4  # NSA's kernel needs 16 query heads per key-value head
        shape = (Bx, Tx, 4 * 16) if channels else (Bx, Tx, heads, 16)
        out = wasm.reference(mid, xn, ad, shape)
        assert np.all(np.isfinite(out)), mid


# ------------------------------------------------------------------------------ sparse selection


def test_nsa_pairs_each_query_head_with_its_groups_key_head_and_full_selection_is_attention():
    """parallel_nsa shares one key-value head among G query heads. With every block selected, the selected
    branch alone (g_slc = 1, the others 0) is causal softmax attention over that head."""
    rng = np.random.default_rng(12)
    G, Hq = 2, 4
    x = {"q": rng.standard_normal((B, T, Hq, D)), "k": rng.standard_normal((B, T, Hq // G, D))}
    x["v"] = rng.standard_normal((B, T, Hq // G, D))
    x |= {"g_cmp": np.zeros((B, T, Hq)), "g_slc": np.ones((B, T, Hq)), "g_win": np.zeros((B, T, Hq))}
    got = ref("nsa", x, (B, T, Hq, D), now={"block": 4, "top_n": T // 4, "window": 3})
    full = {n: np.repeat(x[n], G, axis=2).transpose(0, 2, 1, 3) for n in ("k", "v")}
    want = ref("transformer", {"q": x["q"].transpose(0, 2, 1, 3), **full}, (B, T, Hq, D))
    assert wasm.rel_err(got, want) < 1e-12
    few = {"block": 4, "top_n": 3, "window": 3}  # selection now leaves blocks out
    assert wasm.rel_err(ref("nsa", x, (B, T, Hq, D), now=few), want) > 1e-3


def test_moba_reference_is_the_adapters_router_and_masked_softmax():
    """The adapter's route(): kbar = mean key of each block, scores q . kbar on the blocks that ended before
    the query's own block, the top k - 1 of them and the own block; then softmax over the chosen keys
    j <= t."""
    rng = np.random.default_rng(13)
    Bm, n = 4, 3
    x = {nm: rng.standard_normal((B, H, T, D)) for nm in ("q", "k", "v")}
    want = np.empty((B, T, H, D))
    for b in range(B):
        for h in range(H):
            q, k, v = x["q"][b, h], x["k"][b, h], x["v"][b, h]
            kbar = k.reshape(T // Bm, Bm, D).mean(1)
            s = q @ kbar.T
            own = np.arange(T) // Bm
            s = np.where(np.arange(T // Bm)[None, :] < own[:, None], s, -np.inf)
            sel = np.zeros_like(s, dtype=bool)
            for t in range(T):
                top = np.argsort(-s[t], kind="stable")[: n - 1]
                sel[t, top[np.isfinite(s[t, top])]] = True
                sel[t, own[t]] = True
            mask = sel[:, np.arange(T) // Bm] & np.tril(np.ones((T, T), dtype=bool))
            want[b, :, h] = _softmax_attention(q, k, v, mask)
    got = ref("moba", x, (B, T, H, D), now={"block": Bm, "top_k": n})
    assert wasm.rel_err(got, want) < 1e-12


# ------------------------------------------------------------------------------ complex diagonal state spaces


def _complex_scan_adapter(x, lam, Bbar, scale):
    """The adapter's run in numpy: u = B_bar v, the complex scan x_t = lambda x_{t-1} + u_t, then
    scale Re(C x) + D v, per batch row (v (B, T, C))."""
    u = x["v"] @ Bbar.T  # (B, T, P) complex
    states = np.zeros_like(u)
    h = np.zeros(u.shape[::2], dtype=complex)
    for t in range(u.shape[1]):
        h = lam * h + u[:, t]
        states[:, t] = h
    y = states.real @ x["C_re"].T - states.imag @ x["C_im"].T
    return scale * y + x["D"] * x["v"]


def _io(rng, C, P):
    return {
        "v": rng.standard_normal((B, T, C)),
        "B_re": rng.standard_normal((P, C)) / np.sqrt(2 * C),
        "B_im": rng.standard_normal((P, C)) / np.sqrt(2 * C),
        "C_re": rng.standard_normal((C, P)) / np.sqrt(P),
        "C_im": rng.standard_normal((C, P)) / np.sqrt(P),
        "D": rng.standard_normal(C),
    }


def test_lru_is_the_adapters_complex_scan_with_gamma_scaled_input():
    rng = np.random.default_rng(14)
    C, P = 6, 3
    x = _io(rng, C, P) | {
        "nu_log": np.log(rng.random(P) * 0.1 + 0.01),
        "theta_log": np.log(rng.random(P) * 6),
    }
    lam = np.exp(-np.exp(x["nu_log"]) + 1j * np.exp(x["theta_log"]))
    Bbar = np.sqrt(1 - np.abs(lam) ** 2)[:, None] * (x["B_re"] + 1j * x["B_im"])
    want = _complex_scan_adapter(x, lam, Bbar, 1.0)
    assert wasm.rel_err(ref("lru", x, (B, T, C)), want) < 1e-12


def test_s5_is_the_adapters_complex_scan_with_zero_order_hold_and_the_conjugate_half():
    rng = np.random.default_rng(15)
    C, P = 6, 3
    x = _io(rng, C, P) | {
        "Lambda_re": -0.5 * np.exp(rng.standard_normal(P) * 0.5),
        "Lambda_im": np.pi * rng.standard_normal(P),
        "log_step": np.log(0.001 + 0.099 * rng.random(P)),
    }
    Lam = x["Lambda_re"] + 1j * x["Lambda_im"]
    lam = np.exp(Lam * np.exp(x["log_step"]))
    Bbar = ((lam - 1) / Lam)[:, None] * (x["B_re"] + 1j * x["B_im"])
    want = _complex_scan_adapter(x, lam, Bbar, 2.0)
    assert wasm.rel_err(ref("s5", x, (B, T, C)), want) < 1e-12


# ------------------------------------------------------------------------------ masks and convolutions


def test_bigbird_links_are_the_flex_mask_of_window_globals_and_random_blocks():
    """The adapter's mask_mod: kv <= q and (q - kv < W or kv < G or kv // P in rand_blocks[q // P])."""
    rng = np.random.default_rng(16)
    P, W, G = 4, 4, 4
    x = {n: rng.standard_normal((B, H, T, D)) for n in ("q", "k", "v")}
    table = np.full((T // P, 2), -1)
    for qb in range(2, T // P):
        table[qb, : min(2, qb - 1)] = rng.choice(np.arange(1, qb), size=min(2, qb - 1), replace=False)
    x["rand_blocks"] = table.astype(float)  # as np64 hands it over
    now = {"window": W, "n_global": G, "block": P, "n_random": 2}
    t, j = np.arange(T)[:, None], np.arange(T)[None, :]
    rand = (table[t // P] == (j // P)[..., None]).any(-1)
    mask = (j <= t) & ((t - j < W) | (j < G) | rand)
    want = np.stack(
        [np.stack([_softmax_attention(x["q"][b, h], x["k"][b, h], x["v"][b, h], mask) for h in range(H)], 1)
         for b in range(B)]
    )  # fmt: skip
    assert wasm.rel_err(ref("bigbird", x, (B, T, H, D), now=now), want) < 1e-12


def test_mega_is_the_adapters_fft_ema_then_softmax_attention():
    """The adapter's run per head: EMA kernel K_l = sum_n eta alpha beta (1 - alpha delta)^l, a causal
    convolution, x' = SiLU(EMA + omega x), z = SiLU(x' W_z^T), q, k = kappa z + mu, softmax over raw v."""
    rng = np.random.default_rng(17)
    n = 2
    x = {"x": rng.standard_normal((B, T, H, D)), "v": rng.standard_normal((B, T, H, D))}
    x |= {nm: _sigmoid(rng.standard_normal((H, D, n))) for nm in ("alpha", "delta")}
    x |= {"beta": np.array([1.0, -1.0]) + 0.02 * rng.standard_normal((H, D, n))}
    x |= {"eta": rng.standard_normal((H, D, n)) / np.sqrt(n), "omega": rng.standard_normal((H, D))}
    x |= {"Wz": rng.standard_normal((H, D, D)) / np.sqrt(D)}
    x |= {nm: rng.standard_normal((H, D)) * 0.5 + 1 for nm in ("kq", "kk")}
    x |= {nm: rng.standard_normal((H, D)) * 0.1 for nm in ("mq", "mk")}

    def silu(a):
        return a * _sigmoid(a)

    want = np.empty((B, T, H, D))
    for h in range(H):
        K = np.einsum("dn,dnl->ld", x["eta"][h] * x["alpha"][h] * x["beta"][h],
                      (1 - x["alpha"][h] * x["delta"][h])[..., None] ** np.arange(T))  # fmt: skip
        for b in range(B):
            u = x["x"][b, :, h]
            ema = np.array([sum(K[l] * u[t - l] for l in range(t + 1)) for t in range(T)])
            z = silu(silu(ema + x["omega"][h] * u) @ x["Wz"][h].T)
            q, k = x["kq"][h] * z + x["mq"][h], x["kk"][h] * z + x["mk"][h]
            want[b, :, h] = _softmax_attention(q, k, x["v"][b, :, h])
    assert wasm.rel_err(ref("mega", x, (B, T, H, D)), want) < 1e-10


def test_hedgehog_is_fla_normalised_linear_attention_on_the_adapters_features():
    """chunk_linear_attn(normalize=True, scale=1): o_t = sum_s (phi_q . phi_k_s) v_s / (phi_q . sum_s phi_k_s)
    over s <= t, with phi(x) = [exp(W x + b), exp(-(W x + b))] per head."""
    rng = np.random.default_rng(18)
    x = {n: rng.standard_normal((B, T, H, D)) for n in ("q", "k", "v")}
    for n in ("Wq", "Wk"):
        x[n] = np.eye(D) + 0.1 * rng.standard_normal((H, D, D)) / np.sqrt(D)
    x["bq"], x["bk"] = 0.1 * rng.standard_normal((2, H, D))

    def phi(a, W, b):
        y = np.einsum("bthd,hed->bthe", a, W) + b
        return np.concatenate([np.exp(y), np.exp(-y)], -1)

    fq, fk = phi(x["q"], x["Wq"], x["bq"]), phi(x["k"], x["Wk"], x["bk"])
    causal = np.tril(np.ones((T, T)))
    want = np.empty((B, T, H, D))
    for b in range(B):
        for h in range(H):
            A = (fq[b, :, h] @ fk[b, :, h].T) * causal
            want[b, :, h] = (A @ x["v"][b, :, h]) / A.sum(1, keepdims=True)
    assert wasm.rel_err(ref("hedgehog", x, (B, T, H, D)), want) < 1e-12


def test_preconditioned_deltanet_is_flas_naive_loop():
    """fla's naive_recurrent_precond_gated_delta_rule: A = A exp(g_atk) + beta_atk k^2, r = log(A + eps) - c,
    k~ = k x^{-r / (1 + |r|)}; S = S exp(g), v' = beta (v - S^T k), S += k~ v'^T, o = S^T (q / sqrt(K))."""
    rng = np.random.default_rng(19)
    x = {"q": _unit(rng.standard_normal((B, T, H, D))), "k": _unit(rng.standard_normal((B, T, H, D)))}
    x["v"] = rng.standard_normal((B, T, H, D))
    x |= {n: _logsig(rng.standard_normal((B, T, H)) + 3) for n in ("g", "g_atk")}
    x |= {n: _sigmoid(rng.standard_normal((B, T, H))) for n in ("beta", "beta_atk")}
    x["c"] = -0.2 + 0.1 * rng.standard_normal(H)
    want = np.empty((B, T, H, D))
    for b in range(B):
        for h in range(H):
            S, A = np.zeros((D, D)), np.zeros(D)
            for t in range(T):
                k = x["k"][b, t, h]
                A = A * np.exp(x["g_atk"][b, t, h]) + x["beta_atk"][b, t, h] * k**2
                r = np.log(A + 1e-6) - x["c"][h]
                kp = k * np.exp(-np.log(1.5) * r / (1 + np.abs(r)))
                S = S * np.exp(x["g"][b, t, h])
                u = x["beta"][b, t, h] * (x["v"][b, t, h] - S.T @ k)
                S = S + np.outer(kp, u)
                want[b, t, h] = S.T @ (x["q"][b, t, h] * D**-0.5)
    assert wasm.rel_err(ref("preconditioned-deltanet", x, (B, T, H, D)), want) < 1e-12
