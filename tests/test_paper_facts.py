"""Paper facts in models.yaml agree with the record of where they were checked, and with the arXiv ids.

The rules are named checks of zoo.schema.checks (what `zoo validate` runs); these tests run the same checks
and show that each one catches a broken fact.
"""

import pytest
import yaml

from zoo import registry
from zoo.schema import checks

RULES = ("paper-sources", "paper-year", "full-author-lists")


@pytest.fixture(scope="module")
def ctx():
    return checks.context(registry.REGISTRY_PATH)


def run(ctx, name):
    return list(checks.named(name)(ctx))


@pytest.mark.parametrize("name", RULES)
def test_the_registry_passes(ctx, name):
    assert run(ctx, name) == []


def _broken(tmp_path, edit):
    data = yaml.safe_load(registry.REGISTRY_PATH.read_text(encoding="utf-8"))
    sources = yaml.safe_load((registry.ROOT / checks.SOURCES).read_text(encoding="utf-8"))
    edit(data, sources)
    (tmp_path / "references").mkdir()
    (tmp_path / checks.SOURCES).write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")
    return checks.context(path)


def test_a_model_without_a_record_is_named(tmp_path):
    def edit(data, sources):
        sources["sources"] = [s for s in sources["sources"] if s["id"] != "gla"]

    (p,) = run(_broken(tmp_path, edit), "paper-sources")
    assert p.model == "gla" and "no entry in references/sources.yaml" in p.message and "expected" in p.message


def test_a_title_that_drifted_from_the_record_is_named(tmp_path):
    def edit(data, sources):
        next(m for m in data["models"] if m["id"] == "gla")["paper"]["title"] += " (v2)"

    (p,) = run(_broken(tmp_path, edit), "paper-sources")
    assert p.model == "gla" and "title differs" in p.message


def test_year_is_the_year_of_the_first_arxiv_version(tmp_path):
    def edit(data, sources):
        next(m for m in data["models"] if m["id"] == "gla")["year"] += 1

    assert [p.model for p in run(_broken(tmp_path, edit), "paper-year")] == ["gla"]


def test_no_author_list_is_abbreviated(tmp_path):
    def edit(data, sources):
        next(m for m in data["models"] if m["id"] == "gla")["paper"]["authors"].append("et al.")

    assert [p.model for p in run(_broken(tmp_path, edit), "full-author-lists")] == ["gla"]
