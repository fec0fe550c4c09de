"""Measure the home page as a reader's browser gets it, and print the figures the redesign is held to.

    .venv/bin/python scripts/measure_home.py [--site DIR] [--repeats N] [--models N]

The site is served from a free port (not the build-time address) and opened in headless Chromium.
  height     page height with every model shown, at 1400x1000 (desktop) and 390x844 (phone), in pixels
             and in screens of that viewport; for each view (cards, table) the page offers
  dom        element count of the page after start-up (document.getElementsByTagName('*'))
  html       bytes of index.html as served
  latency    input to next paint, median and p90: a filter-chip click, and a keystroke in the search
             box. Measured in the page: a capturing listener notes the event's time stamp and, after the
             next animation frame, the time once that frame has been painted (a task queued from rAF).
Goals (issue 13): <= 6 desktop screens, <= 20 phone screens, <= 6,000 elements, latencies < 50 ms median.
The site is built into a temporary folder unless --site points at a built one. --models N builds it from a
registry copy padded to N models with copies of existing ones (new ids), to see the page as it will be.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Not the build-time address: a free port and a sub-path, as the browser tests serve the site.
SUB_PATH = "/zoo-sub/"
sys.path.insert(0, str(ROOT))

from zoo.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (the browser setup the tests use)
from zoo.serve import serve_in_thread  # noqa: E402  (the server the tests use)

DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}

# Installed before the page's own scripts, so this capturing listener runs before any handler.
PROBE = """
window.__paint = [];
for (const type of ["click", "input"]) {
  document.addEventListener(type, (event) => {
    const start = event.timeStamp;
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => window.__paint.push([type, performance.now() - start]);
      channel.port2.postMessage(null);
    });
  }, true);
}
"""


def settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_function("document.fonts.status === 'loaded'")
    page.wait_for_timeout(500)


def height(page) -> int:
    return page.evaluate("Math.ceil(document.documentElement.scrollHeight)")


def views(page) -> list[str]:
    """The view switch's values (cards, table), or [''] on a page without one."""
    return page.eval_on_selector_all(
        "[data-zoo-view] button[data-view]", "els => els.map(e => e.dataset.view)"
    ) or [""]


def show_view(page, view: str) -> None:
    if view:
        page.click(f"[data-zoo-view] button[data-view='{view}']")
        page.wait_for_timeout(300)


def chips(page) -> list[str]:
    """Selectors of the enabled filter chips, in page order."""
    return page.eval_on_selector_all(
        "[data-zoo-filters] button[data-facet]",
        "els => els.map(e => `[data-zoo-filters] button[data-facet='${e.dataset.facet}']"
        "[data-value='${e.dataset.value}']`)",
    )


def take(page, kind: str) -> list[float]:
    values = page.evaluate("kind => window.__paint.filter(([t]) => t === kind).map(([, ms]) => ms)", kind)
    page.evaluate("window.__paint = []")
    return values


def measure_latency(page, repeats: int) -> tuple[list[float], list[float]]:
    page.evaluate("window.__paint = []")
    for _ in range(repeats):
        for selector in chips(page):
            button = page.locator(selector)
            if button.is_disabled():
                continue
            button.click()
            page.wait_for_timeout(60)  # let the frame paint and the probe report before the next click
            multi = button.evaluate("b => Boolean(b.closest('[data-zoo-multi]'))")
            if multi and button.get_attribute("aria-pressed") == "true":
                button.click()  # a multi facet's chips (decay) add up: undo, so later chips stay enabled
                page.wait_for_timeout(60)
    clicks = take(page, "click")
    box = page.locator("[data-zoo-filters] input[type=search]")
    for _ in range(repeats):
        box.click()
        for word in ("delta", "mamba", "yang"):
            for char in word:
                page.keyboard.press(char)
                page.wait_for_timeout(60)
            for _ in word:
                page.keyboard.press("Backspace")
                page.wait_for_timeout(60)
    keys = take(page, "input")
    return clicks, keys


def stats(values: list[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered):6.1f} ms   p90 {p90:6.1f} ms   (n={len(ordered)})"


def padded_registry(n: int, folder: Path) -> Path:
    """A copy of models.yaml with copies of its models (ids and names made unique) up to ``n`` models."""
    import copy

    import yaml

    data = yaml.safe_load((ROOT / "models.yaml").read_text(encoding="utf-8"))
    models = data["models"]
    pool = [m for m in models if not m.get("outside_skeleton")]
    for i in range(max(0, n - len(models))):
        twin = copy.deepcopy(pool[i % len(pool)])
        twin["id"], twin["name"] = f"{twin['id']}-copy{i + 1}", f"{twin['name']} copy {i + 1}"
        models.append(twin)
    path = folder / "models.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--models", type=int, default=None, help="pad the registry to this many models")
    args = parser.parse_args()
    site = args.site
    if site is None:
        from zoo.sitegen.build import build

        folder = Path(tempfile.mkdtemp())
        registry = padded_registry(args.models, folder) if args.models else None
        site = folder / "site"
        print(build(site, registry_path=registry).summary())
    html = (site / "index.html").stat().st_size

    from playwright.sync_api import sync_playwright

    url, server = serve_in_thread(site, sub_path=SUB_PATH)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            rows = []
            for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                context = browser.new_context(viewport=viewport)
                page = context.new_page()
                page.goto(url)
                settle(page)
                for view in views(page):
                    show_view(page, view)
                    h = height(page)
                    shown = page.eval_on_selector_all(
                        "[data-zoo-card], [data-zoo-row]",
                        "els => els.filter(e => e.checkVisibility()).length",
                    )
                    rows.append((label, viewport, view or "page", h, shown))
                context.close()

            context = browser.new_context(viewport=DESKTOP)
            context.add_init_script(PROBE)
            page = context.new_page()
            page.goto(url)
            settle(page)
            dom = page.evaluate("document.getElementsByTagName('*').length")
            clicks, keys = measure_latency(page, args.repeats)
            context.close()
            browser.close()
    finally:
        server.shutdown()

    print(f"home page served at {url} (built for another address)")
    for label, viewport, view, h, shown in rows:
        size = f"{viewport['width']}x{viewport['height']}"
        screens = h / viewport["height"]
        print(
            f"height   {label:8} {size:9} {view:6} {h:6d} px = {screens:4.1f} screens ({shown} models shown)"
        )
    print(f"dom      {dom} elements")
    print(f"html     {html:,} bytes ({html / 1e6:.2f} MB)")
    print(f"click    {stats(clicks)}   filter chip click to next paint")
    print(f"keys     {stats(keys)}   search keystroke to next paint")
    return 0


if __name__ == "__main__":
    sys.exit(main())
