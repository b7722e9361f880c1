"""Federation both ways, safely: the SERVICE/FROM/LOAD allow-list, Virtuoso and Comunica."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from registry.config import Settings
from registry.federation.allowlist import Allowlist, normalize
from registry.publishing.tokens import create_token
from registry.store import Store, StoreError, open_store

from conftest import NODE_MODULES, free_port, require_node_module
from store_fixtures import virtuoso_server  # noqa: F401

BASE = "http://localhost:8080/"
JSON = {"Accept": "application/sparql-results+json"}
PROVINCIAL = "http://example.org/provincial/"


def bindings(response: requests.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


# --- the allow-list -------------------------------------------------------------------------------
def test_allowlist_matches_exact_endpoints_only() -> None:
    allow = Allowlist(["https://data.example.org/sparql", "http://127.0.0.1:8890/sparql"])
    assert allow.allows("HTTPS://Data.Example.org:443/sparql")
    assert allow.allows("http://127.0.0.1:8890/sparql")
    assert not allow.allows("http://127.0.0.1:8891/sparql")
    assert not allow.allows("https://data.example.org.evil.net/sparql")
    assert not allow.allows("https://data.example.org/sparql/../admin")
    assert not allow.allows("https://user:pw@data.example.org/sparql")
    assert not allow.allows("file:///etc/passwd")
    assert normalize("HTTP://A.example:80/x#frag") == "http://a.example/x"


# --- nothing is fetched that is not allow-listed --------------------------------------------------
@pytest.fixture
def trap() -> Iterator[tuple[str, socket.socket]]:
    """A listening socket on a loopback port that is not allow-listed; tests assert nobody came."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.5)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", sock
    sock.close()


def nobody_connected(sock: socket.socket) -> bool:
    try:
        connection, _ = sock.accept()
    except TimeoutError:
        return True
    connection.close()
    return False


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <{url}/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { VALUES ?e { <{url}/sparql> } SERVICE ?e { ?s ?p ?o } }",
        "PREFIX t: <{url}/> SELECT * WHERE { OPTIONAL { SERVICE t:sparql { ?s ?p ?o } } }",
        "SELECT * FROM <{url}/data.ttl> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <{url}/data.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
    ],
    ids=["service", "service-silent", "service-variable", "service-prefixed", "from", "from-named"],
)
def test_queries_never_reach_unlisted_hosts(live_server: str, trap, query: str) -> None:
    url, sock = trap
    response = requests.get(
        live_server + "sparql", params={"query": query.replace("{url}", url)}, headers=JSON, timeout=10
    )
    assert response.status_code == 403, response.text
    assert nobody_connected(sock)


def test_load_never_reaches_unlisted_hosts(live_server: str, store: Store, trap) -> None:
    url, sock = trap
    admin = create_token(store, "publisher/efreg", "admin")
    response = requests.post(
        live_server + "sparql",
        data={"update": f"LOAD <{url}/data.ttl>"},
        headers={"Authorization": f"Bearer {admin}"},
        timeout=10,
    )
    assert response.status_code == 403 and "allow-list" in response.text
    assert nobody_connected(sock)


# --- efreg -> Virtuoso and Virtuoso -> efreg --------------------------------------------------------
@pytest.fixture
def virtuoso(virtuoso_server, store):  # noqa: F811
    """The session's Virtuoso holding one provincial triple about an efreg factor (written after the
    registry's store is seeded: on the Virtuoso backend that store is the same server)."""
    remote = open_store(virtuoso_server.store_url)
    remote.replace_graph(
        PROVINCIAL,
        f'<{BASE}factor/ipcc2006-t2.2-natural-gas/1> <{PROVINCIAL}code> "HB-NG-01" .'.encode(),
        "ntriples",
    )
    virtuoso_server.open_to_anyone(PROVINCIAL)  # a partner's graph: its anonymous endpoint reads it
    yield virtuoso_server
    remote.drop_graph(PROVINCIAL)


@pytest.fixture
def dead_endpoint() -> str:
    return f"http://127.0.0.1:{free_port()}/sparql"


@pytest.fixture
def settings(request: pytest.FixtureRequest, dead_endpoint: str) -> Settings:
    allow = [dead_endpoint]
    if "virtuoso" in request.fixturenames:
        allow.append(request.getfixturevalue("virtuoso_server").sparql_url)
    return Settings(
        store="memory:", base_uri=BASE, load_seeds=False, service_allowlist=tuple(allow), service_timeout=10.0
    )


