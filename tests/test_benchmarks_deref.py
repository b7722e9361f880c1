"""The dereferencing load generator of the benchmarks (``benchmarks.run.dereference``): wrk when it
is installed, the Python client processes otherwise; both count every answer but 200 as an error and
return the same keys. Against a stub HTTP server (keep-alive), one second each; never a time."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is beside the package, not installed with it
    sys.path.insert(0, str(ROOT))

from benchmarks import run  # noqa: E402
from benchmarks.generate import Sizes  # noqa: E402

from conftest import require_tool  # noqa: E402

KEYS = {
    "req_per_s",
    "p50_ms",
    "p99_ms",
    "requests",
    "errors",
    "error_statuses",
    "concurrency",
    "client_processes",
    "client",
}


class Stub(BaseHTTPRequestHandler):
    """200 for every factor document, 404 for those whose identifier ends in 0."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        missing = not self.path.startswith("/factor/") or self.path.endswith("0/1.ttl")
        body = b"missing\n" if missing else b"<a> <b> <c> .\n"
        self.send_response(404 if missing else 200)
        self.send_header("Content-Type", "text/turtle")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stub_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("client", ["python", "wrk"])
def test_dereference_counts_answers_and_errors(
    client: str, stub_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if client == "wrk":
        require_tool("wrk")
    if client == "python":
        monkeypatch.setattr(run.shutil, "which", lambda name, *a, **k: None)
    result = run.dereference(stub_url, Sizes(factors=300), 1.0, 2, 1, 1)
    assert set(result) >= KEYS and result["client"] == client
    assert result["requests"] > result["errors"] > 0
    assert set(result["error_statuses"]) == {"404"}
    assert result["req_per_s"] > 0 and 0 < result["p50_ms"] <= result["p99_ms"]
