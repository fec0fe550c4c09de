// The live recall on the Recall page: pick a model, change what is written into its memory (N, d, the keys,
// distractors, its own parameters), and see its recall curves, forgetting curve and similarity matrix.
//
// Markup (templates/recall.md.j2): <div data-zoo-recall="assets/data/recall/models.json"> with a form
// [data-zoo-recall-form] and three figure boxes [data-zoo-recall-fig=curves|forgetting|similarity]. At the
// defaults the figures are the build's (assets/data/figs/<id>-recall-*.json, the same code at the same
// settings); any other setting runs kernels_wasm/_recall_figures.py's live() in the Pyodide worker. After each
// drawn result this module sets on the box:
//   data-zoo-recall-state  build | running | live | invalid | failed
//   data-zoo-recall-ms     Python's time for the run; data-zoo-draw-ms: Plotly's; data-zoo-redraw-ms: input
//                          event to redrawn figures. A change of N alone skips the curves over N (they do not
//                          depend on it): Python runs N reads, not the sweep. Otherwise the sweep is a second
//                          request, computed while the page draws the first's figures; a redraw passes Plotly
//                          only the new data when a figure's layout is unchanged (figures.js update)

import { STYLE } from "./chart-style.js";
import { track, update as updateFigure } from "./figures.js";
import { checkValue } from "./live/inputs.js";
import { liveRuntime } from "./live/runtime.js";
import { siteURL } from "./site.js";

export const name = "recall";

const FIGS = ["curves", "forgetting", "similarity"];
const NUMBERS = {
  d: { label: "d", min: 2, max: 32, step: 1 },
  correlation: { label: "key correlation", min: 0, max: 0.95, step: 0.05 },
  distractors: { label: "distractors D", min: 0, max: 256, step: 1 },
  seed: { label: "seed", min: 0, max: 99, step: 1 },
};

async function getJSON(path) {
  const response = await fetch(siteURL(path));
  if (!response.ok) throw new Error(`${response.status} for ${path}`);
  return response.json();
}

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.textContent = text;
  return node;
}

export function init(root) {
  const box = root.querySelector("[data-zoo-recall]");
  if (!box || box.dataset.zooRecallReady) return;
  box.dataset.zooRecallReady = "true";
  start(box).catch((err) => {
    box.dataset.zooRecallState = "failed";
    box.querySelector("[data-zoo-recall-status]").textContent = `The recall controls could not start (${err.message}).`;
  });
}

