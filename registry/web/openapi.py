"""The OpenAPI 3.1 document of the publishing API (served at ``/api/openapi.json``), built here as data
so that it ships with the package; a test checks that every ``/api`` route of the app is in it."""

from __future__ import annotations

from functools import cache
from typing import Any

from registry import __version__
from registry.web.openapi_admin import ADMIN_PATHS
from registry.web.openapi_calculation import calculation_paths
from registry.web.openapi_mappings import mapping_paths
from registry.web.openapi_pact import pact_paths

JSON = "application/json"
ERRORS = {
    400: "Bad input",
    401: "No token, or a revoked, unknown or malformed token",
    403: "Not yours (another publisher's dataset), or approving your own data",
    404: "Unknown dataset or version (or one you may not see)",
    409: "The version's state does not allow this; `allowed` lists what does",
    422: "The data violates the SHACL shapes; nothing stored",
}
UPLOAD_TYPES = (
    "text/turtle",
    "application/trig",
    "application/n-triples",
    "application/n-quads",
    "application/ld+json",
    "application/rdf+xml",
    "text/csv",
    "application/zip",
    "application/xml",
    JSON,
)
IMPORT_FORMATS = [
    "ilcd",
    "tidas",
    "oefdb-csv",
    "csv",
    "turtle",
    "trig",
    "ntriples",
    "nquads",
    "jsonld",
    "rdfxml",
    "zip",
]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def answer(description: str, schema: dict[str, Any] | None = None, media_type: str = JSON) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if schema is not None:
        out["content"] = {media_type: {"schema": schema}}
    return out


def errors(*codes: int) -> dict[str, Any]:
    return {str(c): answer(ERRORS[c], ref("Problem"), "application/problem+json") for c in codes}


def nullable(kind: str) -> dict[str, Any]:
    return {"type": [kind, "null"]}


STRING = {"type": "string"}
DATASET = {
    "name": "dataset",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]+$"},
}
VERSION = {
    "name": "version",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9]+$"},
}
BEARER = [{"bearer": []}]

SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "required": ["status", "detail"],
        "properties": {
            "status": {"type": "integer"},
            "detail": STRING,
            "type": STRING,
            "state": STRING,
            "allowed": {"type": "array", "items": STRING},
        },
    },
    "Version": {
        "type": "object",
        "required": ["dataset", "version", "iri", "status"],
        "properties": {
            "dataset": STRING,
            "version": STRING,
            "iri": {"type": "string", "format": "uri"},
            "status": {
                "type": "string",
                "enum": ["draft", "submitted", "published", "rejected", "withdrawn"],
            },
            "access": {"type": "string", "enum": ["open", "commercial"]},
            "publisher": nullable("string"),
            "values_graph": nullable("string"),
            "url": STRING,
        },
    },
    "VersionDetail": {
        "allOf": [
            ref("Version"),
            {
                "type": "object",
                "properties": {
                    "values_readable": {"type": "boolean"},
                    "history": {"type": "array", "items": ref("Activity")},
                },
            },
        ]
    },
    "Activity": {
        "type": "object",
        "description": "A prov:Activity: who (agent), when (at), which version "
        "(prov:used), the status it set.",
        "properties": {
            "activity": STRING,
            "action": nullable("string"),
            "status": nullable("string"),
            "agent": nullable("string"),
            "at": {"type": "string", "format": "date-time"},
            "comment": nullable("string"),
        },
    },
    "Dataset": {
        "type": "object",
        "properties": {
            "dataset": STRING,
            "iri": STRING,
            "publisher": nullable("string"),
            "current": nullable("string"),
            "versions": {"type": "array", "items": ref("Version")},
        },
    },
    "Upload": {
        "type": "object",
        "required": ["stored", "report"],
        "properties": {
            "stored": {"type": "boolean"},
            "version": nullable("string"),
            "summary": STRING,
            "read": {"type": "integer", "description": "Records read (rows, processes; triples for RDF)."},
            "imported": {
                "type": "integer",
                "description": "Records imported: read = imported + skipped records.",
            },
            "skipped": {
                "type": "array",
                "description": "Records (part false) and parts of records (part true) left out, where "
                "(the file as sent, line or element) and why.",
                "items": {
                    "type": "object",
                    "properties": {"where": STRING, "reason": STRING, "part": {"type": "boolean"}},
                },
            },
            "report": {
                "type": "object",
                "description": "The SHACL report (conforms, violations, warnings, results).",
            },
        },
    },
    "Diff": {
        "type": "object",
        "properties": {
            "from": STRING,
            "to": STRING,
            "added": {"type": "array", "items": STRING},
            "removed": {"type": "array", "items": STRING},
            "unchanged": {"type": "integer"},
            "changed": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "factor": STRING,
                        "old": STRING,
                        "new": STRING,
                        "changes": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "kind": {"type": "string", "enum": ["component", "co2e"]},
                                    "of": STRING,
                                    "old": nullable("string"),
                                    "new": nullable("string"),
                                    "old_unit": nullable("string"),
                                    "new_unit": nullable("string"),
                                },
                            },
                        },
                    },
                },
            },
        },
    },
    "Factors": {
        "type": "object",
        "properties": {
            "version": STRING,
            "values_readable": {"type": "boolean"},
            "factors": {"type": "array", "items": {"type": "object"}},
        },
    },
    "Grants": {
        "type": "object",
        "properties": {"dataset": STRING, "granted": STRING, "grants": {"type": "array", "items": STRING}},
    },
}

