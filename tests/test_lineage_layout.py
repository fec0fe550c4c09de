"""The lineage graph's layout (zoo/sitegen/lineage.py): deterministic, one place per model, labels apart,
crossings reduced by the ordering, and any number of roots (models with no parent in the registry)."""

from itertools import combinations

import pytest

from zoo import registry
from zoo.sitegen import lineage


@pytest.fixture(scope="module")
def models():
    return list(registry.load().models)


@pytest.fixture(scope="module")
def graph(models):
    return lineage.layout(models)


def test_layout_is_deterministic_and_places_every_model_once(models, graph):
    again = lineage.layout(list(reversed(models)))
    assert [(n.model.id, n.x, n.y) for n in graph.nodes] == [(n.model.id, n.x, n.y) for n in again.nodes]
    assert sorted(n.model.id for n in graph.nodes) == sorted(m.id for m in models)
    assert len({(n.x, n.y) for n in graph.nodes}) == len(models)


def test_each_model_sits_in_its_year_band_and_readout_lane(graph):
    bands = {y: (left, right) for y, left, right in graph.years}
    lanes = {lane: (top, bottom) for lane, top, bottom in graph.lanes}
    assert [y for y, *_ in graph.years] == sorted(bands)
    for n in graph.nodes:
        left, right = bands[n.model.year]
        top, bottom = lanes[n.model.readout]
        assert left < n.x < right and top < n.y < bottom, n.model.id


def test_labels_do_not_overlap(graph):
    for (a, *ba), (b, *bb) in combinations(lineage.label_boxes(graph), 2):
        assert not (ba[0] < bb[2] and bb[0] < ba[2] and ba[1] < bb[3] and bb[1] < ba[3]), (a, b)


def test_the_ordering_reduces_crossings_and_edges_through_models(models, graph):
    start = lineage.layout(models, sweeps=0)  # barycentric placement only

    def cost(g):
        return lineage.crossings(g) + lineage.obstructions(g)

    assert cost(graph) < cost(start)


def test_several_roots_and_disconnected_families(models):
    # S4 cut off from its parent HiPPO, and a second family unconnected to the first.
    by_id = {m.id: m for m in models}
    edited = [m.model_copy(update={"lineage": []}) if m.id == "s4" else m for m in models]
    lone = by_id["mamba"].model_copy(update={"id": "lone", "short_name": "Lone", "lineage": [], "year": 2019})
    g = lineage.layout([*edited, lone])
    roots = {n.model.id for n in g.nodes if n.root}
    assert roots == {"transformer", "hippo", "s4", "lone"}
    assert all(e.child != "s4" for e in g.edges)
    assert 2019 in [y for y, *_ in g.years]  # a root's year gets its band even with nothing before it
    assert lineage.crossings(g) >= 0 and len(g.nodes) == len(models) + 1


def test_a_run_of_empty_years_is_a_labelled_break(graph):
    years = [y for y, *_ in graph.years]
    missing = [y for y in range(years[0], years[-1] + 1) if y not in years]
    collapsed = [y for first, last, *_ in graph.breaks for y in range(first, last + 1)]
    assert collapsed == missing
