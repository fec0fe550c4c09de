"""Per-sequence memory of hybrid stacks, checked against numbers worked out by hand from the published
configurations (and, for Jamba, against the paper's own figure: 4 GB of KV cache at 256K tokens in 16 bit)."""

import math
import re

import pytest

from zoo import registry as registry_mod
from zoo.diagrams import blocks_of
from zoo.formula import FormulaError, evaluate, parse
from zoo.memory import (
    all_attention_bytes,
    calculator_data,
    human_bytes,
    layer_elements,
    stack_bytes,
    state_formula,
)
from zoo.schema.blocks import HybridLayer, HybridSpec, MemorySpec, MixerSizes, resolve_block

REG = registry_mod.load()
BLOCKS = blocks_of(REG)
MEMORY = {mid: resolve_block(mid, BLOCKS).memory for mid in BLOCKS}
HYBRIDS = {h.id: h for h in REG.hybrids}
GiB = 1024**3


def need(*ids):
    missing = [i for i in ids if i not in HYBRIDS and i not in MEMORY]
    if missing:
        pytest.skip(f"not in the registry yet: {missing}")


def test_jamba_matches_the_paper():
    need("jamba", "mamba", "nope")
    T = 256 * 1024
    got = stack_bytes(HYBRIDS["jamba"], MEMORY, T, "bf16")
    # 4 attention layers x (K and V) x 8 KV heads x 128 dims x T tokens x 2 bytes
    assert got["kv"] == 4 * 2 * 8 * 128 * T * 2 == 4 * GiB  # paper Table 1: 4GB
    # 28 Mamba layers x (d_inner 8192 x d_state 16 + conv cache 3 x 8192) x 2 bytes
    assert got["state"] == 28 * (8192 * 16 + 3 * 8192) * 2 == 8_716_288
    assert human_bytes(got["kv"]) == "4.0 GiB"


def test_qwen3_next_by_hand():
    need("qwen3-next", "gated-deltanet", "gated-attention")
    T = 262144
    got = stack_bytes(HYBRIDS["qwen3-next"], MEMORY, T, "bf16")
    # 12 gated-attention layers x 2 x 2 KV heads x 256 dims x T x 2 bytes = 6 GiB
    assert got["kv"] == 12 * 2 * 2 * 256 * T * 2 == 6 * GiB
    # 36 Gated DeltaNet layers x (32 value heads x 128 x 128 + conv cache 3 x (2*16*128 + 32*128)) x 2 bytes
    assert got["state"] == 36 * (32 * 128 * 128 + 3 * 8192) * 2 == 39_518_208


def test_kimi_linear_mla_cache_by_hand():
    need("kimi-linear", "kda", "mla")
    got = stack_bytes(HYBRIDS["kimi-linear"], MEMORY, 1_048_576, "bf16")
    # 7 MLA layers x (latent 512 + RoPE key 64) cached numbers per token x 1M tokens x 2 bytes
    assert got["kv"] == 7 * (512 + 64) * 1_048_576 * 2
    assert got["state"] == 20 * (32 * 128 * 128 + 3 * 12288) * 2


T128K = 131072


def test_deepseek_v3_2_mla_with_sparse_selection_by_hand():
    """MLA + DSA (released config_671B_v3.2.json): every one of the 61 layers caches a 512-dim latent, a
    64-dim RoPE key and a 128-dim indexer key per token; a new token attends to 2048 tokens and its indexer
    scans all keys."""
    need("deepseek-v3-2-exp", "dsa")
    got = stack_bytes(HYBRIDS["deepseek-v3-2-exp"], MEMORY, T128K, "bf16")
    assert got["kv"] == 61 * T128K * (512 + 64 + 128) * 2 == 11_257_511_936
    assert got["state"] == 0
    assert got["read"] == 61 * (2048 * (512 + 64) + T128K * 128) * 2 == 2_190_737_408
    # baseline: 61 layers of full MHA, 128 heads x (K 128 + V 128) per token
    assert all_attention_bytes(HYBRIDS["deepseek-v3-2-exp"], MEMORY, T128K) == 61 * T128K * 128 * 256 * 2
    assert human_bytes(all_attention_bytes(HYBRIDS["deepseek-v3-2-exp"], MEMORY, T128K)) == "488.0 GiB"
    # below the selection size the sparse layer reads everything it keeps
    short = stack_bytes(HYBRIDS["deepseek-v3-2-exp"], MEMORY, 1000, "bf16")
    assert short["read"] == short["kv"] == 61 * 1000 * 704 * 2


