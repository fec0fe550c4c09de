// node --test tests/js: reading the build's start-up snapshot file (live/snapshot.js; the file is written by
// zoo/sitegen/live_snapshot.mjs).
import assert from "node:assert/strict";
import { test } from "node:test";

import { parseSnapshot } from "../../docs/assets/js/live/snapshot.js";

function snapshotFile(meta, memory, files = [], magic = "ZOOS") {
  const json = Buffer.from(JSON.stringify({ ...meta, memoryBytes: memory.length, files: files.map(([p, d]) => [p, d.length]) }));
  const offset = Math.ceil((8 + json.length) / 16) * 16;
  const out = Buffer.concat([Buffer.alloc(offset), memory, ...files.map(([, d]) => d)]);
  out.write(magic, 0);
  out.writeUInt32LE(json.length, 4);
  json.copy(out, 8);
  return new Uint8Array(out); // a copy in an ArrayBuffer of its own, as fetch gives
}

const memory = Buffer.from(new Uint8Array(64).map((_, i) => i));
const files = [["numpy/__init__.py", Buffer.from("import sys\n")], ["numpy/_core/x.so", Buffer.from("\0asm")]];

test("the file gives its description, Pyodide's memory 16-byte aligned, and numpy's files", () => {
  const got = parseSnapshot(snapshotFile({ format: 2, libs: [] }, memory, files));
  assert.equal(got.meta.format, 2);
  assert.deepEqual(got.meta.libs, []);
  assert.deepEqual([...got.memory], [...memory]);
  assert.equal(got.memory.byteOffset % 16, 0, "Pyodide reads the memory through a Uint32Array");
  assert.deepEqual([...got.files.keys()], ["numpy/__init__.py", "numpy/_core/x.so"]);
  assert.equal(Buffer.from(got.files.get("numpy/__init__.py")).toString(), "import sys\n");
  assert.equal(Buffer.from(got.files.get("numpy/_core/x.so")).toString(), "\0asm");
});

test("anything else is refused, so the worker starts the normal way", () => {
  const good = snapshotFile({ format: 2 }, memory, files);
  assert.throws(() => parseSnapshot(snapshotFile({ format: 2 }, memory, files, "NOPE")), /not a start-up snapshot/);
  assert.throws(() => parseSnapshot(snapshotFile({ format: 1 }, memory)), /format 1, expected 2/);
  assert.throws(() => parseSnapshot(good.subarray(0, good.length - 1)), /truncated/);
  assert.throws(() => parseSnapshot(Buffer.concat([good, Buffer.alloc(1)])), /truncated/);
  assert.throws(() => parseSnapshot(snapshotFile({ format: 2 }, Buffer.alloc(0))), /truncated/);
  assert.throws(() => parseSnapshot(new Uint8Array(3)), /not a start-up snapshot/);
});
