"""The home page's lineage graph as a reader meets it: year ticks (also after the palette toggle), readable
labels that never overlap, one keyboard stop with a focus ring on the node, tap-to-preview on touch, the
preview and edge highlight on hover, and fading with the card filters."""

import re
from itertools import combinations

import pytest

from zoo import registry

TEXT = ".zoo-lineage__label, .zoo-lineage__root, .zoo-lineage__year, .zoo-lineage__lane-title"


@pytest.fixture(scope="module")
def reg():
    return registry.load()


def open_graph(page, site_url):
    page.goto(site_url)
    page.wait_for_selector("[data-zoo-lineage][data-zoo-wired]")


def years_and_placement(page) -> tuple[list[str], list[tuple[str, str]]]:
    """Tick texts left to right, and (model year, year of the band the node is drawn in) for every node.

    A busy year is a band several columns wide, so a node in its outer column can be as near the next
    year's tick as its own; the band is read off the separator lines the reader sees between years."""
    ticks = page.eval_on_selector_all(
        ".zoo-lineage__year",
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [e.textContent, r.x + r.width / 2]; })",
    )
    separators = page.eval_on_selector_all(
        ".zoo-lineage__band", "els => els.map(e => e.getBoundingClientRect().x)"
    )
    nodes = page.eval_on_selector_all(
        ".zoo-lineage__node .zoo-lineage__dot",
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [e.closest('a').dataset.year, r.x + r.width / 2]; })",
    )
    ticks.sort(key=lambda t: t[1])
    assert len(separators) == len(ticks) - 1  # one line between each pair of neighbouring years
    drawn_in = [(year, ticks[sum(sep < x for sep in separators)][0]) for year, x in nodes]
    return [t[0] for t in ticks], drawn_in


def toggle_palette(page):
    before = page.evaluate("document.body.dataset.mdColorScheme")
    page.locator("form[data-md-component='palette'] label:visible").first.click()
    page.wait_for_function(f"document.body.dataset.mdColorScheme !== '{before}'")


# The image a reader sees in the first card's matrix slot: its address, once it has loaded.
CARD_GRID = """() => {
  const shown = [...document.querySelector('.zoo-card__mixing').querySelectorAll('img')]
    .filter((i) => i.checkVisibility());
  return shown.length === 1 && shown[0].complete && shown[0].naturalWidth > 0 ? shown[0].src : null;
}"""


def assert_card_grid_follows(page, scheme):
    """The first card shows its small mixing matrix drawn on the palette's own colour scale."""
    page.locator(".zoo-card__mixing").first.scroll_into_view_if_needed()
    src = page.wait_for_function(CARD_GRID).json_value()
    assert src.endswith("-t8-dark.svg" if scheme == "dark" else "-t8.svg"), (scheme, src)


def test_ticks_are_real_years_before_and_after_the_palette_toggle(page, site_url, reg):
    open_graph(page, site_url)
    for scheme in ("light", "dark"):
        assert_card_grid_follows(page, scheme)
        ticks, nearest = years_and_placement(page)
        assert all(re.fullmatch(r"\d{4}", t) for t in ticks), ticks
        assert [int(t) for t in ticks] == sorted({m.year for m in reg.models})
        for model_year, tick in nearest:
            assert model_year == tick  # every node sits in its own year's band
        # Years without a model are collapsed and said so, not silently dropped.
        gaps = page.eval_on_selector_all(".zoo-lineage__gap", "els => els.map(e => e.textContent)")
        missing = sorted(set(range(min(map(int, ticks)), max(map(int, ticks)) + 1)) - set(map(int, ticks)))
        assert bool(gaps) == bool(missing)
        assert all(str(y) in " ".join(gaps) for y in (missing[:1] + missing[-1:]))
        toggle_palette(page)
    assert_card_grid_follows(page, "light")
    # The labels follow the palette (text colour equals the page's text colour after the toggle).
    assert page.eval_on_selector(
        ".zoo-lineage__label",
        "e => getComputedStyle(e).color === getComputedStyle(document.querySelector('.md-typeset')).color",
    )


