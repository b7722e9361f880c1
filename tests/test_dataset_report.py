"""The SHACL report kept with a dataset version, over real HTTP and in headless Chromium: its page
summarises it by rule (severity, count, message, two examples) with links to the whole report, which
``GET /api/datasets/{id}/versions/{n}/report`` serves as JSON or Turtle; the version's own document
no longer carries every result. A slice of the Open Emission Factors DB (92 rows, two warnings
each) stands in for the real 6,181 rows and their 12,362 warnings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from rdflib import Graph, URIRef
from test_web_browser import browser  # noqa: F401  (fixture)
from test_web_pages_browser import no_sideways_scroll, open_page

from registry.publishing.tokens import create_token

from conftest import DATA, seeded_server

SLICE = DATA / "ingest" / "oefdb" / "oefdb-slice.csv"
ROWS = 92
PATH = "dataset/oefdb-slice/1"
REPORT = "api/datasets/oefdb-slice/versions/1/report"
SH_RESULT = URIRef("http://www.w3.org/ns/shacl#result")


@pytest.fixture(scope="module")
def registry() -> Iterator[str]:
    """The seeds plus the slice, loaded by an administrator over HTTP (published at once)."""
    with seeded_server() as (url, store):
        admin = {"Authorization": "Bearer " + create_token(store, "efreg", "admin")}
        loaded = requests.post(
            url + "api/admin/loads",
            params={"format": "oefdb-csv", "dataset": "oefdb-slice", "publisher": "climatiq"},
            data=SLICE.read_bytes(),
            headers={**admin, "Content-Type": "text/csv"},
            timeout=300,
        )
        assert loaded.status_code == 201, loaded.text
        yield url


def test_the_report_route_serves_the_whole_report_as_json_and_turtle(registry: str) -> None:
    whole = requests.get(registry + REPORT, timeout=60)
    assert whole.status_code == 200 and whole.headers["Content-Type"].startswith("application/json")
    body = whole.json()
    assert body["conforms"] and body["violations"] == 0 and body["warnings"] == 2 * ROWS
    assert len(body["results"]) == 2 * ROWS
    by_rule = {r["sourceShape"].rsplit("#", 1)[-1]: r for r in body["rules"]}
    assert {n: r["count"] for n, r in by_rule.items()} == {
        "Factor-label-zh": ROWS,
        "Factor-dataQuality-recommended": ROWS,
    }
    zh = by_rule["Factor-label-zh"]
    assert "Chinese label" in zh["message"]["en"] and "中文名称" in zh["message"]["zh"]
    assert len(zh["examples"]) == 2 and all(e.startswith("http") for e in zh["examples"])
    turtle = requests.get(registry + REPORT, params={"format": "ttl"}, timeout=60)
    assert turtle.headers["Content-Type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert len(list(graph.triples((None, SH_RESULT, None)))) == 2 * ROWS
    by_accept = requests.get(registry + REPORT, headers={"Accept": "text/turtle"}, timeout=60)
    assert (
        by_accept.headers["Content-Type"].startswith("text/turtle") and "Accept" in by_accept.headers["Vary"]
    )
    assert (
        requests.get(registry + "api/datasets/oefdb-slice/versions/9/report", timeout=60).status_code == 404
    )


def test_the_version_document_says_it_conforms_without_every_result(registry: str) -> None:
    doc = requests.get(registry + PATH + ".ttl", timeout=60)
    graph = Graph().parse(data=doc.text, format="turtle")
    assert not list(graph.triples((None, SH_RESULT, None)))
    assert "sh:conforms true" in doc.text or "shacl#conforms" in doc.text


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_dataset_page_summarises_the_report_by_rule(registry, browser, viewport, language):  # noqa: F811
    page, problems = open_page(browser, viewport, language)
    page.goto(registry + PATH)
    section = page.locator("#validation")
    assert section.is_visible()
    rules = section.locator("ul.rules > li")
    assert rules.count() == 2  # one entry per rule, not one per result
    texts = [rules.nth(i).inner_text() for i in range(2)]
    for text in texts:
        assert f"× {ROWS}" in text
        assert text.count("factor/oefdb") == 2  # two examples
    label_rule = next(t for t in texts if "Factor-label-zh" in t)
    assert ("中文名称" in label_rule) if language == "zh" else ("Chinese label" in label_rule)
    assert ("警告" in texts[0]) if language == "zh" else ("Warning" in texts[0])
    box = section.bounding_box()
    assert box is not None and box["height"] < 1000  # readable at a glance, on a phone too
    no_sideways_scroll(page)
    links = section.locator("#full-report a")
    assert links.count() == 2
    href = links.nth(0).get_attribute("href")
    assert href == "/" + REPORT
    assert len(requests.get(registry + href.lstrip("/"), timeout=60).json()["results"]) == 2 * ROWS
    assert not problems, problems
