"""The Zoo page as a reader uses it: filters, URL state, lineage graph, model pages, both palettes."""

from itertools import combinations

import pytest

from zoo import registry


@pytest.fixture(scope="module")
def reg():
    return registry.load()


def visible_ids(page) -> set[str]:
    return set(
        page.eval_on_selector_all("[data-zoo-card]:not([hidden])", "els => els.map(e => e.dataset.id)")
    )


def expected(reg, readout="", decay=(), gates="") -> set[str]:
    return {
        m.id
        for m in reg.models
        if (not readout or m.readout == readout)
        and set(decay) <= set(m.decay)
        and (not gates or m.gates == gates)
    }


def open_zoo(page, site_url, query=""):
    page.goto(site_url + query)
    page.wait_for_selector("[data-zoo-filters] button[aria-pressed]")
    page.wait_for_function("document.querySelector('[data-zoo-status]').textContent.includes('of')")


def test_zoo_page_renders_every_card_and_takes_screenshots(page, dark_page, site_url, reg, shot):
    open_zoo(page, site_url)
    assert visible_ids(page) == {m.id for m in reg.models}
    page.wait_for_selector("[data-zoo-lineage-plot][data-zoo-rendered]")
    shot(page, "zoo-light")
    open_zoo(dark_page, site_url)
    dark_page.wait_for_selector("[data-zoo-lineage-plot][data-zoo-rendered]")
    assert dark_page.evaluate("document.body.dataset.mdColorScheme") == "slate"
    shot(dark_page, "zoo-dark")


def test_each_readout_option_shows_exactly_its_models(page, site_url, reg):
    open_zoo(page, site_url)
    for key in reg.taxonomy.readouts:
        button = page.locator(f"button[data-facet=readout][data-value={key}]")
        count = int(button.locator(".zoo-chip__count").inner_text())
        button.click()
        assert button.get_attribute("aria-pressed") == "true"
        assert visible_ids(page) == expected(reg, readout=key)
        assert count == len(expected(reg, readout=key))
        assert f"readout={key}" in page.url
    page.locator("button[data-facet=readout][data-value='']").click()
    assert visible_ids(page) == {m.id for m in reg.models}


def test_each_decay_option_and_pairs_show_models_having_all_selected(page, site_url, reg):
    open_zoo(page, site_url)
    for key in reg.taxonomy.decay:
        button = page.locator(f"button[data-facet=decay][data-value={key}]")
        if not expected(reg, decay=[key]):
            assert button.is_disabled()
            continue
        button.click()
        assert visible_ids(page) == expected(reg, decay=[key]), key
        button.click()  # pressing again undoes it
        assert button.get_attribute("aria-pressed") == "false"
    # Multi-select is an intersection, and options that would empty the grid are disabled.
    reset = page.locator("[data-zoo-filters] [data-zoo-reset]")
    for a, b in combinations(reg.taxonomy.decay, 2):
        reset.click()
        if not expected(reg, decay=[a]):
            continue
        page.locator(f"button[data-facet=decay][data-value={a}]").click()
        second = page.locator(f"button[data-facet=decay][data-value={b}]")
        want = expected(reg, decay=[a, b])
        if want:
            second.click()
            assert visible_ids(page) == want, (a, b)
            assert f"decay={','.join(sorted([a, b]))}" in page.url
        else:
            assert second.is_disabled(), (a, b)


def test_no_enabled_option_leads_to_an_empty_grid(page, site_url):
    open_zoo(page, site_url, "?readout=softmax")
    for button in page.locator("[data-zoo-filters] button[data-facet]:not([disabled])").all():
        assert int(button.locator(".zoo-chip__count").inner_text()) > 0


def test_gates_facet_and_search(page, site_url, reg):
    open_zoo(page, site_url)
    for key in reg.taxonomy.gates:
        button = page.locator(f"button[data-facet=gates][data-value={key}]")
        if button.is_disabled():
            assert not expected(reg, gates=key)
            continue
        button.click()
        assert visible_ids(page) == expected(reg, gates=key)
    page.locator("button[data-facet=gates][data-value='']").click()
    target = reg.models[-1]
    page.fill("#zoo-q", target.short_name.lower())
    assert target.id in visible_ids(page)
    assert len(visible_ids(page)) < len(reg.models)
    assert "text=" in page.url


def test_url_state_round_trips_through_reload_and_history(page, site_url, reg):
    open_zoo(page, site_url)
    page.locator("button[data-facet=readout][data-value=linear]").click()
    page.locator("button[data-facet=decay][data-value=delta]").click()
    want = expected(reg, readout="linear", decay=["delta"])
    assert "readout=linear" in page.url and "decay=delta" in page.url
    page.reload()
    page.wait_for_function("document.querySelector('[data-zoo-status]').textContent.includes('of')")
    assert visible_ids(page) == want
    assert page.locator("button[data-facet=decay][data-value=delta]").get_attribute("aria-pressed") == "true"
    page.go_back()
    page.wait_for_function("!location.search.includes('delta')")
    page.wait_for_function(
        f"document.querySelectorAll('[data-zoo-card]:not([hidden])').length === "
        f"{len(expected(reg, readout='linear'))}"
    )
    assert visible_ids(page) == expected(reg, readout="linear")
    page.go_forward()
    page.wait_for_function("location.search.includes('delta')")
    page.wait_for_function(
        f"document.querySelectorAll('[data-zoo-card]:not([hidden])').length === {len(want)}"
    )
    assert visible_ids(page) == want


