"""The site's identity pieces, checked without a browser: facet badge contrast in both palettes, the
registry's block lines for "edit this page", the repository URL, the social image and the edit link."""

import re
import struct
import subprocess
import zlib
from pathlib import Path
from types import SimpleNamespace

import jinja2
import material
import numpy as np
import pytest

from zoo import registry
from zoo.sitegen import facets, identity, live, social

ROOT = Path(__file__).resolve().parents[1]
REG = registry.load(ROOT / "models.yaml", include_drafts=True)


@pytest.mark.parametrize("palette", ["light", "dark"])
def test_every_facet_badge_reads_at_4_5_to_1(palette):
    tax = REG.taxonomy
    css = facets.stylesheet(tax)
    for kind, values in {"readout": tax.readouts, "decay": tax.decay, "gates": tax.gates}.items():
        for key, facet in values.items():
            colour = facet.colour if palette == "light" else facets._tint(facet.colour)
            text = facets.readable(colour, palette)
            ratio = facets.contrast(text, facets.badge_background(colour, palette))
            assert ratio >= 4.5, f"{kind} {key} ({palette}): {text} on its badge is {ratio:.2f}:1"
            assert f"--zoo-{kind}-{key}-text: {text};" in css


def test_sliders_are_visible_on_the_dark_page():
    """A range input draws in accent-color; in the dark palette that is the link colour, at >= 3:1 (WCAG's
    non-text contrast) against the page, not the palette's near-black ink."""
    css = (ROOT / "docs/assets/css/theme.css").read_text(encoding="utf-8")
    rule = '[data-md-color-scheme="slate"] input[type="range"] { accent-color: var(--md-typeset-a-color);'
    assert rule in css
    slate = css[css.index('[data-md-color-scheme="slate"] {') :]
    link = re.search(r"--md-typeset-a-color: (#\w{6})", slate).group(1)
    page = re.search(r"--md-default-bg-color: (#\w{6})", slate).group(1)
    assert facets.contrast(link, page) >= 3


def test_contrast_matches_wcag_reference_values():
    assert facets.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert facets.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_source_lines_point_at_each_model_block():
    text = (ROOT / "models.yaml").read_text(encoding="utf-8")
    lines = identity.source_lines(text)
    rows = text.splitlines()
    assert set(lines) == {m.id for m in REG.all_models}
    for model_id, line in lines.items():
        assert rows[line - 1].strip().startswith("- id:") and model_id in rows[line - 1], model_id


def test_repo_url_comes_from_the_config_or_a_forge_origin(tmp_path):
    assert identity.repo_url(tmp_path, "https://example.org/a/b/") == "https://example.org/a/b"
    assert identity.repo_url(tmp_path) is None  # not a git checkout: no source links
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert identity.repo_url(tmp_path) is None  # no origin
    git = ["git", "-C", str(tmp_path), "remote"]
    subprocess.run([*git, "add", "origin", "git@github.com:someone/attention-zoo.git"], check=True)
    assert identity.repo_url(tmp_path) == "https://github.com/someone/attention-zoo"
    subprocess.run([*git, "set-url", "origin", "/srv/mirror/zoo.git"], check=True)
    assert identity.repo_url(tmp_path) is None  # a local path is no public page


def test_social_image_is_a_1200x630_png():
    mats = [[[1.0 if c <= r else 0.0 for c in range(8)] for r in range(8)]] * 3
    data = social.image(mats, live.COLORSCALE, 38, (2017, 2026))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h, depth, kind = struct.unpack(">IIBB", data[16:26])
    assert (w, h, depth, kind) == (1200, 630, 8, 2)
    idat = data.index(b"IDAT")
    size = struct.unpack(">I", data[idat - 4 : idat])[0]
    raw = zlib.decompress(data[idat + 4 : idat + 4 + size])
    assert len(raw) == h * (1 + 3 * w)
    with pytest.raises(ValueError, match="no glyph"):
        social.text(social.np.zeros((10, 10, 3), dtype="uint8"), "é", 0, 0, 1, (0, 0, 0))


def test_the_social_image_shows_the_models_matrices(built_site):
    """The mosaic on the right is drawn from every model's card run (it once read files no longer written,
    and the preview came out as text on an empty field)."""
    mats = identity.card_matrices(registry.load())
    assert len(mats) >= 60 and all(np.asarray(A).shape == (8, 8) for A in mats)
    data = (built_site / identity.SOCIAL_PNG).read_bytes()
    idat = data.index(b"IDAT")
    size = struct.unpack(">I", data[idat - 4 : idat])[0]
    w, h = struct.unpack(">II", data[16:24])
    rows = np.frombuffer(zlib.decompress(data[idat + 4 : idat + 4 + size]), dtype=np.uint8).reshape(h, -1)
    assert (rows[:, 0] == 0).all(), "the test reads unfiltered rows only"
    pixels = rows[:, 1:].reshape(h, w, 3)
    mosaic = pixels[:, w // 2 :].reshape(-1, 3)
    background = pixels[5, w - 5]
    assert (mosaic != background).any(axis=1).mean() > 0.2, "the right half is empty: no matrices drawn"


def render_actions(meta: dict, repo_url: str | None) -> str:
    templates = Path(material.__file__).parent / "templates"
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(ROOT / "overrides"), jinja2.FileSystemLoader(templates)]
        ),
        autoescape=True,
    )
    config = {"repo_url": repo_url, "extra": {"source_branch": "main"}}
    return env.get_template("partials/actions.html").render(page=SimpleNamespace(meta=meta), config=config)


def test_edit_link_opens_the_models_block_in_models_yaml():
    html = render_actions({"zoo_source": "models.yaml", "zoo_line": 120}, "https://github.com/o/r")
    assert 'href="https://github.com/o/r/blob/main/models.yaml#L120"' in html
    assert "Edit this model" in html
    assert "#L" not in render_actions({"zoo_source": "docs/about.md", "zoo_line": None}, "https://g/o/r")
    # No repository known, or a page made by the build from no single file: no button.
    assert render_actions({"zoo_source": "models.yaml", "zoo_line": 3}, None).strip() == ""
    assert render_actions({}, "https://github.com/o/r").strip() == ""


def test_no_diagram_text_under_10_px():
    """Every text in every block diagram is 10 px or more at the smallest scale it is drawn at: cards at
    scale 1, page diagrams never narrower than their viewBox (min-width), below which they scroll."""
    import re
    import xml.etree.ElementTree as ET

    from zoo.diagrams import blocks_of
    from zoo.diagrams.render import render_block_svg

    blocks = blocks_of(REG)
    ns = "{http://www.w3.org/2000/svg}"
    for m in REG.all_models:
        if m.id not in blocks:
            continue
        for size in ("card", "page"):
            root = ET.fromstring(render_block_svg(m, blocks, size=size))
            view_w = float(root.get("viewBox").split()[2])
            drawn_w = view_w
            if size == "page":
                drawn_w = float(re.search(r"min-width:(\d+)px", root.get("style"))[1])
            sizes = [float(t.get("font-size")) for t in root.iter(f"{ns}text") if t.get("font-size")]
            smallest = min(sizes) * drawn_w / view_w
            assert smallest >= 10 - 0.5, f"{m.id} ({size}): text at {smallest:.1f} px"
