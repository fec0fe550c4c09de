// Memory calculator on the Hybrids page: KV-cache and recurrent-state bytes per sequence for a layer stack.
// Inputs come only from assets/data/hybrids.json, written by the build from the registry (each mixer's
// block-spec memory kind and each stack's published sizes); the formulas mirror zoo/diagrams/memory.py,
// and a browser test checks that both give the same bytes.

export const name = "calculator";

const KB = 1024;

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
      const perToken = sz.cache_per_token || 2 * (sz.kv_heads || h) * dk;
      const tokens = mem.kind === "kv_cache" ? T : Math.min(T, sz.window || T);
      return { kv: tokens * perToken, state: conv };
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

// Bytes for a whole stack: layers = [{mixer, count}], sizes = {mixer: sizes}.
export function stackBytes(data, layers, sizes, T, dtype) {
  const width = data.dtypes[dtype];
  const memOf = Object.fromEntries(data.models.map((m) => [m.id, m.memory]));
  let kv = 0;
  let state = 0;
  for (const { mixer, count } of layers) {
    const per = layerElements(memOf[mixer], sizes[mixer] || {}, T);
    kv += per.kv * count * width;
    state += per.state * count * width;
  }
  return { kv, state };
}

export function humanBytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (Math.abs(n) >= KB && i < units.length - 1) {
    n /= KB;
    i += 1;
  }
  return i === 0 ? `${n.toFixed(0)} B` : `${n.toFixed(1)} ${units[i]}`;
}

const dataCache = new Map();
function loadData(url) {
  if (!dataCache.has(url)) {
    dataCache.set(url, fetch(url).then((r) => {
      if (!r.ok) throw new Error(`could not load ${url} (${r.status})`);
      return r.json();
    }));
  }
  return dataCache.get(url);
}

export function init(root) {
  // Stack diagrams: mixer boxes carry their page's address (SVG <a> clashes with instant navigation).
  for (const box of root.querySelectorAll("svg.zb-stack [data-href]")) {
    if (box.dataset.zooWired) continue;
    box.dataset.zooWired = "true";
    box.style.cursor = "pointer";
    box.addEventListener("click", () => {
      window.location.href = new URL(box.dataset.href, document.baseURI).href;
    });
  }
  for (const el of root.querySelectorAll("[data-zoo-calculator]")) {
    if (el.dataset.zooWired) continue;
    el.dataset.zooWired = "true";
    loadData(new URL(el.dataset.src, document.baseURI).href)
      .then((data) => wire(el, data))
      .catch((err) => {
        const out = el.querySelector('[data-calc="kv"]');
        if (out) out.textContent = "unavailable";
        console.warn("calculator:", err.message);
      });
  }
}

function field(el, key) {
  return el.querySelector(`[data-calc="${key}"]`);
}

function customStack(el, data) {
  const L = Math.max(1, parseInt(field(el, "layers").value, 10) || 1);
  const pct = Math.min(100, Math.max(0, parseFloat(field(el, "attn-pct").value) || 0));
  const heads = Math.max(1, parseInt(field(el, "heads").value, 10) || 1);
  const kvHeads = Math.max(1, parseInt(field(el, "kv-heads").value, 10) || 1);
  const headDim = Math.max(1, parseInt(field(el, "head-dim").value, 10) || 1);
  const mixer = field(el, "mixer").value;
  const attn = Math.round((L * pct) / 100);
  const model = data.models.find((m) => m.id === mixer);
  const attnId = "transformer";
  const layers = [];
  const sizes = {};
  if (attn > 0) {
    layers.push({ mixer: attnId, count: attn });
    sizes[attnId] = { heads, kv_heads: kvHeads, head_dim: headDim };
  }
  if (L - attn > 0 && model) {
    layers.push({ mixer, count: L - attn });
    sizes[mixer] = { heads, head_dim: headDim, d_inner: heads * headDim };
  }
  return { layers, sizes };
}

function currentStack(el, data) {
  const id = field(el, "stack").value;
  if (id === "custom") return customStack(el, data);
  const h = data.hybrids.find((x) => x.id === id);
  return { layers: h.layers, sizes: h.sizes };
}

function wire(el, data) {
  const mixerSelect = field(el, "mixer");
  const recurrent = data.models.filter((m) => !data.grows.includes(m.memory.kind));
  mixerSelect.replaceChildren(...recurrent.map((m) => new Option(m.name, m.id)));
  const gdn = recurrent.find((m) => m.id === "gated-deltanet");
  if (gdn) mixerSelect.value = gdn.id;
  const form = el.querySelector("form");
  form.addEventListener("submit", (ev) => ev.preventDefault());
  form.addEventListener("input", () => update(el, data));
  form.addEventListener("change", () => update(el, data));
  update(el, data);
}

const CONTEXTS = Array.from({ length: 11 }, (_, i) => 2 ** (10 + i)); // 1K .. 1M

function update(el, data) {
  const custom = field(el, "stack").value === "custom";
  field(el, "custom").hidden = !custom;
  const T = 2 ** parseInt(field(el, "context").value, 10);
  field(el, "context-text").textContent = `${T.toLocaleString("en-US")} tokens`;
  const dtype = field(el, "dtype").value;
  const { layers, sizes } = currentStack(el, data);
  const { kv, state } = stackBytes(data, layers, sizes, T, dtype);
  for (const [key, value] of [["kv", kv], ["state", state], ["total", kv + state]]) {
    const out = field(el, key);
    out.textContent = humanBytes(value);
    out.dataset.bytes = String(value);
  }
  el.dataset.context = String(T);
  drawChart(el, data, layers, sizes, dtype, T);
}

async function drawChart(el, data, layers, sizes, dtype, T) {
  const target = field(el, "chart");
  if (!window.zooLoadPlotly) return;
  const rows = CONTEXTS.map((t) => stackBytes(data, layers, sizes, t, dtype));
  const gib = (b) => b / KB ** 3;
  const trace = (label, ys, dash) => ({
    x: CONTEXTS, y: ys.map(gib), name: label, mode: "lines+markers", line: { dash },
    hovertemplate: `${label}: %{y:.3g} GiB at %{x:,} tokens<extra></extra>`,
  });
  const figure = {
    data: [
      trace("KV cache", rows.map((r) => r.kv), "solid"),
      trace("Recurrent state", rows.map((r) => r.state), "dot"),
      trace("Total", rows.map((r) => r.kv + r.state), "dash"),
    ],
    layout: {
      margin: { l: 60, r: 10, t: 10, b: 45 },
      xaxis: { type: "log", title: { text: "context length (tokens)" }, tickvals: CONTEXTS.filter((_, i) => i % 2 === 0),
               ticktext: ["1K", "4K", "16K", "64K", "256K", "1M"] },
      yaxis: { type: "log", dtick: 1, title: { text: "GiB per sequence" } },
      shapes: [{ type: "line", x0: T, x1: T, yref: "paper", y0: 0, y1: 1, line: { width: 1, dash: "dot" } }],
      legend: { orientation: "h", y: 1.12 },
    },
  };
  try {
    const { plot, track } = await import("./figures.js");
    await plot(target, figure);
    track(target);
  } catch (err) {
    target.textContent = "The chart could not be drawn (Plotly did not load); the numbers above are exact.";
    console.warn("calculator chart:", err.message);
  }
}
