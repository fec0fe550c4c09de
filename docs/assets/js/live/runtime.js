// The page side of live runs: one worker for the whole tab. Material's instant navigation swaps the page body
// but keeps this module and window, so the worker started on one model page serves every later page of the
// visit. Its one handle is window.__zooLive, the only state the site's modules keep on window (README, "What
// runs where"): browser tests and scripts/measure_live.py read its state from outside the module graph.
//
//   const rt = liveRuntime();
//   rt.subscribe(listener)        listener(state): {status, loaded, total, phase, message, ms}; once ready
//                                 also {python, numpy, marks, snapshot} (worker.js "ready")
//   await rt.start()              resolves when Pyodide, numpy and kernels_wasm are ready; rejects on failure.
//                                 Called on intent (the panel scrolls into view, the pointer or focus reaches
//                                 Run) as well as on a click, so the runtime is often ready before it is needed
//   await rt.run(args, view)      {checksum, ms, arrays, shape, files, sources}; args: {module, T, d, seed,
//                                 params}; view: {channel, t}, the slices of the run to send (worker.js)
//   await rt.view(view)           {arrays}: other slices of the last run
//   await rt.recall(args)         {json}: the Recall page's figures (kernels_wasm/_recall_figures.py live)

import { siteURL } from "../site.js";

const PYODIDE_URL = siteURL("assets/vendor/pyodide/").href;
const PYTHON_URL = siteURL("assets/data/live/python.json").href; // zoo/sitegen/live.py writes it
// The longest wait with no progress during a start, and for any single run: 30 s. The page address can set it
// (?zoo-live-timeout-ms=N): tests shorten it to check the message without waiting half a minute, and
// scripts/measure_live.py lengthens it. Read once, when the tab first loads this module.
const PARAMS = new URLSearchParams(window.location.search);
const TIMEOUT_MS = Number(PARAMS.get("zoo-live-timeout-ms")) || 30000;
// ?zoo-live-snapshot=off starts Pyodide the normal way even when the build made a start-up snapshot
// (worker.js, snapshot.js): tests compare the two starts and scripts/measure_live.py times both.
const SNAPSHOT = PARAMS.get("zoo-live-snapshot") !== "off";

export class LiveError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind; // "webassembly" | "unavailable" | "wheel" | "kernels" | "start" | "timeout" | "python"
  }
}

class Runtime {
  constructor() {
    this.worker = null;
    this.starting = null; // the promise of the current (or last) start
    this.state = { status: "idle", loaded: 0, total: 0, phase: "", message: "", ms: 0 };
    this.listeners = new Set();
    this.pending = new Map(); // run id -> {resolve, reject, timer}
    this.nextId = 1;
  }

