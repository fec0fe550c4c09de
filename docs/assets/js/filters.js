// Card filters: readout (one of), decay components (a model must have every selected one), gates (one of)
// and free text. The state lives in the URL (?readout=linear&decay=delta,scalar&gates=fixed&text=gla), so a
// filtered view can be shared and survives reload and back/forward. Each option shows how many models it
// would leave; options that would leave none are disabled, so no click leads to an empty grid.

export const name = "filters";

// URL keys; free text is `text`, because Material's own search already owns `q`.
const URL_KEYS = ["readout", "decay", "gates", "text"];

export function readState(search = location.search) {
  const params = new URLSearchParams(search);
  return {
    readout: params.get("readout") || "",
    decay: new Set((params.get("decay") || "").split(",").filter(Boolean)),
    gates: params.get("gates") || "",
    q: (params.get("text") || "").trim().toLowerCase(),
  };
}

function toSearch(state) {
  const params = new URLSearchParams(location.search);
  for (const key of URL_KEYS) params.delete(key);
  if (state.readout) params.set("readout", state.readout);
  if (state.decay.size) params.set("decay", [...state.decay].sort().join(","));
  if (state.gates) params.set("gates", state.gates);
  if (state.q) params.set("text", state.q);
  const text = params.toString().replaceAll("%2C", ",");
  return text ? `?${text}` : "";
}

export function matches(card, state) {
  const decay = card.dataset.decay.split(" ");
  return (
    (!state.readout || card.dataset.readout === state.readout) &&
    [...state.decay].every((d) => decay.includes(d)) &&
    (!state.gates || card.dataset.gates === state.gates) &&
    (!state.q || card.dataset.search.includes(state.q))
  );
}

// The state a click on `button` would produce.
function next(state, button) {
  const { facet, value } = button.dataset;
  const s = { ...state, decay: new Set(state.decay) };
  if (facet === "decay") {
    if (s.decay.has(value)) s.decay.delete(value);
    else s.decay.add(value);
  } else {
    s[facet] = value;
  }
  return s;
}

function pressed(state, button) {
  const { facet, value } = button.dataset;
  return facet === "decay" ? state.decay.has(value) : state[facet] === value;
}

function apply(root, state) {
  const cards = [...root.querySelectorAll("[data-zoo-card]")];
  const shown = [];
  for (const card of cards) {
    const ok = matches(card, state);
    card.hidden = !ok;
    if (ok) shown.push(card.dataset.id);
  }
  for (const button of root.querySelectorAll("[data-zoo-filters] button[data-facet]")) {
    const isOn = pressed(state, button);
    const count = cards.filter((c) => matches(c, next(state, button))).length;
    button.setAttribute("aria-pressed", String(isOn));
    button.querySelector(".zoo-chip__count").textContent = count;
    // A pressed option stays clickable (clicking it undoes it); others disable when they'd empty the grid.
    button.disabled = !isOn && count === 0;
    button.dataset.help ??= button.title;
    button.title = button.disabled ? "No model matches this together with the current filters" : button.dataset.help;
  }
  const input = root.querySelector("[data-zoo-filters] input[data-facet=q]");
  if (input && document.activeElement !== input) input.value = state.q;
  const status = root.querySelector("[data-zoo-status]");
  if (status) status.textContent = `${shown.length} of ${cards.length} models`;
  const empty = root.querySelector("[data-zoo-empty]");
  if (empty) empty.hidden = shown.length > 0;
  const active = Boolean(state.readout || state.decay.size || state.gates || state.q);
  document.dispatchEvent(new CustomEvent("zoo:filter", { detail: { shown, active } }));
}

let current = null; // the wired filter bar (one per page), so popstate re-applies to the live DOM

function onPopState() {
  if (current && current.isConnected) apply(current.closest("article") || document.body, readState());
}

export function init(root) {
  const bar = root.querySelector("[data-zoo-filters]");
  if (!bar) return;
  const scope = bar.closest("article") || root;
  current = bar;
  let state = readState();
  const commit = (s, push = true) => {
    state = s;
    const url = location.pathname + toSearch(s) + location.hash;
    if (push) history.pushState(null, "", url);
    else history.replaceState(null, "", url);
    apply(scope, s);
  };
  bar.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button || button.disabled) return;
    if (button.dataset.facet) commit(next(state, button));
  });
  scope.querySelectorAll("[data-zoo-reset]").forEach((b) =>
    b.addEventListener("click", () => commit(readState(""))));
  const input = bar.querySelector("input[data-facet=q]");
  input.addEventListener("input", () => commit({ ...state, q: input.value.trim().toLowerCase() }, false));
  window.removeEventListener("popstate", onPopState);
  window.addEventListener("popstate", onPopState);
  apply(scope, state);
}
