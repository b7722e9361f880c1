"""Registry-wide documents: the JSON-LD context, VoID, the DCAT catalog, and the list of each kind.

``/void`` and ``/catalog`` are thing URIs like any resource: 303 to ``/void.ttl`` etc.
``/.well-known/void`` (RFC 8615, VoID §7.2) answers 303 to ``/void``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from flask import Blueprint, Response, current_app, redirect, render_template, request
from rdflib import Graph, URIRef
from werkzeug.exceptions import NotFound

from registry.describe import Description
from registry.publishing import access
from registry.rdf.namespaces import DCAT
from registry.rdf.ontology import jsonld_context
from registry.search import list_kind
from registry.void import Urls, catalog_graph, void_graph
from registry.web.context import get_settings, get_store
from registry.web.documents import (
    local_path,
    readable,
    see_other,
    send_document,
    serialize,
    snapshot_key,
)
from registry.web.i18n import Namer, lang, pick, t
from registry.web.negotiation import DOCUMENT_FORMATS, GRAPH_FORMATS, HTML, JSONLD, by_suffix
from registry.web.resources import KIND_RULE

bp = Blueprint("pages", __name__)

LIST_SIZE = 50


@bp.get("/context.jsonld")
def context() -> Response:
    """The published JSON-LD context every compact document refers to."""
    body = json.dumps(jsonld_context(), ensure_ascii=False, indent=2).encode("utf-8")
    response = Response(body, headers={"Content-Type": JSONLD.mimetype_header})
    response.set_etag(hashlib.blake2b(body, digest_size=16).hexdigest())
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request)


def cached_graph(name: str, build: Callable[[], Graph]) -> Graph:
    """A registry-wide graph, rebuilt when the public data changes."""
    graphs: dict[object, Graph] = current_app.extensions.setdefault("efreg.graphs", {})
    key = (name, snapshot_key(get_store()))
    if key not in graphs:
        if len(graphs) > 16:
            graphs.clear()
        graphs[key] = build()
    return graphs[key]


def build_void() -> Graph:
    store = get_store()
    return void_graph(store, access.public_graphs(store), get_settings().base_uri)


def build_catalog() -> Graph:
    store = get_store()
    return catalog_graph(store, access.public_graphs(store), get_settings().base_uri)


def graph_page(
    name: str,
    stem: str,
    build: Callable[[], Graph],
    subjects: Callable[[Graph], list[URIRef]],
    ext: str | None,
) -> Response:
    if ext is None:
        return see_other(stem)
    fmt = by_suffix("." + ext, DOCUMENT_FORMATS)
    if fmt is None:
        raise NotFound(
            f"{stem}.{ext[:20]}: unknown format; use one of "
            + ", ".join(stem + f.suffix for f in DOCUMENT_FORMATS if f.suffix)
            + "."
        )

    def body() -> bytes:
        graph = cached_graph(name, build)
        if fmt is HTML:
            base = get_settings().base_uri
            iri = URIRef(base + stem.lstrip("/"))
            desc = Description(iri, graph, focus=iri)
            return render_template(
                "resource.html",
                d=desc,
                n=Namer(graph, lang(), base),
                focus=iri,
                kind=stem.strip("/"),
                path=stem.lstrip("/"),
                base=base,
                formats=GRAPH_FORMATS,
                stem=local_path(stem),
                facet=None,
                subjects=subjects(graph),
            ).encode("utf-8")
        return serialize(graph, fmt)

    return send_document((name,), fmt, stem, body)


@bp.get("/void")
@bp.get("/void.<ext>")
def void(ext: str | None = None) -> Response:
    urls = Urls(get_settings().base_uri)
    return graph_page("void", "/void", build_void, lambda g: [urls.void, urls.registry], ext)


@bp.get("/.well-known/void")
def well_known_void() -> Response:
    response = redirect(local_path("/void"), 303)
    return response


@bp.get("/catalog")
@bp.get("/catalog.<ext>")
def catalog(ext: str | None = None) -> Response:
    urls = Urls(get_settings().base_uri)

    def subjects(graph: Graph) -> list[URIRef]:
        datasets = sorted(o for o in graph.objects(urls.catalog, DCAT.dataset) if isinstance(o, URIRef))
        return [urls.catalog, *datasets]

    return graph_page("catalog", "/catalog", build_catalog, subjects, ext)


@bp.get(f"/<{KIND_RULE}:kind>/")
def listing(kind: str) -> Response:
    store = get_store()
    base = get_settings().base_uri
    try:
        page = min(max(int(request.args.get("page", "1")), 1), 100_000)
    except ValueError:
        page = 1
    result = list_kind(store, readable(store), base, kind, page, LIST_SIZE)
    titles = {"factor": "factors", "dataset": "datasets", "publisher": "publishers"}
    title = t(titles[kind]) if kind in titles else kind
    return Response(
        render_template("list.html", listing=result, kind=kind, base=base, pick=pick, title=title),
        mimetype="text/html",
    )
