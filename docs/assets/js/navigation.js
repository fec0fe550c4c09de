// Instant navigation at any address.
//
// Material's instant navigation takes over a click only when the link is a page listed in sitemap.xml. It
// reads each <loc> as an absolute URL and swaps in the protocol and host name of the current address, but keeps
// the port and the path it was built with; a build without a site URL has an empty sitemap. Served anywhere
// else (another port, a GitHub Pages project path) no link matches: every click reloads the page, and a live
// run's Pyodide worker starts again on each model page.
//
// This module fills that gap without touching Material: it reads the build's list of pages
// (assets/data/pages.json, paths from the site root, see zoo/sitegen/anywhere.py), places them under the
// address the site is actually served from, and hands a click on one of them to Material's own router
// (window.location$, the subject Material's click handler feeds), in the same order as Material does: remember
// the scroll offset, push the new history entry, then emit the URL. Material fetches the page, swaps the body,
// emits on document$ and handles back and forward itself. Where Material already took the click (a deployment
// served at its --site-url), event.defaultPrevented is set and nothing happens here.

import { SITE } from "./site.js";

let pages = null; // filled once the page list has arrived; until then clicks load pages the ordinary way

// The page a click should open through Material's router, or null to leave the click to the browser.
function target(event) {
  if (!pages || event.defaultPrevented || event.button !== 0) return null;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return null;
  const a = event.target instanceof Element ? event.target.closest("a[href]") : null;
  if (!a || (a.target && a.target !== "_self") || a.hasAttribute("download")) return null;
  const url = new URL(a.href);
  const page = new URL(url);
  page.search = "";
  page.hash = "";
  if (url.origin !== location.origin || !pages.has(page.href)) return null;
  // The same page: an anchor or a reload, which the browser does without leaving the page's state behind.
  if (url.pathname === location.pathname && url.search === location.search) return null;
  return url;
}

// Whether mkdocs.yml turns Material's instant navigation on (its router exists either way).
function instantNavigation() {
  try {
    return JSON.parse(document.getElementById("__config").textContent).features.includes("navigation.instant");
  } catch {
    return false;
  }
}

function start() {
  if (!window.location$ || location.protocol === "file:" || !instantNavigation()) return;
  fetch(new URL("assets/data/pages.json", SITE))
    .then((response) => (response.ok ? response.json() : { pages: [] }))
    .then((list) => { pages = new Set(list.pages.map((path) => new URL(path, SITE).href)); })
    .catch(() => { pages = null; });
  // On document, so that Material's handler on document.body has seen the click first.
  document.addEventListener("click", (event) => {
    const url = target(event);
    if (!url) return;
    event.preventDefault();
    history.replaceState({ x: scrollX, y: scrollY }, ""); // where "back" returns to (Material reads .y)
    history.pushState(null, "", url);
    window.location$.next(url);
  });
}

if (typeof document !== "undefined" && typeof window !== "undefined") start();
