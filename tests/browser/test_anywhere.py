"""The built site works unchanged at an address it was not built for: the test server uses a random port and
a sub-path (conftest.SUB_PATH), as a GitHub Pages project site lives under /<repo>/."""

import json
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import SUB_PATH

from zoo.sitegen import anywhere, build


def test_a_default_build_names_no_address(built_site):
    # Canonical links and sitemap entries name the public address only when --site-url gives one.
    for page in ["index.html", "models/fox/index.html", "404.html", "sitemap.xml"]:
        text = (built_site / page).read_text(encoding="utf-8")
        assert "127.0.0.1" not in text and "localhost" not in text, page
        assert 'rel="canonical"' not in text, page
        assert 'content="//' not in text, f"{page}: a protocol-relative address names a host"
    pages = json.loads((built_site / anywhere.PAGES).read_text())["pages"]
    assert "" in pages and "models/fox/" in pages and "compare/" in pages
    assert not [p for p in pages if p.startswith("assets/")]


def test_site_url_is_written_only_when_given(tmp_path):
    class Ctx:
        root = build.ROOT
        docs = tmp_path / "docs"
        nav = []

    for url, want in [(None, None), ("https://example.org/zoo/", "https://example.org/zoo/")]:
        config = yaml.safe_load(build.write_mkdocs_config(Ctx, tmp_path, url).read_text())
        assert config.get("site_url") == want


@pytest.mark.parametrize("url, markup_base", [(None, "about:blank"), ("https://example.org/zoo/", "/zoo/")])
def test_the_404_page_names_its_base_before_anything_is_fetched(tmp_path, url, markup_base):
    # The preload scanner reads the markup's <base> before any script runs: the site URL's path when the
    # build has one, else a base against which no relative link resolves (nothing is fetched from under a
    # missing address). Material's palette scope follows the base the script then sets.
    prefix = anywhere.root_path(url)
    (tmp_path / "404.html").write_text(
        f'<html><head><script>__md_scope=new URL("{prefix}",location)</script>'
        f'<link href="{prefix}assets/x.css"></head><body>'
        '<script id="__config" type="application/json">{}</script></body></html>'
    )
    anywhere.relocate_404(tmp_path, url)
    html = (tmp_path / "404.html").read_text()
    base, script = html.index(f'<base href="{markup_base}">'), html.index("<script>")
    assert base < script < html.index('href="assets/x.css"')
    assert "__md_scope=new URL(document.baseURI)" in html


def header_link_and_styles(page):
    """The logo's link and whether Material's stylesheet applies (the header is sticky only with it)."""
    return page.evaluate("""() => ({
        home: document.querySelector('.md-header__button.md-logo').href,
        sticky: getComputedStyle(document.querySelector('.md-header')).position,
        sheets: [...document.querySelectorAll('link[rel=stylesheet]')].map(l => [l.href, !!l.sheet]),
        base: document.querySelector('base'),
    })""")


def test_clicks_navigate_instantly_and_history_works(page, site_url):
    assert urlsplit(site_url).path == SUB_PATH and urlsplit(site_url).port != 8000
    page.goto(site_url)
    page.wait_for_function("!!window.document$")
    # Material intercepts clicks only once it has read the sitemap (its click stream waits for it): on a busy
    # machine a click made sooner is an ordinary page load, which is not what this test is about.
    page.wait_for_load_state("networkidle")
    page.evaluate("window.__zooMarker = 'still here'")

    def click_link(path):
        # A link in the page's navigation or its text (hrefs are relative; .href is absolute).
        links = (
            f'.md-sidebar--primary a[href$="{path}"]:visible, .md-tabs a[href$="{path}"], '
            f'.md-content a[href$="{path}"]'
        )
        page.locator(links).first.click()
        page.wait_for_url(f"{site_url}{path}")
        page.wait_for_selector("h1")

    click_link("about/")
    models_tab = page.locator('.md-tabs a[href*="models/"]').first.evaluate("a => a.href")
    click_link(models_tab[len(site_url):])  # the Models tab: the index of every model
    assert models_tab == f"{site_url}models/"
    click_link("models/gated-deltanet/")
    # Instant navigation changes the URL before it swaps the content in; the old h1 may still be there.
    page.wait_for_function("document.querySelector('h1')?.textContent.includes('Gated DeltaNet')")
    assert page.evaluate("window.__zooMarker") == "still here", "a click reloaded the page"

    page.go_back()
    page.go_back()
    page.wait_for_url(f"{site_url}about/")
    page.wait_for_function("document.querySelector('h1')?.textContent.includes('About')")
    page.go_forward()
    page.go_forward()
    page.wait_for_url(f"{site_url}models/gated-deltanet/")
    page.wait_for_function("document.querySelector('h1')?.textContent.includes('Gated DeltaNet')")
    assert page.evaluate("window.__zooMarker") == "still here", "back or forward reloaded the page"
    # Links on the new page still point inside the sub-path.
    home = header_link_and_styles(page)["home"]
    assert home == site_url


