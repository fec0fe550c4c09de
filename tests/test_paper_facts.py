"""Paper facts in models.yaml agree with the record of where they were checked, and with the arXiv ids."""

from pathlib import Path

import pytest
import yaml

from zoo import registry

ROOT = Path(__file__).resolve().parents[1]
REG = registry.load(include_drafts=True)
SOURCES = {s["id"]: s for s in yaml.safe_load((ROOT / "references" / "sources.yaml").read_text())["sources"]}


@pytest.mark.parametrize("model", REG.all_models, ids=lambda m: m.id)
def test_facts_match_the_checked_record(model):
    src = SOURCES.get(model.id)
    assert src, f"{model.id}: no entry in references/sources.yaml saying where the facts were checked"
    assert src["checked"], f"{model.id}: the record lists no page that was read"
    assert model.paper.title == src["arxiv_title"]
    assert model.paper.authors == src["arxiv_authors"]
    assert str(model.year) == str(src["first_version"])[:4]


@pytest.mark.parametrize("model", [m for m in REG.all_models if m.paper.arxiv], ids=lambda m: m.id)
def test_year_is_the_year_of_the_first_arxiv_version(model):
    # New-style arXiv ids start with YYMM of the first submission.
    assert model.year == 2000 + int(model.paper.arxiv[:2]), f"{model.id}: arXiv {model.paper.arxiv}"


def test_no_author_list_is_abbreviated():
    for m in REG.all_models:
        assert not any("et al" in a or "*" in a for a in m.paper.authors), m.id
