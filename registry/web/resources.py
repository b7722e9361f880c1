"""The resource route: every thing URI dereferences. ``/{kind}/{id}`` answers 303 to a document,
``/{kind}/{id}.{ext}`` is the document (the suffix wins over Accept).

A factor also comes in the ECFO profile (W3C Content Negotiation by Profile, the header and the
query-string approaches): ``Accept-Profile: <https://w3id.org/ecfo/1.0.0>`` or ``?_profile=ecfo`` on
``/factor/{id}/{version}`` (or ``/factor/{id}``, the current version), answered with
``Content-Profile``; an RDF suffix or ``Accept`` picks the format.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, render_template, request
from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS
from werkzeug.exceptions import NotAcceptable, NotFound

from registry.describe import MATCH_PROPERTIES, Description, describe
from registry.describe import exists as exists_in
from registry.ecfo.profile import (
    DEFAULT_PROFILE,
    Profile,
    factor_version,
    parse_accept_profile,
    profile_named,
    render_ecfo,
)
from registry.pact import records as pact_records
from registry.publishing import access, tombstones
from registry.rdf.namespaces import DCAT, EF
from registry.rdf.ontology import ontology_graph
from registry.web import dataset_page
from registry.web.context import get_settings, get_store
from registry.web.documents import (
    cache,
    local_path,
    readable,
    reader_key,
    see_other,
    send_document,
    serialize,
    snapshot_key,
    split_suffix,
    valid_path,
)
from registry.web.i18n import Namer, lang
from registry.web.negotiation import GRAPH_FORMATS, HTML, Format, negotiate
from registry.web.replay import mark_replayable

bp = Blueprint("resources", __name__)

#: First path segment of each kind of resource (ontology/README.md, "Instance IRIs").
KINDS = (
    "factor",
    "dataset",
    "publisher",
    "source",
    "gas",
    "gwp",
    "geo",
    "unit",
    "category",
    "mapping",
    "license",
)
KIND_RULE = "any(" + ", ".join(KINDS) + ")"


@bp.get(f"/<{KIND_RULE}:kind>/<path:rest>")
def resource(kind: str, rest: str) -> Response:
    if kind == "factor":
        profile = requested_profile()
        if profile is not None and profile is not DEFAULT_PROFILE:
            return factor_in_profile(rest, profile)
    stem, fmt = split_suffix(rest)
    if fmt is not None and valid_path(stem):
        path = f"{kind}/{stem}"
        key = ("resource", path) if kind != "dataset" else ("resource", path, dataset_page.page_number())
        store, base = get_store(), get_settings().base_uri
        try:
            if tombstones.is_withdrawn_version(store, base + path):  # the catalog still describes it
                raise NotFound()
            response = send_document(key, fmt, "/" + path, build_document(path, fmt), per_resource=True)
        except NotFound:
            stone = tombstones.find(store, base, base + path)
            if stone is None:
                raise
            return gone(stone, path, fmt)
    elif valid_path(rest) and (exists(f"{kind}/{rest}") or withdrawn(f"{kind}/{rest}")):
        response = see_other(f"/{kind}/{rest}")
    else:
        raise NotFound(f"There is no {kind} {rest[:100]!r} in this registry.")
    mark_replayable()
    return response


# --- withdrawn versions: 410 Gone with a tombstone ---------------------------------------------------


def withdrawn(path: str) -> bool:
    """Whether ``path`` was held by a withdrawn version (its thing URI still answers 303, to a 410);
    cached per snapshot, as :func:`exists` is."""
    store = get_store()
    key = (snapshot_key(store), ("withdrawn", path))
    known = cache().get(key)
    if known is None:
        stone = tombstones.find(store, get_settings().base_uri, get_settings().base_uri + path)
        known = cache().put(key, stone is not None)
    return known


def gone(stone: tombstones.Tombstone, path: str, fmt: Format) -> Response:
    """410 Gone in the negotiated format: when, why and by whom it was withdrawn, what replaces it."""
    graph = stone.graph()
    if fmt is HTML:
        store = get_store()
        namer_graph = graph + tombstones.labels(store, [stone.replaced_by or "", stone.by or ""])
        body = render_template(
            "gone.html",
            stone=stone,
            n=Namer(namer_graph, lang(), get_settings().base_uri),
            formats=GRAPH_FORMATS,
            stem=local_path("/" + path),
            ref=URIRef,
        ).encode("utf-8")
    else:
        body = serialize(graph, fmt)
    response = Response(body, status=410, content_type=fmt.mimetype_header)
    response.vary.add("Accept")
    links = [f'<{stone.version}>; rel="collection"']
    if stone.replaced_by:
        links.insert(0, f'<{stone.replaced_by}>; rel="successor-version"')
    response.headers["Link"] = ", ".join(links)
    return response


# --- documents in our own terms --------------------------------------------------------------------


def describe_path(path: str) -> Description | None:
    store = get_store()
    return describe(store, get_settings().base_uri + path, readable(store), ontology_graph())


EXAMPLE_QUERY = """PREFIX ef: <https://w3id.org/efreg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?gas ?gasLabel ?value ?unit WHERE {{
  <{iri}> ef:component [ ef:gas ?gas ; ef:value ?value ; ef:unit ?unit ] .
  OPTIONAL {{ ?gas rdfs:label ?gasLabel FILTER(LANG(?gasLabel) = "{lang}") }}
}}"""
#: Kinds whose page links to the search filtered by them (search parameter = kind).
FACET_KINDS = ("gas", "geo", "publisher", "category", "dataset")


def render_html(desc: Description, path: str) -> str:
    base = get_settings().base_uri
    namer = Namer(desc.graph, lang(), base)
    focus = desc.focus or desc.iri
    kind = path.split("/", 1)[0]
    context = {
        "d": desc,
        "n": namer,
        "focus": focus,
        "kind": kind,
        "path": path,
        "base": base,
        "formats": GRAPH_FORMATS,
        "stem": local_path("/" + path),
        "EF": EF,
        "DCT": DCTERMS,
        "DCAT": DCAT,
        "RDFS": RDFS,
        "SKOS": SKOS,
    }
    context["pact"] = pact_records.linked(get_store(), sorted({str(desc.iri), str(focus)}))
    if (focus, RDF.type, EF.EmissionFactor) in desc.graph:
        context["mappings"] = sorted((s, p, o) for s, p, o in desc.graph if p in MATCH_PROPERTIES)
        context["example_query"] = EXAMPLE_QUERY.format(iri=focus, lang=lang())
        return render_template("factor.html", **context)
    if kind == "dataset" and dataset_page.is_dataset(desc):
        return dataset_page.render_dataset(context, desc)
    facet_path = str(focus)[len(base) + len(kind) + 1 :] if str(focus).startswith(base + kind + "/") else ""
    context["facet"] = (kind, facet_path) if kind in FACET_KINDS and facet_path else None
    context["subjects"] = [desc.iri] + ([focus] if focus != desc.iri else [])
    return render_template("resource.html", **context)


def build_document(path: str, fmt: Format) -> Callable[[], bytes | None]:
    def build() -> bytes | None:
        desc = describe_path(path)
        if desc is None:
            return None
        if fmt is HTML:
            return render_html(desc, path).encode("utf-8")
        return serialize(desc.graph, fmt)

    return build


def exists(path: str) -> bool:
    """Whether ``path`` has a document for the caller (cached per snapshot and readable graphs, as
    documents are)."""
    store = get_store()
    key = (reader_key(store), ("exists", path))
    documents = cache()
    known = documents.get(key)
    if known is None:
        known = documents.put(key, exists_in(store, get_settings().base_uri + path, readable(store)))
    return known


# --- a factor in a partner's profile ----------------------------------------------------------------


def requested_profile() -> Profile | None:
    """The profile ``?_profile=`` names (an unknown one: 406), else the best of ``Accept-Profile``."""
    token = request.args.get("_profile")
    if token is not None:
        return profile_named(token)
    return parse_accept_profile(request.headers.get("Accept-Profile"))


def factor_in_profile(rest: str, profile: Profile) -> Response:
    """``/factor/{rest}`` described in ``profile``'s terms (ECFO, the one partner profile so far)."""
    stem, fmt = split_suffix(rest)
    fmt = fmt or negotiate(request.headers.get("Accept"), GRAPH_FORMATS)
    if (
        fmt is None or fmt not in GRAPH_FORMATS
    ):  # nothing acceptable, or a page (.html): ECFO has no page here
        raise NotAcceptable(
            "the ECFO profile is offered as " + ", ".join(f.media_type for f in GRAPH_FORMATS)
        )
    if not valid_path(stem):
        raise NotFound(f"There is no factor {stem[:100]!r} in this registry.")
    store = access.ReadView(get_store())  # anonymous: what is published
    iri = factor_version(store, get_settings().base_uri, stem)
    response = Response(serialize(render_ecfo(store, [iri]), fmt, compact=False))
    response.headers["Content-Type"] = fmt.mimetype_header
    response.headers["Content-Profile"] = f"<{profile.uris[0]}>"
    response.headers["Vary"] = "Accept, Accept-Profile"
    response.headers["Link"] = (
        f'<{iri}>; rel="canonical", <{profile.uris[0]}>; rel="profile", '
        f'<{request.base_url}?_profile={DEFAULT_PROFILE.token}>; rel="alternate"; '
        f'formats="{fmt.media_type}"; profile="{DEFAULT_PROFILE.uris[0]}"'
    )
    return response
