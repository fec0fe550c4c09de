"""Shared fixtures, and the test tiers.

A test that drives Chromium (it uses the ``browser`` fixture, directly or through ``page``, ``site_url`` and
the other fixtures of tests/browser/conftest.py) gets the `browser` marker, so `pytest -m 'not browser'` is
the fast suite: no Chromium, no served site. The marker follows the fixtures, not the folder: a test in
tests/browser/ that only reads the built files in Python runs in the fast suite too.

One build of the site serves the whole session (``built_site``); tests read it and never build into it. A
test that needs a changed registry takes ``variant_site`` (one more build, shared) rather than building its
own. See tests/README.md for the conventions that keep the suite fast.
"""

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

# Fixtures that start Chromium or serve the site for it (tests/browser/conftest.py).
BROWSER_FIXTURES = {"browser", "site_url"}
OUTPUT = Path(__file__).resolve().parents[1] / "test-output"


@pytest.fixture(scope="session")
def built_site() -> Path:
    """The site built once per session into test-output/site, or the one ZOO_SITE names (`make test` builds
    first). Read it; never build into it."""
    if os.environ.get("ZOO_SITE"):
        site = Path(os.environ["ZOO_SITE"])
        assert (site / "index.html").is_file(), f"ZOO_SITE={site} holds no built site"
        return site
    from zoo.sitegen.build import build

    site = OUTPUT / "site"
    build(site)
    return site


@dataclass(frozen=True)
class Variant:
    """A site built from a changed copy of the registry (what ``variant_site`` changed, for the tests)."""

    site: Path
    registry: Path
    script_summary: str  # the model whose summary holds a <script> tag
    related: str  # the model marked outside the skeleton
    reason: str
    new_layout: str  # a layout value added to the taxonomy, and the model that uses it
    new_layout_model: str
    draft: str  # a published model turned back into a draft: the (published) build leaves it out
    recall: Path  # an MQAR result file of the harness's fake backend, merged, that the build shows


@pytest.fixture(scope="session")
def variant_site(tmp_path_factory) -> Variant:
    """One build, shared by several tests, of a registry copy with: registry text that must be escaped, a
    model outside the skeleton (one with lineage edges both ways), a new layout value no code names, a
    draft (a model no other block names), and MQAR results trained by the harness's fake backend."""
    import yaml

    from zoo.sitegen.build import build
    from zoo.yamlsrc import DUMPER, LOADER

    root = Path(__file__).resolve().parents[1]
    tmp = tmp_path_factory.mktemp("variant")
    data = yaml.load((root / "models.yaml").read_text(encoding="utf-8"), Loader=LOADER)
    models = data["models"]
    models[1]["summary"] = "A <script>alert(1)</script> summary that is long enough."
    parents = {e["parent"] for m in models for e in m.get("lineage") or []}
    related = next(m for m in models[2:] if m["id"] in parents and m.get("lineage"))
    reason = "Its memory is <b>not</b> written each step & read by a query"
    related["outside_skeleton"] = reason
    data["taxonomy"]["layout"]["paged"] = {
        "label": "Paged <cache>",
        "colour": "#0f766e",
        "description": "Made up for a test: a <i>paged</i> cache.",
    }
    newcomer = next(m for m in models[2:] if m is not related and m["readout"] == "softmax")
    newcomer["layout"] = "paged"
    hybrids = yaml.safe_dump(data.get("hybrids") or [])
    draft = next(m for m in reversed(models) if m["id"] not in parents and m["id"] not in hybrids)
    draft["status"] = "draft"
    path = tmp / "models.yaml"
    path.write_text(yaml.dump(data, Dumper=DUMPER, sort_keys=False, allow_unicode=True), encoding="utf-8")
    recall = fake_mqar_results(tmp / "recall")
    site = OUTPUT / "variant-site"
    # No start-up snapshot (12 s of CPU): the session build carries it and the live tests use that one.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ZOO_LIVE_SNAPSHOT", "0")
        build(site, registry_path=path, recall_results=recall.parent)
    return Variant(
        site, path, models[1]["id"], related["id"], reason, "paged", newcomer["id"], draft["id"], recall
    )


# The fake sweep of the variant site: a width sweep at 16 pairs and a pairs sweep at d = 128, as the real one.
FAKE_MQAR = {
    "mixers": "nope,swa,gla,deltanet,hyena,mamba-2,based",
    "points": "256:64:16,256:128:16,256:256:16,256:128:4,256:128:64",
    "lrs": "1e-3,3e-3,1e-2",
}


def fake_mqar_results(folder: Path) -> Path:
    """`python -m zoo.recall --backend fake` then `merge`, as GPU runs are joined: a realistic document."""
    from zoo.recall import cli

    folder.mkdir(parents=True)
    part, merged = folder.parent / "recall-part.json", folder / "fake-gpu.json"
    argv = [f"--{k}={v}" for k, v in FAKE_MQAR.items()]
    assert cli.main(["--out", str(part), "--backend", "fake", "--steps", "10", "--jobs", "3", *argv]) == 0
    assert cli.main(["merge", str(part), "--out", str(merged)]) == 0
    return merged


def pytest_collection_modifyitems(items):
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
    # Longest first: files that build a site of their own (the variant build, a project copy), then the
    # browser files, then the rest, each file's tests kept in order. Two workers take files in this order, so
    # a long file never starts last while the other worker has nothing left to do.
    rank: dict[Path, int] = {}
    for item in items:
        builds = "variant_site" in getattr(item, "fixturenames", ()) or item.get_closest_marker("builds_site")
        mine = 0 if builds else 1 if item.get_closest_marker("browser") else 2
        rank[item.path] = min(rank.get(item.path, mine), mine)
    items.sort(key=lambda item: rank[item.path])


# Worker groups for `pytest -n 2 --dist loadfile` (the Makefile): a test file runs whole in one worker, so its
# module fixtures are made once, and the files that use `variant_site` count as one file, so that extra
# build is made once per session rather than once per worker. The grouping is done here, where xdist hands
# out the work, because xdist_group marks are lost on this pytest (pytest-xdist issue 1386).
@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class VariantFilesTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = super()._split_scope(nodeid)
            return "variant-site" if uses_variant_site(config.rootpath / path) else path

    config.option.loadscopereorder = False  # hand files out in the order set above, not by test count
    return VariantFilesTogether(config, log)


@functools.cache
def uses_variant_site(test_file: Path) -> bool:
    """Whether a test file names the fixture (xdist hands out work before any worker has collected)."""
    return test_file.suffix == ".py" and "variant_site" in test_file.read_text(encoding="utf-8")
