// The calculator's pure math (docs/assets/js/memory.js), without a browser: `node --test tests/js/`.
// tests/test_memory_js.py checks the same functions against zoo/memory.py on every published stack.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  allAttentionBytes, attentionSizes, evaluate, humanBytes, layerElements, perTokenElements, saving, stackBytes, wholeNumber,
} from "../../docs/assets/js/memory.js";

// State formulas as the build writes them (zoo/formula.py parse): [[coefficient, {symbol: power}], ...].
const MATRIX = [[1, { d_k: 1, d_v: 1, h: 1 }]]; // h d_k d_v
const CHANNELS_X_N = [[1, { D: 1, N: 1 }]]; // D N

const data = {
  dtypes: { fp32: 4, bf16: 2, fp8: 1 },
  models: [
    { id: "transformer", memory: { kind: "kv_cache" } },
    { id: "swa", memory: { kind: "kv_window" } },
    { id: "gdn", memory: { kind: "matrix", conv: 4, conv_streams: ["q", "k", "v"], state_terms: MATRIX } },
    { id: "mamba", memory: { kind: "diag_ssm", state_size: 16, conv: 4, state_terms: CHANNELS_X_N } },
  ],
};

test("a softmax layer caches K and V of every KV head for every token, and reads all of it", () => {
  assert.deepEqual(layerElements({ kind: "kv_cache" }, { heads: 8, kv_heads: 2, head_dim: 64 }, 1000),
    { kv: 1000 * 2 * 2 * 64, state: 0, read: 1000 * 2 * 2 * 64 });
  // a window caps the tokens kept; sink tokens are kept beside it
  assert.equal(layerElements({ kind: "kv_window" }, { heads: 4, head_dim: 32, window: 256 }, 4096).kv, 256 * 2 * 4 * 32);
  const sinks = { heads: 1, head_dim: 8, window: 1024, sink_tokens: 4 };
  assert.equal(layerElements({ kind: "kv_window" }, sinks, 10000).kv, 1028 * 16);
  assert.equal(layerElements({ kind: "kv_window" }, sinks, 1026).kv, 1026 * 16);
  // MLA: a latent and a RoPE key per token replace K and V of every head
  assert.equal(perTokenElements({ heads: 128, head_dim: 128, latent_dim: 512, rope_dim: 64 }), 576);
  // sparse selection keeps the cache, but a step reads only the selected tokens (and scans the selector keys)
  const dsa = layerElements({ kind: "kv_cache" }, { heads: 1, head_dim: 4, selected_tokens: 16, indexer_dim: 2 }, 1000);
  assert.deepEqual(dsa, { kv: 1000 * 10, state: 0, read: 16 * 8 + 1000 * 2 });
});

test("recurrent layers keep a fixed state plus the short-convolution cache, read in full", () => {
  const gdn = layerElements(data.models[2].memory, { heads: 2, head_dim: 8 }, 1 << 20);
  const state = 2 * 8 * 8 + 3 * (16 + 16 + 16);
  assert.deepEqual(gdn, { kv: 0, state, read: state });
  const mamba = layerElements(data.models[3].memory, { d_inner: 100 }, 5);
  assert.deepEqual(mamba, { kv: 0, state: 100 * 16 + 3 * 100, read: 100 * 16 + 3 * 100 });
  assert.throws(() => layerElements({ kind: "nope" }, {}, 1), /no state formula/);
});

test("a block's own state formula sets what a recurrent layer keeps (Titans, MesaNet, sLSTM)", () => {
  const sz = { heads: 2, head_dim: 8, head_dim_v: 4, d_inner: 16 };
  // Titans: the memory and its momentum, 2 h d_k d_v
  assert.equal(layerElements({ kind: "matrix", state_terms: [[2, { d_k: 1, d_v: 1, h: 1 }]] }, sz, 9).state, 2 * 2 * 8 * 4);
  // MesaNet: h (d_k d_v + d_k^2), plus a conv cache over q, k, v of 3 inputs
  const mesa = { kind: "matrix", conv: 4, conv_streams: ["q", "k", "v"],
    state_terms: [[1, { d_k: 1, d_v: 1, h: 1 }], [1, { d_k: 2, h: 1 }]] };
  assert.equal(layerElements(mesa, sz, 9).state, 2 * (8 * 4 + 8 * 8) + 3 * (16 + 16 + 8));
  // sLSTM: 4 D (cell, normaliser, stabiliser, output), the same at any context length
  const slstm = { kind: "vector", state_terms: [[4, { D: 1 }]] };
  assert.deepEqual(layerElements(slstm, sz, 1 << 20), { kv: 0, state: 64, read: 64 });
  assert.equal(evaluate([[3, {}], [1, { L: 1, h: 2 }]], { h: 3, L: 5 }), 3 + 45);
});

test("a softmax layer may keep a fixed state beside its cache (Mega's EMA); Hyena keeps both convolutions' inputs", () => {
  const mega = { kind: "kv_cache", state_size: 2, state_terms: CHANNELS_X_N };
  assert.deepEqual(layerElements(mega, { heads: 1, head_dim: 4 }, 10), { kv: 10 * 8, state: 4 * 2, read: 10 * 8 + 8 });
  assert.equal(layerElements({ kind: "long_conv", state_size: 2 }, { d_inner: 16 }, 100).kv, 100 * 16 * 2);
});

