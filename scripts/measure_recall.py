"""Measure the Recall page's live redraws in headless Chromium with Pyodide, per control, at the default size.

    .venv/bin/python scripts/measure_recall.py [--site DIR [--site DIR2]] [--repeats N] [--only CONTROL]

The site is served the way tests serve it, at an address it was not built for (a random port, under a
sub-path). After one live run to start Pyodide and warm numpy, every control of the live recall form is
changed in turn, round-robin (so the controls share whatever else the machine is doing), and the page's own
measures are read after each redraw (docs/assets/js/recall.js):

  redraw   input event to the last figure redrawn (data-zoo-redraw-ms); goal: median < 100 ms
  Python   the worker's time in kernels_wasm/_recall_figures.py live(), the read at N and the sweep over N
  at       when each answer reached the page (Python + queue + transfer); the rest is Plotly's drawing

The model is linear attention (the page's default) at d = 8, N = 8, except for the control that changes the
model's own parameter, which runs DeltaNet (beta). A value that lands back on the build's defaults would
draw the build's figures, not run live, so the seed stays off 0 throughout.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUB_PATH = "/zoo-sub/"
sys.path.insert(0, str(ROOT))

from zoo.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (the browser setup the tests use)
from zoo.serve import serve_in_thread  # noqa: E402  (the server the tests use)

GOAL_MS = 100.0
NO_TIMEOUT = "?zoo-live-timeout-ms=600000"  # docs/assets/js/live/runtime.js: a measure, not a timeout test
BOX = "[data-zoo-recall]"
STATE_IS = "document.querySelector('[data-zoo-recall]').dataset.zooRecallState === '{}'"

# Set one form control, wait for the redraw (or a refusal) and return the box's measures.
SET_AND_WAIT = """async ([name, value]) => {
  const box = document.querySelector("[data-zoo-recall]");
  const form = box.querySelector("[data-zoo-recall-form]");
  const input = form.elements[name];
  const drawn = new Promise((resolve) => box.addEventListener("zoo-recall-drawn", resolve, { once: true }));
  if (input.type === "checkbox") input.checked = Boolean(value); else input.value = String(value);
  input.dispatchEvent(new Event("change", { bubbles: true }));
  const failed = new Promise((resolve) => {
    const poll = setInterval(() => {
      if (!["failed", "invalid", "build"].includes(box.dataset.zooRecallState)) return;
      clearInterval(poll);
      resolve();
    }, 20);
    drawn.then(() => clearInterval(poll));
  });
  await Promise.race([drawn, failed]);
  const ds = box.dataset;
  if (ds.zooRecallState !== "live") return { state: ds.zooRecallState,
    status: box.querySelector("[data-zoo-recall-status]").textContent };
  return { state: "live", redraw: Number(ds.zooRedrawMs), python: Number(ds.zooRecallMs),
    draw: Number(ds.zooDrawMs), readAt: Number(ds.zooRecallReadAt), readPy: Number(ds.zooRecallReadPythonMs),
    sweepAt: ds.zooRecallSweepAt ? Number(ds.zooRecallSweepAt) : null,
    sweepPy: ds.zooRecallSweepPythonMs ? Number(ds.zooRecallSweepPythonMs) : null };
}"""

# control -> (form field, values cycled through); each value differs from the one before it.
CONTROLS = {
    "seed": ("seed", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    "N": ("N", [5, 6, 7, 9, 10, 11]),
    "d": ("d", [7, 8]),
    "geometry": ("geometry", ["orthogonal", "random"]),
    "correlation": ("correlation", [0.2, 0]),
    "distractors": ("distractors", [8, 0]),
    "repeat": ("repeat", [True, False]),
}
PARAM = ("deltanet", "param-beta", [0.3, 0.5])  # a model's own parameter: DeltaNet's beta


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def measure(page, field: str, value) -> dict:
    out = page.evaluate(SET_AND_WAIT, [field, value])
    if out["state"] != "live":
        raise SystemExit(f"{field} = {value}: {out['state']}: {out['status']}")
    return out


def report(name: str, runs: list[dict]) -> bool:
    lat = [r["redraw"] for r in runs]
    med = statistics.median(lat)

    def m(key):
        vals = [r[key] for r in runs if r[key] is not None]
        return f"{statistics.median(vals):.1f}" if vals else "-"

    print(
        f"  {name:12s} redraw median {med:6.1f} ms, p90 {p90(lat):6.1f} ms over {len(lat)} "
        f"({'meets' if med < GOAL_MS else 'MISSES'} < {GOAL_MS:g} ms); Python read {m('readPy')}, "
        f"sweep {m('sweepPy')}; read at {m('readAt')}, sweep at {m('sweepAt')}; drawing {m('draw')}"
    )
    return med < GOAL_MS


def open_recall(browser, url: str):
    """The Recall page in a fresh tab, Pyodide started and warmed by three live runs."""
    page = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
    page.goto(f"{url}recall/{NO_TIMEOUT}")
    page.wait_for_function(STATE_IS.format("build"), timeout=60_000)
    page.locator(BOX).scroll_into_view_if_needed()
    for s in (1, 2, 3):  # start Pyodide, then warm numpy's paths and Plotly's canvases
        measure(page, "seed", s)
    return page


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--site",
        type=Path,
        action="append",
        default=[],
        help="a built site (default: build one); give two to compare them, measured in turn under one load",
    )
    parser.add_argument("--repeats", type=int, default=20, help="changes per control")
    parser.add_argument("--only", action="append", default=[], help="measure only these controls")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    controls = {k: v for k, v in CONTROLS.items() if not args.only or k in args.only}
    with_param = not args.only or "parameter" in args.only
    with tempfile.TemporaryDirectory(prefix="zoo-measure-") as tmp:
        sites = args.site
        if not sites:
            from zoo.sitegen.build import build

            sites = [build(Path(tmp) / "site").out]
        served = [serve_in_thread(site, sub_path=SUB_PATH) for site in sites]
        runs = [{**{k: [] for k in controls}, "parameter": []} for _ in sites]
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                print(f"Chromium {browser.version}, headless; sites: {', '.join(map(str, sites))}")
                pages = [open_recall(browser, url) for url, _ in served]
                for i in range(args.repeats):
                    for name, (field, values) in controls.items():
                        for page, run in zip(pages, runs, strict=True):
                            run[name].append(measure(page, field, values[i % len(values)]))
                if with_param:
                    for page in pages:
                        page.select_option("select[name=model]", PARAM[0])
                        page.wait_for_function(STATE_IS.format("live"))
                    for i in range(args.repeats):
                        for page, run in zip(pages, runs, strict=True):
                            run["parameter"].append(measure(page, PARAM[1], PARAM[2][i % len(PARAM[2])]))
                browser.close()
        finally:
            for _, server in served:
                server.shutdown()
    for site, run in zip(sites, runs, strict=True):
        print(f"{site}:")
        ok = [report(name, r) for name, r in run.items() if r]
        print(f"  {sum(ok)} of {len(ok)} controls redraw in a median under {GOAL_MS:g} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