UPLOAD_PARAMETERS = [
    DATASET,
    {
        "name": "format",
        "in": "query",
        "schema": {"type": "string", "enum": IMPORT_FORMATS},
        "description": "Import format (default: from the Content-Type, the file name and the content).",
    },
    {
        "name": "access",
        "in": "query",
        "schema": {"type": "string", "enum": ["open", "commercial"], "default": "open"},
        "description": "Commercial: anyone sees what the dataset covers, only granted tokens its values.",
    },
    {
        "name": "filename",
        "in": "query",
        "schema": STRING,
        "description": "Name of a raw-body upload (its suffix helps detect the format).",
    },
    {"name": "comment", "in": "query", "schema": STRING},
]
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"}}},
            }
        },
        **{m: {"schema": {"type": "string", "format": "binary"}} for m in UPLOAD_TYPES},
    },
}
COMMENT_BODY = {
    "required": False,
    "content": {JSON: {"schema": {"type": "object", "properties": {"comment": STRING}}}},
}


def action(operation: str, summary: str, *codes: int) -> dict[str, Any]:
    return {
        "post": {
            "operationId": operation,
            "summary": summary,
            "tags": ["review"],
            "security": BEARER,
            "parameters": [DATASET, VERSION],
            "requestBody": COMMENT_BODY,
            "responses": {"200": answer("The version after the change", ref("Version")), **errors(*codes)},
        }
    }


def get(
    operation: str,
    summary: str,
    parameters: list[dict[str, Any]],
    schema: dict[str, Any],
    *codes: int,
    tag: str = "datasets",
) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation,
            "summary": summary,
            "tags": [tag],
            "parameters": parameters,
            "responses": {"200": answer(summary, schema), **errors(*codes)},
        }
    }


def upload(operation: str, summary: str, ok: str, status: str) -> dict[str, Any]:
    return {
        "post": {
            "operationId": operation,
            "summary": summary,
            "tags": ["datasets"],
            "security": BEARER,
            "parameters": UPLOAD_PARAMETERS,
            "requestBody": UPLOAD_BODY,
            "responses": {status: answer(ok, ref("Upload")), **errors(400, 401, 403, 422)},
        }
    }


#: Paths whose request body is bounded by ``max_upload_bytes`` (registry/web/limits.py); every
#: other body by ``max_request_bytes``.
UPLOAD_PATHS = ("/api/datasets/{dataset}/versions", "/api/datasets/{dataset}/validate")
BODY_METHODS = ("post", "put", "patch")


def with_body_limits(paths: dict[str, Any]) -> dict[str, Any]:
    """413 on every operation that takes a request body, naming the setting that bounds it."""
    for path, operations in paths.items():
        setting = "max_upload_bytes" if path in UPLOAD_PATHS else "max_request_bytes"
        for method, operation in operations.items():
            if method in BODY_METHODS or "requestBody" in operation:
                operation["responses"].setdefault(
                    "413",
                    answer(
                        f"The request body is larger than this route accepts (setting {setting}); nothing "
                        "read or stored",
                        ref("Problem"),
                        "application/problem+json",
                    ),
                )
    return paths


@cache
def document() -> dict[str, Any]:
    doc = _document()
    with_body_limits(doc["paths"])
    return doc