test("layers that reuse a cache kept below them keep nothing and read it all (YOCO's cross-decoder)", () => {
  const gqa = { heads: 4, kv_heads: 2, head_dim: 8 };
  const layers = [
    { mixer: "transformer", count: 1, sizes: gqa },
    { mixer: "transformer", count: 12, sizes: gqa, reuses_cache: true },
  ];
  const perLayer = 100 * 2 * 16;
  assert.deepEqual(stackBytes(data, layers, 100, "fp32"), { kv: perLayer * 4, state: 0, read: 13 * perLayer * 4 });
});

test("the all-attention baseline: the stack's depth, full multi-head attention with its heads and head dims", () => {
  const layers = [
    { mixer: "swa", count: 2, sizes: { heads: 4, kv_heads: 1, head_dim: 64, window: 128 } },
    { mixer: "mamba", count: 6, sizes: { d_inner: 256 } },
  ];
  const attention = attentionSizes(data, layers);
  assert.deepEqual(attention, { heads: 4, head_dim: 64 });
  const T = 4096;
  assert.equal(allAttentionBytes(data, 8, attention, T, "bf16"), 8 * T * 4 * (64 + 64) * 2);
  const stack = stackBytes(data, layers, T, "bf16");
  assert.equal(stack.kv, 2 * 128 * 2 * 64 * 2);
  assert.ok(stack.kv + stack.state < allAttentionBytes(data, 8, attention, T, "bf16"));
  assert.equal(attentionSizes(data, [{ mixer: "mamba", count: 3, sizes: { d_inner: 256 } }]), null);
});

// Three published stacks, worked out by hand from their released configurations (the same sizes as in
// models.yaml; tests/test_memory_js.py also checks this module against zoo/memory.py on every stack).
const T128K = 131072;
const GiB = 1024 ** 3;

test("DeepSeek-V3.2-Exp (MLA + DSA): latent, RoPE key and indexer key per token; reads capped at 2048", () => {
  const published = { ...data, models: [...data.models, { id: "mla", memory: { kind: "kv_cache" } }] };
  const sizes = { heads: 128, head_dim: 128, latent_dim: 512, rope_dim: 64, selected_tokens: 2048, indexer_dim: 128 };
  const layers = [{ mixer: "mla", count: 61, sizes }];
  const got = stackBytes(published, layers, T128K, "bf16");
  assert.equal(got.kv, 61 * T128K * 704 * 2);
  assert.equal(got.read, 61 * (2048 * 576 + T128K * 128) * 2);
  const baseline = allAttentionBytes(published, 61, attentionSizes(published, layers), T128K, "bf16");
  assert.equal(humanBytes(baseline), "488.0 GiB");
  assert.equal(saving(got.kv, baseline), "47×");
});

test("gpt-oss-120b (one mixer, GQA with sinks; a 128 window on every other layer): 4.5 GiB at 128K against 72 GiB", () => {
  const published = { ...data, models: [...data.models, { id: "sink-logit", memory: { kind: "kv_cache" } }] };
  const gqa = { heads: 64, kv_heads: 8, head_dim: 64 };
  const layers = [
    { mixer: "sink-logit", count: 18, sizes: { ...gqa, window: 128 } },
    { mixer: "sink-logit", count: 18, sizes: gqa },
  ];
  const got = stackBytes(published, layers, T128K, "bf16");
  assert.equal(got.kv, 18 * T128K * 1024 * 2 + 18 * 128 * 1024 * 2);
  assert.equal(humanBytes(got.kv), "4.5 GiB");
  assert.equal(allAttentionBytes(published, 36, attentionSizes(published, layers), T128K, "bf16"), 72 * GiB);
});

test("Nemotron-H-8B (Mamba-2 + GQA): 128 MiB of KV cache and 49.4 MiB of state at 8K tokens", () => {
  const ssd = { kind: "ssd", state_size: 128, conv: 4, state_terms: CHANNELS_X_N };
  const published = { ...data, models: [...data.models, { id: "mamba-2", memory: ssd }] };
  const layers = [
    { mixer: "mamba-2", count: 24, sizes: { d_inner: 8192, head_dim: 64, state_size: 128, conv: 4, conv_channels: 10240 } },
    { mixer: "transformer", count: 4, sizes: { heads: 32, kv_heads: 8, head_dim: 128 } },
  ];
  const got = stackBytes(published, layers, 8192, "bf16");
  assert.equal(got.kv, 128 * 1024 ** 2);
  assert.equal(got.state, 24 * (8192 * 128 + 3 * 10240) * 2);
  assert.equal(humanBytes(got.state), "49.4 MiB");
  assert.equal(allAttentionBytes(published, 28, attentionSizes(published, layers), 8192, "bf16"), 3.5 * GiB);
});

test("form values must be whole numbers in range, with a message that names the range", () => {
  assert.deepEqual(wholeNumber("32", 1, 512, "Layers"), { value: 32 });
  assert.deepEqual(wholeNumber(" 0 ", 0, 100, "Attention layers (%)"), { value: 0 });
  for (const bad of ["-5", "99999", "2.5", "", "abc", "1e3", "0"]) {
    const { value, error } = wholeNumber(bad, 1, 512, "Layers");
    assert.equal(value, undefined, bad);
    assert.equal(error, "Layers must be a whole number from 1 to 512.");
  }
  assert.match(wholeNumber("5000", 1, 1024, "Head dim").error, /from 1 to 1,024/);
});

test("sizes and savings read the way the page shows them", () => {
  assert.equal(humanBytes(512), "512 B");
  assert.equal(humanBytes(1536), "1.5 KiB");
  assert.equal(humanBytes(4 * 1024 ** 3), "4.0 GiB");
  assert.equal(saving(1, 8), "8.0×");
  assert.equal(saving(2, 250), "125×");
  assert.equal(saving(0, 5), null);
});
