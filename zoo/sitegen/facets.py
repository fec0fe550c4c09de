"""Facet colours as CSS, generated from the taxonomy so a new decay type needs no stylesheet edit.

Each facet value gets a variable (--zoo-decay-delta ...) and badge/chip classes that use it. The dark
palette gets a lighter tint of the same hue so badges stay readable on the slate background. Badge text
gets its own variable (--zoo-decay-delta-text): the same hue darkened (light palette) or lightened (dark)
until it reads at 4.5:1 or more on the badge's tinted background (WCAG AA for small text).
"""

# The page backgrounds of theme.css (--md-default-bg-color) and the badge's tint of its own colour
# (zoo.css .zoo-badge background: color-mix(var(--c) 12%, transparent)).
PAGE_BG = {"light": "#fdfcfa", "dark": "#0f1a1f"}
BADGE_TINT = 0.12
MIN_CONTRAST = 4.5


def _rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(c):02x}" for c in rgb)


def mix(a: str, b: str, amount: float) -> str:
    """``amount`` of colour a over colour b (CSS color-mix in srgb)."""
    return _hex([x * amount + y * (1 - amount) for x, y in zip(_rgb(a), _rgb(b), strict=True)])


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""

    def lum(c: str) -> float:
        ch = [v / 255 for v in _rgb(c)]
        ch = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in ch]
        return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def badge_background(colour: str, palette: str) -> str:
    return mix(colour, PAGE_BG[palette], BADGE_TINT)


def readable(colour: str, palette: str) -> str:
    """The badge text colour: ``colour`` moved towards black (light) or white (dark) until it meets
    MIN_CONTRAST (with a little margin for rounding) on the badge background."""
    bg = badge_background(colour, palette)
    towards = "#000000" if palette == "light" else "#ffffff"
    for step in range(51):
        text = mix(towards, colour, step / 50)
        if contrast(text, bg) >= MIN_CONTRAST + 0.1:
            return text
    return towards


def _tint(hex_colour: str, amount: float = 0.45) -> str:
    """Mix a #rrggbb colour with white; amount 0 keeps it, 1 gives white."""
    rgb = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in rgb)


def stylesheet(taxonomy) -> str:
    facets = taxonomy.facets()
    light, dark, rules = [], [], []
    for kind, values in facets.items():
        for key, facet in values.items():
            var = f"--zoo-{kind}-{key}"
            light.append(f"  {var}: {facet.colour}; {var}-text: {readable(facet.colour, 'light')};")
            dark_colour = _tint(facet.colour)
            dark.append(f"  {var}: {dark_colour}; {var}-text: {readable(dark_colour, 'dark')};")
            selector = f".zoo-badge--{kind}-{key}, .zoo-chip--{kind}-{key}"
            rules.append(f"{selector} {{ --c: var({var}); --c-text: var({var}-text); }}")
    return "\n".join(
        [
            "/* Generated from the taxonomy in models.yaml by zoo/sitegen/facets.py; do not edit. */",
            ":root {",
            *light,
            "}",
            '[data-md-color-scheme="slate"] {',
            *dark,
            "}",
            *rules,
            "",
        ]
    )


def generate(ctx) -> None:
    ctx.write("assets/css/facets.css", stylesheet(ctx.registry.taxonomy))
