"""Every route of a live registry, in every format it offers (and its errors): one ``charset`` per
``Content-Type`` (``text/csv; charset=utf-8; charset=utf-8`` was one bug), and every GET route of
the app is asked at least once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from registry.config import Settings
from registry.web import create_app

from conftest import seeded_server

BASE = "http://localhost:8080/"
ACCEPTS = [
    "*/*",
    "text/html",
    "text/turtle",
    "application/ld+json",
    "application/rdf+xml",
    "application/n-triples",
    "application/json",
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "text/plain",
]
QUERY = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 2"
PATHS = [
    "",
    "api/admin/publishers",  # the admin routes answer anonymous callers 401 (problem+json)
    "api/admin/tokens",
    "api/admin/grants",
    "api/admin/activities",
    ".well-known/void",
    "factor/",
    "factor/ipcc2006-t2.2-natural-gas",
    "factor/ipcc2006-t2.2-natural-gas/1",
    "factor/ipcc2006-t2.2-natural-gas/1.ttl",
    "factor/ipcc2006-t2.2-natural-gas/1.jsonld",
    "factor/ipcc2006-t2.2-natural-gas/1.rdf",
    "factor/ipcc2006-t2.2-natural-gas/1.nt",
    "factor/ipcc2006-t2.2-natural-gas/1.html",
    "factor/ipcc2006-t2.2-natural-gas/1?_profile=ecfo",
    "factor/no-such-factor/1.ttl",
    "dataset/ipcc2006-v2-ch2-t2.2/1",
    "gas/CO2",
    "api/calculate?activity=grid-electricity-consumption&geography=CN&year=2022&amount=1000&unit=kW.h",
    "api/calculate",
    "api/crosswalk",
    "api/crosswalk?concept=https://example.org/none",
    "api/datasets",
    "api/datasets/ipcc-gwp100",
    "api/datasets/ipcc-gwp100/diff?from=1&to=1",
    "api/datasets/ipcc-gwp100/versions/1",
    "api/datasets/ipcc-gwp100/versions/1/factors",
    "api/datasets/ipcc-gwp100/versions/1/report",
    "api/datasets/ipcc-gwp100/versions/1/report?format=ttl",
    "api/datasets/no-such",
    "api/factors?q=gas",
    "api/mappings",
    "api/mappings/mappings-gases.sssom.tsv",
    "api/openapi.json",
    "calculate",
    "catalog",
    "catalog.ttl",
    "context.jsonld",
    "dumps/",
    "dumps/all.nq.gz",
    "dumps/dataset/ipcc-gwp100/1.nq.gz",
    "dumps/dataset/ipcc-gwp100/1.csv",
    "pact/3/footprints",
    "pact/3/footprints/00000000-0000-4000-8000-000000000000",
    "pact/footprint/none",
    "ontology",
    "ontology.ttl",
    "ontology/EmissionFactor",
    "search?q=gas",
    "shapes",
    "shapes.ttl",
    "sparql",
    "sparql?query=" + QUERY,
    "sparql?query=CONSTRUCT+WHERE+{+?s+?p+?o+}+LIMIT+2",
    "sparql?query=SELEC",
    "static/efreg.css",
    "void",
    "void.ttl",
    "no/such/page",
]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """One seeded registry for the module: these tests only read."""
    with seeded_server() as (url, _store):
        yield url


def one_charset(response: requests.Response) -> None:
    content_type = response.headers.get("Content-Type", "")
    assert content_type.lower().count("charset") <= 1, (response.url, content_type)
    assert ";;" not in content_type.replace(" ", ""), (response.url, content_type)


@pytest.mark.parametrize("path", PATHS)
def test_one_charset_in_every_format(server: str, path: str) -> None:
    for accept in ACCEPTS:
        response = requests.get(server + path, headers={"Accept": accept}, timeout=30)
        assert response.status_code < 500, (path, accept, response.status_code)
        one_charset(response)


def test_posts_and_receipts(server: str) -> None:
    answers = [
        requests.post(server + "sparql", data={"query": QUERY}, timeout=30),
        requests.post(
            server + "sparql", data=QUERY, headers={"Content-Type": "application/sparql-query"}, timeout=30
        ),
        requests.post(server + "api/datasets/x/versions", data="x", timeout=30),  # 401
        requests.post(server + "api/calculate", json=[{"activity": "x"}], timeout=30),
        requests.options(server + "sparql", timeout=30),
    ]
    receipt = requests.get(
        server + "api/calculate",
        params={"activity": "grid-electricity-consumption", "geography": "CN", "amount": "1", "unit": "kW.h"},
        timeout=30,
    ).json()["receipt"]
    path = receipt[len(BASE) :]
    for accept in ACCEPTS:
        answers.append(requests.get(server + path, headers={"Accept": accept}, timeout=30))
    for response in answers:
        assert response.status_code < 500
        one_charset(response)


def test_every_get_route_is_asked(server: str) -> None:
    app = create_app(Settings(store="memory:", load_seeds=False))
    adapter = app.url_map.bind("localhost")
    asked = {adapter.match("/" + p.split("?")[0])[0] for p in PATHS if p != "no/such/page"}
    asked.add("calculate.receipt_document")  # test_posts_and_receipts
    every = {r.endpoint for r in app.url_map.iter_rules() if "GET" in (r.methods or ())}
    assert every <= asked, f"GET routes this test does not ask: {sorted(every - asked)}"
