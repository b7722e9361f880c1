"""Withdrawn versions over HTTP: 410 Gone with a tombstone (when, why, by whom, what replaces it) in
every negotiated format, the page in both languages; errors in the negotiated format (a 404 for
``.ttl`` is never HTML)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
from live_publishing import make_tokens, publish, withdraw
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDFS

from registry.rdf.namespaces import EF

from conftest import BASE, seeded_server

DS = "acme-fuels"
RDF_FORMATS = {".ttl": "turtle", ".jsonld": "json-ld", ".rdf": "xml", ".nt": "nt"}
MEDIA = {
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".rdf": "application/rdf+xml",
    ".nt": "application/n-triples",
}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
REASON = "The CO2 values of factor 1 were typed in the wrong unit."


@pytest.fixture(scope="module")
def withdrawn() -> Iterator[str]:
    """A registry where versions 1 and 2 were published, then version 1 withdrawn (2 replaces it);
    version 2 has no factor 2, so factor 2's only version is gone without a replacement. The tests
    only read: one server for the module."""
    with seeded_server() as (url, store):
        tokens = make_tokens(store)
        publish(url, tokens, DS, 1, ids=range(3))
        publish(url, tokens, DS, 2, ids=range(2), bump=frozenset({1}))
        withdraw(url, tokens, DS, 1, REASON)
        yield url


def parse(server: str, body: bytes, suffix: str, iri: str) -> Graph:
    """The document as a graph; JSON-LD with the server's context inlined (its IRI names the base
    URI, where nothing listens in a test)."""
    if suffix == ".jsonld":
        data = json.loads(body)
        assert data["@context"] == BASE + "context.jsonld"
        data["@context"] = requests.get(server + "context.jsonld", timeout=30).json()["@context"]
        body = json.dumps(data).encode("utf-8")
    return Graph().parse(data=body, format=RDF_FORMATS[suffix], publicID=iri)


@pytest.mark.parametrize("suffix", list(RDF_FORMATS))
def test_a_withdrawn_factor_version_is_410_with_a_tombstone(withdrawn: str, suffix: str) -> None:
    iri = BASE + f"factor/{DS}-1/1"
    r = requests.get(withdrawn + f"factor/{DS}-1/1{suffix}", headers={"Accept": BROWSER}, timeout=30)
    assert r.status_code == 410
    assert r.headers["Content-Type"] == MEDIA[suffix] + "; charset=utf-8"
    g = parse(withdrawn, r.content, suffix, iri)
    subject = URIRef(iri)
    assert (subject, DCTERMS.isReplacedBy, URIRef(BASE + f"factor/{DS}-1/2")) in g
    assert (subject, DCTERMS.isPartOf, URIRef(BASE + f"dataset/{DS}/1")) in g
    assert (URIRef(BASE + f"dataset/{DS}/1"), EF.reviewStatus, EF.Withdrawn) in g
    when = g.value(subject, PROV.invalidatedAtTime)
    assert when is not None and str(when).startswith("20")
    activity = g.value(subject, PROV.wasInvalidatedBy)
    assert (activity, RDFS.comment, Literal(REASON)) in g
    assert (activity, PROV.wasAssociatedWith, URIRef(BASE + "publisher/acme")) in g
    # the withdrawn values are not served
    assert not list(g.triples((subject, EF.component, None)))
    assert "50001" not in r.text
    assert f'<{BASE}factor/{DS}-1/2>; rel="successor-version"' in r.headers["Link"]


def test_the_thing_uri_negotiates_to_the_tombstone(withdrawn: str) -> None:
    for accept, media in (("text/turtle", "text/turtle"), ("application/ld+json", "application/ld+json")):
        r = requests.get(withdrawn + f"factor/{DS}-1/1", headers={"Accept": accept}, timeout=30)
        assert r.history and r.history[0].status_code == 303
        assert r.status_code == 410 and r.headers["Content-Type"].startswith(media)


def test_the_tombstone_page_in_both_languages(withdrawn: str) -> None:
    en = requests.get(withdrawn + f"factor/{DS}-1/1.html", headers={"Accept-Language": "en"}, timeout=30)
    assert en.status_code == 410 and en.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Withdrawn" in en.text and REASON in en.text
    assert f'href="/factor/{DS}-1/2"' in en.text  # what replaces it
    assert "50001" not in en.text
    zh = requests.get(withdrawn + f"factor/{DS}-1/1.html", headers={"Accept-Language": "zh"}, timeout=30)
    assert zh.status_code == 410 and "已撤回" in zh.text and REASON in zh.text


def test_without_a_replacement_and_the_version_itself(withdrawn: str) -> None:
    alone = requests.get(withdrawn + f"factor/{DS}-2/1.ttl", timeout=30)
    assert alone.status_code == 410
    g = Graph().parse(data=alone.content, format="turtle")
    assert g.value(URIRef(BASE + f"factor/{DS}-2/1"), DCTERMS.isReplacedBy) is None
    page = requests.get(withdrawn + f"factor/{DS}-2/1.html", timeout=30)
    assert page.status_code == 410 and "No published version replaces it." in page.text
    version = requests.get(withdrawn + f"dataset/{DS}/1.ttl", timeout=30)
    assert version.status_code == 410
    g = Graph().parse(data=version.content, format="turtle")
    assert (URIRef(BASE + f"dataset/{DS}/1"), DCTERMS.isReplacedBy, URIRef(BASE + f"dataset/{DS}/2")) in g
    # the current version still answers 200
    assert requests.get(withdrawn + f"factor/{DS}-1/2.ttl", timeout=30).status_code == 200


@pytest.mark.parametrize("suffix", [".ttl", ".jsonld", ".rdf", ".nt"])
def test_a_404_for_a_machine_document_is_never_html(withdrawn: str, suffix: str) -> None:
    r = requests.get(withdrawn + f"factor/no-such-factor/1{suffix}", headers={"Accept": BROWSER}, timeout=30)
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8" and "no-such-factor" in r.text
    gz = requests.get(withdrawn + "dumps/dataset/none/1.nq.gz", headers={"Accept": BROWSER}, timeout=30)
    assert gz.status_code == 404 and gz.headers["Content-Type"].startswith("text/plain")


def test_errors_follow_accept(withdrawn: str) -> None:
    page = requests.get(withdrawn + "factor/no-such-factor/1.html", headers={"Accept": BROWSER}, timeout=30)
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")
    data = requests.get(
        withdrawn + "factor/no-such-factor", headers={"Accept": "application/json"}, timeout=30
    )
    assert data.status_code == 404 and data.headers["Content-Type"] == "application/problem+json"
    assert data.json()["status"] == 404
    plain = requests.get(withdrawn + "factor/no-such-factor", headers={"Accept": "text/turtle"}, timeout=30)
    assert plain.status_code == 404 and plain.headers["Content-Type"].startswith("text/plain")
