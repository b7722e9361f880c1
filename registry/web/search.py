"""Search: ``/search?q=…&publisher=…&geo=…&gas=…&category=…&dataset=…&page=N`` (HTML)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from registry.publishing import access, freshness
from registry.search import FACETS, SearchQuery, SearchResult, kept_search, renewable, search
from registry.store import Store
from registry.web.context import get_settings, get_store
from registry.web.documents import cache, readable, reader_key, snapshot_key, valid_path
from registry.web.i18n import lang, pick

bp = Blueprint("search", __name__)

MAX_TEXT = 200
PAGE_SIZE = 20
MAX_PAGE = 10_000


def parse_query() -> SearchQuery:
    """The search a request asks for; nonsense values are dropped, never an error."""
    text = request.args.get("q", "")[:MAX_TEXT]
    filters = tuple(
        (name, value)
        for name in FACETS
        for value in request.args.getlist(name)[:5]
        if value and valid_path(value)
    )
    try:
        page = min(max(int(request.args.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        page = 1
    return SearchQuery(text=text, filters=filters, page=page, size=PAGE_SIZE)


def found(store: Store, base: str, query: SearchQuery) -> SearchResult:
    """What ``query`` finds in the graphs the caller may read (a granted organisation: commercial
    values too), kept with the documents under :func:`registry.web.documents.reader_key`: for the
    public graphs while they are unchanged (a draft upload or a submission does not make a search
    scan labels again); for anyone else apart from every other caller."""
    graphs = readable(store)
    documents = cache()
    if reader_key(store) is snapshot_key(store) and renewable(store, query):
        return _renewed(store, base, query, graphs)
    key = (reader_key(store), ("search", query))
    kept = documents.get(key)
    if kept is None:
        with documents.flights.one(key):  # concurrent misses: one evaluation
            kept = documents.get(key)
            if kept is None:
                public = frozenset(graphs) == access.snapshot(store).public_set
                kept = documents.put(key, search(store, graphs, base, query, public=public))
    return kept


def _renewed(store: Store, base: str, query: SearchQuery, graphs: tuple[str, ...]) -> SearchResult:
    """A public caller's search kept through releases that did not touch it (:func:`registry.search.
    kept_search`), renewed by one request at a time."""
    documents = cache()
    key = ("search-kept", query)
    kept = documents.get(key)
    fresh = kept is not None and freshness.touched_since(store, kept.generation) == (kept.generation, set())
    if not fresh:
        with documents.flights.one(key):
            kept = documents.put(key, kept_search(store, graphs, base, query, documents.get(key)))
    return kept.result


@bp.get("/search")
def search_page() -> Response:
    store = get_store()
    base = get_settings().base_uri
    query = parse_query()
    result = found(store, base, query)
    # the page is a function of the result, the language and the request's URL (language and page
    # links): rendered once per kept result, not per request
    key = ("search-page", request.host_url, request.full_path, lang())
    page = cache().get(key)
    if page is None or page[0] is not result:
        body = render_template(
            "search.html",
            r=result,
            q=query,
            base=base,
            pick=pick,
            active={(name, value) for name, value in query.filters},
        )
        page = cache().put(key, (result, body.encode("utf-8")))
    response = Response(page[1], mimetype="text/html")
    response.vary.update(("Accept-Language", "Authorization"))
    return response
