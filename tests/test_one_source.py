"""Facts written once: the heatmap colour scale reaches the browser from Python, diagram colours from the
taxonomy, the GPU binding from the registry (tests/test_bench_harness.py checks the catalogue side)."""

from pathlib import Path

from zoo import registry
from zoo.sitegen import chart_style

ROOT = Path(__file__).resolve().parents[1]


def test_the_heatmap_scale_is_written_for_the_browser_from_python():
    # The build writes chart_style.style() as assets/js/chart-style.js; the browser modules import it.
    assert chart_style.style()["colorscales"] == chart_style.COLORSCALES
    for scheme in ("light", "dark"):
        scale = chart_style.COLORSCALES[scheme]
        assert chart_style.template(scheme)["layout"]["colorscale"]["diverging"] == scale
    stops = {c for scale in chart_style.COLORSCALES.values() for _, c in scale}
    for js in (ROOT / "docs" / "assets" / "js").rglob("*.js"):
        text = js.read_text(encoding="utf-8").lower()
        assert not any(c in text for c in stops), f"{js.name} carries a copy of the stops"


def test_diagram_colours_are_the_taxonomy_css_variables():
    tax = registry.load().taxonomy
    files = (ROOT / "zoo" / "diagrams").glob("*.py")
    diagrams = "".join(p.read_text(encoding="utf-8") for p in files).lower()
    for colour in tax.css_vars().values():
        assert colour.lower() not in diagrams, f"{colour} is typed again in zoo/diagrams"
    assert set(tax.css_vars()) >= {f"--zoo-decay-{d}" for d in tax.decay}