@pytest.mark.parametrize("width", [1360, 390])
def test_labels_are_readable_and_never_overlap(browser, site_url, reg, width):
    from zoo.chromium import open_page

    page, problems = open_page(browser, viewport={"width": width, "height": 900})
    open_graph(page, site_url)
    boxes = page.eval_on_selector_all(
        TEXT,
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [e.textContent, r.left, r.top, r.right, r.bottom,"
        " parseFloat(getComputedStyle(e).fontSize)]; })",
    )
    assert len([b for b in boxes if b[0] in {m.short_name for m in reg.models}]) == len(reg.models)
    for name, *_box, size in boxes:
        assert size >= 12, f"{name} is {size}px"
    for (na, *a, _), (nb, *b, _) in combinations(boxes, 2):
        overlap = a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5
        assert not overlap, f"labels {na!r} and {nb!r} overlap"
    if width < 600:  # on a phone the graph pans sideways inside its box; the page itself does not
        assert page.eval_on_selector(".zoo-lineage__scroll", "e => e.scrollWidth > e.clientWidth")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.context.close()
    problems.check()


def focused(page) -> dict:
    return page.evaluate(
        "() => { const a = document.activeElement; const r = a.getBoundingClientRect();"
        " const s = getComputedStyle(a); return { node: a.classList.contains('zoo-lineage__node'),"
        " id: a.dataset.id || '', filters: Boolean(a.closest('[data-zoo-filters]')),"
        " box: [r.left, r.top, r.right, r.bottom], outline: s.outlineStyle,"
        " width: parseFloat(s.outlineWidth),"
        " x: parseFloat(a.style.left || 'NaN'), y: parseFloat(a.style.top || 'NaN') }; }"
    )


def test_the_graph_is_one_tab_stop_with_the_focus_ring_on_the_node(page, site_url, reg):
    open_graph(page, site_url)
    # Before a choice, the preview counts the models as the page's opening does: the related ones apart.
    hint = page.locator("[data-zoo-lineage-preview]").inner_text()
    related = f" and {len(reg.related)} related ones" if reg.related else ""
    assert hint.startswith(f"{len(reg.skeleton)} models{related},"), hint
    page.locator("body").click(position={"x": 5, "y": 5})  # start from the top of the page
    presses = 0
    while not focused(page)["node"]:
        page.keyboard.press("Tab")
        presses += 1
        assert presses < 40, "Tab never reached the lineage graph"
    first = focused(page)
    # The ring is drawn, and drawn on the node: the focused box holds the node's marker.
    assert first["outline"] != "none" and first["width"] >= 2
    dot = page.locator(f".zoo-lineage__node[data-id='{first['id']}'] .zoo-lineage__dot").bounding_box()
    left, top, right, bottom = first["box"]
    assert left <= dot["x"] and dot["x"] + dot["width"] <= right
    assert top <= dot["y"] and dot["y"] + dot["height"] <= bottom
    assert reg.by_id[first["id"]].name in page.locator("[data-zoo-lineage-preview]").inner_text()
    # Arrow keys move between models, to the right and down.
    page.keyboard.press("ArrowRight")
    right_of = focused(page)
    assert right_of["node"] and right_of["x"] > first["x"]
    page.keyboard.press("ArrowDown")
    # (positions in the graph, not on screen: the move may scroll the page to keep the node in view)
    assert focused(page)["node"] and focused(page)["y"] > right_of["y"]
    # From anywhere in the graph, the filters are a few Tabs away (not one per model).
    after = 0
    while not focused(page)["filters"]:
        page.keyboard.press("Tab")
        after += 1
        assert after <= 10, "more than 10 Tabs from the graph to the filters"
    # Shift+Tab comes back to the graph on the node last chosen.
    chosen = page.evaluate("document.querySelector('.zoo-lineage__node[tabindex=\"0\"]').dataset.id")
    for _ in range(after):
        page.keyboard.press("Shift+Tab")
    assert focused(page)["id"] == chosen
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/models/{chosen}/")
    page.wait_for_function(
        "name => document.querySelector('h1')?.textContent.startsWith(name)", arg=reg.by_id[chosen].name
    )


def test_hover_previews_and_lights_edges_and_a_click_opens(page, site_url, reg):
    open_graph(page, site_url)
    target = "gated-deltanet" if "gated-deltanet" in reg.by_id else reg.models[-1].id
    node = page.locator(f".zoo-lineage__node[data-id='{target}']")
    node.scroll_into_view_if_needed()
    node.locator(".zoo-lineage__dot").hover()
    assert reg.by_id[target].summary.split()[0] in page.locator("[data-zoo-lineage-preview]").inner_text()
    lit = page.eval_on_selector_all(
        ".zoo-lineage__edge.is-lit", "els => els.map(e => [e.dataset.from, e.dataset.to])"
    )
    touching = [(p.id, target) for p, _ in reg.parents(reg.by_id[target])] + [
        (target, c.id) for c, _ in reg.children(target)
    ]
    assert sorted(map(tuple, lit)) == sorted(touching)
    node.locator(".zoo-lineage__dot").click()
    page.wait_for_url(f"**/models/{target}/")


def test_on_touch_a_tap_previews_and_a_second_tap_opens(browser, site_url, reg):
    from zoo.chromium import open_page

    phone = {"width": 390, "height": 844}
    page, problems = open_page(browser, viewport=phone, has_touch=True, is_mobile=True)
    open_graph(page, site_url)
    target = reg.models[-1].id
    node = page.locator(f".zoo-lineage__node[data-id='{target}']")
    node.scroll_into_view_if_needed()
    start = page.url
    node.tap()
    page.wait_for_timeout(300)
    assert page.url == start  # the first tap stays on the page ...
    preview = page.locator("[data-zoo-lineage-preview]")
    assert reg.by_id[target].name in preview.inner_text()  # ... and shows the summary
    assert preview.is_visible()
    node.tap()
    page.wait_for_url(f"**/models/{target}/")
    page.context.close()
    problems.check()


def test_nodes_fade_with_the_card_filters(page, site_url, reg):
    open_graph(page, site_url)
    page.locator("button[data-facet=readout][data-value=softmax]").click()
    # The filters match models on the skeleton only, so a model outside it fades too while a filter is on.
    softmax = {m.id for m in reg.skeleton if m.readout == "softmax"}
    others = len(reg.models) - len(softmax)
    page.wait_for_function(
        f"document.querySelector('[data-zoo-lineage-canvas]').dataset.zooFaded === '{others}'"
    )
    faded = page.eval_on_selector_all(".zoo-lineage__node.is-faded", "els => els.map(e => e.dataset.id)")
    assert set(faded) == {m.id for m in reg.models} - softmax
    opacity = page.eval_on_selector(".zoo-lineage__node.is-faded", "e => +getComputedStyle(e).opacity")
    assert opacity < 0.5
