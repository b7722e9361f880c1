"""Documents: what every document family (resources, the ontology and shapes, VoID, the catalog)
answers with. The 303 from a thing URI, the serialized document (by rdflib / pyoxigraph, DESIGN
rule 3) kept while the public graphs are unchanged, with its ETag, and the headers a client needs (Vary,
Content-Location, Link, ETag, Last-Modified, CORS).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, datetime
from typing import Any, NoReturn, TypeVar
from urllib.parse import quote

import pyoxigraph as ox
from flask import Response, current_app, g, redirect, request
from rdflib import BNode, Graph
from werkzeug.exceptions import NotAcceptable, NotFound
from werkzeug.http import http_date, quote_etag

from registry.publishing import access, freshness
from registry.rdf.namespaces import PREFIXES
from registry.rdf.ontology import jsonld_context
from registry.rdf.terms import to_oxigraph
from registry.store import Store, reads
from registry.web.callers import current_caller
from registry.web.context import get_settings, get_store
from registry.web.i18n import lang
from registry.web.negotiation import DOCUMENT_FORMATS, HTML, JSONLD, Format, negotiate

T = TypeVar("T")

SEGMENT = re.compile(r"[A-Za-z0-9._-]{1,200}")
MAX_PATH = 400

#: pyoxigraph serializer by format name (JSON-LD is rdflib's). pyoxigraph writes every literal with
#: its exact lexical form ("56100"^^xsd:decimal); rdflib's Turtle writer would use the numeric
#: shorthand and append ".0" to a decimal without a point (56100.0: another lexical form).
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


def serialize(graph: Graph, fmt: Format, *, compact: bool = True) -> bytes:
    """``graph`` in an RDF format, every literal in its lexical form. JSON-LD (rdflib's) is
    compacted against the published context, or expanded with ``compact=False`` (a graph in another
    vocabulary: the ECFO profile); Turtle, N-Triples and RDF/XML are pyoxigraph's."""
    if fmt is JSONLD:
        if not compact:
            return graph.serialize(format="json-ld", encoding="utf-8")
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
            (ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in triples),  # type: ignore[arg-type]
            format=OX_FORMATS[fmt.name],
            prefixes=OX_PREFIXES,
        )
        or b""
    )


# --- caching -----------------------------------------------------------------------------------


