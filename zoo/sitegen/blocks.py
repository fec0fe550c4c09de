"""Architecture block diagrams on the cards and model pages (drawn by zoo.diagrams from each model's block).

Runs before ``pages``: it fills a card slot and the "Architecture block" section of every model page.
"""

from __future__ import annotations

from markupsafe import Markup

from zoo.diagrams import blocks_of
from zoo.diagrams.render import render_block_svg
from zoo.schema.blocks import resolve_block


def generate(ctx) -> None:
    reg = ctx.registry
    blocks = blocks_of(reg)
    # The diagram <style> is global once on a page: the zoo page gets it with the first card only.
    first_card = True
    for m in reg.models:
        if m.id not in blocks:
            continue
        block = resolve_block(m.id, blocks)
        card = render_block_svg(m, block, size="card", embed_style=first_card)
        first_card = False
        ctx.add_card_slot(m.id, Markup(ctx.render("hybrids_block_card.html.j2", m=m, svg=Markup(card))))
        page = render_block_svg(m, block, size="page")
        ctx.add_page_section(
            m.id,
            "Architecture block",
            Markup(
                ctx.render("hybrids_block_page.html.j2", m=m, block=block, svg=Markup(page), by_id=reg.by_id)
            ),
        )
