"""The OpenAPI entries of the administration routes (:mod:`registry.web.admin`), merged into
``/api/openapi.json`` by :mod:`registry.web.openapi`. A new admin resource adds its paths to
:data:`ADMIN_PATHS` with :func:`operation`."""

from __future__ import annotations

from typing import Any

JSON = "application/json"
PROBLEM = {"$ref": "#/components/schemas/Problem"}
BEARER = [{"bearer": []}]
ERRORS = {
    400: "Bad input (the problem document says what and where)",
    401: "No token, or a revoked, unknown or malformed one",
    403: "Not an admin token (publisher and reviewer tokens are refused); or an endpoint not allowed",
    404: "Unknown publisher, token or mapping set",
    409: "Conflicts with what the registry holds (a publisher that exists; one the seeds describe)",
    422: "The data violates the SHACL shapes; nothing stored",
    502: "The partner's endpoint failed (down, slow, not SPARQL); nothing stored",
}
STRING = {"type": "string"}
OBJECT = {"type": "object"}
UPLOAD_TYPES = (
    "multipart/form-data",
    "text/tab-separated-values",
    "text/csv",
    "text/turtle",
    "application/rdf+xml",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
    "application/ld+json",
    "application/zip",
    "application/xml",
)


def _param(name: str, where: str = "query", description: str = "", **schema: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "in": where, "schema": schema or STRING}
    if where == "path":
        out["required"] = True
    if description:
        out["description"] = description
    return out


def _json_body(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "required": required, "properties": properties}
    return {"required": True, "content": {JSON: {"schema": schema}}}


UPLOAD = {
    "required": True,
    "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in UPLOAD_TYPES},
}


def operation(
    operation_id: str,
    summary: str,
    ok: str = "200",
    *codes: int,
    parameters: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One admin operation: bearer security, JSON answer ``ok``, the problem answers ``codes`` (401
    and 403 always)."""
    out: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "tags": ["admin"],
        "security": BEARER,
        "parameters": parameters or [],
        "responses": {
            ok: {"description": summary, "content": {JSON: {"schema": OBJECT}}},
            **{
                str(c): {
                    "description": ERRORS[c],
                    "content": {"application/problem+json": {"schema": PROBLEM}},
                }
                for c in sorted({401, 403, *codes})
            },
        },
    }
    if body is not None:
        out["requestBody"] = body
    return out


PUBLISHER = _param("publisher", "path")
DRY_RUN = _param("dry_run", description="true: validate and report, store nothing", type="boolean")

ADMIN_PATHS: dict[str, Any] = {
    "/api/admin/publishers": {
        "get": operation("listPublishers", "Organisations, their names and live tokens"),
        "post": operation(
            "createPublisher",
            "Describe a new organisation (publisher/{id}) in the catalog",
            "201",
            400,
            409,
            body=_json_body(["id", "name"], {"id": STRING, "name": STRING, "name_zh": STRING}),
        ),
    },
    "/api/admin/publishers/{publisher}": {
        "patch": operation(
            "renamePublisher",
            "Rename an organisation (English name, Chinese name_zh)",
            "200",
            400,
            404,
            409,
            parameters=[PUBLISHER],
            body=_json_body([], {"name": STRING, "name_zh": STRING}),
        )
    },
    "/api/admin/tokens": {
        "get": operation("listTokens", "Every token: id, publisher, role, created, revoked (never a secret)"),
        "post": operation(
            "createToken",
            "Issue a token; the answer's `token` is the secret, shown this once",
            "201",
            400,
            body=_json_body(
                ["publisher", "role"],
                {"publisher": STRING, "role": {"enum": ["publisher", "reviewer", "admin"]}, "name": STRING},
            ),
        ),
    },
    "/api/admin/tokens/{token_id}": {
        "delete": operation(
            "revokeToken", "Revoke a token", "200", 404, parameters=[_param("token_id", "path")]
        )
    },
    "/api/admin/pact/clients": {
        "post": operation(
            "createPactClient",
            "Register a PACT data recipient; the answer holds its OAuth2 client_id and client_secret "
            "(the secret shown this once, as `efreg pact client create` prints it)",
            "201",
            400,
            body=_json_body(["name"], {"name": STRING, "events_url": STRING}),
        )
    },
    "/api/admin/pact/derive": {
        "post": operation(
            "derivePactFootprints",
            "Derive the PACT footprints of what is published again (done at every release), as "
            "`efreg pact derive`: {footprints, refused: {factor version: [{field, reason}]}, lines}",
        )
    },
    "/api/admin/grants": {"get": operation("listGrants", "Every grant of a commercial dataset's values")},
    "/api/admin/activities": {
        "get": operation(
            "listActivities",
            "The PROV record of administrative changes, newest first",
            parameters=[_param("limit", type="integer", minimum=1, maximum=10_000)],
        )
    },
    "/api/admin/mappings": {
        "post": operation(
            "importMappingSet",
            "Import a mapping set (SSSOM/TSV, flow-mapping CSV, SKOS RDF) as the next version of its "
            "set: the same report as `efreg mappings import` (201 stored; 200 unchanged or dry run)",
            "201",
            400,
            422,
            parameters=[
                _param("format", type="string", enum=["sssom", "flowmap", "skos"]),
                _param("set_id", description="dataset/ID/N; SSSOM: from mapping_set_id"),
                _param("publisher"),
                _param("publisher_name"),
                _param("title"),
                _param("license", description="license IRI (flowmap, skos)"),
                _param("source_url"),
                _param("filename", description="the file's name (its suffix names the format)"),
                DRY_RUN,
            ],
            body=UPLOAD,
        )
    },
    "/api/admin/mappings/{set_id}": {
        "delete": operation(
            "deleteMappingSet",
            "Delete every version of a mapping set",
            "200",
            404,
            parameters=[_param("set_id", "path")],
        )
    },
    "/api/admin/loads": {
        "post": operation(
            "bulkLoad",
            "Import files through the gate as `efreg load` does, with its report (201 stored; 200 dry run)",
            "201",
            400,
            422,
            parameters=[
                _param("format"),
                _param("dataset"),
                _param("publisher"),
                _param("encoding"),
                _param("publish_contacts", type="boolean"),
                _param("lang", type="string", enum=["en", "zh"]),
                _param("report_turtle", description="true: the SHACL report in Turtle too", type="boolean"),
                DRY_RUN,
            ],
            body=UPLOAD,
        )
    },
    "/api/admin/harvests": {
        "post": operation(
            "harvest",
            "Harvest a partner's SPARQL endpoint (allow-listed) into a new dataset version, as "
            "`efreg harvest` does (201 stored; 200 unchanged or dry run)",
            "201",
            400,
            422,
            502,
            body=_json_body(
                ["endpoint", "dataset", "publisher"],
                {
                    "endpoint": {"type": "string", "format": "uri"},
                    "dataset": STRING,
                    "publisher": STRING,
                    "publisher_name": STRING,
                    "title": STRING,
                    "license": STRING,
                    "gwp_set": STRING,
                    "boundary": STRING,
                    "profile": {"enum": ["ecfo"]},
                    "page_size": {"type": "integer", "minimum": 1},
                    "max_records": {"type": "integer", "minimum": 1},
                    "timeout": {"type": "number"},
                    "dry_run": {"type": "boolean"},
                },
            ),
        )
    },
    "/api/admin/recover": {
        "post": operation(
            "recover", "Drop the graphs an interrupted upload left behind (done at every start)"
        )
    },
}
