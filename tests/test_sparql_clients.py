"""Real SPARQL clients against a live server: SPARQLWrapper with its default settings and every
return format it offers (it sends both ``format=`` and ``Accept``)."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, URIRef
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

BASE = "http://localhost:8080/"
NATURAL_GAS = BASE + "factor/ipcc2006-t2.2-natural-gas/1"
SELECT = """PREFIX ef: <https://w3id.org/efreg/ontology#>
SELECT ?f WHERE { ?f a ef:EmissionFactor } ORDER BY ?f"""
ASK = f"ASK {{ <{NATURAL_GAS}> ?p ?o }}"
CONSTRUCT = f"CONSTRUCT {{ <{NATURAL_GAS}> ?p ?o }} WHERE {{ <{NATURAL_GAS}> ?p ?o }}"
DESCRIBE = f"DESCRIBE <{NATURAL_GAS}>"
#: SPARQLWrapper's own warnings (rdflib's ConjunctiveGraph inside it; JSON asked of a graph query)
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:SPARQLWrapper.Wrapper"),
    pytest.mark.filterwarnings("ignore:Sending Accept header:RuntimeWarning"),
]


def client(live_server: str, query: str, fmt: str | None = None) -> SPARQLWrapper:
    sparql = SPARQLWrapper(live_server + "sparql")
    sparql.setQuery(query)
    if fmt is not None:
        sparql.setReturnFormat(fmt)
    return sparql


def test_select_with_default_settings(live_server: str) -> None:
    doc = client(live_server, SELECT).query().convert()  # XML results, parsed by minidom
    uris = [node.firstChild.data for node in doc.getElementsByTagName("uri")]
    assert NATURAL_GAS in uris


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_select_in_every_return_format(live_server: str, fmt: str) -> None:
    result = client(live_server, SELECT, fmt).query()
    body = result.response.read().decode("utf-8")
    assert NATURAL_GAS in body
    if fmt == JSON:
        rows = json.loads(body)["results"]["bindings"]
        assert NATURAL_GAS in [row["f"]["value"] for row in rows]


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_ask(live_server: str, fmt: str) -> None:
    converted = client(live_server, ASK, fmt).query().convert()
    assert (converted["boolean"] if fmt == JSON else "true" in converted.toxml()) is True


@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
@pytest.mark.parametrize("fmt", [None, XML, RDFXML, TURTLE, N3, JSONLD, JSON])
def test_graph_answers_in_every_return_format(live_server: str, query: str, fmt: str | None) -> None:
    """Default settings and each return format give a graph that holds the factor's triples."""
    result = client(live_server, query, fmt).query()
    assert result.response.status == 200
    converted = result.convert()
    if isinstance(converted, bytes | str):  # TURTLE, N3 and JSON-LD come back as text
        media = result.response.headers.get("Content-Type", "").split(";")[0]
        graph = Graph().parse(data=converted, format={"application/ld+json": "json-ld"}.get(media, "turtle"))
    else:
        graph = converted
    assert isinstance(graph, Graph)
    assert len(list(graph.triples((URIRef(NATURAL_GAS), None, None)))) > 5
