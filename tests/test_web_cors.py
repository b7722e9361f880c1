"""Cross-origin requests (registry/web/cors.py): the preflight over HTTP, and a page on one origin (a
registry on port A) calling another registry (port B) in headless Chromium — a SPARQL POST and an
authorized API call, which the browser makes only after a preflight it accepts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from test_web_browser import browser  # noqa: F401  (fixture)

from registry.publishing.tokens import create_token, ensure_publisher
from registry.web import create_app

from conftest import BASE, free_port, serving

QUERY = "ASK { ?f a <https://w3id.org/efreg/ontology#EmissionFactor> }"


def preflight(url: str, method: str, headers: str = "") -> requests.Response:
    return requests.options(
        url,
        headers={
            "Origin": "http://elsewhere.example",
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
        timeout=10,
    )


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("sparql", "POST"),
        ("sparql", "GET"),
        ("api/datasets", "GET"),
        ("api/datasets/acme/versions", "POST"),
        ("api/datasets/acme/versions/1/approve", "POST"),
        ("api/datasets/acme/grants/beta", "DELETE"),
        ("api/calculate", "POST"),
        ("factor/ipcc2006-t2.2-natural-gas/1", "GET"),
    ],
)
def test_preflight_answers_methods_headers_and_max_age(live_server: str, path: str, method: str) -> None:
    response = preflight(live_server + path, method, "authorization, content-type")
    assert response.status_code in (200, 204)
    h = response.headers
    assert h["Access-Control-Allow-Origin"] == "*"
    assert method in [m.strip() for m in h["Access-Control-Allow-Methods"].split(",")]
    allowed = {x.strip().lower() for x in h["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "accept", "accept-profile"} <= allowed
    assert int(h["Access-Control-Max-Age"]) >= 600
    # bearer tokens are headers, not credentials: the browser is never told to send cookies
    assert "Access-Control-Allow-Credentials" not in h


def test_actual_answers_allow_any_origin_errors_included(live_server: str) -> None:
    origin = {"Origin": "http://elsewhere.example"}
    answers = [
        requests.post(live_server + "sparql", data={"query": QUERY}, headers=origin, timeout=10),
        requests.get(live_server + "api/datasets", headers=origin, timeout=10),
        requests.post(live_server + "api/datasets/x/versions", headers=origin, timeout=10),  # 401
        requests.get(live_server + "sparql", params={"query": "SELEC"}, headers=origin, timeout=10),  # 400
    ]
    assert [r.status_code for r in answers] == [200, 200, 401, 400]
    for r in answers:
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in r.headers
    assert "WWW-Authenticate" in answers[2].headers["Access-Control-Expose-Headers"]


@pytest.fixture
def two_origins(app, store, settings) -> Iterator[tuple[str, str, str]]:
    """Origin A serves a page, origin B the registry the page calls; and a token of B."""
    ensure_publisher(store, BASE, "acme", "ACME Energy")
    token = create_token(store, "acme", "publisher")
    other = create_app(settings, store=store)
    with serving(other, free_port()) as a, serving(app, free_port()) as b:
        yield a, b, token


def test_a_page_on_another_origin_posts_a_query_and_calls_the_api(two_origins, browser) -> None:  # noqa: F811
    origin_a, origin_b, token = two_origins
    assert origin_a != origin_b
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.goto(origin_a + "sparql", wait_until="domcontentloaded")
    assert page.evaluate("location.origin") + "/" == origin_a
    result = page.evaluate(
        """async ([b, token, query]) => {
            const sparql = await fetch(b + "sparql", {
                method: "POST",
                headers: {"Content-Type": "application/sparql-query",
                          "Accept": "application/sparql-results+json"},
                body: query});
            const api = await fetch(b + "api/datasets", {
                headers: {"Authorization": "Bearer " + token, "Accept": "application/json"}});
            const upload = await fetch(b + "api/datasets/acme-x/validate", {
                method: "POST",
                headers: {"Authorization": "Bearer " + token, "Content-Type": "text/turtle"},
                body: "<http://example.org/a> <http://example.org/b> <http://example.org/c> ."});
            const wrong = await fetch(b + "api/datasets", {headers: {"Authorization": "Bearer efreg_nope"}});
            return {sparql: [sparql.status, await sparql.json()],
                    api: [api.status, await api.json()],
                    upload: [upload.status, await upload.json()],
                    wrong: [wrong.status, wrong.headers.get("WWW-Authenticate")]};
        }""",
        [origin_b, token, QUERY],
    )
    assert result["sparql"] == [200, {"head": {}, "boolean": True}]
    assert result["api"][0] == 200 and "datasets" in result["api"][1]
    # a write with a token and a body: the server's verdict reaches the page
    assert result["upload"][0] == 400 and "detail" in result["upload"][1], result["upload"]
    # an invalid token is refused by the server (401), readable by the page, not hidden by CORS
    assert result["wrong"][0] == 401 and result["wrong"][1].lower().startswith("bearer")
    assert not [p for p in problems if "CORS" in p], problems


def test_credentials_mode_include_is_refused_by_the_browser(two_origins, browser) -> None:  # noqa: F811
    """The choice: no Access-Control-Allow-Credentials, so a page cannot ride on cookies."""
    origin_a, origin_b, _ = two_origins
    page = browser.new_page()
    page.goto(origin_a + "sparql", wait_until="domcontentloaded")
    outcome = page.evaluate(
        """async (b) => {
            try { await fetch(b + "api/datasets", {credentials: "include"}); return "read"; }
            catch (e) { return "refused"; }
        }""",
        origin_b,
    )
    assert outcome == "refused"
