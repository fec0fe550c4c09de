// The home page's filter state, with no DOM: parse it from a URL, write it back, decide which models match
// and count what each filter option would show. filters.js wires it to the page; tests/js/ tests it in Node.
//
// The facets are not named here: they come from the page (one chip group per taxonomy facet), so a new
// facet or value needs no edit of this file.
//
// State: { <facet>: "" | Set, ..., q, sort, view }, the facets first, in the page's order.
//   single facet     one value or "" (all): readout, gates, layout
//   multi facet      a Set; every selected value must be present (intersection): decay
//   q                free text, lower case, matched against each model's search text
//   sort             "" (registry order: softmax family first, then linear, by year), or a key ("year",
//                    "name", "state"), with a leading "-" for descending
//   view             "cards" or "table"
// URL keys: one per facet (a multi facet's values comma-separated), text (Material's own search owns `q`),
// sort, view. Values the page does not know are dropped, so an old or mistyped link still gives a usable page.

export const VIEWS = ["cards", "table"];
const OWN = ["q", "sort", "view"]; // state keys that are not facets

// The facet keys of a state, in order.
export function facetsOf(state) {
  return Object.keys(state).filter((key) => !OWN.includes(key));
}

// known: { facets: { readout: [...], decay: [...], ... }, multi: ["decay"], sort: [...] } - what the page offers.
export function emptyState(known) {
  const state = {};
  for (const facet of Object.keys(known.facets)) state[facet] = (known.multi || []).includes(facet) ? new Set() : "";
  return { ...state, q: "", sort: "", view: "cards" };
}

export function parse(search, known) {
  const params = new URLSearchParams(search);
  const state = emptyState(known);
  for (const facet of facetsOf(state)) {
    const values = known.facets[facet];
    const raw = params.get(facet) || "";
    if (state[facet] instanceof Set) state[facet] = new Set(raw.split(",").filter((v) => values.includes(v)));
    else state[facet] = values.includes(raw) ? raw : "";
  }
  state.q = (params.get("text") || "").trim().toLowerCase();
  const sort = params.get("sort") || "";
  state.sort = known.sort.includes(sort.replace(/^-/, "")) ? sort : "";
  state.view = VIEWS.includes(params.get("view")) ? params.get("view") : "cards";
  return state;
}

// The query string for `state`, keeping any parameter this module does not own.
export function serialize(state, search = "") {
  const params = new URLSearchParams(search);
  const facets = facetsOf(state);
  for (const key of [...facets, "text", "sort", "view"]) params.delete(key);
  for (const facet of facets) {
    const value = state[facet];
    if (value instanceof Set) {
      if (value.size) params.set(facet, [...value].sort().join(","));
    } else if (value) params.set(facet, value);
  }
  if (state.q) params.set("text", state.q);
  if (state.sort) params.set("sort", state.sort);
  if (state.view !== "cards") params.set("view", state.view);
  const text = params.toString().replaceAll("%2C", ",");
  return text ? `?${text}` : "";
}

// model: { <facet>: value (a single facet) or [values] (a multi facet), ..., search }
export function matches(model, state) {
  for (const facet of facetsOf(state)) {
    const want = state[facet];
    if (want instanceof Set) {
      for (const v of want) if (!model[facet].includes(v)) return false;
    } else if (want && model[facet] !== want) return false;
  }
  return matchesText(model, state);
}

// The search alone: what models outside the skeleton answer to (the facet filters leave them out).
export function matchesText(model, state) {
  return !state.q || model.search.includes(state.q);
}

function copy(state) {
  const s = { ...state };
  for (const facet of facetsOf(s)) if (s[facet] instanceof Set) s[facet] = new Set(s[facet]);
  return s;
}

export function isOn(state, facet, value) {
  return state[facet] instanceof Set ? state[facet].has(value) : state[facet] === value;
}

// The state with this option on and everything else unchanged (a multi facet's option joins the others).
export function withOption(state, facet, value) {
  const s = copy(state);
  if (s[facet] instanceof Set) s[facet].add(value);
  else s[facet] = value;
  return s;
}

// What a click on the option does: a single facet's option picks its value; a multi facet's one toggles.
export function toggle(state, facet, value) {
  if (state[facet] instanceof Set && state[facet].has(value)) {
    const s = copy(state);
    s[facet].delete(value);
    return s;
  }
  return withOption(state, facet, value);
}

// Every option's count means one thing: how many models are shown with this option on, the other filters
// as they are. So a pressed option shows the number on screen, and an option showing 0 can be disabled.
export function optionCount(models, state, facet, value) {
  const s = withOption(state, facet, value);
  let n = 0;
  for (const m of models) if (matches(m, s)) n += 1;
  return n;
}

export function isFiltered(state) {
  return Boolean(state.q) || facetsOf(state).some((f) => (state[f] instanceof Set ? state[f].size : state[f]));
}

// No facet set and no text; the sort and the view stay.
export function clearFilters(state) {
  const s = { ...state, q: "" };
  for (const facet of facetsOf(s)) s[facet] = s[facet] instanceof Set ? new Set() : "";
  return s;
}

// "-year" -> { key: "year", direction: -1 }; "" -> { key: "order", direction: 1 }.
export function sortSpec(sort) {
  if (!sort) return { key: "order", direction: 1 };
  return sort.startsWith("-") ? { key: sort.slice(1), direction: -1 } : { key: sort, direction: 1 };
}