async function start(box) {
  const config = await getJSON(box.dataset.zooRecall);
  const form = box.querySelector("[data-zoo-recall-form]");
  const status = box.querySelector("[data-zoo-recall-status]");
  const figs = Object.fromEntries(FIGS.map((f) => [f, box.querySelector(`[data-zoo-recall-fig="${f}"]`)]));
  const byId = Object.fromEntries(config.models.map((m) => [m.id, m]));
  const select = form.elements.model;
  const usable = config.models.filter((m) => !m.reason);
  for (const m of usable) select.append(el("option", { value: m.id }, m.name));
  const wanted = new URLSearchParams(window.location.search).get("model");
  let model = byId[wanted] && !byId[wanted].reason ? byId[wanted] : byId["linear-attention"] || usable[0];
  // A model the probe does not apply to (linked from its page, say) is named, with the reason.
  const note = byId[wanted]?.reason ? `${byId[wanted].name}: the probe does not apply; ${byId[wanted].reason}. ` : "";
  select.value = model.id;

  const paramsBox = form.querySelector("[data-zoo-recall-params]");
  const showParams = () => {
    paramsBox.querySelectorAll("label").forEach((n) => n.remove());
    for (const p of model.params) {
      const label = el("label", {}, `${p.label} `);
      const input = el("input", { name: `param-${p.name}`, type: "number", min: p.min, max: p.max, step: p.step });
      input.value = String(p.default);
      if (p.help) label.title = p.help;
      label.append(input);
      paramsBox.append(label);
    }
    paramsBox.hidden = model.params.length === 0;
  };
  showParams();

  // Every value of the form, checked; {error} names the first bad one (nothing is clamped).
  const read = () => {
    const out = {};
    for (const [key, rule] of Object.entries(NUMBERS)) {
      const checked = checkValue(form.elements[key].value, rule);
      if (checked.error) return { error: checked.error };
      out[key] = checked.value;
    }
    const n = checkValue(form.elements.N.value, { label: "N pairs", min: 1, max: 4 * out.d, step: 1 });
    if (n.error) return { error: `${n.error} (N goes up to 4 d.)` };
    out.N = n.value;
    out.params = {};
    for (const p of model.params) {
      const checked = checkValue(form.elements[`param-${p.name}`].value, p);
      if (checked.error) return { error: checked.error };
      out.params[p.name] = checked.value;
    }
    out.geometry = form.elements.geometry.value;
    out.repeat = form.elements.repeat.checked;
    return out;
  };

  const atDefaults = (s) => s.d === config.defaults.d && s.N === s.d && s.geometry === "random"
    && s.correlation === 0 && s.distractors === 0 && s.seed === config.defaults.seed && !s.repeat
    && model.params.every((p) => s.params[p.name] === p.default);

  // A figure left null (the curves, when only N changed) stays as drawn.
  const draw = async (figures) => {
    await Promise.all(FIGS.filter((f) => figures[f]).map(async (f) => {
      await updateFigure(figs[f], figures[f]);
      track(figs[f]);
    }));
  };

  // The curves over N depend on everything but N: what they were last drawn for.
  const sweepKey = (s) => JSON.stringify([model.id, { ...s, N: null }]);
  let drawnSweep = null;
  let latest = 0;
  const update = async (t0) => {
    const ticket = ++latest;
    const s = read();
    form.elements.N.max = String(4 * (Number(form.elements.d.value) || config.defaults.d));
    if (s.error) {
      box.dataset.zooRecallState = "invalid";
      status.textContent = s.error;
      return;
    }
    if (atDefaults(s)) {
      const figures = Object.fromEntries(await Promise.all(
        FIGS.map(async (f) => [f, await getJSON(`assets/data/figs/${model.id}-recall-${f}.json`)])));
      if (ticket !== latest) return;
      await draw(figures);
      drawnSweep = sweepKey(s);
      box.dataset.zooRecallState = "build";
      status.textContent = `${note}${model.name} at its defaults: figures computed at build time; change any value to run it live.`;
      return;
    }
    box.dataset.zooRecallState = "running";
    status.textContent = liveRuntime().state.status === "ready" ? "Running in your browser…"
      : `Starting Python in your browser${box.dataset.zooRecallDownloadMb ? ` (the first run downloads about ${box.dataset.zooRecallDownloadMb} MB)` : ""}…`;
    const sweep = sweepKey(s) !== drawnSweep;
    // Python draws on the light scale; figures.js gives a heatmap on it the current palette's variant.
    const style = { series: STYLE.series, colorscale: STYLE.colorscales.light };
    const args = { module: model.module, unit_keys: model.unit_keys, ...s, style };
    // Two requests: the read at N (forgetting, similarity), then the curves over N, a sweep that takes most of
    // Python's time. The worker answers them in turn, so the page draws the first two while it sweeps.
    const ask = (part) => liveRuntime().recall({ ...args, ...part })
      .then((r) => JSON.parse(r.json)).catch((err) => ({ failed: err.message }));
    const reading = ask({ sweep: false });
    const sweeping = sweep ? ask({ sweep: true, read: false }) : null;
    // A failed or refused run: its sentence, and true (nothing more to draw).
    const stopped = (r) => {
      if (!r.failed && !r.error) return false;
      box.dataset.zooRecallState = r.failed ? "failed" : "invalid";
      status.textContent = r.failed || r.error;
      return true;
    };
    const result = await reading;
    if (ticket !== latest || stopped(result)) return;
    const marks = { read: performance.now() - t0 };
    let t1 = performance.now();
    await draw(result);
    let drawMs = performance.now() - t1;
    let pythonMs = result.ms;
    if (sweeping) {
      const swept = await sweeping;
      if (ticket !== latest || stopped(swept)) return;
      marks.sweep = performance.now() - t0;
      t1 = performance.now();
      await draw(swept);
      drawMs += performance.now() - t1;
      pythonMs += swept.ms;
      box.dataset.zooRecallSweepPythonMs = swept.ms.toFixed(1);
    }
    drawnSweep = sweepKey(s);
    box.dataset.zooDrawMs = drawMs.toFixed(1);
    // When each answer reached the page (ms after the input event): Python's time, the worker's queue and the
    // transfer; with the drawing times, where a redraw spends its time (scripts/measure_recall.py).
    box.dataset.zooRecallReadAt = marks.read.toFixed(1);
    box.dataset.zooRecallSweepAt = sweeping ? marks.sweep.toFixed(1) : "";
    box.dataset.zooRecallReadPythonMs = result.ms.toFixed(1);
    if (!sweeping) box.dataset.zooRecallSweepPythonMs = "";
    const redraw = performance.now() - t0;
    box.dataset.zooRecallState = "live";
    box.dataset.zooRecallMs = pythonMs.toFixed(1);
    box.dataset.zooRedrawMs = redraw.toFixed(1);
    const sm = result.summary;
    // d_k written as the page's prose and figures write it, with a subscript k
    const k = document.createElement("sub");
    k.textContent = "k";
    status.replaceChildren(`${model.name}, d`, k, ` = ${sm.d_k}, N = ${sm.N}: ${Math.round(100 * sm.accuracy)}% `
      + `of reads nearest their own value, mean error ${sm.error.toFixed(2)} (Python ${pythonMs.toFixed(0)} ms, `
      + `redrawn in ${redraw.toFixed(0)} ms).`);
    box.dispatchEvent(new CustomEvent("zoo-recall-drawn"));
  };

  select.addEventListener("change", () => {
    model = byId[select.value];
    showParams();
    update(performance.now());
  });
  form.addEventListener("change", (event) => {
    if (event.target !== select) update(performance.now());
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  await update(performance.now());
}
