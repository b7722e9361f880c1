"""Bearer tokens: who is calling (Flask-free).

A token is ``efreg_<id>_<secret>``. The system graph (never visible to callers) keeps, per token id,
the publisher, the role, when it was created and (once revoked) when it was revoked, and a salted
scrypt hash of the secret, never the secret itself. A revoked token authenticates no one.

Publishers are organisations (``publisher/{id}``, ``foaf:Organization`` and ``prov:Agent``); a token
belongs to one. :func:`ensure_publisher` writes the publisher's record into the catalog graph.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from rdflib import Literal as RDFLiteral
from rdflib import URIRef

from registry.rdf.namespaces import SYSTEM_GRAPH
from registry.store import QueryDataset, Store
from registry.store.meta import view_stale_update

Role = Literal["publisher", "reviewer", "admin"]
#: The token ids of administrators on the registry's machine: the ``efreg`` command with the store
#: open (``cli``) and through the running server with its local credential (``local``).
CLI_TOKEN_ID, LOCAL_TOKEN_ID = "cli", "local"
LOCAL_TOKEN_IDS = frozenset({CLI_TOKEN_ID, LOCAL_TOKEN_ID})
ROLES: tuple[Role, ...] = ("publisher", "reviewer", "admin")

_NS = "urn:efreg:auth#"  # private terms of the system graph (not part of the public ontology)
_TOKEN_NODE = "urn:efreg:token:"
_FORMAT = re.compile(r"^efreg_([0-9a-f]{16})_([A-Za-z0-9_-]{20,100})$")
_ID = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_SCRYPT = {"n": 2**12, "r": 8, "p": 1, "dklen": 32}
_SYSTEM = QueryDataset(default_graphs=(), named_graphs=(SYSTEM_GRAPH,))


class UnknownToken(LookupError):
    """No token with that id."""


class InvalidPublisherId(ValueError):
    """A publisher identifier outside ``[A-Za-z0-9._-]``."""


def publisher_id(publisher: str) -> str:
    """``acme``, ``publisher/acme`` or ``{base}publisher/acme`` → ``acme``; other forms are refused."""
    value = publisher.rsplit("publisher/", 1)[-1] if "publisher/" in publisher else publisher
    if not _ID.match(value):
        raise InvalidPublisherId(f"publisher identifiers use [A-Za-z0-9._-] only, not {publisher!r}")
    return value


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: the publisher a token was issued to, and its role."""

    publisher: str
    role: Role
    token_id: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def local(self) -> bool:
        """An administrator on the registry's own machine: the ``efreg`` command, directly or through
        the running server with its local credential (what may name an endpoint not allow-listed)."""
        return self.is_admin and self.token_id in LOCAL_TOKEN_IDS

    @property
    def publisher_id(self) -> str:
        return publisher_id(self.publisher)

    def agent(self, base_uri: str) -> str:
        """The publisher's IRI (``{base}publisher/{id}``): the agent of what this caller does."""
        return f"{base_uri}publisher/{self.publisher_id}"


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    publisher: str
    role: str
    created: str | None
    revoked: str | None

    def to_json(self) -> dict[str, str | None]:
        """What a listing shows of a token (never its secret or hash)."""
        return {
            "id": self.token_id,
            "publisher": self.publisher,
            "role": self.role,
            "created": self.created,
            "revoked": self.revoked,
        }


def hash_secret(secret: str, salt: bytes) -> str:
    """The salted scrypt hash a secret is kept as (tokens here, PACT client secrets too)."""
    return hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT).hex()


_hash = hash_secret


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def ensure_publisher(store: Store, base_uri: str, publisher: str, name: str | None = None) -> str:
    """Record ``publisher/{id}`` as an organisation in the catalog graph (once); returns its IRI."""
    iri = f"{base_uri}publisher/{publisher_id(publisher)}"
    catalog = base_uri + "catalog"
    label = RDFLiteral(name or publisher_id(publisher), lang="en").n3()
    store.update(f"""PREFIX foaf: <http://xmlns.com/foaf/0.1/> PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT {{ GRAPH <{catalog}> {{ <{iri}> a foaf:Organization , prov:Agent ; foaf:name {label} ; rdfs:label {label} }} }}
WHERE {{ FILTER NOT EXISTS {{ GRAPH <{catalog}> {{ <{iri}> a foaf:Organization }} }} }} ;
{view_stale_update(iri)}""")
    return iri


