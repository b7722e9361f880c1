"""ILCD XML and TIDAS JSON importers, on real TianGong files."""

from __future__ import annotations

import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from registry.ingest import IngestError, NothingImported
from registry.rdf.namespaces import DCT, EF, PROV, RDFS, SCHEMA

from ingest_support import BASE, read, union

DATA = Path(__file__).resolve().parent / "data" / "ingest" / "tiangong"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "tiangong"
ELEC = "aef876a0-dd1f-4e00-97c5-3e59a0cfb6ac"
PROPYLENE = "0059b3c2-8989-44a7-882e-c26a3dc06a2f"


def component(g: Graph, factor: URIRef, gas: str) -> Decimal:
    for c in g.objects(factor, EF.component):
        if g.value(c, EF.gas) == URIRef(BASE + "gas/" + gas):
            return Decimal(str(g.value(c, EF.value)))
    raise AssertionError(f"no {gas} component")


def test_china_thermal_power_gives_0834_kg_fossil_co2_per_kwh():
    r = read(DATA / "processes" / f"{ELEC}.xml")
    g = union(r)
    f = URIRef(f"{BASE}factor/tiangong-{ELEC}/1")
    assert component(g, f, "CO2") == Decimal("0.834091067")
    assert g.value(f, EF.activityUnit) == URIRef("http://qudt.org/vocab/unit/KiloW-HR")
    assert g.value(f, EF.geography) == URIRef(BASE + "geo/CN")
    assert str(g.value(f, EF.referenceYear)) == "2019"
    assert g.value(f, EF.boundary) == EF.GateToGate
    assert r.dataset_iris == [f"{BASE}dataset/tiangong-{ELEC}/1"]
    # CO2e under every GWP set, decimals only
    sets = {str(g.value(c, EF.gwpSet)).rsplit("/", 1)[-1] for c in g.objects(f, EF.co2e)}
    assert sets == {"AR4-GWP100", "AR5-GWP100", "AR6-GWP100"}
    for o in g.objects(None, EF.value):
        assert o.datatype == URIRef("http://www.w3.org/2001/XMLSchema#decimal")
        assert "e" not in str(o).lower()
    # provenance: UUID and version of the ILCD data set, names in both languages
    rec = g.value(f, PROV.wasDerivedFrom)
    assert str(g.value(rec, DCT.identifier)) == ELEC
    assert (rec, URIRef("http://www.w3.org/ns/dcat#version"), Literal("00.01.005")) in g
    assert {o.language for o in g.objects(rec, RDFS.label)} == {"en", "zh"}
    assert g.value(rec, EF.datasetType) == EF.UnitProcess
    assert "&amp;" not in str(g.value(rec, SCHEMA.url))
    assert any("gate-to-gate" in str(c) for c in g.objects(f, RDFS.comment))
    assert str(g.value(f, EF.sourceRecord)).endswith(f"(ILCD UUID {ELEC})")


def test_flow_uuids_do_not_matter_gases_come_from_cas_and_name():
    with pytest.raises(NothingImported) as refused:  # its one process skipped: nothing to import
        read(DATA / "processes" / "7aa37d4f-ea88-4f89-9378-4f1159bedea7.xml")
    # no reference year: reported, not hidden
    skipped = refused.value.skipped
    assert "no reference year" in skipped[0].reason and "7aa37d4f" in skipped[0].where


def test_dangling_ref_source_is_listed_and_the_factor_still_imports():
    r = read(DATA / "processes" / "6d390a38-8a3d-410c-8192-60b70b0bd286.xml")
    assert r.imported == 1
    [s] = r.skipped
    assert "#REF!" in s.where and "dangling reference" in s.reason


def test_process_without_greenhouse_gas_is_reported():
    with pytest.raises(NothingImported) as refused:
        read(DATA / "processes" / "0fda4efb-99c3-41c5-9671-1843d56de3fd.xml")
    assert "no greenhouse-gas emission" in refused.value.skipped[0].reason
    assert "no greenhouse-gas emission" in str(refused.value)


def test_personal_contacts_are_not_published_by_default():
    path = DATA / "processes" / f"{ELEC}.xml"
    text = union(read(path)).serialize(format="nt")
    assert not re.search(r"[\w.]+@[\w-]+\.", text), "an e-mail address leaked"
    assert "Ruoxi Xiong" not in text and "熊若熙, " not in text
    published = union(read(path, publish_contacts=True)).serialize(format="nt")
    assert "mailto:xiongrx0126@163.com" in published


def test_tidas_json_and_ilcd_xml_give_the_same_triples():
    """Identical once the places where the two copies of the data differ are aligned: the version
    (XML 00.01.005, JSON 01.00.005), the first classification level (XML only) and the host of the
    permanent URI. Everything else — factor, gases, units, names, provenance — is the same."""
    xml = union(read(DATA / "processes" / f"{PROPYLENE}.xml"))
    js = union(read(DATA / "tidas" / "tiangong-lca-next_demo-processes.json"))
    f = URIRef(f"{BASE}factor/tiangong-{PROPYLENE}/1")
    assert component(xml, f, "CO2") == component(js, f, "CO2") == Decimal("0.56")

    def aligned(g: Graph, edits: list[tuple[str, str]]) -> Graph:
        out = Graph()
        for s, p, o in g:
            if p not in {EF.sourceRecord, DCT.issued}:
                out.add((s, p, o))
        text = out.serialize(format="nt")
        for old, new in edits:
            text = text.replace(old, new)
        return Graph().parse(data=text, format="nt")

    a = aligned(
        xml,
        [
            ("00.01.005", "01.00.005"),
            ("Unit processes / Materials production", "Materials production"),
            ("Unit-processes-Materials-production", "Materials-production"),
            ("lcadata.tiangong.world", "lcdn.tiangong.earth"),
        ],
    )
    b = aligned(js, [])
    assert len(a) == len(b) > 100
    assert isomorphic(a, b)


@pytest.mark.parametrize(
    "payload,needle",
    [
        (b"<processDataSet><unclosed></processDataSet>", "malformed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><processDataSet>&e;'
            b"</processDataSet>",
            "DTD",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]>'
            b"<processDataSet>&b;</processDataSet>",
            "entity",
        ),
    ],
)
def test_bad_xml_is_refused_with_file_and_place(tmp_path, payload, needle):
    p = tmp_path / "bad.xml"
    p.write_bytes(payload)
    with pytest.raises(IngestError) as e:
        read(p, format="ilcd")
    assert "bad.xml" in str(e.value) and needle.lower() in str(e.value).lower()


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/tiangong is not present")
def test_all_45_processes_are_imported_or_reported():
    t = time.perf_counter()
    r = read(SHARED / "processes")
    seconds = time.perf_counter() - t
    assert r.read == 45
    reported = {
        re.search(r"ILCD process ([0-9a-f-]{36})\)$", s.where).group(1)
        for s in r.skipped
        if s.where.endswith(")")
    }
    imported = {i.rsplit("/", 2)[-2].removeprefix("tiangong-") for i in r.dataset_iris}
    assert len(imported) == r.imported >= 35
    assert len(imported | reported) == 45
    assert seconds < 10, seconds
    from registry.validation.reference import validate

    report = validate(r.dataset, base_iri=BASE)
    assert report.conforms, report.to_text("en")
    # every factor carries its provenance
    g = union(r)
    for f in g.subjects(EF.sourceRecord, None):
        assert g.value(g.value(f, PROV.wasDerivedFrom), DCT.identifier) is not None