def test_gpt_oss_grouped_window_by_hand():
    """GQA + sliding window (openai/gpt-oss reference code, gpt_oss/torch/model.py): one mixer (attention with
    a learned sink logit per head, which keeps no tokens) in 36 layers, 8 KV heads of 64 dims; the 18 layers
    with an even index see only the last 128 tokens."""
    need("gpt-oss-120b", "sink-logit")
    h = HYBRIDS["gpt-oss-120b"]
    assert {m for lay in h.layers() for m in lay.mixer_ids()} == {"sink-logit"}
    windows = [h.sizes_of(lay, lay.mixer).window for lay in h.layers()]
    assert windows == [128, None] * 18  # layer_idx % 2 == 0 -> sliding_window = 128
    got = stack_bytes(h, MEMORY, T128K, "bf16")
    per_token = 8 * (64 + 64)
    assert got["kv"] == 18 * T128K * per_token * 2 + 18 * 128 * per_token * 2 == 4_836_556_800
    assert got["read"] == got["kv"] and got["state"] == 0
    assert all_attention_bytes(h, MEMORY, T128K) == 36 * T128K * 64 * 128 * 2 == 72 * GiB
    # a context shorter than the window: every layer keeps every token
    assert stack_bytes(h, MEMORY, 100, "bf16")["kv"] == 36 * 100 * per_token * 2
    # gpt-oss-20b: the same layers, 24 deep (12 sliding, 12 full)
    small = stack_bytes(HYBRIDS["gpt-oss-20b"], MEMORY, T128K, "bf16")
    assert small["kv"] == 12 * T128K * per_token * 2 + 12 * 128 * per_token * 2


def test_layer_sizes_go_on_top_of_the_stack_sizes_and_are_checked():
    base = {
        "id": "toy",
        "name": "Toy",
        "year": 2025,
        "n_layers": 2,
        "d_model": 8,
        "ratio": "1 : 1",
        "summary": "x",
        "paper": {"title": "T", "authors": ["A"], "arxiv": "2501.00001"},
        "sizes": {"swa": {"heads": 4, "kv_heads": 2, "head_dim": 8, "window": 16}},
    }
    stack = [{"layers": [{"mixer": "swa", "sizes": {"window": 4, "sink_tokens": 2}}, {"mixer": "swa"}]}]
    h = HybridSpec.model_validate(base | {"stack": stack})
    first, second = h.layers()
    assert h.sizes_of(first, "swa") == MixerSizes(heads=4, kv_heads=2, head_dim=8, window=4, sink_tokens=2)
    assert h.sizes_of(second, "swa") == h.sizes["swa"]
    mem = {"swa": MemorySpec(kind="kv_window")}
    assert stack_bytes(h, mem, 100, "fp32")["kv"] == (6 + 16) * 2 * 2 * 8 * 4
    # sink tokens on a layer need a window, from the layer or from the stack
    no_window = base | {"sizes": {"swa": {"heads": 4, "head_dim": 8}}}
    bad = [{"layers": [{"mixer": "swa", "sizes": {"sink_tokens": 2}}, {"mixer": "swa"}]}]
    with pytest.raises(ValueError, match="give window too"):
        HybridSpec.model_validate(no_window | {"stack": bad})
    with pytest.raises(ValueError, match="settings of this layer's 'mixer'"):
        HybridLayer(ffn="mlp", sizes={"window": 4})


