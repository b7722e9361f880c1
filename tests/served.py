"""A real ``efreg serve`` process on an on-disk store, and the ``efreg`` command run as a process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pyoxigraph as ox
import pytest
import requests

from conftest import BASE, DATA, free_port

EFREG = shutil.which("efreg", path=str(Path(sys.executable).parent)) or "efreg"


def environ(store_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "EFREG_STORE": store_url, "EFREG_BASE_URI": BASE, **extra}


def efreg(store_url: str, *args: str, input: str | None = None, **env: str) -> subprocess.CompletedProcess:
    """``efreg ARGS`` as a process with ``EFREG_STORE`` and nothing else (stdout, stderr as text)."""
    return subprocess.run(
        [EFREG, *args],
        env=environ(store_url, **env),
        capture_output=True,
        text=True,
        input=input,
        timeout=180,
    )


@contextmanager
def efreg_serve(store_url: str, *args: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """``efreg serve`` on a free port until it answers; yields (root URL, process); stops it with
    SIGTERM (a clean shutdown) at the end."""
    port = free_port()
    proc = subprocess.Popen(
        [EFREG, "serve", "--port", str(port), *args],
        env=environ(store_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                requests.get(url + "api/openapi.json", timeout=5)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    raise AssertionError(proc.stdout.read().decode()) from None  # type: ignore[union-attr]
                time.sleep(0.2)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


class _Endpoint(BaseHTTPRequestHandler):
    """A partner's SPARQL endpoint: pyoxigraph over the ECFO test data."""

    store: ox.Store

    def _answer(self, query: str) -> None:
        out = self.store.query(query).serialize(format=ox.QueryResultsFormat.JSON)
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(parse_qs(self.path.split("?", 1)[1])["query"][0])

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        ctype = self.headers.get("Content-Type", "")
        self._answer(body if ctype.startswith("application/sparql-query") else parse_qs(body)["query"][0])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def partner() -> Iterator[str]:
    """A partner's SPARQL endpoint on loopback holding the ECFO test records; yields its URL."""
    store = ox.Store()
    store.load(path=str(DATA / "mapping" / "ecfo-factors.ttl"), format=ox.RdfFormat.TURTLE)
    handler = type("Endpoint", (_Endpoint,), {"store": store})
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()
