"""Open and commercial data side by side, over real HTTP: anyone sees what a commercial dataset covers;
no route gives an anonymous caller one of its numbers (SPARQL with GRAPH ?g, FROM, FROM NAMED,
protocol graphs, DESCRIBE, property paths; pages; JSON; dumps; search), while a granted token reads
them; and one module decides for every route."""

from __future__ import annotations

import gzip
import importlib.util
from urllib.parse import quote

import pytest
import requests

from registry.publishing import access
from registry.publishing import workflow as publishing
from registry.publishing.tokens import authenticate, create_token, ensure_publisher

from conftest import BASE, DATA

_spec = importlib.util.spec_from_file_location("publishing_factors", DATA / "publishing" / "factors.py")
assert _spec is not None and _spec.loader is not None
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)

DS = "acme-secret"
SECRET = "97531.2468"  #: a value that appears nowhere but in the commercial dataset
GRAPH = BASE + f"dataset/{DS}/1"
VALUES = GRAPH + "/values"
FACTOR = BASE + f"factor/{DS}-0/1"
EF = "PREFIX ef: <https://w3id.org/efreg/ontology#>\n"


@pytest.fixture
def commercial(store, settings, tmp_path):
    ensure_publisher(store, BASE, "acme")
    ensure_publisher(store, BASE, "beta")
    tokens = {
        name: create_token(store, publisher, role)
        for name, publisher, role in (
            ("acme", "acme", "publisher"),
            ("beta", "beta", "publisher"),
            ("gamma", "gamma", "publisher"),
            ("reviewer", "efreg", "reviewer"),
        )
    }
    path = tmp_path / "secret.ttl"
    path.write_text(
        _module.factors(DS, 1, "acme", range(2)).replace('"50000"^^', f'"{SECRET}"^^'), encoding="utf-8"
    )
    acme, reviewer = authenticate(store, tokens["acme"]), authenticate(store, tokens["reviewer"])
    assert publishing.upload(store, settings, acme, DS, [path], access_level="Commercial").stored
    publishing.act(store, BASE, acme, DS, "1", "submit")
    publishing.act(store, BASE, reviewer, DS, "1", "approve")
    publishing.grant(store, BASE, acme, DS, "beta")
    return {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}


def sparql(
    server: str,
    query: str,
    headers: dict | None = None,
    accept: str = "application/sparql-results+json",
    **params: str,
) -> requests.Response:
    return requests.post(
        server + "sparql",
        data={"query": query, **params},
        headers={"Accept": accept, **(headers or {})},
        timeout=30,
    )