def test_efreg_federates_into_virtuoso(live_server: str, virtuoso) -> None:
    query = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label ?code WHERE {{
  <factor/ipcc2006-t2.2-natural-gas/1> rdfs:label ?label . FILTER(LANG(?label) = "en")
  SERVICE <{virtuoso.sparql_url}> {{ <factor/ipcc2006-t2.2-natural-gas/1> <{PROVINCIAL}code> ?code }}
}}"""
    answer = bindings(requests.get(live_server + "sparql", params={"query": query}, headers=JSON, timeout=30))
    assert answer == [
        {"label": "Natural Gas, stationary combustion in energy industries", "code": "HB-NG-01"}
    ]


def test_virtuoso_federates_into_efreg(live_server: str, virtuoso) -> None:
    try:
        virtuoso.isql('grant SPARQL_SPONGE to "SPARQL";')
    except StoreError as exc:  # granted by an earlier test of the session
        assert "already have role" in str(exc)
    query = f"""SELECT ?code ?id WHERE {{
  GRAPH <{PROVINCIAL}> {{ ?factor <{PROVINCIAL}code> ?code }}
  SERVICE <{live_server}sparql> {{ ?factor <http://purl.org/dc/terms/identifier> ?id }}
}}"""
    response = requests.get(virtuoso.sparql_url, params={"query": query}, headers=JSON, timeout=60)
    assert bindings(response) == [{"code": "HB-NG-01", "id": "ipcc2006-t2.2-natural-gas"}]


def test_service_silent_to_a_dead_allowlisted_endpoint(live_server: str, dead_endpoint: str) -> None:
    silent = f"""SELECT ?id WHERE {{ <factor/ipcc2006-t2.2-natural-gas/1> <http://purl.org/dc/terms/identifier> ?id
  OPTIONAL {{ SERVICE SILENT <{dead_endpoint}> {{ ?x ?y ?z }} }} }}"""
    assert bindings(
        requests.get(live_server + "sparql", params={"query": silent}, headers=JSON, timeout=30)
    ) == [{"id": "ipcc2006-t2.2-natural-gas"}]
    loud = silent.replace("SERVICE SILENT", "SERVICE")
    assert (
        requests.get(live_server + "sparql", params={"query": loud}, headers=JSON, timeout=30).status_code
        >= 500
    )


# --- Comunica queries efreg and a second source in one query ------------------------------------------
COMUNICA = """
const { QueryEngine } = require('@comunica/query-sparql');
const { readFileSync } = require('fs');
const [endpoint, file, query] = process.argv.slice(2);
const partner = { type: 'serialized', value: readFileSync(file, 'utf8'), mediaType: 'text/turtle' };
new QueryEngine().queryBindings(query, { sources: [{ type: 'sparql', value: endpoint }, partner] })
  .then((stream) => stream.toArray())
  .then((rows) => { console.log(JSON.stringify(rows.map((b) => Object.fromEntries(
      [...b].map(([k, v]) => [k.value, v.value]))))); })
  .catch((error) => { console.error(error); process.exit(1); });
"""


def test_comunica_joins_efreg_with_a_partner_file(live_server: str, tmp_path: Path) -> None:
    node = require_node_module("@comunica/query-sparql")
    script, partner = tmp_path / "federate.js", tmp_path / "partner.ttl"
    script.write_text(COMUNICA)
    partner.write_text(f'<{BASE}factor/ipcc2006-t2.2-natural-gas/1> <{PROVINCIAL}code> "HB-NG-01" .\n')
    query = f"""SELECT ?code ?value WHERE {{
  ?factor <{PROVINCIAL}code> ?code .
  ?factor <https://w3id.org/efreg/ontology#component> ?c .
  ?c <https://w3id.org/efreg/ontology#gas> <{BASE}gas/CO2> ; <https://w3id.org/efreg/ontology#value> ?value .
}}"""
    done = subprocess.run(
        [node, str(script), live_server + "sparql", str(partner), query],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [{"code": "HB-NG-01", "value": "56100"}]


def test_a_service_the_inspection_misses_never_reaches_the_store():
    """Defence in depth: whatever the parsers think, the text handed to the store has no SERVICE."""
    from registry.query.rewrite import mentions_service

    assert mentions_service("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }")
    assert mentions_service("SELECT * WHERE { service#comment\n<http://x/> { ?s ?p ?o } }")
    assert not mentions_service('SELECT * WHERE { ?s ?p "SERVICE" . ?s <http://x/SERVICE> ex:SERVICE }')
    assert not mentions_service("SELECT * WHERE { ?s :SERVICE ?o } # SERVICE in a comment")
