"""A real ``efreg serve`` process on an on-disk store, and the ``efreg`` command run as a process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from conftest import BASE, free_port

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
