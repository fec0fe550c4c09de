// Build-time half of the live runs' fast start (zoo/sitegen/live_snapshot.py runs it; the browser half is
// docs/assets/js/live/snapshot.js): start the site's own Pyodide in Node, load numpy from the site's wheel,
// import kernels_wasm and the worker's program, run every model once, and write Pyodide's memory snapshot.
//
//   node live_snapshot.mjs VENDOR_DIR PYTHON_JSON WARM_JSON OUT
//
// VENDOR_DIR: assets/vendor/pyodide/ of the built site (the core files and the numpy wheel); PYTHON_JSON: the
// kernels_wasm sources and worker.py (assets/data/live/python.json); WARM_JSON: [{module, params}] for the
// warm-up runs; OUT: the gzip file to write.
//
// Pyodide 0.27.7's snapshot (the private _makeSnapshot / _loadSnapshot options) holds the wasm linear memory
// only. numpy's extension modules are separate WebAssembly instances, outside that memory: the browser must
// instantiate each again, in the same order, at the memory and table offsets it had here, before the memory
// is restored. So we record, for every library Pyodide loads: its path, memory base, table base and the
// table's length before it (the browser checks that its table grows the same way). Pyodide also insists
// that no package is listed as loaded when the snapshot is taken; the browser does not load numpy again.
//
// File written (gzip): the 4 bytes "ZOOS", u32 little-endian n, n bytes of JSON {format, pyodide, sitePackages,
// countArgsPtr, libs, handles, memoryBytes, files: [[path under site-packages, bytes]]}, zero padding to a
// multiple of 16, the snapshot exactly as makeMemorySnapshot returns it, then the files one after another.

import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const FORMAT = 2; // docs/assets/js/live/snapshot.js accepts this format only
const MAGIC = "ZOOS";
const HOME = "/home/pyodide";

async function main([vendor, pythonJson, warmJson, out]) {
  const dir = vendor.endsWith("/") ? vendor : `${vendor}/`;
  await import(`${dir}pyodide.asm.js`);
  const { loadPyodide, version } = await import(`${dir}pyodide.mjs`);
  const pyodide = await loadPyodide({ indexURL: dir, _makeSnapshot: true, stdout: () => {}, stderr: () => {} });
  const Module = pyodide._module;

  // Every library numpy brings, in load order, with the offsets WebAssembly.instantiate gets for it.
  const libs = [];
  const loadLibrary = Module.loadDynamicLibrary;
  const instantiate = WebAssembly.instantiate;
  let current = null;
  Module.loadDynamicLibrary = function (path, flags, ...rest) {
    current = { path, tableLength: Module.wasmTable.length, global: Boolean(flags?.global) };
    libs.push(current);
    return loadLibrary.call(this, path, flags, ...rest);
  };
  WebAssembly.instantiate = function (binary, imports) {
    if (current && imports?.env && imports["GOT.mem"]) {
      current.memoryBase = imports.env.__memory_base;
      current.tableBase = imports.env.__table_base;
    }
    return instantiate.apply(this, arguments);
  };
  try {
    await pyodide.loadPackage("numpy", { messageCallback: () => {} });
  } finally {
    Module.loadDynamicLibrary = loadLibrary;
    WebAssembly.instantiate = instantiate;
  }
  if (!pyodide.loadedPackages.numpy) throw new Error("numpy did not load");
  for (const lib of libs) {
    if (lib.memoryBase === undefined || lib.global) throw new Error(`unexpected library load: ${lib.path}`);
  }

  // numpy's files as loadPackage installed them: the browser writes them back (the file system is not in
  // the snapshot) without fetching and unpacking the wheel.
  const installed = [];
  const walk = (dir, rel) => {
    for (const name of pyodide.FS.readdir(dir)) {
      if (name === "." || name === "..") continue;
      const path = `${dir}/${name}`;
      if (pyodide.FS.isDir(pyodide.FS.stat(path).mode)) walk(path, `${rel}${name}/`);
      else installed.push([`${rel}${name}`, pyodide.FS.readFile(path)]);
    }
  };
  walk(pyodide._api.sitepackages, "");

  const { kernels_wasm: files, worker } = JSON.parse(readFileSync(pythonJson, "utf8"));
  pyodide.FS.mkdirTree(`${HOME}/kernels_wasm`);
  for (const [name, text] of Object.entries(files)) pyodide.FS.writeFile(`${HOME}/kernels_wasm/${name}`, text);
  pyodide.FS.writeFile(`${HOME}/zoo_live_worker.py`, worker);
  // As the worker would after a normal start, then one small run per model: every module and every lazy
  // import of numpy the kernels reach is then in the snapshot, not read and compiled on the reader's device.
  pyodide.globals.set("zoo_warm", readFileSync(warmJson, "utf8"));
  pyodide.runPython(`
import gc, json, sys
sys.path.insert(0, "${HOME}")
import zoo_live_worker

def zoo_warm_up(models):
    for m in models:
        args = {"module": m["module"], "T": 8, "d": 8, "seed": 0, "params": m["params"]}
        zoo_live_worker.run(json.dumps(args), 1, 8)
    zoo_live_worker._last.clear()

zoo_warm_up(json.loads(zoo_warm))
del zoo_warm, zoo_warm_up
gc.collect()
`);

  const handles = {};
  for (const [handle, dso] of Object.entries(Module.LDSO.loadedLibsByHandle)) {
    if (Number(handle)) handles[handle] = dso.name;
  }
  for (const name of Object.keys(pyodide.loadedPackages)) delete pyodide.loadedPackages[name];
  const memory = pyodide.makeMemorySnapshot();

  const meta = new TextEncoder().encode(JSON.stringify({
    format: FORMAT,
    pyodide: version,
    sitePackages: pyodide._api.sitepackages,
    // 0 in Node: no count-args helper in the function table (snapshot.js explains why the browser cares)
    countArgsPtr: Module._PyEM_CountArgsPtr,
    libs: libs.map(({ path, memoryBase, tableBase, tableLength }) => ({ path, memoryBase, tableBase, tableLength })),
    handles,
    memoryBytes: memory.length,
    files: installed.map(([name, data]) => [name, data.length]),
  }));
  const offset = Math.ceil((8 + meta.length) / 16) * 16;
  const body = new Uint8Array(offset + memory.length + installed.reduce((n, [, data]) => n + data.length, 0));
  body.set(new TextEncoder().encode(MAGIC));
  new DataView(body.buffer).setUint32(4, meta.length, true);
  body.set(meta, 8);
  body.set(memory, offset);
  let at = offset + memory.length;
  for (const [, data] of installed) {
    body.set(data, at);
    at += data.length;
  }
  writeFileSync(out, gzipSync(body, { level: 6 }));
  console.log(JSON.stringify({ memory: memory.length, libs: libs.length }));
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err) => {
    console.error(err?.stack || String(err));
    process.exit(1);
  },
);
