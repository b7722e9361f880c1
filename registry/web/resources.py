"""Every thing URI dereferences: ``/{kind}/{id}`` answers 303 to a document, ``/{kind}/{id}.{ext}``
is the document (the suffix wins over Accept).

This module also holds the response helpers the other document families (ontology, VoID, catalog)
share: the 303, the document with its headers (Vary, Content-Location, Link, ETag, Last-Modified,
CORS), and the serializers by format, which come from rdflib (DESIGN rule 3).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request
from flask.blueprints import BlueprintSetupState
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS
from rdflib.term import Node
from werkzeug.http import http_date, quote_etag

from registry.describe import MATCH_PROPERTIES, Description, describe
from registry.publishing import access
from registry.rdf.namespaces import EF, PREFIXES
from registry.rdf.ontology import DCAT, jsonld_context, ontology_graph
from registry.store import Store
from registry.web import get_settings, get_store
from registry.web.i18n import Namer, lang
from registry.web.negotiation import DOCUMENT_FORMATS, GRAPH_FORMATS, HTML, JSONLD, Format, negotiate

bp = Blueprint("resources", __name__)
T = TypeVar("T")

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
SEGMENT = re.compile(r"[A-Za-z0-9._-]{1,200}")
MAX_PATH = 400

#: pyoxigraph serializer by format name (JSON-LD, compacted against our context, is rdflib's).
#: pyoxigraph writes every literal with its exact lexical form ("56200"^^xsd:decimal), where
#: rdflib's Turtle shorthand would turn it into 56200.0, a different RDF term.
OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "ntriples": ox.RdfFormat.N_TRIPLES,
}
OX_PREFIXES = {name: str(namespace) for name, namespace in PREFIXES.items()}


# --- paths -------------------------------------------------------------------------------------


def valid_path(path: str) -> bool:
    """Identifiers use ``[A-Za-z0-9._-]``; no empty, ``.`` or ``..`` segment; bounded length."""
    if len(path) > MAX_PATH:
        return False
    return all(SEGMENT.fullmatch(part) and part not in (".", "..") for part in path.split("/"))


def split_suffix(path: str, offers: Sequence[Format] = DOCUMENT_FORMATS) -> tuple[str, Format | None]:
    for fmt in offers:
        if fmt.suffix and path.endswith(fmt.suffix) and len(path) > len(fmt.suffix):
            return path[: -len(fmt.suffix)], fmt
    return path, None


def local_path(path: str) -> str:
    """A path on this server (under the app's script root), percent-encoded."""
    return request.script_root + quote(path, safe="/.-_~#")


# --- serializing -------------------------------------------------------------------------------


def context_url() -> str:
    return get_settings().base_uri + "context.jsonld"


def serialize(graph: Graph, fmt: Format) -> bytes:
    """``graph`` in an RDF format, by rdflib. JSON-LD is compact, against the published context."""
    if fmt is JSONLD:
        ctx = jsonld_context()["@context"]
        data = json.loads(graph.serialize(format="json-ld", context=ctx, auto_compact=True))
        if isinstance(data, dict):
            data["@context"] = context_url()
        else:
            data = {"@context": context_url(), "@graph": data}
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    triples = sorted(graph, key=lambda t: (isinstance(t[0], BNode), t[0], t[1], t[2]))
    return (
        ox.serialize(
            (ox.Triple(_ox(s), _ox(p), _ox(o)) for s, p, o in triples),  # type: ignore[arg-type]
            format=OX_FORMATS[fmt.name],
            prefixes=OX_PREFIXES,
        )
        or b""
    )


def _ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot serialize {term!r}")


# --- caching -----------------------------------------------------------------------------------


def vary(fmt: Format, stem: str) -> str:
    """What a document's answer depends on: the format asked for, the page language (HTML) and,
    for factors, the profile (``Accept-Profile``, :mod:`registry.web.mappings`)."""
    return (
        "Accept"
        + (", Accept-Language" if fmt is HTML else "")
        + (", Accept-Profile" if stem.startswith("/factor/") else "")
    )


class Document:
    """A serialized document and its ETag, with the response headers that depend only on it and on
    what ``send_document`` is asked for (computed on the first answer, reused while those agree;
    each is replaced as one tuple, so threads never see a half-updated pair)."""

    __slots__ = ("body", "etag", "_headers", "_last_modified")

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.etag = hashlib.blake2b(body, digest_size=16).hexdigest()
        self._headers: tuple[tuple, list[tuple[str, str]]] | None = None
        self._last_modified: tuple[int, str] | None = None

    def response_headers(
        self, fmt: Format, stem: str, offers: Sequence[Format], changed: float
    ) -> list[tuple[str, str]]:
        """Content-Type, Content-Location, Link, Vary, ETag and Last-Modified of this document."""
        inputs = (fmt, stem, tuple(offers), request.script_root)
        headers = self._headers
        if headers is None or headers[0] != inputs:
            headers = self._headers = (
                inputs,
                [
                    ("Content-Type", fmt.mimetype_header if fmt is not HTML else "text/html; charset=utf-8"),
                    ("Content-Location", local_path(stem + (fmt.suffix or ""))),
                    ("Link", alternates(stem, offers, fmt)),
                    ("Vary", vary(fmt, stem)),
                    ("ETag", quote_etag(self.etag)),
                ],
            )
        seconds = int(changed)
        modified = self._last_modified
        if modified is None or modified[0] != seconds:
            modified = self._last_modified = (seconds, http_date(datetime.fromtimestamp(seconds, tz=UTC)))
        return [*headers[1], ("Last-Modified", modified[1])]


class LRUCache:
    """A bounded mapping, least recently used out, safe across threads. As the document cache, its
    keys include the access snapshot, so a release or withdrawal (which changes the public graphs)
    makes old entries unreachable."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: Hashable, item: T) -> T:
        with self._lock:
            self._items[key] = item
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return item


def cache() -> LRUCache:
    """Documents (:class:`Document`) and existence checks, by snapshot and path."""
    return current_app.extensions.setdefault("efreg.documents", LRUCache())


def snapshot(store: Store) -> access.Snapshot:
    """The access snapshot, computed once per request."""
    if "efreg_snapshot" not in g:
        g.efreg_snapshot = access.snapshot(store)
    return g.efreg_snapshot


def snapshot_key(store: Store) -> Hashable:
    snap = snapshot(store)
    return (snap.generation, snap.public)


# --- responses ---------------------------------------------------------------------------------


def cors(response: Response) -> Response:
    if request.method in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = (
            "ETag, Last-Modified, Link, Content-Location, Vary"
        )
    return response


def alternates(stem: str, offers: Sequence[Format], current: Format | None = None) -> str:
    return ", ".join(
        f'<{local_path(stem + f.suffix)}>; rel="alternate"; type="{f.media_type}"'
        for f in offers
        if f is not current and f.suffix
    )


def not_acceptable(offers: Sequence[Format]) -> None:
    abort(
        406,
        description="None of the media types in your Accept header is available here. Available: "
        + ", ".join(f.media_type for f in offers)
        + ".",
    )


def see_other(stem: str, offers: Sequence[Format] = DOCUMENT_FORMATS) -> Response:
    """The thing URI: 303 See Other to the document in the negotiated format."""
    fmt = negotiate(request.headers.get("Accept"), offers)
    if fmt is None:
        not_acceptable(offers)
    assert fmt is not None and fmt.suffix
    location = local_path(stem + fmt.suffix)
    if request.query_string:
        location += "?" + request.query_string.decode("latin-1")
    response = redirect(location, 303)
    response.vary.add("Accept")
    response.headers["Link"] = alternates(stem, offers)
    return response


#: Request headers that can make a document's answer other than 200 (werkzeug's ``make_conditional``).
CONDITIONAL_HEADERS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def send_document(
    key: Hashable,
    fmt: Format,
    stem: str,
    build: Callable[[], bytes | None],
    offers: Sequence[Format] = DOCUMENT_FORMATS,
    last_modified: float | None = None,
) -> Response:
    """A document: from the cache or ``build()`` (``None``: 404), with every header a client needs."""
    store = get_store()
    full_key = (snapshot_key(store), key, fmt.name, lang() if fmt is HTML else None)
    documents = cache()
    item = documents.get(full_key)
    if item is None:
        body = build()
        if body is None:
            abort(404, description=f"There is no {stem.strip('/')} here.")
        item = documents.put(full_key, Document(body))
    changed = snapshot(store).seen_at if last_modified is None else last_modified
    response = Response(item.body, status=200, headers=item.response_headers(fmt, stem, offers, changed))
    environ = request.environ
    if any(name in environ for name in CONDITIONAL_HEADERS):
        return response.make_conditional(request)
    # What make_conditional does to a GET or HEAD without conditional headers (Content-Length is set).
    if request.method in ("GET", "HEAD"):
        response.headers["Date"] = http_date()
    return response


# --- resource documents ------------------------------------------------------------------------


def describe_path(path: str) -> Description | None:
    store = get_store()
    return describe(store, get_settings().base_uri + path, access.readable_graphs(store), ontology_graph())


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
    if (focus, RDF.type, EF.EmissionFactor) in desc.graph:
        context["mappings"] = sorted((s, p, o) for s, p, o in desc.graph if p in MATCH_PROPERTIES)
        context["example_query"] = EXAMPLE_QUERY.format(iri=focus, lang=lang())
        return render_template("factor.html", **context)
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
    """Whether ``path`` has a document for anonymous callers (cached per snapshot, as documents are)."""
    from registry.describe import exists as exists_in

    store = get_store()
    key = (snapshot_key(store), ("exists", path))
    documents = cache()
    known = documents.get(key)
    if known is None:
        known = documents.put(
            key, exists_in(store, get_settings().base_uri + path, access.readable_graphs(store))
        )
    return known


@bp.get(f"/<{KIND_RULE}:kind>/<path:rest>")
def resource(kind: str, rest: str) -> Response:
    stem, fmt = split_suffix(rest)
    if fmt is not None and valid_path(stem):
        path = f"{kind}/{stem}"
        response = send_document(("resource", path), fmt, "/" + path, build_document(path, fmt))
    elif valid_path(rest) and exists(f"{kind}/{rest}"):
        response = see_other(f"/{kind}/{rest}")
    else:
        abort(404, description=f"There is no {kind} {rest[:100]!r} in this registry.")
    request.environ[REPLAYABLE] = True
    return response


bp.after_request(cors)


# --- replaying answers -----------------------------------------------------------------------------

#: Set in the WSGI environ by the resource route: its answer may be replayed (see AnswerReplay).
REPLAYABLE = "efreg.replayable"
#: The only request headers a replayable request may carry (CGI names). Everything else — Cookie,
#: Authorization, Accept-Language, Accept-Profile, If-*, Range, Cache-Control, X-Forwarded-*, … —
#: sends the request through the whole application.
REPLAY_HEADERS = frozenset(
    {"HTTP_HOST", "HTTP_ACCEPT", "HTTP_USER_AGENT", "HTTP_ACCEPT_ENCODING", "HTTP_CONNECTION"}
)


class AnswerReplay:
    """WSGI middleware: the resource route's answers (documents and 303s) to plain GETs, replayed.

    A GET without a query string, a body or any request header outside :data:`REPLAY_HEADERS` is
    answered by the application as a function of its method, URL, ``Accept`` header and the store's
    contents. The first such answer of the resource route (200 or 303) is kept with the store's write
    generation, and while the generation has not moved, the same request gets the same status,
    headers and body without running Flask (routing, hooks, response building) — what a shared HTTP
    cache in front would do, as the answers vary only on ``Accept``. ``Date`` is always fresh; a new
    access snapshot (``Last-Modified``) also ends the replay. A store without a write generation is
    never replayed."""

    def __init__(self, wsgi_app: Callable, store: Store, size: int = 4096) -> None:
        self.wsgi_app, self.store, self.answers = wsgi_app, store, LRUCache(size)

    @staticmethod
    def key(environ: dict) -> tuple | None:
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("QUERY_STRING")
            or environ.get("CONTENT_LENGTH") not in (None, "", "0")
        ):
            return None
        for name in environ:
            if name.startswith("HTTP_") and name not in REPLAY_HEADERS:
                return None
        return (
            environ.get("wsgi.url_scheme"),
            environ.get("HTTP_HOST"),
            environ.get("SERVER_NAME"),
            environ.get("SERVER_PORT"),
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("HTTP_ACCEPT"),
        )

    def state(self) -> tuple[int, float] | None:
        """What the answers depend on besides the request: the store's write generation and when
        the access snapshot was first seen (``Last-Modified``)."""
        generation = getattr(self.store, "generation", None)
        return (generation, access.snapshot(self.store).seen_at) if isinstance(generation, int) else None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        key = self.key(environ)
        state = self.state() if key is not None else None
        if state is None:
            return self.wsgi_app(environ, start_response)
        kept = self.answers.get(key)
        if kept is not None and kept[0] == state:
            start_response(kept[1], [*kept[2], ("Date", http_date())])
            return [kept[3]]
        answered: list = []

        def remember(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Callable:
            answered[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, remember)
        if not environ.get(REPLAYABLE) or not answered or answered[0][:3] not in ("200", "303"):
            return body
        try:
            data = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        if self.state() == state:
            headers = [(name, value) for name, value in answered[1] if name.lower() != "date"]
            self.answers.put(key, (state, answered[0], headers, data))
        return [data]


@bp.record_once
def _replay_answers(state: BlueprintSetupState) -> None:
    app = state.app
    app.wsgi_app = AnswerReplay(app.wsgi_app, app.extensions["efreg.store"])  # type: ignore[method-assign]
