"""Serve a built site folder over HTTP on 127.0.0.1, the way a static host does: `zoo build --serve`, the
browser tests and the measuring scripts all use this one server.

- Under any sub-path (``sub_path="/zoo-sub/"`` serves the site at /zoo-sub/, as a GitHub Pages project site
  lives under /<repo>/); the bare sub-path without its slash redirects to it, and addresses outside it are
  missing.
- No rewriting: a missing address gets the site's own 404.html with status 404 (what GitHub Pages does).
- WebAssembly with its own type, so Pyodide can stream-compile it; no request log on the terminal, and no
  traceback when a browser stops reading mid-file.

Standard library only, so importing it costs nothing.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".json": "application/json",
        ".whl": "application/octet-stream",
    }

    def __init__(self, *args, sub_path: str = "/", **kwargs):
        # Set before super().__init__, which handles the request at once.
        self.sub_path = sub_path
        super().__init__(*args, **kwargs)

    def log_message(self, *args):  # keep the terminal for the URL and errors
        pass

    def translate_path(self, path):
        if not urlsplit(path).path.startswith(self.sub_path):
            return str(Path(self.directory) / "no such file")  # outside the site: 404
        return super().translate_path("/" + path[len(self.sub_path) :])

    def send_head(self):
        if self.sub_path != "/" and urlsplit(self.path).path == self.sub_path.rstrip("/"):
            self.send_response(301)
            self.send_header("Location", self.sub_path)
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


class SiteServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A browser that stops reading (the reader navigated away, a fetch was aborted) is normal for a static
        # server: no traceback on the terminal for it. Anything else is still printed.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _normal(sub_path: str) -> str:
    return "/" + sub_path.strip("/") + "/" if sub_path.strip("/") else "/"


def make_server(
    folder: Path, *, port: int = 0, sub_path: str = "/", handler: type[SiteHandler] = SiteHandler
) -> tuple[str, SiteServer]:
    """A server for ``folder`` on 127.0.0.1 (port 0: a free one), not started; returns (base_url, server)."""
    sub_path = _normal(sub_path)
    bound = functools.partial(handler, directory=str(folder), sub_path=sub_path)
    server = SiteServer(("127.0.0.1", port), bound)
    return f"http://127.0.0.1:{server.server_address[1]}{sub_path}", server


def serve_in_thread(folder: Path, **options) -> tuple[str, SiteServer]:
    """Serve ``folder`` from a daemon thread (options as make_server); returns (base_url, server).
    Stop it with ``server.shutdown()``."""
    url, server = make_server(folder, **options)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return url, server


def serve_forever(folder: Path, *, port: int = 8000, sub_path: str = "/") -> None:
    """Serve ``folder`` in the foreground until Ctrl+C."""
    url, server = make_server(folder, port=port, sub_path=sub_path)
    with server:
        print(f"serving {folder} on {url} (Ctrl+C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
