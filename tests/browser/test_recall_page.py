"""The Recall page as a reader on a phone meets it: every chart drawn inside the 390 px column and nothing
scrolling sideways; the palette toggle recolours the charts and keeps their axes; a typed value off the range
is refused with a sentence; and changing a control redraws: another model at its defaults from the build's
figures, a new seed live in Pyodide, with the numbers CPython gives."""

import json

import pytest
from playwright.sync_api import expect
from test_charts import (
    AXES,
    BOXES,
    CENTRES,
    PHONE,
    RENDER_ALL,
    assert_heatmaps_centred,
    scheme_of,
    toggle_palette,
)

from kernels_wasm import _recall_figures
from zoo.chromium import open_page
from zoo.sitegen.chart_style import COLORSCALES, SERIES

STATE = "document.querySelector('[data-zoo-recall]').dataset.zooRecallState"
SIM = "document.querySelector('[data-zoo-recall-fig=similarity]')"
# What each live figure was drawn with: its traces' numbers and its axes' ranges as passed to Plotly.
DRAWN = """() => Object.fromEntries([...document.querySelectorAll('[data-zoo-recall-fig]')].map((el) => [
  el.dataset.zooRecallFig,
  { data: el.data.map((t) => ({ x: t.x ?? null, y: t.y ?? null, z: t.z ?? null })),
    ranges: Object.fromEntries(Object.keys(el.layout).filter((k) => /^[xy]axis\\d*$/.test(k))
      .map((k) => [k, el.layout[k].range ?? null])) }]))"""


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
    # d_k is written as the site writes it (a subscript k) in every title and label; the overwrite bars lie
    # flat, so their model names read level rather than tilted into the legend
    text = page.evaluate(
        """[...document.querySelectorAll('.js-plotly-plot')].flatMap((el) =>
             [el.layout.title?.text ?? '', ...(el.layout.annotations ?? []).map((a) => a.text)])"""
    )
    assert not [t for t in text if "d_k" in t] and any("d<sub>k</sub>" in t for t in text), text
    assert page.evaluate("document.querySelector('[data-zoo-fig*=overwrite]').data[0].orientation") == "h"

    before = page.evaluate(AXES)
    assert scheme_of(page) == "light"
    assert_heatmaps_centred(page, "recall/")
    toggle_palette(page)
    after = page.evaluate(AXES)
    for b, a in zip(before, after, strict=True):
        assert a["axes"] == b["axes"], f"{b['name']} changed its axes when the palette flipped"
        assert a["ink"] != b["ink"], f"{b['name']} kept the old palette's text colour"
    # the similarity matrix too, and (below) every later redraw of it, from the build's figures or Python's
    assert scheme_of(page) == "dark" and any(h["name"] == "similarity" for h in page.evaluate(CENTRES))
    assert_heatmaps_centred(page, "recall/")

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
    assert_heatmaps_centred(page, "recall/")

    # A new seed: the same Python in Pyodide, the same numbers as CPython.
    page.fill("input[name=seed]", "3")
    page.dispatch_event("input[name=seed]", "change")
    page.wait_for_function(f"['live', 'failed'].includes({STATE})", timeout=180_000)
    status = page.inner_text("[data-zoo-recall-status]")
    drawn = page.evaluate(DRAWN)
    assert_heatmaps_centred(page, "recall/")
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
        "style": {"series": SERIES, "colorscale": COLORSCALES["light"]},
    }
    figures = json.loads(_recall_figures.live(json.dumps(args)))
    want = figures["summary"]
    assert f"{round(100 * want['accuracy'])}% of reads" in status, status
    assert f"error {want['error']:.2f}" in status, status
    # every drawn number, curves over N included (a second request), is CPython's, and so are the axes
    assert set(drawn) == {"curves", "forgetting", "similarity"}
    for name, traces in drawn.items():
        fig = figures[name]
        assert traces["data"] == [{k: t.get(k) for k in ("x", "y", "z")} for t in fig["data"]], name
        named = {k: v["range"] for k, v in fig["layout"].items() if k[1:5] == "axis" and "range" in v}
        assert {k: traces["ranges"].get(k) for k in named} == named, name


@pytest.mark.parametrize(
    ("path", "table", "first", "last"),
    [
        ("recall/", "[data-zoo-mqar-glance]", ["model", "family"], None),
        ("recall/", "[data-zoo-mqar-table]", ["model", "d", "pairs", "accuracy"], "accuracy"),
        ("models/nope/", "[data-zoo-mqar]", ["d", "pairs", "accuracy"], "accuracy"),
    ],
)
def test_trained_points_show_width_pairs_and_accuracy_on_a_phone(
    phone_page, site_url, path, table, first, last
):
    """On a phone a trained-points table scrolls inside its box, and its first screen holds the width, the
    pairs and the accuracy (header cells at Material's 5rem minimum once pushed accuracy out); the Recall
    page's table of every model at every point shows the first point's accuracies beside the names. Its
    table of each point's run is folded away until the reader opens it."""
    page = phone_page
    page.goto(site_url + path)
    box = page.locator(table)
    if not box.count():
        assert "not on this site yet" in page.inner_text("article")
        return
    folded = page.locator(f"details:has({table})")
    if folded.count():
        assert not box.is_visible()
        folded.locator("summary").click()
        expect(box).to_be_visible()
    edges = box.evaluate(
        """(el) => ({ right: el.getBoundingClientRect().right,
                      heads: [...el.querySelectorAll('th')].map((th) => [th.textContent.trim(),
                                                                          th.getBoundingClientRect().right]),
                      wraps: [...el.querySelectorAll('tbody tr')].slice(0, 5).map((tr) =>
                               [...tr.cells].some((td) => {  // more than one line box: the text wrapped
                                 const r = document.createRange();
                                 r.selectNodeContents(td);
                                 const tops = [...r.getClientRects()].map((b) => Math.round(b.top));
                                 return new Set(tops).size > 1;
                               })) })"""
    )
    heads = dict(edges["heads"])
    assert list(heads)[: len(first)] == first
    last = last or edges["heads"][len(first)][0]  # the first point's column
    assert heads[last] <= edges["right"] + 1, edges
    assert not any(edges["wraps"]), "a cell wraps onto a second line"
    assert page.evaluate("document.scrollingElement.scrollWidth - innerWidth") <= 0
