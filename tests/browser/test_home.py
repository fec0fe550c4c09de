"""The home page as a reader uses it after the redesign: what each chip's count means, odd links, search
by author, sorting, the cards/table switch, the page's size, and the sideways-scroll cue of wide equations
(also on model pages). The filter basics (each option shows its models, URL round trip) are in
test_zoo_page.py."""

import pytest

from zoo import registry

DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def reg():
    return registry.load()


def visible_ids(page, selector="[data-zoo-card]") -> list[str]:
    return page.eval_on_selector_all(
        selector, "els => els.filter(e => e.checkVisibility()).map(e => e.dataset.id)"
    )


def open_home(page, site_url, query=""):
    page.goto(site_url + query)
    page.wait_for_function("document.querySelector('[data-zoo-status]').textContent.includes('of')")


def chip(page, facet, value):
    return page.locator(f"[data-zoo-filters] button[data-facet={facet}][data-value='{value}']")


def count_of(button) -> int:
    return int(button.locator(".zoo-chip__count").inner_text())


def test_every_chip_count_is_what_it_shows_when_on(page, site_url, reg):
    open_home(page, site_url)
    chip(page, "readout", "linear").click()
    chip(page, "decay", "delta").click()
    shown = len(visible_ids(page))
    want = [m for m in reg.skeleton if m.readout == "linear" and "delta" in m.decay]
    assert shown == len(want)
    # pressed chips show what is on screen (not what un-pressing would give)
    assert count_of(chip(page, "decay", "delta")) == shown
    assert count_of(chip(page, "readout", "linear")) == shown
    assert "shown with this on" in chip(page, "decay", "delta").get_attribute("aria-label")
    # an unpressed chip's count is what pressing it shows
    for facet, value in [("decay", "scalar"), ("gates", "input-dependent"), ("readout", "")]:
        button = chip(page, facet, value)
        promised = count_of(button)
        button.click()
        assert len(visible_ids(page)) == promised, (facet, value)
        page.go_back()
        page.wait_for_function(
            f"document.querySelectorAll('[data-zoo-card]:not([hidden])').length === {shown}"
        )


def test_layout_chips_filter_count_and_keep_the_url_state(page, site_url, reg):
    def models_with(readout="", layout=""):
        keep = lambda m: (not readout or m.readout == readout) and (not layout or m.layout == layout)  # noqa: E731
        return {m.id for m in reg.skeleton if keep(m)}

    # the two layouts most models have, so both chips have something to show
    common = sorted(reg.taxonomy.layout, key=lambda k: -len(models_with(layout=k)))[:2]
    first, second = common
    open_home(page, site_url, f"?layout={first}&readout=softmax")
    want = models_with("softmax", first)
    assert want and set(visible_ids(page)) == want
    assert chip(page, "layout", first).get_attribute("aria-pressed") == "true"
    assert chip(page, "layout", "").get_attribute("aria-pressed") == "false"
    assert count_of(chip(page, "layout", first)) == len(want)  # a pressed chip: what is on screen
    for key in reg.taxonomy.layout:  # the others: what pressing them would show, and 0 means disabled
        n = len(models_with("softmax", key))
        assert count_of(chip(page, "layout", key)) == n, key
        assert chip(page, "layout", key).is_disabled() == (n == 0 and key != first), key
    assert count_of(chip(page, "readout", "linear")) == len(models_with("linear", first))
    chip(page, "readout", "").click()
    assert set(visible_ids(page)) == models_with(layout=first)
    chip(page, "layout", second).click()  # one value at a time: it replaces the first
    assert set(visible_ids(page)) == models_with(layout=second)
    assert f"layout={second}" in page.url and f"layout={first}" not in page.url
    assert chip(page, "layout", first).get_attribute("aria-pressed") == "false"
    page.go_back()
    page.wait_for_function(f"location.search.includes('layout={first}')")
    n_first = len(models_with(layout=first))
    page.wait_for_function(f"document.querySelectorAll('[data-zoo-card]:not([hidden])').length === {n_first}")
    assert chip(page, "layout", first).get_attribute("aria-pressed") == "true"
    page.go_forward()
    page.wait_for_function(f"location.search.includes('layout={second}')")
    assert set(visible_ids(page)) == models_with(layout=second)
    chip(page, "layout", "").click()
    assert "layout=" not in page.url and set(visible_ids(page)) == models_with()


