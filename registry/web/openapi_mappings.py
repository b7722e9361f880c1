"""The OpenAPI entries of the mapping routes (:mod:`registry.web.mappings`), merged into
``/api/openapi.json`` by :mod:`registry.web.openapi`."""

from __future__ import annotations

from typing import Any

JSON = "application/json"
STRING = {"type": "string"}
NULLABLE = {"type": ["string", "null"]}
PROBLEM = {"$ref": "#/components/schemas/Problem"}
ERRORS = {
    400: "Bad input: neither concept nor scheme and code, or a concept that is not an absolute IRI",
    404: "No such mapping set (or version), or no concept with that code in that scheme",
}

MAPPING_SET = {
    "type": "object",
    "properties": {
        "iri": STRING,
        "id": STRING,
        "version": STRING,
        "title": STRING,
        "mappings": {"type": "string", "description": "The number of mappings (an integer, as text)"},
    },
}
STEP = {
    "type": "object",
    "properties": {
        "mapping": STRING,
        "mapping_set": STRING,
        "subject": STRING,
        "predicate": STRING,
        "object": STRING,
        "followed": {"type": "string", "enum": ["forward", "inverse"]},
        "confidence": NULLABLE,
        "conversion_factor": NULLABLE,
    },
}
MATCH = {
    "type": "object",
    "properties": {
        "factor": STRING,
        "label": NULLABLE,
        "concept": STRING,
        "category": NULLABLE,
        "hierarchy": NULLABLE,
        "relation": STRING,
        "conversion_factor": {**NULLABLE, "description": "Decimal (lexical form kept) when units change"},
        "per": NULLABLE,
        "path": {"type": "array", "items": STEP},
        "values": {"type": "array", "items": {"type": "object"}},
    },
}


def errors(*codes: int) -> dict[str, Any]:
    return {
        str(c): {"description": ERRORS[c], "content": {"application/problem+json": {"schema": PROBLEM}}}
        for c in codes
    }


def query(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": STRING, "description": description}


def mapping_paths() -> dict[str, Any]:
    return {
        "/api/mappings": {
            "get": {
                "operationId": "listMappingSets",
                "summary": "Every mapping set version: IRI, identifier, version, title, number of mappings",
                "tags": ["mappings"],
                "responses": {
                    "200": {
                        "description": "The mapping set versions",
                        "content": {JSON: {"schema": {"type": "array", "items": MAPPING_SET}}},
                    }
                },
            }
        },
        "/api/mappings/{set}.sssom.tsv": {
            "get": {
                "operationId": "getMappingSetSSSOM",
                "summary": "A mapping set as SSSOM/TSV (the current version, or ?version=N)",
                "tags": ["mappings"],
                "parameters": [
                    {"name": "set", "in": "path", "required": True, "schema": STRING},
                    {"name": "version", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {
                    "200": {
                        "description": "SSSOM/TSV: a YAML header (# lines) and one mapping per row",
                        "content": {"text/tab-separated-values": {"schema": STRING}},
                    },
                    **errors(404),
                },
            }
        },
        "/api/crosswalk": {
            "get": {
                "operationId": "crosswalk",
                "summary": "The factors that correspond to a partner concept, with the mappings followed "
                "and converted values (JSON; HTML for browsers)",
                "tags": ["mappings"],
                "parameters": [
                    query("concept", "The partner concept's IRI"),
                    query("scheme", "Or: a concept scheme (IRI or id such as isic4), with code"),
                    query("code", "The concept's notation in that scheme"),
                    {
                        "name": "related",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["1", "true", "yes", "0", "false", "no"]},
                        "description": "Also follow skos:relatedMatch",
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The corresponding factors",
                        "content": {
                            JSON: {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "concept": STRING,
                                        "count": {"type": "integer"},
                                        "factors": {"type": "array", "items": MATCH},
                                    },
                                }
                            },
                            "text/html": {"schema": STRING},
                        },
                    },
                    **errors(400, 404),
                },
            }
        },
    }
