// The compare page: 2 to 4 models on the same T, d and seed, their mixing matrices side by side, and below
// them the models' equations, state size, cost row and GPU numbers (assets/data/compare/<id>.json, one
// per model, written by zoo/sitegen/compare.py). Each panel has its own colour scale by default, so every model's
// pattern is visible even when one model's weights are ten times larger; "one colour scale" paints all
// panels on the largest |A| of them, so colours compare across panels.
//
// State lives in the URL (?models=fox,mamba-2&T=32&d=16&seed=0[&scale=shared]) so a comparison can be linked.
// Until the reader starts Pyodide, the build-time figures (T=32, d=16, seed 0) are shown when the
// settings match them; each drawn panel carries data-zoo-model and data-zoo-checksum.

import { heatmap, hoverable, maxAbs, rows } from "./draw.js";
import { Latest } from "./latest.js";
import { h, slider, statusView } from "./panel.js";
import { liveRuntime } from "./runtime.js";

const SITE = new URL("../../../", import.meta.url);
const MIN = 2;
const MAX = 4;

class Compare {
  constructor(el) {
    this.el = el;
    this.runtime = liveRuntime();
    // Every change redraws; changes that come during a redraw give one more, as long as the page is open.
    this.redraws = new Latest(async () => {
      await this.render();
      return this.el.isConnected;
    });
  }

  async setup() {
    const response = await fetch(new URL(this.el.dataset.zooCompare, SITE));
    if (!response.ok) throw new Error(`compare settings: HTTP ${response.status}`);
    this.cfg = await response.json();
    // The facts table is an extra: without a model's file the matrices still compare.
    this.factsCache = new Map();
    this.byId = Object.fromEntries(this.cfg.models.map((m) => [m.id, m]));
    this.readState();

    this.boxes = [...this.el.querySelectorAll('input[type="checkbox"][name="model"]')];
    for (const box of this.boxes) {
      box.checked = this.state.models.includes(box.value);
      box.addEventListener("change", () => {
        this.state.models = this.boxes.filter((b) => b.checked).map((b) => b.value);
        this.update();
      });
    }

    const status = statusView(this.el);
    this.button = h("button", { type: "button", class: "md-button md-button--primary", "data-zoo-live-start": true,
      text: "Run live in your browser" });
    this.button.addEventListener("click", () => {
      this.started = true;
      this.update();
    });
    // Intent: the pointer or keyboard focus on Run starts loading Pyodide before the click.
    const prepare = () => this.runtime.state.status === "idle" && this.runtime.start().catch(() => {});
    this.button.addEventListener("pointerenter", prepare, { once: true });
    this.button.addEventListener("focus", prepare, { once: true });
    const controls = h("div", { class: "zoo-live__controls" });
    for (const name of ["T", "d", "seed"]) {
      const [min, max, step] = this.cfg.ranges[name];
      controls.append(slider({ name, label: name, min, max, step, value: this.state[name] }, (v) => {
        this.state[name] = v;
        this.update();
      }).row);
    }
    this.shared = h("input", { type: "checkbox", "data-zoo-compare-shared": true });
    this.shared.checked = this.state.shared;
    this.shared.addEventListener("change", () => {
      this.state.shared = this.shared.checked;
      this.writeState();
      this.paint?.();
      this.describe();
    });
    const scale = h("label", { class: "zoo-compare__scale" }, this.shared,
      h("span", { text: " One colour scale for all panels (colours then compare across models)" }));
    this.note = h("p", { class: "zoo-compare__note", role: "status" });
    this.grid = h("div", { class: "zoo-compare__grid" });
    this.table = h("div", { class: "zoo-compare__facts" });
    const app = this.el.querySelector("[data-zoo-compare-app]");
    app.replaceChildren(h("div", { class: "zoo-live__bar" }, this.button, status.box), controls, scale, this.note,
      this.grid, this.table);
    app.hidden = false;

    const unsubscribe = this.runtime.subscribe((s) => {
      if (!this.el.isConnected) return unsubscribe();
      status.update(s);
      if (s.status === "failed") this.started = false;
    });
    const manifest = await this.runtime.manifest();
    if (!manifest.available) {
      status.update({ status: "failed", kind: "unavailable", message: manifest.message });
      this.button.disabled = true;
    }
    this.started = this.runtime.state.status === "ready";
    // Repaint in the new colours when the reader flips Material's light/dark palette.
    const palette = new MutationObserver(() => (this.el.isConnected ? this.paint?.() : palette.disconnect()));
    palette.observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
    this.update();
  }

