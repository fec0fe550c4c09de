// Canvas charts for live results: heatmaps (mixing matrix, state), bars and lines.
//
// Why not Plotly here: a Plotly.react call costs tens of milliseconds whatever the data (layout, axes,
// SVG), and a live slider change must redraw everything in under 100 ms for T = 128. Painting a T x T
// ImageData and a few labels on a canvas takes a few milliseconds. The build-time figures stay Plotly;
// these use the same colour scale (figures.js colourscale()) and axis conventions, so both read the same.
//
//   heatmap(canvas, {z, zmax, title, xlabel, ylabel, showscale, hover, causal})   z: rows (arrays or typed arrays)
//   lines(canvas, {series: [{name, y}], title, xlabel, ylabel})
//   bars(canvas, {y, title, xlabel, ylabel})
// Each call sizes the canvas to its CSS box (times devicePixelRatio) and repaints it completely.

import { STYLE } from "../chart-style.js";
import { colourscale, palette, scheme } from "../figures.js";

// The colour scale, blue (negative) - neutral (0) - red (positive), is the build-time heatmaps' one, written
// once in zoo/sitegen/chart_style.py and reaching the browser through the generated chart-style.js; colourscale()
// gives the current palette's variant at every draw, so a redraw after the palette toggle takes the other.

// {shape, data: Float64Array} -> rows (views, no copy) of the slice `index` along the leading axes.
// A slice with more than two axes keeps its last axis as columns and stacks the others as rows
// (log-linear attention's per-level states become level blocks one under the other).
export function rows(array, index = []) {
  let offset = 0;
  let size = array.data.length;
  for (let i = 0; i < index.length; i++) {
    size /= array.shape[i];
    offset += index[i] * size;
  }
  const m = array.shape[array.shape.length - 1];
  const n = size / m;
  return Array.from({ length: n }, (_, i) => array.data.subarray(offset + i * m, offset + (i + 1) * m));
}

// Indexed loops, not for-of: a multi-input SSM's slice holds 0.5 M numbers, and the iterator protocol over
// typed arrays cost milliseconds of every redraw.
export function maxAbs(z) {
  let m = 0;
  for (let i = 0; i < z.length; i++) {
    const row = z[i];
    for (let j = 0; j < row.length; j++) {
      const a = Math.abs(row[j]);
      if (a > m) m = a;
    }
  }
  return m > 0 ? m : 1;
}

const SERIES = STYLE.series;

// 256-entry RGB lookup of the colour scale, one per palette: one table read per cell instead of an
// interpolation.
const luts = {};
function colourTable() {
  const key = scheme();
  if (luts[key]) return luts[key];
  const stops = colourscale();
  const out = new Uint8ClampedArray(256 * 3);
  const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  for (let i = 0; i < 256; i++) {
    const x = i / 255;
    const k = Math.max(0, stops.findIndex(([stop]) => stop >= x) - 1);
    const [a, ca] = stops[k];
    const [b, cb] = stops[k + 1];
    const f = b === a ? 0 : (x - a) / (b - a);
    const [p, q] = [rgb(ca), rgb(cb)];
    for (let c = 0; c < 3; c++) out[i * 3 + c] = p[c] * (1 - f) + q[c] * f;
  }
  luts[key] = out;
  return out;
}

export function colourIndex(value, zmax) {
  return Math.round(((Math.max(-zmax, Math.min(zmax, value)) / zmax + 1) / 2) * 255);
}

// The chart palette of the current scheme, as the Plotly figures use it; a canvas needs a real font name.
function theme() {
  const p = palette();
  return { fg: p.ink, muted: p.muted, grid: p.grid, font: getComputedStyle(document.body).fontFamily || "sans-serif" };
}

// Size the backing store to the CSS box; returns a context in CSS pixels.
function setup(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 300;
  const h = canvas.clientHeight || 300;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h, th: theme() };
}

// About five ticks at 1, 2 or 5 times a power of ten.
function niceStep(span, count = 5) {
  const raw = span / count;
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) || p;
}

function fmt(x) {
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e4 || a < 1e-3 ? x.toExponential(1) : String(Number(x.toPrecision(3)));
}

function text(ctx, th, s, x, y, { align = "center", base = "middle", colour = th.fg, size = 11, rotate = 0 } = {}) {
  ctx.save();
  ctx.fillStyle = colour;
  ctx.font = `${size}px ${th.font}`;
  ctx.textAlign = align;
  ctx.textBaseline = base;
  ctx.translate(x, y);
  if (rotate) ctx.rotate(rotate);
  ctx.fillText(s, 0, 0);
  ctx.restore();
}

