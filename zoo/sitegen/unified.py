"""The unified view: every model's state update side by side in the shared notation, as a sortable table."""


def generate(ctx) -> None:
    def order(models):
        return sorted(models, key=lambda m: (m.readout != "softmax", m.year, m.id))

    reg = ctx.registry
    ctx.write("unified.md", ctx.render("unified.md.j2", rows=order(reg.skeleton), related=order(reg.related)))
    ctx.add_nav("Unified view", "unified.md")
