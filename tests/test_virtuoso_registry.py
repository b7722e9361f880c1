"""The registry on Virtuoso as it is deployed (issue 19): `efreg serve` processes on one Virtuoso.

Each server is its own process started with the store URL of the issue, so nothing is shared but
the store: a write through one (or through the `efreg` command on the same store) is seen by the
other within the generations' bound, and two publishers on two processes never lose a version. The
two servers start once for the module (the first run — seeds and samples — is the slow part); each
test writes datasets of its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import requests
from test_api import factors

from benchmarks.virtuoso import VirtuosoServer, free_port
from registry.publishing.tokens import create_token, ensure_publisher
from registry.store import open_store

from conftest import DATA
from store_fixtures import empty_virtuoso_store

BASE = "http://localhost:8080/"
FACTOR = "factor/ipcc2006-t2.2-natural-gas/1"
SEEN_WITHIN = 3.0  #: seconds: the generations are read every 0.25 s; the rest is slack for a busy machine


@contextmanager
def efreg_serve(store_url: str, *extra: str) -> Iterator[str]:
    """``efreg serve`` as a child process on a free port; yields its root URL."""
    port = free_port()
    efreg = shutil.which("efreg", path=str(os.path.dirname(sys.executable))) or "efreg"
    log = tempfile.TemporaryFile()
    env = {**os.environ, "EFREG_BASE_URI": BASE}
    proc = subprocess.Popen(
        [efreg, "serve", "--port", str(port), "--store", store_url, *extra], env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"efreg serve exited {proc.returncode}: {log.read().decode()[-2000:]}")
            try:
                if requests.get(url + "sparql", params={"query": "ASK {}"}, timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "efreg serve did not answer within 120 s"
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def two_servers(virtuoso_server: VirtuosoServer) -> Iterator[tuple[str, str]]:
    """An emptied Virtuoso seeded by the first `efreg serve` (as on a first start), and a second
    process on the same store."""
    empty_virtuoso_store(virtuoso_server).close()
    with (
        efreg_serve(virtuoso_server.store_url) as a,
        efreg_serve(virtuoso_server.store_url, "--no-seeds") as b,
    ):
        yield a, b


def _efreg(store_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """An ``efreg`` command on the Virtuoso store while the servers run (no lock: a remote store)."""
    efreg = shutil.which("efreg", path=str(os.path.dirname(sys.executable))) or "efreg"
    return subprocess.run(
        [efreg, *args, "--store", store_url],
        env={**os.environ, "EFREG_BASE_URI": BASE},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _tokens(store_url: str) -> dict[str, dict[str, str]]:
    store = open_store(store_url)
    ensure_publisher(store, BASE, "acme", "ACME Energy")
    out = {
        name: {"Authorization": "Bearer " + create_token(store, publisher, role)}
        for name, publisher, role in (("acme", "acme", "publisher"), ("reviewer", "efreg", "reviewer"))
    }
    store.close()
    return out


def _upload(root: str, headers: dict[str, str], ds: str, version: int, ids: range) -> requests.Response:
    return requests.post(
        root + f"api/datasets/{ds}/versions",
        data=factors(ds, version, "acme", ids, frozenset()).encode(),
        headers={**headers, "Content-Type": "text/turtle"},
        timeout=120,
    )


def _eventually(check, within: float = SEEN_WITHIN) -> float:
    """Seconds until ``check()`` held (fails after ``within``)."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < within, f"not seen within {within} s"
        time.sleep(0.05)
    return time.monotonic() - started


