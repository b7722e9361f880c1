"""Over real HTTP (waitress), with the base URI the server really answers at: every
void:exampleResource followed with ``curl -L``-style redirects in each format; the four RDF forms
are one graph; rdflib and the JSON-LD reference processor (jsonld.js) agree."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import VOID

from registry.config import Settings
from registry.publishing.catalog import refresh_versions
from registry.store import open_store

from conftest import DATA, free_port, require_node_module, require_tool, serving

JS = Path(__file__).resolve().parent / "js"
FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}


@pytest.fixture
def own_server() -> Iterator[str]:
    """A seeded registry served by waitress at the base URI its IRIs use."""
    from registry.ingest.seeds import load_seeds
    from registry.store.meta import ensure_base_uri
    from registry.web import create_app

    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    store = open_store("memory:")
    ensure_base_uri(store, base)
    load_seeds(store, base)
    store.load(DATA / "web" / "revision.trig", "trig", base_iri=base)
    refresh_versions(store, base)
    app = create_app(Settings(store="memory:", base_uri=base, load_seeds=False), store=store)
    with serving(app, port) as url:
        assert url == base
        yield base
    store.close()


def example_resources(base: str) -> list[str]:
    void = Graph().parse(data=requests.get(base + "void.ttl", timeout=10).text, format="turtle")
    examples = sorted(str(o) for o in void.objects(URIRef(base + "void#registry"), VOID.exampleResource))
    assert len(examples) >= 3
    return examples


class Title(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.in_h1, self.h1 = False, ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.in_h1 = tag == "h1"

    def handle_data(self, data):
        if self.in_h1:
            self.h1 += data


def test_examples_dereference_in_every_format(own_server):
    for iri in example_resources(own_server):
        graphs = {}
        for media_type, fmt in FORMATS.items():
            response = requests.get(iri, headers={"Accept": media_type}, timeout=10)
            assert response.history and response.history[0].status_code == 303
            assert response.status_code == 200 and response.headers["Content-Type"].startswith(media_type)
            graphs[media_type] = Graph().parse(data=response.content, format=fmt, publicID=iri)
            assert (URIRef(iri), None, None) in graphs[media_type]
        first = graphs["text/turtle"]
        for media_type, graph in graphs.items():
            assert isomorphic(first, graph), (iri, media_type)
        page = requests.get(iri, headers={"Accept": "text/html"}, timeout=10)
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert Title(page.text).h1.strip()


def test_curl_follows_303(own_server):
    iri = example_resources(own_server)[0]
    out = subprocess.run(
        [require_tool("curl"), "-sSL", "-H", "Accept: text/turtle", iri],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    assert (URIRef(iri), None, None) in Graph().parse(data=out, format="turtle")


def test_jsonld_reference_processor_agrees(own_server, tmp_path):
    node = require_node_module("jsonld")
    context_url = own_server + "context.jsonld"
    context_file = tmp_path / "context.jsonld"
    context_file.write_bytes(requests.get(context_url, timeout=10).content)
    for iri in [
        *example_resources(own_server),
        own_server + "factor/ipcc2006-t2.2-natural-gas/2",
        own_server + "factor/ipcc2006-t2.2-natural-gas",
        own_server + "gwp/AR6-GWP100",
    ]:
        document = requests.get(iri, headers={"Accept": "application/ld+json"}, timeout=10)
        assert json.loads(document.content)["@context"] == context_url
        doc_file = tmp_path / "doc.jsonld"
        doc_file.write_bytes(document.content)
        nquads = subprocess.run(
            [node, str(JS / "jsonld-to-nquads.js"), str(doc_file), f"{context_url}={context_file}"],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
        by_jsonld_js = Graph().parse(data=nquads, format="nquads")
        by_rdflib = Graph().parse(data=document.content, format="json-ld")  # fetches the context over HTTP
        turtle = Graph().parse(
            data=requests.get(iri, headers={"Accept": "text/turtle"}, timeout=10).content, format="turtle"
        )
        assert len(by_jsonld_js) == len(turtle) > 0
        assert isomorphic(by_jsonld_js, turtle), iri
        assert isomorphic(by_rdflib, turtle), iri


def test_cors_and_head_over_http(own_server):
    iri = example_resources(own_server)[0]
    head = requests.head(iri + ".ttl", timeout=10)
    assert head.status_code == 200 and head.headers["Access-Control-Allow-Origin"] == "*" and not head.content
    assert int(head.headers["Content-Length"]) > 0


def test_dump_streams_over_http(own_server):
    import gzip

    response = requests.get(own_server + "dumps/all.nq.gz", timeout=30, stream=True)
    assert response.headers.get("Transfer-Encoding") == "chunked"
    data = gzip.decompress(response.raw.read())
    assert data.count(b"\n") > 1000
