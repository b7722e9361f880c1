"""The ``efreg`` command beside a running ``efreg serve``: commands that write send their change
through the server (which holds the embedded store's lock) with the local credential the server left
beside the store (:mod:`registry.store.server_file`); commands that read open the store read-only.
Each says on stderr which it did."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:  # start-up: `efreg --help` loads neither the store package nor pyoxigraph
    from registry.store.server_file import ServerInfo

#: HTTP status of a refusal → exit status (1: the data violates the shapes or nothing fits)
EXIT = {422: 1}


class ServerLink:
    """A running server of this store, reached with its local credential, acting for ``acting``."""

    def __init__(self, info: ServerInfo, acting: str = "efreg") -> None:
        self.info, self.acting = info, acting

    def announce(self) -> None:
        click.echo(
            f"efreg serve (pid {self.info.pid}) holds the store: sent through it at {self.info.url}", err=True
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        data: bytes | None = None,
        content_type: str | None = None,
        anonymous: bool = False,
        ok: tuple[int, ...] = (200, 201),
        exits: dict[int, int] | None = None,
    ) -> Any:
        """Send one request; the JSON answer, or (a refusal) its message on stderr and exit 2 (1 for
        422). ``anonymous``: without the credential (what anyone may read)."""
        import requests  # start-up: only commands that go through a server load the HTTP client

        headers = {"Accept": "application/json"}
        if not anonymous:
            headers["Authorization"] = f"Bearer {self.info.credential}"
            headers["Efreg-Act-As"] = self.acting
        if content_type:
            headers["Content-Type"] = content_type
        query = {k: v for k, v in (params or {}).items() if v is not None and v is not False}
        try:
            response = _session(self.info.tls_sha256).request(
                method,
                self.info.url.rstrip("/") + path,
                headers=headers,
                params=query,
                json=json_body,
                data=data,
                timeout=3600,
                verify=self.info.tls_sha256 is None,  # https: the certificate is pinned instead
            )
        except requests.RequestException as exc:
            fail(f"efreg serve (pid {self.info.pid}) at {self.info.url} did not answer: {exc}")
        try:
            body = response.json()
        except ValueError:
            body = {"detail": response.text[:2000]}
        if response.status_code not in ok:
            detail = body.get("detail") if isinstance(body, dict) else None
            if response.status_code == 422 and isinstance(body, dict) and "report_text" in body:
                click.echo(body["report_text"], err=True)
            fail(
                f"{detail or body} (HTTP {response.status_code})",
                (exits or EXIT).get(response.status_code, 2),
            )
        return body


def _session(tls_sha256: str | None) -> Any:
    """A requests session; given a certificate's fingerprint, its https connections accept exactly
    that certificate (the one the server beside the store presents), whatever signed it or names."""
    import requests  # start-up: only commands that go through a server load the HTTP client
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    if tls_sha256 is not None:

        class Pinned(HTTPAdapter):
            def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
                kwargs.update(cert_reqs="CERT_NONE", assert_fingerprint=tls_sha256)
                super().init_poolmanager(*args, **kwargs)

        session.mount("https://", Pinned())
    return session


def fail(message: str, status: int = 2) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


def live_server(store_dir: Path) -> ServerInfo | None:
    """The server the file beside the store names, when its process runs (a stale file: ``None``)."""
    from registry.store import server_file  # start-up: when a store is opened

    info = server_file.read(store_dir)
    return info if info is not None and info.alive else None


def locked_message(url: str, store_dir: Path) -> str:
    """What to do when the store is locked (by a running server, or by another process)."""
    from registry.store import server_file  # start-up: when a store is opened

    info = server_file.read(store_dir)
    if info is not None and info.alive:
        return (
            f"the store {url} is served by efreg serve (pid {info.pid}) at {info.url}; "
            "stop it first to serve the store again (other commands work beside it)"
        )
    stale = (
        f"; {info.path} names efreg serve pid {info.pid}, which is not running (a stale file)"
        if info is not None
        else ""
    )
    return (
        f"the store {url} is in use by another process (its lock is held) and no running efreg serve "
        f"is named beside it{stale}. Stop the process using the store and run this again, or run it "
        f"while `efreg serve --store {url}` runs: commands that write then go through the server, "
        "commands that read open the store read-only"
    )


def local_paths(paths: list[Path]) -> dict[str, list[str]]:
    """Files named by absolute path for the server to read (it runs on this machine)."""
    return {"paths": [str(p.resolve()) for p in paths]}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
