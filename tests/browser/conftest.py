"""Fixtures for browser tests: a built site served on 127.0.0.1 (a random port, under a sub-path) and a
Chromium page that fails the test on any console error or any request that leaves the local server.

The site is built once per session into test-output/site (or taken from ZOO_SITE if set, e.g. by
`make test`, which builds first). Screenshots go to test-output/screenshots/ for a person to look at.
"""

import functools
import http.server
import os
import threading
from pathlib import Path
from urllib.parse import urlparse, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
CHROMIUM = os.environ.get("ZOO_CHROMIUM", "/usr/bin/chromium")
# Flags from DESIGN.md: without the background-networking ones Chromium tries to reach Google at start.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


# The site is never served where a build could have guessed: a random port and a sub-path, as a GitHub Pages
# project site is served under /<repo>/.
SUB_PATH = "/zoo-sub/"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site folder under SUB_PATH, like a static host: no rewriting, and a missing address gets the
    site's own 404.html with status 404 (what GitHub Pages does)."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".json": "application/json",
    }

    def log_message(self, *args):
        pass

    def translate_path(self, path):
        route = urlsplit(path).path
        if not route.startswith(SUB_PATH):
            return str(Path(self.directory) / "no such file")  # outside the site: 404
        return super().translate_path("/" + path[len(SUB_PATH) :])

    def send_head(self):
        if urlsplit(self.path).path == SUB_PATH.rstrip("/"):
            self.send_response(301)
            self.send_header("Location", SUB_PATH)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return super().send_head()

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def serve(folder: Path, handler=QuietHandler):
    """Serve ``folder`` on a free loopback port under SUB_PATH in a thread; returns (base_url, server)."""
    handler = functools.partial(handler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}{SUB_PATH}", server


@pytest.fixture(scope="session")
def built_site() -> Path:
    if os.environ.get("ZOO_SITE"):
        site = Path(os.environ["ZOO_SITE"])
        assert (site / "index.html").is_file(), f"ZOO_SITE={site} holds no built site"
        return site
    from zoo.sitegen.build import build

    site = OUTPUT / "site"
    build(site)
    return site


@pytest.fixture(scope="session")
def site_url(built_site):
    url, server = serve(built_site)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageProblems:
    def __init__(self):
        self.console_errors: list[str] = []
        self.offsite: list[str] = []

    def check(self):
        assert not self.offsite, f"requests left localhost: {self.offsite}"
        assert not self.console_errors, f"console errors: {self.console_errors}"


def open_page(browser, *, color_scheme="light", viewport=None, **options):
    """A new page that records console errors and blocks (and records) every off-origin request.

    ``options`` go to the browser context (``has_touch=True`` for a touch screen)."""
    context = browser.new_context(
        color_scheme=color_scheme, viewport=viewport or {"width": 1360, "height": 900}, **options
    )
    page = context.new_page()
    problems = PageProblems()
    page.on("console", lambda msg: msg.type == "error" and problems.console_errors.append(msg.text))
    page.on("pageerror", lambda err: problems.console_errors.append(f"uncaught: {err}"))

    def guard(route):
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            problems.offsite.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return page, problems


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
