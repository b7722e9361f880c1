"""The publishing API (JSON): ``/api/datasets…`` and its OpenAPI document ``/api/openapi.json``.

Callers send ``Authorization: Bearer efreg_…``; reads work without a token (they see what anyone
may see), writes need one (401). Every answer about a dataset asks :mod:`registry.publishing.access` what the
caller may read; every change goes through :mod:`registry.publishing.workflow`. Errors are mapped to HTTP
in :mod:`registry.web.errors` (403 not yours, 404 unknown, 409 state change not allowed, with the
allowed ones).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, request
from werkzeug.exceptions import BadRequest
from werkzeug.utils import secure_filename

from registry.ingest.base import valid_id
from registry.publishing import access, catalog
from registry.publishing import workflow as publishing
from registry.publishing.tokens import Caller
from registry.rdf.namespaces import SYSTEM_GRAPH
from registry.validation import kept
from registry.web.callers import current_caller, required_caller
from registry.web.context import get_settings, get_store
from registry.web.openapi import document

bp = Blueprint("api", __name__, url_prefix="/api")

ACTIONS = ("submit", "approve", "reject", "withdraw")
#: request Content-Type → import format, for uploads sent as the raw body
BODY_FORMATS = {
    "text/turtle": "turtle",
    "application/trig": "trig",
    "application/n-triples": "ntriples",
    "application/n-quads": "nquads",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "text/csv": "csv",
    "application/zip": "zip",
}


def as_json(data: object, status: int = 200) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2), status=status, mimetype="application/json"
    )


def _dataset_id(dataset_id: str) -> str:
    if not valid_id(dataset_id):
        raise publishing.NotFound(f"there is no dataset {dataset_id[:100]!r}")
    return dataset_id


def version_json(v: access.Version, base: str) -> dict[str, Any]:
    dataset_id, number = v.graph[len(base + "dataset/") :].rsplit("/", 1)
    return {
        "dataset": dataset_id,
        "version": number,
        "iri": v.graph,
        "status": (v.status or "").lower(),
        "access": (v.access or "").lower(),
        "publisher": v.publisher,
        "values_graph": v.values,
        "url": f"{request.script_root}/api/datasets/{dataset_id}/versions/{number}",
    }


def _version(dataset_id: str, number: str, who: Caller | None) -> access.Version:
    return publishing.readable_version(
        get_store(), get_settings().base_uri, who, _dataset_id(dataset_id), number
    )


# --- routes ------------------------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi() -> Response:
    return as_json(document())


@bp.get("/datasets")
def datasets() -> Response:
    who, base = current_caller(), get_settings().base_uri
    grouped: dict[str, list[dict[str, Any]]] = {}
    for v in access.readable_versions(get_store(), base, who):
        entry = version_json(v, base)
        grouped.setdefault(entry["dataset"], []).append(entry)
    return as_json(
        {
            "datasets": [
                {"dataset": d, "iri": publishing.dataset_iri(base, d), "versions": vs}
                for d, vs in sorted(grouped.items())
            ]
        }
    )


@bp.get("/datasets/<dataset_id>")
def dataset(dataset_id: str) -> Response:
    who, base = current_caller(), get_settings().base_uri
    versions = access.readable_versions(get_store(), base, who, _dataset_id(dataset_id))
    if not versions:
        raise publishing.NotFound(f"there is no dataset {dataset_id}")
    published = [v for v in versions if v.public]
    return as_json(
        {
            "dataset": dataset_id,
            "iri": publishing.dataset_iri(base, dataset_id),
            "publisher": versions[-1].publisher,
            "current": version_json(published[-1], base)["version"] if published else None,
            "versions": [version_json(v, base) for v in versions],
        }
    )


@bp.get("/datasets/<dataset_id>/versions/<number>")
def version(dataset_id: str, number: str) -> Response:
    who, store, base = current_caller(), get_store(), get_settings().base_uri
    v = _version(dataset_id, number, who)
    body = version_json(v, base)
    body["values_readable"] = access.may_read_values(store, who, v)
    body["history"] = catalog.history(store, v.graph, (SYSTEM_GRAPH, catalog.catalog_iri(base)))
    return as_json(body)


@bp.get("/datasets/<dataset_id>/versions/<number>/factors")
def factors(dataset_id: str, number: str) -> Response:
    who, store = current_caller(), get_store()
    v = _version(dataset_id, number, who)
    return as_json(
        {
            "version": v.graph,
            "values_readable": access.may_read_values(store, who, v),
            "factors": catalog.factors(store, v.graph, access.readable_graphs(store, who)),
        }
    )


@bp.get("/datasets/<dataset_id>/versions/<number>/report")
def validation_report(dataset_id: str, number: str) -> Response:
    """The SHACL report kept with a version (its warnings): JSON, by rule (count, message, two
    examples) and every result; Turtle with ``Accept: text/turtle`` or ``?format=ttl``."""
    who, store = current_caller(), get_store()
    v = _version(dataset_id, number, who)
    turtle = request.args.get("format") == "ttl" or (
        request.args.get("format") is None
        and request.accept_mimetypes.best_match(["application/json", "text/turtle"]) == "text/turtle"
    )
    if turtle:
        body = kept.report_graph(store, v.graph).serialize(format="turtle")
        response = Response(body, mimetype="text/turtle")
    else:
        by_rule = kept.rules(store, v.graph)
        count = {s: sum(r.count for r in by_rule if r.severity == s) for s in ("Violation", "Warning")}
        response = as_json(
            {
                "version": v.graph,
                "conforms": count["Violation"] == 0,
                "violations": count["Violation"],
                "warnings": count["Warning"],
                "rules": [r.to_json() for r in by_rule],
                "results": kept.results(store, v.graph),
            }
        )
    response.vary.add("Accept")
    return response


def _upload(dataset_id: str, dry_run: bool) -> Response:
    who, store, settings = required_caller(), get_store(), get_settings()
    dataset_id = _dataset_id(dataset_id)
    level = request.args.get("access", "open").capitalize()
    fmt = request.args.get("format") or BODY_FORMATS.get(request.mimetype)
    with tempfile.TemporaryDirectory(prefix="efreg-upload-") as tmp:
        paths = local_paths(who) or save_files(Path(tmp))
        outcome = publishing.upload(
            store,
            settings,
            who,
            dataset_id,
            paths,
            format=fmt,
            access_level=level,
            dry_run=dry_run,
            comment=request.args.get("comment"),
            root=Path(tmp),  # reports name the files as the client sent them, not the server's paths
        )
    body: dict[str, Any] = {
        "stored": outcome.stored,
        "version": outcome.graph,
        "summary": outcome.result.summary(),
        "read": outcome.result.read,
        "imported": outcome.result.imported,
        "skipped": [{"where": x.where, "reason": x.reason, "part": x.part} for x in outcome.result.skipped],
        "report": outcome.report.to_json(),
        "report_text": outcome.report.to_text("en") if outcome.report.results else "",
    }
    if outcome.stored and outcome.graph:
        v = access.snapshot(store).versions[outcome.graph]
        body.update(version_json(v, settings.base_uri))
        return as_json(body, 201)
    return as_json(body, 200 if outcome.report.conforms else 422)


def local_paths(who: Caller) -> list[Path] | None:
    """``{"paths": [...]}``: files on the registry's machine, which only the ``efreg`` command may
    name (with the server's local credential); anyone else sends the data."""
    data = request.get_json(silent=True) if request.is_json else None
    if not isinstance(data, dict) or "paths" not in data:
        return None
    if not who.local:
        raise BadRequest("only the efreg command on the registry's machine may name files; send the data")
    paths = data["paths"]
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
        raise BadRequest('"paths" must be a list of file names')
    return [Path(p) for p in paths]


def save_files(tmp: Path) -> list[Path]:
    paths: list[Path] = []
    if request.files:
        for i, upload in enumerate(request.files.getlist("file")):
            name = secure_filename(upload.filename or "") or f"upload-{i}"
            path = tmp / name
            if path.exists():  # two files of one name: the second in its own folder
                (tmp / str(i)).mkdir()
                path = tmp / str(i) / name
            upload.save(path)
            paths.append(path)
    elif request.content_length:
        name = secure_filename(request.args.get("filename", "")) or "upload"
        path = tmp / name
        path.write_bytes(request.get_data())
        paths.append(path)
    if not paths:
        raise BadRequest(
            "send the data as the request body (Content-Type names the format) or as "
            "multipart/form-data file fields named 'file'"
        )
    return paths


@bp.post("/datasets/<dataset_id>/versions")
def upload(dataset_id: str) -> Response:
    return _upload(dataset_id, dry_run=False)


@bp.post("/datasets/<dataset_id>/validate")
def validate(dataset_id: str) -> Response:
    return _upload(dataset_id, dry_run=True)


def _comment() -> str | None:
    data = request.get_json(silent=True) if request.is_json else None
    text = data.get("comment") if isinstance(data, dict) else request.form.get("comment")
    return str(text)[:4000] if text else None


@bp.post("/datasets/<dataset_id>/versions/<number>/<any(submit, approve, reject, withdraw, comments):action>")
def act(dataset_id: str, number: str, action: str) -> Response:
    who, store, base = required_caller(), get_store(), get_settings().base_uri
    v = publishing.act(
        store,
        base,
        who,
        _dataset_id(dataset_id),
        number,
        "comment" if action == "comments" else action,
        _comment(),
    )
    return as_json(version_json(v, base))


@bp.get("/datasets/<dataset_id>/diff")
def diff(dataset_id: str) -> Response:
    who, store = current_caller(), get_store()
    old, new = request.args.get("from"), request.args.get("to")
    if not old or not new:
        raise BadRequest("give the two versions: ?from=N&to=M")
    a, b = _version(dataset_id, old, who), _version(dataset_id, new, who)
    return as_json(catalog.diff(store, a.graph, b.graph, access.readable_graphs(store, who)).to_json())


@bp.post("/datasets/<dataset_id>/grants")
def grant(dataset_id: str) -> Response:
    who, store, base = required_caller(), get_store(), get_settings().base_uri
    data = request.get_json(silent=True) if request.is_json else None
    publisher = (data or {}).get("publisher") if isinstance(data, dict) else request.form.get("publisher")
    if not publisher or not isinstance(publisher, str):
        raise BadRequest('name the publisher to grant access to: {"publisher": "ID"}')
    grantee = publishing.grant(store, base, who, _dataset_id(dataset_id), publisher)
    return as_json(
        {"dataset": dataset_id, "granted": grantee, "grants": publishing.grants(store, base, dataset_id)}, 201
    )


@bp.delete("/datasets/<dataset_id>/grants/<publisher>")
def revoke_grant(dataset_id: str, publisher: str) -> Response:
    who, store, base = required_caller(), get_store(), get_settings().base_uri
    publishing.grant(store, base, who, _dataset_id(dataset_id), publisher, revoke=True)
    return as_json({"dataset": dataset_id, "grants": publishing.grants(store, base, dataset_id)})
