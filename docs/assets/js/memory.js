// Inference memory per sequence, the pure part of the Hybrids page calculator (no DOM: `node --test` runs
// it, see tests/js/). The formulas and names mirror zoo/memory.py; tests/test_memory_js.py runs
// both on the same inputs (the build's assets/data/hybrids.json) and compares the bytes.

const KIB = 1024;
const ATTENTION = ["kv_cache", "kv_window"]; // memory kinds of softmax layers

// Elements one layer keeps after T tokens, and reads for the next one: {kv, state, read}. `mem` is the
// mixer's memory spec, `sz` its sizes (see zoo/memory.py for the table of formulas). A recurrent layer's
// state is its block's formula, which the build writes as a polynomial (mem.state_terms, zoo/formula.py).
export function layerElements(mem, sz, T) {
  const h = sz.heads || 1;
  const dk = sz.head_dim || 0;
  const dv = sz.head_dim_v || dk;
  const n = sz.state_size || mem.state_size || 0;
  const dInner = sz.d_inner || h * (sz.head_dim || 0);
  const conv = convElements(mem, sz, h, dk, dv, dInner);
  const env = { h, d_k: dk, d_v: dv, D: dInner, N: n, L: Math.floor(Math.log2(Math.max(T, 1))) + 1 };
  if (ATTENTION.includes(mem.kind)) {
    // a window set for the layer caps what it keeps; a kv_window mixer without one sees everything
    const kept = sz.window ? Math.min(T, sz.window + (sz.sink_tokens || 0)) : T;
    const perToken = perTokenElements(sz);
    const index = sz.indexer_dim || 0;
    const attended = Math.min(kept, sz.selected_tokens || kept);
    // a fixed state kept beside the cache (Mega's EMA), when the block writes one
    const fixed = conv + (mem.state_terms ? evaluate(mem.state_terms, env) : 0);
    return { kv: kept * perToken, state: fixed, read: attended * (perToken - index) + kept * index + fixed };
  }
  if (mem.kind === "long_conv") {
    const kept = T * dInner * (n || 1); // N long convolutions (Hyena's order), each keeping its inputs
    return { kv: kept, state: conv, read: kept + conv };
  }
  if (!mem.state_terms) throw new Error(`no state formula for memory kind ${mem.kind}`);
  const core = evaluate(mem.state_terms, env);
  return { kv: 0, state: core + conv, read: core + conv };
}

// A polynomial [[coefficient, {symbol: power}], ...] at the sizes in `env` (zoo/formula.py evaluate).
export function evaluate(terms, env) {
  return terms.reduce((total, [coef, powers]) =>
    total + Object.entries(powers).reduce((value, [sym, p]) => value * env[sym] ** p, coef), 0);
}

// Numbers one softmax layer caches per token: an MLA latent and RoPE key, or K and V of every KV head; plus
// the selector's key of a sparse-selection layer.
export function perTokenElements(sz) {
  const dk = sz.head_dim || 0;
  const cache = sz.latent_dim
    ? sz.latent_dim + (sz.rope_dim || 0)
    : (sz.kv_heads || sz.heads || 1) * (dk + (sz.head_dim_v || dk));
  return cache + (sz.indexer_dim || 0);
}

function convElements(mem, sz, h, dk, dv, dInner) {
  const c = sz.conv || mem.conv;
  if (!c) return 0;
  let channels = sz.conv_channels;
  if (channels == null) {
    const per = { q: h * dk, k: h * dk, v: h * dv };
    channels = (mem.conv_streams && mem.conv_streams.length ? mem.conv_streams : ["x"])
      .reduce((acc, s) => acc + (s in per ? per[s] : dInner), 0);
  }
  return (c - 1) * channels;
}

function memoryOf(data) {
  return Object.fromEntries(data.models.map((m) => [m.id, m.memory]));
}

// Bytes for a whole stack: layers = [{mixer, count, sizes, reuses_cache}], each group with its own sizes.
// `read` is what one decoding step reads of the cache and the state. A group that reuses the cache of a layer
// below (YOCO's cross-decoder) keeps nothing and reads as much as that layer.
export function stackBytes(data, layers, T, dtype) {
  const width = data.dtypes[dtype];
  const memOf = memoryOf(data);
  const total = { kv: 0, state: 0, read: 0 };
  for (const { mixer, count, sizes, reuses_cache: reuses } of layers) {
    const own = layerElements(memOf[mixer], sizes || {}, T);
    const per = reuses ? { kv: 0, state: 0, read: own.read } : own;
    for (const key of Object.keys(total)) total[key] += per[key] * count * width;
  }
  return total;
}

// Heads and head dims of the stack's first softmax layer, as full multi-head attention (no grouping, latent,
// window, sinks or selection), or null when the stack has no softmax layer.
export function attentionSizes(data, layers) {
  const memOf = memoryOf(data);
  const attn = layers.find(({ mixer }) => ATTENTION.includes(memOf[mixer].kind));
  if (!attn) return null;
  const { heads, head_dim: headDim, head_dim_v: headDimV } = attn.sizes || {};
  return Object.fromEntries(
    Object.entries({ heads, head_dim: headDim, head_dim_v: headDimV }).filter(([, v]) => v != null));
}

// The baseline: `depth` mixer layers (a layer with two mixers side by side counts once), every one full
// multi-head softmax attention with a KV cache of T tokens, sized like `attention` (see attentionSizes).
// A decoding step reads all of it.
export function allAttentionBytes(data, depth, attention, T, dtype) {
  return depth * T * perTokenElements(attention) * data.dtypes[dtype];
}

export function humanBytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (Math.abs(n) >= KIB && i < units.length - 1) {
    n /= KIB;
    i += 1;
  }
  return i === 0 ? `${n.toFixed(0)} B` : `${n.toFixed(1)} ${units[i]}`;
}

// "12×" / "1.5×": how many times smaller `bytes` is than `baseline`.
export function saving(bytes, baseline) {
  if (!(bytes > 0) || !(baseline > 0)) return null;
  const ratio = baseline / bytes;
  return ratio >= 10 ? `${Math.round(ratio).toLocaleString("en-US")}×` : `${ratio.toFixed(1)}×`;
}

// A form value as a whole number inside [min, max], or an error that says the allowed range.
export function wholeNumber(raw, min, max, label) {
  const text = String(raw).trim();
  const value = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isInteger(value) && value >= min && value <= max) return { value };
  return { error: `${label} must be a whole number from ${min} to ${max.toLocaleString("en-US")}.` };
}
