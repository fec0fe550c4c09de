// Plotly figures made at build time (JSON) and rendered here, sized to their column and following the
// light/dark palette. Plotly is loaded once, on the first figure that scrolls near the viewport (the
// bundle sets window.Plotly itself). Styling (fonts, grid, both palettes) comes from chart-style.js, written by the build from
// zoo/sitegen/chart_style.py, the same values the build-time figures embed as their template.

import { STYLE } from "./chart-style.js";
import { siteURL } from "./site.js";

export const name = "figures";

// Figure JSON and the Plotly bundle are named relative to the site root, found from this module's own
// address (site.js): Material's page config is not replaced by instant navigation, so its `base` would be
// the first page's.
export function assetURL(path) {
  return siteURL(path).href;
}

// One load per tab: instant navigation keeps the module graph, so this promise outlives page swaps. A failed
// load is forgotten, so the next figure tries again.
let plotlyLoad;
export function loadPlotly() {
  plotlyLoad ??= new Promise((resolve, reject) => {
    if (window.Plotly) return resolve(window.Plotly);
    const script = document.createElement("script");
    script.src = assetURL("assets/vendor/plotly/plotly-cartesian.min.js");
    script.onload = () => resolve(window.Plotly);
    script.onerror = () => {
      plotlyLoad = undefined;
      reject(new Error("could not load the Plotly bundle"));
    };
    document.head.appendChild(script);
  });
  return plotlyLoad;
}

// "light" or "dark": the chart palette of Material's current scheme ("default" or "slate").
export function scheme() {
  return STYLE.schemes[document.body.getAttribute("data-md-color-scheme")] || "light";
}

export function palette() {
  return STYLE.palettes[scheme()];
}

// The diverging colour scale of the heatmaps in the current scheme: its centre (zero) is near-white on the
// light page and a dark neutral near the page's own colour on the dark one.
export function colourscale() {
  return STYLE.colorscales[scheme()];
}

// A heatmap drawn with either variant of the site's diverging scale (the build-time and Python-made figures
// carry the light one) is one to recolour; any other colour scale is the figure's own.
const SCALES = new Set(Object.values(STYLE.colorscales).map((s) => JSON.stringify(s)));
const diverging = (t) => t.type === "heatmap" && SCALES.has(JSON.stringify(t.colorscale));

const AXIS = /^[xy]axis\d*$/;

// Layout keys that colour a figure in the current palette. Dotted keys and colours only: a relayout with
// them leaves everything else about the axes (type, range and direction, titles, tick labels) as it was.
function colourKeys(layout) {
  const p = palette();
  const keys = {
    "font.color": p.ink,
    "hoverlabel.bgcolor": p.hover_bg,
    "hoverlabel.bordercolor": p.hover_border,
    "hoverlabel.font.color": p.ink,
  };
  const axes = new Set(["xaxis", "yaxis", ...Object.keys(layout).filter((k) => AXIS.test(k))]);
  for (const ax of axes) {
    keys[`${ax}.gridcolor`] = p.grid;
    keys[`${ax}.linecolor`] = p.line;
    keys[`${ax}.zerolinecolor`] = p.line;
    keys[`${ax}.tickcolor`] = p.line;
  }
  return keys;
}

// A copy of `layout` with the dotted `keys` set, for the first draw (Plotly.react takes nested objects).
function withKeys(layout, keys) {
  const out = structuredClone(layout);
  for (const [path, value] of Object.entries(keys)) {
    const parts = path.split(".");
    let node = out;
    for (const part of parts.slice(0, -1)) node = node[part] ??= {};
    node[parts.at(-1)] = value;
  }
  return out;
}

// The traces in the current palette. A trace whose meta is "ink" (the softmax baseline of the benchmark
// charts) takes the text colour: dark on the light palette, near-white on the dark one, where a fixed black
// line would vanish. A heatmap on the site's diverging scale takes the scheme's variant of it.
function coloured(data) {
  const color = palette().ink;
  const scale = colourscale();
  return data.map((t) => {
    if (t.meta === "ink") return { ...t, line: { ...t.line, color }, marker: { ...t.marker, color } };
    return diverging(t) ? { ...t, colorscale: scale } : t;
  });
}

// On a phone, a legend beside the plot leaves the plot a sliver: put it underneath, one entry per row at
// most, and make the figure that much taller so the plot keeps its height. Re-decided when the width
// crosses NARROW_PX (a rotated phone, a resized window). Heights are the element's CSS height, which
// Plotly's autosize reads: a layout height would pin the width too.
const NARROW_PX = 600;
const LEGEND_ROW_PX = STYLE.legend_row_px; // one legend entry (zoo/sitegen/chart_style.py)

function legendKeys(el, narrow) {
  const { named, height, legend } = el.zooFit;
  el.style.height = `${narrow ? height + named * LEGEND_ROW_PX : height}px`;
  if (!narrow) {
    return Object.fromEntries(["orientation", "x", "xanchor", "y", "yanchor", "yref"]
      .map((key) => [`legend.${key}`, legend[key] ?? null]));
  }
  // At the foot of the figure (container coordinates): Plotly then widens the bottom margin to fit it,
  // below the x axis's labels and title whatever their height.
  return { "legend.orientation": "h", "legend.x": 0, "legend.xanchor": "left", "legend.yref": "container",
           "legend.y": 0, "legend.yanchor": "bottom" };
}

