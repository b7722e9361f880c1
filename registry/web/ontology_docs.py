"""The ontology and the shapes at their own URIs.

``/ontology`` (the document of ``https://w3id.org/efreg/ontology``) and ``/shapes`` answer 303 to
``.html`` (documentation generated from the Turtle with our own template), ``.ttl``, ``.jsonld``,
``.rdf`` or ``.nt``. Every term resolves: ``/ontology#Term`` is an anchor in the HTML and
``/ontology/Term`` answers 303 to it (or to the RDF document, by Accept).
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.exceptions import NotFound

from registry.paths import ONTOLOGY_FILE, shape_files
from registry.rdf.namespaces import EF
from registry.rdf.ontology import (
    SHAPES_IRI,
    ontology_graph,
    ontology_header,
    shapes_graph,
    term_names,
    terms,
)
from registry.web.documents import local_path, not_acceptable, see_other, send_document, serialize
from registry.web.i18n import lang
from registry.web.negotiation import DOCUMENT_FORMATS, GRAPH_FORMATS, HTML, by_suffix, negotiate

bp = Blueprint("ontology_docs", __name__)

GROUPS = (
    ("class", "classes"),
    ("object-property", "object_properties"),
    ("datatype-property", "datatype_properties"),
    ("datatype", "datatypes"),
    ("scheme", "schemes"),
    ("individual", "individuals"),
)


def modified(name: str) -> float:
    """When the ontology or the shapes files last changed."""
    files = [ONTOLOGY_FILE] if name == "ontology" else shape_files()
    return max(path.stat().st_mtime for path in files)


def _document(name: str, ext: str | None) -> Response:
    stem = "/" + name
    if ext is None:
        return see_other(stem)
    fmt = by_suffix("." + ext, DOCUMENT_FORMATS)
    if fmt is None:
        raise NotFound(f"{stem}.{ext[:20]}: unknown format.")
    graph = ontology_graph() if name == "ontology" else shapes_graph()

    def body() -> bytes:
        if fmt is HTML:
            if name == "ontology":
                groups = [(key, [term for term in terms(graph) if term.kind == kind]) for kind, key in GROUPS]
                return render_template(
                    "ontology.html",
                    header=ontology_header(),
                    groups=groups,
                    lang_=lang(),
                    formats=GRAPH_FORMATS,
                    stem=local_path(stem),
                    graph=graph,
                    ef=str(EF),
                ).encode("utf-8")
            return render_template(
                "shapes.html",
                graph=graph,
                iri=SHAPES_IRI,
                formats=GRAPH_FORMATS,
                stem=local_path(stem),
                turtle=serialize(graph, by_suffix(".ttl")).decode("utf-8"),
            ).encode("utf-8")
        return serialize(graph, fmt)

    return send_document((name,), fmt, stem, body, last_modified=modified(name))


@bp.get("/ontology")
@bp.get("/ontology.<ext>")
def ontology(ext: str | None = None) -> Response:
    return _document("ontology", ext)


@bp.get("/shapes")
@bp.get("/shapes.<ext>")
def shapes(ext: str | None = None) -> Response:
    return _document("shapes", ext)


@bp.get("/ontology/<term>")
def term(term: str) -> Response:
    """A term's own URL: 303 to its anchor in the HTML documentation, or to the RDF document."""
    if term not in term_names():
        raise NotFound(f"The ontology defines no term {term[:100]!r}.")
    fmt = negotiate(request.headers.get("Accept"), DOCUMENT_FORMATS)
    if fmt is None:
        not_acceptable(DOCUMENT_FORMATS)
    target = local_path("/ontology" + (fmt.suffix or "")) + ("#" + term if fmt is HTML else "")
    response = redirect(target, 303)
    response.vary.add("Accept")
    return response
