"""Bounded fuzzing (hypothesis) of the SPARQL inspection and of each importer: whatever the input,
the outcome is an answer or the project's own refusal (QuerySyntaxError, QueryLimitExceeded,
IngestError, StoreError), never another exception. Inputs are real sample files mutated at the byte
level with hostile fragments, and free text; the examples are derandomized so CI is repeatable."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.config import Settings
from registry.ingest import IngestError, read_paths
from registry.query.inspect import inspect_query, inspect_update
from registry.query.limits import QueryLimitExceeded, check
from registry.store import QuerySyntaxError, StoreError

from conftest import BASE, DATA

ROOT = Path(__file__).resolve().parents[1]
FUZZ = settings(
    max_examples=120,
    deadline=timedelta(seconds=10),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Fragments that break parsers: brackets, quotes, entities, odd numbers, encodings, formulas.
HOSTILE = [
    b"{",
    b"}",
    b"[",
    b"]",
    b"(",
    b")",
    b'"',
    b'"""',
    b"'",
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"\\",
    b"\\u0000",
    b"\x00",
    b"\xff\xfe",
    b"\xc3",
    b"\n",
    b"\r",
    b"\t",
    b",",
    b";",
    b":",
    b"#",
    b"@prefix x: <http://x/> .",
    b'<!DOCTYPE x [<!ENTITY a "b">]>',
    b"<![CDATA[",
    b"]]>",
    b"1e400",
    b"1e-400",
    b"NaN",
    b"-INF",
    b"-",
    b"=cmd|' /C calc'!A0",
    b"<script>",
    b'"@context": "http://evil/"',
    b'"@id": ',
    b"{" * 200,
    b"[" * 200,
    b"<a>" * 200,
    b"0" * 500,
]


@st.composite
def mutated(draw: st.DrawFn, sample: bytes) -> bytes:
    data = bytearray(sample)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "truncate", "duplicate"]))
        pos = draw(st.integers(0, len(data)))
        if op == "insert":
            data[pos:pos] = draw(st.sampled_from(HOSTILE) | st.binary(max_size=16))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 64))]
        elif op == "replace":
            data[pos : pos + 1] = draw(st.sampled_from(HOSTILE))
        elif op == "truncate":
            del data[pos:]
        else:
            end = min(len(data), pos + draw(st.integers(1, 200)))
            data[pos:pos] = data[pos:end]
    return bytes(data)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the ILCD/TIDAS sample tree (references resolve from processes/ and tidas/)."""
    root = tmp_path_factory.mktemp("fuzz") / "tiangong"
    shutil.copytree(DATA / "ingest" / "tiangong", root)
    return root


def _sample(path: Path, lines: int | None = None) -> bytes:
    data = path.read_bytes()
    return b"\n".join(data.split(b"\n")[:lines]) + b"\n" if lines else data


CSV_TEMPLATE = _sample(ROOT / "docs" / "examples" / "efreg-template-example.csv")
OEFDB = _sample(DATA / "ingest" / "oefdb" / "oefdb-slice.csv", 6)
ILCD = _sample(DATA / "ingest" / "tiangong" / "processes" / "0fda4efb-99c3-41c5-9671-1843d56de3fd.xml")
TIDAS = _sample(DATA / "ingest" / "tiangong" / "tidas" / "tiangong-lca-next_demo-processes.json")
TURTLE = b"""@prefix ef: <https://w3id.org/efreg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<factor/a/1> a ef:EmissionFactor ; ef:component [ ef:value "1.5"^^xsd:decimal ; ef:gas <gas/CO2> ] ;
    <http://www.w3.org/2000/01/rdf-schema#label> "a"@en , ( 1 2 [ ef:x "y" ] ) .
"""
JSONLD = b"""{"@context": {"ef": "https://w3id.org/efreg/ontology#"},
 "@graph": [{"@id": "factor/a/1", "@type": "ef:EmissionFactor", "ef:value": {"@value": "1.5",
 "@type": "http://www.w3.org/2001/XMLSchema#decimal"}, "ef:list": {"@list": [1, [2, 3]]}}]}
"""
RDFXML = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ef="https://w3id.org/efreg/ontology#">
  <rdf:Description rdf:about="http://localhost:8080/factor/a/1"><ef:value rdf:datatype="http://www.w3.org/2001/XMLSchema#decimal">1.5</ef:value>
  <ef:x><rdf:Description><ef:y>z</ef:y></rdf:Description></ef:x></rdf:Description>
</rdf:RDF>
"""


def _import(path: Path, data: bytes, fmt: str) -> None:
    path.write_bytes(data)
    try:
        read_paths(
            [path], format=fmt, base_uri=BASE, dataset_id="fuzz", publisher="fuzz", settings=Settings()
        )
    except (IngestError, StoreError):
        pass  # the project's own refusal: what and where


@FUZZ
@given(data=mutated(CSV_TEMPLATE))
def test_csv_template(tree: Path, data: bytes) -> None:
    _import(tree / "fuzz.csv", data, "csv")


@FUZZ
@given(data=mutated(OEFDB))
def test_oefdb_csv(tree: Path, data: bytes) -> None:
    _import(tree / "fuzz-oefdb.csv", data, "oefdb-csv")


@FUZZ
@given(data=mutated(ILCD))
def test_ilcd(tree: Path, data: bytes) -> None:
    _import(tree / "processes" / "fuzz.xml", data, "ilcd")


@FUZZ
@given(data=mutated(TIDAS))
def test_tidas(tree: Path, data: bytes) -> None:
    _import(tree / "tidas" / "fuzz.json", data, "tidas")


@FUZZ
@given(
    data=st.one_of(mutated(TURTLE), mutated(JSONLD), mutated(RDFXML)),
    fmt=st.sampled_from(["turtle", "jsonld", "rdfxml", "trig", "ntriples"]),
)
def test_rdf(tree: Path, data: bytes, fmt: str) -> None:
    _import(tree / "fuzz.rdf", data, fmt)


@FUZZ
@given(data=mutated(b"PK\x03\x04" + b"\x00" * 40))
def test_zip(tree: Path, data: bytes) -> None:
    _import(tree / "fuzz.zip", data, "zip")


SPARQL = [
    "SELECT",
    "ASK",
    "CONSTRUCT",
    "DESCRIBE",
    "WHERE",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ".",
    ";",
    ",",
    "?s",
    "?p",
    "$o",
    "<http://x/>",
    "ex:p",
    "PREFIX ex: <http://x/>",
    "BASE <http://b/>",
    '"s"',
    '"""long"""',
    "'x'@en",
    "1",
    "-1.5e3",
    "FILTER",
    "OPTIONAL",
    "UNION",
    "MINUS",
    "VALUES",
    "UNDEF",
    "SERVICE",
    "SILENT",
    "GRAPH",
    "FROM",
    "NAMED",
    "BIND",
    "AS",
    "GROUP BY",
    "HAVING",
    "ORDER BY",
    "LIMIT 1",
    "!",
    "&&",
    "||",
    "^^",
    "/",
    "*",
    "+",
    "a",
    "#c\n",
    "\\",
    "INSERT DATA",
    "DELETE WHERE",
    "LOAD",
    "CLEAR ALL",
]
QUERIES = st.lists(st.sampled_from(SPARQL), max_size=60).map(" ".join) | st.text(max_size=200)


@FUZZ
@given(text=QUERIES)
def test_sparql_inspection(text: str) -> None:
    limits = Settings()
    for inspect in (inspect_query, inspect_update):
        try:
            check(text, limits)
            inspect(text, BASE)
        except (QuerySyntaxError, QueryLimitExceeded):
            pass
