// node --test tests/js: the live panel's input rules.
import assert from "node:assert/strict";
import { test } from "node:test";

import { allZero, checkValue } from "../../docs/assets/js/live/inputs.js";

const T = { label: "T (steps)", min: 4, max: 256, step: 4 };
const seed = { label: "seed", min: 0, max: 99, step: 1 };
const beta = { label: "β", min: 0, max: 1, step: 0.05 };

test("values on the grid pass, exactly", () => {
  assert.deepEqual(checkValue("128", T), { value: 128 });
  assert.deepEqual(checkValue(" 7 ", seed), { value: 7 });
  assert.deepEqual(checkValue("0.35", beta), { value: 0.35 });
  assert.deepEqual(checkValue("0", beta), { value: 0 });
});

test("out of range, off the grid, not a number: a sentence that says the rule", () => {
  assert.equal(checkValue("999", T).error, "T (steps) must be a multiple of 4 from 4 to 256; 999 is out of range.");
  assert.equal(checkValue("21", T).error, "T (steps) must be a multiple of 4 from 4 to 256; 21 is not.");
  assert.equal(checkValue("2.5", seed).error, "seed must be a whole number from 0 to 99; 2.5 is not.");
  assert.equal(checkValue("", seed).error, "seed must be a whole number from 0 to 99.");
  assert.equal(checkValue("abc", beta).error, "β must be a number from 0 to 1 in steps of 0.05.");
  assert.equal(checkValue("-0.05", beta).error, "β must be a number from 0 to 1 in steps of 0.05; -0.05 is out of range.");
});

test("all-zero output is told apart from small output", () => {
  assert.equal(allZero(new Float64Array([0, 0, -0])), true);
  assert.equal(allZero(new Float64Array([0, 1e-300])), false);
});