def test_models_outside_the_skeleton_stay_apart_from_the_filters(browser, variant_site):
    """On a registry copy with one model outside the skeleton (tests/conftest.py variant_site)."""
    from test_accessibility import serious_violations

    from zoo.chromium import open_page
    from zoo.serve import serve_in_thread

    reg = registry.load(variant_site.registry, kernels_dir=registry.ROOT / registry.KERNELS)
    related = variant_site.related
    url, server = serve_in_thread(variant_site.site, sub_path="/zoo-sub/")
    page, problems = open_page(browser, viewport=DESKTOP)
    try:
        open_home(page, url)
        section = page.locator("[data-zoo-related]")
        assert section.is_visible() and "Related, outside the skeleton" in section.inner_text()
        outside = {m.id for m in reg.related}
        assert related in outside and set(visible_ids(page, "[data-zoo-related-card]")) == outside
        assert "Outside the skeleton:" in page.locator(f"#card-{related}").inner_text()
        n = len(reg.skeleton)
        assert page.locator("[data-zoo-status]").inner_text() == f"{n} of {n} models"
        assert count_of(chip(page, "readout", "")) == n
        # the facet filters leave it alone; it is never among the counted cards
        m = reg.by_id[related]
        other = next(k for k in reg.taxonomy.readouts if k != m.readout)
        chip(page, "readout", other).click()
        assert related not in visible_ids(page)
        assert set(visible_ids(page, "[data-zoo-related-card]")) == outside
        # the search finds it as it finds the others, and hides the related that do not match
        page.locator("[data-zoo-reset]").first.click()
        search = page.locator("[data-zoo-filters] input[type=search]")
        search.fill(m.name.lower())
        assert visible_ids(page, "[data-zoo-related-card]") == [related]
        assert "and 1 related outside the skeleton" in page.locator("[data-zoo-status]").inner_text()
        assert not page.locator("[data-zoo-empty]").is_visible()
        # found, so its lineage node stays lit while the others fade
        page.wait_for_function(
            f"""() => document.querySelector('[data-zoo-lineage-canvas]').dataset.zooFaded > 0 &&
                  !document.querySelector(".zoo-lineage__node[data-id='{related}']").classList.contains('is-faded')"""
        )
        search.fill("no model is called this")
        assert not section.is_visible() and page.locator("[data-zoo-empty]").is_visible()
        search.fill("")
        assert set(visible_ids(page, "[data-zoo-related-card]")) == outside
        chip(page, "readout", other).click()
        # the table lists it after the filtered rows, in its own body; the cards' section hides
        page.locator("[data-zoo-view] button[data-view=table]").click()
        assert not section.is_visible()
        rows = visible_ids(page, "[data-zoo-table] tbody tr[data-id]")
        assert set(rows[-len(outside) :]) == outside and not outside & set(rows[: -len(outside)])
        assert page.locator(f".zoo-table__related tr[data-id='{related}']").is_visible()
        # the lineage graph keeps its node
        assert page.locator(f"[data-zoo-lineage] .zoo-lineage__node[data-id='{related}']").count() == 1
        # the new pieces (a fourth chip group, layout badges, the related rows) pass the audit in the table
        # view, and the related cards in the cards view
        assert not serious_violations(page)
        page.locator("[data-zoo-view] button[data-view=cards]").click()
        assert section.is_visible() and not serious_violations(page)
        problems.check()
    finally:
        page.context.close()
        server.shutdown()


@pytest.mark.parametrize(
    "query",
    [
        "?readout=foo&decay=zzz&layout=full,state",
        "?readout=foo&decay=zzz,,delta&gates=%3Cb%3E&layout=%3Cb%3E&sort=colour&view=grid",
    ],
)
def test_unknown_url_values_are_ignored_and_the_url_cleaned(page, site_url, reg, query):
    open_home(page, site_url, query)
    assert "readout=" not in page.url and "zzz" not in page.url and "view=" not in page.url
    assert "layout=" not in page.url
    if "delta" in query:
        assert "decay=delta" in page.url
        assert set(visible_ids(page)) == {m.id for m in reg.skeleton if "delta" in m.decay}
    else:
        assert len(visible_ids(page)) == len(reg.skeleton)
    for facet in ("readout", "gates", "layout"):
        all_chip = chip(page, facet, "")
        assert all_chip.is_enabled() and all_chip.get_attribute("aria-pressed") == "true", facet
    assert page.locator("[data-zoo-filters] button[data-facet]:not([disabled])").count() > 3


