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
from urllib.parse import urljoin

from rdflib import Literal, URIRef

from registry.federation.allowlist import Allowlist, FederationRefused
from registry.query.rewrite import prologue, service_blocks
from registry.store import StoreError

_PREFIX = re.compile(r"PREFIX\s+([A-Za-z0-9_.\-]*):\s*<([^>]*)>", re.I)
_BASE = re.compile(r"BASE\s*<([^>]*)>", re.I)


class ServiceFailed(StoreError):
    """A (non-SILENT) SERVICE endpoint failed or did not answer in time (502)."""


def _resolve(term: str, head: str) -> str:
    base = ""
    for match in _BASE.finditer(head):
        base = urljoin(base, match.group(1))
    if term.startswith("<"):
        return urljoin(base, term[1:-1])
    prefix, _, local = term.partition(":")
    prefixes = {m.group(1): m.group(2) for m in _PREFIX.finditer(head)}
    if term.startswith(("?", "$")) or prefix not in prefixes:
        raise FederationRefused(f"SERVICE {term}: the endpoint must be an IRI")
    return urljoin(base, prefixes[prefix]) + local


def _term(value: dict[str, str]) -> str:
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"]).n3()
    if kind in ("literal", "typed-literal"):
        return Literal(
            value["value"],
            lang=value.get("xml:lang"),
            datatype=URIRef(value["datatype"]) if "datatype" in value else None,
        ).n3()
    return "UNDEF"  # blank nodes cannot cross into VALUES


def inline_services(text: str, allowlist: Allowlist, timeout: float, max_rows: int) -> str:
    """``text`` with every outermost SERVICE block replaced by the endpoint's answer."""
    blocks = service_blocks(text)
    if not blocks:
        return text
    import requests  # only federated queries need the HTTP client

    head = prologue(text)
    for start, end, silent, term, group in reversed(blocks):
        endpoint = _resolve(term, head)
        if not allowlist.allows(endpoint):
            raise FederationRefused(f"SERVICE <{endpoint}> is not on this registry's allow-list")
        try:
            replacement = _fetch(endpoint, f"{head} SELECT * WHERE {group}", timeout, max_rows)
        except (requests.RequestException, ValueError, KeyError) as exc:
            if not silent:
                raise ServiceFailed(f"SERVICE <{endpoint}> failed: {exc}") from None
            replacement = "{}"
        text = text[:start] + replacement + text[end:]
    return text


def _fetch(endpoint: str, query: str, timeout: float, max_rows: int) -> str:
    import requests

    response = requests.post(
        endpoint,
        data={"query": query},
        timeout=timeout,
        allow_redirects=False,
        headers={"Accept": "application/sparql-results+json", "User-Agent": "efreg (SPARQL SERVICE)"},
    )
    response.raise_for_status()
    answer = response.json()
    variables = answer["head"].get("vars", [])
    rows = answer["results"]["bindings"][:max_rows]
    if not variables:
        return "{}" if rows else "{ FILTER(false) }"
    names = " ".join(f"?{v}" for v in variables)
    values = " ".join(
        "(" + " ".join(_term(row[v]) if v in row else "UNDEF" for v in variables) + ")" for row in rows
    )
    return f"{{ VALUES ({names}) {{ {values} }} }}"
