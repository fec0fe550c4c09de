"""Page generators, run in this order by the build; each is a module with ``generate(ctx)``.

Generators that add card slots or model-page sections run before ``pages``, which writes them out.
"""

from zoo.sitegen import benchmarks, facets, heatmap, hybrids, lineage, live, pages, unified

GENERATORS = [
    facets,
    heatmap,
    lineage,
    live,
    hybrids,
    benchmarks,
    pages,
    unified,
]
