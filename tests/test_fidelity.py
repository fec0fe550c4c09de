"""The points of the fidelity audit (paper facts, lineage edges, released-code conventions), held where a
reader meets them: on the built pages, or in the registry the pages are drawn from.

The equations the audit corrected are held to their kernels in tests/kernels/test_conventions.py.
"""

import html
import re

import pytest

from zoo import registry


@pytest.fixture(scope="module")
def reg():
    return registry.load()


def page_text(site, path):
    """The page as a reader reads it: tags dropped, entities decoded, whitespace collapsed (KaTeX keeps each
    formula's TeX source in an annotation, so formulas stay searchable too)."""
    raw = (site / path / "index.html").read_text(encoding="utf-8")
    article = raw[raw.find("<article") :]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", article)))


def section(text, title, following):
    """The text of one model-page section, from its heading to the next one."""
    start = text.index(f" {title}")
    return text[start : text.index(f" {following}", start)]


RWKV7_AUTHORS = [
    "Bo Peng", "Ruichong Zhang", "Daniel Goldstein", "Eric Alcaide", "Xingjian Du", "Haowen Hou",
    "Jiaju Lin", "Jiaxing Liu", "Janna Lu", "William Merrill", "Guangyu Song", "Kaifeng Tan",
    "Saiteja Utpala", "Nathan Wilce", "Johan S. Wind", "Tianyi Wu", "Daniel Wuttke", "Christian Zhou-Zheng",
]


def test_rwkv7_lists_the_eighteen_authors_of_the_current_version(reg, built_site):
    m = next(m for m in reg.models if m.id == "rwkv-7")
    assert list(m.paper.authors) == RWKV7_AUTHORS
    refs = page_text(built_site, "models/rwkv-7").split(" References ")[-1]
    assert ", ".join(RWKV7_AUTHORS) in refs


@pytest.mark.parametrize(
    "model, shown",
    [
        ("log-linear-attention", "https://github.com/HanGuo97/log-linear-attention"),
        ("deltaproduct", "https://github.com/automl/DeltaProduct"),
        ("nope", "Haviv et al. (2022, arXiv 2203.16634)"),
        ("griffin", "1024 tokens in the paper's models"),
        ("griffin", "RecurrentGemma (arXiv 2404.07839) is a separately trained family"),
        ("hyena", "An order-2 operator has two long convolutions"),
    ],
)
def test_corrected_facts_are_on_the_model_pages(built_site, model, shown):
    assert shown in page_text(built_site, f"models/{model}")


def test_hybrid_stacks_carry_the_corrected_facts(reg, built_site):
    stacks = {h.id: h for h in reg.hybrids}
    assert stacks["samba"].venue == "ICLR 2025"
    assert stacks["recurrentgemma"].paper.arxiv == "2404.07839"
    assert stacks["recurrentgemma"].sizes["swa"].window == 2048
    mixers = {layer.mixer for group in stacks["minimax-01"].stack for layer in group.layers}
    assert "lightning-attention" in mixers and "retnet" not in mixers
    text = page_text(built_site, "hybrids")
    assert "RecurrentGemma-2B (Griffin)" in text and "the Griffin paper's own models use 1024" in text
    assert "Samba (421M) Microsoft · 2024 · ICLR 2025" in text


EDGES = [
    ("retnet", "alibi", "influence"),
    ("abc", "transformer", "direct"),
    ("abc", "swa", "influence"),
    ("s4", "hippo", "direct"),
    ("raven", "mamba-2", "influence"),
    ("raven", "gla", "influence"),
    ("wall", "kda", "influence"),
]


def test_lineage_edges_the_papers_support(reg):
    edges = {(m.id, e.parent): e for m in reg.models for e in m.lineage}
    for child, parent, kind in EDGES:
        assert edges[(child, parent)].kind == kind, (child, parent)
    assert "not cited" in edges[("retnet", "alibi")].note
    assert ("s4", "transformer") not in edges


# Each difference between the page and the released code that the audit named, in the words the page's
# Conventions section uses for it.
CONVENTIONS = {
    "path-fox": "multiplies everything by `scale`",
    "gsa": "a temperature change",
    "raven": "a temperature change",
    "griffin": "does not scale the first token",
    "hyena": "gates before it filters",
    "deltanet": "a fixed factor on the output",
    "gated-deltanet": "a fixed factor on the output",
    "gla": "a fixed factor a test checks",
    "rwkv-6": "a fixed factor on the output",
    "mlstm": "The official step starts it at",
    "log-linear-attention": "the WEAK rule of the authors' code",
    "s4": "The page and its kernel are S4D-Lin",
    "ttt": "is this site's choice",
}


@pytest.mark.parametrize("model", sorted(CONVENTIONS))
def test_each_audited_difference_is_stated_in_the_conventions_section(reg, built_site, model):
    m = next(m for m in reg.models if m.id == model)
    assert CONVENTIONS[model] in m.conventions.text
    words = CONVENTIONS[model].replace("`", "")
    assert words in section(page_text(built_site, f"models/{model}"), "Conventions", "Run it live")
