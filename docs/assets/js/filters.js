// The home page's filters, sort and view switch, wired to the DOM. The state and its rules (URL, matching,
// counts) are in filter_state.js; sorting is tables.js, shared with the unified view.
// Cards ([data-zoo-card]) and table rows ([data-zoo-row]) are the same models in two views: both follow the
// filters and the sort, and only the chosen view is shown. The state lives in the URL, so a view can be
// shared and survives reload and back/forward.

import * as fs from "./filter_state.js";
import { markSorted, sortElements } from "./tables.js";

export const name = "filters";

const KIND = { order: "number", year: "number", state: "number", name: "text" };

// A card as the filter rules see it: its facet values (known.facets names them; a multi facet's values are
// space-separated), search text and sort keys.
function record(el, known) {
  const d = el.dataset;
  const m = { id: d.id, search: d.search, order: Number(d.order), year: d.year, name: d.name, state: d.state };
  for (const facet of Object.keys(known.facets)) {
    m[facet] = known.multi.includes(facet) ? d[facet].split(" ") : d[facet];
  }
  return m;
}

// Everything the page needs, looked up once per page (the DOM does not change between clicks).
function collect(root) {
  const bar = root.querySelector("[data-zoo-filters]");
  const chips = [...bar.querySelectorAll("button[data-facet]")].map((button) => ({
    button,
    facet: button.dataset.facet,
    value: button.dataset.value,
    label: button.dataset.label,
    count: button.querySelector(".zoo-chip__count"),
    help: button.title,
  }));
  const cards = [...root.querySelectorAll("[data-zoo-card]")];
  const table = root.querySelector("[data-zoo-table]");
  const rows = table ? [...table.querySelectorAll("[data-zoo-row]")] : [];
  const rowOf = new Map(rows.map((row) => [row.dataset.id, row]));
  const sorters = table ? [...table.querySelectorAll("th[data-sort-key]")] : [];
  const select = root.querySelector("[data-zoo-sort]");
  // The facets and their values are the chips the page was built with (one group per taxonomy facet).
  const facets = {};
  for (const c of chips) {
    facets[c.facet] ??= [];
    if (c.value) facets[c.facet].push(c.value);
  }
  const known = {
    facets,
    multi: [...bar.querySelectorAll("[data-zoo-multi]")].map((g) => g.dataset.zooMulti),
    sort: [...new Set([
      ...sorters.map((th) => th.dataset.sortKey),
      ...(select ? [...select.options].map((o) => o.value.replace(/^-/, "")).filter(Boolean) : []),
    ])],
  };
  return {
    root, bar, chips, table, sorters, select, known,
    models: cards.map((card) => ({ ...record(card, known), card, row: rowOf.get(card.dataset.id) })),
    grid: root.querySelector("[data-zoo-grid]"),
    related: root.querySelector("[data-zoo-related]"),
    // Models outside the skeleton: the search finds them as it finds the rest; the facet filters, which
    // classify the skeleton, leave them alone. Their table rows have no data-zoo-row (never sorted).
    outside: [...root.querySelectorAll("[data-zoo-related-card]")].map((card) => ({
      card,
      search: card.dataset.search,
      row: table?.querySelector(`.zoo-table__related tr[data-id="${card.dataset.id}"]`),
      why: table?.querySelector(`.zoo-table__related tr[data-why="${card.dataset.id}"]`), // its reason's row
    })),
    outsideHead: table?.querySelector(".zoo-table__related tr[data-zoo-outside-head]"),
    input: bar.querySelector("input[data-facet=q]"),
    status: root.querySelector("[data-zoo-status]"),
    empty: root.querySelector("[data-zoo-empty]"),
    views: [...root.querySelectorAll("[data-zoo-view] button[data-view]")],
    tools: root.querySelector("[data-zoo-tools]"),
    applied: { sort: null },
  };
}

function plural(n) {
  return `${n} model${n === 1 ? "" : "s"}`;
}

