"""The built site at any address: two steps after ``mkdocs build``.

The page list. Material's instant navigation follows only links it finds in sitemap.xml at the address the
site was built for, and a build without ``--site-url`` writes an empty sitemap. ``assets/data/pages.json``
lists every page by its path from the site root, for ``docs/assets/js/navigation.js``, which completes
Material's navigation wherever the site is served.

The 404 page (``site/404.html``).

Every other page links to its assets by relative paths, so the site works at any origin and under any
sub-path. The 404 page cannot: the server answers with it for any missing address, at any depth, so mkdocs
writes its links from the root of the site URL (``/assets/...``), which breaks under a GitHub Pages project
path (``/<repo>/``) or a build without ``--site-url``. This step rewrites those links relative to a
``<base>`` that a small script at the top of ``<head>`` sets before the first stylesheet is requested.
The ``<base>`` element itself is in the markup, ahead of the script: the browser's preload scanner reads the
page before any script runs and fetches what it finds relative to that markup base, so it names the site URL's
path when the build has one, else ``about:blank``, against which no relative link resolves (no speculative
requests for ``models/no-such-model/assets/...``, each answered with this page again). The script sets it to
the site root:

- the site root is the path before the first segment that names something at the top of the site
  (``models``, ``assets``, ...): ``/repo/models/no-such-model/`` -> ``/repo/``;
- otherwise the path of ``--site-url`` when the address is under it;
- otherwise, for an address of two or more segments, its first one (``/repo/typo`` -> ``/repo/``), else ``/``.

Material reads its own settings (``__config``) before the page has finished loading, and resolves their base
against the address, not against ``<base>``: a second script, just before Material's, writes the root there.
A last one, at the end of the body, turns every link into an absolute one and removes ``<base>``, so that
whatever the page does next (instant navigation, scripts making links) sees an ordinary page. The content of
the page (the theme's 404 template or an override of it) is not touched. Material keeps the reader's palette
under the site root (``__md_scope``), which mkdocs writes from ``/`` on this page: it is taken from ``<base>``
too, so a palette chosen on the site holds on its 404 page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

# Runs first in <head>, right after the markup's <base>: sets its href to the site root for this address.
_SET_BASE = """<script>(() => {
  const known = %(known)s, hint = %(hint)s, parts = location.pathname.split("/").filter(Boolean);
  let root = null, i = parts.findIndex((p) => known.includes(p));
  if (i >= 0) root = "/" + parts.slice(0, i).map((p) => p + "/").join("");
  else if (hint && location.pathname.startsWith(hint)) root = hint;
  else root = parts.length >= 2 ? "/" + parts[0] + "/" : "/";
  document.querySelector("head > base").href = root;
})();</script>"""

# Runs just before Material's bundle: its base setting, absolute.
_SET_CONFIG = """<script>(() => {
  const el = document.getElementById("__config"), config = JSON.parse(el.textContent);
  config.base = document.baseURI;
  el.textContent = JSON.stringify(config);
})();</script>"""

# Runs at the end of <body>: absolute links, then no <base> left behind.
_DROP_BASE = """<script>(() => {
  for (const el of document.querySelectorAll("[href], [src]"))
    for (const name of ["href", "src"])
      if (el.hasAttribute(name) && typeof el[name] === "string") el.setAttribute(name, el[name]);
  document.querySelector("head > base")?.remove();
})();</script>"""


PAGES = "assets/data/pages.json"


def write_page_list(site: Path) -> list[str]:
    """Every page's folder from the site root ("" for the home page, "models/fox/", ...)."""
    pages = sorted(
        "" if p.parent == site else p.parent.relative_to(site).as_posix() + "/"
        for p in site.rglob("index.html")
    )
    (site / PAGES).parent.mkdir(parents=True, exist_ok=True)
    (site / PAGES).write_text(json.dumps({"pages": pages}, indent=0) + "\n", encoding="utf-8")
    return pages


def root_path(site_url: str | None) -> str:
    """The path mkdocs writes the 404 page's links from: the path of the site URL, or ``/``."""
    path = urlsplit(site_url).path if site_url else "/"
    return path if path.endswith("/") else path + "/"


def relocate_404(site: Path, site_url: str | None) -> None:
    from zoo.sitegen.build import BuildError  # (zoo.sitegen.build imports this module)

    page = site / "404.html"
    if not page.is_file():  # Material always writes one: its absence means the theme or its setup changed
        raise BuildError(
            "404.html: mkdocs wrote no not-found page, so a missing address would show the host's bare one; "
            "check the theme in mkdocs.yml (Material writes 404.html)"
        )
    html = page.read_text(encoding="utf-8")
    prefix = root_path(site_url)
    # href="/assets/x.css" -> href="assets/x.css" (relative to <base>); "//host/..." is left alone.
    html = re.sub(r'(\s(?:href|src)=")' + re.escape(prefix) + r"(?!/)", r"\1", html)
    html = re.sub(r'("search":\s*")' + re.escape(prefix) + r"(?!/)", r"\1", html)
    known = sorted(p.name for p in site.iterdir() if p.name != "404.html")
    set_base = _SET_BASE % {
        "known": json.dumps(known),
        "hint": json.dumps(prefix if site_url else None),
    }
    markup_base = f'<base href="{prefix if site_url else "about:blank"}">'
    html, heads = re.subn(r"<head>", "<head>\n" + markup_base + "\n" + set_base, html, count=1)
    html, scopes = re.subn(
        r"__md_scope=new URL\(" + re.escape(json.dumps(prefix)) + r",location\)",
        "__md_scope=new URL(document.baseURI)",
        html,
        count=1,
    )
    html, configs = re.subn(
        r'(<script id="__config"[^>]*>.*?</script>)',
        lambda m: m.group(1) + _SET_CONFIG,
        html,
        count=1,
        flags=re.S,
    )
    html, bodies = re.subn(r"</body>", _DROP_BASE + "\n</body>", html, count=1)
    if not (heads and scopes and configs and bodies):
        raise BuildError(
            "404.html: no <head>, palette scope, Material settings or </body> to anchor the page's base to"
        )
    page.write_text(html, encoding="utf-8")