def test_an_empty_combination_is_never_a_dead_end(page, site_url, reg):
    pair = next(
        (a, b)
        for a in reg.taxonomy.decay
        for b in reg.taxonomy.decay
        if a < b and not any(a in m.decay and b in m.decay for m in reg.skeleton)
    )
    open_home(page, site_url, f"?decay={pair[0]},{pair[1]}&readout=softmax")
    assert visible_ids(page) == []
    assert page.locator("[data-zoo-empty]").is_visible()
    assert chip(page, "readout", "").is_enabled()
    assert chip(page, "decay", pair[0]).is_enabled()  # pressed: can be undone
    page.locator("[data-zoo-empty] [data-zoo-reset]").click()
    assert len(visible_ids(page)) == len(reg.skeleton)


def test_search_finds_a_card_by_author_venue_and_year(page, site_url, reg):
    open_home(page, site_url)
    m = next(m for m in reg.skeleton if len(m.paper.authors) > 2)
    author = m.paper.authors[-1].split()[-1]
    assert author.lower() not in (m.name + m.summary + m.paper.title).lower()
    page.fill("#zoo-q", author)
    assert m.id in visible_ids(page)
    assert set(visible_ids(page)) == {
        x.id
        for x in reg.skeleton
        if any(author.lower() in a.lower() for a in x.paper.authors)
        or author.lower() in (x.name + x.short_name + x.summary + x.paper.title).lower()
    }
    page.fill("#zoo-q", "2017")
    assert set(visible_ids(page)) >= {x.id for x in reg.skeleton if x.year == 2017}


def test_sorting_cards_and_table_rows(page, site_url, reg):
    open_home(page, site_url)
    page.select_option("[data-zoo-sort]", "-year")
    years = [reg.by_id[i].year for i in visible_ids(page)]
    assert years == sorted(years, reverse=True)
    assert "sort=-year" in page.url
    page.locator("[data-zoo-view] button[data-view=table]").click()
    cards_order = page.eval_on_selector_all("[data-zoo-card]", "els => els.map(e => e.dataset.id)")
    assert visible_ids(page, "[data-zoo-row]") == cards_order  # one sort for both views
    header = page.locator("[data-zoo-table] th[data-sort-key=name]")
    header.locator("button").click()
    names = [reg.by_id[i].name.lower() for i in visible_ids(page, "[data-zoo-row]")]
    assert names == sorted(names)
    assert header.get_attribute("aria-sort") == "ascending"
    header.locator("button").focus()
    page.keyboard.press("Enter")
    assert header.get_attribute("aria-sort") == "descending"
    names = [reg.by_id[i].name.lower() for i in visible_ids(page, "[data-zoo-row]")]
    assert names == sorted(names, reverse=True)
    state = page.locator("[data-zoo-table] th[data-sort-key=state] button")
    state.click()
    rows = visible_ids(page, "[data-zoo-row]")
    sizes = [int(page.get_attribute(f"[data-zoo-card][data-id='{i}']", "data-state") or 10**12) for i in rows]
    assert sizes == sorted(sizes)
    assert reg.by_id[rows[0]].readout == "linear"  # a fixed state is smaller than a growing cache


def test_view_switch_keeps_the_filters_and_survives_reload(page, site_url, reg):
    open_home(page, site_url)
    chip(page, "readout", "softmax").click()
    page.locator("[data-zoo-view] button[data-view=table]").click()
    want = {m.id for m in reg.skeleton if m.readout == "softmax"}
    assert set(visible_ids(page, "[data-zoo-row]")) == want
    assert visible_ids(page) == []  # the cards are hidden in the table view
    assert "view=table" in page.url and "readout=softmax" in page.url
    page.reload()
    page.wait_for_function("document.querySelector('[data-zoo-status]').textContent.includes('of')")
    assert set(visible_ids(page, "[data-zoo-row]")) == want
    page.locator("[data-zoo-view] button[data-view=cards]").click()
    assert set(visible_ids(page)) == want
    assert "view=" not in page.url