function apply(page, state) {
  const shown = [];
  for (const m of page.models) {
    const ok = fs.matches(m, state);
    if (m.card.hidden === ok) m.card.hidden = !ok;
    if (m.row && m.row.hidden === ok) m.row.hidden = !ok;
    if (ok) shown.push(m.id);
  }
  if (page.applied.sort !== state.sort) {
    const { key, direction } = fs.sortSpec(state.sort);
    const keyOf = (el) => page.byElement.get(el)[key];
    const tie = (el) => page.byElement.get(el).order;
    sortElements(page.grid, page.models.map((m) => m.card), keyOf, KIND[key], direction, tie);
    if (page.table) {
      const rows = page.models.map((m) => m.row).filter(Boolean);
      sortElements(rows[0].parentElement, rows, keyOf, KIND[key], direction, tie);
      markSorted(page.sorters, page.sorters.find((th) => th.dataset.sortKey === key), direction);
    }
    if (page.select) page.select.value = state.sort;
    page.applied.sort = state.sort;
  }
  let outside = 0;
  const found = [];
  for (const m of page.outside) {
    const ok = fs.matchesText(m, state);
    if (m.card.hidden === ok) m.card.hidden = !ok;
    if (m.row && m.row.hidden === ok) m.row.hidden = !ok;
    if (m.why && m.why.hidden === ok) m.why.hidden = !ok;
    if (ok) outside += 1;
    if (ok && state.q) found.push(m.card.dataset.id); // a search that finds it keeps its lineage node lit
  }
  if (page.outsideHead) page.outsideHead.hidden = outside === 0;
  if (page.table) {
    page.grid.hidden = state.view !== "cards";
    page.table.hidden = state.view !== "table";
  }
  // the table lists them itself; a search that finds none of them hides their section
  if (page.related) page.related.hidden = state.view !== "cards" || outside === 0;
  for (const b of page.views) b.setAttribute("aria-pressed", String(b.dataset.view === state.view));
  for (const chip of page.chips) {
    const on = fs.isOn(state, chip.facet, chip.value);
    const n = fs.optionCount(page.models, state, chip.facet, chip.value);
    if (chip.button.getAttribute("aria-pressed") !== String(on)) chip.button.setAttribute("aria-pressed", String(on));
    if (chip.count.textContent !== String(n)) chip.count.textContent = n;
    // "All" and pressed options stay usable whatever the count, so no state is a dead end.
    const disabled = !on && n === 0 && chip.value !== "";
    if (chip.button.disabled !== disabled) chip.button.disabled = disabled;
    if (chip.shown !== n) {  // attribute writes cost style work on every click; skip the unchanged
      chip.shown = n;
      const meaning = `${plural(n)} shown with this on, the other filters as they are`;
      chip.button.title = chip.help ? `${chip.help} (${meaning})` : meaning;
      chip.button.setAttribute("aria-label", `${chip.label}: ${meaning}`);
    }
  }
  if (document.activeElement !== page.input) page.input.value = state.q;
  const also = found.length ? `, and ${found.length} related outside the skeleton` : "";
  page.status.textContent = `${shown.length} of ${plural(page.models.length)}${also}`;
  page.empty.hidden = shown.length > 0 || Boolean(state.q && outside);
  // The lineage graph fades the others; let this frame paint the cards first.
  const detail = { shown: [...shown, ...found], active: fs.isFiltered(state) };
  requestAnimationFrame(() => setTimeout(() => document.dispatchEvent(new CustomEvent("zoo:filter", { detail }))));
}

let current = null; // the wired page (one per document), so popstate re-applies to the live DOM

function onPopState() {
  if (current && current.bar.isConnected) current.go(fs.parse(location.search, current.known), null);
}

export function init(root) {
  if (!root.querySelector("[data-zoo-filters]")) return;
  const page = collect(root);
  page.byElement = new Map();
  for (const m of page.models) {
    page.byElement.set(m.card, m);
    if (m.row) page.byElement.set(m.row, m);
  }
  let state = fs.parse(location.search, page.known);
  // history: "push" for a new view of the page, "replace" for typing, null when the URL is already right.
  page.go = (next, history = "push") => {
    state = next;
    const url = location.pathname + fs.serialize(next, location.search) + location.hash;
    if (history === "push") window.history.pushState(null, "", url);
    else if (history === "replace") window.history.replaceState(null, "", url);
    apply(page, next);
  };
  current = page;

  page.bar.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-facet]");
    if (button && !button.disabled) page.go(fs.toggle(state, button.dataset.facet, button.dataset.value));
  });
  root.querySelectorAll("[data-zoo-reset]").forEach((b) =>
    b.addEventListener("click", () => page.go(fs.clearFilters(state))));
  page.input.addEventListener("input", () =>
    page.go({ ...state, q: page.input.value.trim().toLowerCase() }, "replace"));
  page.select?.addEventListener("change", () => page.go({ ...state, sort: page.select.value }));
  for (const b of page.views) b.addEventListener("click", () => page.go({ ...state, view: b.dataset.view }));
  for (const th of page.sorters) {
    th.querySelector("button").addEventListener("click", () => {
      const key = th.dataset.sortKey;
      const again = fs.sortSpec(state.sort).key === key && !state.sort.startsWith("-");
      page.go({ ...state, sort: again ? `-${key}` : key });
    });
  }
  // Links that show a filtered view (the hero's readout x decay cells) apply it in place.
  root.querySelectorAll("a[data-zoo-apply]").forEach((a) =>
    a.addEventListener("click", (event) => {
      event.preventDefault();
      const picked = fs.parse(new URL(a.href).search, page.known);
      page.go({ ...picked, sort: state.sort, view: state.view });
      document.getElementById("models")?.scrollIntoView({ behavior: "smooth" });
    }));
  window.removeEventListener("popstate", onPopState);
  window.addEventListener("popstate", onPopState);
  if (page.tools) page.tools.hidden = false;
  // Unknown or repeated values were dropped: show the cleaned URL rather than the one typed.
  const clean = fs.serialize(state, location.search);
  page.go(state, clean === location.search ? null : "replace");
}
