"""The OpenAPI entries of the calculation routes (:mod:`registry.web.calculate`), merged into
``/api/openapi.json`` by :mod:`registry.web.openapi`."""

from __future__ import annotations

from typing import Any

JSON = "application/json"
PROBLEM = {"$ref": "#/components/schemas/Problem"}
ERRORS = {
    400: "Bad input: an unknown activity, geography, unit or GWP set, or an amount that is not a decimal",
    404: "No factor fits (the problem document's `trail` says what was tried), or no such receipt",
    422: "A unit of another dimension than the factor's (`fitting` lists the units that fit)",
}


def errors(*codes: int) -> dict[str, Any]:
    return {
        str(c): {"description": ERRORS[c], "content": {"application/problem+json": {"schema": PROBLEM}}}
        for c in codes
    }


def get(
    operation: str, summary: str, parameters: list, schema: dict[str, Any], *codes: int
) -> dict[str, Any]:
    ok = {"description": summary, "content": {JSON: {"schema": schema}}}
    return {
        "get": {
            "operationId": operation,
            "summary": summary,
            "tags": ["calculation"],
            "parameters": parameters,
            "responses": {"200": ok, **errors(*codes)},
        }
    }


STRING = {"type": "string"}
DECIMAL = {
    "type": "string",
    "pattern": r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$",
    "description": "a decimal, as a string",
}


def query(
    name: str, description: str, required: bool = False, schema: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or STRING,
    }


CALCULATE_PARAMETERS = [
    query(
        "activity",
        "Activity: our category IRI, a partner's concept IRI (resolved through the mapping sets), or an id under category/activity/",
        True,
    ),
    query(
        "geography",
        "Place: an IRI or a code (CN, CN-GD, GLO); falls back along ef:coversRegion and skos:broader",
        True,
    ),
    query("year", "Year (exact, then nearest earlier, then nearest later)", schema={"type": "integer"}),
    query("amount", "Amount of the activity (decimal; 0 to 1e15)", True, DECIMAL),
    query("unit", "QUDT unit IRI, UCUM code (kW.h, GJ, TJ, t) or a common name", True),
    query("gwp", "AR4, AR5, AR6 (default) or a GWP-set IRI"),
    query("boundary", "Only factors with this boundary (e.g. Combustion)"),
    query("scope", "Only factors of this scope (e.g. Scope2)"),
    query("gas_basis", "Only factors with this gas basis (e.g. CO2Basis)"),
    query("publisher", "Prefer this publisher when all else ties"),
]
GAS = {
    "type": "object",
    "properties": {"gas": STRING, "value": DECIMAL, "unit": STRING, "range": {"type": "object"}},
}
CALCULATION = {
    "type": "object",
    "required": ["factor", "gases", "co2e", "fallback", "receipt"],
    "properties": {
        "inputs": {"type": "object"},
        "factor": {"type": "string", "description": "the immutable factor version IRI"},
        "conversions": {"type": "array", "items": {"type": "object"}},
        "gases": {"type": "array", "items": GAS},
        "co2e": {
            "type": "object",
            "properties": {"value": DECIMAL, "unit": STRING, "gwp": STRING, "range": {"type": "object"}},
        },
        "fallback": {
            "type": "object",
            "description": "the places, activities and candidates considered, and why the chosen one won",
        },
        "notes": {"type": "array", "items": STRING},
        "receipt": {"type": "string", "description": "the receipt IRI (/calculation/{receipt})"},
        "exact": {"type": "boolean"},
    },
}


def calculation_paths() -> dict[str, Any]:
    one = get(
        "calculate",
        "Choose a factor and calculate the gases and CO2e, with a receipt",
        CALCULATE_PARAMETERS,
        CALCULATION,
        400,
        404,
        422,
    )
    one["post"] = {
        "operationId": "calculateBatch",
        "summary": "A batch: a JSON array of parameter objects, or a CSV (header row of parameter names)",
        "tags": ["calculation"],
        "requestBody": {
            "content": {
                JSON: {"schema": {"type": "array", "items": {"type": "object"}}},
                "text/csv": {"schema": STRING},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            }
        },
        "responses": {
            "200": {
                "description": "One result per row (an answer, or the row's status and error); CSV for Accept: text/csv",
                "content": {
                    JSON: {"schema": {"type": "array", "items": {"type": "object"}}},
                    "text/csv": {"schema": STRING},
                },
            },
            **errors(400),
        },
    }
    search = [
        query("q", "Text in English or Chinese"),
        query("geography", "A place (and the places within it)"),
        query("year", "Reference year", schema={"type": "integer"}),
        query("activity", "An activity category (and narrower ones)"),
        query("gas", "A gas"),
        query("publisher", "A publisher"),
        query("dataset", "A dataset version"),
        query("page", "Page (from 1)", schema={"type": "integer"}),
        query("size", "Page size (1 to 100)", schema={"type": "integer"}),
    ]
    return {
        "/api/calculate": one,
        "/api/factors": get(
            "searchFactors",
            "Search factors, with facets and paging",
            search,
            {"type": "object"},
            400,
        ),
        "/calculation/{receipt}": {
            "get": {
                "operationId": "getReceipt",
                "summary": "A receipt (PROV): HTML, Turtle, JSON-LD or JSON (suffix or Accept), replayed, with the factor's status",
                "tags": ["calculation"],
                "parameters": [{"name": "receipt", "in": "path", "required": True, "schema": STRING}],
                "responses": {
                    "200": {"description": "The receipt", "content": {JSON: {"schema": CALCULATION}}},
                    **errors(404),
                },
            }
        },
    }