def test_nemotron_h_hybrid_by_hand():
    """Mamba-2 + GQA hybrid (Nemotron-H-8B): 4 attention layers (8 KV heads of 128) and 24 Mamba-2 layers
    (8192 channels x state 128, plus a conv cache of 3 inputs of 8192 + 2 x 8 x 128 = 10240 channels)."""
    need("nemotron-h-8b", "mamba-2", "gqa")
    h = HYBRIDS["nemotron-h-8b"]
    T = 8192
    got = stack_bytes(h, MEMORY, T, "bf16")
    assert got["kv"] == 4 * T * 8 * 256 * 2 == 128 * 1024**2
    assert got["state"] == 24 * (8192 * 128 + 3 * 10240) * 2 == 51_806_208
    assert got["read"] == got["kv"] + got["state"]
    assert all_attention_bytes(h, MEMORY, T) == 28 * T * 32 * 256 * 2 == 3.5 * GiB


def test_falcon_h1_parallel_layers_keep_both_memories_and_count_once():
    """Falcon-H1-34B: each of the 72 layers runs GQA (4 KV heads of 128) beside Mamba-2 (4096 channels x
    state 256, conv cache over the 4096 SSM channels); the baseline is 72 layers deep, not 144."""
    need("falcon-h1-34b", "gqa", "mamba-2")
    h = HYBRIDS["falcon-h1-34b"]
    T = 262144
    got = stack_bytes(h, MEMORY, T, "bf16")
    assert got["kv"] == 72 * T * 4 * 256 * 2 == 36 * GiB
    assert got["state"] == 72 * (4096 * 256 + 3 * 4096) * 2
    assert got["by_mixer"]["gqa"]["layers"] == got["by_mixer"]["mamba-2"]["layers"] == 72
    assert all_attention_bytes(h, MEMORY, T) == 72 * T * 20 * 256 * 2 == 180 * GiB
    with pytest.raises(ValueError, match="run beside this layer's 'mixer'"):
        HybridLayer(ffn="mlp", parallel="mamba-2")


def test_formulas_on_their_own():
    kv = MemorySpec(kind="kv_cache")
    assert layer_elements(kv, MixerSizes(heads=8, head_dim=64), 10).kv == 10 * 2 * 8 * 64
    window = MemorySpec(kind="kv_window")
    sizes = MixerSizes(heads=4, kv_heads=1, head_dim=256, window=2048)
    assert layer_elements(window, sizes, 1000).kv == 1000 * 2 * 256
    assert layer_elements(window, sizes, 100_000).kv == 2048 * 2 * 256  # the window caps the cache
    log = MemorySpec(kind="log_matrix")
    assert layer_elements(log, MixerSizes(heads=2, head_dim=4), 1024).state == 2 * 4 * 4 * 11
    conv = MemorySpec(kind="matrix", conv=4, conv_streams=["q", "k", "v"])
    assert layer_elements(conv, MixerSizes(heads=2, head_dim=8), 5).state == 2 * 8 * 8 + 3 * (3 * 2 * 8)
    ssm = MemorySpec(kind="diag_ssm", state_size=16, conv=4)
    assert layer_elements(ssm, MixerSizes(d_inner=100), 5).state == 100 * 16 + 3 * 100
    # sinks: a window of 1024 keeps 4 more tokens from the start, once the context is longer than both
    sinks = MixerSizes(heads=2, head_dim=8, window=1024, sink_tokens=4)
    assert layer_elements(window, sinks, 10_000).kv == 1028 * 2 * 2 * 8
    assert layer_elements(window, sinks, 1026).kv == 1026 * 2 * 2 * 8
    # MQA: one KV head; values may have their own head dim
    mqa = MixerSizes(heads=8, kv_heads=1, head_dim=64, head_dim_v=32)
    assert layer_elements(kv, mqa, 10).kv == 10 * (64 + 32)
    # sparse selection without an indexer: cache in full, reads capped at k
    topk = layer_elements(kv, MixerSizes(heads=1, head_dim=4, selected_tokens=16), 1000)
    assert (topk.kv, topk.read) == (1000 * 8, 16 * 8)
    # recurrent state is read in full at every step, whatever T
    assert layer_elements(ssm, MixerSizes(d_inner=100), 10**6).read == 100 * 16 + 3 * 100