// Centred over the plot, but kept inside the canvas: on a narrow column a long title shrinks (not below
// 10 px), then ends in an ellipsis, instead of running off the left edge.
function title(ctx, th, s, x, w) {
  const width = ctx.canvas.width / (window.devicePixelRatio || 1);
  let size = 12;
  const measure = (str) => {
    ctx.font = `${size}px ${th.font}`;
    return ctx.measureText(str).width;
  };
  while (size > 10 && measure(s) > width - 4) size -= 1;
  let shown = s;
  while (shown.length > 1 && measure(shown) > width - 4) shown = `${shown.slice(0, -2)}…`;
  const half = measure(shown) / 2;
  const centre = Math.max(half + 2, Math.min(x + w / 2, width - half - 2));
  text(ctx, th, shown, centre, 10, { size, base: "middle" });
}

// hover: names for the tooltip, e.g. {row: "output t", col: "source s", value: "A"}.
// causal: a mixing matrix; zeros above the diagonal are left transparent.
// perStep: columns per row step. DeltaProduct writes n_h values per token, so its A is T x (T n_h): its
// columns are drawn n_h times narrower, keeping one token one square.
export function heatmap(canvas, { z, zmax = maxAbs(z), title: heading = "", xlabel = "", ylabel = "", showscale = true,
  hover = { row: "row", col: "col", value: "value" }, causal = false, perStep = 1 }) {
  const { ctx, w, h, th } = setup(canvas);
  const n = z.length;
  const m = n ? z[0].length : 0;
  const steps = m / perStep; // columns in row units
  const margin = { l: 44, r: showscale ? 58 : 8, t: 24, b: 34 };
  // Square cells where the box allows it: a matrix should look like one.
  const cell = Math.max(0.5, Math.min((w - margin.l - margin.r) / steps, (h - margin.t - margin.b) / n));
  const pw = cell * steps;
  const ph = cell * n;
  const x0 = margin.l;
  const y0 = margin.t;

  // More columns than device pixels (a multi-input SSM's T x T H slice: 4096 columns at T = 128, d = 32):
  // only one column per pixel can show, so colour the column nearest each pixel's centre, the one a
  // nearest-neighbour scaling of the whole image would keep, instead of every entry.
  const shown = Math.max(1, Math.min(m, Math.ceil(pw * (window.devicePixelRatio || 1))));
  const column = shown === m ? null
    : Int32Array.from({ length: shown }, (_, j) => Math.min(m - 1, Math.floor(((j + 0.5) * m) / shown)));
  const image = new ImageData(shown, n);
  const LUT = colourTable();
  for (let i = 0; i < n; i++) {
    const row = z[i];
    for (let c = 0; c < shown; c++) {
      const j = column ? column[c] : c;
      const k = colourIndex(row[j], zmax) * 3;
      const p = (i * shown + c) * 4;
      image.data[p] = LUT[k];
      image.data[p + 1] = LUT[k + 1];
      image.data[p + 2] = LUT[k + 2];
      // Causal zeros stay transparent, so the empty triangle reads as "cannot see the future".
      image.data[p + 3] = causal && Math.floor(j / perStep) > i && row[j] === 0 ? 0 : 255;
    }
  }
  const cells = new OffscreenCanvas(shown, n);
  cells.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false; // one sharp block per entry, as in the Plotly heatmaps
  ctx.drawImage(cells, x0, y0, pw, ph);

  title(ctx, th, heading, x0, pw);
  // Ticks at 1-based indices, like the build-time figures (row = output step t, column = source step s).
  for (const [count, along] of [[steps, "x"], [n, "y"]]) {
    const step = Math.max(1, niceStep(count));
    for (let v = step; v <= count; v += step) {
      const c = (v - 0.5) * cell;
      if (along === "x") text(ctx, th, String(v), x0 + c, y0 + ph + 9, { colour: th.muted, size: 10 });
      else text(ctx, th, String(v), x0 - 5, y0 + c, { align: "right", colour: th.muted, size: 10 });
    }
  }
  text(ctx, th, xlabel, x0 + pw / 2, y0 + ph + 25, { size: 11 });
  text(ctx, th, ylabel, 11, y0 + ph / 2, { rotate: -Math.PI / 2 });

  if (showscale) {
    const bx = x0 + pw + 12;
    const bh = Math.min(ph, 240);
    const by = y0 + (ph - bh) / 2;
    const grad = ctx.createLinearGradient(0, by, 0, by + bh);
    for (const [stop, colour] of colourscale()) grad.addColorStop(1 - stop, colour);
    ctx.fillStyle = grad;
    ctx.fillRect(bx, by, 10, bh);
    for (const [v, y] of [[zmax, by], [0, by + bh / 2], [-zmax, by + bh]]) {
      text(ctx, th, fmt(v), bx + 14, y, { align: "left", colour: th.muted, size: 10 });
    }
  }
  canvas.zooHover = { x0, y0, cell, n, m, z, hover, perStep }; // read by the tooltip (see hoverable)
  canvas.dataset.zooZmax = String(zmax);
}