def test_filter_buttons_work_from_the_keyboard(page, site_url, reg):
    open_zoo(page, site_url)
    button = page.locator("button[data-facet=readout][data-value=softmax]")
    button.focus()
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-pressed") == "true"
    assert visible_ids(page) == expected(reg, readout="softmax")


def test_graph_nodes_do_not_overlap_and_fade_with_filters(page, site_url, reg):
    open_zoo(page, site_url)
    page.wait_for_selector("[data-zoo-lineage-plot][data-zoo-rendered]")
    boxes = page.eval_on_selector_all(
        "[data-zoo-lineage-plot] .textpoint text",
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [e.textContent, r.left, r.top, r.right, r.bottom]; })",
    )
    assert len(boxes) == len(reg.models)
    for (na, *a), (nb, *b) in combinations(boxes, 2):
        overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
        assert not overlap, f"labels {na} and {nb} overlap"
    page.locator("button[data-facet=readout][data-value=softmax]").click()
    faded = len(reg.models) - len(expected(reg, readout="softmax"))
    page.wait_for_function(
        f"document.querySelector('[data-zoo-lineage-plot]').dataset.zooFaded === '{faded}'"
    )


def test_clicking_a_graph_node_opens_its_model_page(page, site_url, reg):
    open_zoo(page, site_url)
    page.wait_for_selector("[data-zoo-lineage-plot][data-zoo-rendered]")
    target = (
        next(m for m in reg.models if m.id == "gated-deltanet")
        if "gated-deltanet" in reg.by_id
        else reg.models[-1]
    )
    index = page.evaluate(
        "id => document.querySelector('[data-zoo-lineage-plot]').data.at(-1)"
        ".customdata.findIndex(d => d[1] === id)",
        target.id,
    )
    point = page.locator("[data-zoo-lineage-plot] .scatterlayer .trace:last-child .points path").nth(index)
    point.scroll_into_view_if_needed()
    box = point.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector(".hoverlayer .hovertext")
    assert target.name in page.locator(".hoverlayer .hovertext").text_content()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**/models/{target.id}/")
    page.wait_for_function(
        "name => document.querySelector('h1')?.textContent.startsWith(name)", arg=target.name
    )


def test_graph_nodes_are_reachable_by_keyboard(page, site_url, reg):
    open_zoo(page, site_url)
    page.wait_for_selector(".zoo-lineage__key")
    keys = page.locator(".zoo-lineage__key")
    assert keys.count() == len(reg.models)
    first = keys.first
    first.focus()
    page.wait_for_selector(".hoverlayer .hovertext")
    model_id = first.get_attribute("data-id")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/models/{model_id}/")
    page.wait_for_function(
        "name => document.querySelector('h1')?.textContent.startsWith(name)", arg=reg.by_id[model_id].name
    )


def test_every_model_page_opens_with_its_content(page, site_url, reg, shot):
    for m in reg.models:
        page.goto(f"{site_url}models/{m.id}/", wait_until="domcontentloaded")
        assert page.locator("h1").inner_text().startswith(m.name)
        text = page.locator("article.md-content__inner").inner_text()
        assert m.paper.title in text
        assert "@" in page.locator(".zoo-bibtex").inner_text()
        for parent, _edge in reg.parents(m):
            assert page.locator(f".zoo-lineage-list a[href$='/models/{parent.id}/']").count() >= 1
    page.goto(f"{site_url}models/{reg.models[-1].id}/")
    shot(page, "model-page")


def test_phone_width_keeps_the_graph_usable(phone_page, site_url, shot):
    open_zoo(phone_page, site_url)
    phone_page.wait_for_selector("[data-zoo-lineage-plot][data-zoo-rendered]")
    scroller = phone_page.locator(".zoo-lineage__scroll")
    assert scroller.evaluate("e => e.scrollWidth > e.clientWidth")  # pans sideways instead of shrinking
    font = phone_page.eval_on_selector(
        "[data-zoo-lineage-plot] .textpoint text", "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert font >= 10
    shot(phone_page, "zoo-phone", full_page=False)


def test_site_search_finds_a_model_page(page, site_url):
    # Rendered math is kept out of the search index; model names and prose must still be found.
    page.goto(site_url)
    page.locator(".md-search__input").first.click()
    page.keyboard.type("Gated DeltaNet")  # Material searches on key events, so type rather than fill
    page.wait_for_function(
        "[...document.querySelectorAll('.md-search-result__item a')]"
        ".some(a => a.href.includes('/models/gated-deltanet/'))"
    )
