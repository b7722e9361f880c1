"""The SPARQL 1.1 endpoint: ``GET|POST /sparql`` (Protocol, https://www.w3.org/TR/sparql11-protocol/).

* Query: ``GET ?query=``, ``POST`` ``application/x-www-form-urlencoded`` (``query=``) or
  ``application/sparql-query``; ``default-graph-uri`` / ``named-graph-uri`` (repeatable).
* Update: ``POST`` form (``update=``) or ``application/sparql-update``, ``using-graph-uri`` /
  ``using-named-graph-uri``; ``Authorization: Bearer <token>`` of an admin (401 without, 403 for
  another role).
* Answers by ``Accept`` or ``format=`` (``json xml csv tsv`` / ``turtle jsonld rdfxml ntriples trig
  nquads``); nothing acceptable: 406. ``GET /sparql`` without a query: the service description
  (Turtle, RDF/XML, JSON-LD, N-Triples) or, for browsers, the query page.

The view parses the request, calls :class:`registry.query.endpoint.Endpoint`, negotiates and writes.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import (
    BadRequest,
    NotAcceptable,
    UnsupportedMediaType,
)

from registry.query.endpoint import Endpoint, readable_graphs
from registry.service_description import describe
from registry.web import limits
from registry.web.callers import current_caller, required_caller
from registry.web.context import get_settings, get_store
from registry.web.documents import serialize
from registry.web.negotiation import (
    ALL_FORMATS,
    DATASET_FORMATS,
    GRAPH_FORMATS,
    HTML,
    RESULT_FORMATS,
    Format,
    by_name,
    negotiate,
)

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
QUERY_PARAMS = ("default-graph-uri", "named-graph-uri")
UPDATE_PARAMS = ("using-graph-uri", "using-named-graph-uri")
#: service description: machine formats first, so ``*/*`` gets Turtle and browsers HTML
DESCRIPTION_FORMATS: tuple[Format, ...] = (*GRAPH_FORMATS, HTML)
CONSTRUCT_FORMATS: tuple[Format, ...] = (*GRAPH_FORMATS, *DATASET_FORMATS)


def get_endpoint() -> Endpoint:
    endpoint = current_app.extensions.get("efreg.sparql")
    if endpoint is None:
        endpoint = current_app.extensions["efreg.sparql"] = Endpoint(get_store(), get_settings())
    return endpoint


# --- parsing the request ----------------------------------------------------------------------------
def _body() -> bytes:
    """The request body, at most ``max_body_bytes`` (413 beyond). Read in pieces of what is there:
    ``stream.read(limit + 1)`` would allocate a buffer of the whole limit (10 MiB) for every request
    and could return a short read."""
    limit = get_settings().max_body_bytes
    length = request.content_length
    if length is not None and length > limit:
        raise limits.too_large("max_body_bytes", limit, length)
    want = limit + 1 if length is None else length
    parts: list[bytes] = []
    got = 0
    while got < want:
        data = request.stream.read(min(want - got, 1 << 16))
        if not data:
            break
        parts.append(data)
        got += len(data)
    if got > limit:
        raise limits.too_large("max_body_bytes", limit)
    return b"".join(parts)


def _text(data: bytes) -> str:
    charset = (request.mimetype_params.get("charset") or "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"SPARQL requests must be UTF-8, not {charset}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the request body is not valid UTF-8 ({exc.reason} at byte {exc.start})") from None


def _params() -> tuple[MultiDict[str, str], str | None, str | None]:
    """(all parameters, query text, update text) from the URL and the body, per the protocol."""
    params: MultiDict[str, str] = MultiDict(request.args.items(multi=True))
    query = update = None
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == FORM:
            for key, value in parse_qsl(_text(_body()), keep_blank_values=True):
                params.add(key, value)
        elif mimetype == QUERY_TYPE:
            query = _text(_body())
        elif mimetype == UPDATE_TYPE:
            update = _text(_body())
        else:
            raise UnsupportedMediaType(
                f"POST to /sparql needs Content-Type {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}, "
                f"not {mimetype or 'none'}"
            )
    queries, updates = params.getlist("query"), params.getlist("update")
    if len(queries) > 1 or len(updates) > 1:
        raise BadRequest("give exactly one query or one update per request")
    if queries:
        if query is not None or update is not None:
            raise BadRequest("the query is in the body already; do not add a query parameter")
        query = queries[0]
    if updates:
        if request.method != "POST" or request.mimetype != FORM:
            raise BadRequest("updates are sent by POST (form or application/sparql-update), never by GET")
        update = updates[0]
    if query is not None and update is not None:
        raise BadRequest("a request carries a query or an update, not both")
    if query is not None and any(params.getlist(k) for k in UPDATE_PARAMS):
        raise BadRequest("using-graph-uri / using-named-graph-uri belong to updates, not queries")
    if update is not None and any(params.getlist(k) for k in QUERY_PARAMS):
        raise BadRequest(
            "default-graph-uri / named-graph-uri belong to queries; updates use "
            "using-graph-uri / using-named-graph-uri"
        )
    return params, query, update


def _choose(offers: tuple[Format, ...], params: MultiDict[str, str] | None = None) -> Format:
    """The answer's format: the first ``format=`` value (URL or form body) that names one of
    ``offers``; else the ``Accept`` header. A ``format=`` this query form does not offer falls back
    to ``Accept`` rather than failing: SPARQLWrapper sends its return format (``turtle`` for a SELECT,
    ``csv`` for a CONSTRUCT, …) beside an ``Accept`` header it means, and says so to its user. A
    name of no format at all (``format=pdf``) is refused (406)."""
    names = [n for n in (params if params is not None else request.args).getlist("format") if n.strip()]
    chosen = next((f for f in (by_name(n, offers) for n in names) if f is not None), None)
    known = any(by_name(n, ALL_FORMATS) for n in names)
    if chosen is None and (known or not names):
        chosen = negotiate(request.headers.get("Accept"), offers)
    if chosen is None:
        wanted = f"format={names[0]}, " if names else ""
        raise NotAcceptable(
            f"{wanted}Accept: {request.headers.get('Accept')} is not offered here; available: "
            + ", ".join(f"{f.media_type} (format={f.name})" for f in offers)
        )
    return chosen


# --- the route ----------------------------------------------------------------------------------------
@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    params, query, update = _params()
    if update is not None:
        return _update(update, params)
    if query is None:
        return _service()
    caller = current_caller()
    endpoint = get_endpoint()
    prepared = endpoint.prepare_query(
        query, caller, params.getlist("default-graph-uri"), params.getlist("named-graph-uri")
    )
    offers = RESULT_FORMATS if prepared.form in ("select", "ask") else CONSTRUCT_FORMATS
    chosen = _choose(offers, params)
    answer = endpoint.run_query(prepared, chosen.media_type)
    response = Response(answer.body, content_type=chosen.mimetype_header)
    response.headers["Vary"] = "Accept"
    if answer.rows is not None:
        response.headers["Efreg-Result-Rows"] = str(answer.rows)
        response.headers["Efreg-Max-Rows"] = str(get_settings().max_rows)
        if answer.truncated:
            response.headers["Efreg-Truncated"] = "true"
    response.headers["Efreg-Answer"] = "kept" if answer.cached else "evaluated"
    return response


def _update(text: str, params: MultiDict[str, str]) -> Response:
    caller = required_caller("updates need Authorization: Bearer <token> of an admin")
    get_endpoint().update(
        text, caller, params.getlist("using-graph-uri"), params.getlist("using-named-graph-uri")
    )
    return Response(status=204)


def _service() -> Response:
    settings = get_settings()
    chosen = _choose(DESCRIPTION_FORMATS)
    endpoint_url = request.base_url.rstrip("/")
    if chosen is HTML:
        return Response(
            render_template("sparql.html", endpoint=endpoint_url, examples=EXAMPLES, settings=settings),
            mimetype="text/html",
        )
    store = get_store()
    counts = store.graphs()
    graphs = {g: counts.get(g, 0) for g in readable_graphs(store, current_caller())}
    media_types = [f.media_type for f in (*RESULT_FORMATS, *CONSTRUCT_FORMATS)]
    graph = describe(endpoint_url, settings, graphs, media_types)
    response = Response(serialize(graph, chosen, compact=False), content_type=chosen.mimetype_header)
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = ", ".join(
        f'<{endpoint_url}?format={f.name}>; rel="alternate"; type="{f.media_type}"' for f in GRAPH_FORMATS
    )
    return response


PREFIXES = """PREFIX ef: <https://w3id.org/efreg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