def _document() -> dict[str, Any]:
    versions = "/api/datasets/{dataset}/versions/{version}"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "efreg publishing API",
            "version": __version__,
            "description": (
                "Upload dataset versions, validate them, review them (draft → submitted → published | rejected; "
                "published → withdrawn), diff versions and grant access to commercial datasets; administer "
                "organisations, tokens, mapping sets, bulk loads and harvests (`/api/admin/…`). Send "
                "`Authorization: Bearer efreg_…` (tokens: `efreg token create`). Reads without a token see what "
                "anyone may see."
            ),
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": {
            "/api/openapi.json": get("openapi", "This document", [], {"type": "object"}, tag="meta"),
            "/api/datasets": get(
                "listDatasets",
                "Datasets and versions the caller may see",
                [],
                {"type": "object", "properties": {"datasets": {"type": "array", "items": ref("Dataset")}}},
                401,
            ),
            "/api/datasets/{dataset}": get(
                "getDataset", "One dataset with its versions", [DATASET], ref("Dataset"), 401, 404
            ),
            "/api/datasets/{dataset}/versions": upload(
                "uploadVersion",
                "Upload the next version (any import format) as a draft",
                "Stored as a draft",
                "201",
            ),
            "/api/datasets/{dataset}/validate": upload(
                "validateVersion",
                "Validate only: the SHACL report, nothing stored",
                "Conforms (warnings allowed)",
                "200",
            ),
            versions: get(
                "getVersion",
                "One version with its PROV history",
                [DATASET, VERSION],
                ref("VersionDetail"),
                401,
                404,
            ),
            versions + "/factors": get(
                "getFactors",
                "The factors of a version, with the values the caller may read",
                [DATASET, VERSION],
                ref("Factors"),
                401,
                404,
            ),
            versions + "/report": get(
                "getValidationReport",
                "The SHACL report kept with a version (its warnings): by rule (count, message, two "
                "examples) and every result; Turtle with Accept: text/turtle or ?format=ttl",
                [DATASET, VERSION],
                {"type": "object"},
                401,
                404,
            ),
            versions + "/submit": action(
                "submit", "Submit a draft for review (its publisher)", 401, 403, 404, 409
            ),
            versions + "/approve": action(
                "approve",
                "Approve and publish a submitted version, atomically (a reviewer of another publisher)",
                401,
                403,
                404,
                409,
            ),
            versions + "/reject": action(
                "reject", "Reject a submitted version (a reviewer of another publisher)", 401, 403, 404, 409
            ),
            versions + "/withdraw": action(
                "withdraw", "Withdraw a published version (its publisher or an admin)", 401, 403, 404, 409
            ),
            versions + "/comments": action(
                "comment", "Comment on a version (its publisher or a reviewer)", 400, 401, 403, 404
            ),
            "/api/datasets/{dataset}/diff": get(
                "diffVersions",
                "Factors added, removed and changed (old and new values) between two versions",
                [
                    DATASET,
                    {"name": "from", "in": "query", "required": True, "schema": STRING},
                    {"name": "to", "in": "query", "required": True, "schema": STRING},
                ],
                ref("Diff"),
                400,
                401,
                404,
            ),
            "/api/datasets/{dataset}/grants": {
                "post": {
                    "operationId": "grantAccess",
                    "summary": "Let a publisher's tokens read the values of a commercial dataset",
                    "tags": ["access"],
                    "security": BEARER,
                    "parameters": [DATASET],
                    "requestBody": {
                        "required": True,
                        "content": {
                            JSON: {
                                "schema": {
                                    "type": "object",
                                    "required": ["publisher"],
                                    "properties": {"publisher": STRING},
                                }
                            }
                        },
                    },
                    "responses": {"201": answer("Granted", ref("Grants")), **errors(400, 401, 403, 404)},
                }
            },
            "/api/datasets/{dataset}/grants/{publisher}": {
                "delete": {
                    "operationId": "revokeAccess",
                    "summary": "Revoke a grant",
                    "tags": ["access"],
                    "security": BEARER,
                    "parameters": [
                        DATASET,
                        {"name": "publisher", "in": "path", "required": True, "schema": STRING},
                    ],
                    "responses": {"200": answer("Revoked", ref("Grants")), **errors(400, 401, 403, 404)},
                }
            },
            **calculation_paths(),
            **pact_paths(),
            **ADMIN_PATHS,
            **mapping_paths(),
        },
    }
