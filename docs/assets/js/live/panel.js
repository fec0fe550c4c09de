// The live panel on each model page: sliders for T, d, seed and the model's declared parameters; runs the
// model's kernels_wasm file in Pyodide and draws its mixing matrix, its state at step t and the norms.
// Pressing Run or changing any value starts the run (the panel says so); the runtime starts loading earlier,
// when the panel scrolls into view or the pointer or keyboard focus reaches Run.
//
// Markup (templates/live_panel.html.j2): <div data-zoo-live="assets/data/live/<id>.json"> holding the
// build-time figures; this module adds the controls and live figures and, after every drawn run, sets
//   data-zoo-live-status  idle | loading | ready | failed (then data-zoo-error-kind says why)
//   data-zoo-run          the exact arguments of the run (JSON)
//   data-zoo-checksum     api.simulate's checksum of that run (browser tests compare it with CPython's)
//   data-zoo-redraw-ms    input event to redrawn figures; data-zoo-python-ms, -worker-ms, -round-trip-ms,
//                         -draw-ms split it
// and, when Run was pressed before Pyodide was ready, data-zoo-build-shown (ms from the click) once it has
// drawn the build-time run of the same defaults (assets/data/live/<id>-run.bin), labelled as such, while
// Pyodide starts; the live run replaces it.

import { siteURL } from "../site.js";
import { bars, heatmap, hoverable, lines, rows } from "./draw.js";
import { allZero, checkValue } from "./inputs.js";
import { Latest } from "./latest.js";
import { liveRuntime } from "./runtime.js";

// document.createElement with attributes and children; `text` sets textContent (never innerHTML).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  el.append(...children.filter(Boolean));
  return el;
}

// A labelled range input with a number box beside it that shows its value and takes a typed one; `onInput`
// gets the value as a number, only ever a valid one. A typed value off the range or the step grid is refused
// with a sentence under the slider, and nothing runs.
export function slider({ name, label, min, max, step, value, help }, onInput) {
  const id = `zoo-live-${name}-${Math.random().toString(36).slice(2, 8)}`;
  const input = h("input", { type: "range", id, name, min, max, step, value, "aria-describedby": help ? `${id}-help` : null });
  const out = h("input", { type: "number", class: "zoo-live__value", min, max, step, value, inputmode: "decimal",
    "aria-label": `${label}, typed`, "aria-describedby": `${id}-error` });
  const error = h("small", { class: "zoo-live__invalid", id: `${id}-error`, role: "alert", hidden: true });
  const showError = (message) => {
    error.textContent = message || "";
    error.hidden = !message;
    out.toggleAttribute("aria-invalid", Boolean(message));
  };
  input.addEventListener("input", () => {
    out.value = input.value;
    showError(null);
    onInput(Number(input.value));
  });
  out.addEventListener("change", () => {
    // The range's own attributes: a view slider's maximum follows the run (step t goes up to T).
    const checked = checkValue(out.value, { label, min: Number(input.min), max: Number(input.max), step: Number(input.step) });
    showError(checked.error);
    if (checked.error) return;
    input.value = String(checked.value);
    out.value = String(checked.value);
    onInput(checked.value);
  });
  const row = h("div", { class: "zoo-live__slider" },
    h("label", { for: id, text: label }), input, out,
    help ? h("small", { id: `${id}-help`, text: help }) : null, error);
  return { row, input, out };
}

// Python literal for a JSON number or string, as it appears in the "code" tab's call line.
const pyLiteral = (v) => (typeof v === "string" ? JSON.stringify(v) : String(v));

export function callSource(args, checksum) {
  const params = Object.entries(args.params).map(([k, v]) => `, ${k}=${pyLiteral(v)}`).join("");
  return "from kernels_wasm import api\n\n"
    + `result = api.simulate(${JSON.stringify(args.module)}, T=${args.T}, d=${args.d}, seed=${args.seed}${params})\n`
    + (checksum === undefined ? "" : `# result["checksum"] == ${checksum}\n`);
}

