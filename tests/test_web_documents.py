"""Values leave in the lexical form they were stored in: a factor uploaded through the API (the
gate, the review) with decimals 56100, 0.000123 and 1.50 is dereferenced in every format, in our own
terms and in the ECFO profile, and each answer is parsed back and its lexical forms compared with the
store's. (rdflib's Turtle writer once turned "56100"^^xsd:decimal into 56100.0 on the ECFO path.)"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from registry.publishing.tokens import create_token, ensure_publisher
from registry.rdf.namespaces import ECFO, EF
from registry.rdf.ontology import jsonld_context

from conftest import BASE, DATA

FACTOR = "factor/decimals-gas"
VERSION = f"{FACTOR}/1"
RDF_SUFFIXES = {".ttl": "turtle", ".nt": "nt", ".rdf": "xml", ".jsonld": "json-ld"}
ECFO_PROFILE = "<https://w3id.org/ecfo/1.0.0>"


@pytest.fixture
def stored(client, store) -> set[str]:
    """Publishes tests/data/web/decimals.ttl through the API; the lexical forms the store holds."""
    ensure_publisher(store, BASE, "acme", "ACME Energy")
    acme = {"Authorization": "Bearer " + create_token(store, "acme", "publisher")}
    reviewer = {"Authorization": "Bearer " + create_token(store, "efreg", "reviewer")}
    body = (DATA / "web" / "decimals.ttl").read_bytes()
    r = client.post(
        "/api/datasets/decimals/versions", data=body, headers={**acme, "Content-Type": "text/turtle"}
    )
    assert r.status_code == 201, r.get_data(as_text=True)
    assert client.post("/api/datasets/decimals/versions/1/submit", headers=acme).status_code == 200
    assert client.post("/api/datasets/decimals/versions/1/approve", headers=reviewer).status_code == 200
    rows = store.select(
        f"SELECT ?v WHERE {{ GRAPH ?g {{ <{BASE}{VERSION}> <{EF.component}>/<{EF.value}> ?v }} }}"
    )
    values = {row["v"] for row in rows}
    assert {v.datatype for v in values} == {XSD.decimal}
    # Oxigraph keeps 56100 and 0.000123 as written and stores "1.50" in its canonical form "1.5"
    # (same value); what the store holds is what must leave.
    assert {str(v) for v in values} == {"56100", "0.000123", "1.5"}
    return {str(v) for v in values}


def parse_back(client, path: str, suffix: str, headers: dict[str, str] | None = None) -> Graph:
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200, (path, response.data[:300])
    data = response.data
    assert b"56100.0" not in data and b"E-4" not in data.upper()
    if suffix == ".jsonld":
        document = json.loads(data)
        if isinstance(document, dict) and isinstance(document.get("@context"), str):
            assert document["@context"] == BASE + "context.jsonld"
            document["@context"] = jsonld_context()["@context"]  # not fetched over the network
        data = json.dumps(document).encode()
    return Graph().parse(data=data, format=RDF_SUFFIXES[suffix])


def decimals(objects: list) -> set[str]:
    assert objects and all(isinstance(o, Literal) and o.datatype == XSD.decimal for o in objects), objects
    return {str(o) for o in objects}


@pytest.mark.parametrize("suffix", list(RDF_SUFFIXES))
def test_a_document_keeps_the_stored_lexical_forms(client, stored, suffix):
    graph = parse_back(client, f"/{VERSION}{suffix}", suffix)
    factor = URIRef(BASE + VERSION)
    assert decimals([graph.value(c, EF.value) for c in graph.objects(factor, EF.component)]) == stored


@pytest.mark.parametrize("suffix", list(RDF_SUFFIXES))
@pytest.mark.parametrize("ask", ["query", "header"])
def test_the_ecfo_profile_keeps_the_stored_lexical_forms(client, stored, suffix, ask):
    if ask == "query":
        graph = parse_back(client, f"/{VERSION}{suffix}?_profile=ecfo", suffix)
    else:
        graph = parse_back(client, f"/{VERSION}{suffix}", suffix, {"Accept-Profile": ECFO_PROFILE})
    factors = list(graph.subjects(RDF.type, ECFO.EmissionConversionFactor))
    assert len(factors) == 3
    assert decimals([graph.value(cf, RDF.value) for cf in factors]) == stored


class Numbers(HTMLParser):
    """The text of every ``class="number"`` / ``class="num"`` cell of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.found = 0, []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self.depth or "number" in classes or ("num" in classes and tag == "td"):
            self.depth += 1
            if self.depth == 1:
                self.found.append("")

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.found[-1] += data


def test_the_page_shows_the_stored_digits(client, stored):
    response = client.get(f"/{VERSION}.html")
    assert response.status_code == 200
    parser = Numbers()
    parser.feed(response.get_data(as_text=True))
    # The page groups thousands ("56,100"); the digits are the stored ones, never through float.
    shown = {text.strip().replace(",", "") for text in parser.found if text.strip()}
    assert stored <= shown
    assert not any(re.search(r"[eE]|\.0$", text) for text in shown if text in stored)


def test_the_ecfo_profile_has_no_page(client, stored):
    r = client.get(f"/{VERSION}.html?_profile=ecfo")
    assert r.status_code == 406 and "text/turtle" in r.get_data(as_text=True)