def test_sizes_that_need_a_partner_are_rejected():
    with pytest.raises(ValueError, match="give latent_dim"):
        MixerSizes(heads=2, rope_dim=64)
    with pytest.raises(ValueError, match="give window too"):
        MixerSizes(heads=2, sink_tokens=4)


def test_calculator_data_carries_every_input():
    if not HYBRIDS or not MEMORY:
        pytest.skip("no hybrids or blocks in the registry yet")
    models = [(m.id, m.name, m.short_name, m.readout) for m in REG.models]
    data = calculator_data(REG.hybrids, {k: v for k, v in MEMORY.items() if v}, models)
    memory = {m["id"]: m["memory"] for m in data["models"]}
    for h in data["hybrids"]:
        assert sum(row["count"] for row in h["layers"]) >= h["depth"]
        for row in h["layers"]:
            assert row["mixer"] in memory, f"{h['id']}: no memory spec for {row['mixer']}"
            assert (
                row["sizes"]
                == HYBRIDS[h["id"]].sizes[row["mixer"]].model_dump(exclude_none=True, exclude={"note"})
                | row["sizes"]
            )
    # gpt-oss: one mixer in two groups, with and without the window
    rows = next(h["layers"] for h in data["hybrids"] if h["id"] == "gpt-oss-120b")
    assert [(r["mixer"], r["count"], r["sizes"].get("window")) for r in rows] == [
        ("sink-logit", 18, 128),
        ("sink-logit", 18, None),
    ]
    # recurrent mixers carry their state formula as the polynomial the browser evaluates
    assert memory["titans"]["state_terms"] == [[2, {"d_k": 1, "d_v": 1, "h": 1}]]
    assert "state_terms" not in memory["transformer"]
    assert data["dtypes"]["bf16"] == 2


def test_state_formulas_by_hand():
    """What one layer keeps between steps, from each block's state formula, checked against the kernels'
    states at h = 2 heads, d_k = 8, d_v = 4 (d = 16 channels for the channel-wise cells)."""
    need(
        "titans",
        "mesanet",
        "slstm",
        "mlstm",
        "preconditioned-deltanet",
        "hedgehog",
        "based",
        "gated-deltanet",
    )
    sizes = MixerSizes(heads=2, head_dim=8, head_dim_v=4, d_inner=16)

    def state(mid):
        return layer_elements(MEMORY[mid], sizes, 1000).state

    # Titans: the memory S and the momentum U, each d_v x d_k per head; no conv counted
    assert state("titans") == 2 * (4 * 8 + 4 * 8) == 128
    # MesaNet: G (d_v x d_k) and the key covariance H (d_k x d_k) per head, plus 3 inputs of q, k, v
    assert state("mesanet") == 2 * (4 * 8 + 8 * 8) + 3 * (16 + 16 + 8) == 312
    # sLSTM: c, n, m and h, one number per channel each, plus 3 inputs of x (the 16 channels)
    assert state("slstm") == 4 * 16 + 3 * 16 == 112
    # mLSTM: C (d_v x d_k), n (d_k) and the stabiliser m per head, plus 3 inputs of x
    assert state("mlstm") == 2 * (4 * 8 + 8 + 1) + 3 * 16 == 130
    # Preconditioned DeltaNet: S and the curvature estimate a (d_k) per head, plus the q, k, v conv cache
    assert state("preconditioned-deltanet") == 2 * (4 * 8 + 8) + 3 * (16 + 16 + 8) == 200
    # Hedgehog: 2 d_k features per key; Based: 1 + 16 + 256 Taylor features of the 16-dim key (each with
    # its normaliser entry beside the d_v values)
    assert state("hedgehog") == 2 * (4 + 1) * 16 == 160
    assert state("based") == 2 * (4 + 1) * 273 == 2730
    # a block without a formula keeps its kind's default: Gated DeltaNet's d_v x d_k per head (+ conv)
    assert state_formula(MEMORY["gated-deltanet"]) == "h d_k d_v"
    assert state("gated-deltanet") == 2 * 4 * 8 + 3 * (16 + 16 + 8)


