"""The build produces a complete site, and a failed build leaves the previous site untouched."""

import html
import re
from pathlib import Path

import pytest
import yaml
from markupsafe import escape

from zoo import registry
from zoo.sitegen import pages
from zoo.sitegen.build import BuildError, build
from zoo.yamlsrc import DUMPER, LOADER

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def site(built_site) -> Path:
    return built_site  # the session's one build (tests/conftest.py)


@pytest.fixture
def previous_site(tmp_path) -> Path:
    """A site a failed build must leave as it was (any folder will do: the build never reads it)."""
    site = tmp_path / "previous" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text("the previous site", encoding="utf-8")
    return site


def test_every_model_has_a_page_and_a_card(site):
    reg = registry.load()
    index = (site / "index.html").read_text(encoding="utf-8")
    for m in reg.models:
        assert (site / "models" / m.id / "index.html").is_file(), m.id
        assert f'id="card-{m.id}"' in index


def test_the_models_tab_opens_an_index_of_every_model_grouped_as_the_menu(site):
    """/models/ is a page, not a missing folder: the Models tab opens it, it links every model once, and the
    menu beside every page groups the models the same way (by family, oldest first within a family, the
    related models last)."""
    reg = registry.load()
    index = (site / "index.html").read_text(encoding="utf-8")
    tabs = re.findall(r'<a href="([^"]*)" class="md-tabs__link">', index)
    assert "models/" in tabs, tabs
    page = (site / "models" / "index.html").read_text(encoding="utf-8")
    content = page[page.index('<article'):page.index('</article>')]
    listed = re.findall(r'<li><a href="([a-z0-9-]+)/">', content)
    assert sorted(listed) == sorted(m.id for m in reg.models) and len(set(listed)) == len(listed)
    groups = pages.menu_groups(reg)
    assert listed == [m.id for g in groups for m in g["models"]]
    for g in groups:  # within a group, by year; each model in the group its chart colour says
        assert [m.year for m in g["models"]] == sorted(m.year for m in g["models"]), g["key"]
        assert f'id="{g["key"]}"' in content
    assert [m.id for m in groups[-1]["models"]] == [m.id for m in reg.related]
    about = (site / "about" / "index.html").read_text(encoding="utf-8")
    menu = re.findall(r'href="\.\./models/([a-z0-9-]+)/" class="md-nav__link"', about)
    assert menu == listed
    group_title = r'<label class="md-nav__title" for="__nav_2_\d+">\s*<span[^>]*></span>\s*([^<]+?)\s*<'
    titles = re.findall(group_title, about)
    assert titles == [html.escape(g["title"]) for g in groups]


def test_every_model_page_carries_its_title_paper_bibtex_and_parents(site):
    """What every model page shows, read from the built HTML (one browser test opens a page as a reader)."""
    reg = registry.load()
    for m in reg.models:
        page = (site / "models" / m.id / "index.html").read_text(encoding="utf-8")
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
        assert h1 and html.unescape(re.sub(r"<[^>]+>", "", h1.group(1))).strip().startswith(m.name), m.id
        assert m.paper.title in html.unescape(page), m.id
        bib = re.search(r'class="zoo-bibtex"[^>]*>(.*?)</', page, re.S)
        assert bib and "@" in bib.group(1), m.id
        caption = re.search(r'class="zoo-block__caption">(.*?)</figcaption>', page, re.S).group(1)
        if m.block.differences:  # a sentence of its own after the parent's name, not "...; what changes: The"
            assert f"</a>. {escape(m.block.differences)}" in caption, m.id
        lineage = page[page.find("zoo-lineage-list") :]
        for parent, _edge in reg.parents(m):
            assert f'href="../{parent.id}/"' in lineage, (m.id, parent.id)


def test_every_author_is_on_the_page_and_long_lists_are_shortened_in_the_header(site):
    reg = registry.load()
    for m in reg.models:
        page = html.unescape((site / "models" / m.id / "index.html").read_text(encoding="utf-8"))
        head = page[page.find("zoo-model-head__paper") : page.find("zoo-model-head__summary")]
        refs = page[page.find('id="references"') :]
        assert m.paper.authors[0] in head and all(a in refs for a in m.paper.authors), m.id
        n = len(m.paper.authors)
        assert (f"and {n - 12} more" in head) == (n > 15) and (m.paper.authors[-1] in head) == (n <= 15), m.id