QUERIES = {
    "property path": EF + "SELECT ?v WHERE { ?f ef:component/ef:value ?v }",
    "GRAPH ?g": EF + "SELECT ?g ?v WHERE { GRAPH ?g { ?n ef:value ?v } }",
    "every triple": "SELECT * WHERE { ?s ?p ?o }",
    "every quad": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
    "DESCRIBE": f"DESCRIBE <{FACTOR}>",
    "CONSTRUCT": "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "inverse path": EF + "SELECT ?f WHERE { ?v ^ef:value/^ef:component ?f }",
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_sparql_never_gives_an_anonymous_caller_a_commercial_value(live_server, commercial, name):
    accept = "text/turtle" if name in ("DESCRIBE", "CONSTRUCT") else "application/sparql-results+json"
    for headers in ({}, commercial["gamma"], commercial["reviewer"]):
        answer = sparql(live_server, QUERIES[name], headers, accept)
        assert answer.status_code == 200 and SECRET not in answer.text
    granted = sparql(live_server, QUERIES[name], commercial["beta"], accept)
    assert granted.status_code == 200
    if name not in ("inverse path",):
        assert SECRET in granted.text, name
    assert (
        SECRET in sparql(live_server, QUERIES[name], commercial["acme"], accept).text
        or name == "inverse path"
    )


def test_sparql_dataset_clauses(live_server, commercial):
    query = EF + "SELECT ?v WHERE { ?n ef:value ?v }"
    for clause in (f"FROM <{VALUES}>", f"FROM NAMED <{VALUES}>"):
        refused = sparql(live_server, query.replace("SELECT ?v", f"SELECT ?v {clause}"))
        assert refused.status_code == 403 and SECRET not in refused.text
        allowed = sparql(live_server, query.replace("SELECT ?v", f"SELECT ?v {clause}"), commercial["beta"])
        assert allowed.status_code == 200
    named = EF + f"SELECT ?v FROM NAMED <{VALUES}> WHERE {{ GRAPH <{VALUES}> {{ ?n ef:value ?v }} }}"
    assert SECRET in sparql(live_server, named, commercial["beta"]).text
    protocol = sparql(live_server, query, **{"default-graph-uri": VALUES})
    assert protocol.status_code == 200 and protocol.json()["results"]["bindings"] == []
    # what the dataset covers is public: its factors, names and publisher
    covered = sparql(
        live_server,
        f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?label WHERE {{ <{FACTOR}> rdfs:label ?label ; <http://purl.org/dc/terms/publisher> ?p }}""",
    )
    assert len(covered.json()["results"]["bindings"]) == 2


def test_pages_json_dumps_search(live_server, commercial):
    granted = commercial["beta"]
    paths = [
        f"factor/{DS}-0/1.ttl",
        f"factor/{DS}-0/1.jsonld",
        f"factor/{DS}-0/1.html",
        f"factor/{DS}-0.ttl",
        f"dataset/{DS}/1.ttl",
        f"dataset/{DS}/1/values.ttl",
        f"api/datasets/{DS}/versions/1/factors",
        f"api/datasets/{DS}/versions/1",
        f"api/datasets/{DS}/diff?from=1&to=1",
        "search?q=Test+fuel",
        f"factor/{DS}-0/1?_profile=ecfo",
        "catalog.ttl",
        "void.ttl",
        f"search?dataset={quote(DS)}/1",
    ]
    for path in paths:
        r = requests.get(live_server + path, headers={"Accept": "text/turtle, */*"}, timeout=30)
        assert SECRET not in r.text, path
    page = requests.get(live_server + f"factor/{DS}-0/1.ttl", timeout=30)
    assert page.status_code == 200 and "Test fuel 0" in page.text  # the description is public
    for dump in ("dumps/all.nq.gz", f"dumps/dataset/{DS}/1.nq.gz", f"dumps/dataset/{DS}/1/values.nq.gz"):
        r = requests.get(live_server + dump, timeout=30)
        assert r.status_code in (200, 404)
        assert SECRET.encode() not in (gzip.decompress(r.content) if r.status_code == 200 else r.content)
    factors = requests.get(live_server + f"api/datasets/{DS}/versions/1/factors", headers=granted, timeout=30)
    assert factors.json()["values_readable"] and SECRET in factors.text
    assert not requests.get(live_server + f"api/datasets/{DS}/versions/1/factors", timeout=30).json()[
        "values_readable"
    ]
    assert (
        SECRET
        not in requests.get(
            live_server + f"api/datasets/{DS}/versions/1/factors", headers=commercial["gamma"], timeout=30
        ).text
    )


def test_revoking_a_grant_closes_every_route(live_server, store, commercial):
    query = QUERIES["property path"]
    assert SECRET in sparql(live_server, query, commercial["beta"]).text
    acme = authenticate(store, commercial["acme"]["Authorization"].split()[1])
    publishing.grant(store, BASE, acme, DS, "beta", revoke=True)
    assert SECRET not in sparql(live_server, query, commercial["beta"]).text
    assert (
        SECRET
        not in requests.get(
            live_server + f"api/datasets/{DS}/versions/1/factors", headers=commercial["beta"], timeout=30
        ).text
    )


def test_one_module_decides(store, commercial):
    beta = authenticate(store, commercial["beta"]["Authorization"].split()[1])
    assert VALUES not in access.public_graphs(store) and GRAPH in access.public_graphs(store)
    assert VALUES in access.readable_graphs(store, beta)
    from registry.query.endpoint import readable_graphs

    assert readable_graphs(store, beta) == access.readable_graphs(store, beta)
    admin = authenticate(store, create_token(store, "efreg", "admin"))
    everything = access.readable_graphs(store, admin)
    assert VALUES in everything and not any(g.startswith("urn:efreg:") for g in everything)


def test_kept_answers_are_never_shared_between_callers_who_read_different_graphs(live_server, commercial):
    query = QUERIES["property path"]
    granted = [sparql(live_server, query, commercial["beta"]) for _ in range(2)]
    assert SECRET in granted[1].text and [r.headers["Efreg-Answer"] for r in granted] == ["evaluated", "kept"]
    for headers in ({}, commercial["gamma"]):
        answer = sparql(live_server, query, headers)
        assert SECRET not in answer.text


def test_what_a_token_reads_is_kept_until_the_next_write(store, commercial):
    """readable_graphs keeps each token caller's answer for the access snapshot it was computed
    from: asked again, the same answer; after a write (a revoked grant, a new graph), a new one."""
    beta = authenticate(store, commercial["beta"]["Authorization"].split()[1])
    admin = authenticate(store, create_token(store, "efreg", "admin"))
    first = access.readable_graphs(store, beta)
    assert VALUES in first and access.readable_graphs(store, beta) is first
    everything = access.readable_graphs(store, admin)
    assert access.readable_graphs(store, admin) is everything
    acme = authenticate(store, commercial["acme"]["Authorization"].split()[1])
    publishing.grant(store, BASE, acme, DS, "beta", revoke=True)
    assert VALUES not in access.readable_graphs(store, beta)
    assert VALUES in access.readable_graphs(store, acme)  # the publisher's own, another key
    store.load(
        b"<http://example.org/s> <http://example.org/p> <http://example.org/o> <http://example.org/g> .\n",
        "nquads",
    )
    assert "http://example.org/g" in access.readable_graphs(store, admin)
    assert "http://example.org/g" not in everything