def test_hero_grid_cell_filters_the_models(page, site_url, reg):
    open_home(page, site_url)
    cell = page.locator(".zoo-differ__table a[href*='readout=linear'][href*='decay=delta']")
    n = int(cell.inner_text())
    cell.click()
    page.wait_for_function("location.search.includes('decay=delta')")
    assert set(visible_ids(page)) == {
        m.id for m in reg.skeleton if m.readout == "linear" and "delta" in m.decay
    }
    assert len(visible_ids(page)) == n


def test_unified_view_sorts_by_any_column(page, site_url, reg):
    page.goto(site_url + "unified/")
    # The heading counts the models on the skeleton; the related ones follow in a body of their own.
    assert page.inner_text("h1").startswith(f"One skeleton, {len(reg.skeleton)} models")  # then the ¶ link
    related = page.eval_on_selector_all(".zoo-table__related tr[data-id]", "rs => rs.map(r => r.dataset.id)")
    assert sorted(related) == sorted(m.id for m in reg.related)
    rows = ".zoo-unified tbody:first-of-type tr"
    ids = lambda: page.eval_on_selector_all(rows, "rs => rs.map(r => r.dataset.id)")  # noqa: E731
    before = ids()
    assert len(before) == len(reg.skeleton)
    year = page.locator(".zoo-unified th", has_text="Year")
    year.locator("button").click()
    assert year.get_attribute("aria-sort") == "ascending"
    years = [reg.by_id[i].year for i in ids()]
    assert years == sorted(years) and ids() != before
    year.locator("button").focus()
    page.keyboard.press("Enter")
    assert year.get_attribute("aria-sort") == "descending"
    assert [reg.by_id[i].year for i in ids()] == sorted(years, reverse=True)
    model = page.locator(".zoo-unified th", has_text="Model")
    model.locator("button").click()
    assert year.get_attribute("aria-sort") == "none"
    names = [reg.by_id[i].name.lower() for i in ids()]
    assert names == sorted(names)


def test_notation_table_fits_a_phone_without_cutting_a_description(phone_page, site_url):
    """At 390 px the symbol and its meaning do not fit side by side: each meaning sits under its symbol, so
    the table needs no sideways scroll and no description is cut at the right edge."""
    page = phone_page
    page.goto(site_url + "unified/")
    page.wait_for_load_state("networkidle")
    box = page.locator(".zoo-notation")
    assert box.evaluate("e => e.scrollWidth - e.clientWidth") <= 1
    right = box.evaluate("e => e.getBoundingClientRect().right")
    cells = page.eval_on_selector_all(
        ".zoo-notation tr", "rs => rs.map(r => [...r.cells].map(c => c.getBoundingClientRect().toJSON()))"
    )
    assert cells
    for symbol, meaning in cells:
        assert meaning["top"] >= symbol["bottom"] - 1 and meaning["right"] <= right + 1, (symbol, meaning)


def wide_boxes(page, selector="[data-zoo-scroll]:not([data-zoo-scroll-keys=inside])"):
    return page.eval_on_selector_all(
        selector,
        "els => els.filter(e => e.checkVisibility() && e.scrollWidth > e.clientWidth + 1).map(e => ({"
        " cls: e.className, tab: e.getAttribute('tabindex'), role: e.getAttribute('role'),"
        " label: e.getAttribute('aria-label'), mask: getComputedStyle(e).maskImage }))",
    )


@pytest.mark.parametrize("path", ["models/rwkv-7/", "models/mamba-2/", ""])
def test_wide_equations_show_a_scroll_cue_and_scroll_from_the_keyboard(phone_page, site_url, path):
    page = phone_page
    page.goto(site_url + path)
    page.wait_for_load_state("networkidle")
    boxes = wide_boxes(page)
    assert boxes, "expected at least one equation wider than a phone"
    for box in boxes:
        assert "zoo-scroll--right" in box["cls"] and box["mask"] not in ("", "none"), box
        assert box["tab"] == "0" and box["role"] == "region" and "scrolls sideways" in box["label"], box
    if path.startswith("models/"):
        # a formula in the cost table stays on one line (the table scrolls instead): no KaTeX piece below
        # the first one's bottom edge
        broken = page.eval_on_selector_all(
            ".zoo-cost td .katex",
            """ks => ks.filter(k => { const rs = [...k.querySelectorAll('.katex-base')]
                .map(b => b.getBoundingClientRect()); return rs.some(r => r.top >= rs[0].bottom - 2); })
                .map(k => k.querySelector('annotation')?.textContent)""",
        )
        assert broken == [], broken
    if path == "":
        # the filter chips: one row per facet that scrolls, with the cue; the chips are the tab stops
        rows = wide_boxes(page, "[data-zoo-filters] [data-zoo-scroll-keys=inside]")
        assert len(rows) >= 2, rows
        for row in rows:
            assert "zoo-scroll--right" in row["cls"] and row["tab"] is None, row
    first = page.locator(".zoo-scroll--right:not([data-zoo-scroll-keys])").first
    first.scroll_into_view_if_needed()
    first.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.activeElement.scrollLeft > 0")
    # scrolled: the start edge now hides content too, and gets its own fade
    page.wait_for_function("document.activeElement.classList.contains('zoo-scroll--left')")
    # boxes whose content fits are not tab stops
    fits = page.eval_on_selector_all(
        "[data-zoo-scroll]",
        "els => els.filter(e => e.scrollWidth <= e.clientWidth && e.hasAttribute('tabindex')).length",
    )
    assert fits == 0


