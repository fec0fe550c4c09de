"""Page generators, run in this order by the build; each is a module with ``generate(ctx)``.

Generators that add card slots or model-page sections run before ``pages``, which writes them out.
"""

from zoo.sitegen import benchmarks, compare, facets, hybrids, identity, lineage, live, pages, unified

GENERATORS = [
    facets,
    lineage,
    live,
    hybrids,
    benchmarks,
    compare,
    identity,
    pages,
    unified,
]
