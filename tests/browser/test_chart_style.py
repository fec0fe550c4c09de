"""One chart style: the module the browser imports holds exactly what the build-time figures embed."""

import colorsys
import json
import re
from itertools import pairwise
from pathlib import Path

from zoo.sitegen import chart_style

ROOT = Path(__file__).resolve().parents[2]


class Ctx:
    def __init__(self):
        self.files: dict[str, str] = {}

    def write(self, rel_path: str, text: str) -> None:
        self.files[rel_path] = text


def test_the_browser_module_carries_the_python_style():
    ctx = Ctx()
    chart_style.generate(ctx)
    text = ctx.files[chart_style.MODULE]
    prefix = "export const STYLE = "
    body = text[text.index(prefix) + len(prefix) :].rstrip().rstrip(";")
    assert json.loads(body) == chart_style.style()
    assert json.loads(body)["template"] == chart_style.template("light")


def test_both_palettes_colour_the_same_things():
    light, dark = (chart_style.PALETTES[s] for s in ("light", "dark"))
    assert light.keys() == dark.keys()
    assert all(light[k] != dark[k] for k in ("ink", "grid", "hover_bg"))
    assert set(chart_style.SCHEMES.values()) == set(chart_style.PALETTES)


def _rgb(hex_colour: str) -> tuple[float, ...]:
    return tuple(int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance."""
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(hex_colour)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    lo, hi = sorted((_luminance(a), _luminance(b)))
    return (hi + 0.05) / (lo + 0.05)


def _hue(hex_colour: str) -> float:
    return colorsys.rgb_to_hsv(*_rgb(hex_colour))[0] * 360


def _page_background(scheme: str) -> str:
    """--md-default-bg-color of Material's scheme in the site's theme."""
    css = (ROOT / "docs" / "assets" / "css" / "theme.css").read_text(encoding="utf-8")
    block = css[css.index(f'[data-md-color-scheme="{scheme}"] {{') :]
    return re.search(r"--md-default-bg-color:\s*(#[0-9a-fA-F]{6})", block[: block.index("}")]).group(1)


def test_the_dark_heatmap_scale_sits_on_the_dark_page_and_keeps_both_signs_readable():
    light, dark = (chart_style.COLORSCALES[s] for s in ("light", "dark"))
    for scale in (light, dark):
        xs = [x for x, _ in scale]
        assert xs == sorted(set(xs)) and xs[0] == 0 and xs[-1] == 1 and 0.5 in xs
        centre = dict(scale)[0.5]
        # lightness changes the same way from zero to either end, so |value| reads as distance from zero
        lum = [_luminance(c) for _, c in scale]
        mid = xs.index(0.5)
        signs = {b > a for side in (lum[mid::-1], lum[mid:]) for a, b in pairwise(side)}
        assert len(signs) == 1 and all(b != a for a, b in pairwise(lum)), (scale, lum)
        for end in (scale[0][1], scale[-1][1]):
            assert _contrast(end, centre) >= 4.5, (end, centre)
    # the dark scale's zero is a near-neutral close to the dark page's colour, its ends the light one's hues
    centre = dict(dark)[0.5]
    assert _contrast(centre, _page_background("slate")) < 1.3
    r, g, b = _rgb(centre)
    assert max(r, g, b) - min(r, g, b) < 0.05 and _luminance(centre) < 0.03
    for i in (0, -1):
        gap = abs(_hue(dark[i][1]) - _hue(light[i][1])) % 360
        assert min(gap, 360 - gap) < 12, (dark[i], light[i])
    assert _luminance(dict(light)[0.5]) > 0.8


def test_the_built_figures_embed_the_template(built_site):
    for rel in ("assets/data/figs/gla-mixing-t32.json", "assets/data/bench/fwd.json"):
        fig = json.loads((built_site / rel).read_text(encoding="utf-8"))
        assert fig["layout"]["template"] == chart_style.template(), rel