// The status line and progress bar shared by the panel and the compare page.
export function statusView(host) {
  const text = h("p", { class: "zoo-live__status-text", role: "status", "aria-live": "polite" });
  const bar = h("progress", { class: "zoo-live__progress", max: 1, value: 0, hidden: true, "aria-label": "bytes loaded" });
  const error = h("p", { class: "zoo-live__error", role: "alert", hidden: true });
  const box = h("div", { class: "zoo-live__status" }, bar, text, error);
  const update = (s) => {
    host.dataset.zooLiveStatus = s.status;
    bar.hidden = s.status !== "loading" || !s.total; // the total is known once the manifest is read
    error.hidden = s.status !== "failed";
    if (s.status === "loading") {
      bar.max = s.total || 1;
      bar.value = Math.min(s.loaded, bar.max);
      const mb = (x) => (x / 1e6).toFixed(1);
      text.textContent = `Loading ${s.phase}: ${mb(s.loaded)} of ${mb(s.total)} MB (Pyodide and numpy, once per visit).`;
      bar.dataset.zooLoaded = s.loaded;
    } else if (s.status === "ready") {
      text.textContent = `Pyodide ready (Python ${s.python}, numpy ${s.numpy}), started in ${(s.ms / 1000).toFixed(1)} s.`;
    } else if (s.status === "failed") {
      text.textContent = "";
      error.textContent = s.message;
      host.dataset.zooErrorKind = s.kind;
    }
    if (s.status !== "failed") delete host.dataset.zooErrorKind;
    if (s.status === "idle") text.textContent = "";
  };
  return { box, update };
}

class Panel {
  constructor(el) {
    this.el = el;
    this.runtime = liveRuntime();
    this.result = null;
    this.queue = new Latest(() => this.runOnce()); // one run in flight, at most one waiting behind it
    this.inputAt = 0;
    this.runs = 0;
    this.buildRun = null; // promise of the build-time run's arrays, fetched on intent
    this.viewTicket = 0; // the latest step/channel change; an older answer is dropped
  }

