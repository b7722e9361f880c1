"""The Flask-free domain: descriptions (both readers), access, VoID and catalog graphs, search."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDFS

from registry import describe, void
from registry.publishing import access
from registry.publishing.catalog import refresh_versions
from registry.rdf.namespaces import DCAT, EF
from registry.rdf.ontology import jsonld_context, ontology_graph, term_names
from registry.search import SearchQuery, list_kind, search

from conftest import BASE, DATA

FACTOR = BASE + "factor/ipcc2006-t2.2-natural-gas"


@pytest.fixture
def store(store):
    store.load(DATA / "web" / "revision.trig", "trig", base_iri=BASE)
    refresh_versions(store, BASE)
    return store


@pytest.mark.parametrize(
    "iri",
    [
        FACTOR + "/1",
        FACTOR + "/2",
        FACTOR,
        BASE + "gwp/AR6-GWP100",
        BASE + "geo/CN",
        BASE + "dataset/ipcc2006-v2-ch2-t2.2",
    ],
)
def test_sparql_reader_gives_the_same_description(store, iri, monkeypatch):
    graphs = access.public_graphs(store)
    fast = describe.describe(store, iri, graphs, ontology_graph())
    monkeypatch.setattr(describe, "reader", lambda s, g: describe._SparqlReader(s, g))
    slow = describe.describe(store, iri, graphs, ontology_graph())
    assert fast is not None and slow is not None
    assert isomorphic(fast.graph, slow.graph)
    assert fast.versions == slow.versions and fast.replaced_by == slow.replaced_by


def test_blank_node_closure_and_labels(store):
    desc = describe.describe(store, FACTOR + "/2", access.public_graphs(store), ontology_graph())
    assert desc is not None
    graph, factor = desc.graph, URIRef(FACTOR + "/2")
    uncertainty = graph.value(graph.value(factor, EF.component), EF.uncertainty)
    assert graph.value(uncertainty, EF.distribution) == EF.Normal
    assert graph.value(EF.Normal, RDFS.label) is not None  # an ontology individual's label
    assert {BASE + "dataset/ipcc2006-v2-ch2-t2.2/2", BASE + "dataset/efreg-reference/1"} <= desc.sources
    assert BASE + "dataset/draft-test/1" not in desc.sources


def test_versions_and_replacement(store):
    graphs = access.public_graphs(store)
    old = describe.describe(store, FACTOR + "/1", graphs)
    assert old is not None and old.replaced_by == URIRef(FACTOR + "/2")
    assert old.graph.value(URIRef(FACTOR + "/1"), DCTERMS.isReplacedBy) == URIRef(FACTOR + "/2")
    latest = describe.describe(store, FACTOR, graphs)
    assert latest is not None and latest.focus == URIRef(FACTOR + "/2")
    assert [v.number for v in latest.versions] == ["1", "2"]


def test_only_readable_graphs_are_read(store):
    assert describe.describe(store, BASE + "factor/draft-secret/1", access.public_graphs(store)) is None
    assert describe.describe(store, BASE + "factor/draft-secret", access.public_graphs(store)) is None
    everything = tuple(store.graphs())
    assert describe.describe(store, BASE + "factor/draft-secret/1", everything) is not None
    # a reader that may not read the newer version does not hear about it
    only_v1 = tuple(g for g in access.public_graphs(store) if not g.endswith("t2.2/2"))
    old = describe.describe(store, FACTOR + "/1", only_v1)
    assert old is not None and old.replaced_by is None and [v.number for v in old.versions] == ["1"]


def test_label_cache_gives_the_same_descriptions_and_follows_writes_and_graphs(store, monkeypatch):
    graphs = access.public_graphs(store)
    iris = [FACTOR + "/1", FACTOR + "/2", FACTOR, BASE + "factor/cn-mee-2021-national-average-cn/1"]
    cached = [describe.describe(store, iri, graphs, ontology_graph()) for iri in iris]
    cached += [describe.describe(store, iri, graphs, ontology_graph()) for iri in iris]  # from the cache
    monkeypatch.setattr(describe, "_label_caches", {})
    monkeypatch.setattr(
        describe, "_labels", lambda s, read, subjects: read.properties(subjects, describe.LABEL_PROPERTIES)
    )
    plain = [describe.describe(store, iri, graphs, ontology_graph()) for iri in iris]
    monkeypatch.undo()
    for desc, reference in zip(cached, plain + plain, strict=True):
        assert desc is not None and reference is not None and isomorphic(desc.graph, reference.graph)
    before = describe.describe(store, FACTOR + "/2", graphs)
    assert before is not None
    linked = next(s for s in before.graph.subjects(RDFS.label) if s != URIRef(FACTOR + "/2"))
    (row,) = store.select(f"SELECT ?g WHERE {{ GRAPH ?g {{ <{linked}> <{RDFS.label}> ?l }} }} LIMIT 1")
    store.update(f"""INSERT DATA {{ GRAPH <{row["g"]}> {{ <{linked}> <{RDFS.label}> "renamed"@en }} }}""")
    after = describe.describe(store, FACTOR + "/2", access.public_graphs(store))
    assert after is not None and (linked, RDFS.label, Literal("renamed", lang="en")) in after.graph
    hidden = describe.describe(
        store, FACTOR + "/2", tuple(g for g in access.public_graphs(store) if g != str(row["g"]))
    )
    assert hidden is not None and (linked, RDFS.label, Literal("renamed", lang="en")) not in hidden.graph


def test_access_cache_follows_the_store_generation(store):
    first = access.snapshot(store)
    assert BASE + "dataset/draft-test/1" not in first.public
    store.update(f"""PREFIX ef: <https://w3id.org/efreg/ontology#>
        INSERT DATA {{ GRAPH <{BASE}catalog> {{ <{BASE}dataset/draft-test/1> ef:reviewStatus ef:Published }} }}""")
    if access.generation(store) is None:
        access.invalidate(store)
    assert BASE + "dataset/draft-test/1" in access.public_graphs(store)  # the catalog's word wins


def test_void_and_catalog_graphs(store):
    graphs = access.public_graphs(store)
    examples = void.example_factors(store, graphs)
    assert len(examples) == 3 and len({str(e).split("/")[-2].split("-")[0] for e in examples}) >= 2
    catalog = void.catalog_graph(store, graphs, BASE)
    expected = {URIRef(g) for g in graphs if g.startswith(BASE + "dataset/")}
    assert set(catalog.objects(URIRef(BASE + "catalog"), DCAT.dataset)) == expected
    assert URIRef(BASE + "dataset/draft-test/1") not in expected


def test_search_and_lists(store):
    graphs = access.public_graphs(store)
    result = search(store, graphs, BASE, SearchQuery(text="天然气"))
    assert {str(h.iri) for h in result.hits} == {FACTOR + "/1", FACTOR + "/2"}
    assert {v.value for v in result.facets["gas"]} == {"CO2", "CH4-fossil", "N2O"}
    narrowed = search(
        store, graphs, BASE, SearchQuery(text="天然气", filters=(("dataset", "ipcc2006-v2-ch2-t2.2/2"),))
    )
    assert [str(h.iri) for h in narrowed.hits] == [FACTOR + "/2"]
    gases = list_kind(store, graphs, BASE, "gas", size=5)
    assert gases.total >= 10 and len(gases.items) == 5 and gases.pages >= 2


def test_context_covers_the_ontology():
    context = jsonld_context()["@context"]
    assert {"EmissionFactor", "component", "value", "gwpSet"} <= set(context)
    assert "unit" in context and context["unit"]["@id"] == str(EF.unit)
    assert "component" in context and isinstance(
        context["component"], str
    )  # blank-node valued: no @id coercion
    assert "EmissionFactor" in term_names()
