"""zoo/serve.py serves a site folder as a static host does: under a sub-path, 404.html for a missing address,
WebAssembly with its own type. The browser tests, the measuring scripts and `zoo build --serve` use it."""

import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from zoo.serve import serve_in_thread


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


@pytest.fixture
def site(tmp_path):
    (tmp_path / "index.html").write_text("home")
    (tmp_path / "404.html").write_text("designed not-found page")
    (tmp_path / "a.wasm").write_bytes(b"\0asm")
    return tmp_path


def get(url):
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read().decode()


@pytest.mark.parametrize("sub_path", ["/", "/repo/", "repo"])
def test_serves_under_the_sub_path(site, sub_path):
    url, server = serve_in_thread(site, sub_path=sub_path)
    try:
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        assert parts.path == ("/repo/" if "repo" in sub_path else "/")
        status, _, body = get(url)
        assert (status, body) == (200, "home")
        status, headers, body = get(url + "missing/page/")
        assert (status, body) == (404, "designed not-found page")
        assert headers["Content-Type"].startswith("text/html")
        assert get(url + "a.wasm")[1]["Content-Type"] == "application/wasm"
        if "repo" in sub_path:
            assert get(root + "/index.html")[0] == 404, "outside the sub-path nothing is served"
            status, headers, _ = get(root + "/repo")
            assert (status, headers["Location"]) == (301, "/repo/")
    finally:
        server.shutdown()
