"""Statistics as data: VoID counts kept in the system graph at each release and published in /void."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import VOID
from test_publishing import DS, people, write  # noqa: F401  (people: a fixture)

from registry.publishing import access
from registry.publishing import workflow as publishing
from registry.query import statistics
from registry.rdf.namespaces import EF, SYSTEM_GRAPH
from registry.store import QueryDataset, Store

from conftest import BASE

FACTOR = str(EF.EmissionFactor)


def void(client) -> Graph:
    response = client.get("/void.ttl")
    assert response.status_code == 200
    return Graph().parse(data=response.data, format="turtle")


def partitions(graph: Graph, ds: URIRef) -> tuple[dict[str, int], dict[str, tuple[int, ...]]]:
    classes = {
        str(graph.value(p, VOID["class"])): int(graph.value(p, VOID.entities))
        for p in graph.objects(ds, VOID.classPartition)
    }
    properties = {
        str(graph.value(p, VOID.property)): tuple(
            int(v)
            for v in (
                graph.value(p, VOID.triples),
                graph.value(p, VOID.distinctSubjects),
                graph.value(p, VOID.distinctObjects),
            )
            if v is not None
        )
        for p in graph.objects(ds, VOID.propertyPartition)
    }
    return classes, properties


def counted(store: Store, graphs: tuple[str, ...], where: str, select: str) -> int:
    rows = store.select(
        f"SELECT ({select} AS ?n) WHERE {{ GRAPH ?g {{ {where} }} }}",
        QueryDataset(default_graphs=(), named_graphs=graphs),
    )
    return int(rows[0]["n"])


def test_void_lists_partitions_with_the_counts_of_the_data(client, store):
    graph = void(client)
    public = access.public_graphs(store)
    registry = URIRef(BASE + "void#registry")
    classes, properties = partitions(graph, registry)
    assert classes[FACTOR] == counted(store, public, f"?s a <{FACTOR}>", "COUNT(DISTINCT ?s)")
    for prop in (str(EF.component), str(EF.value), "http://www.w3.org/2000/01/rdf-schema#label"):
        assert properties[prop][0] == counted(store, public, f"?s <{prop}> ?o", "COUNT(*)")
    assert int(graph.value(registry, VOID.triples)) == counted(store, public, "?s ?p ?o", "COUNT(*)")
    subsets = sorted(graph.objects(registry, VOID.subset))
    assert subsets and all(str(s) in public for s in subsets)
    for subset in subsets:  # every subset: its own exact counts
        one = (str(subset),)
        classes, properties = partitions(graph, subset)
        assert int(graph.value(subset, VOID.triples)) == counted(store, one, "?s ?p ?o", "COUNT(*)")
        assert int(graph.value(subset, VOID.distinctObjects)) == counted(
            store, one, "?s ?p ?o", "COUNT(DISTINCT ?o)"
        )
        assert int(graph.value(subset, VOID.entities)) == counted(
            store, one, "?s ?p ?o FILTER(isIRI(?s))", "COUNT(DISTINCT ?s)"
        )
        for prop, (triples, subjects, objects) in properties.items():
            where = f"?s <{prop}> ?o"
            assert (triples, subjects, objects) == (
                counted(store, one, where, "COUNT(*)"),
                counted(store, one, where, "COUNT(DISTINCT ?s)"),
                counted(store, one, where, "COUNT(DISTINCT ?o)"),
            ), (subset, prop)
        for cls, n in classes.items():
            assert n == counted(store, one, f"?s a <{cls}>", "COUNT(DISTINCT ?s)")


def test_statistics_are_kept_in_the_system_graph_and_follow_changes(store):
    kept = statistics.stored(store)
    graphs = {g for g in store.graph_names() if g != SYSTEM_GRAPH}
    assert set(kept) == graphs  # every graph, the catalog included, computed at the seeds' release
    some = sorted(g for g in graphs if "/dataset/" in g)[0]
    assert kept[some] == statistics.compute(store, some)
    # a graph that changes (the catalog: a dataset version never does) is recomputed
    catalog = BASE + "catalog"
    store.update(f"INSERT DATA {{ GRAPH <{catalog}> {{ <urn:x:a> <urn:x:p> <urn:x:b> }} }}")
    fresh = statistics.refresh(store)
    assert fresh[catalog].properties["urn:x:p"] == statistics.PropertyStats(1, 1, 1, frozenset({"<urn:x:b>"}))
    assert fresh[catalog].triples == kept[catalog].triples + 1
    statistics._kept.clear()  # as a new process reads them
    assert statistics.stored(store) == fresh
    # one that is gone is forgotten
    store.drop_graph(some)
    statistics.refresh(store)
    assert some not in statistics.stored(store)
    assert not store.select(
        f"SELECT * WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{ <{some}> ?p ?o }} }}",
        QueryDataset(default_graphs=(), named_graphs=(SYSTEM_GRAPH,)),
    )


def test_void_follows_publish_and_withdraw(client, store, settings, people, tmp_path):  # noqa: F811
    registry = URIRef(BASE + "void#registry")
    before, _ = partitions(void(client), registry)
    version = BASE + f"dataset/{DS}/1"
    # a draft: counted in private, not published
    outcome = publishing.upload(store, settings, people["acme"], DS, [write(tmp_path, 1, range(4))])
    assert outcome.stored
    graph = void(client)
    assert partitions(graph, registry)[0][FACTOR] == before[FACTOR]
    assert URIRef(version) not in set(graph.objects(registry, VOID.subset))
    publishing.act(store, BASE, people["acme"], DS, "1", "submit")
    publishing.act(store, BASE, people["reviewer"], DS, "1", "approve")
    assert version in statistics.stored(store)
    graph = void(client)
    assert partitions(graph, registry)[0][FACTOR] == before[FACTOR] + 4
    assert URIRef(version) in set(graph.objects(registry, VOID.subset))
    classes, properties = partitions(graph, URIRef(version))
    assert classes[FACTOR] == 4 and properties[str(EF.component)][1] == 4
    publishing.act(store, BASE, people["acme"], DS, "1", "withdraw")
    graph = void(client)
    assert partitions(graph, registry)[0][FACTOR] == before[FACTOR]
    assert URIRef(version) not in set(graph.objects(registry, VOID.subset))


def test_summary_adds_graphs_and_unites_their_few_objects():
    gases = statistics.PropertyStats(3, 3, 2, frozenset({"<urn:CO2>", "<urn:CH4>"}))
    labels = statistics.PropertyStats(3, 3, 3)
    a = statistics.GraphStats(6, 3, 3, 5, {"c": 3}, {"gas": gases, "label": labels})
    b = statistics.GraphStats(
        4,
        2,
        2,
        4,
        {"c": 2},
        {"gas": statistics.PropertyStats(2, 2, 2, frozenset({"<urn:CO2>", "<urn:N2O>"})), "label": labels},
    )
    total = statistics.summarize([a, b])
    assert (total.triples, total.entities, total.subjects, total.objects) == (10, 5, 5, 5)
    assert total.classes == {"c": 5}
    assert total.properties["gas"] == statistics.PropertyStats(5, 5, 3)  # CO2, CH4, N2O: united
    assert total.properties["label"] == statistics.PropertyStats(6, 6, 6)  # many objects: added
