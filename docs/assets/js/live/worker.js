// The live-run worker: Pyodide + numpy + kernels_wasm, in one module Web Worker per browser tab.
//
// Protocol (all messages are plain objects):
//   in  {type: "init", indexURL, pythonURL, sizes, wheel, snapshot}
//                                                         start Pyodide with numpy, install the Python sources;
//                                                         wheel: {file, integrity} of the numpy wheel;
//                                                         snapshot: {file} of the build's start-up snapshot
//                                                         (snapshot.js), or null: start the normal way
//   out {type: "progress", loaded, phase, fetching}       bytes fetched so far (the page knows the total) and
//                                                         downloads still in flight
//   out {type: "ready", ms, python, numpy, marks, snapshot}
//                                                         marks: ms since init at each step of the start;
//                                                         snapshot: "used", "off" or why it was not used
//   out {type: "failed", kind, message}                   kind: "wheel" | "kernels" | "start"
//   in  {type: "run", id, args: {module, T, d, seed, params}, view: {channel, t}}
//   out {type: "result", id, checksum, ms, workerMs, arrays: {A, state, o, state_norm}, shape, files: [...],
//        sources}                                         ms: Python's simulate; workerMs: the whole run here;
//                                                         arrays: the slices drawn (worker.py ARRAYS)
//   in  {type: "view", id, view: {channel, t}}            other slices of the last run, no new run
//   out {type: "view", id, arrays}
//   out {type: "error", id, message}                      the kernel raised (bad parameters, ...)
//   in  {type: "recall", id, args}                        kernels_wasm/_recall_figures.py live(args), imported
//   out {type: "recall", id, json}                        on the first recall: the Recall page's figures
// Arrays travel as {shape, data: Float64Array} with their buffers transferred, not copied.
//
// The Python program itself is worker.py beside this file; the build ships it with the kernels_wasm sources
// in one JSON file (pythonURL), fetched while Pyodide starts.

import { bootFromSnapshot, fetchSnapshot } from "./snapshot.js";

const HOME = "/home/pyodide";
let loaded = 0;
let phase = "Pyodide";

function report() {
  postMessage({ type: "progress", loaded, phase, fetching });
}

// Pyodide has no byte-level progress callback, so count bytes as they stream through fetch.
// Headers are kept (application/wasm matters for instantiateStreaming); integrity checks happen
// inside the real fetch, before the body reaches us.
let sizes = {}; // served file name -> bytes, from the build's manifest
let scriptCounted = false;
let fetching = 0; // downloads in flight: none left means the start is busy on the CPU, not waiting for bytes
let wheel = null; // {file, bytes: Promise<ArrayBuffer>}: the numpy wheel, fetched by us as soon as we start
const realFetch = self.fetch.bind(self);

