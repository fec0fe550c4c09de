"""When live runs cannot happen, the reader is told why and the build-time figures stay.

Each case serves the built site through a handler that breaks one thing: the numpy wheel is missing, the
build had no wheel (manifest says unavailable), the browser has no WebAssembly, or Pyodide never arrives.
A start-up snapshot that is missing or comes from another Pyodide build is no failure: the worker starts
the normal way and the reader sees nothing but the time it takes.
"""

import gzip
import json
import time

import pytest
from conftest import serve
from test_live import assert_matches_cpython, wait_for_result

from zoo.chromium import open_page
from zoo.serve import SiteHandler
from zoo.sitegen import live_snapshot

WHEEL_SUFFIX = "_wasm32.whl"


def other_build(snapshot: bytes) -> bytes:
    """The snapshot with another build id in Pyodide's own header (what a mixed-up deployment would serve);
    sent unzipped, which the worker accepts as well (a server may have unzipped it already)."""
    data = bytearray(gzip.decompress(snapshot))
    n = int.from_bytes(data[4:8], "little")
    pyodide_header = -(-(8 + n) // 16) * 16
    data[pyodide_header + 16] ^= 0xFF  # first byte of the 32-byte build id, after magic, offsets and padding
    return bytes(data)


class BrokenSite(SiteHandler):
    """The site server with one fault, chosen by the class attribute ``fault``."""

    fault = None

    def do_GET(self):
        path = self.path.split("?")[0]
        if self.fault == "no-wheel" and path.endswith(WHEEL_SUFFIX):
            return self.send_error(404, "File not found")
        if self.fault == "unavailable" and path.endswith("/pyodide/zoo-live.json"):
            body = json.dumps(
                {
                    "pyodide": "0.27.7",
                    "available": False,
                    "total_bytes": 0,
                    "files": {},
                    "reason": "the numpy wheel could not be downloaded (test)",
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return self.wfile.write(body)
        if path.endswith(f"/{live_snapshot.FILE}") and self.fault in ("no-snapshot", "other-build"):
            if self.fault == "no-snapshot":
                return self.send_error(404, "File not found")
            with open(self.translate_path(path), "rb") as f:
                body = other_build(f.read())
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return self.wfile.write(body)
        if self.fault == "slow" and path.endswith("pyodide.asm.wasm"):
            time.sleep(4)  # longer than the shortened timeout the test sets
        return super().do_GET()


@pytest.fixture
def broken(built_site, browser):
    """broken(fault) -> (page, base_url, problems) for a site served with that fault."""
    servers, contexts = [], []

    def start(fault, init_script=None):
        base, server = serve(built_site, type("Handler", (BrokenSite,), {"fault": fault}))
        servers.append(server)
        page, problems = open_page(browser)
        contexts.append(page.context)
        if init_script:
            page.add_init_script(init_script)
        return page, base, problems

    yield start
    for context in contexts:
        context.close()
    for server in servers:
        server.shutdown()


def first_model(built_site) -> str:
    return json.loads((built_site / "assets/data/live/compare.json").read_text())["models"][0]["id"]


def click_run_and_wait_for_failure(page, base, model_id, query=""):
    page.goto(f"{base}models/{model_id}/{query}")
    page.click("[data-zoo-live] [data-zoo-live-start]")
    # The failure is known once Pyodide has compiled (tens of seconds on a loaded 2-core machine).
    page.wait_for_selector("[data-zoo-live][data-zoo-live-status=failed]", timeout=150_000)
    return page.query_selector("[data-zoo-live]")


def assert_static_figures_stay(page):
    static = page.locator("[data-zoo-live-static] [data-zoo-fig]").first
    static.scroll_into_view_if_needed()
    page.wait_for_selector("[data-zoo-live-static] [data-zoo-fig][data-zoo-rendered]")
    assert static.is_visible()
    assert page.locator(".zoo-live__results").is_hidden()


def test_missing_wheel_is_reported_and_static_figures_stay(broken, built_site):
    page, base, problems = broken("no-wheel")
    # The start-up snapshot carries numpy and needs no wheel: this is the normal start's failure.
    panel = click_run_and_wait_for_failure(page, base, first_model(built_site), "?zoo-live-snapshot=off")
    assert panel.get_attribute("data-zoo-error-kind") == "wheel"
    error = page.inner_text(".zoo-live__error")
    assert "numpy wheel could not be loaded" in error and "live runs are unavailable" in error
    assert panel.get_attribute("data-zoo-checksum") is None
    assert page.locator("[data-zoo-live] [data-zoo-live-start]").is_visible(), "the reader can try again"
    assert_static_figures_stay(page)
    # The one expected console error is the browser's own note about the 404; nothing else went wrong.
    assert all("404" in e for e in problems.console_errors), problems.console_errors
    problems.console_errors.clear()
    problems.check()


def test_build_without_wheel_says_live_runs_are_unavailable_without_loading_anything(broken, built_site):
    page, base, problems = broken("unavailable")
    page.goto(f"{base}models/{first_model(built_site)}/")
    page.wait_for_selector("[data-zoo-live][data-zoo-live-status=failed]")
    assert (
        "Live runs are unavailable on this build: the numpy wheel could not be downloaded"
        in page.inner_text(".zoo-live__error")
    )
    assert page.locator("[data-zoo-live] [data-zoo-live-start]").is_disabled()
    assert not [w for w in page.workers if "live/worker" in w.url], "no worker is started for nothing"
    assert_static_figures_stay(page)

    page.goto(f"{base}compare/")
    page.wait_for_selector("[data-zoo-compare][data-zoo-drawn]")  # build-time matrices still compare
    assert "Live runs are unavailable on this build" in page.inner_text("[data-zoo-compare] .zoo-live__error")
    problems.check()


def test_no_webassembly_is_reported(broken, built_site):
    page, base, problems = broken(None, init_script="delete globalThis.WebAssembly")
    panel = click_run_and_wait_for_failure(page, base, first_model(built_site))
    assert panel.get_attribute("data-zoo-error-kind") == "webassembly"
    assert "need WebAssembly" in page.inner_text(".zoo-live__error")
    assert_static_figures_stay(page)
    problems.check()


def test_timeout_is_reported_and_can_be_retried(broken, built_site):
    page, base, problems = broken("slow")
    # The page address shortens the limit (read once per tab by live/runtime.js) from 30 s to 1.5 s.
    panel = click_run_and_wait_for_failure(page, base, first_model(built_site), "?zoo-live-timeout-ms=1500")
    assert panel.get_attribute("data-zoo-error-kind") == "timeout"
    # 1.5 s while a download hangs; four times that while nothing is downloading (CPU-bound start).
    assert "Pyodide did not start: nothing happened for" in page.inner_text(".zoo-live__error")
    assert page.locator("[data-zoo-live] [data-zoo-live-start]").is_visible()
    assert_static_figures_stay(page)
    problems.check()


@pytest.mark.parametrize("fault", ["other-build", "no-snapshot"])
def test_an_unusable_snapshot_falls_back_to_the_normal_start(broken, built_site, fault):
    page, base, problems = broken(fault)
    page.goto(f"{base}models/{first_model(built_site)}/")
    page.click("[data-zoo-live] [data-zoo-live-start]")
    assert_matches_cpython(wait_for_result(page))
    state = page.evaluate("({...window.__zooLive.state})")
    why = {"other-build": "Snapshot build id mismatch", "no-snapshot": "HTTP 404"}[fault]
    assert state["snapshot"].startswith(why), state["snapshot"]
    assert "numpy loaded" in state["marks"], "numpy came from the wheel, the normal way"
    assert page.locator(".zoo-live__error").is_hidden()
    if fault == "no-snapshot":  # the browser's own note about the 404, nothing else
        assert all("404" in e for e in problems.console_errors), problems.console_errors
        problems.console_errors.clear()
    problems.check()
