"""Real SPARQL clients against a live server: SPARQLWrapper with its default settings, for every query
form (SELECT, ASK, CONSTRUCT, DESCRIBE) and every return format it offers (``_allowedFormats``: it
sends ``format=``/``output=``/``results=`` with its own names — ``rdf+xml``, ``json-ld``, ``n3``,
``xml`` … — beside an ``Accept`` header), by GET and by POST; the answer is one SPARQLWrapper
converts, with one charset."""

from __future__ import annotations

import json
from collections.abc import Iterator
from xml.dom.minidom import Document

import pytest
from rdflib import Graph, URIRef
from SPARQLWrapper import GET, POST, SPARQLWrapper
from SPARQLWrapper.Wrapper import _allowedFormats

from conftest import seeded_server

BASE = "http://localhost:8080/"
NATURAL_GAS = BASE + "factor/ipcc2006-t2.2-natural-gas/1"
QUERIES = {
    "select": """PREFIX ef: <https://w3id.org/efreg/ontology#>
SELECT ?f WHERE { ?f a ef:EmissionFactor } ORDER BY ?f""",
    "ask": f"ASK {{ <{NATURAL_GAS}> ?p ?o }}",
    "construct": f"CONSTRUCT {{ <{NATURAL_GAS}> ?p ?o }} WHERE {{ <{NATURAL_GAS}> ?p ?o }}",
    "describe": f"DESCRIBE <{NATURAL_GAS}>",
}
#: what rdflib calls the graph formats SPARQLWrapper hands back as text
RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}
#: SPARQLWrapper's own warnings (rdflib's ConjunctiveGraph inside it; a return format it does not
#: expect for a query form, e.g. TURTLE for a SELECT, for which it sends Accept: */*)
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:SPARQLWrapper.Wrapper"),
    pytest.mark.filterwarnings("ignore:Sending Accept header:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:Format requested was:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:unknown response content type:RuntimeWarning"),
]


@pytest.fixture(scope="module")
def live_server() -> Iterator[str]:
    """One seeded registry for the module: these tests only read."""
    with seeded_server() as (url, _store):
        yield url


def client(live_server: str, query: str, fmt: str | None = None, method: str = GET) -> SPARQLWrapper:
    sparql = SPARQLWrapper(live_server + "sparql")
    sparql.setQuery(query)
    sparql.setMethod(method)
    if fmt is not None:
        sparql.setReturnFormat(fmt)
    return sparql


def check(form: str, converted: object, media_type: str) -> None:
    """What SPARQLWrapper's ``convert()`` gave holds the answer."""
    if form in ("select", "ask"):
        if isinstance(converted, dict):  # JSON
            text = json.dumps(converted)
            assert converted["boolean"] is True if form == "ask" else NATURAL_GAS in text
        elif isinstance(converted, Document):  # XML results
            text = converted.toxml()
            assert ("<boolean>true</boolean>" in text) if form == "ask" else (NATURAL_GAS in text)
        else:  # CSV, TSV: the body
            assert isinstance(converted, bytes)
            text = converted.decode("utf-8")
            assert ("true" in text) if form == "ask" else (NATURAL_GAS in text)
        return
    if isinstance(converted, bytes | str):  # Turtle, N3, N-Triples come back as text
        graph = Graph().parse(data=converted, format=RDFLIB_FORMATS[media_type])
    else:
        graph = converted
    assert isinstance(graph, Graph)
    assert len(list(graph.triples((URIRef(NATURAL_GAS), None, None)))) > 5


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("fmt", [None, *_allowedFormats], ids=lambda f: f or "default")
@pytest.mark.parametrize("form", list(QUERIES))
def test_every_query_form_in_every_return_format(
    live_server: str, form: str, fmt: str | None, method
) -> None:
    result = client(live_server, QUERIES[form], fmt, method).query()
    assert result.response.status == 200
    content_type = result.response.headers["Content-Type"]
    assert content_type.lower().count("charset") <= 1, content_type
    media_type = content_type.split(";")[0].strip()
    check(form, result.convert(), media_type)


@pytest.mark.parametrize("form", ["construct", "describe"])
def test_n_triples_by_accept(live_server: str, form: str) -> None:
    """SPARQLWrapper has no N-Triples return format; its Accept header asks for it."""
    sparql = client(live_server, QUERIES[form])
    sparql.setOnlyConneg(True)
    sparql.addCustomHttpHeader("Accept", "application/n-triples")
    result = sparql.query()
    assert result.response.headers["Content-Type"] == "application/n-triples; charset=utf-8"
    check(form, result.convert(), "application/n-triples")


def test_the_default_return_format_is_what_sparqlwrapper_expects(live_server: str) -> None:
    """No return format set: XML results for SELECT/ASK, RDF/XML for graphs (its Accept header)."""
    select = client(live_server, QUERIES["select"]).query()
    assert select.response.headers["Content-Type"].startswith("application/sparql-results+xml")
    graph = client(live_server, QUERIES["construct"]).query()
    assert graph.response.headers["Content-Type"].startswith("application/rdf+xml")
