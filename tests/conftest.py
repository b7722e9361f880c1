"""Shared fixtures: settings, a fresh seeded store per test, the app, a test client, a live server."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from registry.config import Settings
from registry.store import Store, open_store

from store_fixtures import any_store, empty_virtuoso_store, seeded_virtuoso_store, virtuoso_server  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
BASE = "http://localhost:8080/"
NODE_MODULES = Path(__file__).resolve().parent / "js" / "node_modules"


def require_tool(name: str, install: str = "make system-deps") -> str:
    """The path of an external program the tests need. A missing one fails the test: `make test`
    installs them, so an absent tool is a broken setup, not a reason to skip."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed ({install})", pytrace=False)
    return path


def require_node_module(name: str) -> str:
    """Node and one of the npm packages of tests/js (`make node-deps`); returns node's path."""
    node = require_tool("node", "install Node.js 18 or later")
    if not (NODE_MODULES / name).exists():
        pytest.fail(f"tests/js/node_modules/{name} is missing (make node-deps)", pytrace=False)
    return node


@pytest.fixture
def settings() -> Settings:
    return Settings(store="memory:", base_uri=BASE, load_seeds=False)


#: Test modules whose tests run on both backends: the embedded store and a Virtuoso (issue 19). The
#: harvest tests use the session's Virtuoso as the partner they harvest from (and empty it), so
#: their registry stays embedded; tests/test_virtuoso_registry.py harvests into efreg-on-Virtuoso.
BOTH_BACKENDS = (
    "test_web_resources",
    "test_web_documents",
    "test_web_live",
    "test_web_pages",
    "test_web_commercial",
    "test_sparql_protocol",
    "test_publishing",
    "test_access",
    "test_federation",
    "test_api",
    "test_mapping_web",
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests of the modules in BOTH_BACKENDS that use a store run once per backend."""
    name = metafunc.module.__name__.rpartition(".")[2]
    if "backend" in metafunc.fixturenames and name.startswith(BOTH_BACKENDS):
        metafunc.parametrize("backend", ["memory", "virtuoso"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The store backend of this test: ``memory`` (the default) or ``virtuoso``."""
    return getattr(request, "param", "memory")


@pytest.fixture
def empty_store(settings: Settings, backend: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    """An empty store: the one ``settings`` names, or the session's Virtuoso emptied."""
    if backend == "virtuoso":
        store = empty_virtuoso_store(request.getfixturevalue("virtuoso_server"))
    else:
        store = open_store(settings.store)
    yield store
    store.close()


@pytest.fixture
def store(settings: Settings, backend: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A fresh store holding the seed data (in memory, or the session's Virtuoso)."""
    from registry.ingest.seeds import load_seeds
    from registry.store.meta import ensure_base_uri

    if backend == "virtuoso":
        seeded = seeded_virtuoso_store(request.getfixturevalue("virtuoso_server"), settings.base_uri)
        yield seeded
        seeded.close()
        return
    empty = request.getfixturevalue("empty_store")
    ensure_base_uri(empty, settings.base_uri)
    load_seeds(empty, settings.base_uri)
    yield empty


@pytest.fixture
def app(settings: Settings, store: Store):
    from registry.web import create_app

    app = create_app(settings, store=store)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app served over real HTTP by waitress on a free loopback port; yields its root URL."""
    with serving(app, free_port()) as url:
        yield url


@contextmanager
def seeded_server() -> Iterator[tuple[str, Store]]:
    """A registry of its own (a fresh seeded store, waitress on a free port): for a module whose
    tests only read, or that set up their data once; yields the root URL and the store."""
    from registry.ingest.seeds import load_seeds
    from registry.store.meta import ensure_base_uri
    from registry.web import create_app

    settings = Settings(store="memory:", base_uri=BASE, load_seeds=False)
    store = open_store(settings.store)
    ensure_base_uri(store, BASE)
    load_seeds(store, BASE)
    try:
        with serving(create_app(settings, store=store), free_port()) as url:
            yield url, store
    finally:
        store.close()


@contextmanager
def serving(app, port: int) -> Iterator[str]:
    """Serve ``app`` with waitress on ``127.0.0.1:port`` in a thread; yields the root URL."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=port, threads=4)

    def run() -> None:
        try:
            server.run()
        except OSError:  # select() on the sockets that server.close() closed at teardown
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}/"
    finally:
        server.close()
        thread.join(timeout=5)