  readState() {
    const q = new URLSearchParams(location.search);
    const d = this.cfg.defaults;
    const int = (key, fallback) => {
      const [min, max] = this.cfg.ranges[key];
      const v = Number.parseInt(q.get(key), 10);
      return Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : fallback;
    };
    const wanted = (q.get("models") || "").split(",").filter((id) => id in this.byId);
    const models = [...new Set(wanted)].slice(0, MAX);
    // Default: the first model and the first one with the other readout, preferring one with the same decay
    // components, so the pair differs in the readout alone (softmax attention vs linear attention, say).
    const first = this.cfg.models[0];
    const sameDecay = (m) => String(m.decay) === String(first.decay);
    const otherReadout = this.cfg.models.filter((m) => m.readout !== first.readout);
    const other = otherReadout.find(sameDecay) || otherReadout[0] || this.cfg.models[1];
    this.state = {
      models: models.length ? models : [first, other].filter(Boolean).map((m) => m.id),
      T: int("T", d.T), d: int("d", d.d), seed: int("seed", d.seed),
      shared: q.get("scale") === "shared",
    };
  }

  writeState() {
    const q = new URLSearchParams({ models: this.state.models.join(","), T: this.state.T, d: this.state.d,
      seed: this.state.seed });
    if (this.state.shared) q.set("scale", "shared");
    history.replaceState(history.state, "", `${location.pathname}?${q.toString().replace(/%2C/g, ",")}`);
  }

  // Any change: redraw, but never queue more than one redraw behind the one in progress.
  update() {
    // At most four: further boxes are disabled rather than silently unticking an earlier choice.
    for (const box of this.boxes) box.disabled = !box.checked && this.state.models.length >= MAX;
    this.writeState();
    this.redraws.request();
  }

  async render() {
    const n = this.state.models.length;
    if (n < MIN) {
      this.note.textContent = `Choose ${MIN - n} more model${MIN - n > 1 ? "s" : ""} (${MIN} to ${MAX}).`;
      this.grid.replaceChildren();
      this.table.replaceChildren();
      return;
    }
    const d = this.cfg.defaults;
    const isDefault = this.state.T === d.T && this.state.d === d.d && this.state.seed === d.seed;
    let panels;
    try {
      if (this.started) {
        this.button.hidden = true;
        this.note.textContent = "Running…";
        panels = await this.runLive();
      } else if (isDefault) {
        panels = await this.loadStatic();
      } else {
        this.note.textContent = `These settings need a live run (the build computed T=${d.T}, d=${d.d}, seed ${d.seed}).`;
        this.grid.replaceChildren();
        return;
      }
    } catch (err) {
      // Runtime failures are shown by the status line; a kernel error or a missing figure is said here.
      this.note.textContent = err.kind === "python" ? `A kernel raised: ${err.message}`
        : err.kind ? "" : `Could not draw: ${err.message}`;
      if (err.kind && err.kind !== "python") this.button.hidden = false;
      return;
    }
    if (this.redraws.pending || !this.el.isConnected) return; // a newer choice is on its way
    await this.draw(panels);
    this.describe();
    this.drawFacts(await this.loadFacts(this.state.models));
  }

  // Each model's facts once per page: {gpu, head_dim, lengths, models: {id: facts}}, or null.
  async loadFacts(ids) {
    for (const id of ids) {
      if (!this.factsCache.has(id)) {
        this.factsCache.set(id, fetch(new URL(`${this.el.dataset.zooCompareFacts}${id}.json`, SITE))
          .then((r) => (r.ok ? r.json() : null)).catch(() => null));
      }
    }
    const files = await Promise.all(ids.map((id) => this.factsCache.get(id)));
    const models = {};
    files.forEach((f, i) => { if (f) models[ids[i]] = f.facts; });
    const first = files.find(Boolean);
    return first ? { ...first, models } : null;
  }

  describe() {
    if (!this.grid.childElementCount) return;
    const d = this.cfg.defaults;
    const scale = this.state.shared ? "one colour scale for all panels" : "each panel on its own colour scale";
    this.note.textContent = this.started
      ? `Computed live by Pyodide: T=${this.state.T}, d=${this.state.d}, seed ${this.state.seed}, default parameters; `
        + `${scale}.`
      : `Computed at build time: T=${d.T}, d=${d.d}, seed ${d.seed}, default parameters; ${scale}. `
        + "Run live to change T, d or the seed.";
  }

