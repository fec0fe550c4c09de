"""TeX -> KaTeX HTML at build time, through one long-lived Node process (katex from npm)."""

import json
import re
import subprocess
from pathlib import Path

from markupsafe import Markup

SCRIPT = Path(__file__).with_name("katex_render.mjs")


class TexError(ValueError):
    def __init__(self, tex: str, message: str):
        super().__init__(f"{message} in TeX: {tex}")
        self.tex = tex
        self.message = message


class TexRenderer:
    """Renders each distinct (tex, display) pair once; the Node process lives as long as this object."""

    def __init__(self, root: Path):
        self._cache: dict[tuple[str, bool], str] = {}
        self._proc = subprocess.Popen(
            ["node", str(SCRIPT)],
            cwd=root,  # node resolves `katex` from the project's node_modules
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def render(self, tex: str, display: bool = False) -> Markup:
        key = (tex, display)
        if key not in self._cache:
            self._proc.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
            self._proc.stdin.flush()
            reply = json.loads(self._proc.stdout.readline())
            if "error" in reply:
                raise TexError(tex, reply["error"])
            # Rendered math stays out of Material's search index: its glyph soup would triple the index.
            self._cache[key] = f"<span data-search-exclude>{reply['html']}</span>"
        return Markup(self._cache[key])

    def close(self):
        if self._proc.poll() is None:
            self._proc.stdin.close()
            self._proc.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# Plain-text places (slider labels and hints, drawn by the live panel as text) cannot show KaTeX; there the
# registry's k_t, z_t^T, Δ_max become kₜ, zₜᵀ, Δₘₐₓ. A script Unicode lacks (b_f) is left as written.
_SUB = str.maketrans("aehijklmnoprstuvx0123456789", "ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("T0123456789-+cw", "ᵀ⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺ᶜʷ")
_SCRIPT = re.compile(r"(?<=[^\W_]|[|)\u0300-\u036f])([_^])(?:\{([^{}]+)\}|([A-Za-z0-9]+))")


def plain_math(text: str) -> str:
    def script(m: re.Match) -> str:
        body = m.group(2) or m.group(3)
        table = _SUB if m.group(1) == "_" else _SUP
        out = body.translate(table)
        return out if all(a != b for a, b in zip(body, out, strict=True)) else m.group(0)

    return _SCRIPT.sub(script, text)
