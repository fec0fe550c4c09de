"""Fixtures for browser tests: a built site served on 127.0.0.1 (a random port, under a sub-path) and a
Chromium page that fails the test on any console error or any request that leaves the local server.

The site (``built_site``, tests/conftest.py) is built once per session into test-output/site, or taken
from ZOO_SITE if set (`make test` builds first). Screenshots go to test-output/screenshots/ for a person
to look at.
"""

from pathlib import Path

import pytest

from zoo.chromium import CHROMIUM, CHROMIUM_ARGS, open_page
from zoo.serve import SiteHandler, serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"

# The site is never served where a build could have guessed: a random port and a sub-path, as a GitHub Pages
# project site is served under /<repo>/.
SUB_PATH = "/zoo-sub/"


def serve(folder: Path, handler: type[SiteHandler] = SiteHandler):
    """Serve ``folder`` on a free loopback port under SUB_PATH in a thread; returns (base_url, server)."""
    return serve_in_thread(folder, sub_path=SUB_PATH, handler=handler)


@pytest.fixture(scope="session")
def site_url(built_site):
    url, server = serve(built_site)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    # CHROMIUM_ARGS and open_page live in zoo/chromium.py, shared with scripts/measure_*.py.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    page, problems = open_page(browser)
    page.problems = problems
    yield page
    page.context.close()
    problems.check()


@pytest.fixture
def dark_page(browser):
    page, problems = open_page(browser, color_scheme="dark")
    yield page
    page.context.close()
    problems.check()


@pytest.fixture
def phone_page(browser):
    page, problems = open_page(browser, viewport={"width": 390, "height": 844})
    yield page
    page.context.close()
    problems.check()


@pytest.fixture
def shot():
    folder = OUTPUT / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, full_page: bool = True) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
