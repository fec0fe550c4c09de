"""What a reader sees of the Plotly charts, on a desktop and a 390 px phone: every figure fits its content
column and none overlaps another; flipping the palette with Material's toggle recolours the charts but keeps
every axis as it was (log stays log, titles, direction, tick labels); no page scrolls sideways on a phone.

The sample covers every kind of Plotly chart: the build-time live figures and GPU curve of model pages, the
Benchmarks page, the memory calculator on the Hybrids page, and the Recall page's trained MQAR figures (on
the variant site, which has a result file). (The lineage graph is SVG and HTML coloured by
CSS variables; tests/browser/test_lineage.py checks its years survive the toggle.)"""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from zoo.chromium import open_page
from zoo.sitegen.chart_style import COLORSCALES, SCHEMES

PAGES = ["models/mamba-2/", "models/transformer/", "models/deltanet/", "benchmarks/", "hybrids/"]
DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}

# Bring each figure not yet drawn (build-time figures and the memory calculator's chart) into view, as a
# reader scrolling to it would, and wait for it to draw. (A single sweep down the page is not enough on a
# loaded machine: a scroll step can pass a figure between two frames, so its IntersectionObserver never
# sees it.)
RENDER_ALL = """async () => {
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  const done = (el) => el.dataset.zooRendered === 'true' || el.classList.contains('zoo-fig--error');
  const pending = () => [...document.querySelectorAll('[data-zoo-fig], [data-calc="chart"]')]
    .filter((el) => !done(el));
  for (let round = 0; round < 3 && pending().length; round++) {
    for (const el of pending()) {
      el.scrollIntoView({ block: 'center' });
      for (let i = 0; i < 400 && !done(el); i++) await wait(50);
    }
  }
  await wait(300);
  scrollTo(0, 0);
  return pending().length;
}"""

# Each drawn figure's box (its svg, or the scrolling box that holds it) against the content column.
BOXES = """() => [...document.querySelectorAll('.js-plotly-plot')].map((el) => {
  const svg = el.querySelector('svg.main-svg');
  let box = svg.getBoundingClientRect();
  for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    const scrolls = ['auto', 'scroll'].includes(getComputedStyle(p).overflowX);
    if (scrolls) { box = p.getBoundingClientRect(); break; }
  }
  const col = el.closest('.md-content__inner').getBoundingClientRect();
  const r = (b) => ({ left: b.left, right: b.right, top: b.top + scrollY, bottom: b.bottom + scrollY,
                      width: b.width, height: b.height });
  return { name: el.dataset.zooFig || el.className, box: r(box), col: r(col) };
})"""


def _open(browser, site_url, path, viewport, scheme="light"):
    page, problems = open_page(browser, viewport=viewport, color_scheme=scheme)
    page.goto(site_url + path)
    assert page.evaluate(RENDER_ALL) == 0, "some figures never rendered"
    return page, problems


def _overlap(a, b) -> bool:
    dx = min(a["right"], b["right"]) - max(a["left"], b["left"])
    dy = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    return dx > 2 and dy > 2


def assert_figures_fit(path, figs):
    """Every figure fits its content column and none overlaps another."""
    assert figs, f"/{path}: no Plotly figure drawn"
    for f in figs:
        box, col = f["box"], f["col"]
        assert box["width"] >= min(240, col["width"] - 20), f"/{path}: {f['name']} collapsed to {box}"
        assert box["left"] >= col["left"] - 1 and box["right"] <= col["right"] + 1, (
            f"/{path}: {f['name']} spills out of its column: {box['left']:.0f}..{box['right']:.0f} "
            f"in {col['left']:.0f}..{col['right']:.0f}"
        )
    for i, a in enumerate(figs):
        for b in figs[i + 1 :]:
            assert not _overlap(a["box"], b["box"]), f"/{path}: {a['name']} overlaps {b['name']}"


# One page load serves several checks of the same page and window size (each check is a function, asserted
# in turn): the palette toggle comes last on a desktop because it changes the page.
@pytest.mark.parametrize("path", PAGES)
def test_on_a_desktop_figures_fit_and_the_palette_toggle_keeps_their_axes(browser, site_url, path):
    page, problems = _open(browser, site_url, path, DESKTOP)
    try:
        assert_figures_fit(path, page.evaluate(BOXES))
        assert_palette_toggle_keeps_axes(page, path)
    finally:
        page.context.close()
    problems.check()


@pytest.mark.parametrize("path", PAGES)
def test_on_a_phone_figures_fit_and_the_page_never_scrolls_sideways(browser, site_url, path):
    page, problems = _open(browser, site_url, path, PHONE)
    try:
        assert_figures_fit(path, page.evaluate(BOXES))
        assert_no_sideways_scroll(page, path)
    finally:
        page.context.close()
    problems.check()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_trained_mqar_figures_fit_and_survive_the_palette_toggle(browser, variant_site, viewport):
    """The Recall page built from a result file (tests/conftest.py variant_site): its MQAR figures too."""
    from zoo.serve import serve_in_thread

    url, server = serve_in_thread(variant_site.site, sub_path="/zoo-sub/")
    path = "recall/"
    page, problems = _open(browser, url, path, DESKTOP if viewport == "desktop" else PHONE)
    try:
        figs = page.evaluate(BOXES)
        assert {"assets/data/recall/mqar-state.json", "assets/data/recall/mqar-pairs.json"} <= {
            f["name"] for f in figs
        }
        assert_figures_fit(path, figs)
        if viewport == "phone":
            assert_no_sideways_scroll(page, path)
        else:
            assert_palette_toggle_keeps_axes(page, path)
            mqar = [f for f in page.evaluate(AXES) if "mqar-" in f["name"]]
            assert all(f["axes"]["xaxis"]["type"] == "log" for f in mqar)
    finally:
        page.context.close()
        server.shutdown()
    problems.check()


