"""Store fixtures: one throwaway Virtuoso per test session and a fresh store per test on each backend.

Import into ``tests/conftest.py`` with::

    from store_fixtures import any_store, virtuoso_server  # noqa: F401
"""

from __future__ import annotations

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
    """A remote store on ``server`` with every graph it can see dropped (the system graph too)."""
    store = open_store(server.store_url)
    for graph in store.graphs():
        store.drop_graph(graph)
    store.drop_graph(SYSTEM_GRAPH)
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
