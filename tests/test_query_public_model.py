"""The public read model answers as the listed public graphs of the whole store do: each query is
evaluated both ways (the union default graph of the model; the public graphs listed, on a store that
also holds a draft, a commercial values graph and the system graph with the same predicates) and the
answers compared. Then: restrict() gives a public caller a PublicDataset, explicit datasets stay lists."""

from __future__ import annotations

import pytest

from registry.publishing import access, public_view
from registry.query.dataset import restrict
from registry.query.inspect import inspect_query
from registry.store import PublicDataset, QueryDataset

from conftest import BASE

EF = "https://w3id.org/efreg/ontology#"
P = f"PREFIX ef: <{EF}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
P += "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX dct: <http://purl.org/dc/terms/> "
DRAFT = BASE + "dataset/hidden/1"
HIDDEN = f"""<{BASE}factor/hidden-0/1> a <{EF}EmissionFactor> ; <http://www.w3.org/2000/01/rdf-schema#label> "hidden"@en ;
  <{EF}geography> <{BASE}geo/CN> ; <{EF}component> [ <{EF}value> "123.456" ] .
<{BASE}geo/XX> <http://www.w3.org/2004/02/skos/core#broader> <{BASE}geo/CN> ."""

QUERIES = {
    "labels": P + "SELECT ?f ?l WHERE { ?f a ef:EmissionFactor ; rdfs:label ?l }",
    "count": P + "SELECT (COUNT(*) AS ?n) WHERE { ?f ef:geography ?g }",
    "path": P + f"SELECT ?g WHERE {{ <{BASE}geo/CN> skos:broader* ?g }}",
    "path-to": P + f"SELECT ?g WHERE {{ ?g skos:broader* <{BASE}geo/CN> }}",
    "variable-predicate": P + "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p",
    "values": P + "SELECT ?v WHERE { ?f ef:component/ef:value ?v }",
    "negated": P + "SELECT (COUNT(*) AS ?n) WHERE { ?s !ef:geography ?o }",
    "graph": P + "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s rdfs:label ?l } } GROUP BY ?g",
    "exists": P + 'SELECT ?f WHERE { ?f ef:geography ?g FILTER NOT EXISTS { ?f rdfs:label "hidden"@en } }',
    "graph-constant": P + f"SELECT * WHERE {{ GRAPH <{DRAFT}> {{ ?s ?p ?o }} }}",
    "system": "SELECT * WHERE { GRAPH <urn:efreg:system> { ?s ?p ?o } }",
}


@pytest.fixture
def mixed(store):
    store.load(HIDDEN.encode(), "turtle", graph=DRAFT)  # no record: never public
    public_view.sync(store)
    assert store.view_current() and DRAFT not in access.public_graphs(store)
    return store


def _rows(store, query: str, dataset: QueryDataset) -> list[str]:
    return sorted(str(sorted((k, str(v)) for k, v in row.items())) for row in store.select(query, dataset))


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_the_model_answers_as_the_listed_public_graphs(mixed, name):
    public = access.public_graphs(mixed)
    on_model = _rows(mixed, QUERIES[name], PublicDataset(public, public, union=True))
    listed = _rows(mixed, QUERIES[name], QueryDataset(public, public))
    assert on_model == listed
    assert "hidden" not in str(on_model) and "123.456" not in str(on_model)


def test_the_model_holds_no_hidden_graph(mixed):
    assert {g.value for g in mixed.view.named_graphs()} == set(access.public_graphs(mixed))
    everything = mixed.view.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(next(iter(everything))["n"].value) == sum(
        n for g, n in mixed.graphs().items() if g in set(access.public_graphs(mixed))
    )


def test_restrict() -> None:
    base = "http://ex.org/"
    public = [base + "public"]
    plain = inspect_query("SELECT * WHERE { ?s ?p ?o }", base)
    assert restrict(public, plain, public=True) == PublicDataset(
        tuple(public), tuple(public), union=True, readable=tuple(public)
    )  # readable: who reads, for a backend whose engine enforces it (Virtuoso)
    assert type(restrict(public, plain)) is QueryDataset
    named = inspect_query(f"SELECT * FROM <{public[0]}> WHERE {{ ?s ?p ?o }}", base)
    chosen = restrict(public, named, public=True)
    assert isinstance(chosen, PublicDataset) and not chosen.union and chosen.default_graphs == tuple(public)
    protocol = restrict(public, plain, [public[0], base + "secret"], public=True)
    assert isinstance(protocol, PublicDataset) and not protocol.union
    assert protocol.default_graphs == tuple(public) and protocol.named_graphs == ()
