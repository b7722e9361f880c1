"""The OpenAPI document served by a live registry covers every ``/api`` route of the Flask app (and
names no route the app lacks), each with the methods the route answers; it is valid JSON Schema."""

from __future__ import annotations

import re

import requests
from jsonschema import Draft202012Validator

#: Flask variable names → the document's parameter names
NAMES = {"dataset_id": "dataset", "number": "version", "set_id": "set"}


def documented_form(rule: str, names: dict[str, str] = NAMES) -> list[str]:
    """A Flask rule as the OpenAPI paths it stands for (an ``any`` variable: one path per word)."""
    words = re.search(r"<any\(([^)]*)\):\w+>", rule)
    rules = (
        [rule[: words.start()] + w.strip(" '\"") + rule[words.end() :] for w in words[1].split(",")]
        if words
        else [rule]
    )
    return [re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + names.get(m[1], m[1]) + "}", r) for r in rules]


def test_every_api_route_is_in_the_openapi_document(app, live_server: str) -> None:
    response = requests.get(live_server + "api/openapi.json", timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    doc = response.json()
    assert doc["openapi"].startswith("3.1")
    paths = doc["paths"]
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            forms = documented_form(rule.rule)
            if not set(forms) <= set(paths):  # a route documented with Flask's own variable names
                forms = documented_form(rule.rule, {})
            for path in forms:
                routes.setdefault(path, set()).update(m.lower() for m in rule.methods or ())
    assert {"/api/crosswalk", "/api/mappings", "/api/mappings/{set}.sssom.tsv"} <= set(routes)
    missing = sorted(set(routes) - set(paths))
    assert not missing, f"routes the OpenAPI document (web/openapi.py) lacks: {missing}"
    extra = sorted(p for p in paths if p.startswith("/api/") and p not in routes)
    assert not extra, f"documented paths the app does not have: {extra}"
    for path, methods in routes.items():
        operations = set(paths[path]) - {"parameters", "summary", "description"}
        assert methods - {"head", "options"} == operations, (path, methods, operations)
        for operation in paths[path].values():
            assert operation["operationId"] and operation["responses"]
            names = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "path"}
            assert names == set(re.findall(r"\{(\w+)\}", path)), (path, names)


def test_the_document_s_schemas_are_valid_json_schema(live_server: str) -> None:
    doc = requests.get(live_server + "api/openapi.json", timeout=10).json()
    for name, schema in doc["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
        assert name
    operation_ids = [
        op["operationId"] for item in doc["paths"].values() for op in item.values() if isinstance(op, dict)
    ]
    assert len(operation_ids) == len(set(operation_ids)), "operationIds are unique"


def test_the_documented_mapping_routes_answer_as_documented(live_server: str) -> None:
    sets = requests.get(live_server + "api/mappings", timeout=10)
    assert sets.status_code == 200 and isinstance(sets.json(), list)
    crosswalk = requests.get(live_server + "api/crosswalk", timeout=10)
    assert crosswalk.status_code == 400
    assert crosswalk.headers["Content-Type"] == "application/problem+json"
    missing = requests.get(live_server + "api/mappings/no-such-set.sssom.tsv", timeout=10)
    assert missing.status_code == 404
