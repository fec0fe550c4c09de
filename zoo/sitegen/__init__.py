"""Page generators, run in this order by the build; each is a module with ``generate(ctx)``.

Generators that add card slots or model-page sections run before ``pages``, which writes them out.
"""

from zoo.sitegen import benchmarks, blocks, facets, heatmap, hybrids, lineage, live, pages, unified

GENERATORS = [
    facets,
    heatmap,
    lineage,
    live,
    blocks,
    hybrids,
    benchmarks,
    pages,
    unified,
]
