"""One chart style: the module the browser imports holds exactly what the build-time figures embed."""

import json

from zoo.sitegen import chart_style


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


def test_the_built_figures_embed_the_template(built_site):
    for rel in ("assets/data/figs/gla-mixing-t32.json", "assets/data/bench/fwd.json"):
        fig = json.loads((built_site / rel).read_text(encoding="utf-8"))
        assert fig["layout"]["template"] == chart_style.template(), rel
