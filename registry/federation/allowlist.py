"""Federation out, safely: the allow-list for everything that could make the server fetch a URL.

A public SPARQL endpoint must not become a proxy into the network it runs in. pyoxigraph executes
``SERVICE`` itself over HTTP (and an rdflib-backed store would fetch ``FROM`` and ``LOAD`` IRIs), so
every such IRI is checked here, on the parsed request, *before* the store sees it:

* ``SERVICE <iri>``: ``iri`` must be on ``Settings.service_allowlist`` (exact endpoint URLs, compared
  after normalising scheme and host case and default ports). ``SERVICE SILENT`` is held to the same
  rule: SILENT covers a failing endpoint, never a forbidden one.
* ``SERVICE ?variable``: refused (the endpoint it reaches is only known while evaluating).
* ``LOAD <iri>``: ``iri`` must be on the allow-list.
* ``FROM`` / ``FROM NAMED`` are never fetched: they select graphs of this registry (see
  :mod:`registry.query.dataset`).

Outgoing requests themselves go through the one SPARQL client, :mod:`registry.rdf.sparql_client`.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from registry.query.inspect import RequestInfo
from registry.store import StoreError

RULE = "https://www.w3.org/TR/sparql11-federated-query/"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class FederationRefused(StoreError):
    """A SERVICE, LOAD or other outgoing fetch that the allow-list does not permit (403)."""


def normalize(url: str) -> str:
    """Canonical form for comparison: lower-case scheme and host, no default port, no fragment."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return url
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if parts.username or parts.password:  # credentials in a URL never match an allow-list entry
        netloc = "@" + netloc
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


class Allowlist:
    """The endpoints this registry may contact on a caller's behalf."""

    def __init__(self, endpoints: Iterable[str]) -> None:
        self.endpoints = frozenset(normalize(e) for e in endpoints if e.strip())

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme.lower() in _DEFAULT_PORTS and normalize(url) in self.endpoints

    def check(self, info: RequestInfo) -> None:
        """Raise :class:`FederationRefused` unless every outgoing fetch of ``info`` is allowed."""
        for service in info.services:
            if service.iri is None:
                raise FederationRefused(
                    f"SERVICE ?{service.variable} is not allowed: a SERVICE must name its endpoint "
                    f"with an IRI from this registry's allow-list"
                )
            if not self.allows(service.iri):
                raise FederationRefused(
                    f"SERVICE <{service.iri}> is not on this registry's allow-list of federated "
                    f"endpoints ({self._listed()}); the registry did not contact it"
                )
        for iri in info.loads:
            if not self.allows(iri):
                raise FederationRefused(
                    f"LOAD <{iri}> is not on this registry's allow-list ({self._listed()}); "
                    f"the registry did not fetch it"
                )

    def _listed(self) -> str:
        return ", ".join(sorted(self.endpoints)) or "the list is empty"
