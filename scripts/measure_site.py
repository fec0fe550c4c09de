"""Print what the site costs: build time, site size, and page weight as a reader's browser loads it.

    .venv/bin/python scripts/measure_site.py            # builds into a temp folder, then measures
    .venv/bin/python scripts/measure_site.py --site DIR # measures an existing build

Page weight is the sum of response bodies the browser fetched for a first visit (cold cache), after the
page settled, including lazily loaded figures that are on screen; gzip size is what a compressing server
would send.
"""

import argparse
import gzip
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Not the build-time address: a free port and a sub-path, as the browser tests serve the site.
SUB_PATH = "/zoo-sub/"
sys.path.insert(0, str(ROOT))

PAGES = ["", "models/gated-deltanet/", "models/transformer/", "unified/", "benchmarks/", "hybrids/"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--site", type=Path, default=None)
    args = parser.parse_args()
    site = args.site
    if site is None:
        from zoo.sitegen.build import build

        site = Path(tempfile.mkdtemp()) / "site"
        start = time.perf_counter()
        report = build(site)
        print(f"build: {time.perf_counter() - start:.1f} s ({report.summary()})")
    files = [p for p in site.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    print(f"site: {len(files)} files, {total / 1e6:.1f} MB on disk")

    from playwright.sync_api import sync_playwright

    from zoo.chromium import CHROMIUM, CHROMIUM_ARGS, open_page
    from zoo.serve import serve_in_thread

    url, server = serve_in_thread(site, sub_path=SUB_PATH)
    print(f"{'page':32} {'requests':>8} {'bytes':>10} {'gzip':>10}  largest")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in PAGES:
            page, problems = open_page(browser)
            responses = []
            page.on("response", lambda r, seen=responses: seen.append(r))
            page.goto(url + path, wait_until="networkidle")
            page.wait_for_timeout(3000)  # lazy figures and the graph's Plotly bundle
            # Bodies are read after the page settled: reading them inside the event handler drops some.
            bodies = {r.url: r.body() for r in responses if r.ok}
            raw = sum(len(b) for b in bodies.values())
            packed = sum(len(gzip.compress(b, 6)) for b in bodies.values())
            largest = max(bodies, key=lambda k: len(bodies[k])) if bodies else ""
            print(
                f"/{path:31} {len(bodies):8d} {raw / 1e3:9.0f}K {packed / 1e3:9.0f}K  "
                f"{largest.replace(url, '/')} ({len(bodies.get(largest, b'')) / 1e3:.0f}K)"
            )
            page.context.close()
        browser.close()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
