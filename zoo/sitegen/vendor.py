"""Copy the front-end packages installed by npm (from package-lock.json) into the site's assets.

Nothing is loaded from a CDN: the site serves its own Plotly bundle and KaTeX stylesheet and fonts.
"""

import shutil
from pathlib import Path


class VendorError(RuntimeError):
    pass


# (package folder in node_modules, files or folders to copy, destination under assets/vendor/)
VENDORED = [
    ("plotly.js-cartesian-dist-min", ["plotly-cartesian.min.js"], "plotly"),
    ("katex/dist", ["katex.min.css", "fonts"], "katex"),
    # The headings' typeface (theme.css): the variable-weight Latin subsets, served from the site.
    (
        "@fontsource-variable/source-serif-4/files",
        ["source-serif-4-latin-wght-normal.woff2", "source-serif-4-latin-ext-wght-normal.woff2"],
        "source-serif-4",
    ),
]


def copy_vendor(root: Path, docs: Path) -> None:
    modules = root / "node_modules"
    for package, items, dest in VENDORED:
        src_dir = modules / package
        if not src_dir.is_dir():
            raise VendorError(f"node_modules/{package} is missing; run `npm ci` (or `make setup`) first")
        out = docs / "assets" / "vendor" / dest
        out.mkdir(parents=True, exist_ok=True)
        for item in items:
            src = src_dir / item
            if src.is_dir():
                # KaTeX ships each font as woff2, woff and ttf; browsers we support all read woff2.
                shutil.copytree(
                    src, out / item, ignore=shutil.ignore_patterns("*.ttf", "*.woff"), dirs_exist_ok=True
                )
            else:
                shutil.copy2(src, out / item)
