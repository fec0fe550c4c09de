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


def test_a_browser_that_stops_reading_prints_no_traceback(tmp_path, capfd):
    """A reader who navigates away mid-download (or an aborted fetch) is normal for a static server: the
    terminal of `make serve` stays quiet instead of printing a traceback per cancelled request."""
    import socket
    import struct
    import time

    (tmp_path / "big.bin").write_bytes(b"\0" * (32 << 20))
    url, server = serve_in_thread(tmp_path)
    try:
        parts = urlsplit(url)
        for _ in range(3):
            sock = socket.create_connection((parts.hostname, parts.port))
            sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.recv(1024)
            # close with a reset, as a browser tab that is closed does
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        time.sleep(1.0)
        with urllib.request.urlopen(url + "big.bin") as r:  # and it still serves
            assert len(r.read()) == 32 << 20
    finally:
        server.shutdown()
    assert "Traceback" not in capfd.readouterr().err