def vary(fmt: Format, stem: str) -> str:
    """What a document's answer depends on: the format asked for, the page language (HTML) and,
    for factors, the profile (``Accept-Profile``, :mod:`registry.web.resources`); and the caller
    (``Authorization``: a granted token reads commercial values)."""
    return (
        "Accept"
        + (", Accept-Language" if fmt is HTML else "")
        + (", Accept-Profile" if stem.startswith("/factor/") else "")
        + ", Authorization"
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
    keys include the state documents depend on (:func:`snapshot_key`), so a write that changes the
    public graphs makes old entries unreachable and any other write keeps them."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.flights = freshness.Flights()  #: one build at a time per key

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
    """What a document (always of the public graphs) depends on (:func:`registry.publishing.
    freshness.depends_on`), computed once per request; ``None`` for a store without generations
    (documents are then keyed by a state that never comes again)."""
    if "efreg_state" not in g:
        state = freshness.depends_on(store)
        g.efreg_state = state if state is not None else object()
    return g.efreg_state


def readable(store: Store) -> tuple[str, ...]:
    """The graphs the request's caller may read (:func:`registry.publishing.access.readable_graphs`
    of the bearer token's caller; the public graphs for anonymous callers), once per request."""
    if "efreg_readable" not in g:
        g.efreg_readable = access.readable_graphs(store, current_caller())
    return g.efreg_readable


def reader_key(store: Store) -> Hashable:
    """What a document for this request's caller depends on: :func:`snapshot_key` for a caller who
    reads exactly the public graphs; for anyone else (a granted organisation: commercial values) the
    store's write generation *and* the graphs the caller may read, so nothing one caller got is ever
    served to a caller who may read less."""
    graphs = readable(store)
    if frozenset(graphs) == access.snapshot(store).public_set:
        return snapshot_key(store)
    state = freshness.depends_on(store, graphs, public=False)
    return (state if state is not None else object(), tuple(sorted(graphs)))


# --- responses ---------------------------------------------------------------------------------


def alternates(stem: str, offers: Sequence[Format], current: Format | None = None) -> str:
    return ", ".join(
        f'<{local_path(stem + f.suffix)}>; rel="alternate"; type="{f.media_type}"'
        for f in offers
        if f is not current and f.suffix
    )


def not_acceptable(offers: Sequence[Format]) -> NoReturn:
    raise NotAcceptable(
        "None of the media types in your Accept header is available here. Available: "
        + ", ".join(f.media_type for f in offers)
        + "."
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
    per_resource: bool = False,
) -> Response:
    """A document: from the cache or ``build()`` (``None``: 404), with every header a client needs.
    ``per_resource``: for a caller who reads the public graphs, the document is kept with what its
    build read (:mod:`registry.store.reads`) and stays through releases that did not touch that
    (:func:`registry.publishing.freshness.depends_on`); else with the whole public state."""
    store = get_store()
    variant = (key, fmt.name, lang() if fmt is HTML else None)
    documents = cache()
    if per_resource and reader_key(store) is snapshot_key(store):
        item, changed = _per_resource(store, variant, build, stem)
    else:
        full_key = (reader_key(store), *variant)
        item = documents.get(full_key)
        if item is None:
            with documents.flights.one(full_key):  # concurrent misses: one build
                item = documents.get(full_key)
                if item is None:
                    body = build()
                    if body is None:
                        raise NotFound(f"There is no {stem.strip('/')} here.")
                    item = documents.put(full_key, Document(body))
        changed = snapshot(store).seen_at
    changed = changed if last_modified is None else last_modified
    response = Response(item.body, status=200, headers=item.response_headers(fmt, stem, offers, changed))
    if current_caller() is not None:  # an answer for this token's organisation: no shared cache keeps it
        response.cache_control.private = True
    environ = request.environ
    if any(name in environ for name in CONDITIONAL_HEADERS):
        return response.make_conditional(request)
    # What make_conditional does to a GET or HEAD without conditional headers (Content-Length is set).
    if request.method in ("GET", "HEAD"):
        response.headers["Date"] = http_date()
    return response


#: Set in the WSGI environ by :func:`send_document` for a document kept per resource: the keys its
#: build read (``None``: everything), for :class:`registry.web.replay.AnswerReplay`.
READS = "efreg.reads"


def _per_resource(
    store: Store, variant: tuple, build: Callable[[], bytes | None], stem: str
) -> tuple[Document, float]:
    """A public document kept with the keys its build read: (document, when it was built)."""
    documents = cache()
    full_key = ("per-resource", *variant)

    def kept() -> Any:
        item = documents.get(full_key)
        return item if item is not None and freshness.depends_on(store, reads=item[1]) == item[0] else None

    item = kept()
    if item is None:
        with documents.flights.one(full_key):  # concurrent misses of one document: one build
            item = kept()
            if item is None:
                item = _build_per_resource(store, build, stem)
                documents.put(full_key, item)
    request.environ[READS] = (item[1],)
    return item[2], item[3]


def _build_per_resource(store: Store, build: Callable[[], bytes | None], stem: str) -> tuple:
    """(state, keys read, document, when) of a fresh build; its state is one no check will match
    (a state never given again) when a write that may have changed what it read ended meanwhile."""
    before, started = freshness.depends_on(store), freshness.public_generation(store)
    with reads.recording() as read:
        body = build()
    if body is None:
        raise NotFound(f"There is no {stem.strip('/')} here.")
    keys = read.frozen()
    state = freshness.depends_on(store, reads=keys)
    if not (freshness.kept_through(store, started, state) or freshness.depends_on(store) == before):
        state = object()  # served to this request, never found again
    return (state, keys, Document(body), snapshot(store).seen_at)