async function counted(input, init) {
  // pyodide.asm.js arrives through import(), not fetch; Pyodide asks for the wasm once it has run it.
  if (!scriptCounted && String(input.url ?? input).endsWith("pyodide.asm.wasm")) {
    scriptCounted = true;
    loaded += sizes["pyodide.asm.js"] || 0;
  }
  fetching += 1;
  report();
  const done = () => {
    fetching -= 1;
    report();
  };
  let response;
  try {
    response = await realFetch(input, init);
  } catch (err) {
    done();
    throw err;
  }
  if (!response.body) {
    done();
    return response;
  }
  const counter = new TransformStream({
    transform(chunk, controller) {
      loaded += chunk.byteLength;
      report();
      controller.enqueue(chunk);
    },
    flush: done,
  });
  return new Response(response.body.pipeThrough(counter), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

// Pyodide's own request for the wheel gets the bytes we already fetched (and checked against the lock's
// sha256): one download, started at once rather than after the runtime has booted.
self.fetch = (input, init) => {
  if (wheel && String(input.url ?? input).endsWith(`/${wheel.file}`)) {
    return wheel.bytes.then((bytes) => new Response(bytes, { headers: { "Content-Type": "application/octet-stream" } }));
  }
  return counted(input, init);
};

// The numpy wheel, requested before Pyodide starts. A missing or corrupt wheel is known within one request,
// and reported as such (given a wheel it cannot load, Pyodide may never settle). The sha256 is checked here,
// not by fetch's integrity option, which turns a 404 into a bare "Failed to fetch".
async function fetchWheel(indexURL, { file, integrity }) {
  const response = await counted(new URL(file, indexURL).href);
  if (!response.ok) throw new Error(`HTTP ${[response.status, response.statusText].filter(Boolean).join(" ")} for ${file}`);
  const bytes = await response.arrayBuffer();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  if (`sha256-${btoa(String.fromCharCode(...digest))}` !== integrity) {
    throw new Error(`${file} does not match the sha256 in Pyodide's lock file`);
  }
  return bytes;
}

let pyodide = null;
let runner = null; // worker.py's run() and view(), PyProxies kept for the worker's lifetime
let viewer = null;
let sources = {}; // kernels_wasm file name -> source text, exactly as written into the file system

// Not counted in the progress bar's bytes (the manifest's total covers Pyodide and numpy): it is small.
async function fetchPython(pythonURL) {
  const response = await realFetch(pythonURL);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

// Pyodide from the build's snapshot, or null (and why not) so that the normal start follows: the snapshot
// only ever saves time.
async function fromSnapshot(snapshot, args) {
  try {
    snapshot.then(() => args.mark("snapshot fetched"), () => {});
    return [await bootFromSnapshot({ ...args, snapshot }), "used"];
  } catch (err) {
    return [null, String(err?.message || err).split("\n")[0]];
  }
}

async function start({ indexURL, pythonURL, sizes: served, wheel: numpyWheel, snapshot: snapshotFile }) {
  sizes = served;
  const t0 = performance.now();
  const marks = {};
  const mark = (name) => { marks[name] = Math.round(performance.now() - t0); };
  // Everything at once: the Python sources and the numpy wheel (or the snapshot, which carries numpy)
  // download while Pyodide compiles and boots, instead of one after the other.
  const python = fetchPython(pythonURL);
  python.catch(() => {}); // awaited below; not an unhandled rejection in the meantime
  // The snapshot (tens of MB of memory, gzip); DecompressionStream unpacks it.
  const useSnapshot = Boolean(snapshotFile) && typeof DecompressionStream === "function";
  const snapshot = useSnapshot ? fetchSnapshot(new URL(snapshotFile.file, indexURL).href, counted) : null;
  snapshot?.catch(() => {}); // awaited in fromSnapshot
  let wheelBytes;
  let wheelFailed;
  const fetchNumpy = () => {
    if (wheelBytes) return;
    wheelBytes = fetchWheel(indexURL, numpyWheel);
    wheel = { file: numpyWheel.file, bytes: wheelBytes };
    // Settles only on failure; raced against each step below. Handled from the start: the wheel may fail
    // before the first race begins, which would otherwise count as an unhandled rejection.
    wheelFailed = wheelBytes.then(() => new Promise(() => {}), (err) => { throw Object.assign(err, { wheel: true }); });
    wheelFailed.catch(() => {});
  };
  if (!snapshot) fetchNumpy();
  // pyodide.mjs arrives through import(), not fetch: count it when it lands.
  const { loadPyodide } = await import(`${indexURL}pyodide.mjs`);
  loaded += sizes["pyodide.mjs"] || 0;
  report();
  mark("imported");
  const stderr = [];
  const wheelMessage = (detail) => `The numpy wheel could not be loaded (${detail}).`;
  const options = { stdout: () => {}, stderr: (line) => stderr.push(line) };
  let started = snapshotFile ? "this browser has no DecompressionStream" : "off";
  try {
    if (snapshot) {
      [pyodide, started] = await fromSnapshot(snapshot, { indexURL, loadPyodide, options, mark });
      if (pyodide) mark("snapshot restored");
    }
    if (!pyodide) {
      fetchNumpy();
      // Not loadPyodide's `packages` option: Pyodide asks for the wheel only once we know we have it.
      pyodide = await Promise.race([loadPyodide({ ...options, indexURL }), wheelFailed]);
      mark("booted");
      await Promise.race([wheelBytes, wheelFailed]);
      mark("wheel fetched");
    }
  } catch (err) {
    if (!err.wheel) throw err;
    postMessage({ type: "failed", kind: "wheel", message: wheelMessage(err.message) });
    return;
  }
  if (!scriptCounted) loaded += sizes["pyodide.asm.js"] || 0;
  scriptCounted = true;
  if (started !== "used") {
    phase = "numpy";
    report();
    // loadPackage resolves even when a package failed to install, so check what actually loaded.
    await pyodide.loadPackage("numpy", { messageCallback: () => {}, errorCallback: (line) => stderr.push(line) });
    mark("numpy loaded");
    if (!pyodide.loadedPackages.numpy) {
      postMessage({ type: "failed", kind: "wheel", message: wheelMessage(stderr.join(" ").slice(0, 300) || "no detail") });
      return;
    }
  }

  phase = "kernels";
  report();
  try {
    const { kernels_wasm: files, worker } = await python;
    pyodide.FS.mkdirTree(`${HOME}/kernels_wasm`);
    for (const [name, text] of Object.entries(files)) pyodide.FS.writeFile(`${HOME}/kernels_wasm/${name}`, text);
    pyodide.FS.writeFile(`${HOME}/zoo_live_worker.py`, worker);
    sources = files;
  } catch (err) {
    postMessage({ type: "failed", kind: "kernels", message: `The kernel sources could not be loaded (${err.message}).` });
    return;
  }
  [runner, viewer] = pyodide.runPython(`import sys\nsys.path.insert(0, "${HOME}")\nfrom zoo_live_worker import run, view\n(run, view)`);
  mark("imported numpy");
  const versions = pyodide.runPython("import sys, numpy; f'{sys.version.split()[0]} {numpy.__version__}'");
  const [pythonVersion, numpyVersion] = versions.split(" ");
  postMessage({ type: "ready", ms: performance.now() - t0, python: pythonVersion, numpy: numpyVersion, marks,
    snapshot: started });
}

// A numpy float64 array (PyProxy) -> {shape, data} with a copy that outlives the wasm heap view.
function toArray(proxy) {
  if (proxy === undefined || proxy === null) return null;
  const buffer = proxy.getBuffer("f64");
  try {
    return { shape: buffer.shape, data: buffer.data.slice() };
  } finally {
    buffer.release();
    proxy.destroy();
  }
}

// worker.py's dict of arrays (PyProxy) -> {name: {shape, data} or null}, and the buffers to transfer.
function takeArrays(proxy) {
  const arrays = {};
  for (const key of ["A", "state", "o", "state_norm"]) arrays[key] = toArray(proxy.get(key));
  proxy.destroy();
  return [arrays, Object.values(arrays).filter(Boolean).map((a) => a.data.buffer)];
}

// A Python exception: keep the last line (e.g. "ValueError: ..."), that is what a reader can act on.
function pythonError(id, err) {
  const lines = String(err.message || err).trim().split("\n");
  postMessage({ type: "error", id, message: lines[lines.length - 1] });
}

function run({ id, args, view }) {
  const t0 = performance.now();
  let out;
  try {
    out = runner(JSON.stringify(args), view.channel, view.t);
  } catch (err) {
    pythonError(id, err);
    return;
  }
  try {
    const [arraysProxy, checksum, ms, filesProxy, shapeProxy] = out;
    const [arrays, transfer] = takeArrays(arraysProxy);
    const files = filesProxy.toJs();
    filesProxy.destroy();
    const shape = shapeProxy.toJs({ dict_converter: Object.fromEntries });
    shapeProxy.destroy();
    const fileSources = Object.fromEntries(files.map((name) => [name, sources[name] ?? ""]));
    const workerMs = performance.now() - t0;
    postMessage({ type: "result", id, checksum, ms, workerMs, arrays, shape, files, sources: fileSources }, transfer);
  } finally {
    out.destroy();
  }
}

function view({ id, view: { channel, t } }) {
  let out;
  try {
    out = viewer(channel, t);
  } catch (err) {
    pythonError(id, err);
    return;
  }
  const [arrays, transfer] = takeArrays(out);
  postMessage({ type: "view", id, arrays }, transfer);
}

let recaller = null;
function recall({ id, args }) {
  try {
    recaller ??= pyodide.runPython("from kernels_wasm._recall_figures import live\nlive");
    postMessage({ type: "recall", id, json: recaller(JSON.stringify(args)) });
  } catch (err) {
    pythonError(id, err);
  }
}

self.onmessage = (event) => {
  const message = event.data;
  if (message.type === "init") {
    start(message).catch((err) => {
      postMessage({ type: "failed", kind: "start", message: `Pyodide did not start (${err.message || err}).` });
    });
  } else if (message.type === "run") {
    run(message);
  } else if (message.type === "view") {
    view(message);
  } else if (message.type === "recall") {
    recall(message);
  }
};