def test_formula_parser():
    assert parse("h (d_k d_v + d_k^2)") == [[1, {"d_k": 1, "d_v": 1, "h": 1}], [1, {"d_k": 2, "h": 1}]]
    assert evaluate(parse("2 (N + 1)^2 * D"), {"N": 3, "D": 5}) == 2 * 16 * 5
    assert parse("h d_v (1 + 16 + 16^2)") == [[273, {"d_v": 1, "h": 1}]]
    for bad, why in [
        ("h +", "ends too early"),
        ("x", "cannot read 'x'"),
        ("(h", "not closed"),
        ("h)", "')'"),
    ]:
        with pytest.raises(FormulaError, match=re.escape(why)):
            parse(bad)
    with pytest.raises(ValueError, match="cannot read"):
        MemorySpec(kind="matrix", state="d_k d_q")
    with pytest.raises(ValueError, match="a long_conv layer keeps its inputs"):
        MemorySpec(kind="long_conv", state="h d_k")
    # a softmax layer may keep a fixed state beside its cache (Mega's EMA): counted as state, read each step
    ema_spec = MemorySpec(kind="kv_cache", state="D N", state_size=2)
    ema = layer_elements(ema_spec, MixerSizes(heads=1, head_dim=4), 10)
    assert (ema.kv, ema.state, ema.read) == (10 * 8, 4 * 2, 10 * 8 + 4 * 2)


# The card's formula (cost.state, per head, in the paper's letters) and its number (from the block's memory
# spec) must be the same count, for every model. The card's letters, as the memory formulas name them: d is
# the head width (one head: the channels D); an SSM's key side is its state size N (Mamba-2's d_k x d_v
# state is N x P); the size a model chooses for its state (slots or features m, LRU's N, S5's P, Mega's EMA
# dimensions n, Based's feature dimension \tilde d, Linformer's k) is N; t and T are the context, W the
# window, n_s the sink tokens. A card may leave out the short-conv cache (as Mamba's does) or count it (H3's
# shift keys, N_s - 1 of them). A block whose card uses letters the calculator sizes differently says why in
# memory.card_differs; no other card is skipped.
_WORD = r"(?<![A-Za-z_\\]){}(?![A-Za-z_])"
_CONTEXT, _WINDOW, _SINKS, _INDEX = 1000, 64, 4, 16
_LEVELS = int(math.floor(math.log2(_CONTEXT))) + 1  # the Fenwick levels the count keeps for the card's log T
_CARD_LETTERS = {
    "any": [
        (r"\\text\{.*$", ""),  # words after the formula ('for all H heads') gloss it
        (r"[{}]", " "),  # braces only keep a group on one line
        (r"\\[,;!]", " "),
        (r"\\cdot", "*"),
        (r"\\log T", "L"),
        (r"\\tilde d", "N"),
        (r"d\^I", str(_INDEX)),
        (r"\( *N_s - 1 *\)", "{conv_kept}"),
        (_WORD.format("n_s"), str(_SINKS)),
        (_WORD.format("[tT]"), str(_CONTEXT)),
        (_WORD.format("W"), str(_WINDOW)),
        (_WORD.format("[mnP]"), "N"),
        (_WORD.format("d"), "D"),
    ],
    "diag_ssm": [(_WORD.format("d_k"), "N"), (_WORD.format("d_v"), "D")],
    "ssd": [(_WORD.format("d_k"), "N"), (_WORD.format("d_v"), "D")],
    "slots": [(_WORD.format("k"), "N"), (_WORD.format("D"), "d_k")],
}


