// Start Pyodide from the memory snapshot the build made (zoo/sitegen/live_snapshot.mjs): Python already
// started, numpy loaded, the kernels and worker.py imported. Used by worker.js; any failure here makes the
// worker start Pyodide the normal way, so the snapshot changes the speed of a start and nothing else.
//
// Pyodide's snapshot holds the WebAssembly memory only. What lives outside it is rebuilt here, exactly as it
// was when the snapshot was taken, before the memory is restored:
//   - the file system: numpy's files, unpacked from the same wheel the normal start uses;
//   - numpy's extension modules, each a WebAssembly instance of its own: instantiated again in the recorded
//     order at the recorded memory and table offsets (Emscripten takes both from a dlopen handle whose
//     library was loaded before; we hand it such a handle, in memory the restore overwrites), so every
//     function pointer and static in the restored memory finds the same code and data.
// The private options (_loadSnapshot) and Emscripten internals used here belong to Pyodide 0.27.7; Pyodide
// checks that the snapshot comes from its own build, and we check the table grows exactly as recorded.

const MAGIC = "ZOOS";
const FORMAT = 1;

// The build's file: "ZOOS", u32 little-endian n, n bytes of JSON, zero padding to a multiple of 16, then
// Pyodide's snapshot. Returns {meta, memory}; throws on anything else.
export function parseSnapshot(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) {
    throw new Error("not a start-up snapshot");
  }
  const n = view.getUint32(4, true);
  if (8 + n > bytes.length) throw new Error("truncated start-up snapshot");
  const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  if (meta.format !== FORMAT) throw new Error(`start-up snapshot format ${meta.format}, expected ${FORMAT}`);
  const offset = Math.ceil((8 + n) / 16) * 16;
  const memory = bytes.subarray(offset);
  if (memory.length === 0 || memory.length % 4) throw new Error("truncated start-up snapshot");
  return { meta, memory };
}

// The entries of a zip file (a wheel): [{name, method, size, compressedSize, start}], start being where the
// entry's data begins. Reads the central directory; throws if there is none.
export function zipEntries(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - 22; // the end-of-central-directory record, before an optional comment
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error("not a zip file");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const entries = [];
  for (let i = 0; i < count; i += 1) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error("bad zip directory");
    const nameLength = view.getUint16(at + 28, true);
    const local = view.getUint32(at + 42, true);
    const entry = {
      name: new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      method: view.getUint16(at + 10, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      // The local header repeats the name and may carry its own extra field: its lengths say where data is.
      start: local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true),
    };
    entries.push(entry);
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return entries;
}

async function inflate(entry, bytes) {
  const data = bytes.subarray(entry.start, entry.start + entry.compressedSize);
  if (entry.method === 0) return data;
  if (entry.method !== 8) throw new Error(`zip method ${entry.method}`);
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  const out = new Uint8Array(await new Response(stream).arrayBuffer());
  if (out.length !== entry.size) throw new Error(`${entry.name}: size ${out.length}, expected ${entry.size}`);
  return out;
}

// Every file of a zip file: Map name -> bytes.
export async function unzip(bytes) {
  const entries = zipEntries(bytes).filter((e) => !e.name.endsWith("/"));
  return new Map(await Promise.all(entries.map(async (e) => [e.name, await inflate(e, bytes)])));
}

// Every file of the wheel -> bytes, and the compiled extension modules the snapshot lists, in its order.
async function prepare(meta, wheelBytes) {
  const files = await unzip(new Uint8Array(await wheelBytes));
  const prefix = `${meta.sitePackages}/`;
  const modules = await Promise.all(meta.libs.map((lib) => {
    const data = lib.path.startsWith(prefix) ? files.get(lib.path.slice(prefix.length)) : undefined;
    if (!data) throw new Error(`${lib.path} is not in the wheel`);
    return WebAssembly.compile(data);
  }));
  return { files, modules };
}

// Run before Python's memory is restored (a preRun hook, inside Emscripten's start-up).
function rebuild(Module, meta, { files, modules }) {
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
    dso.exports = Module.loadWebAssemblyModule(modules[i], flags, lib.path, {}, handle);
    Module.LDSO.loadedLibsByName[lib.path.split("/").at(-1)] = dso;
  });
  for (const [h, path] of Object.entries(meta.handles)) {
    Module.LDSO.loadedLibsByHandle[h] = Module.LDSO.loadedLibsByName[path];
  }
}

// The build's snapshot file, unzipped if the server did not already: {meta, memory}. Throws on failure.
export async function fetchSnapshot(url, fetchFn = fetch) {
  const response = await fetchFn(url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  let bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  }
  return parseSnapshot(bytes);
}

// Pyodide started from the snapshot, numpy and the worker's program imported, or an exception (the caller
// then starts Pyodide the normal way). wheelBytes: a promise of the numpy wheel's bytes.
export async function bootFromSnapshot({ indexURL, loadPyodide, snapshot, wheelBytes, options }) {
  const { meta, memory } = snapshot;
  const prepared = prepare(meta, wheelBytes);
  prepared.catch(() => {}); // awaited inside the hook below
  // pyodide.mjs loads this script only when it is not there yet: loaded here, its Module factory can be
  // wrapped to add our hook.
  await import(`${indexURL}pyodide.asm.js`);
  const create = globalThis._createPyodideModule;
  let failure = null;
  globalThis._createPyodideModule = (settings) => {
    // preRun hooks run in reverse order of the list: this one first, once WebAssembly is instantiated.
    settings.preRun.push((Module) => {
      Module.addRunDependency("zoo-snapshot");
      prepared
        .then((parts) => rebuild(Module, meta, parts))
        .catch((err) => { failure = err; })
        .finally(() => Module.removeRunDependency("zoo-snapshot"));
    });
    return create(settings);
  };
  let pyodide;
  try {
    pyodide = await loadPyodide({ ...options, indexURL, _loadSnapshot: memory });
  } finally {
    globalThis._createPyodideModule = create;
  }
  // Python started without numpy's code in place: never used, the caller starts again the normal way.
  if (failure) throw failure;
  pyodide.loadedPackages.numpy = "snapshot"; // so that nothing installs it a second time
  pyodide.runPython("import numpy, zoo_live_worker"); // both from the snapshot: a check that it holds
  return pyodide;
}
