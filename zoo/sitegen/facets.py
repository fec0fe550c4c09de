"""Facet colours as CSS, generated from the taxonomy so a new decay type needs no stylesheet edit.

Each facet value gets a variable (--zoo-decay-delta ...) and badge/chip classes that use it. The dark
palette gets a lighter tint of the same hue so badges stay readable on the slate background.
"""


def _tint(hex_colour: str, amount: float = 0.45) -> str:
    """Mix a #rrggbb colour with white; amount 0 keeps it, 1 gives white."""
    rgb = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in rgb)


def stylesheet(taxonomy) -> str:
    facets = {"readout": taxonomy.readouts, "decay": taxonomy.decay, "gates": taxonomy.gates}
    light, dark, rules = [], [], []
    for kind, values in facets.items():
        for key, facet in values.items():
            var = f"--zoo-{kind}-{key}"
            light.append(f"  {var}: {facet.colour};")
            dark.append(f"  {var}: {_tint(facet.colour)};")
            rules.append(f".zoo-badge--{kind}-{key}, .zoo-chip--{kind}-{key} {{ --c: var({var}); }}")
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