def test_cards_never_wrap_an_equation(page, site_url):
    open_home(page, site_url)
    boxes = page.eval_on_selector_all(
        "[data-zoo-card] .zoo-card__eq",
        """els => els.map(e => {
          const svgs = e.querySelectorAll('svg'), style = getComputedStyle(e);
          const inner = e.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
          const svg = svgs[0].getBoundingClientRect().height;
          return [e.closest('[data-id]').dataset.id, svgs.length, svg, inner];
        })""",
    )
    assert boxes
    for model, count, svg, inner in boxes:
        # one drawn formula on one line: the area is no taller than it (nothing wrapped below)
        assert count == 1 and inner <= svg + 4, (model, svg, inner)
        # the card's scale keeps even a two-row matrix with super- and subscripts (DSA) short
        assert svg < 60, (model, svg)


def assert_card_badges_fit_one_line(page):
    rows = page.eval_on_selector_all(
        "[data-zoo-card] .zoo-badges, [data-zoo-related-card] .zoo-badges",
        """els => els.map(e => [e.closest('[data-id]').dataset.id, e.getBoundingClientRect().height,
            Math.max(...[...e.children].map(b => b.getBoundingClientRect().height))])""",
    )
    assert rows
    for model, row, badge in rows:
        assert row < 1.5 * badge, (model, row, badge)  # readout, decay, gates and layout on one line


# The search box's room for text, and the width of its placeholder in the box's own font.
PLACEHOLDER_FIT = """() => {
  const box = document.querySelector('#zoo-q'), cs = getComputedStyle(box);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
  return [box.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight),
          ctx.measureText(box.placeholder).width];
}"""


# One load per window size; on the phone the same load also checks the card badges and the search box.
def test_home_page_structure_within_budget_and_card_badges_fit_one_line_on_a_phone(browser, site_url, reg):
    from zoo.chromium import open_page

    for viewport, screens in ((DESKTOP, 6), (PHONE, 20)):
        page, problems = open_page(browser, viewport=viewport)
        open_home(page, site_url)
        page.wait_for_load_state("networkidle")
        assert len(visible_ids(page)) == len(reg.skeleton)
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height <= screens * viewport["height"], (viewport, height)
        dom = page.evaluate("document.getElementsByTagName('*').length")
        assert dom <= 6000, dom
        if viewport is PHONE:
            assert_card_badges_fit_one_line(page)
        # the search box's placeholder is read whole, not cut off ("name, author, \" on a phone)
        room, need = page.evaluate(PLACEHOLDER_FIT)
        assert need <= room, (viewport, room, need)
        page.context.close()
        problems.check()


def test_every_model_is_in_the_html_without_javascript(browser, site_url, reg):
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    page = context.new_page()
    page.goto(site_url)
    cards = "[data-zoo-card], [data-zoo-related-card]"  # the related ones too
    assert sorted(visible_ids(page, cards)) == sorted(m.id for m in reg.models)
    # the card equations are drawn (SVG from the sprite), not left as TeX
    assert page.locator("article.zoo-card .zoo-card__eq svg.zoo-math").count() == len(reg.models)
    box = page.locator("[data-zoo-card] .zoo-card__eq svg.zoo-math").first.bounding_box()
    assert box["width"] > 40 and box["height"] > 8
    context.close()
