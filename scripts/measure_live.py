"""Measure live runs in headless Chromium against a local server, and print the figures.

    .venv/bin/python scripts/measure_live.py [--site DIR] [--model ID ...] [--repeats N]

For each model page (default: one per readout family found in the registry):
  cold   time from the click on "Run live" to the first drawn result in a fresh browser context
         (Pyodide + numpy + kernels downloaded, started, first run, figures drawn), and the bytes fetched
  warm   slider-to-redraw latency at T = 128, d = 32: the page's own measure from the input event to the
         redrawn figures (data-zoo-redraw-ms), over N seed changes; the target (issue 4) is < 100 ms
The site is built into a temporary folder unless --site points at a built one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from conftest import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402  (one definition of the browser setup)

SET_AND_WAIT = """async ([name, value]) => {
  const panel = document.querySelector("[data-zoo-live]");
  const input = panel.querySelector(`input[name="${name}"]`);
  const drawn = new Promise((resolve) => panel.addEventListener("zoo-live-drawn", resolve, { once: true }));
  input.value = String(value);
  input.dispatchEvent(new Event("input", { bubbles: true }));
  await drawn;
  const ds = panel.dataset;
  return [Number(ds.zooRedrawMs), Number(ds.zooPythonMs), Number(ds.zooRoundTripMs), Number(ds.zooDrawMs)];
}"""


def pick_models(requested: list[str]) -> list[str]:
    if requested:
        return requested
    from zoo import registry

    reg = registry.load()
    picks = []
    for readout in reg.taxonomy.readouts:
        family = [m for m in reg.models if m.readout == readout]
        with_state = [
            m for m in family if "none" not in m.decay
        ] or family  # a model with some decay shows more
        if with_state:
            picks.append(with_state[0].id)
    return picks


def measure(browser, url: str, model: str, repeats: int) -> dict:
    context = browser.new_context(viewport={"width": 1360, "height": 900})  # fresh: empty HTTP cache
    page = context.new_page()
    fetched = []
    page.on("requestfinished", lambda req: fetched.append(req.sizes()["responseBodySize"]))
    page.goto(f"{url}models/{model}/")
    page.wait_for_selector("[data-zoo-live] [data-zoo-live-start]")
    before = sum(fetched)
    t0 = time.perf_counter()
    page.click("[data-zoo-live] [data-zoo-live-start]")
    page.wait_for_selector(
        "[data-zoo-live][data-zoo-checksum], [data-zoo-live][data-zoo-live-status=failed]", timeout=120_000
    )
    cold = time.perf_counter() - t0
    panel = page.query_selector("[data-zoo-live]")
    if panel.get_attribute("data-zoo-live-status") == "failed":
        raise SystemExit(f"{model}: live run failed: {page.inner_text('.zoo-live__status')}")
    state = page.evaluate("() => ({...window.__zooLive.state})")
    page.wait_for_timeout(500)  # let late requests (figures, fonts) finish before counting bytes
    bytes_fetched = sum(fetched) - before

    page.evaluate(SET_AND_WAIT, ["T", 128])
    page.evaluate(SET_AND_WAIT, ["d", 32])  # warm-up at the target size: first numpy paths, Plotly traces
    splits = [page.evaluate(SET_AND_WAIT, ["seed", s]) for s in range(1, repeats + 1)]
    latencies = [s[0] for s in splits]
    run = page.get_attribute("[data-zoo-live]", "data-zoo-run")
    context.close()
    return {
        "model": model,
        "cold_s": cold,
        "start_s": state["ms"] / 1000,
        "worker_bytes": state["loaded"],
        "page_bytes": bytes_fetched,
        "latencies": latencies,
        "run": run,
        # medians of: Python in the worker, input to result back on the page, Plotly drawing
        "python_ms": statistics.median(s[1] for s in splits),
        "roundtrip_ms": statistics.median(s[2] for s in splits),
        "draw_ms": statistics.median(s[3] for s in splits),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--site", type=Path, help="a built site (default: build one into a temporary folder)")
    parser.add_argument("--model", action="append", default=[], help="model id (repeatable)")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="zoo-measure-") as tmp:
        site = args.site
        if site is None:
            from zoo.sitegen.build import build

            site = build(Path(tmp) / "site").out
        url, server = serve(site)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                print(f"site {site}, Chromium {browser.version}, headless, local server {url}")
                for model in pick_models(args.model):
                    r = measure(browser, url, model, args.repeats)
                    lat = sorted(r["latencies"])
                    p90 = lat[min(len(lat) - 1, int(0.9 * len(lat)))]
                    mb = (r["worker_bytes"] / 1e6, r["page_bytes"] / 1e6)
                    verdict = "meets" if p90 < 100 else "MISSES"
                    print(
                        f"{r['model']}: cold click-to-first-result {r['cold_s']:.2f} s "
                        f"(Pyodide+numpy+kernels ready in {r['start_s']:.2f} s); "
                        f"{mb[0]:.2f} MB through the worker, {mb[1]:.2f} MB fetched after the click"
                    )
                    print(
                        f"{r['model']}: warm slider-to-redraw at T=128, d=32: median "
                        f"{statistics.median(lat):.1f} ms, p90 {p90:.1f} ms, max {lat[-1]:.1f} ms "
                        f"over {len(lat)} seed changes ({verdict} the 100 ms target); medians: "
                        f"Python {r['python_ms']:.1f} ms, input to result {r['roundtrip_ms']:.1f} ms, "
                        f"drawing {r['draw_ms']:.1f} ms"
                    )
                browser.close()
        finally:
            server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
