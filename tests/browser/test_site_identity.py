"""The site's own look and what it says about itself, as a reader's browser sees them: not Material's stock
header and titles, a footer with credit, licences and the registry as JSON, social preview metadata, a
designed 404 whose links work, and no left sidebar that would list a single page."""

import json

from zoo.chromium import open_page

STOCK_INDIGO = "rgb(64, 81, 181)"


def test_header_titles_and_footer_are_our_own(page, site_url):
    page.goto(site_url)
    header = page.eval_on_selector(".md-header", "e => getComputedStyle(e).backgroundColor")
    assert header != STOCK_INDIGO
    h1 = page.eval_on_selector(
        ".md-typeset h1", "e => [getComputedStyle(e).fontWeight, getComputedStyle(e).fontFamily]"
    )
    assert int(h1[0]) >= 600 and "Source Serif 4" in h1[1]
    # The serif really loads from the site (no font CDN): the browser has it ready.
    assert page.evaluate("document.fonts.check('700 20px \"Source Serif 4 Variable\"')")
    footer = page.inner_text(".md-footer")
    assert "Made with" not in footer
    assert "Arshia Afzal" in footer and "MIT" in footer and "CC BY 4.0" in footer
    href = page.get_attribute("[data-zoo-registry-json]", "href")
    data = page.evaluate("async (u) => (await fetch(u)).json()", href)
    assert {"taxonomy", "models", "hybrids"} <= set(data)
    cards = page.eval_on_selector_all("[data-zoo-card], .zoo-card", "els => els.length")
    assert len(data["models"]) >= 30 and cards >= len(data["models"])


def test_social_preview_metadata_names_the_page_and_a_real_image(page, site_url, built_site):
    page.goto(f"{site_url}models/mamba-2/")
    meta = page.eval_on_selector_all(
        "meta[property^='og:'], meta[name^='twitter:']",
        "els => Object.fromEntries(els.map(e => [e.getAttribute('property') || e.name, e.content]))",
    )
    assert meta["og:title"].startswith("Mamba-2")
    assert len(meta["og:description"]) > 20 and meta["twitter:card"] == "summary_large_image"
    # This build names no public address, so the image is given relative to the page; it must resolve.
    assert meta["og:image"].endswith("/assets/images/social.png")
    png = (built_site / "assets/images/social.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 1200
    image = page.evaluate("(u) => new URL(u, location.href).href", meta["og:image"])
    assert image == f"{site_url}assets/images/social.png"
    assert page.evaluate("async (u) => (await fetch(u)).ok", image)


def test_the_404_page_is_designed_and_its_links_work(browser, site_url):
    page, problems = open_page(browser)
    try:
        page.goto(f"{site_url}404.html")
        assert page.inner_text(".zoo-404 h1") == "This page is not in the zoo"
        assert page.title() == "Page not found - Attention Zoo"
        links = page.eval_on_selector_all(".zoo-404__links a", "els => els.map(a => a.href)")
        assert len(links) == 4
        for href in links:
            assert href.startswith(site_url)
            assert page.evaluate("async (u) => (await fetch(u)).status", href) == 200, href
    finally:
        page.context.close()
    problems.check()


def test_no_left_sidebar_lists_a_single_page(page, site_url):
    def sidebar(path):
        page.goto(site_url + path)
        return page.eval_on_selector(
            ".md-sidebar--primary",
            "e => [e.getBoundingClientRect().width, e.querySelectorAll('.md-nav__link[href]').length]",
        )

    width, _ = sidebar("about/")
    assert width == 0, "a page alone in its tab shows no sidebar on a desktop"
    width, links = sidebar("models/mamba-2/")
    assert width > 100 and links > 10, "the model pages keep the list of models"


def test_phone_menu_still_lists_every_tab(phone_page, site_url):
    phone_page.goto(f"{site_url}about/")
    phone_page.click(".md-header label.md-header__button[for='__drawer']")
    tabs = ".md-nav--primary > .md-nav__list > .md-nav__item > .md-nav__link"
    shown = "els => els.filter(e => e.getBoundingClientRect().width > 0).map(e => e.textContent.trim())"
    # The drawer slides in: wait until its links have a width (a busy machine animates slowly).
    phone_page.wait_for_function(f"({shown})([...document.querySelectorAll({tabs!r})]).length > 0")
    names = phone_page.eval_on_selector_all(tabs, shown)
    assert "About" in names and "Compare" in names, names


def test_compare_facts_cover_every_model_of_the_registry_download(built_site):
    models = json.loads((built_site / "assets/data/models.json").read_text())["models"]
    files = {p.stem for p in (built_site / "assets/data/compare").glob("*.json")}
    assert files == {m["id"] for m in models}
