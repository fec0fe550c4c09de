// The one entry point. Material re-renders the page body on every instant navigation and emits on
// `document$`; each feature module then wires the `[data-zoo-*]` elements it finds in the new body.
import * as figures from "./figures.js";
import * as filters from "./filters.js";
import * as lineage from "./lineage.js";
import * as tables from "./tables.js";
import * as scroll from "./scroll.js";
import * as live from "./live/index.js";
import * as calculator from "./calculator.js";
import * as recall from "./recall.js";
import * as a11y from "./a11y.js";
import "./navigation.js"; // once per tab: instant navigation at whatever address serves the site

const MODULES = [figures, filters, tables, scroll, lineage, live, recall, calculator, a11y];

function start() {
  for (const mod of MODULES) {
    try {
      mod.init(document.body);
    } catch (err) {
      console.error(`zoo: ${mod.name || "module"} failed to start`, err);
    }
  }
  // Every module has wired this body: what a test (or a reader's tool) then sees is the page as set up.
  document.body.dataset.zooReady = "";
}

if (window.document$) {
  window.document$.subscribe(start);
} else {
  document.addEventListener("DOMContentLoaded", start);
}
