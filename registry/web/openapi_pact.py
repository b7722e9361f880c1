"""The OpenAPI entries of the PACT v3 host API (:mod:`registry.web.pact`), merged into
``/api/openapi.json`` by :mod:`registry.web.openapi`. The answers' schemas are PACT's own
(``ProductFootprint``, ``Error``, the CloudEvents): linked, not copied."""

from __future__ import annotations

from typing import Any

JSON = "application/json"
SPEC = "https://docs.carbon-transparency.org/v3/"
PACT_ERROR = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
}
FOOTPRINT = {"type": "object", "description": f"A PACT v3 ProductFootprint ({SPEC}#dt-pf)"}


def _answer(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if schema is not None:
        out["content"] = {JSON: {"schema": schema}}
    return out


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "Bad request (PACT Error, code BadRequest)",
        401: "Invalid or expired access token",
        403: "Plain HTTP (the PACT API answers over HTTPS only)",
        404: "No footprint with this id (code NotFound)",
    }
    return {str(c): _answer(text[c], PACT_ERROR) for c in codes}


def _filter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": {"type": "array", "items": {"type": "string"}},
        "style": "form",
        "explode": True,
    }


FILTERS = [
    _filter("productId", "Any of these product URNs (urn:uuid:<ILCD process UUID>)"),
    _filter("companyId", "Any of these company URNs"),
    _filter("geography", "ISO 3166-1 country or ISO 3166-2 subdivision"),
    _filter("classification", "Any of these product classification URNs"),
    _filter("status", "Active or Deprecated"),
    _filter("validOn", "Valid at this date-time (PACT's default: 3 years from the reference period's end)"),
    _filter("validAfter", "Validity starts after this date-time"),
    _filter("validBefore", "Validity ends before this date-time"),
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
]


def pact_paths() -> dict[str, Any]:
    tags = ["pact"]
    docs = {"description": "PACT Technical Specifications v3", "url": SPEC}
    return {
        "/pact/auth/token": {
            "post": {
                "operationId": "pactAuthToken",
                "summary": "OAuth2 client credentials grant (HTTP Basic, grant_type=client_credentials)",
                "tags": tags,
                "externalDocs": docs,
                "requestBody": {
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["grant_type"],
                                "properties": {"grant_type": {"const": "client_credentials"}},
                            }
                        }
                    }
                },
                "responses": {
                    "200": _answer(
                        "An access token (Bearer, 3600 s)",
                        {
                            "type": "object",
                            "required": ["access_token", "token_type", "expires_in"],
                            "properties": {
                                "access_token": {"type": "string"},
                                "token_type": {"const": "Bearer"},
                                "expires_in": {"type": "integer"},
                            },
                        },
                    ),
                    "400": _answer("grant_type is not client_credentials (error: unsupported_grant_type)"),
                    "401": _answer("Unknown client or wrong secret (error: invalid_client)"),
                    "403": _answer("Plain HTTP"),
                },
            }
        },
        "/pact/3/footprints": {
            "get": {
                "operationId": "pactListFootprints",
                "summary": "Action ListFootprints: v3 filters (OR within, AND between), Link-header pages",
                "tags": tags,
                "externalDocs": docs,
                "parameters": FILTERS,
                "responses": {
                    "200": _answer(
                        "The footprints (a Link header with rel=next when more are left)",
                        {
                            "type": "object",
                            "required": ["data"],
                            "properties": {"data": {"type": "array", "items": FOOTPRINT}},
                        },
                    ),
                    **_errors(400, 401, 403),
                },
            }
        },
        "/pact/3/footprints/{id}": {
            "get": {
                "operationId": "pactGetFootprint",
                "summary": "Action GetFootprint",
                "tags": tags,
                "externalDocs": docs,
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "format": "uuid"},
                    }
                ],
                "responses": {
                    "200": _answer(
                        "The footprint",
                        {"type": "object", "required": ["data"], "properties": {"data": FOOTPRINT}},
                    ),
                    **_errors(400, 401, 403, 404),
                },
            }
        },
        "/pact/3/events": {
            "post": {
                "operationId": "pactEvents",
                "summary": "Action Events: RequestCreatedEvent (answered asynchronously at the client's events URL), "
                "RequestFulfilledEvent, RequestRejectedEvent, PublishedEvent",
                "tags": tags,
                "externalDocs": docs,
                "requestBody": {"content": {"application/cloudevents+json": {"schema": {"type": "object"}}}},
                "responses": {"200": _answer("Accepted (empty body)"), **_errors(400, 401, 403)},
            }
        },
    }