def test_figures_follow_a_resized_window(browser, site_url):
    page, problems = _open(browser, site_url, "models/mamba-2/", DESKTOP)
    page.set_viewport_size(PHONE)
    # The figures follow through a ResizeObserver and Plotly's relayout: give a busy machine time, then
    # look (a figure that never shrinks fails below with its name).
    try:
        page.wait_for_function(
            f"({BOXES})().every((f) => f.box.right <= f.col.right + 1)", timeout=10_000, polling=100
        )
    except PlaywrightTimeout:
        pass
    figs = page.evaluate(BOXES)
    page.context.close()
    problems.check()
    for f in figs:
        assert f["box"]["right"] <= f["col"]["right"] + 1, f"{f['name']} kept its desktop width on a phone"


# Everything about an axis that a recolouring must leave alone, per figure and axis.
AXES = """() => [...document.querySelectorAll('.js-plotly-plot')].map((el) => {
  const out = {};
  for (const [key, ax] of Object.entries(el._fullLayout)) {
    if (!/^[xy]axis\\d*$/.test(key)) continue;
    out[key] = {
      type: ax.type, visible: ax.visible, title: ax.title && ax.title.text,
      increasing: ax.range[0] < ax.range[1],
      ticks: [...el.querySelectorAll(`.${key.replace('axis', '')}tick text`)].map((t) => t.textContent),
    };
  }
  return { name: el.dataset.zooFig || el.className, axes: out, ink: el._fullLayout.font.color };
})"""


# The zero colour of every heatmap trace as Plotly draws it (its full data, colour bar included).
CENTRES = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap((el) => (el._fullData || [])
  .filter((t) => t.type === 'heatmap')
  .map((t) => ({ name: el.dataset.zooFig || el.dataset.zooRecallFig || el.className,
                 centre: t.colorscale.find(([x]) => x === 0.5)[1].toLowerCase() })))"""


def scheme_of(page) -> str:
    """ "light" or "dark": the chart palette of Material's scheme on the page."""
    return SCHEMES[page.evaluate("document.body.getAttribute('data-md-color-scheme')")]


def assert_heatmaps_centred(page, path):
    """Every diverging heatmap is on the current palette's scale: zero near-white on light, dark on dark."""
    want = dict(COLORSCALES[scheme_of(page)])[0.5]
    heatmaps = page.evaluate(CENTRES)
    # a model page's build-time figures include its mixing matrix
    assert heatmaps or not path.startswith("models/"), f"/{path}: no heatmap drawn"
    for h in heatmaps:
        assert h["centre"] == want, f"/{path}: {h['name']} has zero at {h['centre']} in {scheme_of(page)}"


def toggle_palette(page):
    scheme = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
    page.locator("form[data-md-component='palette'] label:visible").first.click()
    page.wait_for_function(f"document.body.getAttribute('data-md-color-scheme') !== {scheme!r}")
    page.wait_for_timeout(800)


def assert_palette_toggle_keeps_axes(page, path):
    """Flipping the palette recolours every chart (heatmaps' scales included) and leaves its axes as they
    were; flipping back restores the first palette's colours."""
    before = page.evaluate(AXES)
    assert_heatmaps_centred(page, path)
    toggle_palette(page)
    after = page.evaluate(AXES)
    assert len(after) == len(before) > 0
    for b, a in zip(before, after, strict=True):
        assert a["axes"] == b["axes"], f"/{path}: {b['name']} changed its axes when the palette flipped"
        assert a["ink"] != b["ink"], f"/{path}: {b['name']} kept the old palette's text colour"
    assert_heatmaps_centred(page, path)
    if path == "benchmarks/":
        assert all(f["axes"]["xaxis"]["type"] == "log" for f in after)
    toggle_palette(page)
    back = page.evaluate(AXES)
    assert [f["axes"] for f in back] == [f["axes"] for f in before], f"/{path}: axes changed on the way back"
    assert [f["ink"] for f in back] == [f["ink"] for f in before], f"/{path}: the first palette is lost"
    assert_heatmaps_centred(page, path)


def assert_no_sideways_scroll(page, path):
    wide = page.evaluate("document.scrollingElement.scrollWidth - innerWidth")
    assert wide <= 0, f"/{path} scrolls sideways by {wide} px on a 390 px phone"


# The pages with charts are checked on a phone above; these are the others a reader is likely to open.
@pytest.mark.parametrize("path", ["", "models/", "models/gated-deltanet/", "compare/", "unified/"])
def test_no_page_scrolls_sideways_on_a_phone(browser, site_url, path):
    page, problems = _open(browser, site_url, path, PHONE)
    try:
        assert_no_sideways_scroll(page, path)
    finally:
        page.context.close()
    problems.check()
