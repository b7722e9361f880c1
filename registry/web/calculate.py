"""Calculations: ``/api/calculate`` (one, or a batch), ``/api/factors`` (JSON search), receipts at
``/calculation/{receipt}`` and the calculator page ``/calculate``. The domain is
:mod:`registry.calculation`; errors are mapped to HTTP in :mod:`registry.web.errors`."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import BadRequest, NotAcceptable

from registry.calculation import CalculationError, receipts
from registry.calculation.batch import read_csv, run, run_many, write_csv
from registry.calculation.calculate import GWP_SETS
from registry.publishing import access
from registry.search import FACETS, SearchQuery, labels, search
from registry.web.api import as_json
from registry.web.callers import current_caller as caller
from registry.web.context import get_settings, get_store
from registry.web.documents import serialize, valid_path
from registry.web.i18n import lang
from registry.web.negotiation import HTML, JSONLD, NTRIPLES, RDFXML, TURTLE, Format, by_suffix, negotiate

bp = Blueprint("calculate", __name__)

#: What a receipt offers (plain JSON before JSON-LD, so that ``Accept: application/json`` gets it).
RECEIPT_JSON = Format("json", "application/json", ".json", "https://www.rfc-editor.org/rfc/rfc8259")
OFFERS = (HTML, TURTLE, RECEIPT_JSON, JSONLD, RDFXML, NTRIPLES)

MAX_PAGE_SIZE = 100
#: /api/factors parameter -> the search facet it filters, and the IRI prefix it may be given with
SEARCH_FILTERS = {
    "geography": "geo",
    "activity": "category",
    "gas": "gas",
    "publisher": "publisher",
    "dataset": "dataset",
}
#: Messages of the calculator page (English, Chinese).
TEXT: dict[str, tuple[str, str]] = {
    "title": ("Calculator", "计算器"),
    "intro": (
        "Choose an activity, a place, a year and an amount: the registry picks the factor (falling back "
        "along the geography and the years), calculates exactly and keeps a receipt you can cite.",
        "选择活动、地点、年份和数量：登记库选择排放因子（按地理范围和年份逐级回退），精确计算，并保存可引用的计算凭证。",
    ),
    "activity": ("Activity", "活动"),
    "geography": ("Place", "地点"),
    "year": ("Year", "年份"),
    "amount": ("Amount", "数量"),
    "unit": ("Unit", "单位"),
    "gwp": ("GWP set", "GWP 值集"),
    "calculate": ("Calculate", "计算"),
    "factor": ("Factor used", "所用排放因子"),
    "gases": ("Gases", "气体"),
    "co2e": ("CO2 equivalent", "二氧化碳当量"),
    "trail": ("Fallback trail", "回退路径"),
    "receipt": ("Receipt", "计算凭证"),
    "conversions": ("Unit conversions", "单位换算"),
    "status": ("Status of the factor", "排放因子状态"),
    "current": ("current", "现行"),
    "superseded": ("superseded by", "已被取代："),
    "withdrawn": ("withdrawn", "已撤回"),
    "replay": ("Replayed: the same numbers", "重算结果一致"),
    "replay_differs": ("Replayed: the numbers differ", "重算结果不一致"),
    "error": ("Cannot calculate", "无法计算"),
    "inputs": ("Inputs", "输入"),
    "time": ("Time", "时间"),
    "range": ("range", "范围"),
}


def tc(key: str) -> str:
    en, zh = TEXT.get(key, (key, key))
    return zh if lang() == "zh" else en


def _base() -> str:
    return get_settings().base_uri


# --- the API -------------------------------------------------------------------------------------


@bp.get("/api/calculate")
def calculate_one() -> Response:
    return as_json(run(get_store(), _base(), request.args, caller()))


@bp.post("/api/calculate")
def calculate_batch() -> Response:
    """A JSON array of parameter objects, or a CSV (body ``text/csv`` or a ``file`` upload); JSON
    back, or CSV for ``Accept: text/csv`` / ``?format=csv``."""
    who = caller()
    upload = request.files.get("file")
    if upload is not None:
        rows: Any = read_csv(upload.read().decode("utf-8-sig", errors="replace"))
    elif request.mimetype == "text/csv":
        rows = read_csv(request.get_data(as_text=True))
    else:
        try:
            rows = json.loads(request.get_data(as_text=True) or "null")
        except ValueError as exc:
            raise BadRequest(f"the body is not JSON: {exc}") from None
        except RecursionError:  # json recurses per level: a batch is an array of flat objects
            raise BadRequest("the body nests deeper than a batch of calculations can") from None
        if not isinstance(rows, list):
            raise BadRequest("send a JSON array of calculations, or a CSV file with a header row")
    results = run_many(get_store(), _base(), rows, who)
    wants_csv = request.args.get("format") == "csv" or (
        request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv"
    )
    if wants_csv:
        return Response(write_csv(results), mimetype="text/csv")
    return as_json(results)


def _filter_value(name: str, value: str, base: str) -> str | None:
    prefix = base + FACETS[SEARCH_FILTERS[name]][0]
    value = value.strip()
    if value.startswith(prefix):
        value = value[len(prefix) :]
    if name == "activity" and not value.startswith(("activity/", "ipcc", "isic")) and "/" not in value:
        value = "activity/" + value
    return value if value and valid_path(value) else None


@bp.get("/api/factors")
def factors() -> Response:
    """JSON search: ``q`` (English or Chinese text), ``geography``, ``year``, ``activity``, ``gas``,
    ``publisher``, ``dataset``; ``page`` and ``size``; the same engine as ``/search``."""
    store, base = get_store(), _base()
    filters = []
    for name in SEARCH_FILTERS:
        for value in request.args.getlist(name)[:5]:
            path = _filter_value(name, value, base)
            if path is None:
                raise BadRequest(f"{name}={value!r} is not an IRI or identifier the registry uses")
            filters.append((SEARCH_FILTERS[name], path))
    try:
        page = max(int(request.args.get("page", "1")), 1)
        size = min(max(int(request.args.get("size", "20")), 1), MAX_PAGE_SIZE)
        year_text = request.args.get("year", "").strip()
        year = int(year_text) if year_text else None
    except ValueError:
        raise BadRequest("page, size and year are whole numbers") from None
    query = SearchQuery(
        text=request.args.get("q", "")[:200], filters=tuple(filters), page=page, size=size, year=year
    )
    result = search(store, access.readable_graphs(store, caller()), base, query)
    body = {
        "total": result.total,
        "page": page,
        "size": size,
        "pages": result.pages,
        "factors": [{"iri": str(h.iri), "labels": h.labels} for h in result.hits],
        "facets": {
            name: [
                {"iri": str(v.iri), "value": v.value, "count": v.count, "labels": v.labels} for v in values
            ]
            for name, values in result.facets.items()
        },
    }
    return as_json(body)


# --- receipts ------------------------------------------------------------------------------------


@bp.get("/calculation/<receipt>")
def receipt_document(receipt: str) -> Response:
    rid, _, suffix = receipt.partition(".")
    if suffix:
        fmt = by_suffix("." + suffix, OFFERS)
        if fmt is None:
            raise BadRequest(f"no format has the suffix .{suffix} (html, ttl, jsonld, json)")
    else:
        fmt = negotiate(request.headers.get("Accept"), OFFERS)
        if fmt is None:
            raise NotAcceptable("a receipt is HTML, Turtle, JSON-LD, RDF/XML, N-Triples or JSON")
    store = get_store()
    kept = receipts.read(store, _base(), rid, caller())
    if fmt.name == "json":
        body: Any = as_json({**kept.answer, "status": kept.status, "replay": kept.replay}).get_data()
    elif fmt.name == "html":
        body = render_template("receipt.html", r=kept, a=kept.answer, tc=tc, base=_base())
    else:
        body = serialize(kept.graph, fmt)
    response = Response(body, content_type=fmt.mimetype_header)
    response.vary.add("Accept")
    response.headers["Link"] = ", ".join(
        f'<{_base()}calculation/{rid}{f.suffix}>; rel="alternate"; type="{f.media_type}"'
        for f in OFFERS
        if f.suffix
    )
    return response


# --- the calculator page -------------------------------------------------------------------------


def short(iri: Any, base: str, prefix: str) -> str:
    """What the calculator sends for ``iri``: its id under ``prefix``, else the IRI itself."""
    text = str(iri)
    return text[len(base + prefix) :] if text.startswith(base + prefix) else text


CHOICES = """PREFIX ef: <https://w3id.org/efreg/ontology#>
SELECT DISTINCT ?v WHERE {{ ?f a ef:EmissionFactor ; {path} ?v }} ORDER BY ?v"""


@bp.get("/calculate")
def calculator() -> Response:
    store, base, who = get_store(), _base(), caller()
    graphs = access.readable_graphs(store, who)
    view = access.ReadView(store, who)
    activities = [r["v"] for r in view.select(CHOICES.format(path="ef:activity"))]
    places = [
        r["v"]
        for r in view.select(
            "PREFIX ef: <https://w3id.org/efreg/ontology#>\nSELECT ?v WHERE { ?v a ef:Geography } ORDER BY ?v"
        )
    ]
    names = labels(store, graphs, activities + places)
    answer, error = None, None
    if request.args.get("amount"):
        try:
            answer = run(store, base, request.args, who)
        except CalculationError as exc:
            error = exc
    language = lang()

    def pick(iri: Any) -> str:
        found = names.get(iri, {})
        return found.get(language) or found.get("en") or found.get("") or str(iri).rsplit("/", 1)[-1]

    body = render_template(
        "calculate.html",
        tc=tc,
        args=request.args,
        activities=[(short(a, base, "category/activity/"), pick(a)) for a in activities],
        places=[(short(p, base, "geo/"), pick(p)) for p in places],
        gwps=list(GWP_SETS),
        answer=answer,
        error=error,
        base=base,
    )
    response = Response(body, mimetype="text/html")
    response.vary.add("Accept-Language")
    return response
