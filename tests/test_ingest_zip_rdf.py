"""ZIP archives (limits, unsafe paths) and RDF input (graphs, --dataset, parse errors, no network)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from rdflib import URIRef

from registry.config import Settings
from registry.ingest import IngestError, detect_format

from ingest_support import BASE, read

DATA = Path(__file__).resolve().parent / "data" / "ingest"


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_tidas_style_package_resolves_references_inside_the_zip(tmp_path: Path):
    root = DATA / "tiangong"
    members = {f"pkg/{p.relative_to(root)}": p.read_bytes() for p in root.rglob("*.xml")}
    r = read(make_zip(tmp_path / "pkg.zip", members))
    assert r.read == 5 and r.imported == 3
    assert f"{BASE}dataset/tiangong-aef876a0-dd1f-4e00-97c5-3e59a0cfb6ac/1" in r.dataset_iris
    g = r.dataset.graph(URIRef(f"{BASE}dataset/tiangong-aef876a0-dd1f-4e00-97c5-3e59a0cfb6ac/1"))
    assert any(
        "pkg.zip!pkg/processes/" in str(o)
        for o in g.objects(None, URIRef("https://w3id.org/efreg/ontology#sourceRecord"))
    )


@pytest.mark.parametrize("name", ["../evil.ttl", "/etc/evil.ttl", "a/../../evil.ttl"])
def test_unsafe_paths_are_refused(tmp_path: Path, name: str):
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr(zipfile.ZipInfo(name), b"<a> <b> <c> .")
    with pytest.raises(IngestError) as e:
        read(z, dataset_id="x")
    assert "evil.zip" in str(e.value) and name in str(e.value)


def test_too_many_entries(tmp_path: Path):
    z = make_zip(tmp_path / "many.zip", {f"f{i}.nt": b"" for i in range(30)})
    with pytest.raises(IngestError, match="30 entries, more than the limit of 20"):
        read(z, dataset_id="x", settings=Settings(zip_max_entries=20))


def test_zip_bomb_by_declared_size(tmp_path: Path):
    z = make_zip(tmp_path / "bomb.zip", {"big.nt": b"\n" * 2_000_000})
    assert z.stat().st_size < 20_000
    with pytest.raises(
        IngestError,
        match="decompressed is 2,000,000 bytes, more than the limit of 1,000,000 bytes .setting zip_max_uncompressed_bytes.",
    ):
        read(z, dataset_id="x", settings=Settings(zip_max_uncompressed_bytes=1_000_000))


def test_not_a_zip(tmp_path: Path):
    p = tmp_path / "broken.zip"
    p.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(IngestError, match="not a ZIP"):
        read(p)


def test_turtle_without_dataset_is_refused_and_with_it_goes_to_the_dataset_graph(tmp_path: Path):
    p = tmp_path / "f.ttl"
    p.write_text('<factor/x/1> <http://www.w3.org/2000/01/rdf-schema#label> "x"@en .', encoding="utf-8")
    with pytest.raises(IngestError, match="--dataset"):
        read(p)
    r = read(p, dataset_id="mine")
    assert r.dataset_iris == [f"{BASE}dataset/mine/1"]
    assert (URIRef(f"{BASE}factor/x/1"), None, None) in r.dataset.graph(URIRef(f"{BASE}dataset/mine/1"))


@pytest.mark.parametrize(
    "fmt,suffix,payload",
    [
        ("turtle", ".ttl", b"<a> <b> ;;; ."),
        ("trig", ".trig", b"<g> { <a> <b> }"),
        ("ntriples", ".nt", b"<a> <b> c ."),
        ("nquads", ".nq", b"<a> <b> <c> <d> <e> ."),
        ("jsonld", ".jsonld", b'{"@id": '),
        (
            "rdfxml",
            ".rdf",
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description>',
        ),
    ],
)
def test_rdf_that_does_not_parse(tmp_path: Path, fmt: str, suffix: str, payload: bytes):
    p = tmp_path / f"bad{suffix}"
    p.write_bytes(payload)
    assert detect_format(p) == fmt
    with pytest.raises(IngestError) as e:
        read(p, dataset_id="x")
    assert f"bad{suffix}" in str(e.value)


def test_rdfxml_entities_are_refused(tmp_path: Path):
    p = tmp_path / "xxe.rdf"
    p.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&x;</rdf:RDF>'
    )
    with pytest.raises(IngestError, match="entity"):
        read(p, dataset_id="x")


@pytest.mark.parametrize(
    "name,expected",
    [
        ("tiangong/processes/aef876a0-dd1f-4e00-97c5-3e59a0cfb6ac.xml", "ilcd"),
        ("tiangong/tidas/tiangong-lca-next_demo-processes.json", "tidas"),
        ("oefdb/oefdb-slice.csv", "oefdb-csv"),
    ],
)
def test_detect_format_sniffs_content(name: str, expected: str):
    assert detect_format(DATA / name) == expected
