"""The W3C service-description tests (has-endpoint-triple, returns-rdf, conforms-to-schema) as our own
assertions, plus the browser query page."""

from __future__ import annotations

import re

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from registry.rdf.namespaces import SD, SYSTEM_GRAPH
from registry.web.sparql import EXAMPLES

FORMATS = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
}


@pytest.mark.parametrize("accept", list(FORMATS))
def test_returns_rdf_with_a_matching_endpoint_triple(live_server: str, accept: str) -> None:
    response = requests.get(live_server + "sparql", headers={"Accept": accept}, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(accept)
    assert response.headers["Content-Type"].count("charset") <= 1
    graph = Graph().parse(data=response.content, format=FORMATS[accept])
    services = list(graph.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    assert (services[0], SD.endpoint, URIRef(live_server + "sparql")) in graph


def test_conforms_to_the_service_description_schema(live_server: str) -> None:
    graph = Graph().parse(data=requests.get(live_server + "sparql", timeout=10).content, format="turtle")
    service = next(graph.subjects(RDF.type, SD.Service))
    assert {SD.SPARQL11Query, SD.SPARQL11Update} == set(graph.objects(service, SD.supportedLanguage))
    assert {SD.UnionDefaultGraph, SD.BasicFederatedQuery} <= set(graph.objects(service, SD.feature))
    formats = {str(f).rsplit("/", 1)[1] for f in graph.objects(service, SD.resultFormat)}
    assert {
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "RDF_XML",
        "JSON-LD",
        "N-Triples",
        "TriG",
        "N-Quads",
    } <= formats
    dataset = graph.value(service, SD.defaultDataset)
    assert (dataset, RDF.type, SD.Dataset) in graph
    assert (graph.value(dataset, SD.defaultGraph), RDF.type, SD.Graph) in graph
    names = {str(graph.value(named, SD.name)) for named in graph.objects(dataset, SD.namedGraph)}
    assert "http://localhost:8080/catalog" in names
    assert "http://localhost:8080/dataset/ipcc2006-v2-ch2-t2.2/1" in names
    assert SYSTEM_GRAPH not in names
    for named in graph.objects(dataset, SD.namedGraph):  # sd:NamedGraph needs sd:name and sd:graph
        assert (named, RDF.type, SD.NamedGraph) in graph and graph.value(named, SD.graph) is not None


def test_browsers_get_the_query_page_with_bundled_assets(live_server: str) -> None:
    page = requests.get(
        live_server + "sparql", timeout=10, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page.text)
    assert "/static/sparql/sparql.js" in sources and all(s.startswith("/static/") for s in sources)
    assert "//" not in " ".join(re.findall(r"<script[^>]*src=\"([^\"]+)", page.text))  # no CDN
    for source in sources:
        assert requests.get(live_server + source.lstrip("/"), timeout=10).status_code == 200
    assert 'id="query"' in page.text and 'id="examples"' in page.text


@pytest.mark.parametrize("title,query", EXAMPLES, ids=[t for t, _ in EXAMPLES])
def test_example_queries_run_on_the_seeds(client, title: str, query: str) -> None:
    response = client.post(
        "/sparql",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json, text/turtle;q=0.9"},
    )
    assert response.status_code == 200
    assert int(response.headers["Efreg-Result-Rows"]) > 0
