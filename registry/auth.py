"""Bearer tokens: who is calling (Flask-free).

A token is ``efreg_<id>_<secret>``. The system graph (never visible to callers) keeps, per token id,
the publisher, the role and a salted scrypt hash of the secret, never the secret itself. The
publishing issue extends this module (revocation, expiry) and adds the CLI commands.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from rdflib import Literal as RDFLiteral
from rdflib import URIRef

from .store import QueryDataset, Store
from .vocab import SYSTEM_GRAPH

Role = Literal["publisher", "reviewer", "admin"]
ROLES: tuple[Role, ...] = ("publisher", "reviewer", "admin")

_NS = "urn:efreg:auth#"  # private terms of the system graph (not part of the public ontology)
_TOKEN_NODE = "urn:efreg:token:"
_FORMAT = re.compile(r"^efreg_([0-9a-f]{16})_([A-Za-z0-9_-]{20,100})$")
_SCRYPT = {"n": 2**12, "r": 8, "p": 1, "dklen": 32}


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: the publisher a token was issued to, and its role."""

    publisher: str
    role: Role
    token_id: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _hash(secret: str, salt: bytes) -> str:
    return hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT).hex()


def create_token(store: Store, publisher: str, role: Role) -> str:
    """Issue a token for ``publisher`` with ``role``; the only time the secret is ever seen."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    token_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(32), secrets.token_bytes(16)
    node = URIRef(_TOKEN_NODE + token_id).n3()
    values = {"publisher": publisher, "role": role, "salt": salt.hex(), "hash": _hash(secret, salt)}
    triples = " ; ".join(f"<{_NS}{key}> {RDFLiteral(value).n3()}" for key, value in values.items())
    store.update(f"INSERT DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ {node} a <{_NS}Token> ; {triples} }} }}")
    return f"efreg_{token_id}_{secret}"


def authenticate(store: Store, token: str | None) -> Caller | None:
    """The caller a token belongs to, or ``None`` for a malformed, unknown or wrong token."""
    match = _FORMAT.match(token or "")
    if not match:
        return None
    token_id, secret = match.groups()
    rows = store.select(
        f"""SELECT ?publisher ?role ?salt ?hash WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{
            <{_TOKEN_NODE}{token_id}> a <{_NS}Token> ; <{_NS}publisher> ?publisher ; <{_NS}role> ?role ;
                <{_NS}salt> ?salt ; <{_NS}hash> ?hash }} }}""",
        QueryDataset(default_graphs=(), named_graphs=(SYSTEM_GRAPH,)))
    if len(rows) != 1:
        return None
    row = rows[0]
    if not hmac.compare_digest(_hash(secret, bytes.fromhex(str(row["salt"]))), str(row["hash"])):
        return None
    role = str(row["role"])
    if role not in ROLES:
        return None
    return Caller(publisher=str(row["publisher"]), role=role, token_id=token_id)  # type: ignore[arg-type]