def create_token(store: Store, publisher: str, role: Role) -> str:
    """Issue a token for ``publisher`` with ``role``; the only time the secret is ever seen."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    publisher_id(publisher)  # refuse malformed identifiers early
    token_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(32), secrets.token_bytes(16)
    node = URIRef(_TOKEN_NODE + token_id).n3()
    values = {
        "publisher": publisher,
        "role": role,
        "salt": salt.hex(),
        "hash": _hash(secret, salt),
        "created": _now(),
    }
    triples = " ; ".join(f"<{_NS}{key}> {RDFLiteral(value).n3()}" for key, value in values.items())
    store.update(f"INSERT DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ {node} a <{_NS}Token> ; {triples} }} }}")
    return f"efreg_{token_id}_{secret}"


def token_node(token_id: str) -> str:
    """The token's node in the system graph (what PROV records of it name)."""
    return _TOKEN_NODE + token_id


def revoke_token(store: Store, token_id: str) -> str:
    """Revoke a token (by its id, or the whole token); it authenticates no one from now on. Returns
    its id."""
    match = _FORMAT.match(token_id)
    token_id = match.group(1) if match else token_id
    if not re.fullmatch(r"[0-9a-f]{16}", token_id) or not store.ask(
        f"ASK {{ GRAPH <{SYSTEM_GRAPH}> {{ <{_TOKEN_NODE}{token_id}> a <{_NS}Token> }} }}", _SYSTEM
    ):
        raise UnknownToken(f"no token with id {token_id!r}")
    node = f"<{_TOKEN_NODE}{token_id}>"
    store.update(f"""INSERT {{ GRAPH <{SYSTEM_GRAPH}> {{ {node} <{_NS}revoked> {RDFLiteral(_now()).n3()} }} }}
WHERE {{ FILTER NOT EXISTS {{ GRAPH <{SYSTEM_GRAPH}> {{ {node} <{_NS}revoked> ?any }} }} }}""")
    return token_id


def list_tokens(store: Store) -> list[TokenInfo]:
    """Every token (never a secret or a hash), oldest first."""
    rows = store.select(
        f"""SELECT ?t ?publisher ?role ?created ?revoked WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{
        ?t a <{_NS}Token> ; <{_NS}publisher> ?publisher ; <{_NS}role> ?role .
        OPTIONAL {{ ?t <{_NS}created> ?created }} OPTIONAL {{ ?t <{_NS}revoked> ?revoked }} }} }}
        ORDER BY ?created ?t""",
        _SYSTEM,
    )
    return [
        TokenInfo(
            str(r["t"])[len(_TOKEN_NODE) :],
            str(r["publisher"]),
            str(r["role"]),
            str(r["created"]) if "created" in r else None,
            str(r["revoked"]) if "revoked" in r else None,
        )
        for r in rows
    ]


def authenticate(store: Store, token: str | None) -> Caller | None:
    """The caller a token belongs to, or ``None`` for a malformed, unknown, revoked or wrong token."""
    match = _FORMAT.match(token or "")
    if not match:
        return None
    token_id, secret = match.groups()
    rows = store.select(
        f"""SELECT ?publisher ?role ?salt ?hash WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{
            <{_TOKEN_NODE}{token_id}> a <{_NS}Token> ; <{_NS}publisher> ?publisher ; <{_NS}role> ?role ;
                <{_NS}salt> ?salt ; <{_NS}hash> ?hash
            FILTER NOT EXISTS {{ <{_TOKEN_NODE}{token_id}> <{_NS}revoked> ?when }} }} }}""",
        _SYSTEM,
    )
    if len(rows) != 1:
        return None
    row = rows[0]
    if not hmac.compare_digest(_hash(secret, bytes.fromhex(str(row["salt"]))), str(row["hash"])):
        return None
    role = str(row["role"])
    if role not in ROLES:
        return None
    return Caller(publisher=str(row["publisher"]), role=role, token_id=token_id)  # type: ignore[arg-type]
