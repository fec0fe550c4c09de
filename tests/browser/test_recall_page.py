"""The Recall page as a reader on a phone meets it: every chart drawn inside the 390 px column and nothing
scrolling sideways; the palette toggle recolours the charts and keeps their axes; a typed value off the range
is refused with a sentence; and changing a control redraws: another model at its defaults from the build's
figures, a new seed live in Pyodide, with the numbers CPython gives."""

import json

from test_charts import AXES, BOXES, PHONE, RENDER_ALL

from kernels_wasm import _recall_figures
from zoo.chromium import open_page
from zoo.sitegen.chart_style import COLORSCALE, SERIES

STATE = "document.querySelector('[data-zoo-recall]').dataset.zooRecallState"
SIM = "document.querySelector('[data-zoo-recall-fig=similarity]')"


def test_recall_page_fits_a_phone_follows_the_palette_and_redraws(browser, site_url):
    page, problems = open_page(browser, viewport=PHONE)
    page.goto(site_url + "recall/")
    page.wait_for_function(f"{STATE} === 'build'", timeout=60_000)
    assert page.evaluate(RENDER_ALL) == 0, "some figures never rendered"
    figs = page.evaluate(BOXES)
    assert len(figs) >= 7, f"expected the page's four figures and the live section's three, got {len(figs)}"
    for f in figs:
        box, col = f["box"], f["col"]
        assert box["width"] >= col["width"] - 40 and box["right"] <= col["right"] + 1, f"{f['name']}: {box}"
    wide = page.evaluate("document.scrollingElement.scrollWidth - innerWidth")
    assert wide <= 0, f"the page scrolls sideways by {wide} px"

    before = page.evaluate(AXES)
    page.locator("form[data-md-component='palette'] label:visible").first.click()
    page.wait_for_timeout(800)
    after = page.evaluate(AXES)
    for b, a in zip(before, after, strict=True):
        assert a["axes"] == b["axes"], f"{b['name']} changed its axes when the palette flipped"
        assert a["ink"] != b["ink"], f"{b['name']} kept the old palette's text colour"

    # A value off the range: a sentence, the figures stay as they were.
    old = page.evaluate(f"JSON.stringify({SIM}.data[0].z)")
    page.fill("input[name=N]", "0")
    page.dispatch_event("input[name=N]", "change")
    page.wait_for_function(f"{STATE} === 'invalid'")
    assert "N pairs must be a whole number from 1 to 32" in page.inner_text("[data-zoo-recall-status]")
    page.fill("input[name=N]", "8")

    # Another model at its defaults: the build's figures for it, no Python needed.
    page.select_option("select[name=model]", "deltanet")
    page.wait_for_function(f"{STATE} === 'build' && JSON.stringify({SIM}.data[0].z) !== {json.dumps(old)}")
    assert "DeltaNet" in page.inner_text("[data-zoo-recall-status]")

    # A new seed: the same Python in Pyodide, the same numbers as CPython.
    page.fill("input[name=seed]", "3")
    page.dispatch_event("input[name=seed]", "change")
    page.wait_for_function(f"['live', 'failed'].includes({STATE})", timeout=180_000)
    status = page.inner_text("[data-zoo-recall-status]")
    page.context.close()
    problems.check()
    args = {
        "module": "deltanet",
        "d": 8,
        "seed": 3,
        "params": {"beta": 0.5},
        "N": 8,
        "geometry": "random",
        "correlation": 0,
        "distractors": 0,
        "repeat": False,
        "unit_keys": True,
        "style": {"series": SERIES, "colorscale": COLORSCALE},
    }
    want = json.loads(_recall_figures.live(json.dumps(args)))["summary"]
    assert f"{round(100 * want['accuracy'])}% of reads" in status, status
    assert f"error {want['error']:.2f}" in status, status