def _card_terms(text, mem):
    for pattern, repl in _CARD_LETTERS["any"] + _CARD_LETTERS.get(mem.kind, []):
        text = re.sub(pattern, repl.format(conv_kept=(mem.conv or 1) - 1), text)
    return parse(text)  # a card that cannot be read fails here, with the text it could not read


def _one_head(mem, card, d):
    """One head of width d, sized for the card's letters (a window and sinks only where the card has them)."""
    sizes = {"heads": 1, "head_dim": d, "d_inner": d}
    if mem.kind == "kv_window":
        sizes["window"] = _WINDOW
        if "n_s" in card:
            sizes["sink_tokens"] = _SINKS
    if "d^I" in card:
        sizes["indexer_dim"] = _INDEX
    return MixerSizes(**sizes)


def test_card_formula_and_count_agree():
    compared, differs = [], []
    for m in REG.models:
        mem = MEMORY.get(m.id)
        assert mem is not None, f"{m.id}: no block memory spec"
        if mem.card_differs:
            differs.append(m.id)
            continue
        card = _card_terms(m.cost.state, mem)
        for d in (8, 16):  # the card writes one head with d_k = d_v = d
            sizes = _one_head(mem, m.cost.state, d)
            env = {"h": 1, "d_k": d, "d_v": d, "D": d, "N": mem.state_size or 3, "L": _LEVELS}
            whole = layer_elements(mem, sizes, _CONTEXT)
            bare = layer_elements(mem.model_copy(update={"conv": None}), sizes, _CONTEXT)
            counts = {whole.kv + whole.state, bare.kv + bare.state}
            assert evaluate(card, env) in counts, (m.id, m.cost.state, state_formula(mem), counts)
        compared.append(m.id)
    assert len(compared) + len(differs) == len(REG.models)
    assert len(differs) <= 8, differs  # a reason per block, kept rare


def test_states_the_cards_name():
    """The states the kernels keep while decoding, beyond K and V or one matrix (checked by hand at h = 2,
    d_k = 8, d_v = 4, D = 16 channels)."""
    need("lru", "s5", "mega", "performer", "h3", "linear-attention", "hedgehog", "based", "abc", "hyena")
    sizes = MixerSizes(heads=2, head_dim=8, head_dim_v=4, d_inner=16)

    def kept(mid, T=1000, **more):
        per = layer_elements(MEMORY[mid], sizes.model_copy(update=more), T)
        return per.kv + per.state

    assert kept("lru") == 2 * 16  # N = 16 complex modes, shared by all channels
    assert kept("lru", state_size=256) == 512  # a stack's own N
    assert kept("s5") == 2 * 128  # P = 128 modes: the released code's 256, halved by conjugate symmetry
    # Mega: K and V of every token, plus the EMA's n = 2 numbers per channel
    assert kept("mega") == 1000 * 2 * (8 + 4) + 16 * 2
    # normalised linear attention keeps z beside S: d_k for elu+1, m for Performer, 2 d_k for Hedgehog
    assert kept("linear-attention") == 2 * (8 * 4 + 8)
    assert kept("performer") == 2 * (64 * 4 + 64)
    assert kept("hedgehog") == 2 * (2 * 8 * 4 + 2 * 8)
    assert kept("based") == 2 * (4 + 1) * 273
    # ABC: key and value slots and the normaliser of the control scores, m = 64 each
    assert kept("abc") == 2 * 64 * (8 + 4 + 1)
    # H3: N = 64 numbers per d_k x d_v entry, plus the shift SSM's last 3 keys (N_s = 4)
    assert kept("h3") == 2 * 64 * 8 * 4 + 3 * (2 * 8)
    # Hyena of order 2: the inputs of both long convolutions, plus the width-3 short-conv cache of v
    # (h d_v = 8 channels) and of x1 and x2 (16 each)
    assert kept("hyena") == 1000 * 16 * 2 + 2 * (8 + 16 + 16)