  // The models' facts in columns, one row per fact. The cells hold KaTeX HTML rendered at build time
  // from the registry (escaped there); model names go in as text.
  drawFacts(facts) {
    if (!facts) {
      this.table.replaceChildren();
      return;
    }
    const ids = this.state.models.filter((id) => id in facts.models);
    const ms = (v) => (v === null || v === undefined ? "–" : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
    const klen = (T) => (T >= 1024 ? `${T / 1024}K` : String(T));
    // One value per length of facts.lengths: "2K: 2.26 · 32K: 29.2 · 128K: 126".
    const perLength = (values) => values.map((v, i) => `${klen(facts.lengths[i])}: ${ms(v)}`).join(" · ");
    const gpu = (f, mode) => (f.gpu.status === "measured" ? perLength(f.gpu[mode]) : f.gpu.why);
    // A recurrent step costs the same at any context; a step over a KV cache was timed at each length.
    const decodeStep = (f) => {
      if (f.gpu.decode_us) return `${ms(f.gpu.decode_us)} at any context`;
      return f.gpu.decode_us_at ? perLength(f.gpu.decode_us_at) : "–";
    };
    const rows = [
      ["State update", (f) => f.state_eq, true],
      ["Readout", (f) => f.readout_eq, true],
      ["What decoding keeps", (f) => f.layout, true],
      ["State size (per head)", (f) => f.state, true],
      ["Training cost", (f) => f.train, true],
      ["Decoding cost per token", (f) => f.decode, true],
      [`GPU forward, ms per call (${facts.gpu || "GPU"})`, (f) => gpu(f, "fwd"), false],
      ["GPU forward + backward, ms", (f) => gpu(f, "fwdbwd"), false],
      ["GPU decoding step, µs", decodeStep, false],
    ];
    const head = h("tr", {}, h("th", { scope: "col", text: "" }),
      ...ids.map((id) => h("th", { scope: "col" }, h("a", { href: new URL(`models/${id}/`, SITE).href, text: this.byId[id].name }))));
    const body = rows.map(([label, get, html]) => h("tr", {}, h("th", { scope: "row", text: label }),
      ...ids.map((id) => {
        const td = h("td");
        if (html) td.innerHTML = get(facts.models[id]);
        else td.textContent = get(facts.models[id]);
        return td;
      })));
    const caption = h("caption", { text: `Side by side: equations and costs from the registry; GPU times of the `
      + `newest benchmark run (bf16, head dimension ${facts.head_dim}), as on each model's page. A recurrent `
      + "decoding step at batch 1 is mostly the time to launch it, so compare those loosely." });
    this.table.replaceChildren(h("div", { class: "zoo-compare__facts-scroll", tabindex: "0", role: "region",
      "aria-label": "Facts of the compared models" }, h("table", {}, caption, h("thead", {}, head), h("tbody", {}, ...body))));
    this.table.dataset.zooFacts = ids.join(",");
  }

  async loadStatic() {
    return Promise.all(this.state.models.map(async (id) => {
      const response = await fetch(new URL(`assets/data/figs/${id}-mixing-t32.json`, SITE));
      if (!response.ok) throw new Error(`HTTP ${response.status} for the ${id} figure`);
      const fig = await response.json();
      return { id, z: fig.data[0].z, checksum: null };
    }));
  }

  async runLive() {
    const { T, d, seed } = this.state;
    const out = [];
    for (const id of this.state.models) { // one worker, one run at a time anyway
      const m = this.byId[id];
      const r = await this.runtime.run({ module: m.module, T, d, seed, params: m.params }); // A of channel 1
      out.push({ id, z: rows(r.arrays.A), checksum: r.checksum, perChannel: r.shape.channels > 0,
        args: { module: m.module, T, d, seed, params: m.params } });
    }
    return out;
  }

  async draw(panels) {
    const shared = Math.max(...panels.map((p) => maxAbs(p.z)));
    const cells = panels.map((p) => {
      const m = this.byId[p.id];
      const canvas = h("canvas", { class: "zoo-live__canvas", role: "img",
        "aria-label": `${m.name}: mixing matrix A` });
      const cell = h("figure", { class: "zoo-compare__plot zoo-live__cell", "data-zoo-model": p.id }, canvas,
        h("figcaption", {}, h("a", { href: new URL(`models/${p.id}/`, SITE).href, text: m.name })));
      if (p.checksum !== null) {
        cell.dataset.zooChecksum = String(p.checksum);
        cell.dataset.zooRun = JSON.stringify(p.args);
      }
      return { cell, canvas, p, m };
    });
    this.grid.replaceChildren(...cells.map((c) => c.cell));
    this.grid.dataset.zooCount = String(panels.length);
    this.paint = () => {
      for (const { canvas, p, m } of cells) {
        // Shared: one zmax for all, so colours compare across panels; own: each panel uses its full range.
        const zmax = this.state.shared ? shared : maxAbs(p.z);
        heatmap(canvas, { z: p.z, zmax, title: `${m.short_name}${p.perChannel ? ` (${m.slices || "channel"} 1)` : ""}`,
          xlabel: "source step s", ylabel: "output step t", hover: { row: "t", col: "s", value: "A" }, causal: true,
          perStep: p.z[0].length / p.z.length });
      }
      this.el.dataset.zooScale = this.state.shared ? "shared" : "own";
    };
    this.paint();
    cells.forEach(({ canvas }) => hoverable(canvas));
    this.el.dataset.zooZmax = String(shared);
    this.el.dataset.zooDrawn = this.state.models.join(",");
    this.el.dispatchEvent(new CustomEvent("zoo-compare-drawn", { bubbles: true }));
  }
}

export function init(root) {
  for (const el of root.querySelectorAll("[data-zoo-compare]:not([data-zoo-compare-wired])")) {
    el.dataset.zooCompareWired = "true";
    new Compare(el).setup().catch((err) => {
      const app = el.querySelector("[data-zoo-compare-app]");
      if (app) {
        app.hidden = false;
        app.textContent = `The compare page could not start (${err.message}).`;
      }
    });
  }
}
