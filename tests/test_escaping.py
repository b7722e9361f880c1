"""Hostile text in every user-visible field: HTML pages escape it (crawled over real HTTP), and every
CSV/TSV/SSSOM export neutralizes formula injection (OWASP) while numbers stay numbers."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from registry.calculation.batch import write_csv
from registry.config import Settings
from registry.ingest import import_paths
from registry.mapping.sets import store_set
from registry.mapping.sssom import read_sssom, write_sssom
from registry.publishing.tokens import ensure_publisher
from registry.spreadsheet import safe_cell, unquote_cell

from conftest import BASE

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "efreg-template-example.csv"
SSSOM = ROOT / "tests" / "data" / "mapping" / "partner-sources.sssom.tsv"
SCRIPT = "<script>alert('x')</script>"
ATTR = '"><img src=x onerror=alert(1)>'
PAYLOAD = SCRIPT + ATTR
RAW = ("<script>alert(", "<img src=x onerror")


@pytest.mark.parametrize(
    "cell,safe",
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("@SUM(1+1)*cmd", "'@SUM(1+1)*cmd"),
        ('+HYPERLINK("http://x")', '\'+HYPERLINK("http://x")'),
        ("-2+3+cmd", "'-2+3+cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-1.5", "-1.5"),
        ("+2", "+2"),
        ("-3e-4", "-3e-4"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_safe_cell(cell: str, safe: str):
    assert safe_cell(cell) == safe and unquote_cell(safe) == cell


def _csv_with(tmp_path: Path, text: str) -> Path:
    rows = EXAMPLE.read_text(encoding="utf-8").splitlines()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = next(csv.reader([rows[0]]))
    writer.writerow(header)
    for line in rows[1:]:
        row = dict(zip(header, next(csv.reader([line])), strict=True))
        for column in ("name_en", "name_zh", "source_title", "source_table", "notes"):
            if row[column] or column in ("name_en", "name_zh", "source_title"):
                row[column] = f"{text} {column} {row['id']}"
        writer.writerow([row[c] for c in header])
    path = tmp_path / "hostile.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def hostile_store(store, tmp_path: Path):
    """The seeds, a publisher, a dataset and a mapping set whose every text field holds PAYLOAD."""
    ensure_publisher(store, BASE, "acme", f"{PAYLOAD} ACME")
    settings = Settings(store="memory:", base_uri=BASE, load_seeds=False)
    outcome = import_paths(
        store,
        [_csv_with(tmp_path, PAYLOAD)],
        format=None,
        base_uri=BASE,
        dataset_id="hostile",
        publisher="acme",
        settings=settings,
    )
    assert outcome.stored, outcome.report.to_text("en")
    text = SSSOM.read_text(encoding="utf-8").replace("Natural gas", f"Natural gas {PAYLOAD}")
    text = text.replace("#mapping_set_title: ", f"#mapping_set_title: {PAYLOAD} ")
    text = text.replace("Natural Gas combustion", f"Natural Gas combustion {PAYLOAD}")
    mset = read_sssom(text, source="hostile.sssom.tsv", publisher="acme")
    assert store_set(store, mset, BASE).stored
    return store


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "href" and value:
                self.links.append(value)


def test_every_page_escapes_script_in_every_user_visible_field(hostile_store, app, tmp_path):
    from conftest import free_port, serving

    with serving(app, free_port()) as url:
        start = [
            "",
            "catalog",
            "search?q=script",
            "search?q=" + requests.utils.quote(PAYLOAD),
            "factor/",
            "dataset/",
            "publisher/",
            "source/",
            "mapping/",
            "dataset/hostile/1",
            "publisher/acme",
        ]
        queue, seen, pages, payload_pages = [urljoin(url, s) for s in start], set(), 0, 0
        while queue and pages < 250:
            page = queue.pop(0)
            if page in seen:
                continue
            seen.add(page)
            r = requests.get(page, headers={"Accept": "text/html"}, timeout=30)
            if r.status_code != 200 or "text/html" not in r.headers.get("Content-Type", ""):
                continue
            pages += 1
            body = r.text
            assert not any(raw in body for raw in RAW), f"unescaped payload in {page}"
            if "&lt;script&gt;alert(" in body:
                payload_pages += 1
            parser = _Links()
            parser.feed(body)
            for link in parser.links:
                target = urljoin(page, link).split("#")[0]
                parts = urlsplit(target)
                if target.startswith(url) and not parts.path.endswith(
                    (".ttl", ".jsonld", ".nt", ".rdf", ".csv", ".tsv")
                ):
                    if (
                        "hostile" in target
                        or "acme" in target
                        or "mapping" in target
                        or target.count("/") <= 4
                    ):
                        queue.append(target)
    assert payload_pages >= 5, f"the payload was shown (escaped) on only {payload_pages} of {pages} pages"


def test_sparql_csv_answers_neutralize_formulas_but_keep_numbers(client):
    query = """SELECT ?x WHERE { VALUES ?x { "=cmd|' /C calc'!A0" "@SUM(1)" "+HYPERLINK(1)" "-1+cmd" -1.5 "ok" } }"""
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})
    assert r.status_code == 200
    cells = [row[0] for row in csv.reader(io.StringIO(r.get_data(as_text=True)))][1:]
    assert cells == ["'=cmd|' /C calc'!A0", "'@SUM(1)", "'+HYPERLINK(1)", "'-1+cmd", "-1.5", "ok"]
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/tab-separated-values"})
    assert all(line.startswith(('"', "?", "-1.5")) for line in r.get_data(as_text=True).splitlines())


def test_sssom_export_neutralizes_labels_and_reads_back_the_same(store):
    text = SSSOM.read_text(encoding="utf-8").replace("Natural gas\t", "=cmd|' /C calc'!A0\t")
    mset = read_sssom(text, source="x.sssom.tsv", publisher="acme")
    out = write_sssom(mset, mapping_set_id="https://example.org/x.sssom.tsv")
    rows = [line.split("\t") for line in out.splitlines() if not line.startswith("#")]
    header = rows[0]
    labels = [r[header.index("subject_label")] for r in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in labels
    assert not any(cell.startswith(("=", "+", "@")) for r in rows[1:] for cell in r)
    again = read_sssom(out, source="x.sssom.tsv", publisher="acme")
    assert [m.subject_label for m in again.mappings] == [m.subject_label for m in mset.mappings]


def test_calculation_csv_neutralizes_inputs_but_keeps_numbers():
    out = write_csv(
        [
            {"row": 1, "status": 400, "inputs": {"activity": "=1+1", "amount": "-2"}, "error": "@bad"},
            {"row": 2, "status": 200, "inputs": {"amount": "3"}, "co2e": {"value": "-1.5", "unit": "kg"}},
        ]
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["activity"] == "'=1+1" and rows[0]["amount"] == "-2" and rows[0]["error"] == "'@bad"
    assert rows[1]["co2e"] == "-1.5"
