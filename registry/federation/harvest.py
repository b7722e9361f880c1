"""Harvesting: pull factors from a partner's SPARQL endpoint, convert them to our model, gate them
through the shapes and store them as a dataset version with their provenance.

Only endpoints on the allow-list (``Settings.service_allowlist``) are contacted, unless the caller says
the endpoint was given explicitly by an administrator (the ``efreg harvest --allow-endpoint`` flag).
Redirects are never followed (a redirect could lead to a host nobody allowed).

Paging: the partner's factor IRIs are listed in a total order (``ORDER BY ?cf LIMIT n OFFSET k``), then
described page by page (``VALUES ?cf { … }``), so a large dataset never travels in one answer.
Everything is read before anything is written: an endpoint that is down, slow, answers garbage or an
unexpected shape raises :class:`HarvestError` and no dataset version is stored.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from registry import __version__
from registry.config import Settings
from registry.ecfo.conversion import Converted, Resolver, convert
from registry.ecfo.records import EcfoRecord, add_row, detail_query, list_query
from registry.federation.allowlist import Allowlist
from registry.ingest.base import valid_id
from registry.ingest.gate import NextVersion, admit, drop_reports
from registry.ingest.quads import ImportData, TripleGraph
from registry.publishing import activities
from registry.publishing.admin import require_admin
from registry.publishing.tokens import Caller
from registry.rdf.namespaces import EF, PROV, XSD
from registry.rdf.sparql_client import SparqlClient, SparqlClientError
from registry.store import Store

MAX_RESPONSE_BYTES = 64 * 1024 * 1024


class HarvestError(Exception):
    """The harvest could not be done; nothing was stored."""


class HarvestNotConforming(HarvestError):
    """The converted data violates the shapes; nothing was stored."""


class HarvestRefused(HarvestError):
    """The endpoint is neither allow-listed nor explicitly allowed by an administrator."""


@dataclass
class HarvestReport:
    endpoint: str
    dataset_id: str
    harvested_at: str
    read: int = 0  #: conversion factors read from the partner
    factors: int = 0  #: efreg factors made from them
    unconverted: list[tuple[str, str]] = field(default_factory=list)  #: (partner IRI, why)
    dataset_iri: str | None = None
    version: int | None = None
    stored: bool = False
    unchanged: bool = False
    warnings: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            **{k: v for k, v in vars(self).items() if k != "unconverted"},
            "unconverted": [{"record": r, "reason": why} for r, why in self.unconverted],
        }


# --- talking to the endpoint -------------------------------------------------------------------------


def select(
    endpoint: str, query: str, *, timeout: float, allow: Callable[[str], bool] | None = None
) -> list[dict[str, str]]:
    """Run a SELECT on ``endpoint``; each row maps variable → lexical value. Any failure (down, slow,
    HTTP error, not SPARQL JSON, not allowed by ``allow``) raises :class:`HarvestError` saying what
    happened."""
    client = SparqlClient(
        timeout=timeout, allow=allow, agent=f"efreg/{__version__} (harvester)", max_bytes=MAX_RESPONSE_BYTES
    )
    try:
        answer = client.select(endpoint, query)
    except SparqlClientError as exc:
        raise HarvestError(str(exc)) from None
    finally:
        client.close()
    return [{var: term["value"] for var, term in row.items()} for row in answer.rows]


def fetch(
    endpoint: str,
    *,
    timeout: float,
    page_size: int = 500,
    max_records: int = 100_000,
    deadline: float | None = None,
    allow: Callable[[str], bool] | None = None,
) -> dict[str, EcfoRecord]:
    """Every ECFO conversion factor of ``endpoint`` with its description, page by page."""
    records: dict[str, EcfoRecord] = {}
    offset = 0
    while True:
        if deadline is not None and time.monotonic() > deadline:
            raise HarvestError(
                f"{endpoint}: the harvest took longer than allowed; stopped after {offset} record(s)"
            )
        page = select(endpoint, list_query(page_size, offset), timeout=timeout, allow=allow)
        if any("cf" not in row for row in page):
            raise HarvestError(
                f"{endpoint} answered rows without ?cf to the listing query (unexpected shape)"
            )
        cfs = [row["cf"] for row in page]
        if cfs:
            for row in select(endpoint, detail_query(cfs), timeout=timeout, allow=allow):
                if row.get("cf") not in cfs:
                    raise HarvestError(
                        f"{endpoint} described <{row.get('cf')}>, which it was not asked about"
                    )
                add_row(records, row)
            for cf in cfs:  # listed but described by nothing: keep, so it is reported
                records.setdefault(cf, EcfoRecord(cf))
        offset += len(cfs)
        if offset > max_records:
            raise HarvestError(
                f"{endpoint} holds more than {max_records} conversion factors; raise --max-records"
            )
        if len(cfs) < page_size:
            return records


# --- storing -------------------------------------------------------------------------------------------


def _content(g: Graph | TripleGraph, ds_iri: URIRef) -> Graph:
    """The graph without its dataset record (which carries the harvest time) and without the SHACL
    report the gate kept with it."""
    data = ImportData()
    content = data.graph(ds_iri)
    for t in g:
        if t[0] != ds_iri:
            content.add(t)
    drop_reports(data, [str(ds_iri)])
    out = Graph()
    for t in content:
        out.add(t)
    return out


def harvest(
    store: Store,
    endpoint: str,
    *,
    dataset_id: str,
    publisher: str,
    settings: Settings,
    explicit: bool = False,
    profile: str = "ecfo",
    title: str | None = None,
    license: str | None = None,
    gwp_set: str | None = None,
    boundary: str | None = None,
    publisher_name: str | None = None,
    page_size: int = 500,
    max_records: int = 100_000,
    dry_run: bool = False,
) -> HarvestReport:
    """Harvest ``endpoint`` into ``dataset/{dataset_id}/{n}``. A new version is stored only when the
    converted factors differ from the current version's."""
    base_uri = settings.base_uri
    if profile != "ecfo":
        raise HarvestError(f"unknown profile {profile!r}; known: ecfo")
    if urlsplit(endpoint).scheme not in ("http", "https"):
        raise HarvestRefused(f"{endpoint!r} is not an http(s) SPARQL endpoint")
    allowlist = Allowlist(settings.service_allowlist)
    if not explicit and not allowlist.allows(endpoint):
        raise HarvestRefused(
            f"{endpoint} is not on the allow-list (EFREG_SERVICE_ALLOWLIST); an administrator "
            "may harvest it anyway with --allow-endpoint"
        )
    if not valid_id(dataset_id) or not valid_id(publisher):
        raise HarvestError("dataset and publisher identifiers may only use [A-Za-z0-9._-]")
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    report = HarvestReport(endpoint, dataset_id, started.isoformat())
    timeout = settings.service_timeout
    records = fetch(
        endpoint,
        timeout=timeout,
        page_size=page_size,
        max_records=max_records,
        deadline=time.monotonic() + max(60.0, timeout * 50),
        allow=None if explicit else allowlist.allows,
    )
    report.read = len(records)
    resolver = Resolver(store, base_uri)
    options = dict(
        endpoint=endpoint,
        dataset_id=dataset_id,
        publisher=publisher,
        publisher_name=publisher_name,
        title=title,
        license=URIRef(license) if license else None,
        gwp_set=gwp_set,
        boundary=EF[boundary] if boundary else None,
        settings=settings,
    )

    def build(next_version: NextVersion) -> ImportData | None:
        current = next_version(dataset_id) - 1
        converted: Converted = convert(records.values(), resolver, version=current + 1, **options)  # type: ignore[arg-type]
        report.unconverted = converted.unconverted
        report.factors = converted.factors
        if converted.factors == 0:
            raise HarvestError(
                f"none of the {len(records)} conversion factor(s) of {endpoint} could be converted"
                + (
                    f"; first: <{converted.unconverted[0][0]}>: {converted.unconverted[0][1]}"
                    if converted.unconverted
                    else ""
                )
            )
        ds_iri = URIRef(f"{base_uri}dataset/{dataset_id}/{current + 1}")
        g = converted.dataset.graph(ds_iri)
        g.add((ds_iri, PROV.wasDerivedFrom, URIRef(endpoint)))
        g.add((ds_iri, PROV.generatedAtTime, Literal(started.isoformat(), datatype=XSD.dateTime)))
        report.dataset_iri, report.version = str(ds_iri), current + 1
        if current:
            old_iri = URIRef(f"{base_uri}dataset/{dataset_id}/{current}")
            old = store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{old_iri}> {{ ?s ?p ?o }} }}")
            same = convert(records.values(), resolver, version=current, **options)  # type: ignore[arg-type]
            if isomorphic(_content(same.dataset.graph(old_iri), old_iri), _content(old, old_iri)):
                report.unchanged, report.dataset_iri, report.version = True, str(old_iri), current
                return None
        return ImportData.from_graphs(converted.dataset.graphs())

    verdict = admit(store, build, base_uri=base_uri, validator=settings.validator, dry_run=dry_run)
    if verdict.unchanged:
        return report
    report.warnings = len(verdict.report.warnings)
    if not verdict.report.conforms:
        report.dataset_iri = report.version = None
        raise HarvestNotConforming(
            "the converted data does not conform to the shapes; nothing stored:\n"
            + verdict.report.to_text("en")
        )
    report.stored = verdict.stored
    return report


def admin_harvest(store: Store, caller: Caller, endpoint: str, **options: Any) -> HarvestReport:
    """:func:`harvest` for an administrator (``efreg harvest``, ``POST /api/admin/harvests``),
    recorded with PROV. Harvesting an endpoint off the allow-list (``explicit``) is a decision for an
    administrator on the registry's own machine (the ``efreg`` command), not for a remote token."""
    require_admin(caller)
    if options.get("explicit") and not caller.local:
        raise HarvestRefused(
            f"{endpoint}: only the efreg command on the registry's machine may harvest an endpoint "
            "that is not on the allow-list (EFREG_SERVICE_ALLOWLIST)"
        )
    report = harvest(store, endpoint, **options)
    if report.stored and report.dataset_iri:
        activities.record(
            store,
            options["settings"].base_uri,
            caller,
            "harvest",
            [("generated", report.dataset_iri), ("used", endpoint)],
        )
    return report
