// Memory calculator on the Hybrids page: KV-cache and recurrent-state bytes per sequence for a layer stack,
// against an all-attention stack of the same depth. Inputs come only from assets/data/hybrids.json, written
// by the build from the registry; the math lives in memory.js (no DOM, tested against zoo/memory.py).
// This module reads and checks the form, writes the numbers and draws the chart; an invalid input is marked
// with its allowed range and never drawn: the last valid result stays on screen.

import { plot, track } from "./figures.js";
import { allAttentionBytes, attentionSizes, humanBytes, saving, stackBytes, wholeNumber } from "./memory.js";

export const name = "calculator";

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

const CUSTOM = [
  ["layers", "Layers"],
  ["attn-pct", "Attention layers (%)"],
  ["heads", "Heads"],
  ["kv-heads", "KV heads"],
  ["head-dim", "Head dim"],
  ["window", "Window"],
  ["sinks", "Sink tokens"],
  ["selected", "Selected tokens"],
  ["latent", "Latent dim"],
  ["rope", "RoPE key dim"],
];

// Fields that only mean something beside another one: [field, needs, message].
const NEEDS = [
  ["sinks", "window", "Sink tokens are kept beside a window: set Window above 0, or Sink tokens to 0."],
  ["rope", "latent", "The RoPE key is cached beside a latent: set Latent dim above 0, or RoPE key dim to 0."],
];

// Every custom-stack field as a whole number inside its input's min/max (the template is the one place the
// ranges are written); KV heads are also capped by heads, and sinks and the RoPE key need their partner.
// Marks each field valid or not, with its message.
function readCustom(el) {
  const values = {};
  let ok = true;
  for (const [key, label] of CUSTOM) {
    const input = field(el, key);
    const max = key === "kv-heads" && Number.isInteger(values.heads) ? Math.min(values.heads, +input.max) : +input.max;
    const { value, error: range } = wholeNumber(input.value, +input.min, max, label);
    const need = NEEDS.find(([k]) => k === key);
    const error = range || (need && value > 0 && values[need[1]] === 0 ? need[2] : undefined);
    const message = field(el, `${key}-error`);
    input.setAttribute("aria-invalid", String(Boolean(error)));
    message.textContent = error || "";
    message.hidden = !error;
    if (error) ok = false;
    else values[key] = value;
  }
  return ok ? values : null;
}

// The custom stack: attention layers sized by the form (a window makes them sliding-window layers), the rest
// of the layers the chosen recurrent mixer with the same heads and head dim.
function customStack(el, data, v) {
  const L = v.layers;
  const attn = Math.round((L * v["attn-pct"]) / 100);
  const mixer = field(el, "mixer").value;
  const model = data.models.find((m) => m.id === mixer);
  const attnId = v.window > 0 ? "swa" : "transformer";
  const attention = { heads: v.heads, head_dim: v["head-dim"] };
  const optional = {
    kv_heads: v["kv-heads"], window: v.window, sink_tokens: v.sinks, selected_tokens: v.selected,
    latent_dim: v.latent, rope_dim: v.rope,
  };
  const own = { ...attention, ...Object.fromEntries(Object.entries(optional).filter(([, x]) => x > 0)) };
  const layers = [];
  if (attn > 0) layers.push({ mixer: attnId, count: attn, sizes: own });
  if (L - attn > 0 && model) {
    const sizes = { heads: v.heads, head_dim: v["head-dim"], d_inner: v.heads * v["head-dim"] };
    layers.push({ mixer, count: L - attn, sizes });
  }
  return { layers, attention, depth: L };
}

// The chosen stack, or null while a custom field is invalid.
function currentStack(el, data) {
  const id = field(el, "stack").value;
  if (id === "custom") {
    const values = readCustom(el);
    return values && customStack(el, data, values);
  }
  const h = data.hybrids.find((x) => x.id === id);
  return { layers: h.layers, attention: attentionSizes(data, h.layers), depth: h.depth };
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
  const stack = currentStack(el, data);
  field(el, "invalid").hidden = Boolean(stack);
  el.dataset.valid = String(Boolean(stack));
  if (!stack) return; // keep the last valid numbers and chart
  const { layers, attention, depth } = stack;
  const { kv, state, read } = stackBytes(data, layers, T, dtype);
  const baseline = attention ? allAttentionBytes(data, depth, attention, T, dtype) : null;
  const outputs = [["kv", kv], ["state", state], ["total", kv + state], ["baseline", baseline], ["read", read]];
  for (const [key, value] of outputs) {
    const out = field(el, key);
    out.textContent = value == null ? "–" : humanBytes(value);
    out.dataset.bytes = value == null ? "" : String(value);
  }
  const times = baseline && saving(kv + state, baseline);
  const fewer = baseline && saving(read, baseline);
  field(el, "saving").textContent = times
    ? `${times} smaller than all-attention at ${T.toLocaleString("en-US")} tokens` +
      (fewer ? `; each new token reads ${fewer} less.` : ".")
    : "";
  el.dataset.context = String(T);
  drawChart(el, data, stack, dtype, T);
}

async function drawChart(el, data, { layers, attention, depth }, dtype, T) {
  const target = field(el, "chart");
  const rows = CONTEXTS.map((t) => stackBytes(data, layers, t, dtype));
  const gib = (b) => b / 1024 ** 3;
  const trace = (label, ys, dash) => ({
    x: CONTEXTS, y: ys.map(gib), name: label, mode: "lines+markers", line: { dash },
    hovertemplate: `${label}: %{y:.3g} GiB at %{x:,} tokens<extra></extra>`,
  });
  const traces = [
    trace("KV cache", rows.map((r) => r.kv), "solid"),
    trace("Recurrent state", rows.map((r) => r.state), "dot"),
    trace("Total", rows.map((r) => r.kv + r.state), "dash"),
    trace("Read per new token", rows.map((r) => r.read), "dashdot"),
  ];
  if (attention) {
    const all = CONTEXTS.map((t) => allAttentionBytes(data, depth, attention, t, dtype));
    const grey = "#64748b"; // a neutral reference line, legible on both palettes
    traces.push({ ...trace("All attention", all, "longdash"), line: { dash: "longdash", color: grey } });
  }
  const figure = {
    data: traces,
    layout: {
      margin: { l: 60, r: 10, t: 10, b: 45 },
      xaxis: { type: "log", title: { text: "context length (tokens)" }, tickvals: CONTEXTS.filter((_, i) => i % 2 === 0),
               ticktext: ["1K", "4K", "16K", "64K", "256K", "1M"] },
      yaxis: { type: "log", dtick: 1, title: { text: "GiB (kept, or read per token)" } },
      shapes: [{ type: "line", x0: T, x1: T, yref: "paper", y0: 0, y1: 1, line: { width: 1, dash: "dot" } }],
      // beside the plot (Plotly's default); on a phone figures.js moves it underneath and adds the height
    },
  };
  try {
    await plot(target, figure);
    track(target);
  } catch (err) {
    target.textContent = "The chart could not be drawn (Plotly did not load); the numbers above are exact.";
    console.warn("calculator chart:", err.message);
  }
}
