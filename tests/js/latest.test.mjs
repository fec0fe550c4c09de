// The live pages' request coalescing (docs/assets/js/live/latest.js), without a browser.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Latest } from "../../docs/assets/js/live/latest.js";

// A pass that waits until the test releases it, recording the input it saw.
function gatedPasses(input) {
  const seen = [];
  let release = () => {};
  const pass = async () => {
    seen.push(input.value);
    await new Promise((resolve) => { release = resolve; });
    return input.keepGoing;
  };
  return { seen, pass, release: () => release() };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test("requests during a pass give exactly one more pass, with the newest input", async () => {
  const input = { value: 1, keepGoing: true };
  const { seen, pass, release } = gatedPasses(input);
  const latest = new Latest(pass);
  latest.request();
  for (const v of [2, 3, 4]) {
    input.value = v;
    latest.request();
  }
  assert.deepEqual(seen, [1]);
  release();
  await tick();
  assert.deepEqual(seen, [1, 4]);
  release();
  await tick();
  assert.equal(latest.busy, false);
  assert.deepEqual(seen, [1, 4]);
});

test("a pass that returns false ends the loop and drops the pending request", async () => {
  const input = { value: 1, keepGoing: false };
  const { seen, pass, release } = gatedPasses(input);
  const latest = new Latest(pass);
  latest.request();
  input.value = 2;
  latest.request();
  release();
  await tick();
  assert.deepEqual(seen, [1]);
  assert.equal(latest.busy, false);
  input.keepGoing = true;
  latest.request(); // starts afresh
  assert.deepEqual(seen, [1, 2]);
});

test("a pass that throws frees the loop for the next request", async () => {
  let calls = 0;
  const latest = new Latest(async () => {
    calls += 1;
    throw new Error("boom");
  });
  await assert.rejects(latest.run(), /boom/);
  assert.equal(latest.busy, false);
  await assert.rejects(latest.run(), /boom/);
  assert.equal(calls, 2);
});