#: (title, query) shown on the query page; tests run each on the seed data
EXAMPLES: list[tuple[str, str]] = [
    (
        "Emission factors with their CO2 component",
        PREFIXES
        + """
SELECT ?factor ?label ?value ?unit WHERE {
  ?factor a ef:EmissionFactor ; rdfs:label ?label ;
          ef:component [ ef:gas <gas/CO2> ; ef:value ?value ; ef:unit ?unit ] .
  FILTER(LANG(?label) = "en")
} ORDER BY ?label LIMIT 50""",
    ),
    (
        "China grid electricity factors by year",
        PREFIXES
        + """
SELECT ?label ?year ?value WHERE {
  ?factor a ef:EmissionFactor ; ef:activityUnit <http://qudt.org/vocab/unit/KiloW-HR> ;
          ef:referenceYear ?year ; rdfs:label ?label ; ef:component/ef:value ?value .
  FILTER(LANG(?label) = "zh")
} ORDER BY ?year ?label""",
    ),
    (
        "GWP100 values of methane in each IPCC report",
        PREFIXES
        + """
SELECT ?set ?gas ?gwp WHERE {
  ?set a ef:GWPSet ; rdfs:label ?set_label ; ef:gwpValue [ ef:gas ?gas ; ef:value ?gwp ] .
  ?gas skos:notation "CH4" .
} ORDER BY ?set""",
    ),
    (
        "Published datasets and their graphs",
        PREFIXES
        + """
SELECT ?g ?title (COUNT(*) AS ?triples) WHERE {
  GRAPH ?g { ?g a dcat:Dataset ; dct:title ?title . FILTER(LANG(?title) = "en") ?s ?p ?o }
} GROUP BY ?g ?title ORDER BY ?g""",
    ),
    (
        "Describe one factor (Turtle)",
        PREFIXES
        + """
DESCRIBE <factor/ipcc2006-t2.2-natural-gas/1>""",
    ),
]
