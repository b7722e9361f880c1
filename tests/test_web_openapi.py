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


def test_every_route_that_takes_a_body_documents_413_and_answers_it_naming_the_setting(store) -> None:
    """Each operation taking a request body documents 413 with the setting that bounds it, and a
    live registry (small limits) answers each of them 413 naming that setting, before any token
    is asked for; every upload route documents 422 (the data violates the shapes, nothing stored)."""
    from registry.config import Settings
    from registry.web import create_app
    from registry.web.openapi import BODY_METHODS, UPLOAD_PATHS

    from conftest import BASE, free_port, serving

    settings = Settings(
        store="memory:", base_uri=BASE, load_seeds=False, max_upload_bytes=4096, max_request_bytes=1024
    )
    with serving(create_app(settings, store=store), free_port()) as url:
        doc = requests.get(url + "api/openapi.json", timeout=10).json()
        probed = 0
        for path, operations in doc["paths"].items():
            for method, operation in operations.items():
                if method not in BODY_METHODS and "requestBody" not in operation:
                    continue
                setting = "max_upload_bytes" if path in UPLOAD_PATHS else "max_request_bytes"
                assert setting in operation["responses"]["413"]["description"], (method, path)
                target = url + re.sub(r"\{\w+\}", "x", path).lstrip("/")
                answer = requests.request(method, target, data=b"{" * 5000, timeout=10)
                assert answer.status_code == 413, (method, path, answer.status_code, answer.text[:200])
                assert setting in answer.text and "5,000 bytes" in answer.text, (path, answer.text)
                probed += 1
                content = operation.get("requestBody", {}).get("content", {})
                if "text/turtle" in content or "application/zip" in content:
                    assert "422" in operation["responses"], (method, path)
        assert probed >= 15