def test_zamba2_shared_blocks_by_hand():
    """Zamba2-2.7B (released config): 54 Mamba-2 layers (5120 channels x state 64, conv cache over
    5120 + 2 x 64 channels) and 9 applications of two shared attention blocks, each with its own cache of
    32 KV heads of 160."""
    need("zamba2-2-7b", "mamba-2", "transformer")
    h = HYBRIDS["zamba2-2-7b"]
    labels = [lay.label for lay in h.layers() if lay.shared]
    assert labels == ["Shared attention A", "Shared attention B"] * 4 + ["Shared attention A"]
    got = stack_bytes(h, MEMORY, 4096, "bf16")
    assert got["kv"] == 9 * 4096 * 32 * (160 + 160) * 2 == 720 * 1024**2
    assert got["state"] == 54 * (5120 * 64 + 3 * 5248) * 2 == 37_089_792
    # the baseline runs full attention in every one of the 63 mixer layers the stack runs
    assert all_attention_bytes(h, MEMORY, 4096) == 63 * 4096 * 32 * 320 * 2


def test_granite_4_h_micro_by_hand():
    """Granite 4.0-H-Micro (released config): 4 GQA layers (8 KV heads of 64) and 36 Mamba-2 layers (4096
    channels x state 128, conv cache over 4096 + 2 x 128 channels)."""
    need("granite-4-0-h-micro", "mamba-2", "gqa")
    h = HYBRIDS["granite-4-0-h-micro"]
    assert [i for i, lay in enumerate(h.layers()) if lay.mixer == "gqa"] == [5, 15, 25, 35]
    got = stack_bytes(h, MEMORY, T128K, "bf16")
    assert got["kv"] == 4 * T128K * 8 * 128 * 2 == 1 * GiB
    assert got["state"] == 36 * (4096 * 128 + 3 * 4352) * 2 == 38_688_768
    assert all_attention_bytes(h, MEMORY, T128K) == 40 * T128K * 32 * 128 * 2 == 40 * GiB


def test_yoco_keeps_one_cache_for_the_cross_decoder_by_hand():
    """YOCO-3B (released code, yoco_3b): 13 gated-retention layers (24 heads, a 128 x 128 state each), then
    13 cross-attention layers that all attend to one global cache of 8 KV heads of 128: kept once, read by
    each."""
    need("yoco-3b", "retnet", "gqa")
    h = HYBRIDS["yoco-3b"]
    T = 1 << 20
    got = stack_bytes(h, MEMORY, T, "bf16")
    assert got["kv"] == 1 * T * 8 * (128 + 128) * 2 == 4 * GiB  # not 13 x 4 GiB
    assert got["state"] == 13 * 24 * 128 * 128 * 2 == 10_223_616
    assert got["read"] == 13 * 4 * GiB + got["state"]
    assert got["by_mixer"]["gqa"]["layers"] == 13
    assert all_attention_bytes(h, MEMORY, T) == 26 * T * 24 * 256 * 2 == 312 * GiB


def test_a_layer_reuses_a_cache_kept_below_it():
    base = {
        "id": "toy",
        "name": "Toy",
        "year": 2025,
        "n_layers": 3,
        "d_model": 8,
        "ratio": "1 : 1",
        "summary": "x",
        "paper": {"title": "T", "authors": ["A"], "arxiv": "2501.00001"},
        "sizes": {"gqa": {"heads": 4, "kv_heads": 2, "head_dim": 8}},
    }
    keep, reuse = {"mixer": "gqa"}, {"mixer": "gqa", "reuses_cache": True}
    h = HybridSpec.model_validate(base | {"stack": [{"layers": [keep, reuse, reuse]}]})
    got = stack_bytes(h, {"gqa": MemorySpec(kind="kv_cache")}, 10, "fp32")
    assert (got["kv"], got["read"]) == (10 * 2 * 16 * 4, 3 * 10 * 2 * 16 * 4)
    with pytest.raises(ValueError, match="no 'gqa' layer below keeps one"):
        HybridSpec.model_validate(base | {"stack": [{"layers": [reuse, keep, keep]}]})
    with pytest.raises(ValueError, match="only a softmax layer"):
        stack_bytes(h, {"gqa": MemorySpec(kind="matrix")}, 10, "fp32")
    # the calculator gets the readers as a group of their own
    data = calculator_data([h], {"gqa": MemorySpec(kind="kv_cache")}, [("gqa", "GQA", "GQA", "softmax")])
    assert [(r["count"], r.get("reuses_cache", False)) for r in data["hybrids"][0]["layers"]] == [
        (1, False),
        (2, True),
    ]


