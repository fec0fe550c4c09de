// The home page's filter rules without a browser: URL parsing (unknown values dropped), matching,
// what each option's count means, and that no state disables "All".
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "../../docs/assets/js/filter_state.js";

// As filters.js reads it from the page's chips: the facets in page order, their values, the multi ones.
const KNOWN = {
  facets: {
    readout: ["softmax", "linear"],
    decay: ["none", "scalar", "diagonal", "delta", "window"],
    gates: ["none", "fixed", "input-dependent"],
    layout: ["full", "grouped", "window", "state"],
  },
  multi: ["decay"],
  sort: ["year", "name", "state"],
};

const MODELS = [
  { id: "transformer", readout: "softmax", decay: ["none"], gates: "none", layout: "full", search: "transformer vaswani neurips 2017" },
  { id: "swa", readout: "softmax", decay: ["window"], gates: "fixed", layout: "window", search: "sliding window beltagy preprint 2020" },
  { id: "gqa", readout: "softmax", decay: ["rope"], gates: "none", layout: "grouped", search: "gqa ainslie emnlp 2023" },
  { id: "deltanet", readout: "linear", decay: ["delta"], gates: "none", layout: "state", search: "deltanet yang neurips 2024" },
  { id: "gdn", readout: "linear", decay: ["scalar", "delta"], gates: "input-dependent", layout: "state", search: "gated deltanet yang iclr 2025" },
  { id: "gla", readout: "linear", decay: ["diagonal"], gates: "input-dependent", layout: "state", search: "gla yang icml 2024" },
];
const empty = () => fs.emptyState(KNOWN);

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
  const t = fs.toggle(fs.toggle(empty(), "decay", "scalar"), "decay", "delta");
  assert.equal(fs.serialize({ ...t, readout: "linear" }, "?lang=en"), "?lang=en&readout=linear&decay=delta,scalar");
  assert.equal(fs.serialize({ ...empty(), view: "table", sort: "name" }), "?sort=name&view=table");
});

test("round trip through the URL", () => {
  const s = { ...empty(), readout: "linear", decay: new Set(["delta"]), q: "yang", sort: "-state", view: "table" };
  const back = fs.parse(fs.serialize(s), KNOWN);
  assert.deepEqual({ ...back, decay: [...back.decay] }, { ...s, decay: ["delta"] });
});

test("decay options intersect; readout and gates pick one", () => {
  let s = fs.toggle(empty(), "decay", "delta");
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

test("the layout facet picks one value, like readout and gates, and combines with the others", () => {
  assert.deepEqual(Object.keys(empty()), ["readout", "decay", "gates", "layout", "q", "sort", "view"]);
  let s = fs.toggle(empty(), "layout", "grouped");
  assert.deepEqual(shown(s), ["gqa"]);
  s = fs.toggle(s, "layout", "state"); // another value replaces it
  assert.deepEqual(shown(s), ["deltanet", "gdn", "gla"]);
  assert.equal(fs.isOn(s, "layout", "state"), true);
  assert.equal(fs.isOn(s, "layout", "grouped"), false);
  s = fs.toggle(fs.toggle(s, "decay", "delta"), "gates", "input-dependent");
  assert.deepEqual(shown(s), ["gdn"]);
  assert.equal(fs.serialize(s), "?decay=delta&gates=input-dependent&layout=state");
  assert.equal(fs.isFiltered(fs.toggle(empty(), "layout", "full")), true);
  const cleared = fs.clearFilters({ ...s, view: "table" });
  assert.equal(cleared.layout, "");
  assert.equal(cleared.view, "table");
  assert.deepEqual(shown(fs.toggle(s, "layout", "")), ["gdn"]); // its All keeps the other filters
});

test("layout counts: a pressed value shows what is on screen, the others what pressing them shows", () => {
  const s = fs.toggle(fs.toggle(empty(), "readout", "softmax"), "layout", "window");
  assert.deepEqual(shown(s), ["swa"]);
  assert.equal(fs.optionCount(MODELS, s, "layout", "window"), 1);
  assert.equal(fs.optionCount(MODELS, s, "layout", "grouped"), 1);
  assert.equal(fs.optionCount(MODELS, s, "layout", "state"), 0); // no softmax model keeps a fixed state
  assert.equal(fs.optionCount(MODELS, s, "layout", ""), 3); // All: layout cleared, softmax kept
  assert.equal(fs.optionCount(MODELS, s, "readout", "linear"), 0);
  assert.equal(fs.optionCount(MODELS, s, "readout", ""), 1);
  for (const value of KNOWN.facets.layout) {
    assert.equal(fs.optionCount(MODELS, s, "layout", value), shown(fs.withOption(s, "layout", value)).length);
  }
});

test("odd layout values in the URL are dropped and the rest is kept", () => {
  const s = fs.parse("?layout=%3Cb%3E&readout=linear&decay=delta", KNOWN);
  assert.equal(s.layout, "");
  assert.equal(fs.serialize(s, "?layout=%3Cb%3E&readout=linear&decay=delta"), "?readout=linear&decay=delta");
  assert.equal(fs.parse("?layout=state,full", KNOWN).layout, ""); // one value only
  assert.equal(fs.parse("?layout=grouped&gates=fixed", KNOWN).layout, "grouped");
  const back = fs.parse(fs.serialize({ ...empty(), layout: "window", readout: "softmax" }), KNOWN);
  assert.deepEqual(shown(back), ["swa"]);
});

test("every count is the number shown with that option on, the others as they are", () => {
  const s = fs.toggle(fs.toggle(empty(), "readout", "linear"), "decay", "delta");
  assert.deepEqual(shown(s), ["deltanet", "gdn"]);
  // a pressed option shows what is on screen, not what un-pressing it would give
  assert.equal(fs.optionCount(MODELS, s, "decay", "delta"), 2);
  assert.equal(fs.optionCount(MODELS, s, "readout", "linear"), 2);
  // unpressed options: what pressing them would show
  assert.equal(fs.optionCount(MODELS, s, "decay", "scalar"), 1);
  assert.equal(fs.optionCount(MODELS, s, "readout", "softmax"), 0);
  assert.equal(fs.optionCount(MODELS, s, "readout", ""), 2); // All: readout cleared, delta kept
  assert.equal(fs.optionCount(MODELS, s, "gates", "input-dependent"), 1);
  for (const facet of ["readout", "gates", "layout"]) {
    for (const value of KNOWN.facets[facet]) {
      assert.equal(fs.optionCount(MODELS, s, facet, value), shown(fs.withOption(s, facet, value)).length);
    }
  }
});

test("search matches authors, venue and year", () => {
  const q = (text) => shown({ ...empty(), q: text });
  assert.deepEqual(q("vaswani"), ["transformer"]);
  assert.deepEqual(q("iclr"), ["gdn"]);
  assert.deepEqual(q("2020"), ["swa"]);
});

test("the search alone ignores the facets (models outside the skeleton)", () => {
  const s = { ...fs.toggle(empty(), "readout", "linear"), q: "vaswani" };
  const transformer = MODELS.find((m) => m.id === "transformer");
  assert.equal(fs.matches(transformer, s), false);
  assert.equal(fs.matchesText(transformer, s), true);
  assert.equal(fs.matchesText(transformer, { ...s, q: "nobody" }), false);
  assert.equal(fs.matchesText(transformer, { ...s, q: "" }), true);
});

test("clearing filters keeps the sort and the view", () => {
  const s = { ...fs.toggle(empty(), "readout", "linear"), sort: "year", view: "table", q: "x" };
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
