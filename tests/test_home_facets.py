"""The facets as the built HTML carries them (no browser): a filter group per taxonomy facet with the counts
of the models on the skeleton, a badge per facet value on cards, table rows, model pages and the compare
facts, and the models outside the skeleton in a group of their own. Read from the session's build and from
a build of a changed registry copy (tests/conftest.py variant_site: a new layout value, a related model)."""

import html
import json
import re
from pathlib import Path

import pytest

from zoo import registry
from zoo.sitegen.home import FACET_TEXT, filter_groups, is_multi, values_of

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reg():
    return registry.load()


@pytest.fixture(scope="module")
def index(built_site) -> str:
    return (built_site / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def variant(variant_site):
    reg = registry.load(variant_site.registry, kernels_dir=registry.ROOT / registry.KERNELS)
    index = (variant_site.site / "index.html").read_text(encoding="utf-8")
    return variant_site, reg, index


def chips(index: str, facet: str) -> dict[str, int]:
    """{value: count} of the filter chips of one facet ('' is All), in page order."""
    found = re.findall(
        rf'<button [^>]*data-facet="{facet}" data-value="([^"]*)"[^>]*>.*?'
        r'<span class="zoo-chip__count">(\d+)</span>',
        index,
    )
    return {value: int(n) for value, n in found}


def element(index: str, tag: str, marker: str) -> str:
    """The first <tag> element whose start tag holds ``marker`` (none of its kind may be nested in it)."""
    start = index.index(marker)
    start = index.rindex(f"<{tag}", 0, start)
    return index[start : index.index(f"</{tag}>", start)]


def expected_counts(reg, facet: str) -> dict[str, int]:
    return {v: sum(v in values_of(m, facet) for m in reg.skeleton) for v in reg.taxonomy.facets()[facet]}


def test_a_filter_group_per_facet_with_the_taxonomy_values_and_counts(reg, index):
    groups = re.findall(r'<div class="zoo-filters__group" role="group" aria-label="([^"]*)"', index)
    assert len(groups) == len(reg.taxonomy.facets())
    assert "Memory layout: what decoding keeps" in groups
    assert re.search(r'data-facet="layout" data-value=""', index)
    for facet in reg.taxonomy.facets():
        assert facet in FACET_TEXT, f"the filter bar has no label for facet {facet!r}"
        found = chips(index, facet)
        want = expected_counts(reg, facet)
        if not is_multi(facet):
            assert found.pop("") == len(reg.skeleton), facet  # "All"
        assert found == want, facet
        assert list(found) == list(reg.taxonomy.facets()[facet]), facet  # the taxonomy's order


def test_every_card_row_and_model_page_shows_its_layout_badge(reg, index, built_site):
    for m in reg.models:
        card = element(index, "article", f'id="card-{m.id}"')
        assert f'data-layout="{m.layout}"' in card, m.id
        assert f'data-decay="{" ".join(m.decay)}"' in card, m.id
        badge = f"zoo-badge zoo-badge--layout zoo-badge--layout-{m.layout}"
        assert badge in card, m.id
        label = html.escape(reg.taxonomy.layout[m.layout].label)
        # the card shows it short (its key), the label in words for screen readers and in the tooltip
        short = f'{badge} zoo-badge--short" title="Decoding keeps: {label}: '
        words = f'<span class="zoo-visually-hidden">Decoding keeps: {label}</span>'
        assert re.search(rf'{short}[^>]*><span aria-hidden="true">{m.layout}</span>{words}', card), m.id
        row = element(index, "tr", f'data-id="{m.id}">')  # a related model's row is not filtered
        hidden = '<span class="zoo-visually-hidden">Decoding keeps: </span>'
        assert re.search(rf'{badge}"[^>]*>{hidden}{label}<', row), m.id
        page = (built_site / "models" / m.id / "index.html").read_text(encoding="utf-8")
        head = element(page, "div", 'class="zoo-model-head"')
        assert badge in head, m.id
        for facet in ("readout", "decay", "gates"):
            for value in values_of(m, facet):
                assert f"zoo-badge--{facet}-{value}" in head, (m.id, facet, value)


def test_cards_show_gates_as_marks_that_the_gate_chips_explain(reg, index):
    from zoo.sitegen.home import GATE_MARKS

    for m in reg.models:
        card = element(index, "article", f'id="card-{m.id}"')
        facet = reg.taxonomy.gates[m.gates]
        mark = re.escape(html.escape(GATE_MARKS.get(m.gates, m.gates)))
        assert re.search(
            rf'zoo-badge--gates-{m.gates} zoo-badge--short"[^>]*><span aria-hidden="true">{mark}</span>'
            rf'<span class="zoo-visually-hidden">Gates: {re.escape(html.escape(facet.label))}</span>',
            card,
        ), m.id
    for value in reg.taxonomy.gates:
        chip = element(index, "button", f'data-facet="gates" data-value="{value}"')
        assert f'data-mark="{html.escape(GATE_MARKS.get(value, value))}"' in chip, value


def test_compare_facts_carry_the_layout_badge(reg, built_site):
    for m in reg.models:
        facts = json.loads((built_site / f"assets/data/compare/{m.id}.json").read_text(encoding="utf-8"))
        layout = facts["facts"]["layout"]
        assert f"zoo-badge--layout-{m.layout}" in layout, m.id
        assert html.escape(reg.taxonomy.layout[m.layout].label) in layout, m.id


def test_facet_colours_are_generated_for_every_layout_value(reg, built_site):
    css = (built_site / "assets/css/facets.css").read_text(encoding="utf-8")
    for key in reg.taxonomy.layout:
        assert f".zoo-badge--layout-{key}, .zoo-chip--layout-{key}" in css


def test_a_new_layout_value_needs_no_code_edit(variant):
    v, reg, index = variant
    assert chips(index, "layout")[v.new_layout] == 1
    chip = element(index, "button", f'data-facet="layout" data-value="{v.new_layout}"')
    assert "Paged &lt;cache&gt;" in chip and "<cache>" not in chip  # labels and descriptions are escaped
    assert "a &lt;i&gt;paged&lt;/i&gt; cache" in chip
    card = element(index, "article", f'id="card-{v.new_layout_model}"')
    assert f'data-layout="{v.new_layout}"' in card and f"zoo-badge--layout-{v.new_layout}" in card
    css = (v.site / "assets/css/facets.css").read_text(encoding="utf-8")
    assert f".zoo-badge--layout-{v.new_layout}," in css


def test_a_model_outside_the_skeleton_is_left_out_of_the_filters(variant):
    v, reg, index = variant
    m = reg.by_id[v.related]
    assert m in reg.related and m not in reg.skeleton
    for facet in reg.taxonomy.facets():
        found = chips(index, facet)
        if not is_multi(facet):
            assert found.pop("") == len(reg.skeleton)
        assert found == expected_counts(reg, facet), facet
    assert f'data-zoo-status role="status" aria-live="polite">{len(reg.skeleton)} models<' in index
    grid = index[index.index("data-zoo-grid") : index.index("data-zoo-table")]
    assert f'id="card-{m.id}"' not in grid
    # the hero's readout x decay counts leave it out too
    cells = re.findall(r'href="\?readout=(\w+)&amp;decay=(\w+)#models" aria-label="(\d+) models?', index)
    assert cells
    for readout, decay, n in cells:
        assert int(n) == sum(x.readout == readout and decay in x.decay for x in reg.skeleton)


def test_a_model_outside_the_skeleton_is_shown_apart_with_its_reason(variant):
    v, reg, index = variant
    m = reg.by_id[v.related]
    reason = html.escape(v.reason)  # "<b>not</b>" and "&" come out as text
    assert "<b>not</b>" not in index
    section = element(index, "section", "data-zoo-related")
    assert index.index("data-zoo-grid") < index.index("data-zoo-related")
    assert "Related, outside the skeleton" in section
    card = element(section, "article", f'id="card-{m.id}"')
    assert "data-zoo-related-card" in card and "data-zoo-card " not in card
    assert f"<strong>Outside the skeleton:</strong> {reason}.</p>" in card
    assert f"zoo-badge--layout-{m.layout}" in card
    n = len(reg.related)
    lede = f"{n} related models</a> sit" if n > 1 else "1 related model</a> sits"
    assert f'href="#related">{lede} outside it' in index
    # table view: after the filtered rows, in a body of its own that the filters and sorting leave alone
    related_body = element(index, "tbody", 'class="zoo-table__related"')
    row = element(related_body, "tr", f'data-id="{m.id}"')
    assert "data-zoo-row" not in row and f'aria-describedby="why-{m.id}"' in row
    # its reason in a row of its own right under it, across the table (not a narrow first cell)
    why = element(related_body, "tr", f'data-why="{m.id}"')
    assert f'<td colspan="5" id="why-{m.id}"><span>{reason}.</span></td>' in why and reason not in row
    assert "<tr" not in related_body[related_body.index(row) + len(row) : related_body.index(why)]
    assert f'data-zoo-row data-id="{m.id}"' not in index
    # its page says so under the title; the lineage graph keeps its node and edges
    page = (v.site / "models" / m.id / "index.html").read_text(encoding="utf-8")
    note = element(page, "p", 'class="zoo-outside-note"')
    assert f"{reason}." in note and 'href="../../#related"' in note
    assert page.index("<h1") < page.index("zoo-outside-note") < page.index("zoo-model-head")
    node = element(index, "a", f'href="models/{m.id}/" data-id="{m.id}"')
    assert "zoo-lineage__node" in node


def test_model_pages_without_a_reason_have_no_note(reg, built_site):
    for m in reg.skeleton:
        page = (built_site / "models" / m.id / "index.html").read_text(encoding="utf-8")
        assert "zoo-outside-note" not in page, m.id


def test_a_facet_without_a_label_is_labelled_by_its_key():
    class Tax:
        def facets(self):
            return {"readout": {}, "colour": {}}

    groups = filter_groups(Tax(), [])
    assert [(g["key"], g["label"], g["aria"], g["multi"]) for g in groups] == [
        ("readout", "Readout", "Readout", False),
        ("colour", "Colour", "Colour", False),
    ]


def test_the_filter_scripts_name_no_facet_and_no_facet_value(reg):
    # The facets and their values reach the scripts from the page (one chip group per taxonomy facet), so a
    # new facet value needs no script edit; code (comments aside) never spells one.
    words = {w for facet, values in reg.taxonomy.facets().items() for w in (facet, *values)}
    for name in ("filters.js", "filter_state.js"):
        text = (ROOT / "docs" / "assets" / "js" / name).read_text(encoding="utf-8")
        code = re.sub(r"//[^\n]*", "", text)
        quoted = set(re.findall(r"""["'`]([\w-]+)["'`]""", code))
        assert not quoted & words, (name, sorted(quoted & words))