def test_serve_starts_on_virtuoso_and_answers(two_servers) -> None:
    a, b = two_servers
    for root in (a, b):
        ttl = requests.get(root + FACTOR, headers={"Accept": "text/turtle"}, timeout=30)
        assert ttl.status_code == 200 and "Natural Gas" in ttl.text
        page = requests.get(root + FACTOR, headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200 and "<html" in page.text
        answer = requests.get(
            root + "sparql",
            params={"query": f"ASK {{ <{BASE}{FACTOR}> ?p ?o }}"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        assert answer.status_code == 200 and answer.json()["boolean"] is True


def test_a_release_through_one_process_is_seen_by_the_other(two_servers, virtuoso_server) -> None:
    a, b = two_servers
    tokens = _tokens(virtuoso_server.store_url)
    ds = "acme-shared"
    listed = f"api/datasets/{ds}/versions/1/factors"
    factor = f"factor/{ds}-0/1"
    # b keeps what it answered (documents, kept answers, access snapshots) before the write
    assert requests.get(b + factor, headers={"Accept": "text/turtle"}, timeout=30).status_code == 404
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?f a <https://w3id.org/efreg/ontology#EmissionFactor> }"

    def factors_b() -> int:
        r = requests.get(
            b + "sparql",
            params={"query": count},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        return int(r.json()["results"]["bindings"][0]["n"]["value"])

    before = factors_b()
    assert _upload(a, tokens["acme"], ds, 1, range(3)).status_code == 201
    assert requests.post(a + f"api/datasets/{ds}/versions/1/submit", headers=tokens["acme"], timeout=60).ok
    assert requests.post(
        a + f"api/datasets/{ds}/versions/1/approve", headers=tokens["reviewer"], timeout=60
    ).ok
    _eventually(
        lambda: requests.get(b + factor, headers={"Accept": "text/turtle"}, timeout=30).status_code == 200
    )
    _eventually(lambda: factors_b() == before + 3)
    assert len(requests.get(b + listed, timeout=30).json()["factors"]) == 3
    # and back: a withdrawal through b is seen by a
    assert requests.post(b + f"api/datasets/{ds}/versions/1/withdraw", headers=tokens["acme"], timeout=60).ok
    _eventually(
        lambda: requests.get(a + factor, headers={"Accept": "text/turtle"}, timeout=30).status_code != 200
    )


def test_concurrent_publishers_on_two_processes_lose_no_version(two_servers, virtuoso_server) -> None:
    a, b = two_servers
    tokens = _tokens(virtuoso_server.store_url)
    ds = "acme-race"
    # four uploads of version 1 at once, two on each process: one is stored, the others are told
    # the version is taken; none is written into the winner's graph
    with ThreadPoolExecutor(4) as pool:
        uploads = list(
            pool.map(
                lambda i: _upload((a, b)[i % 2], tokens["acme"], ds, 1, range(i * 10, i * 10 + 3)), range(4)
            )
        )
    statuses = sorted(r.status_code for r in uploads)
    assert statuses[0] == 201 and all(400 <= s < 500 for s in statuses[1:]), [r.text[:200] for r in uploads]
    store = open_store(virtuoso_server.store_url)
    rows = store.select(
        f"SELECT ?g (COUNT(DISTINCT ?f) AS ?n) WHERE {{ GRAPH ?g {{ ?f a <https://w3id.org/efreg/ontology#EmissionFactor> }} "
        f'FILTER(STRSTARTS(STR(?g), "{BASE}dataset/{ds}/")) }} GROUP BY ?g'
    )
    assert [(str(r["g"]), int(r["n"])) for r in rows] == [(f"{BASE}dataset/{ds}/1", 3)]
    # then version 2 on the other process: numbered after the one stored
    assert _upload(b, tokens["acme"], ds, 2, range(50, 53)).status_code == 201
    store.close()


def test_the_cli_on_the_store_is_seen_by_the_servers(two_servers, virtuoso_server, tmp_path) -> None:
    """Mappings imported and a partner harvested by `efreg` commands on the same Virtuoso while both
    servers run: each server answers with them within the generations' bound."""
    a, b = two_servers
    imported = _efreg(
        virtuoso_server.store_url,
        "mappings",
        "import",
        str(DATA / "mapping" / "partner-sources.sssom.tsv"),
        "--set-id",
        "partner-vs",
    )
    assert imported.returncode == 0, imported.stderr[-2000:]
    for root in (a, b):
        _eventually(lambda root=root: "partner-vs" in requests.get(root + "api/mappings", timeout=30).text)
    # a partner's ECFO graph on the same Virtuoso, read through its anonymous endpoint
    partner = "https://example.org/ecfkg-test/graph/virtuoso-registry"
    store = open_store(virtuoso_server.store_url)
    store.replace_graph(partner, (DATA / "mapping" / "ecfo-factors.ttl").read_bytes(), "turtle")
    store.close()
    virtuoso_server.open_to_anyone(partner)
    harvested = _efreg(
        virtuoso_server.store_url,
        "harvest",
        virtuoso_server.sparql_url,
        "--dataset",
        "partner-vs-ecfo",
        "--publisher",
        "partner-kg",
        "--publisher-name",
        "Partner KG",
        "--license",
        f"{BASE}license/ipcc",
        "--gwp-set",
        "AR5-GWP100",
        "--allow-endpoint",
    )
    assert harvested.returncode == 0, harvested.stderr[-2000:] + harvested.stdout[-2000:]
    for root in (a, b):
        _eventually(
            lambda root=root: (
                requests.get(
                    root + "dataset/partner-vs-ecfo/1", headers={"Accept": "text/turtle"}, timeout=30
                ).status_code
                == 200
            )
        )
    info = _efreg(virtuoso_server.store_url, "info")
    assert info.returncode == 0 and f"{BASE}dataset/partner-vs-ecfo/1" in info.stdout
