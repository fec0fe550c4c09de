"""Per-sequence memory of hybrid stacks, checked against numbers worked out by hand from the published
configurations (and, for Jamba, against the paper's own figure: 4 GB of KV cache at 256K tokens in 16 bit)."""

import pytest

from zoo import registry as registry_mod
from zoo.diagrams import blocks_of
from zoo.memory import calculator_data, human_bytes, layer_elements, stack_bytes
from zoo.schema.blocks import MemorySpec, MixerSizes, resolve_block

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
    # 7 MLA layers x 576 cached numbers per token x 1M tokens x 2 bytes
    assert got["kv"] == 7 * 576 * 1_048_576 * 2
    assert got["state"] == 20 * (32 * 128 * 128 + 3 * 12288) * 2


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
