"""The one SPARQL HTTP client (registry.rdf.sparql_client), against real HTTP servers on loopback."""
# ruff: noqa: F811  (the stub_endpoint fixture imported from http_stub is a parameter here)

from __future__ import annotations

import json
import socket

import pytest
from http_stub import stub_endpoint  # noqa: F401  (fixture)
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from registry.rdf.sparql_client import (
    BadAnswer,
    EndpointRefused,
    EndpointStatus,
    EndpointTimeout,
    EndpointUnreachable,
    SparqlClient,
    to_rdflib,
)

JSON_RESULTS = {
    "head": {"vars": ["x", "v", "l"]},
    "results": {
        "bindings": [
            {
                "x": {"type": "uri", "value": "http://example.org/a"},
                "v": {"type": "literal", "value": "56100", "datatype": str(XSD.decimal)},
                "l": {"type": "literal", "value": "天然气", "xml:lang": "zh"},
            },
            {
                "x": {"type": "bnode", "value": "b0"},
                "v": {"type": "typed-literal", "value": "01", "datatype": str(XSD.integer)},
            },
        ]
    },
}
XML_RESULTS = b"""<?xml version="1.0"?>
<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="v"/></head>
<results><result><binding name="v"><literal datatype="http://www.w3.org/2001/XMLSchema#decimal">0.50</literal></binding></result>
</results></sparql>"""


def test_select_posts_the_query_and_keeps_lexical_forms(stub_endpoint):
    url, handler = stub_endpoint
    handler.body = json.dumps(JSON_RESULTS).encode()
    answer = SparqlClient(timeout=5).select(
        url, "SELECT * { ?x ?v ?l }", params=[("default-graph-uri", "urn:g")]
    )
    ((path, accept, form),) = handler.requests
    assert accept.startswith("application/sparql-results+json") and "default-graph-uri=urn%3Ag" in form
    assert form.startswith("query=SELECT")
    assert answer.variables == ["x", "v", "l"]
    first, second = ({k: to_rdflib(v) for k, v in row.items()} for row in answer.rows)
    assert first == {
        "x": URIRef("http://example.org/a"),
        "v": Literal("56100", datatype=XSD.decimal),
        "l": Literal("天然气", lang="zh"),
    }
    assert second["x"] == BNode("b0") and str(second["v"]) == "01"  # not normalised to "1"


def test_xml_results_and_ask(stub_endpoint):
    url, handler = stub_endpoint
    handler.content_type, handler.body = "application/sparql-results+xml", XML_RESULTS
    answer = SparqlClient(timeout=5).results(url, "SELECT ?v {}")
    assert [str(to_rdflib(row["v"])) for row in answer.rows] == ["0.50"]
    handler.content_type, handler.body = "application/sparql-results+json", b'{"head": {}, "boolean": true}'
    assert SparqlClient(timeout=5).results(url, "ASK {}").boolean is True
    with pytest.raises(BadAnswer, match="not a SPARQL SELECT result"):
        SparqlClient(timeout=5).select(url, "ASK {}")


def test_the_allow_hook_is_asked_before_anything_is_sent(stub_endpoint):
    url, handler = stub_endpoint
    with pytest.raises(EndpointRefused):
        SparqlClient(timeout=5, allow=lambda u: False).select(url, "SELECT * {}")
    assert handler.requests == []


@pytest.mark.parametrize(
    ("status", "body", "location", "error", "message"),
    [
        (
            302,
            b"",
            "http://elsewhere.example/",
            EndpointStatus,
            "answered HTTP 302 (redirect to http://elsewhere.example/ not followed)",
        ),
        (503, b"overloaded", None, EndpointStatus, "answered HTTP 503 (Service Unavailable): overloaded"),
        (200, b"<html>hello</html>", None, BadAnswer, "did not answer SPARQL results JSON (it began '<html>"),
        (200, b'{"results": {"bindings": [{"x": 1}]}}', None, BadAnswer, "malformed binding for ?x"),
        (200, b"x" * 2000, None, BadAnswer, "answered more than 1000 bytes"),
    ],
)
def test_failures_say_what_happened(stub_endpoint, status, body, location, error, message):
    url, handler = stub_endpoint
    handler.status, handler.body, handler.location = status, body, location
    with pytest.raises(error) as raised:
        SparqlClient(timeout=5, max_bytes=1000).select(url, "SELECT * {}")
    assert message in str(raised.value) and raised.value.url == url


def test_down_and_silent_endpoints():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    with pytest.raises(EndpointUnreachable, match="cannot be reached"):
        SparqlClient(timeout=5).select(f"http://127.0.0.1:{port}/sparql", "SELECT * {}")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts, never answers
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
        with pytest.raises(EndpointTimeout, match="did not answer within 0.5 s"):
            SparqlClient(timeout=0.5).select(url, "SELECT * {}")