def test_every_model_page_states_its_conventions_after_the_equations(site):
    reg = registry.load()
    for m in reg.models:
        page = (site / "models" / m.id / "index.html").read_text(encoding="utf-8")
        eq, conv = page.find('id="equations"'), page.find('id="conventions"')
        assert 0 <= eq < conv, m.id
        section = page[conv : page.find("<h2", conv + 1)]
        assert m.conventions.source, m.id
        for f in m.conventions.source:
            assert f'href="https://github.com/{f.repo}/blob/HEAD/{f.path}"' in section, (m.id, f.path)


def test_code_spans_in_registry_prose_are_escaped():
    from zoo.sitegen.context import _code_spans

    html = str(_code_spans("call `f(x) < <b>1</b>` & <i>"))
    assert html == "call <code>f(x) &lt; &lt;b&gt;1&lt;/b&gt;</code> &amp; &lt;i&gt;"


def test_math_is_rendered_at_build_time(site):
    reg = registry.load()
    page = (site / "models" / reg.models[0].id / "index.html").read_text(encoding="utf-8")
    assert page.count('class="katex"') >= 3
    assert "<math" in page  # MathML for screen readers
    # The home page's cards draw their formulas from one SVG sprite: every reference resolves to a symbol.
    index = (site / "index.html").read_text(encoding="utf-8")
    sprite = (site / "assets/math/home.svg").read_text(encoding="utf-8")
    refs = re.findall(r'xlink:href="assets/math/home\.svg#([\w-]+)"', index)
    assert {f"eq-{m.id}" for m in reg.models} <= set(refs)
    for ref in set(refs):
        assert f'<symbol id="{ref}"' in sprite, ref
    # The contributor guide's notation table is math too, not raw d_k / R^{d_k} text; $ inside code stays.
    guide = (site / "contributing" / "index.html").read_text(encoding="utf-8")
    table = guide[guide.index('id="the-shared-notation"'):]
    table = re.sub(r"<annotation.*?</annotation>", "", table[: table.index("</table>")], flags=re.S)
    assert table.count('class="katex"') >= 6 and "$" not in table and "d_k" not in table
    assert table.count("<tr>") == 5 and "&lt;path" not in table  # a multi-line SVG path broke rows once


def test_vendored_assets_are_served_locally(site):
    assert (site / "assets/vendor/plotly/plotly-cartesian.min.js").stat().st_size > 1_000_000
    assert (site / "assets/vendor/katex/katex.min.css").is_file()
    assert any((site / "assets/vendor/katex/fonts").glob("*.woff2"))
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for needle in ('src="http', "src='http", 'href="https://fonts', "cdn.jsdelivr", "unpkg.com"):
            assert needle not in text, f"{page}: {needle}"


