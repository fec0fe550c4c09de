// The lineage graph: a build-time Plotly figure (nodes placed by the registry's years and lanes).
// Hover shows a model's summary, a click opens its page, and every node also gets a focusable link laid
// over it, so the graph works from the keyboard. When the card filters are active, other nodes fade.

import { assetURL, palette, plot, track } from "./figures.js";

export const name = "lineage";

const NODE_TRACE = -1; // the node trace is the last one in the figure

function nodeTrace(el) {
  return el.data.length + NODE_TRACE;
}

function addKeyboardLinks(el, wrapper) {
  const layer = document.createElement("div");
  layer.className = "zoo-lineage__keys";
  const trace = el.data[nodeTrace(el)];
  const { xaxis, yaxis, margin } = el._fullLayout;
  trace.customdata.forEach((d, i) => {
    const [href, id, modelName, year] = d;
    const a = document.createElement("a");
    a.href = assetURL(href);
    a.className = "zoo-lineage__key";
    a.dataset.id = id;
    a.setAttribute("aria-label", `${modelName} (${year})`);
    a.style.left = `${margin.l + xaxis.l2p(trace.x[i])}px`;
    a.style.top = `${margin.t + yaxis.l2p(trace.y[i])}px`;
    a.addEventListener("focus", () => window.Plotly.Fx.hover(el, [{ curveNumber: nodeTrace(el), pointNumber: i }]));
    a.addEventListener("blur", () => window.Plotly.Fx.unhover(el));
    layer.appendChild(a);
  });
  wrapper.appendChild(layer);
}

function fade(el, shown, active) {
  const trace = el.data[nodeTrace(el)];
  const keep = new Set(shown);
  const opacity = trace.customdata.map((d) => (!active || keep.has(d[1]) ? 1 : 0.15));
  window.Plotly.restyle(el, { "marker.opacity": [opacity], "textfont.color": [
    opacity.map((o) => (o === 1 ? palette().ink : "rgba(128,128,128,0.45)")),
  ] }, [nodeTrace(el)]);
  el.dataset.zooFaded = active ? String(trace.customdata.length - keep.size) : "0";
}

const HIGHLIGHT_TRACE = -2; // the (initially empty) trace that draws the hovered model's edges

// Draw every edge that touches model `index` (its parents and its children) on the highlight trace.
function highlight(el, index) {
  const nodes = el.data[nodeTrace(el)];
  const ids = nodes.customdata.map((d) => d[1]);
  const xs = [];
  const ys = [];
  const line = (a, b) => xs.push(nodes.x[a], nodes.x[b], null) && ys.push(nodes.y[a], nodes.y[b], null);
  if (index !== null) {
    const id = ids[index];
    for (const parent of nodes.customdata[index][6].split(" ").filter(Boolean)) line(ids.indexOf(parent), index);
    nodes.customdata.forEach((d, child) => d[6].split(" ").includes(id) && line(index, child));
  }
  window.Plotly.restyle(el, { x: [xs], y: [ys] }, [el.data.length + HIGHLIGHT_TRACE]);
}

let lastFilter = { shown: [], active: false };
function refade() {
  const el = document.querySelector("[data-zoo-lineage-plot][data-zoo-rendered]");
  if (el && window.Plotly) fade(el, lastFilter.shown, lastFilter.active);
}
document.addEventListener("zoo:filter", (event) => {
  lastFilter = event.detail;
  refade();
});
document.addEventListener("zoo:palette", refade); // labels in the new palette's text colour

export async function init(root) {
  const box = root.querySelector("[data-zoo-lineage]");
  if (!box) return;
  const el = box.querySelector("[data-zoo-lineage-plot]");
  const response = await fetch(assetURL(box.dataset.zooLineage));
  const figure = await response.json();
  await plot(el, figure, { responsive: false, scrollZoom: false });
  track(el);
  el.on("plotly_hover", (event) => {
    const point = event.points.find((p) => p.curveNumber === nodeTrace(el));
    if (point) highlight(el, point.pointNumber);
  });
  el.on("plotly_unhover", () => highlight(el, null));
  el.on("plotly_click", (event) => {
    const point = event.points.find((p) => p.curveNumber === nodeTrace(el));
    if (point) window.location.href = assetURL(point.customdata[0]);
  });
  addKeyboardLinks(el, el.parentElement);
  fade(el, lastFilter.shown, lastFilter.active);
}
