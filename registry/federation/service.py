"""SERVICE, evaluated by the registry itself before the store sees the query.

pyoxigraph would call SERVICE endpoints itself (direct POST, no timeout of ours, and Virtuoso 7.2
does not answer a direct ``application/sparql-query`` POST). Instead each outermost
``SERVICE <endpoint> { P }`` (already checked against the allow-list) is sent by this module as
``SELECT * WHERE { P }`` (form POST, the query's prologue, ``Settings.service_timeout``) and replaced
in the query by ``VALUES`` holding the answer: the SPARQL 1.1 Federated Query semantics (evaluate
P at the endpoint, join), with the store never making an outgoing connection. ``SERVICE SILENT``
turns a failure into ``{}`` (one empty solution). Limits: remote blank nodes become UNDEF; at most
``max_rows`` remote rows are used.
"""

from __future__ import annotations

import re

from registry.federation.allowlist import Allowlist, FederationRefused
from registry.query.rewrite import prologue, service_blocks
from registry.rdf.sparql_client import SparqlClient, SparqlClientError, to_rdflib
from registry.rdf.sparql_lexer import resolve_iri
from registry.store import StoreError

_PREFIX = re.compile(r"PREFIX\s+([A-Za-z0-9_.\-]*):\s*<([^>]*)>", re.I)
_BASE = re.compile(r"BASE\s*<([^>]*)>", re.I)


class ServiceFailed(StoreError):
    """A (non-SILENT) SERVICE endpoint failed or did not answer in time (502)."""


def _resolve(term: str, head: str) -> str:
    base = ""
    for match in _BASE.finditer(head):
        base = resolve_iri(base, match.group(1))
    if term.startswith("<"):
        return resolve_iri(base, term[1:-1])
    prefix, _, local = term.partition(":")
    prefixes = {m.group(1): m.group(2) for m in _PREFIX.finditer(head)}
    if term.startswith(("?", "$")) or prefix not in prefixes:
        raise FederationRefused(f"SERVICE {term}: the endpoint must be an IRI")
    return resolve_iri(base, prefixes[prefix]) + local


def _term(value: dict[str, str]) -> str:
    if value.get("type") == "bnode":
        return "UNDEF"  # blank nodes cannot cross into VALUES
    return to_rdflib(value).n3()


def inline_services(text: str, allowlist: Allowlist, timeout: float, max_rows: int) -> str:
    """``text`` with every outermost SERVICE block replaced by the endpoint's answer."""
    blocks = service_blocks(text)
    if not blocks:
        return text
    head = prologue(text)
    client = SparqlClient(timeout=timeout, allow=allowlist.allows, agent="efreg (SPARQL SERVICE)")
    try:
        for start, end, silent, term, group in reversed(blocks):
            endpoint = _resolve(term, head)
            if not allowlist.allows(endpoint):
                raise FederationRefused(f"SERVICE <{endpoint}> is not on this registry's allow-list")
            try:
                replacement = _fetch(client, endpoint, f"{head} SELECT * WHERE {group}", max_rows)
            except (SparqlClientError, ValueError, KeyError) as exc:
                if not silent:
                    raise ServiceFailed(f"SERVICE <{endpoint}> failed: {exc}") from None
                replacement = "{}"
            text = text[:start] + replacement + text[end:]
    finally:
        client.close()
    return text


def _fetch(client: SparqlClient, endpoint: str, query: str, max_rows: int) -> str:
    answer = client.select(endpoint, query)
    variables = answer.variables
    rows = answer.rows[:max_rows]
    if not variables:
        return "{}" if rows else "{ FILTER(false) }"
    names = " ".join(f"?{v}" for v in variables)
    values = " ".join(
        "(" + " ".join(_term(row[v]) if v in row else "UNDEF" for v in variables) + ")" for row in rows
    )
    return f"{{ VALUES ({names}) {{ {values} }} }}"
