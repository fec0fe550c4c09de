// The calculator's pure math (docs/assets/js/memory.js), without a browser: `node --test tests/js/`.
// tests/test_memory_js.py checks the same functions against zoo/memory.py on every published stack.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  allAttentionBytes, attentionSizes, humanBytes, layerElements, saving, stackBytes, wholeNumber,
} from "../../docs/assets/js/memory.js";

const data = {
  dtypes: { fp32: 4, bf16: 2, fp8: 1 },
  models: [
    { id: "transformer", memory: { kind: "kv_cache" } },
    { id: "swa", memory: { kind: "kv_window" } },
    { id: "gdn", memory: { kind: "matrix", conv: 4, conv_streams: ["q", "k", "v"] } },
    { id: "mamba", memory: { kind: "diag_ssm", state_size: 16, conv: 4 } },
  ],
};

test("a softmax layer caches K and V of every KV head for every token", () => {
  assert.deepEqual(layerElements({ kind: "kv_cache" }, { heads: 8, kv_heads: 2, head_dim: 64 }, 1000),
    { kv: 1000 * 2 * 2 * 64, state: 0 });
  // a window caps the tokens kept; a published per-token figure (MLA) replaces 2 * h_kv * d_k
  assert.equal(layerElements({ kind: "kv_window" }, { heads: 4, head_dim: 32, window: 256 }, 4096).kv, 256 * 2 * 4 * 32);
  assert.equal(layerElements({ kind: "kv_cache" }, { cache_per_token: 576 }, 10).kv, 5760);
});

test("recurrent layers keep a fixed state plus the short-convolution cache", () => {
  const gdn = layerElements(data.models[2].memory, { heads: 2, head_dim: 8 }, 1 << 20);
  assert.deepEqual(gdn, { kv: 0, state: 2 * 8 * 8 + 3 * (16 + 16 + 16) });
  const mamba = layerElements(data.models[3].memory, { d_inner: 100 }, 5);
  assert.deepEqual(mamba, { kv: 0, state: 100 * 16 + 3 * 100 });
  assert.throws(() => layerElements({ kind: "nope" }, {}, 1), /unknown memory kind/);
});

test("the all-attention baseline has the stack's depth and its attention layers' sizes, window dropped", () => {
  const layers = [{ mixer: "swa", count: 2 }, { mixer: "mamba", count: 6 }];
  const sizes = { swa: { heads: 4, kv_heads: 1, head_dim: 64, window: 128 }, mamba: { d_inner: 256 } };
  const attention = attentionSizes(data, layers, sizes);
  assert.deepEqual(attention, { heads: 4, kv_heads: 1, head_dim: 64 });
  const T = 4096;
  assert.equal(allAttentionBytes(data, layers, attention, T, "bf16"), 8 * T * 2 * 1 * 64 * 2);
  const stack = stackBytes(data, layers, sizes, T, "bf16");
  assert.equal(stack.kv, 2 * 128 * 2 * 64 * 2);
  assert.ok(stack.kv + stack.state < allAttentionBytes(data, layers, attention, T, "bf16"));
  assert.equal(attentionSizes(data, [{ mixer: "mamba", count: 3 }], sizes), null);
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
