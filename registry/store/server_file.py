"""The file a running ``efreg serve`` leaves beside its embedded store (``PATH/efreg-server.json``,
readable by its owner only: mode 0600), naming its address, its process and a local credential, so
that an ``efreg`` command on the same store can send its writes through the server, which holds the
store's lock. The server writes it once it listens and removes it on a clean shutdown; a file whose
process is gone is stale (a crash): commands ignore it and the next server replaces it.

The credential is a fresh random secret per start, kept by the server only in memory (as a hash);
it makes the bearer an administrator of the registry's own machine (``Caller.local``).

A server started with ``--tls-cert`` names its ``https`` address and the SHA-256 fingerprint of its
certificate (``tls_sha256``, with the file's path): commands pin that certificate, so a self-signed
one, or one issued for another host name than the loopback address, is trusted for this one use.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

NAME = "efreg-server.json"


@dataclass(frozen=True)
class LocalCredential:
    """The secret of one server start; :meth:`matches` compares in constant time."""

    digest: bytes

    @classmethod
    def new(cls) -> tuple[LocalCredential, str]:
        secret = "efreg-local_" + secrets.token_urlsafe(32)
        return cls(hashlib.sha256(secret.encode()).digest()), secret

    def matches(self, token: str) -> bool:
        return hmac.compare_digest(hashlib.sha256(token.encode()).digest(), self.digest)


@dataclass(frozen=True)
class ServerInfo:
    """What the file says: the server's root URL, process id, credential and store."""

    url: str
    pid: int
    credential: str
    store: str
    path: Path
    tls_sha256: str | None = None  #: the fingerprint of the server's certificate (an https server)

    @property
    def alive(self) -> bool:
        """Whether the process named is running (a stale file names one that is not)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # running, as another user
            return True
        return True


def file_of(store_dir: Path) -> Path:
    return store_dir / NAME


def client_url(host: str, port: int, scheme: str = "http") -> str:
    """The URL a command on this machine reaches a server listening on ``host``:``port`` at."""
    if host in ("", "0.0.0.0", "*"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"{scheme}://[{host}]:{port}/" if ":" in host else f"{scheme}://{host}:{port}/"


def fingerprint(cert: Path) -> str:
    """SHA-256 of the first certificate of a PEM file (the server's own, before its chain), as hex."""
    import ssl

    text = cert.read_text(encoding="ascii", errors="replace")
    end = "-----END CERTIFICATE-----"
    first = text[text.index("-----BEGIN CERTIFICATE-----") : text.index(end) + len(end)]
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(first)).hexdigest()


def write(store_dir: Path, url: str, credential: str, store: str, tls_cert: Path | None = None) -> Path:
    """Write the file (0600, replacing a stale one atomically); returns its path. ``tls_cert``: the
    certificate an https server presents (its fingerprint is written, for commands to pin)."""
    target = file_of(store_dir)
    fresh = target.with_name(f".{NAME}.{os.getpid()}")
    body: dict[str, object] = {"url": url, "pid": os.getpid(), "credential": credential, "store": store}
    if tls_cert is not None:
        body.update(tls_cert=str(tls_cert.resolve()), tls_sha256=fingerprint(tls_cert))
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(body, fh)
    os.chmod(fresh, 0o600)
    fresh.replace(target)
    return target


def read(store_dir: Path) -> ServerInfo | None:
    """The file's content, or ``None`` when there is none (or it cannot be read or parsed)."""
    path = file_of(store_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pin = data.get("tls_sha256")
        return ServerInfo(
            str(data["url"]),
            int(data["pid"]),
            str(data["credential"]),
            str(data["store"]),
            path,
            str(pin) if pin else None,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove(store_dir: Path) -> None:
    """Remove the file if this process wrote it (a clean shutdown)."""
    info = read(store_dir)
    if info is not None and info.pid == os.getpid():
        info.path.unlink(missing_ok=True)
