"""The gate, through `efreg load`'s path: read → validate → store all graphs or none; dry runs; versions; round trip."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef
from rdflib.compare import isomorphic

from registry.config import Settings
from registry.ingest import IngestError, import_paths
from registry.store import Store

DATA = Path(__file__).resolve().parent / "data" / "ingest"
BASE = "http://localhost:8080/"
ELEC = "aef876a0-dd1f-4e00-97c5-3e59a0cfb6ac"
ELEC_XML = DATA / "tiangong" / "processes" / f"{ELEC}.xml"


def load(store: Store, *paths: Path, **kw):
    kw.setdefault("format", None)
    kw.setdefault("dataset_id", None)
    return import_paths(store, list(paths), base_uri=BASE, publisher=None, settings=Settings(), **kw)


def snapshot(store: Store) -> dict[str, int]:
    return dict(store.graphs())


def test_conforming_import_is_stored_with_its_warnings(store: Store):
    before = snapshot(store)
    out = load(store, ELEC_XML)
    assert out.report.conforms and out.stored
    graph = f"{BASE}dataset/tiangong-{ELEC}/1"
    assert graph in store.graphs() and graph not in before
    assert store.ask(
        f"ASK {{ GRAPH <{graph}> {{ <{graph}> <https://w3id.org/efreg/ontology#validationReport> ?r }} }}"
    )
    # the catalog knows the new version
    assert store.ask(
        f"ASK {{ <{BASE}dataset/tiangong-{ELEC}> <http://www.w3.org/ns/dcat#hasCurrentVersion> <{graph}> }}"
    )
    # a second import is the next version, the first one is untouched
    out2 = load(store, ELEC_XML)
    assert out2.result.dataset_iris == [f"{BASE}dataset/tiangong-{ELEC}/2"]
    assert store.graphs()[graph] == before.get(graph, store.graphs()[graph])


def test_dry_run_stores_nothing(store: Store):
    before = snapshot(store)
    out = load(store, ELEC_XML, dry_run=True)
    assert out.report.conforms and not out.stored
    assert snapshot(store) == before


def test_a_violation_stores_nothing_and_names_the_source_record(store: Store, tmp_path: Path):
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        """@prefix ef: <https://w3id.org/efreg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<factor/broken/1> a ef:EmissionFactor ; rdfs:label "broken"@en ; ef:sourceRecord "bad.ttl row 1" .
""",
        encoding="utf-8",
    )
    before = snapshot(store)
    out = load(store, ELEC_XML, bad, dataset_id="mixed")
    assert not out.report.conforms and not out.stored
    assert snapshot(store) == before
    assert any("bad.ttl row 1" in (v.source_record or "") for v in out.report.violations)
    text = out.report.to_text("zh")
    assert "broken" in text


@pytest.mark.parametrize(
    "name,payload",
    [
        ("bad.ttl", b"<a> <b> ."),
        ("bad.xml", b"<processDataSet>"),
        ("bad.jsonld", b'{"@context": "https://example.org/context.jsonld", "@id": "x"}'),
    ],
)
def test_bad_input_raises_and_leaves_the_store_unchanged(store: Store, tmp_path: Path, name, payload):
    p = tmp_path / name
    p.write_bytes(payload)
    before = snapshot(store)
    with pytest.raises(IngestError) as e:
        load(store, p, dataset_id="x")
    assert name in str(e.value)
    assert snapshot(store) == before


def test_rdf_may_not_overwrite_an_existing_version(store: Store, tmp_path: Path):
    load(store, ELEC_XML)
    p = tmp_path / "again.trig"
    p.write_text(f"<dataset/tiangong-{ELEC}/1> {{ <a> <b> <c> }}", encoding="utf-8")
    with pytest.raises(IngestError, match="immutable"):
        load(store, p)


def test_round_trip_import_dump_import_gives_the_same_graph(store: Store, tmp_path: Path):
    """Import into the in-memory store, dump, import the dump into an Oxigraph store, dump again."""
    from registry.store import open_store

    out = load(store, ELEC_XML)
    graph = out.result.dataset_iris[0]
    buf = io.BytesIO()
    store.dump(buf, "trig", graphs=[graph])
    first = Dataset()
    first.parse(data=buf.getvalue(), format="trig")
    # re-import the dump (RDF naming its graph) into another store
    from registry.ingest.seeds import load_seeds
    from registry.store.meta import ensure_base_uri

    other = open_store(f"oxigraph://{tmp_path / 'oxi'}")
    ensure_base_uri(other, BASE)
    load_seeds(other, BASE)
    dumped = tmp_path / "dump.trig"
    dumped.write_bytes(buf.getvalue())
    out2 = load(other, dumped)
    assert out2.stored and out2.result.dataset_iris == [graph]
    buf2 = io.BytesIO()
    other.dump(buf2, "trig", graphs=[graph])
    other.close()
    second = Dataset()
    second.parse(data=buf2.getvalue(), format="trig")
    assert isomorphic(first.graph(URIRef(graph)), second.graph(URIRef(graph)))
    assert len(first.graph(URIRef(graph))) > 50


def test_each_dataset_graph_keeps_the_results_about_its_own_nodes(tmp_path: Path):
    import sys

    from registry.store import open_store

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.generate import Sizes, generate

    path = tmp_path / "several.nq"
    with path.open("wb") as fh:
        generate(fh, Sizes(factors=1050), seed=3, base=BASE)
    store = open_store("memory:")
    out = load(store, path, format="nquads")
    assert out.stored and out.report.warnings and len(out.result.dataset_iris) > 2
    sh = "http://www.w3.org/ns/shacl#"
    kept = 0
    for graph in out.result.dataset_iris:
        rows = store.select(f"""SELECT ?focus (COUNT(?r) AS ?n) WHERE {{ GRAPH <{graph}> {{
            ?report <{sh}result> ?r . ?r <{sh}focusNode> ?focus }} }} GROUP BY ?focus""")
        for row in rows:
            kept += int(row["n"])
            assert store.ask(f"ASK {{ GRAPH <{graph}> {{ <{row['focus']}> ?p ?o }} }}"), (graph, row["focus"])
    assert kept == len(out.report.results)  # every result kept once, with the graph describing its node
