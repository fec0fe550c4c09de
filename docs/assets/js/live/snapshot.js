// Start Pyodide from the memory snapshot the build made (zoo/sitegen/live_snapshot.mjs): Python already
// started, numpy loaded, the kernels and worker.py imported. Used by worker.js; any failure here makes the
// worker start Pyodide the normal way, so the snapshot changes the speed of a start and nothing else.
//
// Pyodide's snapshot holds the WebAssembly memory only. What lives outside it is rebuilt here, exactly as it
// was when the snapshot was taken, before the memory is restored:
//   - the file system: numpy's files as Pyodide installed them from the wheel, carried in the same file;
//   - numpy's extension modules, each a WebAssembly instance of its own: instantiated again in the recorded
//     order at the recorded memory and table offsets (Emscripten takes both from a dlopen handle whose
//     library was loaded before; we hand it such a handle, in memory the restore overwrites), so every
//     function pointer and static in the restored memory finds the same code and data.
// The private options (_loadSnapshot) and Emscripten internals used here belong to Pyodide 0.27.7; Pyodide
// checks that the snapshot comes from its own build, and we check the table grows exactly as recorded.

const MAGIC = "ZOOS";
const FORMAT = 2;

// The build's file: "ZOOS", u32 little-endian n, n bytes of JSON, zero padding to a multiple of 16,
// Pyodide's snapshot (meta.memoryBytes), then numpy's installed files (meta.files: [[path, bytes]]).
// Returns {meta, memory, files: Map path -> bytes}; throws on anything else.
export function parseSnapshot(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) {
    throw new Error("not a start-up snapshot");
  }
  const n = view.getUint32(4, true);
  if (8 + n > bytes.length) throw new Error("truncated start-up snapshot");
  const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  if (meta.format !== FORMAT) throw new Error(`start-up snapshot format ${meta.format}, expected ${FORMAT}`);
  let at = Math.ceil((8 + n) / 16) * 16;
  const memory = bytes.subarray(at, at + meta.memoryBytes);
  at += meta.memoryBytes;
  const files = new Map();
  for (const [path, size] of meta.files) {
    files.set(path, bytes.subarray(at, at + size));
    at += size;
  }
  if (!(memory.length > 0 && memory.length % 4 === 0) || at !== bytes.length) {
    throw new Error("truncated start-up snapshot");
  }
  return { meta, memory, files };
}

// Run before Python's memory is restored (a preRun hook, inside Emscripten's start-up).
function rebuild(Module, { meta, files }, modules) {
  for (const [name, data] of files) {
    const path = `${meta.sitePackages}/${name}`;
    Module.FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
    Module.FS.writeFile(path, data);
  }
  // Pyodide's start-up puts one helper in the function table (_PyEM_CountArgsPtr) where the browser can
  // compile it (it uses WebAssembly GC instructions) and Node cannot. The snapshot's memory holds Node's
  // value, 0: no helper. So the restored Python never calls that slot; the first library takes it, as it did
  // in Node, and Pyodide's JavaScript side is told the same 0.
  const first = meta.libs[0]?.tableLength;
  let free = Module.wasmTable.length; // where the next library's table entries go
  if (meta.countArgsPtr === 0 && Module._PyEM_CountArgsPtr === first && free === first + 1) {
    Module._PyEM_CountArgsPtr = 0;
    Module.wasmTable.set(first, null);
    free = first;
  }
  const handle = Module.HEAPU8.length - 64; // scratch: the restored memory overwrites it
  meta.libs.forEach((lib, i) => {
    const module = modules[i];
    if (i) free = Module.wasmTable.length;
    if (free !== lib.tableLength) throw new Error(`table at ${free} before ${lib.path}, snapshot ${lib.tableLength}`);
    // A dlopen handle of a library loaded before: Emscripten reuses its memory and table base (dylink).
    Module.HEAPU8.fill(0, handle, handle + 64);
    Module.HEAPU8[handle + 8] = 1;
    Module.HEAPU32[(handle + 12) >> 2] = lib.memoryBase;
    Module.HEAPU32[(handle + 20) >> 2] = lib.tableBase;
    const dso = Module.newDSO(lib.path, undefined, "loading");
    dso.refcount = Infinity; // as Pyodide loads package libraries: never unloaded, not global
    dso.global = false;
    const flags = { loadAsync: false, nodelete: true, allowUndefined: true, global: false };
    dso.exports = Module.loadWebAssemblyModule(module, flags, lib.path, {}, handle);
    Module.LDSO.loadedLibsByName[lib.path.split("/").at(-1)] = dso;
  });
  for (const [h, path] of Object.entries(meta.handles)) {
    Module.LDSO.loadedLibsByHandle[h] = Module.LDSO.loadedLibsByName[path];
  }
}

// The build's snapshot file, unzipped as it arrives unless the server already did: parseSnapshot's result.
// Throws on failure.
export async function fetchSnapshot(url, fetchFn = fetch) {
  const response = await fetchFn(url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const reader = response.body.getReader();
  const first = await reader.read(); // to look at the first bytes: gzip's are 1f 8b
  const body = new ReadableStream({
    start(controller) {
      if (first.done) controller.close();
      else controller.enqueue(first.value);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
  const gzip = first.value?.[0] === 0x1f && first.value?.[1] === 0x8b;
  const stream = gzip ? body.pipeThrough(new DecompressionStream("gzip")) : body;
  return parseSnapshot(new Uint8Array(await new Response(stream).arrayBuffer()));
}

// numpy's extension modules, compiled in the order the snapshot loads them.
function compile({ meta, files }) {
  const prefix = `${meta.sitePackages}/`;
  return Promise.all(meta.libs.map((lib) => {
    const data = lib.path.startsWith(prefix) && files.get(lib.path.slice(prefix.length));
    if (!data) throw new Error(`${lib.path} is not in the snapshot`);
    return WebAssembly.compile(data);
  }));
}

// Pyodide started from the snapshot, numpy and the worker's program imported, or an exception (the caller
// then starts Pyodide the normal way). snapshot: a promise of fetchSnapshot's result. Pyodide starts
// fetching its own files at once, while the snapshot arrives.
export async function bootFromSnapshot({ indexURL, loadPyodide, snapshot, options }) {
  const modules = snapshot.then(compile);
  modules.catch(() => {}); // awaited inside the hook below
  // pyodide.mjs loads this script only when it is not there yet: loaded here, its Module factory can be
  // wrapped to add our hook.
  await import(`${indexURL}pyodide.asm.js`);
  const create = globalThis._createPyodideModule;
  let failure = null;
  globalThis._createPyodideModule = (settings) => {
    // preRun hooks run in reverse order of the list: this one first, once WebAssembly is instantiated.
    settings.preRun.push((Module) => {
      Module.addRunDependency("zoo-snapshot");
      Promise.all([snapshot, modules])
        .then(([parsed, compiled]) => rebuild(Module, parsed, compiled))
        .catch((err) => { failure = err; })
        .finally(() => Module.removeRunDependency("zoo-snapshot"));
    });
    return create(settings);
  };
  let pyodide;
  try {
    pyodide = await loadPyodide({ ...options, indexURL, _loadSnapshot: snapshot.then((s) => s.memory) });
  } finally {
    globalThis._createPyodideModule = create;
  }
  // Python started without numpy's code in place: never used, the caller starts again the normal way.
  if (failure) throw failure;
  pyodide.loadedPackages.numpy = "snapshot"; // so that nothing installs it a second time
  pyodide.runPython("import numpy, zoo_live_worker"); // both from the snapshot: a check that it holds
  return pyodide;
}
