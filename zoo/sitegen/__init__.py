"""Page generators, run in this order by the build; each is a module with ``generate(ctx)``.

Generators that add card slots or model-page sections run before ``pages`` and ``home``, which write them out.
"""

from zoo.sitegen import (
    benchmarks,
    blocks,
    chart_style,
    compare,
    facets,
    home,
    hybrids,
    identity,
    lineage,
    live,
    pages,
    recall,
    unified,
)

GENERATORS = [
    chart_style,
    facets,
    lineage,
    live,
    blocks,
    hybrids,
    benchmarks,
    compare,
    recall,
    identity,
    pages,
    home,
    unified,
]
