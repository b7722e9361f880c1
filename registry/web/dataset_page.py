"""The page of a dataset (version): what it is, who publishes it under which licence, how many
factors it holds and a page of them (value, unit, gas, year, place), its downloads, its publisher
and review history (the workflow's PROV records), and the SHACL report kept with it summarised by
rule (count, message, two examples; the whole report a link away)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from rdflib import URIRef
from rdflib.namespace import DCTERMS

from registry.describe import Description
from registry.publishing import access, catalog
from registry.rdf.namespaces import DCAT, SYSTEM_GRAPH
from registry.search import dataset_factors, labels
from registry.store import Store, reads
from registry.validation import kept
from registry.web import documents
from registry.web.context import get_settings, get_store

PAGE_SIZE = 50
MAX_PAGE = 100_000


def page_number() -> int:
    """The ``?page=`` of the factor list (1 when absent or nonsense)."""
    try:
        return min(max(int(request.args.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        return 1


def is_dataset(desc: Description) -> bool:
    focus = desc.focus or desc.iri
    return (focus, DCTERMS.isVersionOf, None) in desc.graph and ((focus, None, DCAT.Dataset) in desc.graph)


def render_dataset(context: dict[str, Any], desc: Description) -> str:
    """``dataset.html`` for ``desc`` (a dataset version, or a dataset and its current version)."""
    store, base = get_store(), get_settings().base_uri
    focus = str(desc.focus or desc.iri)
    readable = documents.readable(store)  # the caller's: a granted token sees commercial values
    factors = dataset_factors(store, readable, focus, page_number(), PAGE_SIZE)
    history = catalog.history(store, focus, (SYSTEM_GRAPH, catalog.catalog_iri(base)))
    agents = labels(store, readable, sorted({URIRef(h["agent"]) for h in history if h.get("agent")}))
    public = focus in access.public_graphs(store)
    rest = focus[len(base + "dataset/") :]
    downloads = (
        [("download_nq", f"/dumps/dataset/{rest}.nq.gz"), ("download_csv", f"/dumps/dataset/{rest}.csv")]
        if public
        else []
    )
    number = rest.rsplit("/", 1)
    return render_template(
        "dataset.html",
        **context,
        factors=factors,
        report=_report(store, focus) if focus in readable else [],
        report_url=f"/api/datasets/{number[0]}/versions/{number[-1]}/report",
        history=history,
        agent_labels={str(k): v for k, v in agents.items()},
        downloads=downloads,
    )


def _report(store: Store, graph: str) -> list[kept.Rule]:
    """The kept SHACL report of ``graph`` by rule, kept with the documents (a version is immutable:
    a large report is summarised once, not for every page of its factor list)."""
    key = (documents.reader_key(store), ("report", graph))
    found = documents.cache().get(key)
    reads.note(("g", graph))  # what kept.rules reads (a single graph), kept or not
    return found if found is not None else documents.cache().put(key, kept.rules(store, graph))
