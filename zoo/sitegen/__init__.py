"""Page generators, run in this order by the build; each is a module with ``generate(ctx)``.

Generators that add card slots or model-page sections run before ``pages`` and ``home``, which write them out.
"""

from zoo.sitegen import benchmarks, facets, home, hybrids, lineage, live, pages, unified

GENERATORS = [
    facets,
    lineage,
    live,
    hybrids,
    benchmarks,
    pages,
    home,
    unified,
]
