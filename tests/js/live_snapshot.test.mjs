// node --test tests/js: reading the build's start-up snapshot file and the numpy wheel (live/snapshot.js).
import assert from "node:assert/strict";
import { test } from "node:test";
import { deflateRawSync } from "node:zlib";

import { parseSnapshot, unzip, zipEntries } from "../../docs/assets/js/live/snapshot.js";

// A zip file as Python's zipfile writes one: local headers and data, the central directory, its end record.
function zip(files, comment = "") {
  const locals = [];
  const central = [];
  let offset = 0;
  for (const [name, text, method, extra] of files) {
    const raw = Buffer.from(text);
    const data = method === 8 ? deflateRawSync(raw) : raw;
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(extra.length, 28);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(method, 10);
    dir.writeUInt32LE(data.length, 20);
    dir.writeUInt32LE(raw.length, 24);
    dir.writeUInt16LE(nameBytes.length, 28);
    dir.writeUInt32LE(offset, 42);
    const entry = Buffer.concat([local, nameBytes, Buffer.from(extra), data]);
    locals.push(entry);
    central.push(Buffer.concat([dir, nameBytes]));
    offset += entry.length;
  }
  const dirBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(dirBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(comment.length, 20);
  return new Uint8Array(Buffer.concat([...locals, dirBytes, end, Buffer.from(comment)]));
}

test("a wheel's files come out whole, stored or deflated, past extra fields and a comment", async () => {
  const bytes = zip([
    ["numpy/__init__.py", "import sys\n".repeat(50), 8, ""],
    ["numpy/_core/", "", 0, ""],
    ["numpy/_core/x.so", "\0asm binary", 0, "pad!"],
  ], "a comment");
  assert.deepEqual(zipEntries(bytes).map((e) => e.name), ["numpy/__init__.py", "numpy/_core/", "numpy/_core/x.so"]);
  const files = await unzip(bytes);
  assert.deepEqual([...files.keys()], ["numpy/__init__.py", "numpy/_core/x.so"], "folders are not files");
  assert.equal(Buffer.from(files.get("numpy/__init__.py")).toString(), "import sys\n".repeat(50));
  assert.equal(Buffer.from(files.get("numpy/_core/x.so")).toString(), "\0asm binary");
  assert.throws(() => zipEntries(new Uint8Array(100)), /not a zip file/);
});

function snapshotFile(meta, memory, magic = "ZOOS") {
  const json = Buffer.from(JSON.stringify(meta));
  const offset = Math.ceil((8 + json.length) / 16) * 16;
  const out = new Uint8Array(offset + memory.length);
  out.set(Buffer.from(magic));
  new DataView(out.buffer).setUint32(4, json.length, true);
  out.set(json, 8);
  out.set(memory, offset);
  return out;
}

test("the snapshot file gives its description and Pyodide's memory, 16-byte aligned", () => {
  const memory = new Uint8Array(64).map((_, i) => i);
  const { meta, memory: got } = parseSnapshot(snapshotFile({ format: 1, libs: [] }, memory));
  assert.deepEqual(meta, { format: 1, libs: [] });
  assert.deepEqual([...got], [...memory]);
  assert.equal(got.byteOffset % 16, 0, "Pyodide reads the memory through a Uint32Array");
});

test("anything else is refused, so the worker starts the normal way", () => {
  const memory = new Uint8Array(64);
  assert.throws(() => parseSnapshot(snapshotFile({ format: 1 }, memory, "NOPE")), /not a start-up snapshot/);
  assert.throws(() => parseSnapshot(snapshotFile({ format: 2 }, memory)), /format 2, expected 1/);
  assert.throws(() => parseSnapshot(snapshotFile({ format: 1 }, memory).subarray(0, 20)), /truncated/);
  assert.throws(() => parseSnapshot(snapshotFile({ format: 1 }, new Uint8Array(0))), /truncated/);
  assert.throws(() => parseSnapshot(new Uint8Array(3)), /not a start-up snapshot/);
});
