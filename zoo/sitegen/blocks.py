"""Architecture block diagrams on the model pages (drawn by zoo.diagrams from each model's block).

Runs before ``pages``: it fills the "Architecture block" section of every model page. The home page's compact
cards leave the diagram out.
"""

from __future__ import annotations

from markupsafe import Markup

from zoo.diagrams import blocks_of
from zoo.diagrams.render import render_block_svg
from zoo.schema.blocks import resolve_block


def generate(ctx) -> None:
    reg = ctx.registry
    blocks = blocks_of(reg)
    for m in reg.models:
        if m.id not in blocks:
            continue
        block = resolve_block(m.id, blocks)
        page = render_block_svg(m, block, size="page", by_id=reg.by_id)
        ctx.add_page_section(
            m.id,
            "Architecture block",
            Markup(
                ctx.render("hybrids_block_page.html.j2", m=m, block=block, svg=Markup(page), by_id=reg.by_id)
            ),
        )
