"""Architecture diagrams from data: block specs -> SVG and hybrid stacks.

The spec language itself (BlockSpec, HybridSpec) is part of the registry schema: zoo/schema/blocks.py.

layout.py  turns a resolved block into boxes and wires (computed, never hand-placed) + overlap checker
render.py  boxes and wires -> SVG with real text, titles and CSS-variable colours
stack.py   a hybrid's layer stack -> SVG

The memory calculator's math (bytes per sequence for a stack) is zoo/memory.py.
"""

from __future__ import annotations

from pathlib import Path


def write_block_svg(registry, model_id: str, out_path: str | Path, size: str = "page") -> Path:
    """Render one model's block to ``out_path`` as a standalone SVG (used by ``zoo block <id>``).

    Raises KeyError for an unknown model id, and zoo.schema.blocks.BlockSpecError (model id + path in
    the spec) when the block cannot be resolved.
    """
    from zoo.diagrams.render import render_block_svg

    by_id = {m.id: m for m in registry.all_models}
    if model_id not in by_id:
        raise KeyError(f"no model '{model_id}' in the registry; known: {', '.join(sorted(by_id))}")
    model = by_id[model_id]
    svg = render_block_svg(
        model, blocks_of(registry), size=size, standalone=True, taxonomy=registry.taxonomy, by_id=by_id
    )
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(svg, encoding="utf-8")
    return out


def blocks_of(registry) -> dict:
    """model id -> BlockSpec for every model that has one (drafts included, so extends can reach them)."""
    return {m.id: m.block for m in registry.all_models if getattr(m, "block", None) is not None}
