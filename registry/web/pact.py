"""PACT v3 host API under ``/pact`` (the logic: :mod:`registry.pact`) and the footprints' own
documents at ``/pact/footprint/{id}`` (HTML page, Turtle, JSON-LD, RDF/XML, N-Triples).

The API refuses plain HTTP (PACT: HTTPS only): a request is secure when the server speaks TLS
(``efreg serve --tls-cert``) or when a reverse proxy on this host says so (``X-Forwarded-Proto:
https`` from a loopback address). Footprint documents are public linked data, over either.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from rdflib import Graph, URIRef
from werkzeug.exceptions import NotFound

from registry.pact import api, clients, records
from registry.publishing import access
from registry.web.context import get_settings, get_store
from registry.web.pages import graph_page

bp = Blueprint("pact", __name__, url_prefix="/pact")
LOOPBACK = ("127.0.0.1", "::1")


def _secure() -> bool:
    if request.is_secure:
        return True
    forwarded = request.headers.get("X-Forwarded-Proto", "")
    return request.remote_addr in LOOPBACK and forwarded.split(",")[0].strip() == "https"


def _error(err: api.PactError) -> Response:
    response = jsonify(err.body())
    response.status_code = err.status
    return response


def _tokens() -> clients.Tokens:
    return current_app.extensions.setdefault("efreg.pact.tokens", clients.Tokens())


def _footprints() -> list[dict[str, Any]]:
    """The footprints kept, read again only when the store changed."""
    store = get_store()
    gen = access.generation(store)
    cached = current_app.extensions.get("efreg.pact.footprints")
    if cached is not None and gen is not None and cached[0] == gen:
        return cached[1]
    found = records.footprints(store)
    current_app.extensions["efreg.pact.footprints"] = (gen, found)
    return found


def _caller() -> clients.Client:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else None
    client = _tokens().check(token)
    if client is None:
        raise api.PactError(401, "BadRequest", "Invalid token provided")
    return client


def _api_url(path: str) -> str:
    return request.host_url + "pact/" + path


@bp.before_request
def https_only() -> Response | None:
    if request.endpoint in ("pact.footprint_document",):
        return None
    if not _secure():
        return _error(api.PactError(403, "AccessDenied", "The PACT API answers over HTTPS only."))
    return None


@bp.errorhandler(api.PactError)
def pact_error(err: api.PactError) -> Response:
    return _error(err)


@bp.post("/auth/token")
def auth_token() -> Response:
    """OAuth2 client credentials grant (RFC 6749 §4.4): HTTP Basic, or id and secret in the body."""
    client_id, secret = request.form.get("client_id", ""), request.form.get("client_secret", "")
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            client_id, _, secret = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            client_id = secret = ""
    if request.form.get("grant_type") != "client_credentials":
        response = jsonify(
            error="unsupported_grant_type", error_description="grant_type must be client_credentials"
        )
        response.status_code = 400
        return response
    client = clients.authenticate(get_store(), client_id, secret)
    if client is None:
        response = jsonify(error="invalid_client", error_description="Client authentication failed")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Basic realm="pact"'
        return response
    response = jsonify(
        access_token=_tokens().issue(client), token_type="Bearer", expires_in=clients.TOKEN_SECONDS
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/3/footprints")
def list_footprints() -> Response:
    _caller()
    args = {k: request.args.getlist(k) for k in request.args}
    page, link = api.list_footprints(_footprints(), args, _api_url("3/footprints"))
    response = jsonify(data=page)
    if link:
        response.headers["Link"] = link
    return response


@bp.get("/3/footprints/<pf_id>")
def get_footprint(pf_id: str) -> Response:
    _caller()
    return jsonify(data=api.get_footprint(_footprints(), pf_id))


@bp.post("/3/events")
def events() -> Response:
    client = _caller()
    event = request.get_json(force=True, silent=True)
    thread = api.handle_event(event, client, _footprints, _api_url("3/events"))
    current_app.extensions["efreg.pact.last_delivery"] = thread  # tests wait on it
    return Response(status=200)


@bp.get("/footprint/<path:name>")
def footprint_document(name: str) -> Response:
    pf_id, dot, ext = name.partition(".")
    base = get_settings().base_uri
    store = get_store()
    if records.document(store, base, pf_id) is None:
        raise NotFound(f"There is no PACT footprint {pf_id[:40]} here.")

    def build() -> Graph:
        return records.document(store, base, pf_id) or Graph()

    def subjects(graph: Graph) -> list[URIRef]:
        iri = URIRef(records.footprint_iri(base, pf_id))
        return [iri, URIRef(str(iri) + "#pcf")]

    return graph_page(
        f"pact-footprint-{pf_id}", f"/pact/footprint/{pf_id}", build, subjects, ext if dot else None
    )