def test_registry_text_is_escaped(variant_site):
    # the registry copy's summary holds a <script> tag (tests/conftest.py variant_site)
    index = (variant_site.site / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in index
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index


def test_the_published_build_leaves_drafts_out(variant_site):
    # One model of the registry copy is a draft (tests/conftest.py variant_site). A preview build (--drafts)
    # shows a draft: tests/browser/test_contribute.py.
    draft = variant_site.draft
    assert (variant_site.site / "models").is_dir() and not (variant_site.site / "models" / draft).exists()
    index = (variant_site.site / "index.html").read_text(encoding="utf-8")
    assert f'data-id="{draft}"' not in index and f"models/{draft}/" not in index


def test_failed_build_leaves_the_previous_site(previous_site, tmp_path):
    site = previous_site
    marker = site / "index.html"
    before = marker.read_text(encoding="utf-8")
    data = yaml.load((ROOT / "models.yaml").read_text(encoding="utf-8"), Loader=LOADER)
    data["models"][1]["decay"] = ["exponential"]
    bad = tmp_path / "models.yaml"
    bad.write_text(yaml.dump(data, Dumper=DUMPER, sort_keys=False), encoding="utf-8")
    with pytest.raises(registry.RegistryError):
        build(site, registry_path=bad)
    assert marker.read_text(encoding="utf-8") == before
    assert not list(site.parent.glob(".zoo-build-*")), "temporary build folder left behind"


def test_bad_tex_names_the_model_and_leaves_the_site(previous_site, tmp_path):
    site = previous_site
    data = yaml.load((ROOT / "models.yaml").read_text(encoding="utf-8"), Loader=LOADER)
    model_id = data["models"][1]["id"]
    data["models"][1]["equations"]["readout"] = r"o_t = \frac{S_t q_t"
    bad = tmp_path / "models.yaml"
    bad.write_text(yaml.dump(data, Dumper=DUMPER, sort_keys=False), encoding="utf-8")
    before = (site / "index.html").stat().st_mtime_ns
    with pytest.raises(BuildError, match=f"model '{model_id}': equations.readout does not render"):
        build(site, registry_path=bad)
    assert (site / "index.html").stat().st_mtime_ns == before


def test_a_site_without_its_404_page_fails_the_build(tmp_path):
    # The page that makes the site work at any address is rewritten after mkdocs; it was once skipped
    # without a word when missing, which left a missing address to the host's bare page.
    from zoo.sitegen import anywhere

    with pytest.raises(BuildError, match="404.html"):
        anywhere.relocate_404(tmp_path, None)


def test_the_recall_page_fails_without_a_model_its_text_names():
    # Its figures once dropped a model missing from the registry without a word, under text about it.
    from types import SimpleNamespace

    from zoo.sitegen import recall

    models = dict(registry.load().by_id)
    models.pop("retnet")
    with pytest.raises(BuildError, match="retnet.*zoo/sitegen/recall.py"):
        recall._page_figures(SimpleNamespace(registry=SimpleNamespace(by_id=models)))


# A local address in markup: src/href/data-src/data-href from the page, data-zoo-* data files from the site
# root (docs/assets/js/site.js). Schemes, fragments-only and queries are not files.
LOCAL_REF = re.compile(
    r'\s(src|href|data-src|data-href|data-zoo-[a-z-]+)="(?![a-z][a-z0-9+.-]*:|//|#)([^"#?]+)'
)
DATA_FILE = re.compile(r"\.(json|py|png|svg|gz|bin)$")


def test_every_file_a_page_points_to_was_built(site):
    # A page once pointed at files the build had stopped writing (its figures drew nothing): every local
    # address in every page's markup must name a file of the built site.
    missing = set()
    for page in site.rglob("*.html"):
        if page.name == "404.html":  # its links are rewritten against a <base> (zoo/sitegen/anywhere.py)
            continue
        for attr, ref in LOCAL_REF.findall(page.read_text(encoding="utf-8")):
            ref = html.unescape(ref)
            if attr.startswith("data-zoo-"):
                if not DATA_FILE.search(ref):
                    continue  # a setting, not an address
                target = site / ref
            else:
                target = page.parent / ref
            target = target.resolve()
            if not (target / "index.html" if target.is_dir() else target).is_file():
                missing.add(f"{page.relative_to(site)}: {attr}={ref}")
    assert not missing, "\n".join(sorted(missing)[:20])


def test_every_file_the_live_scripts_build_an_address_for_was_built(site):
    # Addresses the scripts put together themselves, which the markup does not name: a missing one fails
    # only quietly in the reader's browser (no early draw, an empty facts table).
    import json

    wanted = []
    for page in site.rglob("*.html"):
        for config in re.findall(r'data-zoo-live="([^"]+)"', page.read_text(encoding="utf-8")):
            wanted.append(json.loads((site / config).read_text(encoding="utf-8"))["build_run"]["file"])
    compare = (site / "compare/index.html").read_text(encoding="utf-8")
    facts = re.search(r'data-zoo-compare-facts="([^"]+)"', compare)[1]
    models = json.loads((site / re.search(r'data-zoo-compare="([^"]+)"', compare)[1]).read_text())["models"]
    for m in models:  # docs/assets/js/live/compare.js
        wanted += [f"{facts}{m['id']}.json", f"assets/data/figs/{m['id']}-mixing-t32.json"]
    assert len(wanted) >= 2 * len(models) + 60
    assert not [w for w in wanted if not (site / w).is_file()]


def test_pages_quote_the_live_download_only_after_the_live_generator_wrote_it(site, tmp_path):
    # The Recall page once would have left out the figure without a word had it run before the live
    # generator; now that is a build error, and the built page quotes the figure the manifest gives.
    import json

    from zoo.sitegen import pyodide_assets

    with pytest.raises(BuildError, match="GENERATORS"):
        pyodide_assets.download_mb(tmp_path)
    manifest = json.loads((site / pyodide_assets.VENDOR_DIR / pyodide_assets.MANIFEST).read_text())
    if manifest["available"]:
        mb = round(manifest["download_bytes"] / 1e6)
        assert f'data-zoo-recall-download-mb="{mb}"' in (site / "recall/index.html").read_text()
