"""Store fixtures: one throwaway Virtuoso per test session and a fresh store per test on each backend.

Import into ``tests/conftest.py`` with::

    from store_fixtures import any_store, virtuoso_server  # noqa: F401
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.virtuoso import VirtuosoServer
from registry.rdf.namespaces import SYSTEM_GRAPH
from registry.store import Store, open_store

#: Backends every store test runs on.
BACKEND_KINDS = ("memory", "oxigraph", "virtuoso")

# One server even when this module's fixtures are collected twice (conftest and a test module).
_server: VirtuosoServer | None = None
_users = 0


@pytest.fixture(scope="session")
def virtuoso_server() -> Iterator[VirtuosoServer]:
    """A Virtuoso on free loopback ports for the whole session (`make system-deps` installs it)."""
    global _server, _users
    if not VirtuosoServer.available():
        pytest.fail(
            "virtuoso-t / isql-vt not installed (make system-deps: virtuoso-opensource-7-bin)", pytrace=False
        )
    if _server is None:
        _server = VirtuosoServer().start()
    _users += 1
    try:
        yield _server
    finally:
        _users -= 1
        if _users == 0:
            _server.stop()
            _server = None


def empty_virtuoso_store(server: VirtuosoServer) -> Store:
    """A remote store on ``server`` with every graph it can see dropped (the system graph too), in
    one update."""
    store = open_store(server.store_url)
    drops = [f"DROP SILENT GRAPH <{g}>" for g in {*store.graphs(), SYSTEM_GRAPH}]
    store.update(" ;\n".join(drops))
    return store


_seed_copies: dict[str, bytes] = {}


def load_seed_copy(store: Store, base_uri: str) -> None:
    """Load the seeds into ``store`` as ``efreg serve`` does on an empty store. The seeds are validated
    and written once per base URI into an in-memory store; each later call copies that store's quads
    (the system graph included) in one load, which takes a fraction of the gated seeding."""
    from registry.ingest.seeds import load_seeds
    from registry.store.meta import ensure_base_uri

    if base_uri not in _seed_copies:
        seeded = open_store("memory:")
        ensure_base_uri(seeded, base_uri)
        load_seeds(seeded, base_uri)
        out = io.BytesIO()
        graphs = list(seeded.graphs())
        seeded.dump(out, "nquads", graphs=graphs)
        _seed_copies[base_uri] = out.getvalue()
    store.load(_seed_copies[base_uri], "nquads")


#: What the session's Virtuoso held after the last seeding: (base URI, generation, graph counts).
_seeded: tuple[str, int, dict[str, int]] | None = None


def seeded_virtuoso_store(server: VirtuosoServer, base_uri: str) -> Store:
    """A remote store on ``server`` holding the seeds and nothing else. The seeding is reused when
    nothing was written since (the store's generation and every graph's count unchanged), else the
    store is emptied and seeded again: most tests only read."""
    global _seeded
    store = open_store(server.store_url)
    if _seeded is not None and _seeded == (base_uri, store.generation, store.graphs()):
        return store
    _seeded = None
    store.close()
    store = empty_virtuoso_store(server)
    load_seed_copy(store, base_uri)
    _seeded = (base_uri, store.generation, store.graphs())
    return store


def make_store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if kind == "memory":
        return open_store("memory:")
    if kind == "oxigraph":
        return open_store(f"oxigraph://{tmp_path / 'oxigraph'}")
    if kind == "virtuoso":
        return empty_virtuoso_store(request.getfixturevalue("virtuoso_server"))
    raise ValueError(f"unknown backend kind {kind!r}")


@pytest.fixture(params=BACKEND_KINDS)
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store, once per backend (``memory:``, ``oxigraph:///tmp/…``, a Virtuoso)."""
    store = make_store(request.param, request, tmp_path)
    try:
        yield store
    finally:
        store.close()
