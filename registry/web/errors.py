"""The one place that maps domain errors to HTTP status codes and short, clear messages."""

from __future__ import annotations

import json

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from registry.calculation import RULE as CALCULATION_RULE
from registry.calculation import CalculationError, NoCandidate, ReceiptNotFound, WrongDimension
from registry.ecfo.profile import CONNEG_RULE, NoOpenFactor, UnknownProfile
from registry.federation.allowlist import RULE as FEDERATION_RULE
from registry.federation.allowlist import FederationRefused
from registry.federation.harvest import HarvestError, HarvestNotConforming, HarvestRefused
from registry.federation.service import ServiceFailed
from registry.ingest.base import IngestError, InputTooLarge, NothingImported
from registry.mapping.crosswalk import UnknownConcept
from registry.mapping.sets import MappingError, MappingNotConforming, MappingSetNotFound
from registry.publishing.admin import Conflict
from registry.publishing.tokens import InvalidPublisherId
from registry.publishing.workflow import RULE as REVIEW_RULE
from registry.publishing.workflow import InvalidTransition, NotFound, NotPermitted, PublishingError
from registry.query.dataset import RULE as DATASET_RULE
from registry.query.dataset import GraphNotReadable
from registry.query.endpoint import RULE_LIMITS, DatasetConflict, EndpointBusy, UpdateRefused
from registry.query.limits import QueryLimitExceeded
from registry.store import QuerySyntaxError, QueryTimeout, RDFParseError
from registry.web import limits
from registry.web.negotiation import ALL_FORMATS, HTML

#: where the limits, their settings and their refusals are described
LIMITS_RULE = "https://w3id.org/efreg/docs/reliability"
#: domain error class -> (status, link to the rule broken)
STATUS: dict[type[Exception], tuple[int, str]] = {
    RDFParseError: (400, "https://www.w3.org/TR/rdf12-turtle/"),
    QuerySyntaxError: (400, "https://www.w3.org/TR/sparql11-query/#grammar"),
    QueryLimitExceeded: (400, LIMITS_RULE),
    QueryTimeout: (503, "https://www.w3.org/TR/sparql11-protocol/#query-failure"),
    EndpointBusy: (503, RULE_LIMITS),
    FederationRefused: (403, FEDERATION_RULE),
    GraphNotReadable: (403, DATASET_RULE),
    UpdateRefused: (403, "https://www.w3.org/TR/sparql11-protocol/#update-operation"),
    ServiceFailed: (502, FEDERATION_RULE),
    DatasetConflict: (400, "https://www.w3.org/TR/sparql11-protocol/#update-dataset"),
    IngestError: (400, "https://w3id.org/efreg/ontology"),
    InputTooLarge: (413, LIMITS_RULE),
    NothingImported: (422, "https://w3id.org/efreg/docs/csv-template"),
    NotPermitted: (403, REVIEW_RULE),
    NotFound: (404, REVIEW_RULE),
    InvalidTransition: (409, REVIEW_RULE),
    InvalidPublisherId: (400, "https://w3id.org/efreg/ontology"),
    UnknownProfile: (406, CONNEG_RULE),
    NoOpenFactor: (404, CONNEG_RULE),
    MappingSetNotFound: (404, "https://mapping-commons.github.io/sssom/"),
    MappingError: (400, "https://mapping-commons.github.io/sssom/"),
    MappingNotConforming: (422, "https://mapping-commons.github.io/sssom/"),
    Conflict: (409, REVIEW_RULE),
    PublishingError: (400, REVIEW_RULE),
    HarvestError: (502, FEDERATION_RULE),
    HarvestRefused: (403, FEDERATION_RULE),
    HarvestNotConforming: (422, FEDERATION_RULE),
    UnknownConcept: (404, "https://www.w3.org/TR/skos-reference/#notations"),
    CalculationError: (400, CALCULATION_RULE),
    WrongDimension: (422, CALCULATION_RULE),
    NoCandidate: (404, CALCULATION_RULE),
    ReceiptNotFound: (404, CALCULATION_RULE),
}


#: suffixes of documents that are not pages: their errors are never HTML, whatever Accept says
MACHINE_SUFFIXES = tuple(f.suffix for f in ALL_FORMATS if f.suffix and f is not HTML) + (".gz", ".json")


def problem(status: int, message: str, rule: str | None = None, exc: Exception | None = None) -> Response:
    """A short error answer in the format the request negotiated: JSON (RFC 9457 problem details)
    under /api/ or when the client prefers JSON, HTML for browsers asking for a page, plain text
    otherwise — and always for a document with a machine format's suffix (``.ttl``, ``.nq.gz`` …)."""
    machine_document = request.path.rsplit("/", 1)[-1].endswith(MACHINE_SUFFIXES)
    accept = request.accept_mimetypes
    if request.path.startswith("/api/") or (
        not machine_document and accept["application/json"] > max(accept["text/html"], accept["text/plain"])
    ):
        body = {"status": status, "detail": message, "type": rule or "about:blank"}
        if isinstance(exc, InvalidTransition):
            body.update(state=exc.status.lower(), allowed=exc.allowed)
        if isinstance(exc, NothingImported):  # every row skipped: each place and why
            body.update(stored=False, skipped=[{"where": s.where, "reason": s.reason} for s in exc.skipped])
        if isinstance(exc, CalculationError):
            body.update(exc.fields)  # the units that fit, the trail tried
        return Response(
            json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json"
        )
    if (
        not machine_document
        and accept.best_match(["text/plain", "text/html"]) == "text/html"
        and accept["text/html"] > accept["text/plain"]
    ):
        from flask import render_template

        body = render_template("error.html", status=status, message=message, rule=rule)
        return Response(body, status=status, mimetype="text/html")
    text = message + (f"\nSee {rule}" if rule else "") + "\n"
    return Response(text, status=status, mimetype="text/plain")


def init_app(app: Flask) -> None:
    for exc_class, (status, rule) in STATUS.items():
        app.register_error_handler(exc_class, lambda exc, s=status, r=rule: problem(s, str(exc), r, exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        description = exc.description or exc.name
        if exc.code == 413:
            description = limits.describe_413(exc.description) or description
        response = problem(exc.code or 500, description)
        for key, value in exc.get_headers() or []:
            if key.lower() not in ("content-type", "content-length"):
                response.headers[key] = value
        return response
