"""Paper facts in models.yaml agree with the record of where they were checked (paper.checked, in the same
block) and with the arXiv ids.

The rules are named checks of zoo.schema.checks (what `zoo validate` runs); these tests run the same checks
and show that each one catches a broken fact.
"""

import pytest
import yaml

from zoo import registry
from zoo.schema import checks
from zoo.yamlsrc import DUMPER, LOADER

RULES = ("paper-first-version", "paper-year", "full-author-lists")


@pytest.fixture(scope="module")
def ctx():
    return checks.context(registry.REGISTRY_PATH)


def run(ctx, name):
    return list(checks.named(name)(ctx))


@pytest.mark.parametrize("name", RULES)
def test_the_registry_passes(ctx, name):
    assert run(ctx, name) == []


def _broken(tmp_path, edit):
    data = yaml.load(registry.REGISTRY_PATH.read_text(encoding="utf-8"), Loader=LOADER)
    edit(next(m for m in data["models"] if m["id"] == "gla"))
    path = tmp_path / "models.yaml"
    text = yaml.dump(data, Dumper=DUMPER, sort_keys=False, allow_unicode=True, width=1000)
    path.write_text(text, encoding="utf-8")
    return checks.context(path)


def test_a_year_that_disagrees_with_the_recorded_first_version_is_named(tmp_path):
    def edit(m):
        m["paper"]["checked"]["first_version"] = "2019-05"

    (p,) = run(_broken(tmp_path, edit), "paper-first-version")
    assert p.model == "gla" and "first version 2019-05" in p.message and "expected" in p.message


def test_the_scaffold_placeholder_page_is_named(tmp_path):
    def edit(m):
        m["paper"]["checked"]["pages"] = ["the page you read, e.g. https://arxiv.org/abs/2601.00001"]

    (p,) = run(_broken(tmp_path, edit), "paper-first-version")
    assert p.model == "gla" and "placeholder" in p.message


def test_year_is_the_year_of_the_first_arxiv_version(tmp_path):
    def edit(m):
        m["year"] += 1

    assert [p.model for p in run(_broken(tmp_path, edit), "paper-year")] == ["gla"]


def test_no_author_list_is_abbreviated(tmp_path):
    def edit(m):
        m["paper"]["authors"].append("et al.")

    assert [p.model for p in run(_broken(tmp_path, edit), "full-author-lists")] == ["gla"]


@pytest.mark.parametrize("first_version,flagged", [("2023-12-31", []), ("2023-11-30", ["gla"])])
def test_a_january_id_may_have_a_first_version_of_the_december_before(tmp_path, first_version, flagged):
    # arXiv numbers an id by the month it is announced in: a paper submitted on 31 December gets a January id.
    def edit(m):
        m["paper"]["arxiv"], m["year"] = "2401.00663", 2023
        m["paper"]["checked"]["first_version"] = first_version

    assert [p.model for p in run(_broken(tmp_path, edit), "paper-year")] == flagged
