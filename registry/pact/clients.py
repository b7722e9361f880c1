"""PACT data recipients: OAuth2 client credentials (RFC 6749 §4.4) and the access tokens they get.

A client is kept in the system graph (never visible to callers): its id, name, an optional events
URL (where the registry sends its answers to a recipient's requests; nowhere else, so an event's
``source`` cannot make the registry call an arbitrary address) and a salted scrypt hash of its
secret (:func:`registry.publishing.tokens.hash_secret`), never the secret. Access tokens live in
memory for :data:`TOKEN_SECONDS` and are kept as SHA-256 digests; a restart ends them (clients ask
for a new one, as OAuth2 clients do when a token expires).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from rdflib import Literal, URIRef

from registry.publishing import activities
from registry.publishing.admin import require_admin
from registry.publishing.tokens import Caller, hash_secret
from registry.rdf.namespaces import SYSTEM_GRAPH
from registry.store import QueryDataset, Store

_NS = "urn:efreg:pact-client#"
_NODE = "urn:efreg:pact-client:"
_SYSTEM = QueryDataset(default_graphs=(), named_graphs=(SYSTEM_GRAPH,))
TOKEN_SECONDS = 3600
LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str
    events_url: str | None


class ClientError(ValueError):
    """A client that cannot be created as asked (a bad name or events URL)."""


def create_client(store: Store, name: str, events_url: str | None = None) -> tuple[str, str]:
    """Register a data recipient; returns ``(client_id, client_secret)``, the only time the secret
    is ever seen."""
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise ClientError("a client needs a name (1 to 200 characters)")
    if events_url is not None:
        url = urlsplit(events_url)
        if (
            not (url.scheme == "https" or (url.scheme == "http" and url.hostname in LOOPBACK))
            or not url.hostname
        ):
            raise ClientError(
                f"the events URL must be an https:// URL (http:// only on this host), not {events_url!r}"
            )
    client_id, secret, salt = secrets.token_hex(12), secrets.token_urlsafe(32), secrets.token_bytes(16)
    values = {"name": name, "salt": salt.hex(), "hash": hash_secret(secret, salt)}
    if events_url:
        values["events"] = events_url
    node = URIRef(_NODE + client_id).n3()
    triples = " ; ".join(f"<{_NS}{k}> {Literal(v).n3()}" for k, v in values.items())
    store.update(f"INSERT DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ {node} a <{_NS}Client> ; {triples} }} }}")
    return client_id, secret


def admin_create_client(
    store: Store, base: str, caller: Caller, name: str, events_url: str | None = None
) -> tuple[str, str]:
    """:func:`create_client` for an administrator (``POST /api/admin/pact/clients``; the CLI's
    ``efreg pact client create`` beside a running server), recorded with PROV."""
    require_admin(caller)
    client_id, secret = create_client(store, name, events_url)
    activities.record(store, base, caller, "PACT client create", [("generated", _NODE + client_id)])
    return client_id, secret


def authenticate(store: Store, client_id: str, secret: str) -> Client | None:
    """The client with these credentials, or ``None``."""
    if not client_id or len(client_id) != 24 or any(c not in "0123456789abcdef" for c in client_id):
        return None
    rows = store.select(
        f"""SELECT ?name ?salt ?hash ?events WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{
        <{_NODE}{client_id}> a <{_NS}Client> ; <{_NS}name> ?name ; <{_NS}salt> ?salt ; <{_NS}hash> ?hash
        OPTIONAL {{ <{_NODE}{client_id}> <{_NS}events> ?events }} }} }}""",
        _SYSTEM,
    )
    if len(rows) != 1:
        return None
    row = rows[0]
    if not hmac.compare_digest(hash_secret(secret, bytes.fromhex(str(row["salt"]))), str(row["hash"])):
        return None
    return Client(client_id, str(row["name"]), str(row["events"]) if "events" in row else None)


class Tokens:
    """Access tokens in memory: digest → (client, expiry)."""

    def __init__(self) -> None:
        self._tokens: dict[str, tuple[Client, float]] = {}
        self._lock = threading.Lock()

    def issue(self, client: Client) -> str:
        token = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._tokens = {k: v for k, v in self._tokens.items() if v[1] > now}  # forget expired ones
            self._tokens[hashlib.sha256(token.encode()).hexdigest()] = (client, now + TOKEN_SECONDS)
        return token

    def check(self, token: str | None) -> Client | None:
        """The client a live token was issued to; ``None`` for an unknown or expired token."""
        if not token:
            return None
        with self._lock:
            found = self._tokens.get(hashlib.sha256(token.encode()).hexdigest())
        if found is None or found[1] <= time.monotonic():
            return None
        return found[0]
