"""Hostile input, family by family, over real HTTP (waitress) on a real store and through `efreg`:
each is refused with a 4xx (CLI exit 2) that names the limit, its setting and where; nothing is
stored; the server keeps answering. docs/reliability.md lists the limits."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from registry.cli import main
from registry.publishing.tokens import create_token, ensure_publisher

from conftest import BASE

DS = "hostile"


@pytest.fixture
def token(store) -> dict[str, str]:
    ensure_publisher(store, BASE, "acme", "ACME Energy")
    return {"Authorization": "Bearer " + create_token(store, "acme", "publisher")}


def quads(store) -> int:
    return sum(store.graphs().values())


def upload(
    url: str, token: dict[str, str], body: bytes, content_type: str, query: str = ""
) -> requests.Response:
    return requests.post(
        f"{url}api/datasets/{DS}/versions{query}",
        data=body,
        headers={**token, "Content-Type": content_type},
        timeout=120,
    )


def zipped(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def nested_json(depth: int, key: str = '"http://e/p"') -> bytes:
    return (
        '{"@context": {}, "@id": "http://e/s", '
        + f"{key}: " * 1
        + "{"
        + f"{key}: {{" * depth
        + "}" * depth
        + "}}"
    ).encode()


DEEP = 100_000
#: (name, content type, query, body, words the refusal must hold)
BAD_UPLOADS = [
    (
        "JSON-LD nested 100k deep",
        "application/ld+json",
        "",
        b'{"@context": {}, "@graph": [' + b"[" * DEEP + b"]" * DEEP + b"]}",
        ["max_nesting_depth", "$.@graph[0]", "line 1"],
    ),
    (
        "JSON-LD objects nested 100k deep",
        "application/ld+json",
        "",
        b'{"@context": {}, "@id": "http://e/s", "http://e/p": '
        + b'{"http://e/p": ' * DEEP
        + b"1"
        + b"}" * DEEP
        + b"}",
        ["max_nesting_depth", '$["http://e/p"]'],
    ),
    (
        "TIDAS JSON nested 100k deep",
        "application/json",
        "?format=tidas&filename=p.json",
        b'{"processDataSet": ' + b'{"a": ' * DEEP + b"1" + b"}" * DEEP + b"}",
        ["max_nesting_depth", "$.processDataSet.a"],
    ),
    (
        "RDF/XML nested 100k deep",
        "application/rdf+xml",
        "",
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        b'xmlns:e="http://e/"><rdf:Description rdf:about="http://e/s">'
        + b"<e:p><rdf:Description>" * DEEP
        + b"</rdf:Description></e:p>" * DEEP
        + b"</rdf:Description></rdf:RDF>",
        ["max_nesting_depth", "line 1"],
    ),
    (
        "ILCD XML nested 100k deep",
        "application/xml",
        "?format=ilcd",
        b'<processDataSet xmlns="http://lca.jrc.it/ILCD/Process">'
        + b"<a>" * DEEP
        + b"</a>" * DEEP
        + b"</processDataSet>",
        ["max_nesting_depth", "line 1"],
    ),
    (
        "a Turtle comment line of 20 MB (one token over pyoxigraph's buffer)",
        "text/turtle",
        "",
        b"#" + b"x" * 20_000_000 + b"\n",
        ["longer than the parser accepts"],
    ),
]


@pytest.mark.parametrize("case", BAD_UPLOADS, ids=[c[0] for c in BAD_UPLOADS])
def test_hostile_uploads_are_refused_with_where_and_nothing_stored(live_server, store, token, case):
    _name, content_type, query, body, words = case
    before = quads(store)
    r = upload(live_server, token, body, content_type, query)
    assert r.status_code == 400, r.text
    detail = r.json()["detail"]
    assert all(w in detail for w in words), detail
    assert quads(store) == before
    assert requests.get(live_server + "sparql?query=ASK{}", timeout=10).status_code == 200


def test_a_50_mb_turtle_body_is_413_naming_the_limit_and_setting(live_server, store, token):
    before = quads(store)
    r = upload(live_server, token, b"# " + b"x" * 50_000_000 + b"\n", "text/turtle")
    assert r.status_code == 413
    detail = r.json()["detail"]
    assert "33,554,432 bytes" in detail and "max_upload_bytes" in detail and "50,000,003" in detail
    assert quads(store) == before


def test_every_other_route_has_its_own_smaller_body_limit(live_server, token):
    r = requests.post(
        f"{live_server}api/datasets/{DS}/grants",
        data=b"x" * 3_000_000,
        headers={**token, "Content-Type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 413 and "max_request_bytes" in r.json()["detail"]
    r = requests.post(
        live_server + "sparql",
        data=b"x" * 11_000_000,
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert r.status_code == 413 and "max_body_bytes" in r.text


def test_a_chunked_body_over_the_limit_is_413_too(live_server, token):
    def chunks():
        for _ in range(40):
            yield b"#" * 1_000_000 + b"\n"

    r = requests.post(
        f"{live_server}api/datasets/{DS}/versions",
        data=chunks(),
        headers={**token, "Content-Type": "text/turtle"},
        timeout=60,
    )
    assert r.status_code == 413 and "max_upload_bytes" in r.json()["detail"]


def test_a_zip_entry_over_the_entry_limit_is_413_naming_the_entry(live_server, store, token):
    before = quads(store)
    body = zipped({"ok.ttl": b"", "big.ttl": b"#" * 70_000_000})  # 70 MB of '#': a few hundred KB zipped
    assert len(body) < 1_000_000
    r = upload(live_server, token, body, "application/zip")
    assert r.status_code == 413
    detail = r.json()["detail"]
    assert "entry 'big.ttl'" in detail and "zip_max_entry_bytes" in detail and "67,108,864" in detail
    assert quads(store) == before


def test_a_zip_of_300_mb_of_hash_signs_is_413(live_server, store, token):
    r = upload(live_server, token, zipped({"a.ttl": b"#" * 300_000_000}), "application/zip")
    assert r.status_code == 413 and "zip_max_uncompressed_bytes" in r.json()["detail"]


def test_an_archive_inside_an_archive_is_refused_whatever_its_name(live_server, token):
    inner = zipped({"a.ttl": b""})
    r = upload(live_server, token, zipped({"data.bin": inner}), "application/zip")
    assert r.status_code == 400 and "nested archives" in r.json()["detail"]


def nested_groups(n: int) -> str:
    return "SELECT * WHERE " + "{" * n + "?s ?p ?o" + "}" * n


def nested_parens(n: int) -> str:
    return "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * n + "?o" + ")" * n + ") }"


def nested_selects(n: int) -> str:
    text = "?s ?p ?o"
    for _ in range(n):
        text = "{ SELECT * WHERE { " + text + " } }"
    return "SELECT * WHERE " + text


def values_rows(n: int) -> str:
    return "SELECT * WHERE { VALUES ?x { " + " ".join(str(i) for i in range(n)) + " } }"


BAD_QUERIES = [
    ("5,000 nested groups", nested_groups(5000), "max_query_depth"),
    ("5,000 nested parentheses in a FILTER", nested_parens(5000), "max_query_depth"),
    ("500 nested sub-selects", nested_selects(500), "max_query_depth"),
    (
        "5,000 nested blank node brackets",
        "SELECT * WHERE { ?s ?p " + "[ ?p " * 5000 + "?o" + "]" * 5000 + " }",
        "max_query_depth",
    ),
    ("5,000 nested collections", "ASK { ?s ?p " + "( " * 5000 + "1" + " )" * 5000 + " }", "max_query_depth"),
    (
        "5,000 nested OPTIONALs",
        "ASK { " + "OPTIONAL { ?s ?p ?o " * 5000 + "}" * 5000 + " }",
        "max_query_depth",
    ),
    ("VALUES with 20,000 rows", values_rows(20_000), "max_values_rows"),
    (
        "VALUES with 20,000 two-variable rows",
        "SELECT * WHERE { VALUES (?x ?y) { " + "(1 2) " * 20_000 + "} }",
        "max_values_rows",
    ),
    ("a 2 MB query text", "ASK { ?s ?p " + '"' + "x" * 2_000_000 + '" }', "max_query_bytes"),
    ("1,000 triple patterns joined by '.'", "ASK { " + "?s ?p ?o . " * 1000 + "}", "split it"),
    (
        "SERVICE inside SERVICE",
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } } }",
        "SERVICE inside a SERVICE",
    ),
]


@pytest.mark.parametrize("case", BAD_QUERIES, ids=[c[0] for c in BAD_QUERIES])
def test_hostile_queries_are_400_naming_the_limit(live_server, case):
    _name, text, words = case
    for method in ("post", "get") if len(text) < 4000 else ("post",):
        if method == "post":
            r = requests.post(live_server + "sparql", data={"query": text}, timeout=60)
        else:
            r = requests.get(live_server + "sparql", params={"query": text}, timeout=60)
        assert r.status_code == 400, r.text[:300]
        assert words in r.text
    assert requests.get(live_server + "sparql?query=ASK{}", timeout=10).status_code == 200


@pytest.mark.parametrize("make", [nested_groups, nested_parens, nested_selects])
def test_queries_at_the_depth_limit_are_answered(client, settings, make):
    """The limit is below what the parser reads: a query nested just up to it is answered."""
    depth = {nested_groups: 16, nested_parens: 14, nested_selects: 7}[make]
    r = client.get(
        "/sparql", query_string={"query": make(depth)}, headers={"Accept": "application/sparql-results+json"}
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    r = client.get("/sparql", query_string={"query": make(depth + 2)})
    assert r.status_code == 400 and "max_query_depth" in r.get_data(as_text=True)


def test_values_at_the_row_limit_are_answered(client):
    r = client.post(
        "/sparql", data={"query": values_rows(10_000)}, headers={"Accept": "application/sparql-results+json"}
    )
    assert r.status_code == 200 and len(r.get_json()["results"]["bindings"]) == 10_000


def test_a_deep_sparql_update_is_400_too(client, store):
    admin = {"Authorization": "Bearer " + create_token(store, "efreg", "admin")}
    text = "INSERT DATA { <http://e/s> <http://e/p> " + "( " * 5000 + "1" + " )" * 5000 + " }"
    r = client.post("/sparql", data={"update": text}, headers=admin)
    assert r.status_code == 400 and "max_query_depth" in r.get_data(as_text=True)


def test_a_deep_calculation_batch_is_400(client):
    r = client.post(
        "/api/calculate", data=b"[" * 100_000 + b"]" * 100_000, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400


# --- the command line: exit 2, a message that says where, no traceback ------------------------------


@pytest.mark.parametrize("case", BAD_UPLOADS[:5], ids=[c[0] for c in BAD_UPLOADS[:5]])
def test_efreg_load_exits_2_with_where_for_each_family(tmp_path: Path, case):
    _name, content_type, query, body, words = case
    suffix = {
        "application/ld+json": ".jsonld",
        "application/rdf+xml": ".rdf",
        "application/json": ".json",
    }.get(content_type, ".xml")
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(body)
    store = "oxigraph://" + (tmp_path / "store").as_posix()
    fmt = ["--format", "tidas"] if "tidas" in query else ["--format", "ilcd"] if "ilcd" in query else []
    result = CliRunner().invoke(
        main, ["load", str(path), *fmt, "--dataset", DS, "--store", store, "--base-uri", BASE]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and all(w in result.output for w in words[:1])
    result = CliRunner().invoke(main, ["validate", str(path), *fmt, "--base-uri", BASE])
    assert result.exit_code == 2 and "max_nesting_depth" in result.output


def test_efreg_load_refuses_a_zip_entry_over_its_limit(tmp_path: Path):
    path = tmp_path / "big.zip"
    path.write_bytes(zipped({"big.ttl": b"#" * 3_000_000}))
    store = "oxigraph://" + (tmp_path / "store").as_posix()
    result = CliRunner().invoke(
        main,
        ["load", str(path), "--dataset", DS, "--store", store, "--base-uri", BASE],
        env={"EFREG_ZIP_MAX_ENTRY_BYTES": "1000000"},
    )
    assert (
        result.exit_code == 2
        and "entry 'big.ttl'" in result.output
        and "zip_max_entry_bytes" in result.output
    )


ILCD_NS = 'xmlns="http://lca.jrc.it/ILCD/Process" xmlns:common="http://lca.jrc.it/ILCD/Common"'


@pytest.mark.parametrize(
    "text,line,words",
    [
        (
            f'<?xml version="1.0"?>\n<!DOCTYPE processDataSet [<!ENTITY x "y">]>\n<processDataSet {ILCD_NS}/>',
            "line 2",
            "DTD",
        ),
        ('<?xml version="1.0"?>\n\n<flowchart/>', "line 3", "not an ILCD dataset"),
        (
            f'<?xml version="1.0"?>\n<processDataSet {ILCD_NS}>\n <processInformation>\n'
            "  <dataSetInformation>\n   <common:UUID>not-a-uuid</common:UUID>\n  </dataSetInformation>\n"
            " </processInformation>\n</processDataSet>",
            "line 5",
            "no valid UUID",
        ),
    ],
    ids=["DTD", "root element", "UUID"],
)
def test_the_three_ilcd_refusals_name_the_line(tmp_path: Path, text: str, line: str, words: str):
    from registry.config import Settings
    from registry.ingest import IngestError, read_paths

    path = tmp_path / "p.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IngestError) as refused:
        read_paths([path], format="ilcd", base_uri=BASE, dataset_id=None, publisher=None, settings=Settings())
    assert f"p.xml, {line}" in str(refused.value) and words in str(refused.value)


def test_more_families_found_by_probing(client, store, token):
    """JSON bodies of other routes, form parts, numbers Python will not convert, temporary paths."""
    deep = b"[" * 50_000 + b"]" * 50_000
    r = client.post(
        f"/api/datasets/{DS}/grants", data=deep, headers={**token, "Content-Type": "application/json"}
    )
    assert r.status_code == 400
    r = client.post(
        f"/api/datasets/{DS}/versions/1/submit",
        data=deep,
        headers={**token, "Content-Type": "application/json"},
    )
    assert r.status_code == 404  # the body is ignored, the version does not exist: no 500
    parts = {f"f{i}": "x" for i in range(2000)}
    r = client.post(
        f"/api/datasets/{DS}/versions", data=parts, headers=token, content_type="multipart/form-data"
    )
    assert r.status_code == 413 and "parts" in r.get_json()["detail"]
    big = b'{"@context": {}, "@id": "http://e/s", "http://e/p": 1' + b"0" * 100_000 + b"}"
    r = client.post(
        f"/api/datasets/{DS}/versions", data=big, headers={**token, "Content-Type": "application/ld+json"}
    )
    assert r.status_code == 400 and "4300 digits" in r.get_json()["detail"]
    assert "/tmp/" not in r.get_json()["detail"] and r.get_json()["detail"].startswith("upload: ")
    for year in ("9" * 5000, "²"):
        r = client.get(
            "/api/calculate",
            query_string={"activity": "x", "geography": "GLO", "amount": "1", "unit": "TJ", "year": year},
        )
        assert r.status_code == 400 and r.get_json()["parameter"] == "year"
    admin = {"Authorization": "Bearer " + create_token(store, "efreg", "admin")}
    assert client.post("/sparql", data={"update": ""}, headers=admin).status_code == 204


@pytest.mark.parametrize("cell", ["1e999999999", "1e-999999999"])
def test_a_csv_exponent_beyond_any_magnitude_skips_its_row(tmp_path: Path, cell: str):
    from registry.config import Settings
    from registry.ingest import NothingImported, read_paths

    rows = (
        (Path(__file__).resolve().parents[1] / "docs" / "examples" / "efreg-template-example.csv")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    path = tmp_path / "exp.csv"
    path.write_text("\n".join([rows[0], rows[1].replace(",0.5366,", f",{cell},")]) + "\n", encoding="utf-8")
    with pytest.raises(NothingImported) as refused:
        read_paths([path], format=None, base_uri=BASE, dataset_id="x", publisher=None, settings=Settings())
    assert (
        refused.value.skipped[0].where == "exp.csv line 2" and "magnitude" in refused.value.skipped[0].reason
    )
