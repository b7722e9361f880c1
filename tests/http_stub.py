"""A real HTTP server on loopback that answers every request as told (status, type, body, Location):
an endpoint that misbehaves on purpose.

Import the fixture into a test module with::

    from http_stub import stub_endpoint  # noqa: F401  (fixture)
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest


class StubHandler(http.server.BaseHTTPRequestHandler):
    body: bytes = b""
    status: int = 200
    content_type = "application/sparql-results+json"
    location: str | None = None
    hits: list[str] = []  #: the path of every request
    requests: list[tuple[str, str, str]] = []  #: (path, Accept, body) of every request

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        self.hits.append(self.path)
        self.requests.append((self.path, self.headers.get("Accept", ""), self.rfile.read(length).decode()))
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        if self.location:
            self.send_header("Location", self.location)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stub_endpoint() -> Iterator[tuple[str, type[StubHandler]]]:
    """(URL of the endpoint, its handler class: set ``status``, ``body``… on it)."""
    handler = type("H", (StubHandler,), {"hits": [], "requests": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql", handler
    server.shutdown()
    server.server_close()