  async setup() {
    const response = await fetch(siteURL(this.el.dataset.zooLive));
    if (!response.ok) throw new Error(`panel settings: HTTP ${response.status}`);
    const cfg = await response.json();
    this.cfg = cfg;
    this.args = {
      module: cfg.module,
      ...cfg.defaults,
      params: Object.fromEntries(cfg.params.map((p) => [p.name, p.default])),
    };

    const status = statusView(this.el);
    this.button = h("button", { type: "button", class: "md-button md-button--primary", "data-zoo-live-start": true,
      text: "Run live in your browser" });
    this.button.addEventListener("click", () => this.start());
    this.hint = h("p", { class: "zoo-live__hint", "data-zoo-live-hint": true });

    const controls = h("div", { class: "zoo-live__controls" });
    const general = [
      { name: "T", label: "T (steps)", help: "sequence length" },
      { name: "d", label: "d (width)", help: "width of the keys and values" },
      { name: "seed", label: "seed", help: "random inputs q, k, v and gates" },
    ];
    for (const g of general) {
      const [min, max, step] = cfg.ranges[g.name];
      controls.append(slider({ ...g, min, max, step, value: this.args[g.name] }, (v) => {
        this.args[g.name] = v;
        this.changed();
      }).row);
    }
    for (const p of cfg.params) {
      controls.append(slider({ ...p, value: p.default }, (v) => {
        this.args.params[p.name] = v;
        this.changed();
      }).row);
    }

    // Figures tab: mixing matrix, state at step t, norms over time, each on a canvas (see draw.js), and
    // the sliders that only change what is shown (no new run): step t, and the channel of per-channel models.
    const canvas = (kind) => h("canvas", { class: `zoo-live__canvas zoo-live__canvas--${kind}`, "data-zoo-live-plot": kind,
      role: "img" });
    this.canvases = { mixing: canvas("mixing"), state: canvas("state"), norms: canvas("norms") };
    this.t = slider({ name: "t", label: "step t", min: 1, max: this.args.T, step: 1, value: this.args.T,
      help: "which step's state to show" }, () => this.reslice());
    // A 3-D mixing matrix has one slice per value channel (Mamba-1) or per query head (GQA, MLA).
    this.slices = cfg.slices || "channel";
    const perHead = this.slices !== "channel";
    this.channel = slider({ name: "channel", label: this.slices, min: 1, max: this.args.d, step: 1, value: 1,
      help: perHead ? "each query head has its own attention matrix; heads of a group read the same values"
        : "this model mixes each value channel with its own matrix" }, () => this.reslice());
    this.channel.row.hidden = true;
    const cell = (c, ...extra) => h("div", { class: "zoo-live__cell" }, c, ...extra);
    const figures = h("div", { class: "zoo-live__figures", role: "tabpanel" },
      cell(this.canvases.mixing, this.channel.row), cell(this.canvases.state, this.t.row),
      h("div", { class: "zoo-live__cell zoo-live__cell--wide" }, this.canvases.norms));
    this.timing = h("p", { class: "zoo-live__timing" });
    this.zero = h("p", { class: "zoo-live__zero", role: "status", "data-zoo-live-zero": true, hidden: true });

    this.code = h("div", { class: "zoo-live__code", role: "tabpanel", hidden: true });
    const tabs = h("div", { class: "zoo-live__tabs", role: "tablist" });
    const tab = (label, panel) => {
      const b = h("button", { type: "button", role: "tab", "aria-selected": panel === figures ? "true" : "false",
        text: label, "data-zoo-live-tab": label.toLowerCase() });
      b.addEventListener("click", () => {
        for (const other of tabs.children) other.setAttribute("aria-selected", String(other === b));
        figures.hidden = panel !== figures;
        this.code.hidden = panel !== this.code;
        if (panel === figures) this.draw(); // canvases painted while hidden had no size
      });
      return b;
    };
    tabs.append(tab("Figures", figures), tab("Code", this.code));
    this.live = h("div", { class: "zoo-live__results", hidden: true }, tabs, this.zero, figures, this.code, this.timing);

    for (const c of Object.values(this.canvases)) hoverable(c);
    const app = this.el.querySelector("[data-zoo-live-app]");
    app.replaceChildren(h("div", { class: "zoo-live__bar" }, this.button, status.box), this.hint, controls, this.live);
    app.hidden = false;

    // Redraw in the new colours when the reader flips Material's light/dark palette.
    const palette = new MutationObserver(() => (this.el.isConnected ? this.draw() : palette.disconnect()));
    palette.observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });

    const unsubscribe = this.runtime.subscribe((s) => {
      if (!this.el.isConnected) return unsubscribe(); // the page was left through instant navigation
      status.update(s);
    });
    const manifest = await this.runtime.manifest();
    if (!manifest.available) {
      status.update({ status: "failed", kind: "unavailable", message: manifest.message });
      this.button.disabled = true;
      for (const input of controls.querySelectorAll("input")) input.disabled = true;
      this.hint.textContent = "The values below cannot be changed without live runs.";
      return;
    }
    this.hint.textContent = "Press Run, or change any value below: the model then runs in your browser "
      + `(Python and numpy, ${(manifest.bytes / 1e6).toFixed(0)} MB, loaded once per visit).`;
    // The reader already started Pyodide on another page: no reason to make them click again.
    if (this.runtime.state.status === "ready") {
      this.start();
      return;
    }
    // Intent: start loading the runtime before the click, so that the first result comes sooner.
    const prepare = () => this.prepare();
    this.button.addEventListener("pointerenter", prepare, { once: true });
    this.button.addEventListener("focus", prepare, { once: true });
    if ("IntersectionObserver" in window) {
      const seen = new IntersectionObserver((entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        seen.disconnect();
        prepare();
      }, { rootMargin: "200px 0px" });
      seen.observe(this.el);
    }
  }

  // Load Pyodide ahead of a run; a failure shows in the status line, and Run tries again.
  prepare() {
    if (!this.el.isConnected || this.runtime.state.status !== "idle") return;
    if (navigator.connection?.saveData) return; // the reader asked for less data: wait for the click
    this.loadBuildRun();
    this.runtime.start().catch(() => {});
  }

  // The build-time run at the defaults, float32 arrays one after the other (zoo/sitegen/live.py run_binary).
  loadBuildRun() {
    const { file, shapes } = this.cfg.build_run;
    this.buildRun ??= fetch(siteURL(file))
      .then((response) => (response.ok ? response.arrayBuffer() : Promise.reject(new Error(`HTTP ${response.status}`))))
      .then((buffer) => {
        const floats = new Float32Array(buffer);
        const arrays = {};
        let offset = 0;
        for (const [name, shape] of Object.entries(shapes)) {
          if (!shape) {
            arrays[name] = null;
            continue;
          }
          const size = shape.reduce((a, b) => a * b, 1);
          arrays[name] = { shape, data: floats.subarray(offset, offset + size) };
          offset += size;
        }
        return arrays;
      });
    return this.buildRun;
  }

  start() {
    this.button.hidden = true;
    this.hint.textContent = "Change any value to run again.";
    this.inputAt = performance.now();
    if (this.runtime.state.status !== "ready") this.showBuildRun(this.inputAt);
    this.changed();
  }

  // Pressed before Pyodide is ready, at the defaults: draw what the build computed for exactly these inputs
  // at once, saying so, and let the live run replace it. Anything else waits for the live run.
  async showBuildRun(clickedAt) {
    const args = structuredClone(this.args);
    let arrays;
    try {
      arrays = await this.loadBuildRun();
    } catch {
      return; // the live run still comes; nothing to show meanwhile
    }
    const waiting = this.button.hidden && this.runtime.state.status !== "failed";
    if (!this.el.isConnected || this.runs || !waiting || !this.isDefault(args) || !this.isDefault(this.args)) return;
    const view = { channel: this.shownChannel(), t: args.T };
    const shape = { channels: arrays.A.shape.length === 3 ? arrays.A.shape[0] : 0, steps: args.T,
      state_shape: arrays.states ? arrays.states.shape.slice(1) : null };
    this.result = { args, full: arrays, arrays: slices(arrays, view), shape, view, checksum: this.cfg.static_checksum,
      build: true };
    this.draw({ fresh: true });
    await new Promise(requestAnimationFrame);
    if (this.runs || !this.el.isConnected) return;
    this.el.dataset.zooBuildShown = (performance.now() - clickedAt).toFixed(1);
    this.timing.textContent = "Computed when this site was built, with the same code and these inputs; "
      + "Python is starting in your browser to run it live, and its result will replace this one.";
  }

  // A value changed (or Run was pressed): run, but never queue more than one run behind the one in flight.
  // Before the first run, changing a value is the same as pressing Run.
  changed() {
    if (!this.button.hidden) {
      this.start();
      return;
    }
    this.inputAt = performance.now();
    if (this.result?.build && !this.isDefault(this.args)) {
      this.timing.textContent = "These figures are the build-time run at the default values; yours run as soon as "
        + "Python has started in your browser.";
    }
    this.queue.request();
  }

  // One live run at the current values, drawn; false when there is nothing more to run (the run failed,
  // the page was left).
  async runOnce() {
    const args = structuredClone(this.args);
    const startedAt = this.inputAt;
    const view = { channel: this.shownChannel(), t: args.T }; // a new run shows its last step
    let result;
    try {
      result = await this.runtime.run(args, view);
    } catch (err) {
      if (err.kind === "python") this.timing.textContent = `The kernel raised: ${err.message}`;
      else this.dropBuildRun();
      this.button.hidden = err.kind === "python";
      if (!this.button.hidden) this.hint.textContent = "";
      return false;
    }
    if (!this.el.isConnected) return false;
    this.result = { args, view, ...result };
    const drawStart = performance.now();
    this.draw({ fresh: true });
    await new Promise(requestAnimationFrame); // count the paint, not just the canvas calls
    // Where the time goes: Python inside the worker, the round trip around it, and Plotly.
    this.el.dataset.zooPythonMs = result.ms.toFixed(1);
    this.el.dataset.zooWorkerMs = result.workerMs.toFixed(1);
    this.el.dataset.zooRoundTripMs = (drawStart - startedAt).toFixed(1);
    this.el.dataset.zooDrawMs = (performance.now() - drawStart).toFixed(1);
    this.el.dataset.zooRun = JSON.stringify(args);
    this.el.dataset.zooChecksum = String(result.checksum);
    const elapsed = performance.now() - startedAt;
    this.el.dataset.zooRedrawMs = elapsed.toFixed(1);
    // The first run includes starting Pyodide; later ones are what a change of value costs.
    const took = this.runs++ ? `figures redrawn ${elapsed.toFixed(0)} ms after the change`
      : `first result ${elapsed < 1000 ? `${elapsed.toFixed(0)} ms` : `${(elapsed / 1000).toFixed(1)} s`} after you asked`;
    this.timing.textContent = `Computed in your browser: the model ran in ${result.ms.toFixed(1)} ms; ${took}.`
      + (this.matchesBuild(args, result) ? " Same numbers as the precomputed figures." : "");
    this.el.dispatchEvent(new CustomEvent("zoo-live-drawn", { bubbles: true }));
    // The step or channel slider moved while this run was on its way: fetch the slices now shown.
    if (!this.queue.pending && (Number(this.t.input.value) !== view.t || this.shownChannel() !== view.channel)) this.reslice();
  }

  // Pyodide did not start: the build-time figures above the panel already show that run, so put them back.
  dropBuildRun() {
    if (!this.result?.build) return;
    this.result = null;
    this.live.hidden = true;
    for (const el of this.el.querySelectorAll("[data-zoo-live-static]")) el.hidden = false;
    delete this.el.dataset.zooBuildShown;
  }

  isDefault(args) {
    const d = this.cfg.defaults;
    return args.T === d.T && args.d === d.d && args.seed === d.seed
      && this.cfg.params.every((p) => args.params[p.name] === p.default);
  }

  matchesBuild(args, result) {
    return this.isDefault(args)
      && Math.abs(result.checksum - this.cfg.static_checksum) <= 1e-6 * (1 + Math.abs(result.checksum));
  }

  shownChannel() {
    return Number(this.channel.input.value);
  }

  // The step or channel slider moved: draw other slices of the same run. The build-time run has every slice
  // here; a live run's stay in the worker, which sends the ones asked for (a few KB, no new run).
  async reslice() {
    const r = this.result;
    if (!r) return;
    const view = { channel: this.shownChannel(), t: Number(this.t.input.value) };
    const ticket = ++this.viewTicket;
    let arrays;
    if (r.full) {
      arrays = slices(r.full, view);
    } else {
      if (this.queue.busy) return; // a run is on its way; the loop asks again once it is drawn
      try {
        ({ arrays } = await this.runtime.view(view));
      } catch {
        return; // the runtime says what went wrong in the status line
      }
    }
    if (ticket !== this.viewTicket || this.result !== r || !this.el.isConnected) return;
    Object.assign(r, { arrays, view });
    this.draw();
  }

  // A run whose output is zero at every step draws blank figures: say why, in the reader's terms.
  explainZero(r) {
    const zero = allZero(r.arrays.o.data);
    this.zero.hidden = !zero;
    this.el.toggleAttribute("data-zoo-zero-output", zero);
    if (!zero) return;
    const off = this.cfg.params.filter((p) => r.args.params[p.name] === 0);
    const names = off.map((p) => `${p.label} = 0`).join(" and ");
    this.zero.textContent = off.length
      ? `Every output is zero, so the figures are blank: with ${names} the model writes nothing it can read back `
        + `(${off[0].help}). Move ${off.map((p) => p.label).join(" or ")} above 0 to see it mix.`
      : "Every output is zero for these values, so the figures are blank: nothing written to the state reaches "
        + "the output. Try other values.";
  }

  draw({ fresh = false } = {}) {
    const r = this.result;
    if (!r) return;
    if (fresh) {
      // Shown before painting, so the canvases have their CSS size.
      this.live.hidden = false;
      for (const el of this.el.querySelectorAll("[data-zoo-live-static]")) el.hidden = true;
      this.showCode(r);
      this.explainZero(r);
    }
    const { T, d, seed } = r.args;
    const { channels, state_shape: shape } = r.shape;
    const perChannel = channels > 0;
    const c = Math.min(r.view.channel, perChannel ? channels : 1) - 1;
    const t = Math.min(r.view.t, T) - 1;
    this.channel.row.hidden = !perChannel;
    this.channel.input.max = String(perChannel ? channels : 1);
    this.channel.input.value = String(c + 1);
    this.channel.out.max = this.channel.input.max;
    this.channel.out.value = String(c + 1);
    this.t.input.max = String(T);
    this.t.input.value = String(t + 1);
    this.t.out.max = String(T);
    this.t.out.value = this.t.input.value;

    const mixing = rows(r.arrays.A);
    heatmap(this.canvases.mixing, {
      z: mixing, xlabel: "source step s", ylabel: "output step t", hover: { row: "t", col: "s", value: "A" }, causal: true,
      perStep: mixing[0].length / T,
      title: `${this.cfg.short_name}: mixing matrix A${perChannel ? ` (${this.slices} ${c + 1})` : ""}, T=${T}, d=${d}, seed ${seed}`,
    });
    if (shape) {
      const two = shape.length === 2;
      heatmap(this.canvases.state, {
        z: rows(r.arrays.state), title: `state Sₜ at t=${t + 1} (${shape.join(" × ")})`,
        xlabel: two ? "k index" : "state index", ylabel: two ? "v index" : "", hover: { row: "row", col: "col", value: "S" },
      });
    } else {
      // Softmax models keep a KV cache, not a fixed-size state: show what step t reads instead (row t of A).
      bars(this.canvases.state, { y: mixing[t], title: `no fixed-size state: what step t=${t + 1} reads (row t of A)`,
        xlabel: "source step s", ylabel: "A[t, s]" });
    }
    const o = rows(r.arrays.o);
    const series = [{ name: "‖oₜ‖ output", y: o.map((row) => Math.hypot(...row)) }];
    if (r.arrays.state_norm) series.unshift({ name: "‖Sₜ‖ state", y: r.arrays.state_norm.data });
    lines(this.canvases.norms, { series, title: "norms over time", xlabel: "step t", ylabel: "norm" });
    this.canvases.mixing.setAttribute("aria-label", `mixing matrix A, T=${T}`);
    this.canvases.state.setAttribute("aria-label", `state at step ${t + 1}`);
    this.canvases.norms.setAttribute("aria-label", "state and output norms over time");
  }

  showCode(r) {
    if (r.build) {
      this.code.replaceChildren(
        h("p", { text: "The call whose result the figures show, computed when this site was built:" }),
        h("pre", { "data-zoo-live-call": true }, h("code", { class: "language-python", text: callSource(r.args, r.checksum) })),
        h("p", { text: "Once Python has started in your browser, the same call runs here, with every file it executes." }));
      return;
    }
    const select = h("select", { "aria-label": "source file" });
    for (const name of r.files) select.append(h("option", { value: name, text: `kernels_wasm/${name}` }));
    select.value = `${r.args.module}.py`;
    const source = h("code", { class: "language-python" });
    const show = () => { source.textContent = r.sources[select.value]; };
    select.addEventListener("change", show);
    show();
    this.code.replaceChildren(
      h("p", { text: "The call that produced these figures, run by Pyodide in your browser:" }),
      h("pre", { "data-zoo-live-call": true }, h("code", { class: "language-python", text: callSource(r.args, r.checksum) })),
      h("p", {}, "Every file it executed (", select, "), exactly as sent to Pyodide:"),
      h("pre", { "data-zoo-live-source": true }, source));
  }
}

// Entry i along the leading axis of {shape, data}: a view, no copy.
function at(array, i) {
  const shape = array.shape.slice(1);
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, data: array.data.subarray(i * size, (i + 1) * size) };
}

// The slices of a whole run (the build-time one) that the worker would send for `view` (worker.py _slices).
function slices(full, { channel, t }) {
  const A = full.A.shape.length === 3 ? at(full.A, Math.min(Math.max(channel, 1), full.A.shape[0]) - 1) : full.A;
  const state = full.states ? at(full.states, Math.min(Math.max(t, 1), full.states.shape[0]) - 1) : null;
  return { A, state, o: full.o, state_norm: full.state_norm };
}

export function init(root) {
  for (const el of root.querySelectorAll("[data-zoo-live]:not([data-zoo-live-wired])")) {
    el.dataset.zooLiveWired = "true";
    new Panel(el).setup().catch((err) => {
      el.dataset.zooLiveStatus = "failed";
      const app = el.querySelector("[data-zoo-live-app]");
      if (app) {
        app.hidden = false;
        app.textContent = `The live panel could not start (${err.message}); the figures above stay as computed at build time.`;
      }
    });
  }
}
