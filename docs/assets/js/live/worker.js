// The live-run worker: Pyodide + numpy + kernels_wasm, in one module Web Worker per browser tab.
//
// Protocol (all messages are plain objects):
//   in  {type: "init", indexURL, kernelsURL, sizes}      start Pyodide, load numpy, install kernels_wasm
//   out {type: "progress", loaded, phase}                 bytes fetched so far (the page knows the total)
//   out {type: "ready", ms, python, numpy}
//   out {type: "failed", kind, message}                   kind: "wheel" | "kernels" | "start"
//   in  {type: "run", id, args: {module, T, d, seed, params}}
//   out {type: "result", id, checksum, ms, arrays: {A, o, states, state_norm}, files: [...], sources}
//   out {type: "error", id, message}                      the kernel raised (bad parameters, ...)
// Arrays travel as {shape, data: Float64Array} with their buffers transferred, not copied.

let loaded = 0;
let phase = "Pyodide";

function report() {
  postMessage({ type: "progress", loaded, phase });
}

// Pyodide has no byte-level progress callback, so count bytes as they stream through fetch.
// Headers are kept (application/wasm matters for instantiateStreaming); integrity checks happen
// inside the real fetch, before the body reaches us.
const realFetch = self.fetch.bind(self);
self.fetch = async (input, init) => {
  const response = await realFetch(input, init);
  if (!response.body) return response;
  const counter = new TransformStream({
    transform(chunk, controller) {
      loaded += chunk.byteLength;
      report();
      controller.enqueue(chunk);
    },
  });
  return new Response(response.body.pipeThrough(counter), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
};

let pyodide = null;
let runner = null; // the Python function _zoo_run, a PyProxy kept for the worker's lifetime
let sources = {}; // kernels_wasm file name -> source text, exactly as written into the FS

// Python side, run once after the kernels are written: the one function every live run calls.
const RUNNER = `
import ast, json, sys, time
sys.path.insert(0, "/home/pyodide")
import numpy as np
from kernels_wasm import api

_zoo_file_cache = {}

def _zoo_files(module):
    # The files a run executes: api.py, the model module and the siblings it imports (relative imports).
    # Parsed once per module: the sources do not change while the worker lives.
    if module not in _zoo_file_cache:
        _zoo_file_cache[module] = _zoo_imports(module)
    return _zoo_file_cache[module]

def _zoo_imports(module):
    seen, todo = ["api.py"], [module + ".py"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.append(name)
        tree = ast.parse(open("/home/pyodide/kernels_wasm/" + name).read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    todo.append(node.module + ".py")
                else:
                    todo.extend(alias.name + ".py" for alias in node.names)
    return seen

def _zoo_run(args_json):
    args = json.loads(args_json)  # json, not JS numbers: ints stay ints exactly as in CPython's json.loads
    t0 = time.perf_counter()
    r = api.simulate(args["module"], T=args["T"], d=args["d"], seed=args["seed"], **args["params"])
    ms = (time.perf_counter() - t0) * 1000
    arrays = {}
    for key in ("A", "o", "states", "state_norm"):
        value = r.get(key)
        arrays[key] = None if value is None else np.ascontiguousarray(value, dtype=np.float64)
    return arrays, float(r["checksum"]), ms, _zoo_files(args["module"])

_zoo_run
`;

async function start({ indexURL, kernelsURL, sizes }) {
  const t0 = performance.now();
  // pyodide.mjs and pyodide.asm.js arrive through import(), not fetch: count them when they land.
  const { loadPyodide } = await import(`${indexURL}pyodide.mjs`);
  loaded += sizes["pyodide.mjs"] || 0;
  report();
  const stderr = [];
  pyodide = await loadPyodide({
    indexURL,
    stdout: () => {},
    stderr: (line) => stderr.push(line),
  });
  loaded += sizes["pyodide.asm.js"] || 0;
  phase = "numpy";
  report();

  // loadPackage resolves even when the wheel is missing or corrupt, so check what actually loaded.
  const failures = [];
  await pyodide.loadPackage("numpy", { messageCallback: () => {}, errorCallback: (m) => failures.push(m) });
  if (!pyodide.loadedPackages.numpy) {
    const detail = failures.join(" ").slice(0, 300) || "no detail";
    postMessage({ type: "failed", kind: "wheel", message: `The numpy wheel could not be loaded (${detail}).` });
    return;
  }

  phase = "kernels";
  report();
  try {
    const index = await (await fetch(`${kernelsURL}index.json`)).json();
    pyodide.FS.mkdirTree("/home/pyodide/kernels_wasm");
    await Promise.all(
      index.files.map(async (name) => {
        const response = await fetch(`${kernelsURL}${name}`);
        if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
        sources[name] = await response.text();
        pyodide.FS.writeFile(`/home/pyodide/kernels_wasm/${name}`, sources[name]);
      }),
    );
  } catch (err) {
    postMessage({ type: "failed", kind: "kernels", message: `The kernel sources could not be loaded (${err.message}).` });
    return;
  }
  runner = pyodide.runPython(RUNNER);
  const versions = pyodide.runPython("import sys, numpy; f'{sys.version.split()[0]} {numpy.__version__}'");
  const [python, numpy] = versions.split(" ");
  postMessage({ type: "ready", ms: performance.now() - t0, python, numpy });
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

function run({ id, args }) {
  let out;
  try {
    out = runner(JSON.stringify(args));
  } catch (err) {
    // A Python exception: keep the last line (e.g. "ValueError: ..."), that is what a reader can act on.
    const lines = String(err.message || err).trim().split("\n");
    postMessage({ type: "error", id, message: lines[lines.length - 1] });
    return;
  }
  try {
    const [arraysProxy, checksum, ms, filesProxy] = out;
    const arrays = {};
    for (const key of ["A", "o", "states", "state_norm"]) arrays[key] = toArray(arraysProxy.get(key));
    arraysProxy.destroy();
    const files = filesProxy.toJs();
    filesProxy.destroy();
    const fileSources = Object.fromEntries(files.map((name) => [name, sources[name] ?? ""]));
    const transfer = Object.values(arrays).filter(Boolean).map((a) => a.data.buffer);
    postMessage({ type: "result", id, checksum, ms, arrays, files, sources: fileSources }, transfer);
  } finally {
    out.destroy();
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
  }
};
