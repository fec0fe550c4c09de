"""TeX -> one SVG sprite at build time (MathJax from npm), for pages that show many equations at once.

KaTeX's HTML costs ~180 nested elements per equation; the home page's 76 card and table formulas would
alone exceed its DOM budget. Here each formula becomes a <symbol> in one sprite file that shares its glyph
paths, and a page shows it with two elements (<svg><use></svg>) that take the text colour of the page
(currentColor), so both palettes work. Model pages keep KaTeX (selectable text, MathML for screen readers).
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

SCRIPT = Path(__file__).with_name("tex_svg.mjs")
# MathJax tags every node for its own tools; the browser needs none of it.
_NOISE = re.compile(r' data-(?:mml-node|c|mjx-texclass)="[^"]*"')


class TexSvgError(ValueError):
    pass


@dataclass(frozen=True)
class Formula:
    id: str
    view_box: str
    width: str  # in ex, so the formula scales with the surrounding text
    height: str
    valign: str
    body: str  # the <symbol>'s content


def render(root: Path, formulas: dict[str, str]) -> tuple[str, dict[str, Formula]]:
    """Render {id: tex}; returns (shared glyph defs, {id: Formula})."""
    items = [{"id": k, "tex": v} for k, v in formulas.items()]
    proc = subprocess.run(
        ["node", str(SCRIPT)], cwd=root, input=json.dumps(items), capture_output=True, text=True, check=False
    )
    if proc.returncode != 0 or not proc.stdout:
        raise TexSvgError(f"MathJax failed: {proc.stderr.strip()[:500]}")
    reply = json.loads(proc.stdout)
    if "error" in reply:
        raise TexSvgError(f"MathJax could not render {reply['error']}")
    out = {
        key: Formula(
            id=key,
            view_box=m["viewBox"],
            width=m["width"],
            height=m["height"],
            valign=m["valign"] or "0ex",
            body=_NOISE.sub("", m["svg"]),
        )
        for key, m in reply["math"].items()
    }
    return _NOISE.sub("", reply["defs"]), out


def sprite(defs: str, formulas: dict[str, Formula]) -> str:
    symbols = "\n".join(
        f'<symbol id="{f.id}" viewBox="{f.view_box}">{f.body}</symbol>' for f in formulas.values()
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">\n'
        f"<defs>{defs}</defs>\n{symbols}\n</svg>\n"
    )


def use(formula: Formula, href: str, label: str) -> Markup:
    """The inline element that shows ``formula`` from the sprite at ``href``; ``label`` is what it says."""
    return Markup(
        f'<svg class="zoo-math" role="img" aria-label="{escape(label)}" '
        f'style="width:{formula.width};height:{formula.height};vertical-align:{formula.valign}">'
        # xlink:href, not href: Material's instant navigation re-assigns every [href] element's .href,
        # which is read-only on SVG <use> and throws.
        f'<use xlink:href="{escape(href)}#{formula.id}"/></svg>'
    )