  subscribe(listener) {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  set(patch) {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener(this.state);
  }

  // What the build put under assets/vendor/pyodide (zoo/sitegen/pyodide_assets.py): whether live runs can work
  // at all, and the byte sizes for the progress bar. Read once; panels ask before offering a run.
  manifest() {
    this.manifestPromise ??= fetch(new URL("zoo-live.json", PYODIDE_URL))
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.json();
      })
      .then((m) => {
        // The snapshot saves seconds of CPU for some MB more to download: not when the reader asked the
        // browser to save data. (Its speed estimate, navigator.connection.downlink, is too rough to go by.)
        const useSnapshot = Boolean(m.snapshot) && SNAPSHOT && !navigator.connection?.saveData;
        return { ...m, useSnapshot, bytes: useSnapshot ? m.download_bytes : m.total_bytes, // what a start fetches
          message: m.available ? "" : `Live runs are unavailable on this build: ${m.reason}. `
            + "The figures shown were computed at build time." };
      })
      .catch((err) => ({ available: false, message: "Live runs are unavailable: the Pyodide runtime is not part "
        + `of this site (${err.message}). The figures shown were computed at build time.` }));
    return this.manifestPromise;
  }

  start() {
    // A failed start may be retried (the reader clicks again); a good one is shared by every panel.
    if (this.starting && this.state.status !== "failed") return this.starting;
    this.starting = this.boot();
    return this.starting;
  }

  async boot() {
    this.set({ status: "loading", loaded: 0, phase: "Pyodide", message: "" });
    if (typeof WebAssembly !== "object" || typeof Worker !== "function") {
      throw this.fail("webassembly", "Live runs need WebAssembly and Web Workers, which this browser does not offer. "
        + "The figures above were computed at build time with the same code.");
    }
    const manifest = await this.manifest();
    if (!manifest.available) throw this.fail("unavailable", manifest.message);
    const snapshot = manifest.useSnapshot ? manifest.snapshot : null;
    this.set({ total: manifest.bytes });

    const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "zoo-live" });
    this.worker = worker;
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      // A stall, not a deadline: a slow network may take longer than any fixed limit, so only a wait with no
      // bytes arriving gives up. With no download in flight the start is compiling WebAssembly or starting
      // Python, seconds of CPU with no progress to report (much longer on a slow or busy device): that wait
      // is four times as long.
      let timer;
      let fetching = 1;
      const watch = () => {
        clearTimeout(timer);
        const wait = TIMEOUT_MS * (fetching ? 1 : 4);
        timer = setTimeout(() => {
          reject(this.fail("timeout", `Pyodide did not start: nothing happened for ${wait / 1000} s. `
            + "The network or this device may be slow; try again, the figures above stay as they are."));
        }, wait);
      };
      watch();
      worker.onmessage = (event) => {
        const m = event.data;
        if (m.type === "progress") {
          fetching = m.fetching;
          this.set({ loaded: m.loaded, phase: m.phase });
          watch();
        } else if (m.type === "ready") {
          clearTimeout(timer);
          this.set({ status: "ready", loaded: this.state.total, ms: performance.now() - t0, python: m.python,
            numpy: m.numpy, marks: m.marks, snapshot: m.snapshot });
          resolve(this);
        } else if (m.type === "failed") {
          clearTimeout(timer);
          const help = m.kind === "wheel" ? " The site was built without it or it was not served; live runs are "
            + "unavailable, the figures computed at build time stay." : "";
          reject(this.fail(m.kind, m.message + help));
        } else {
          this.settle(m);
        }
      };
      // An error in the worker script itself (syntax, a failed import of pyodide.mjs).
      worker.onerror = (event) => {
        event.preventDefault();
        clearTimeout(timer);
        reject(this.fail("start", `The live-run worker failed to start (${event.message || "script error"}).`));
      };
      worker.postMessage({ type: "init", indexURL: PYODIDE_URL, pythonURL: PYTHON_URL, sizes: manifest.files,
        wheel: manifest.wheel, snapshot });
    });
  }

  fail(kind, message) {
    if (this.worker) this.worker.terminate();
    this.worker = null;
    for (const { reject, timer } of this.pending.values()) {
      clearTimeout(timer);
      reject(new LiveError(kind, message));
    }
    this.pending.clear();
    this.set({ status: "failed", kind, message });
    return new LiveError(kind, message);
  }

  settle(m) {
    const entry = this.pending.get(m.id);
    if (!entry) return;
    this.pending.delete(m.id);
    clearTimeout(entry.timer);
    if (m.type === "result" || m.type === "view" || m.type === "recall") entry.resolve(m);
    else entry.reject(new LiveError("python", m.message));
  }

  run(args, view = { channel: 1, t: args.T }) {
    return this.request({ type: "run", args, view });
  }

  view(view) {
    return this.request({ type: "view", view });
  }

  // The Recall page's run (kernels_wasm/_recall_figures.py live()): {json} with its figures.
  recall(args) {
    return this.request({ type: "recall", args });
  }

  async request(message) {
    await this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // A run that hangs would block every later one (the worker is single-threaded): give the tab back.
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(this.fail("timeout", `The run took longer than ${TIMEOUT_MS / 1000} s and was stopped; `
          + "try a smaller T or d."));
      }, TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.worker.postMessage({ ...message, id });
    });
  }
}

export function liveRuntime() {
  window.__zooLive ??= new Runtime();
  return window.__zooLive;
}
