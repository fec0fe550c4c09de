// The home page's filter rules without a browser: URL parsing (unknown values dropped), matching,
// what each option's count means, and that no state disables "All".
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "../../docs/assets/js/filter_state.js";

const KNOWN = {
  readout: ["softmax", "linear"],
  decay: ["none", "scalar", "diagonal", "delta", "window"],
  gates: ["none", "fixed", "input-dependent"],
  sort: ["year", "name", "state"],
};

const MODELS = [
  { id: "transformer", readout: "softmax", decay: ["none"], gates: "none", search: "transformer vaswani neurips 2017" },
  { id: "swa", readout: "softmax", decay: ["window"], gates: "fixed", search: "sliding window beltagy preprint 2020" },
  { id: "deltanet", readout: "linear", decay: ["delta"], gates: "none", search: "deltanet yang neurips 2024" },
  { id: "gdn", readout: "linear", decay: ["scalar", "delta"], gates: "input-dependent", search: "gated deltanet yang iclr 2025" },
  { id: "gla", readout: "linear", decay: ["diagonal"], gates: "input-dependent", search: "gla yang icml 2024" },
];

const shown = (state) => MODELS.filter((m) => fs.matches(m, state)).map((m) => m.id);

test("parse keeps known values and drops unknown ones", () => {
  const s = fs.parse("?readout=foo&decay=zzz,delta&gates=bar&sort=-year&view=table&text=Yang", KNOWN);
  assert.equal(s.readout, "");
  assert.deepEqual([...s.decay], ["delta"]);
  assert.equal(s.gates, "");
  assert.equal(s.sort, "-year");
  assert.equal(s.view, "table");
  assert.equal(s.q, "yang");
  assert.equal(fs.parse("?sort=colour&view=grid", KNOWN).sort, "");
  assert.equal(fs.parse("?sort=colour&view=grid", KNOWN).view, "cards");
});

test("serialize writes a clean URL and keeps parameters it does not own", () => {
  const s = fs.parse("?readout=foo&decay=zzz", KNOWN);
  assert.equal(fs.serialize(s, "?readout=foo&decay=zzz"), "");
  const t = fs.toggle(fs.toggle(fs.emptyState(), "decay", "scalar"), "decay", "delta");
  assert.equal(fs.serialize({ ...t, readout: "linear" }, "?lang=en"), "?lang=en&readout=linear&decay=delta,scalar");
  assert.equal(fs.serialize({ ...fs.emptyState(), view: "table", sort: "name" }), "?sort=name&view=table");
});

test("round trip through the URL", () => {
  const s = { ...fs.emptyState(), readout: "linear", decay: new Set(["delta"]), q: "yang", sort: "-state", view: "table" };
  const back = fs.parse(fs.serialize(s), KNOWN);
  assert.deepEqual({ ...back, decay: [...back.decay] }, { ...s, decay: ["delta"] });
});

test("decay options intersect; readout and gates pick one", () => {
  let s = fs.toggle(fs.emptyState(), "decay", "delta");
  assert.deepEqual(shown(s), ["deltanet", "gdn"]);
  s = fs.toggle(s, "decay", "scalar");
  assert.deepEqual(shown(s), ["gdn"]);
  s = fs.toggle(s, "decay", "scalar"); // pressing again undoes it
  assert.deepEqual(shown(s), ["deltanet", "gdn"]);
  s = fs.toggle(s, "readout", "softmax");
  assert.deepEqual(shown(s), []);
  s = fs.toggle(s, "readout", "");
  assert.deepEqual(shown(s), ["deltanet", "gdn"]);
});

test("every count is the number shown with that option on, the others as they are", () => {
  const s = fs.toggle(fs.toggle(fs.emptyState(), "readout", "linear"), "decay", "delta");
  assert.deepEqual(shown(s), ["deltanet", "gdn"]);
  // a pressed option shows what is on screen, not what un-pressing it would give
  assert.equal(fs.optionCount(MODELS, s, "decay", "delta"), 2);
  assert.equal(fs.optionCount(MODELS, s, "readout", "linear"), 2);
  // unpressed options: what pressing them would show
  assert.equal(fs.optionCount(MODELS, s, "decay", "scalar"), 1);
  assert.equal(fs.optionCount(MODELS, s, "readout", "softmax"), 0);
  assert.equal(fs.optionCount(MODELS, s, "readout", ""), 2); // All: readout cleared, delta kept
  assert.equal(fs.optionCount(MODELS, s, "gates", "input-dependent"), 1);
  for (const facet of ["readout", "gates"]) {
    for (const value of KNOWN[facet]) {
      assert.equal(fs.optionCount(MODELS, s, facet, value), shown(fs.withOption(s, facet, value)).length);
    }
  }
});

test("search matches authors, venue and year", () => {
  const q = (text) => shown({ ...fs.emptyState(), q: text });
  assert.deepEqual(q("vaswani"), ["transformer"]);
  assert.deepEqual(q("iclr"), ["gdn"]);
  assert.deepEqual(q("2020"), ["swa"]);
});

test("clearing filters keeps the sort and the view", () => {
  const s = { ...fs.toggle(fs.emptyState(), "readout", "linear"), sort: "year", view: "table", q: "x" };
  const c = fs.clearFilters(s);
  assert.equal(fs.isFiltered(c), false);
  assert.equal(c.sort, "year");
  assert.equal(c.view, "table");
});

test("sortSpec reads direction and key", () => {
  assert.deepEqual(fs.sortSpec(""), { key: "order", direction: 1 });
  assert.deepEqual(fs.sortSpec("-state"), { key: "state", direction: -1 });
  assert.deepEqual(fs.sortSpec("name"), { key: "name", direction: 1 });
});
