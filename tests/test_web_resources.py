"""Dereferencing: 303 from thing URIs, documents by suffix, negotiation, conditional requests,
errors, and every RDF format of a sample of resources parsed back and compared as graphs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF, RDFS

from registry.publishing.catalog import refresh_versions
from registry.rdf.namespaces import DCAT, EF

from conftest import BASE, DATA

FACTOR = "factor/ipcc2006-t2.2-natural-gas"
RDF_SUFFIXES = {".ttl": "turtle", ".nt": "nt", ".rdf": "xml", ".jsonld": "json-ld"}
SAMPLE = [
    f"{FACTOR}/1",
    f"{FACTOR}/2",
    FACTOR,
    "factor/cn-mee-2021-national-average-cn/1",
    "dataset/ipcc-gwp100/1",
    "dataset/cn-mee-electricity-2021-2022/1",  # carries the SHACL report of its warnings
    "dataset/ipcc2006-v2-ch2-t2.2",
    "publisher/ipcc",
    "source/ipcc2006-v2-ch2-t2.2",
    "gas/CO2",
    "gwp/AR6-GWP100",
    "geo/CN-HE",
    "unit/KiloGM-PER-TeraJ",
    "category/ipcc2006/1.A.1",
    "license/ipcc",
]


@pytest.fixture
def store(store):
    """The seeds plus a second version of IPCC Table 2.2 and an unpublished draft."""
    store.load(DATA / "web" / "revision.trig", "trig", base_iri=BASE)
    refresh_versions(store, BASE)
    return store


def parse(client, path: str, suffix: str) -> Graph:
    response = client.get("/" + path + suffix)
    assert response.status_code == 200, (path, suffix, response.data[:300])
    data = response.data
    if suffix == ".jsonld":
        document = json.loads(data)
        assert document["@context"] == BASE + "context.jsonld"
        document["@context"] = json.loads(client.get("/context.jsonld").data)["@context"]
        data = json.dumps(document).encode()
    return Graph().parse(data=data, format=RDF_SUFFIXES[suffix])


# --- negotiation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "suffix"),
    [
        ("text/turtle", ".ttl"),
        ("application/x-turtle", ".ttl"),
        ("application/ld+json", ".jsonld"),
        ("application/json", ".jsonld"),
        ("application/rdf+xml", ".rdf"),
        ("application/n-triples", ".nt"),
        ("text/html", ".html"),
        ("application/xhtml+xml", ".html"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ".html"),  # a browser
        ("*/*", ".html"),
        (None, ".html"),
        ("text/turtle;q=0.5, application/rdf+xml;q=0.9", ".rdf"),
        ("application/n-triples;q=0.1, text/turtle", ".ttl"),
        ("text/*", ".html"),  # text/html and text/turtle tie: the server prefers HTML
        ("image/png, text/turtle;q=0.2", ".ttl"),
        ("garbage", ".html"),  # nothing parses as a media type: treated as */*
        (";;;,,,", ".html"),
    ],
)
def test_thing_uri_answers_303_to_negotiated_document(client, accept, suffix):
    headers = {"Accept": accept} if accept is not None else {}
    response = client.get(f"/{FACTOR}/1", headers=headers)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/{FACTOR}/1{suffix}"
    assert "Accept" in response.vary


@pytest.mark.parametrize("accept", ["image/png", "application/pdf, video/*", "text/csv;q=1"])
def test_nothing_acceptable_is_406_listing_types(client, accept):
    response = client.get(f"/{FACTOR}/1", headers={"Accept": accept})
    assert response.status_code == 406
    text = response.get_data(as_text=True)
    for media_type in (
        "text/turtle",
        "application/ld+json",
        "application/rdf+xml",
        "application/n-triples",
        "text/html",
    ):
        assert media_type in text


def test_suffix_wins_over_accept(client):
    response = client.get(f"/{FACTOR}/1.ttl", headers={"Accept": "application/rdf+xml"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    assert Graph().parse(data=response.data, format="turtle")


def test_document_headers(client):
    response = client.get(f"/{FACTOR}/1.ttl")
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert response.headers["Content-Location"] == f"/{FACTOR}/1.ttl"
    assert "Accept" in response.vary
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["ETag"]
    assert response.headers["Last-Modified"]
    links = response.headers["Link"]
    for suffix, media_type in (
        (".jsonld", "application/ld+json"),
        (".rdf", "application/rdf+xml"),
        (".nt", "application/n-triples"),
        (".html", "text/html"),
    ):
        assert f'</{FACTOR}/1{suffix}>; rel="alternate"; type="{media_type}"' in links
    assert f"/{FACTOR}/1.ttl>" not in links


def test_cached_document_answers_alike_and_follows_the_script_root(client):
    """The second answer comes from the document cache with the same headers (Date apart); the
    same document under another script root names its own paths."""
    first, second = client.get(f"/{FACTOR}/1.ttl"), client.get(f"/{FACTOR}/1.ttl")
    assert first.data == second.data and first.headers["Date"] and second.headers["Date"]
    assert [h for h in first.headers if h[0] != "Date"] == [h for h in second.headers if h[0] != "Date"]
    mounted = client.get(f"/{FACTOR}/1.ttl", environ_overrides={"SCRIPT_NAME": "/efreg"})
    assert mounted.data == first.data and mounted.headers["ETag"] == first.headers["ETag"]
    assert mounted.headers["Content-Location"] == f"/efreg/{FACTOR}/1.ttl"
    assert f'</efreg/{FACTOR}/1.jsonld>; rel="alternate"' in mounted.headers["Link"]
    assert client.get(f"/{FACTOR}/1.ttl").headers["Content-Location"] == f"/{FACTOR}/1.ttl"


def test_etag_304_and_if_modified_since(client):
    first = client.get(f"/{FACTOR}/1.jsonld")
    etag = first.headers["ETag"]
    again = client.get(f"/{FACTOR}/1.jsonld", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get(f"/{FACTOR}/1.jsonld", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    later = (datetime.now(UTC) + timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert client.get(f"/{FACTOR}/1.ttl", headers={"If-Modified-Since": later}).status_code == 304
    assert (
        client.get(
            f"/{FACTOR}/1.ttl", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
        ).status_code
        == 200
    )
    # different formats are different representations
    assert client.get(f"/{FACTOR}/1.ttl").headers["ETag"] != etag


def test_head_has_headers_and_no_body(client):
    response = client.head(f"/{FACTOR}/1.nt")
    assert response.status_code == 200 and response.data == b""
    assert response.headers["ETag"] and response.mimetype == "application/n-triples"
    assert client.head(f"/{FACTOR}/1").status_code == 303


def test_html_pages_are_utf8_and_vary_on_language(client):
    response = client.get(f"/{FACTOR}/1.html", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "天然气" in response.get_data(as_text=True)
    assert "Accept-Language" in response.vary


# --- errors and bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/factor/no-such-factor",
        "/factor/no-such-factor.ttl",
        "/factor/no-such-factor/7",
        "/factor/..%2F..",
        "/factor/..%2F..%2Fetc%2Fpasswd",
        "/factor/%2e%2e/%2e%2e/etc/passwd",
        "/factor/a//b",
        "/factor/" + "x" * 5000,
        "/factor/" + "a/" * 300 + "b.ttl",
        f"/{FACTOR}/1.exe",
        f"/{FACTOR}/1.ttl.bak",
        f"/{FACTOR}/1.",
        "/factor/%00",
        "/factor/%ff%fe",
        "/gas/CO2;drop",
        "/geo/<script>",
        "/factor/draft-secret/1",
        "/factor/draft-secret/1.ttl",
        "/factor/draft-secret",
        "/dataset/draft-test/1.ttl",
    ],
)
def test_bad_or_unknown_paths_are_404(client, path):
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.mimetype == "text/plain"


def test_404_is_html_for_browsers(client):
    response = client.get("/factor/nope", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 404 and response.mimetype == "text/html"


@pytest.mark.parametrize("header", ["", "zh-CN;q=abc", ";;;", "x" * 3000, "*", "en;q=0.1, de"])
def test_malformed_accept_language_falls_back(client, header):
    response = client.get(f"/{FACTOR}/1.html", headers={"Accept-Language": header})
    assert response.status_code == 200


# --- what a document holds -------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLE)
def test_every_format_is_the_same_graph(client, path):
    graphs = {suffix: parse(client, path, suffix) for suffix in RDF_SUFFIXES}
    turtle = graphs[".ttl"]
    assert len(turtle) > 0
    assert (URIRef(BASE + path), None, None) in turtle
    for suffix, graph in graphs.items():
        assert isomorphic(turtle, graph), suffix


def test_factor_document_holds_cbd_and_labels(client):
    graph = parse(client, f"{FACTOR}/2", ".ttl")
    factor = URIRef(BASE + f"{FACTOR}/2")
    component = graph.value(factor, EF.component)
    assert graph.value(component, EF.value) == Literal(
        "56200", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")
    )
    uncertainty = graph.value(component, EF.uncertainty)
    assert graph.value(uncertainty, EF.lowerBound) is not None
    quality = graph.value(factor, EF.dataQuality)
    assert graph.value(quality, EF.dqr) is not None
    assert graph.value(graph.value(factor, DCTERMS.temporal), DCAT.startDate) is not None
    # labels of every IRI it links to, in both languages where the data has them
    for linked in (
        URIRef(BASE + "gas/CO2"),
        URIRef(BASE + "geo/GLO"),
        URIRef(BASE + "publisher/ipcc"),
        URIRef(BASE + "unit/KiloGM-PER-TeraJ"),
        EF.Combustion,
        EF.Scope1,
    ):
        languages = {label.language for label in graph.objects(linked, RDFS.label)}
        assert {"en", "zh"} <= languages, linked
    # a mapping to the factor is part of its document
    assert (
        URIRef("urn:example:partner/NG-01"),
        URIRef("http://www.w3.org/2004/02/skos/core#closeMatch"),
        factor,
    ) in graph


def test_versions_latest_and_superseded(client):
    thing = URIRef(BASE + FACTOR)
    v1, v2 = URIRef(BASE + f"{FACTOR}/1"), URIRef(BASE + f"{FACTOR}/2")
    latest = parse(client, FACTOR, ".ttl")
    assert set(latest.objects(thing, DCAT.hasVersion)) == {v1, v2}
    assert latest.value(thing, DCAT.hasCurrentVersion) == v2
    assert (v2, RDF.type, EF.EmissionFactor) in latest  # the current version's values come along
    old = parse(client, f"{FACTOR}/1", ".ttl")
    assert old.value(v1, DCTERMS.isReplacedBy) == v2
    assert parse(client, f"{FACTOR}/2", ".ttl").value(v2, DCTERMS.isReplacedBy) is None
    page = client.get(f"/{FACTOR}/1.html").get_data(as_text=True)
    assert 'id="superseded"' in page and f'href="/{FACTOR}/2"' in page


def test_unpublished_dataset_is_invisible_everywhere(client):
    graph = parse(client, "publisher/ipcc", ".ttl")
    assert not any("draft" in str(term) for triple in graph for term in triple)
    assert client.get("/factor/draft-secret.ttl").status_code == 404


def test_jsonld_is_compact_with_published_context(client):
    document = json.loads(client.get(f"/{FACTOR}/2.jsonld").data)
    assert document["@context"] == BASE + "context.jsonld"
    nodes = document["@graph"]
    factor = next(n for n in nodes if n["@id"] == BASE + f"{FACTOR}/2")
    assert factor["@type"] == "EmissionFactor"
    assert factor["label"]["zh"].startswith("天然气")
    assert factor["referenceYear"] == "2006"
    assert factor["geography"] == BASE + "geo/GLO"


def test_context_terms_follow_the_ontology(client):
    response = client.get("/context.jsonld")
    assert response.mimetype == "application/ld+json"
    context = json.loads(response.data)["@context"]
    ontology = Graph().parse(Path(__file__).resolve().parents[1] / "ontology" / "efreg.ttl")
    from rdflib.namespace import OWL

    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.Class):
        for term in ontology.subjects(RDF.type, kind):
            if str(term).startswith(str(EF)):
                name = str(term)[len(str(EF)) :]
                definition = context[name]
                assert (definition if isinstance(definition, str) else definition["@id"]) == str(term)


def test_documents_say_what_they_vary_on(client) -> None:
    turtle = client.get("/factor/ipcc2006-t2.2-natural-gas/1.ttl")
    page = client.get("/factor/ipcc2006-t2.2-natural-gas/1.html")
    gas = client.get("/gas/CO2.ttl")
    assert turtle.headers["Vary"] == "Accept, Accept-Profile, Authorization"
    assert page.headers["Vary"] in (
        "Accept, Accept-Language, Accept-Profile, Authorization",
        "Accept, Accept-Language, Accept-Profile, Authorization, Cookie",
    )
    assert gas.headers["Vary"] == "Accept, Authorization"