function axes(ctx, th, { x0, y0, pw, ph, n, ymax, xlabel, ylabel }) {
  const step = niceStep(ymax, 4);
  ctx.strokeStyle = th.grid;
  ctx.lineWidth = 1;
  for (let v = 0; v <= ymax * 1.0001; v += step) {
    const y = y0 + ph - (v / ymax) * ph;
    ctx.beginPath();
    ctx.moveTo(x0, Math.round(y) + 0.5);
    ctx.lineTo(x0 + pw, Math.round(y) + 0.5);
    ctx.stroke();
    text(ctx, th, fmt(v), x0 - 5, y, { align: "right", colour: th.muted, size: 10 });
  }
  const xs = Math.max(1, niceStep(n));
  for (let v = xs; v <= n; v += xs) {
    text(ctx, th, String(v), x0 + ((v - 0.5) / n) * pw, y0 + ph + 9, { colour: th.muted, size: 10 });
  }
  text(ctx, th, xlabel, x0 + pw / 2, y0 + ph + 25);
  text(ctx, th, ylabel, 11, y0 + ph / 2, { rotate: -Math.PI / 2 });
}

function range(values) {
  let max = 0;
  for (const v of values) if (Number.isFinite(v)) max = Math.max(max, v);
  return max > 0 ? max * 1.05 : 1;
}

export function lines(canvas, { series, title: heading = "", xlabel = "", ylabel = "" }) {
  const { ctx, w, h, th } = setup(canvas);
  const n = series[0]?.y.length || 0;
  const ymax = range(series.flatMap((s) => Array.from(s.y)));
  const box = { x0: 50, y0: 40, pw: w - 58, ph: h - 74, n, ymax, xlabel, ylabel };
  title(ctx, th, heading, box.x0, box.pw);
  axes(ctx, th, box);
  let lx = box.x0 + box.pw; // legend: one row under the title, right-aligned, entries from the right
  series.forEach((s, k) => {
    ctx.strokeStyle = SERIES[k % SERIES.length];
    ctx.lineWidth = 1.8;
    ctx.beginPath();
    s.y.forEach((v, i) => {
      const x = box.x0 + ((i + 0.5) / n) * box.pw;
      const y = box.y0 + box.ph - (v / ymax) * box.ph;
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
    ctx.font = `11px ${th.font}`;
    const width = ctx.measureText(s.name).width;
    ctx.fillStyle = SERIES[k % SERIES.length];
    ctx.fillRect(lx - width - 22, 27, 16, 2.5);
    text(ctx, th, s.name, lx, 28, { align: "right", size: 11 });
    lx -= width + 34;
  });
  canvas.zooHover = { kind: "lines", box, series };
}

export function bars(canvas, { y, title: heading = "", xlabel = "", ylabel = "" }) {
  const { ctx, w, h, th } = setup(canvas);
  const n = y.length;
  const ymax = range(y);
  const box = { x0: 50, y0: 24, pw: w - 58, ph: h - 58, n, ymax, xlabel, ylabel };
  title(ctx, th, heading, box.x0, box.pw);
  axes(ctx, th, box);
  ctx.fillStyle = colourscale().at(-1)[1];
  const bw = box.pw / n;
  y.forEach((v, i) => {
    const bh = (Math.max(0, v) / ymax) * box.ph;
    ctx.fillRect(box.x0 + i * bw + bw * 0.1, box.y0 + box.ph - bh, bw * 0.8, bh);
  });
  canvas.zooHover = { kind: "bars", box, series: [{ name: "A[t, s]", y }] };
}

// A tooltip that reads the numbers under the pointer (heatmap cell, or the step in a line/bar chart).
export function hoverable(canvas) {
  const tip = document.createElement("div");
  tip.className = "zoo-live__tip";
  tip.hidden = true;
  canvas.after(tip);
  canvas.addEventListener("mouseleave", () => { tip.hidden = true; });
  canvas.addEventListener("mousemove", (event) => {
    const info = canvas.zooHover;
    if (!info) return;
    const rect = canvas.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const y = event.clientY - rect.top;
    let label = "";
    if (info.z) {
      const i = Math.floor((y - info.y0) / info.cell);
      const j = Math.floor(((x - info.x0) / info.cell) * info.perStep);
      const { row, col, value } = info.hover;
      // With several columns per step, name the sub-step too: s=3.2 is step 3, second value.
      const c = info.perStep > 1 ? `${Math.floor(j / info.perStep) + 1}.${(j % info.perStep) + 1}` : `${j + 1}`;
      if (i >= 0 && j >= 0 && i < info.n && j < info.m) label = `${row}=${i + 1}, ${col}=${c}: ${value} = ${fmt(info.z[i][j])}`;
    } else {
      const i = Math.floor(((x - info.box.x0) / info.box.pw) * info.box.n);
      if (i >= 0 && i < info.box.n) label = `t = ${i + 1}: ` + info.series.map((s) => `${s.name} ${fmt(s.y[i])}`).join(", ");
    }
    tip.hidden = !label;
    tip.textContent = label;
    tip.style.left = `${canvas.offsetLeft + x + 12}px`;
    tip.style.top = `${canvas.offsetTop + y + 12}px`;
  });
}
