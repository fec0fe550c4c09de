// The one sorting module's comparison and reordering, on plain objects standing in for DOM nodes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compareKeys, sortElements } from "../../docs/assets/js/tables.js";

test("numbers sort as numbers, text by locale, both directions", () => {
  assert.ok(compareKeys("9", "10", "number") < 0);
  assert.ok(compareKeys("9", "10", "text") > 0);
  assert.ok(compareKeys("9", "10", "number", -1) > 0);
  assert.ok(compareKeys("gla", "GLA-2", "text") < 0);
});

test("an empty key sorts last in either direction", () => {
  for (const direction of [1, -1]) {
    assert.ok(compareKeys("", "5", "number", direction) > 0);
    assert.ok(compareKeys("5", "", "number", direction) < 0);
    assert.equal(compareKeys("", undefined, "number", direction), 0);
  }
});

test("sortElements reorders the parent's children, ties keep their order", () => {
  const items = [
    { name: "c", year: 2024, order: 0 },
    { name: "a", year: 2017, order: 1 },
    { name: "b", year: 2024, order: 2 },
    { name: "d", year: "", order: 3 },
  ];
  const parent = { children: [], append(...els) { this.children = els; } };
  sortElements(parent, items, (x) => x.year, "number", -1, (x) => x.order);
  assert.deepEqual(parent.children.map((x) => x.name), ["c", "b", "a", "d"]);
  sortElements(parent, items, (x) => x.name, "text", 1);
  assert.deepEqual(parent.children.map((x) => x.name), ["a", "b", "c", "d"]);
});