@pytest.mark.parametrize("missing", ["models/no-such-model/", "no/such/page", "typo"])
def test_the_404_page_is_styled_at_any_depth(page, site_url, missing):
    failed = []
    page.on("response", lambda r: r.status >= 400 and failed.append(r.url))
    response = page.goto(site_url + missing)
    assert response.status == 404
    page.wait_for_load_state("load")
    # Only the address itself is missing: the preload scanner, which reads the page before its scripts set
    # the base, fetched no stylesheet or script from under the missing path.
    assert failed == [site_url + missing], failed
    got = header_link_and_styles(page)
    assert got["sheets"] and all(href.startswith(site_url) and loaded for href, loaded in got["sheets"]), got
    assert got["sticky"] == "sticky", "Material's stylesheet did not apply"
    assert got["home"] == site_url, "the logo leads to the site's home page"
    assert got["base"] is None, "no <base> is left behind for later navigation"
    # The only console error is the browser's note about the page's own 404 status.
    page.problems.console_errors[:] = [e for e in page.problems.console_errors if "404" not in e]
    # From the 404 page, a click opens the home page of this site.
    page.click(".md-header__button.md-logo")
    page.wait_for_url(site_url)
    page.wait_for_selector(".md-content")


def test_the_404_page_keeps_the_palette_chosen_on_the_site(page, site_url):
    page.goto(site_url + "about/")
    page.locator("form[data-md-component='palette'] label:visible").first.click()
    chosen = page.evaluate("document.body.dataset.mdColorScheme")
    page.goto(site_url + "models/no-such-model/")
    page.wait_for_load_state("load")
    assert page.evaluate("document.body.dataset.mdColorScheme") == chosen == "slate"
    page.problems.console_errors[:] = [e for e in page.problems.console_errors if "404" not in e]


def test_modules_keep_one_handle_on_window(page, site_url):
    # Modules share state through imports; the live runtime's handle is the one documented exception. The
    # visit loads Plotly on a model page, then draws the calculator's chart after an instant navigation.
    page.goto(f"{site_url}models/mamba-2/")
    page.locator("[data-zoo-fig]").first.scroll_into_view_if_needed()  # figures load near the viewport
    page.wait_for_selector("[data-zoo-fig][data-zoo-rendered]")
    page.wait_for_function("window.__zooLive !== undefined")
    page.wait_for_load_state("networkidle")  # Material has read the sitemap, so it intercepts the click
    page.evaluate("window.__zooMarker = 'still here'")
    page.locator(".md-tabs a[href$='hybrids/']").first.click()
    page.wait_for_selector("[data-calc='chart'][data-zoo-rendered]")
    assert page.evaluate("window.__zooMarker") == "still here", "the click reloaded the page"
    names = page.evaluate("Object.keys(window).filter((k) => /zoo/i.test(k) && k !== '__zooMarker')")
    assert names == ["__zooLive"]
    loads = page.evaluate(
        "performance.getEntriesByType('resource').filter((e) => e.name.includes('plotly')).length"
    )
    assert loads == 1, "Plotly is fetched once per tab"
