"""Administration over HTTP (``/api/admin/…``), for admin tokens only (anonymous: 401; a publisher's
or reviewer's token: 403): organisations, tokens, grants, mapping sets, bulk loads, harvests,
recovery, and the PROV record of it all (``/api/admin/activities``).

Each view parses the request, calls the domain function the ``efreg`` command calls too (they check
the caller is an admin and record the change with PROV), and answers JSON. Adding a resource: a
domain function ``f(store, base, caller, …)`` that starts with ``require_admin(caller)`` and records
with ``activities.record``; a view here that calls it with :func:`admin_caller`; its paths in
:data:`registry.web.openapi_admin.ADMIN_PATHS`; a row in README's route table.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, request
from werkzeug.exceptions import BadRequest

from registry.federation.harvest import admin_harvest
from registry.ingest.loads import load_files
from registry.mapping.imports import MappingFile, delete_mapping_set, import_mapping_set
from registry.pact.admin import admin_sync
from registry.pact.clients import ClientError, admin_create_client
from registry.publishing import access, activities, admin
from registry.publishing.tokens import Caller
from registry.web.api import BODY_FORMATS, as_json, local_paths, save_files
from registry.web.callers import required_caller
from registry.web.context import get_settings, get_store

bp = Blueprint("admin", __name__, url_prefix="/api/admin")

#: request Content-Type → mapping format / rdflib format of a SKOS upload
MAPPING_TYPES = {"text/tab-separated-values": "sssom", "text/csv": "flowmap"}
SKOS_TYPES = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
}


def admin_caller() -> Caller:
    """The caller, who must be an administrator (401 without a token, 403 with another role)."""
    who = required_caller("administration needs Authorization: Bearer <an admin token>")
    admin.require_admin(who)
    return who


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True) if request.is_json else None
    if data is None and request.form:
        data = request.form.to_dict()
    if not isinstance(data, dict):
        raise BadRequest("send a JSON object (Content-Type: application/json)")
    return data


def _text(data: dict[str, Any], key: str, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise BadRequest(f"{key!r} is required")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{key!r} must be a string")
    return value[:4000]


def _flag(name: str) -> bool:
    return request.args.get(name, "").lower() in ("1", "true", "yes", "on")


# --- organisations and tokens -------------------------------------------------------------------


@bp.get("/publishers")
def publishers() -> Response:
    admin_caller()
    found = admin.publishers(get_store(), get_settings().base_uri)
    return as_json({"publishers": [p.to_json() for p in found]})


@bp.post("/publishers")
def create_publisher() -> Response:
    who, data = admin_caller(), _body()
    made = admin.create_publisher(
        get_store(),
        get_settings().base_uri,
        who,
        _text(data, "id", required=True) or "",
        _text(data, "name", required=True) or "",
        _text(data, "name_zh"),
    )
    return as_json(made.to_json(), 201)


@bp.patch("/publishers/<publisher>")
def rename_publisher(publisher: str) -> Response:
    who, data = admin_caller(), _body()
    renamed = admin.rename_publisher(
        get_store(), get_settings().base_uri, who, publisher, _text(data, "name"), _text(data, "name_zh")
    )
    return as_json(renamed.to_json())


@bp.get("/tokens")
def tokens() -> Response:
    who = admin_caller()
    return as_json({"tokens": [t.to_json() for t in admin.list_tokens(get_store(), who)]})


@bp.post("/tokens")
def create_token() -> Response:
    who, data = admin_caller(), _body()
    issued = admin.issue_token(
        get_store(),
        get_settings().base_uri,
        who,
        _text(data, "publisher", required=True) or "",
        _text(data, "role", required=True),  # type: ignore[arg-type]
        _text(data, "name"),
    )
    response = as_json({"token": issued.secret, **issued.info.to_json()}, 201)
    response.headers["Cache-Control"] = "no-store"  # the secret is shown once
    return response


@bp.delete("/tokens/<token_id>")
def revoke_token(token_id: str) -> Response:
    who = admin_caller()
    return as_json(admin.revoke_token(get_store(), get_settings().base_uri, who, token_id).to_json())


@bp.post("/pact/clients")
def create_pact_client() -> Response:
    """A PACT data recipient's OAuth2 client credentials, as ``efreg pact client create`` prints them
    (the secret in this answer only)."""
    who, data = admin_caller(), _body()
    try:
        client_id, secret = admin_create_client(
            get_store(),
            get_settings().base_uri,
            who,
            _text(data, "name", required=True) or "",
            _text(data, "events_url"),
        )
    except ClientError as exc:
        raise BadRequest(str(exc)) from None
    response = as_json({"client_id": client_id, "client_secret": secret}, 201)
    response.headers["Cache-Control"] = "no-store"  # the secret is shown once
    return response


@bp.post("/pact/derive")
def derive_pact() -> Response:
    """Derive the PACT footprints of what is published again, as ``efreg pact derive`` does: how
    many were derived and, per factor version without one, each refused field and why."""
    who = admin_caller()
    report = admin_sync(get_store(), get_settings().base_uri, who)
    return as_json({**report.to_json(), "lines": report.lines()})


@bp.get("/grants")
def grants() -> Response:
    admin_caller()
    held = sorted(access.snapshot(get_store()).grants)
    return as_json({"grants": [{"dataset": d, "publisher": p} for d, p in held]})


@bp.get("/activities")
def activity_log() -> Response:
    admin_caller()
    limit = request.args.get("limit", default=1000, type=int)
    return as_json({"activities": activities.activities(get_store(), max(1, min(limit or 1000, 10_000)))})


# --- data: mapping sets, loads, harvests ----------------------------------------------------------


@bp.post("/mappings")
def import_mappings() -> Response:
    who, store, settings = admin_caller(), get_store(), get_settings()
    args = request.args
    how = MappingFile(
        fmt=args.get("format") or MAPPING_TYPES.get(request.mimetype),
        set_id=args.get("set_id"),
        publisher=args.get("publisher") or "efreg",
        publisher_name=args.get("publisher_name"),
        title=args.get("title"),
        license=args.get("license"),
        source_url=args.get("source_url"),
        rdf_format=SKOS_TYPES.get(request.mimetype),
    )
    local = local_paths(who)
    with tempfile.TemporaryDirectory(prefix="efreg-mappings-") as tmp:
        paths = local or save_files(Path(tmp))
        if len(paths) != 1:
            raise BadRequest("send one mapping file")
        name = paths[0].name if local else args.get("filename") or paths[0].name
        report = import_mapping_set(
            store,
            settings.base_uri,
            who,
            paths[0],
            how,
            dry_run=_flag("dry_run"),
            validator=settings.validator,
            name=name,
        )
    return as_json(report.to_json(), 201 if report.activity else 200)


@bp.delete("/mappings/<set_id>")
def delete_mappings(set_id: str) -> Response:
    who = admin_caller()
    deleted = delete_mapping_set(get_store(), get_settings().base_uri, who, set_id)
    return as_json({"set_id": set_id, "deleted": deleted})


@bp.post("/loads")
def bulk_load() -> Response:
    who, store, settings = admin_caller(), get_store(), get_settings()
    args = request.args
    local = local_paths(who)
    with tempfile.TemporaryDirectory(prefix="efreg-load-") as tmp:
        report = load_files(
            store,
            settings,
            who,
            local or save_files(Path(tmp)),
            format=args.get("format") or _load_format(),
            dataset_id=args.get("dataset"),
            publisher=args.get("publisher"),
            dry_run=_flag("dry_run"),
            encoding=args.get("encoding"),
            publish_contacts=_flag("publish_contacts"),
        )
    lang = args.get("lang", "en")
    if lang not in ("en", "zh"):
        raise BadRequest("lang is en or zh")
    body = report.to_json(lang=lang, turtle=_flag("report_turtle"))
    return as_json(body, 201 if report.stored else 200 if report.conforms else 422)


def _load_format() -> str | None:
    return None if request.files else BODY_FORMATS.get(request.mimetype)


@bp.post("/harvests")
def harvest() -> Response:
    who, data, settings = admin_caller(), _body(), get_settings()
    timeout = data.get("timeout")
    options: dict[str, Any] = {
        "dataset_id": _text(data, "dataset", required=True),
        "publisher": _text(data, "publisher", required=True),
        "publisher_name": _text(data, "publisher_name"),
        "title": _text(data, "title"),
        "license": _text(data, "license"),
        "gwp_set": _text(data, "gwp_set"),
        "boundary": _text(data, "boundary"),
        "profile": _text(data, "profile") or "ecfo",
        "explicit": data.get("allow_endpoint") is True,
        "dry_run": data.get("dry_run") is True,
    }
    for key, default in (("page_size", 500), ("max_records", 100_000)):
        value = data.get(key, default)
        if not isinstance(value, int) or value < 1:
            raise BadRequest(f"{key!r} must be a positive integer")
        options[key] = value
    if timeout is not None:
        if not isinstance(timeout, (int, float)) or timeout <= 0:
            raise BadRequest("'timeout' must be a positive number of seconds")
        settings = replace(settings, service_timeout=float(timeout))
    report = admin_harvest(
        get_store(), who, _text(data, "endpoint", required=True) or "", settings=settings, **options
    )
    return as_json(report.to_json(), 201 if report.stored else 200)


@bp.post("/recover")
def recover_graphs() -> Response:
    who = admin_caller()
    return as_json({"dropped": admin.recover_graphs(get_store(), get_settings().base_uri, who)})
