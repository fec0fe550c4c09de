"""Every test under tests/browser/ carries the `browser` marker, so `pytest -m 'not browser'` is the fast
suite (no Chromium, no served site). One build of the site serves the whole session (``built_site``)."""

import os
from pathlib import Path

import pytest

BROWSER = Path(__file__).resolve().parent / "browser"
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


def pytest_collection_modifyitems(items):
    for item in items:
        if BROWSER in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.browser)