def test_qwen3_5_397b_by_hand():
    """Qwen3.5-397B-A17B (text config in NVIDIA-NeMo/Megatron-Bridge's Qwen3.5 bridge tests): 15
    gated-attention layers (2 KV heads of 256) and 45 Gated DeltaNet layers (64 value heads with a 128 x 128
    state each, conv cache over 2 x 16 x 128 query/key + 64 x 128 value channels)."""
    need("qwen3-5-397b", "gated-deltanet", "gated-attention")
    h = HYBRIDS["qwen3-5-397b"]
    assert [i for i, lay in enumerate(h.layers()) if lay.mixer == "gated-attention"] == list(range(3, 60, 4))
    T = 262144
    got = stack_bytes(h, MEMORY, T, "bf16")
    assert got["kv"] == 15 * T * 2 * 2 * 256 * 2 == 7.5 * GiB
    assert got["state"] == 45 * (64 * 128 * 128 + 3 * (2 * 16 * 128 + 64 * 128)) * 2 == 97_689_600
    assert all_attention_bytes(h, MEMORY, T) == 60 * T * 32 * 512 * 2 == 480 * GiB


def test_olmo_hybrid_7b_by_hand():
    """OLMo Hybrid 7B (OlmoHybridConfig for allenai/Olmo-Hybrid-7B in transformers and SGLang): 8
    full-attention layers (30 heads of 128, as many KV heads) and 24 Gated DeltaNet layers whose 30 heads each
    keep a 96 x 192 state, plus a conv cache over 30 x (96 + 96 + 192) channels."""
    need("olmo-hybrid-7b", "gated-deltanet", "transformer")
    h = HYBRIDS["olmo-hybrid-7b"]
    assert [i for i, lay in enumerate(h.layers()) if lay.mixer == "transformer"] == list(range(3, 32, 4))
    T = 65536
    got = stack_bytes(h, MEMORY, T, "bf16")
    assert got["kv"] == 8 * T * 30 * (128 + 128) * 2 == 7.5 * GiB
    assert got["state"] == 24 * (30 * 96 * 192 + 3 * 30 * (96 + 96 + 192)) * 2 == 28_200_960
    assert all_attention_bytes(h, MEMORY, T) == 32 * T * 30 * 256 * 2 == 30 * GiB


def test_kimi_k3_by_hand():
    """Kimi K3 (released config.json): MLA at the 1-indexed layers 4, 8, ..., 92 and 93, each caching a
    512-dim latent and a 64-dim key part per token; the other 69 layers are KDA with 96 heads of 128."""
    need("kimi-k3", "kda", "mla")
    h = HYBRIDS["kimi-k3"]
    full = [i + 1 for i, lay in enumerate(h.layers()) if lay.mixer == "mla"]
    assert full == [*range(4, 93, 4), 93]
    got = stack_bytes(h, MEMORY, 1 << 20, "bf16")
    assert got["kv"] == 24 * (512 + 64) * (1 << 20) * 2 == 27 * GiB
    assert got["state"] == 69 * (96 * 128 * 128 + 3 * 3 * 96 * 128) * 2 == 232_316_928
    assert all_attention_bytes(h, MEMORY, 1 << 20) == 93 * (1 << 20) * 96 * 256 * 2
