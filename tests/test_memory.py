"""Per-sequence memory of hybrid stacks, checked against numbers worked out by hand from the published
configurations (and, for Jamba, against the paper's own figure: 4 GB of KV cache at 256K tokens in 16 bit)."""

import warnings

import pytest

from zoo import registry as registry_mod
from zoo.diagrams import blocks_of
from zoo.memory import all_attention_bytes, calculator_data, human_bytes, layer_elements, stack_bytes
from zoo.schema.blocks import HybridLayer, MemorySpec, MixerSizes, resolve_block

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
    need("qwen3-next", "gated-deltanet", "rope")
    T = 262144
    got = stack_bytes(HYBRIDS["qwen3-next"], MEMORY, T, "bf16")
    # 12 gated-attention layers x 2 x 2 KV heads x 256 dims x T x 2 bytes = 6 GiB
    assert got["kv"] == 12 * 2 * 2 * 256 * T * 2 == 6 * GiB
    # 36 Gated DeltaNet layers x (32 value heads x 128 x 128 + conv cache 3 x (2*16*128 + 32*128)) x 2 bytes
    assert got["state"] == 36 * (32 * 128 * 128 + 3 * 8192) * 2 == 39_518_208


def test_kimi_linear_mla_cache_by_hand():
    need("kimi-linear", "kda", "nope")
    got = stack_bytes(HYBRIDS["kimi-linear"], MEMORY, 1_048_576, "bf16")
    # 7 MLA layers x (latent 512 + RoPE key 64) cached numbers per token x 1M tokens x 2 bytes
    assert got["kv"] == 7 * (512 + 64) * 1_048_576 * 2
    assert got["state"] == 20 * (32 * 128 * 128 + 3 * 12288) * 2


T128K = 131072


def test_deepseek_v3_2_mla_with_sparse_selection_by_hand():
    """MLA + DSA (released config_671B_v3.2.json): every one of the 61 layers caches a 512-dim latent, a
    64-dim RoPE key and a 128-dim indexer key per token; a new token attends to 2048 tokens and its indexer
    scans all keys."""
    need("deepseek-v3-2-exp", "rope")
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
    """GQA + sliding window (openai/gpt-oss reference code): 18 full and 18 sliding-128 layers, 8 KV heads of
    64 dims; the learned sink logits keep no tokens."""
    need("gpt-oss-120b", "swa", "rope")
    h = HYBRIDS["gpt-oss-120b"]
    got = stack_bytes(h, MEMORY, T128K, "bf16")
    per_token = 8 * (64 + 64)
    assert got["kv"] == 18 * T128K * per_token * 2 + 18 * 128 * per_token * 2 == 4_836_556_800
    assert got["read"] == got["kv"] and got["state"] == 0
    assert all_attention_bytes(h, MEMORY, T128K) == 36 * T128K * 64 * 128 * 2 == 72 * GiB
    # a context shorter than the window: every layer keeps every token
    assert stack_bytes(h, MEMORY, 100, "bf16")["kv"] == 36 * 100 * per_token * 2


def test_nemotron_h_hybrid_by_hand():
    """Mamba-2 + GQA hybrid (Nemotron-H-8B): 4 attention layers (8 KV heads of 128) and 24 Mamba-2 layers
    (8192 channels x state 128, plus a conv cache of 3 inputs of 8192 + 2 x 8 x 128 = 10240 channels)."""
    need("nemotron-h-8b", "mamba-2", "transformer")
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
    need("falcon-h1-34b", "rope", "mamba-2")
    h = HYBRIDS["falcon-h1-34b"]
    T = 262144
    got = stack_bytes(h, MEMORY, T, "bf16")
    assert got["kv"] == 72 * T * 4 * 256 * 2 == 36 * GiB
    assert got["state"] == 72 * (4096 * 256 + 3 * 4096) * 2
    assert got["by_mixer"]["rope"]["layers"] == got["by_mixer"]["mamba-2"]["layers"] == 72
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
    kinds = {m["id"]: m["memory"]["kind"] for m in data["models"]}
    for h in data["hybrids"]:
        for row in h["layers"]:
            assert row["mixer"] in kinds, f"{h['id']}: no memory spec for {row['mixer']}"
            assert row["mixer"] in h["sizes"]
    assert data["dtypes"]["bf16"] == 2


def test_stand_ins_name_another_mixer_and_say_when_to_switch():
    """A layer drawn with the closest mixer the zoo has names the model it stands in for. Once that model is
    in the registry, the stack should point at it: the warning says which stack and which ids."""
    ready = set()
    for h in REG.hybrids:
        for lay in h.layers():
            if lay.stand_in_for:
                assert lay.stand_in_for != lay.mixer, h.id
                if lay.stand_in_for in REG.by_id:
                    ready.add(f"{h.id}: mixer '{lay.mixer}' -> '{lay.stand_in_for}' (and its sizes key)")
    if ready:
        warnings.warn("stand-ins ready to switch: " + "; ".join(sorted(ready)), stacklevel=1)
