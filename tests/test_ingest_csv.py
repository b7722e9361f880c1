"""CSV importers: the OEFDB layout (real rows) and the efreg template; encodings; bad numbers."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import URIRef

from registry.ingest import IngestError
from registry.ingest.base import NumberError, parse_decimal
from registry.rdf.namespaces import DCT, EF, RDFS
from registry.validation.reference import validate

from ingest_support import BASE, read, union

ROOT = Path(__file__).resolve().parents[1]
SLICE = ROOT / "tests" / "data" / "ingest" / "oefdb" / "oefdb-slice.csv"
EXAMPLE = ROOT / "docs" / "examples" / "efreg-template-example.csv"
FULL = ROOT.parent / "shared" / "data" / "oefdb" / "OpenEmissionFactorsDB.csv"
HEADER = EXAMPLE.read_text(encoding="utf-8").splitlines()[0]


def test_oefdb_slice_imports_and_conforms():
    r = read(SLICE)
    assert r.read == 92 and r.imported == 92 and not r.skipped
    report = validate(r.dataset, base_iri=BASE)
    assert report.conforms, report.to_text("en")
    g = union(r)
    # multi-value scope, year ranges, China's grid regions, not-supplied cells
    assert len(set(g.objects(None, EF.ghgScope))) == 3
    assert any(True for _ in g.subjects(DCT.temporal, None))
    assert (None, EF.geography, URIRef(BASE + "geo/CN-GRID-NORTH")) in g or (
        None,
        EF.geography,
        URIRef(BASE + "geo/CN"),
    ) in g
    for f in g.subjects(EF.sourceRecord, None):
        assert str(g.value(f, EF.sourceRecord)).startswith("oefdb-slice.csv line ")


def test_progress_is_reported():
    calls: list[tuple[int, int]] = []
    read(SLICE, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1] > 0


def test_oefdb_row_values():
    """Line 3 of the slice: GHG Protocol, USD, AR4 2.09, the AR5 cell 'not-supplied'."""
    g = union(read(SLICE))
    [f] = [s for s, o in g.subject_objects(EF.sourceRecord) if str(o) == "oefdb-slice.csv line 3"]
    values = {
        str(g.value(c, EF.gwpSet)).rsplit("/", 1)[-1]: Decimal(str(g.value(c, EF.value)))
        for c in g.objects(f, EF.co2e)
    }
    assert values == {"AR4-GWP100": Decimal("2.09")}
    assert g.value(f, EF.activityUnit) == URIRef("http://qudt.org/vocab/currency/USD")
    assert g.value(f, EF.geography) == URIRef(BASE + "geo/GLO")
    assert g.value(f, EF.ghgScope) == EF.Scope3


@pytest.mark.skipif(not FULL.is_file(), reason="../shared/data/oefdb is not present")
def test_full_oefdb_at_least_95_percent_and_every_skip_has_a_reason():
    t = time.perf_counter()
    r = read(FULL)
    seconds = time.perf_counter() - t
    assert r.read == 6181
    assert r.imported / r.read >= 0.95
    assert r.imported + len([s for s in r.skipped if "line" in s.where]) == r.read
    assert all(s.where.startswith("OpenEmissionFactorsDB.csv line ") and s.reason for s in r.skipped)
    assert seconds < 60, seconds


def test_template_example_conforms():
    r = read(EXAMPLE)
    assert r.imported == 3 and r.dataset_iris == [BASE + "dataset/efreg-template-example/1"]
    report = validate(r.dataset, base_iri=BASE)
    assert report.conforms, report.to_text("en")
    g = union(r)
    f = URIRef(BASE + "factor/cn-grid-2022-national/1")
    assert {o.language for o in g.objects(f, RDFS.label)} == {"en", "zh"}


@pytest.mark.parametrize(
    "encoding,bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b""), ("gbk", b"")]
)
def test_encodings_are_detected(tmp_path: Path, encoding: str, bom: bytes):
    text = EXAMPLE.read_text(encoding="utf-8")
    p = tmp_path / "factors.csv"
    p.write_bytes(bom + text.encode(encoding))
    g = union(read(p))
    labels = {str(o) for o in g.objects(URIRef(BASE + "factor/cn-grid-2022-national/1"), RDFS.label)}
    assert "全国电网平均电力消费" in labels


def test_declared_encoding_is_used(tmp_path: Path):
    p = tmp_path / "factors.csv"
    p.write_bytes(EXAMPLE.read_text(encoding="utf-8").encode("gb18030"))
    assert read(p, encoding="gb18030").imported == 3
    with pytest.raises(IngestError, match="not utf-8"):
        read(p, encoding="utf-8")


def test_mixed_encodings_are_refused(tmp_path: Path):
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    data = "\n".join(lines[:2]).encode("utf-8") + b"\n" + lines[2].encode("gb18030") + b"\n"
    p = tmp_path / "mixed.csv"
    p.write_bytes(data)
    with pytest.raises(IngestError) as e:
        read(p)
    assert "mixed encodings" in str(e.value) and "mixed.csv" in str(e.value) and "line 3" in str(e.value)


@pytest.mark.parametrize(
    "header,needle",
    [
        (HEADER.replace("activity_unit", "unit"), "wrong header"),
        (HEADER.replace(",", ";"), "semicolons"),
        (HEADER.replace(",", "\t"), "tabs"),
    ],
)
def test_wrong_header_or_delimiter(tmp_path: Path, header: str, needle: str):
    p = tmp_path / "bad.csv"
    p.write_text(header + "\n", encoding="utf-8")
    with pytest.raises(IngestError) as e:
        read(p, format="csv")
    assert needle in str(e.value) and "bad.csv, line 1" in str(e.value)


@pytest.mark.parametrize(
    "cell,reason",
    [("1,234.5", "thousands separator"), ("—", "dash"), ("abc", "not a number"), ("-3", "negative")],
)
def test_bad_numbers_skip_the_row_with_line_and_reason(tmp_path: Path, cell: str, reason: str):
    rows = EXAMPLE.read_text(encoding="utf-8").splitlines()
    bad = rows[1].replace(",0.5366,", f',"{cell}",')
    p = tmp_path / "nums.csv"
    p.write_text("\n".join([rows[0], bad, rows[2]]) + "\n", encoding="utf-8")
    r = read(p)
    assert r.imported == 1 and len(r.skipped) == 1
    assert r.skipped[0].where == "nums.csv line 2" and reason in r.skipped[0].reason


def test_exponent_is_a_decimal_never_a_float():
    assert parse_decimal("1.2e3") == Decimal("1200")
    assert parse_decimal(" 0.5366 ") == Decimal("0.5366")
    with pytest.raises(NumberError):
        parse_decimal("1,234.5")


def test_unknown_unit_and_region_are_listed(tmp_path: Path):
    rows = EXAMPLE.read_text(encoding="utf-8").splitlines()
    p = tmp_path / "partial.csv"
    p.write_text(
        "\n".join([rows[0], rows[1].replace(",kWh,", ",furlong,"), rows[2].replace(",GLO,", ",XX,"), rows[3]])
        + "\n",
        encoding="utf-8",
    )
    r = read(p)
    assert r.read == 3 and r.imported == 1
    reasons = {s.where: s.reason for s in r.skipped}
    assert reasons["partial.csv line 2"].startswith("unknown unit")
    assert reasons["partial.csv line 3"].startswith("unknown region")
