"""Every test under tests/browser/ carries the `browser` marker, so `pytest -m 'not browser'` is the fast
suite (no Chromium, no served site)."""

from pathlib import Path

import pytest

BROWSER = Path(__file__).resolve().parent / "browser"


def pytest_collection_modifyitems(items):
    for item in items:
        if BROWSER in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.browser)