// A figure that follows its column's width: its height goes to the element, its legend below the plot
// where the column is narrow.
function fitted(el, layout, data) {
  const { height, ...rest } = layout;
  if (height) el.style.height = `${height}px`;
  const named = data.filter((t) => t.showlegend !== false).length;
  const legend = rest.legend || {};
  // Only a vertical legend beside the plot needs moving.
  el.zooFit = named >= 2 && legend.orientation !== "h" && rest.showlegend !== false
    ? { named, height: height || el.clientHeight || 450, legend } : null;
  el.zooNarrow = Boolean(el.zooFit) && el.clientWidth < NARROW_PX;
  return el.zooNarrow ? withKeys(rest, legendKeys(el, true)) : rest;
}

// Plotly draws a box of width 0 at its default 700 px. Wait until the element has a width (CSS gives
// every .zoo-fig its column's width; a figure in a hidden tab gets one when shown).
function laidOut(el) {
  if (el.clientWidth > 0) return Promise.resolve();
  return new Promise((resolve) => {
    const watch = new ResizeObserver(() => {
      if (el.clientWidth > 0) {
        watch.disconnect();
        resolve();
      }
    });
    watch.observe(el);
  });
}

export async function plot(el, figure, config = {}) {
  const Plotly = await loadPlotly();
  el.zooLayoutKey = undefined; // update() below sets it when it drew through here
  const source = figure.layout || {};
  let layout = typeof source.template === "object" ? source : { ...source, template: STYLE.template };
  layout = withKeys(layout, colourKeys(layout));
  if (!layout.width) {
    // a figure that names its width keeps it; every other one fits its column
    await laidOut(el);
    layout = fitted(el, layout, figure.data);
  }
  await Plotly.react(el, coloured(figure.data), layout, { displayModeBar: false, responsive: false, ...config });
  el.zooWidth = el.clientWidth;
  el.dataset.zooRendered = "true";
  return el;
}

// A figure drawn again with new numbers and the layout it had (a live result): only the data goes to Plotly,
// against the layout it already holds (palette, size and legend place included), so Plotly recomputes the
// traces and autoranged axes instead of merging the template and laying the figure out anew. A figure with
// another layout, or not drawn yet, goes through plot().
export async function update(el, figure) {
  const key = JSON.stringify(figure.layout || {});
  if (el.zooLayoutKey === key && el.layout && window.Plotly) {
    await window.Plotly.react(el, coloured(figure.data), el.layout);
    return el;
  }
  await plot(el, figure);
  el.zooLayoutKey = key;
  return el;
}

// Follow the column's width: the window, a rotated phone, a grid that reflows. Figures with a fixed width
// are left alone.
const resizer = new ResizeObserver((entries) => {
  for (const { target: el } of entries) {
    const width = el.clientWidth;
    if (!width || width === el.zooWidth || !window.Plotly || !el.isConnected) continue;
    el.zooWidth = width;
    const narrow = width < NARROW_PX;
    if (el.zooFit && narrow !== el.zooNarrow) {
      el.zooNarrow = narrow;
      window.Plotly.relayout(el, legendKeys(el, narrow)).then(() => window.Plotly.Plots.resize(el));
    } else {
      window.Plotly.Plots.resize(el);
    }
  }
});

const rendered = new Set();

export function track(el) {
  rendered.add(el);
  if (!el.layout?.width) resizer.observe(el);
}

// Re-colour every rendered figure when the reader flips the palette: colour keys only, never whole axes.
const schemeWatcher = new MutationObserver(() => {
  if (!window.Plotly) return;
  const ink = palette().ink;
  const scale = colourscale();
  for (const el of rendered) {
    if (!el.isConnected) {
      rendered.delete(el);
      resizer.unobserve(el);
      continue;
    }
    window.Plotly.relayout(el, colourKeys(el.layout));
    const inkTraces = el.data.flatMap((t, i) => (t.meta === "ink" ? [i] : []));
    if (inkTraces.length) window.Plotly.restyle(el, { "line.color": ink, "marker.color": ink }, inkTraces);
    // Colour bars follow their trace's scale.
    const heatmaps = el.data.flatMap((t, i) => (diverging(t) ? [i] : []));
    if (heatmaps.length) window.Plotly.restyle(el, { colorscale: heatmaps.map(() => scale) }, heatmaps);
  }
});

async function renderFigure(el) {
  try {
    const response = await fetch(assetURL(el.dataset.zooFig));
    if (!response.ok) throw new Error(`${response.status} for ${el.dataset.zooFig}`);
    await plot(el, await response.json());
    track(el);
  } catch (err) {
    el.textContent = "This figure could not be loaded.";
    el.classList.add("zoo-fig--error");
    console.warn("zoo figure:", err.message);
  }
}

export function init(root) {
  schemeWatcher.disconnect();
  schemeWatcher.observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
  const figs = root.querySelectorAll("[data-zoo-fig]:not([data-zoo-rendered])");
  if (!figs.length) return;
  const seen = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) {
        seen.unobserve(entry.target);
        renderFigure(entry.target);
      }
    }
  }, { rootMargin: "300px" });
  figs.forEach((el) => seen.observe(el));
}
