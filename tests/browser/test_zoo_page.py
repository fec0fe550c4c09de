"""The Zoo page as a reader uses it: filters, URL state, model pages, both palettes (graph: test_lineage)."""

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
        for m in reg.skeleton  # models outside the skeleton are never filtered
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
    assert visible_ids(page) == {m.id for m in reg.skeleton}
    page.wait_for_selector("[data-zoo-lineage][data-zoo-wired]")
    shot(page, "zoo-light")
    open_zoo(dark_page, site_url)
    dark_page.wait_for_selector("[data-zoo-lineage][data-zoo-wired]")
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
    assert visible_ids(page) == {m.id for m in reg.skeleton}


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
    target = reg.skeleton[-1]
    page.fill("#zoo-q", target.short_name.lower())
    assert target.id in visible_ids(page)
    assert len(visible_ids(page)) < len(reg.skeleton)
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


def test_a_model_page_opens_with_its_content(page, site_url, reg, shot):
    # Every page is checked in the built HTML (tests/test_build.py); here one opens as a reader sees it.
    m = reg.by_id["gated-deltanet"]
    page.goto(f"{site_url}models/{m.id}/")
    assert page.locator("h1").inner_text().startswith(m.name)
    assert m.paper.title in page.locator("article.md-content__inner").inner_text()
    assert "@" in page.locator(".zoo-bibtex").inner_text()
    for parent, _edge in reg.parents(m):
        assert page.locator(f".zoo-lineage-list a[href$='/models/{parent.id}/']").count() >= 1
    shot(page, "model-page")


def test_site_search_finds_a_model_page(page, site_url):
    # Rendered math is kept out of the search index; model names and prose must still be found.
    page.goto(site_url)
    page.locator(".md-search__input").first.click()
    page.keyboard.type("Gated DeltaNet")  # Material searches on key events, so type rather than fill
    page.wait_for_function(
        "[...document.querySelectorAll('.md-search-result__item a')]"
        ".some(a => a.href.includes('/models/gated-deltanet/'))"
    )
