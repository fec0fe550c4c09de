"""The headless Chromium that the browser tests and the measuring scripts drive (through Playwright).

CHROMIUM and CHROMIUM_ARGS say which browser and how it starts; ``open_page`` gives a page that records
console errors and blocks (and records) every request that leaves the local server. Playwright itself is
imported by the caller, so importing this module costs nothing.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlparse

CHROMIUM = os.environ.get("ZOO_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium tries to reach Google at start.
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


# Requests the guard sees: everything but the local server (and data:/blob: URLs). Playwright matches this
# itself, so the many local requests of a page load never wait on a round trip to Python.
NOT_LOCAL = re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)(:\d+)?/|data:|blob:)")


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

    context.route(NOT_LOCAL, guard)
    return page, problems
