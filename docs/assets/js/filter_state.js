// The home page's filter state, with no DOM: parse it from a URL, write it back, decide which models match
// and count what each filter option would show. filters.js wires it to the page; tests/js/ tests it in Node.
//
// State: { readout, decay: Set, gates, q, sort, view }.
//   readout, gates   one value or "" (all)
//   decay            every selected decay component must be present (intersection)
//   q                free text, lower case, matched against each model's search text
//   sort             "" (registry order: softmax family first, then linear, by year), or a key ("year",
//                    "name", "state"), with a leading "-" for descending
//   view             "cards" or "table"
// URL keys: readout, decay (comma-separated), gates, text (Material's own search owns `q`), sort, view.
// Values the page does not know are dropped, so an old or mistyped link still gives a usable page.

export const FACETS = ["readout", "decay", "gates"];
export const VIEWS = ["cards", "table"];
const KEYS = ["readout", "decay", "gates", "text", "sort", "view"];

export function emptyState() {
  return { readout: "", decay: new Set(), gates: "", q: "", sort: "", view: "cards" };
}

// known: { readout: [...], decay: [...], gates: [...], sort: [...] } - the values this page offers.
export function parse(search, known) {
  const params = new URLSearchParams(search);
  const state = emptyState();
  const one = (key) => {
    const value = params.get(key) || "";
    return known[key].includes(value) ? value : "";
  };
  state.readout = one("readout");
  state.gates = one("gates");
  state.decay = new Set((params.get("decay") || "").split(",").filter((d) => known.decay.includes(d)));
  state.q = (params.get("text") || "").trim().toLowerCase();
  const sort = params.get("sort") || "";
  state.sort = known.sort.includes(sort.replace(/^-/, "")) ? sort : "";
  state.view = VIEWS.includes(params.get("view")) ? params.get("view") : "cards";
  return state;
}

// The query string for `state`, keeping any parameter this module does not own.
export function serialize(state, search = "") {
  const params = new URLSearchParams(search);
  for (const key of KEYS) params.delete(key);
  if (state.readout) params.set("readout", state.readout);
  if (state.decay.size) params.set("decay", [...state.decay].sort().join(","));
  if (state.gates) params.set("gates", state.gates);
  if (state.q) params.set("text", state.q);
  if (state.sort) params.set("sort", state.sort);
  if (state.view !== "cards") params.set("view", state.view);
  const text = params.toString().replaceAll("%2C", ",");
  return text ? `?${text}` : "";
}

// model: { readout, decay: [...], gates, search }
export function matches(model, state) {
  return (
    (!state.readout || model.readout === state.readout) &&
    [...state.decay].every((d) => model.decay.includes(d)) &&
    (!state.gates || model.gates === state.gates) &&
    (!state.q || model.search.includes(state.q))
  );
}

function copy(state) {
  return { ...state, decay: new Set(state.decay) };
}

export function isOn(state, facet, value) {
  return facet === "decay" ? state.decay.has(value) : state[facet] === value;
}

// The state with this option on and everything else unchanged (a decay option is added to the others).
export function withOption(state, facet, value) {
  const s = copy(state);
  if (facet === "decay") s.decay.add(value);
  else s[facet] = value;
  return s;
}

// What a click on the option does: readout and gates pick one value; a decay option toggles.
export function toggle(state, facet, value) {
  if (facet === "decay" && state.decay.has(value)) {
    const s = copy(state);
    s.decay.delete(value);
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
  return Boolean(state.readout || state.decay.size || state.gates || state.q);
}

export function clearFilters(state) {
  return { ...emptyState(), sort: state.sort, view: state.view };
}

// "-year" -> { key: "year", direction: -1 }; "" -> { key: "order", direction: 1 }.
export function sortSpec(sort) {
  if (!sort) return { key: "order", direction: 1 };
  return sort.startsWith("-") ? { key: sort.slice(1), direction: -1 } : { key: sort, direction: 1 };
}
