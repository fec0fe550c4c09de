// Live runs: the panel on each model page and the compare page. Registered in zoo.js's MODULES.
// Nothing heavy happens here: Pyodide starts only when a reader presses "Run live" (see runtime.js).
import * as compare from "./compare.js";
import * as panel from "./panel.js";

export const name = "live";

// The panel's styles travel with its code, so the live feature stays one folder. Added once per tab
// (instant navigation keeps <head>), unless mkdocs.yml's extra_css already links them (link.href is absolute).
function addStyles() {
  const href = new URL("./live.css", import.meta.url).href;
  if ([...document.querySelectorAll('link[rel="stylesheet"]')].some((link) => link.href === href)) return;
  document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href }));
}

export function init(root) {
  if (!root.querySelector("[data-zoo-live], [data-zoo-compare]")) return;
  addStyles();
  panel.init(root);
  compare.init(root);
}
