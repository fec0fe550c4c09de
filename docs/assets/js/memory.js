// Inference memory per sequence, the pure part of the Hybrids page calculator (no DOM: `node --test` runs
// it, see tests/js/). The formulas and names mirror zoo/memory.py; tests/test_memory_js.py runs
// both on the same inputs (the build's assets/data/hybrids.json) and compares the bytes.

const KIB = 1024;
const ATTENTION = ["kv_cache", "kv_window"]; // memory kinds of softmax layers

// Elements one layer keeps after T tokens: {kv, state}. `mem` is the mixer's memory spec, `sz` its sizes.
export function layerElements(mem, sz, T) {
  const h = sz.heads || 1;
  const dk = sz.head_dim || 0;
  const dv = sz.head_dim_v || dk;
  const n = sz.state_size || mem.state_size || 0;
  const dInner = sz.d_inner || h * (sz.head_dim || 0);
  const conv = convElements(mem, sz, h, dk, dv, dInner);
  switch (mem.kind) {
    case "kv_cache":
    case "kv_window": {
      const tokens = mem.kind === "kv_cache" ? T : Math.min(T, sz.window || T);
      return { kv: tokens * perToken(sz), state: conv };
    }
    case "long_conv":
      return { kv: T * dInner, state: conv };
    case "slots":
      return { kv: 0, state: 2 * n * h * dk + conv };
    case "matrix":
      return { kv: 0, state: h * dk * dv + conv };
    case "log_matrix":
      return { kv: 0, state: h * dk * dv * (Math.floor(Math.log2(Math.max(T, 1))) + 1) + conv };
    case "diag_ssm":
    case "ssd":
      return { kv: 0, state: dInner * n + conv };
    case "vector":
      return { kv: 0, state: dInner + conv };
    default:
      throw new Error(`unknown memory kind ${mem.kind}`);
  }
}

// Cached numbers per token of one softmax layer: keys and values of every KV head (or a published figure).
function perToken(sz) {
  return sz.cache_per_token || 2 * (sz.kv_heads || sz.heads || 1) * (sz.head_dim || 0);
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

// Bytes for a whole stack: layers = [{mixer, count}], sizes = {mixer: sizes}.
export function stackBytes(data, layers, sizes, T, dtype) {
  const width = data.dtypes[dtype];
  const memOf = memoryOf(data);
  let kv = 0;
  let state = 0;
  for (const { mixer, count } of layers) {
    const per = layerElements(memOf[mixer], sizes[mixer] || {}, T);
    kv += per.kv * count * width;
    state += per.state * count * width;
  }
  return { kv, state };
}

// The sizes of the stack's first softmax layer (its window dropped), or null when it has none.
export function attentionSizes(data, layers, sizes) {
  const memOf = memoryOf(data);
  const attn = layers.find(({ mixer }) => ATTENTION.includes(memOf[mixer].kind));
  if (!attn) return null;
  const full = { ...(sizes[attn.mixer] || {}) };
  delete full.window;
  return full;
}

// The baseline: the same number of mixer layers, every one full softmax attention with a KV cache of T
// tokens, sized like `attention` (the stack's own softmax layers, see attentionSizes).
export function allAttentionBytes(data, layers, attention, T, dtype) {
  const count = layers.reduce((acc, l) => acc + l.count, 0);
  return count * T * perToken(attention) * data.dtypes[dtype];
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
