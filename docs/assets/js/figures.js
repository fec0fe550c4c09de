// Plotly figures made at build time (JSON) and rendered here, following the light/dark palette.
// Plotly is loaded once, on the first figure that scrolls near the viewport, and kept on `window`.

export const name = "figures";

function siteRoot() {
  // Material's config script knows the relative path from this page to the site root.
  const config = document.getElementById("__config");
  const base = config ? JSON.parse(config.textContent).base : ".";
  return new URL(base.endsWith("/") ? base : base + "/", document.baseURI);
}

export function assetURL(path) {
  return new URL(path, siteRoot()).href;
}

window.zooLoadPlotly ??= () => {
  window.__zooPlotly ??= new Promise((resolve, reject) => {
    if (window.Plotly) return resolve(window.Plotly);
    const script = document.createElement("script");
    script.src = assetURL("assets/vendor/plotly/plotly-cartesian.min.js");
    script.onload = () => resolve(window.Plotly);
    script.onerror = () => {
      window.__zooPlotly = undefined;
      reject(new Error("could not load the Plotly bundle"));
    };
    document.head.appendChild(script);
  });
  return window.__zooPlotly;
};

export function isDark() {
  return document.body.getAttribute("data-md-color-scheme") === "slate";
}

// The page's text colour.
function ink() {
  const fg = getComputedStyle(document.body).getPropertyValue("--md-default-fg-color").trim();
  return fg || (isDark() ? "#e2e8f0" : "#1e293b");
}

// Colours follow Material's palette variables, so figures match the page in both schemes.
export function themeLayout() {
  const style = getComputedStyle(document.body);
  const fg = ink();
  const muted = style.getPropertyValue("--md-default-fg-color--lighter").trim() || "#94a3b8";
  return {
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { color: fg, family: "inherit" },
    xaxis: { color: fg, gridcolor: muted, linecolor: muted },
    yaxis: { color: fg, gridcolor: muted, linecolor: muted },
    hoverlabel: { bgcolor: isDark() ? "#1e293b" : "#ffffff", bordercolor: muted, font: { color: fg } },
  };
}

function merge(base, extra) {
  const out = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    out[k] = v && typeof v === "object" && !Array.isArray(v) && base[k] ? merge(base[k], v) : v;
  }
  return out;
}

export async function plot(el, figure, config = {}) {
  const Plotly = await window.zooLoadPlotly();
  const layout = merge(figure.layout || {}, themeLayout());
  await Plotly.react(el, figure.data, layout, { displayModeBar: false, responsive: true, ...config });
  el.dataset.zooRendered = "true";
  return el;
}

const rendered = new Set();

// Re-colour every rendered figure when the reader flips the palette.
const schemeWatcher = new MutationObserver(async () => {
  if (!window.Plotly) return;
  for (const el of rendered) {
    if (!el.isConnected) {
      rendered.delete(el);
      continue;
    }
    window.Plotly.relayout(el, themeLayout());
    const inkTraces = el.data.flatMap((t, i) => (t.meta === "ink" ? [i] : []));
    if (inkTraces.length) window.Plotly.restyle(el, { "line.color": ink(), "marker.color": ink() }, inkTraces);
  }
});

export function track(el) {
  rendered.add(el);
}

// A trace whose meta is "ink" (the softmax baseline of the benchmark charts) takes the text colour: black on
// the light palette, near-white on the dark one, where a fixed black line would vanish.
function inked(data) {
  const color = ink();
  return data.map((t) =>
    t.meta === "ink" ? { ...t, line: { ...t.line, color }, marker: { ...t.marker, color } } : t,
  );
}

// On a phone, a legend beside the plot leaves the plot a sliver: put it underneath, one entry per row at
// most, and make the figure that much taller so the plot keeps its height.
const NARROW_PX = 600;
const LEGEND_ROW_PX = 19;

function fitted(el, figure) {
  const named = figure.data.filter((t) => t.showlegend !== false).length;
  const layout = figure.layout || {};
  if (el.clientWidth >= NARROW_PX || named < 2 || layout.legend?.orientation === "h") return figure;
  return {
    ...figure,
    layout: {
      ...layout,
      height: (layout.height || 450) + named * LEGEND_ROW_PX,
      legend: { ...layout.legend, orientation: "h", x: 0, xanchor: "left", y: -0.12, yanchor: "top" },
    },
  };
}

async function renderFigure(el) {
  try {
    const response = await fetch(assetURL(el.dataset.zooFig));
    if (!response.ok) throw new Error(`${response.status} for ${el.dataset.zooFig}`);
    const figure = fitted(el, await response.json());
    await plot(el, { ...figure, data: inked(figure.data) });
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
