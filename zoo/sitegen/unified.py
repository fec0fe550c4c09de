"""The unified view: every model's state update side by side in the shared notation, as a sortable table."""


def generate(ctx) -> None:
    rows = sorted(ctx.registry.models, key=lambda m: (m.readout != "softmax", m.year, m.id))
    ctx.write("unified.md", ctx.render("unified.md.j2", rows=rows))
    ctx.add_nav("Unified view", "unified.md")
